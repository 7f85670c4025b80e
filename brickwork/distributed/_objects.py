"""torch.distributed's collectives of Python objects: pickled, so only for ranks of the same job."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np

from ._c10d import _group, _root
from ._collectives import _empty, _start
from ._engine import Engine
from ._group import ProcessGroup

__all__ = [
    "broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list",
]


# -- Python objects (pickled; only between ranks of the same job) ----------------------------------------

def _payload(engine: Engine, obj: Any) -> Any:
    return np.frombuffer(pickle.dumps(obj), np.uint8).copy() if engine.name != "nccl" else \
        engine.xp.asarray(np.frombuffer(pickle.dumps(obj), np.uint8))


def _host(a: Any) -> np.ndarray:
    return a if isinstance(a, np.ndarray) else a.get()


def _counts(engine: Engine, n: int) -> Any:
    xp = np if engine.name != "nccl" else engine.xp
    return xp.full(1, n, dtype=np.int64)


def broadcast_object_list(object_list: list[Any], src: int | None = None, group: ProcessGroup | None = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """Replace ``object_list``'s items on every rank by those of rank ``src`` (pickled: trusted ranks only).

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); objs = [{"lr": 0.1}]; dist.broadcast_object_list(objs); objs
        [{'lr': 0.1}]
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "broadcast_object_list")
    if pg is None or pg._engine is None or pg.size() == 1:
        return
    engine = pg._engine
    root = _root(pg, src, group_src, "broadcast_object_list", "src")
    mine = _payload(engine, list(object_list)) if engine.rank == root else None
    n = _counts(engine, 0 if mine is None else mine.size)
    _start(engine, False, "broadcast", n, root).wait()
    buf = mine if mine is not None else _empty(engine, np.empty(0, np.uint8), int(_host(n)[0]))
    _start(engine, False, "broadcast", buf, root).wait()
    if engine.rank != root:
        got = pickle.loads(_host(buf).tobytes())
        if len(got) != len(object_list):
            raise ValueError(f"broadcast_object_list: rank {src} sent {len(got)} objects but object_list here has "
                             f"{len(object_list)} slots; give lists of the same length on every rank")
        object_list[:] = got


def _gather_payloads(engine: Engine, n_ranks: int, mine: Any, root: int | None) -> list[bytes] | None:
    """Everyone's pickled bytes on every rank (``root=None``) or on ``root`` only."""
    sizes = _empty(engine, np.empty(0, np.int64), n_ranks)
    size = _counts(engine, mine.size)
    if root is None:
        _start(engine, False, "allgather", size, sizes)
    else:
        _start(engine, False, "gather", size, sizes, root)
    sizes_h = _host(sizes).tolist() if root is None or engine.rank == root else []
    longest = max(sizes_h) if sizes_h else 0
    if root is not None:  # the non-roots need the padded length too
        m = _counts(engine, longest)
        _start(engine, False, "broadcast", m, root).wait()
        longest = int(_host(m)[0])
    xp = np if engine.name != "nccl" else engine.xp
    padded = xp.zeros(longest, dtype=np.uint8)
    padded[:mine.size] = mine
    recv = _empty(engine, padded, longest * n_ranks) if root is None or engine.rank == root else None
    if root is None:
        _start(engine, False, "allgather", padded, recv)
    else:
        _start(engine, False, "gather", padded, recv, root)
    if recv is None:
        return None
    blocks = _host(recv).reshape(n_ranks, longest)
    return [blocks[i, :sizes_h[i]].tobytes() for i in range(n_ranks)]


def all_gather_object(object_list: list[Any], obj: Any, group: ProcessGroup | None = None) -> None:
    """Every rank's ``obj`` into ``object_list`` (one slot per rank) on every rank (pickled: trusted ranks only).

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = [None]; dist.all_gather_object(out, "hello"); out
        ['hello']
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "all_gather_object")
    if pg is None or pg._engine is None:
        return
    if len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} slots but the group has "
                         f"{pg.size()} ranks")
    if pg.size() == 1:
        object_list[0] = pickle.loads(pickle.dumps(obj))
        return
    got = _gather_payloads(pg._engine, pg.size(), _payload(pg._engine, obj), None)
    assert got is not None
    object_list[:] = [pickle.loads(b) for b in got]


def gather_object(obj: Any, object_gather_list: list[Any] | None = None, dst: int | None = None,
                  group: ProcessGroup | None = None, group_dst: int | None = None) -> None:
    """Every rank's ``obj`` into rank ``dst``'s ``object_gather_list`` (pickled: trusted ranks only).

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = [None]; dist.gather_object(3, out, dst=0); out
        [3]
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "gather_object")
    if pg is None or pg._engine is None:
        return
    root = _root(pg, dst, group_dst, "gather_object", "dst")
    engine = pg._engine
    if engine.rank == root and (object_gather_list is None or len(object_gather_list) != pg.size()):
        raise ValueError(f"gather_object: on the destination rank, object_gather_list must have {pg.size()} slots")
    if pg.size() == 1:
        assert object_gather_list is not None
        object_gather_list[0] = pickle.loads(pickle.dumps(obj))
        return
    got = _gather_payloads(engine, pg.size(), _payload(engine, obj), root)
    if got is not None and object_gather_list is not None:
        object_gather_list[:] = [pickle.loads(b) for b in got]


def scatter_object_list(scatter_object_output_list: list[Any], scatter_object_input_list: list[Any] | None = None,
                        src: int | None = None, group: ProcessGroup | None = None,
                        group_src: int | None = None) -> None:
    """Rank ``src``'s ``scatter_object_input_list[i]`` into rank ``i``'s ``scatter_object_output_list[0]``.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = [None]; dist.scatter_object_list(out, ["a"], src=0); out
        ['a']
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "scatter_object_list")
    if pg is None or pg._engine is None:
        return
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        raise ValueError("scatter_object_list: scatter_object_output_list must be a list with at least one slot")
    root = _root(pg, src, group_src, "scatter_object_list", "src")
    engine = pg._engine
    if engine.rank == root and (scatter_object_input_list is None or len(scatter_object_input_list) != pg.size()):
        raise ValueError(f"scatter_object_list: on the source rank, give {pg.size()} objects to scatter")
    if pg.size() == 1:
        assert scatter_object_input_list is not None
        scatter_object_output_list[0] = pickle.loads(pickle.dumps(scatter_object_input_list[0]))
        return
    xp = np if engine.name != "nccl" else engine.xp
    n = pg.size()
    if engine.rank == root:
        assert scatter_object_input_list is not None
        blobs = [pickle.dumps(o) for o in scatter_object_input_list]
        sizes = xp.asarray(np.array([len(b) for b in blobs], np.int64))
        longest = _counts(engine, max(len(b) for b in blobs))
    else:
        sizes, longest = None, _counts(engine, 0)
    _start(engine, False, "broadcast", longest, root).wait()
    m = int(_host(longest)[0])
    size = _counts(engine, 0)
    _start(engine, False, "scatter", sizes, size, root).wait()
    send = None
    if engine.rank == root:
        host = np.zeros((n, m), np.uint8)
        for i, b in enumerate(blobs):
            host[i, :len(b)] = np.frombuffer(b, np.uint8)
        send = xp.asarray(host.reshape(-1))
    recv = xp.empty(m, dtype=np.uint8)
    _start(engine, False, "scatter", send, recv, root).wait()
    scatter_object_output_list[0] = pickle.loads(_host(recv)[:int(_host(size)[0])].tobytes())
