"""The DataLoader: batches from a dataset through a sampler and a collate function, in the main thread or in
background worker threads that keep the batch order and prefetch ahead.

Workers are threads rather than PyTorch's processes (see ``_worker.py`` for why); everything else — arguments,
their checks and error messages, sampling, ``len``, iterable-dataset handling, persistent workers, re-raising
a worker's exception with its traceback — follows ``torch.utils.data.DataLoader``.
"""

from __future__ import annotations

import copy
import itertools
import math
import queue
import threading
import warnings
from typing import Any, Callable, Iterable, Sized, cast

from ...ops.random import Generator, default_generator
from ._collate import default_collate, default_convert
from ._fetch import make_fetcher
from ._worker import ExceptionWrapper, Resume, StopMarker, worker_loop
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _InfiniteConstantSampler

__all__ = ["DataLoader", "default_collate", "default_convert"]

_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Iterates over ``dataset`` in batches, like ``torch.utils.data.DataLoader``.

    Args:
        dataset: a map-style `Dataset` (anything with ``__getitem__`` and ``__len__``) or an
            `IterableDataset`.
        batch_size: samples per batch; ``None`` turns batching off (each sample goes through ``collate_fn``
            alone, default `default_convert`).
        shuffle: reshuffle the indices every epoch (map-style only; not with ``sampler``).
        sampler: the order of indices (map-style only); excludes ``shuffle``.
        batch_sampler: yields whole lists of indices; excludes ``batch_size``, ``shuffle``, ``sampler``,
            ``drop_last``.
        num_workers: background worker threads loading batches (0: load in the main thread). Batches come out
            in order; each worker keeps ``prefetch_factor`` batches in flight. Threads, not processes: NumPy
            releases the GIL while it indexes, copies and computes, so threads overlap loading with training
            without pickling the dataset or copying each batch between processes.
        collate_fn: merges a list of samples into a batch (default `default_collate`).
        pin_memory: load batches ahead in a background thread even with ``num_workers=0``. (Host memory is
            not page-locked: NumPy arrays have no pinned allocator.)
        drop_last: drop the last batch when it is short.
        timeout: seconds to wait for a batch from the workers before raising (0: wait forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker thread before loading.
        multiprocessing_context: accepted for compatibility and ignored (workers are threads).
        generator: the random stream for shuffling and the workers' seeds; the same seed gives the same order.
        prefetch_factor: batches in flight per worker (default 2 when ``num_workers > 0``).
        persistent_workers: keep the worker threads between epochs.
        pin_memory_device: accepted for compatibility and ignored.
        in_order: return batches in sampler order (``False``: as soon as any worker finishes one).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(torch.arange(10.0), torch.arange(10))
        >>> loader = DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
        >>> len(loader), [x.shape[0] for x, y in loader]
        (3, [4, 4, 2])
    """

    dataset: Any
    batch_size: int | None
    num_workers: int
    pin_memory: bool
    drop_last: bool
    timeout: float
    sampler: Sampler | Iterable
    prefetch_factor: int | None
    __initialized = False

    def __init__(self, dataset: Dataset | Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to load in the main "
                             "thread")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified with worker threads: let "
                             "num_workers > 0, otherwise set prefetch_factor to None")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")

        if isinstance(dataset, IterableDataset):
            self._iterable = True
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            self._iterable = False
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:  # a map-style dataset has __len__
                sampler = RandomSampler(cast(Sized, dataset), generator=generator)
            else:
                sampler = SequentialSampler(cast(Sized, dataset))
        if batch_size is not None and batch_sampler is None:
            # for an IterableDataset the sampler yields None, one per sample, batched like indices
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)
        self.persistent_workers = persistent_workers
        self._len_called: int | None = None
        self._iterator: _BaseIter | None = None
        self.__initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__initialized and name in _FROZEN:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> "_BaseIter":
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = _ThreadedIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        if self.num_workers > 0:
            return _ThreadedIter(self)
        return _PrefetchIter(self) if self.pin_memory else _SingleIter(self)

    def __len__(self) -> int:
        if self._iterable:
            n = self._len_called = len(self.dataset)  # raises TypeError if the stream has no __len__
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self._index_sampler)


class _BaseIter:
    """State shared by the loader's iterators: the index stream, the base seed and the yield count."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # drawn like PyTorch's base seed (after the sampler iterator, before its first index)
        self._base_seed = int((loader.generator or default_generator)._np.integers(0, 1 << 63))
        self._persistent_workers = loader.persistent_workers
        self._len_called = loader._len_called
        self._num_yielded = 0

    def __iter__(self) -> "_BaseIter":
        return self

    def _reset(self, loader: DataLoader) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._len_called = loader._len_called

    def _next_index(self) -> Any:
        return next(self._sampler_iter)

    def __next__(self) -> Any:
        data = self._next_data()  # type: ignore[attr-defined]  # each iterator kind defines it
        self._num_yielded += 1
        if self._iterable and self._len_called is not None and self._num_yielded > self._len_called:
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._len_called} (when "
                   f"accessing len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("With worker threads, every worker iterates its own copy of the dataset: split the stream "
                        "in __iter__ with brickwork.utils.data.get_worker_info().")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)


