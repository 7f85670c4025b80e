"""What runs in a DataLoader worker thread: the loop that turns index lists into batches, the per-thread
`WorkerInfo`, and the wrapper that carries an exception back to the main thread.

Workers are threads, not processes: NumPy releases the GIL in its array work (indexing, arithmetic, copies,
decompression), so threads overlap loading with training without pickling the dataset or copying batches
between processes, and they start in microseconds. The price is shared state: a dataset's ``__getitem__`` runs
concurrently in several threads, and the global random generator is shared (use ``get_worker_info().rng``
for per-worker random augmentation).
"""

from __future__ import annotations

import queue
import random
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ...ops.random import Generator
from ._fetch import make_fetcher

__all__ = ["WorkerInfo", "get_worker_info"]

_local = threading.local()


@dataclass(frozen=True)
class WorkerRNG:
    """Random streams owned by one worker thread, seeded with the worker's seed."""

    random_generator: random.Random
    torch_generator: Generator
    numpy_generator: np.random.Generator


@dataclass(frozen=True)
class WorkerInfo:
    """Describes the DataLoader worker thread that is running the current code.

    Attributes:
        id: the worker's index, ``0 .. num_workers - 1``.
        num_workers: how many workers the DataLoader runs.
        seed: this worker's seed (the loader's base seed plus ``id``), new every epoch.
        dataset: the dataset this worker reads (for an IterableDataset, the worker's own shallow copy).
        rng: random streams seeded with ``seed``, private to this worker.
        worker_method: always ``"thread"`` in brickwork.

    Example:
        >>> from brickwork.utils.data import DataLoader, Dataset, get_worker_info
        >>> class WorkerCount(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, i):
        ...         return get_worker_info().num_workers
        >>> [int(n) for n in DataLoader(WorkerCount(), batch_size=None, num_workers=2)]
        [2, 2, 2, 2]
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: WorkerRNG | None = None
    worker_method: str = "thread"


def get_worker_info() -> WorkerInfo | None:
    """The `WorkerInfo` of the DataLoader worker thread calling it, or None outside workers.

    Example:
        >>> from brickwork.utils.data import get_worker_info
        >>> get_worker_info() is None
        True
    """
    return getattr(_local, "info", None)


class KeyErrorMessage(str):
    """A KeyError message that prints its newlines (KeyError shows the repr of its argument)."""

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception raised in a worker, re-raised in the main thread with the worker's traceback."""

    def __init__(self, where: str) -> None:
        exc_type, exc, tb = sys.exc_info()
        self.exc_type = exc_type
        self.exc = exc
        self.msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self) -> None:
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.msg}"  # type: ignore[union-attr]
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            err = self.exc_type(msg)  # type: ignore[misc]
        except Exception:
            err = RuntimeError(msg)
        raise err from self.exc


@dataclass(frozen=True)
class StopMarker:
    """Sent by a worker whose iterable dataset is exhausted."""

    worker_id: int


class Resume:
    """Asks a persistent worker to start a new epoch with a fresh fetcher; echoed back as the ack."""


def worker_loop(iterable: bool, dataset: Any, index_queue: queue.Queue, result_queue: queue.Queue,
                done: threading.Event, auto_collation: bool, collate_fn: Callable, drop_last: bool,
                seed: int, init_fn: Callable[[int], None] | None, worker_id: int, num_workers: int) -> None:
    """Serve ``(batch_number, indices)`` requests from ``index_queue`` until ``None`` arrives.

    Every result goes to ``result_queue`` as ``(batch_number, batch | ExceptionWrapper | StopMarker)``.
    """
    where = f"in DataLoader worker thread {worker_id}"
    _local.info = WorkerInfo(worker_id, num_workers, seed, dataset, WorkerRNG(
        random.Random(seed), Generator().manual_seed(seed), np.random.default_rng(seed)))
    init_error = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception:
            init_error = ExceptionWrapper(f"{where} (in worker_init_fn)")

    def new_fetcher() -> tuple[Any, ExceptionWrapper | None]:
        try:
            return make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last), None
        except Exception:
            return None, ExceptionWrapper(where)

    fetcher, error = new_fetcher()
    ended = False
    while True:
        r = index_queue.get()
        if r is None:
            break
        if isinstance(r, Resume):
            fetcher, error = new_fetcher()
            ended = False
            result_queue.put((r, None))
            continue
        if done.is_set() or ended:
            continue
        idx, index = r
        failed = init_error or error
        if failed is not None:
            data: Any = failed
        else:
            try:
                data = fetcher.fetch(index)
            except StopIteration:
                if iterable:
                    data, ended = StopMarker(worker_id), True
                else:
                    data = ExceptionWrapper(where)
            except Exception:
                data = ExceptionWrapper(where)
        result_queue.put((idx, data))
        del data, r
    _local.info = None