class _SingleIter(_BaseIter):
    """Loads each batch in the calling thread."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        if self._timeout != 0:
            raise ValueError(f"DataLoader: timeout={self._timeout} applies to worker threads only; set "
                             "num_workers > 0 or timeout=0")
        self._fetcher = make_fetcher(self._iterable, self._dataset, self._auto_collation, self._collate_fn,
                                     self._drop_last)

    def _next_data(self) -> Any:
        return self._fetcher.fetch(self._next_index())


class _PrefetchIter(_SingleIter):
    """Loads batches in order in one background thread, two ahead (``pin_memory=True`` with no workers)."""

    _DEPTH = 2

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._queue: queue.Queue = queue.Queue(self._DEPTH)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=_prefetch_loop, args=(self._sampler_iter, self._fetcher, self._queue,
                                                                    self._stop), daemon=True,
                                        name="brickwork-data-prefetch")
        self._thread.start()

    def _next_data(self) -> Any:
        if self._stop.is_set():
            raise StopIteration
        kind, payload = self._queue.get()
        if kind == "data":
            return payload
        self._stop.set()
        if kind == "end":
            raise StopIteration
        payload.reraise()

    def __del__(self) -> None:
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
            while True:  # unblock a producer waiting on a full queue
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break


def _prefetch_loop(sampler_iter: Any, fetcher: Any, out: queue.Queue, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            item = ("data", fetcher.fetch(next(sampler_iter)))
        except StopIteration:
            item = ("end", None)
        except Exception:
            item = ("error", ExceptionWrapper("in DataLoader prefetch thread"))
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                break
            except queue.Full:
                continue
        if item[0] != "data":
            return


class _ThreadedIter(_BaseIter):
    """Loads batches in ``num_workers`` threads, ``prefetch_factor`` per worker in flight, handed out in order.

    Batch ``i`` goes to worker ``i % num_workers`` (skipping workers whose iterable dataset has ended), as in
    PyTorch, so an IterableDataset sharded with ``get_worker_info()`` interleaves its workers' batches.
    """

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor or 1
        self._in_order = loader.in_order
        self._result_queue: queue.Queue = queue.Queue()
        self._done = threading.Event()
        self._index_queues: list[queue.Queue] = []
        self._workers: list[threading.Thread] = []
        self._shutdown = False
        for i in range(self._num_workers):
            q: queue.Queue = queue.Queue()
            # each thread reads its own shallow copy of a stream, as each PyTorch worker process gets its copy
            ds = _shallow_copy(self._dataset) if self._iterable else self._dataset
            t = threading.Thread(target=worker_loop, daemon=True, name=f"brickwork-data-worker-{i}",
                                 args=(self._iterable, ds, q, self._result_queue, self._done,
                                       self._auto_collation, self._collate_fn, self._drop_last,
                                       self._base_seed + i, loader.worker_init_fn, i, self._num_workers))
            t.start()
            self._index_queues.append(q)
            self._workers.append(t)
        self._reset(loader, first=True)

    def _reset(self, loader: DataLoader, first: bool = False) -> None:
        super()._reset(loader)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple] = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first:
            for q in self._index_queues:
                q.put(Resume())
            acks = self._num_workers
            while acks:
                idx, _ = self._get_data()
                if isinstance(idx, Resume):
                    acks -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _get_data(self) -> tuple[Any, Any]:
        # wait in slices so that a worker thread killed by a BaseException is noticed instead of hanging
        while True:
            try:
                return self._result_queue.get(timeout=self._timeout or 5.0)
            except queue.Empty:
                if self._timeout:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds waiting for a batch "
                                       "from its worker threads") from None
                dead = [i for i, t in enumerate(self._workers) if self._workers_status[i] and not t.is_alive()]
                if dead:
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader worker thread(s) {dead} exited unexpectedly") from None

    def _next_data(self) -> Any:
        while True:
            # skip batches assigned to workers whose stream has ended
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._workers_status[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process(data, worker_id)
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, StopMarker):
                self._workers_status[data.worker_id] = False
                self._try_put_index()
                continue
            if idx == self._rcvd_idx or not self._in_order:
                worker_id = self._task_info.pop(idx)[0]
                if idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process(data, worker_id)
            self._task_info[idx] += (data,)

    def _try_put_index(self) -> None:
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker = next(self._worker_cycle)
            if self._workers_status[worker]:
                break
        else:
            return
        self._index_queues[worker].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process(self, data: Any, worker_id: int) -> Any:
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        self._done.set()
        for q in self._index_queues:
            q.put(None)

    def __del__(self) -> None:
        if hasattr(self, "_shutdown"):
            self._shutdown_workers()


def _shallow_copy(dataset: Any) -> Any:
    try:
        return copy.copy(dataset)
    except Exception:
        return dataset
