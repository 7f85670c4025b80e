"""torch.distributed's collectives and point-to-point operations on tensors.

Each function checks its arguments the way PyTorch does, makes the tensors' memory contiguous for the engine
(NumPy for MPI; CUDA tensors are staged through the host there), hands the engine group ranks, and writes the
results back in place when the operation completes (at once, or at ``Work.wait()`` with ``async_op=True``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Sequence

import numpy as np

from .._tensor import Tensor
from ._c10d import _group, _root
from ._engine import Engine
from ._group import ProcessGroup, RedOpType, ReduceOp, Work

__all__ = [
    "barrier", "broadcast", "all_reduce", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter",
    "reduce_scatter_tensor", "gather", "scatter", "all_to_all_single", "all_to_all", "send", "recv", "isend",
    "irecv",
]


# -- tensors and their memory ------------------------------------------------------------------------------

def _check(t: Any, name: str, where: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{where}: expected parameter `{name}` of type brickwork.Tensor but got "
                        f"{type(t).__name__} instead")
    return t


def _check_list(ts: Any, name: str, where: str) -> list[Tensor]:
    if not isinstance(ts, (list, tuple)):
        raise TypeError(f"{where}: expected parameter `{name}` to be a list of tensors, got {type(ts).__name__}")
    return [_check(t, f"{name}[{i}]", where) for i, t in enumerate(ts)]


class _Flat:
    """A tensor's memory as one contiguous 1-d array of the engine's kind; ``commit`` writes results back."""

    def __init__(self, t: Tensor, engine: Engine, where: str) -> None:
        d = t._data
        self.t = t
        host = isinstance(d, np.ndarray)
        if engine.name == "nccl" and host:
            raise RuntimeError(f"{where}: backend 'nccl' needs CUDA tensors, got one on {t.device}; move it with "
                               ".cuda() or use backend 'gloo'/'mpi' for CPU tensors")
        self.staged = engine.name == "mpi" and not host  # a CUDA tensor on MPI goes through the host
        if self.staged:
            a = np.ascontiguousarray(t._device.backend.to_host(d))
        elif d.flags.c_contiguous:
            a = d
        else:
            a = d.copy()  # a C-ordered copy (NumPy and CuPy alike)
        self.copied = a is not d
        self.array = a.reshape(-1)

    def commit(self) -> None:
        t = self.t
        if self.staged:
            t._data[...] = t._device.backend.from_host(self.array.reshape(t._data.shape), t._device.index)
        elif self.copied:
            t._data[...] = self.array.reshape(t._data.shape)
        t._version_counter[0] += 1


def _flat(t: Tensor, engine: Engine, where: str) -> _Flat:
    return _Flat(t, engine, where)


def _xp(a: Any) -> Any:
    """The array module of ``a`` (NumPy, or CuPy for a CUDA array)."""
    if isinstance(a, np.ndarray):
        return np
    import cupy

    return cupy


def _empty(engine: Engine, like: Any, n: int) -> Any:
    return _xp(like).empty(n, dtype=like.dtype)


def _op(op: Any, t: Tensor, where: str) -> str:
    """The engine's op name for ``op`` on ``t``'s dtype (``"avg"`` is summed, then divided by the caller)."""
    if isinstance(op, RedOpType):
        name = op.name
    elif isinstance(op, str) and op.upper() in RedOpType.__members__:
        name = op.upper()
    else:
        raise ValueError(f"{where}: op must be a ReduceOp (SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR), got {op!r}")
    kind = np.dtype(t._data.dtype).kind
    if name in ("BAND", "BOR", "BXOR") and kind not in "iub":
        raise RuntimeError(f"{where}: ReduceOp.{name} needs an integer or bool tensor, got {t.dtype}")
    if name == "AVG" and kind == "b":
        raise RuntimeError(f"{where}: ReduceOp.AVG cannot average bool tensors; use SUM (logical or) or MIN/MAX")
    return {"PRODUCT": "prod"}.get(name, name.lower())


def _average(a: Any, n: int) -> None:
    """``a /= n`` in place; integers round toward zero (as NCCL's average does)."""
    if n == 1:
        return
    if np.dtype(a.dtype).kind in "iu":
        xp = np if isinstance(a, np.ndarray) else __import__("cupy")
        a[...] = xp.sign(a) * (xp.abs(a) // n)
    else:
        a /= n


def _start(engine: Any, async_op: bool, method: str, *args: Any) -> Any:
    """Start ``engine.method(*args)``: on the engine's communication thread for ``async_op`` when it has one (MPI),
    else here, after what was submitted before (so every rank issues its collectives in one order)."""
    if async_op and hasattr(engine, "submit"):
        return engine.submit(getattr(engine, method), *args, what=method)
    if hasattr(engine, "drain"):
        engine.drain()
    return getattr(engine, method)(*args)


def _finish(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def _check_same(t: Tensor, ref: Tensor, where: str, what: str) -> None:
    if t._data.dtype != ref._data.dtype:
        raise TypeError(f"{where}: {what} has dtype {t.dtype} but the input has {ref.dtype}; they must match")
    if tuple(t.shape) != tuple(ref.shape):
        raise ValueError(f"{where}: {what} has shape {tuple(t.shape)} but the input has {tuple(ref.shape)}; "
                         "every tensor must have the input's shape")


# -- collectives -------------------------------------------------------------------------------------------

def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids: Any = None,
            timeout: timedelta | None = None) -> Work | None:
    """Wait until every rank of the group has called ``barrier``.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.barrier(); dist.destroy_process_group()
    """
    pg = _group(group, "barrier")
    if pg is None or pg._engine is None:
        return None
    return _finish(Work([_start(pg._engine, async_op, "barrier")]), async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, async_op: bool = False,
              group_src: int | None = None) -> Work | None:
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank of the group (in place).

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); t = torch.arange(3.0); dist.broadcast(t, src=0); t
        tensor([0., 1., 2.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "broadcast")
    _check(tensor, "tensor", "broadcast")
    if pg is None or pg._engine is None:
        return None
    root = _root(pg, src, group_src, "broadcast", "src")
    f = _flat(tensor, pg._engine, "broadcast")
    req = _start(pg._engine, async_op, "broadcast", f.array, root)
    return _finish(Work([req], f.commit, [tensor]), async_op)


def all_reduce(tensor: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Reduce ``tensor`` over the group (sum by default) and give every rank the result, in place.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); t = torch.ones(2); dist.all_reduce(t, op=dist.ReduceOp.SUM); t
        tensor([1., 1.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "all_reduce")
    _check(tensor, "tensor", "all_reduce")
    if pg is None or pg._engine is None:
        return None
    name = _op(op, tensor, "all_reduce")
    f = _flat(tensor, pg._engine, "all_reduce")
    req = _start(pg._engine, async_op, "allreduce", f.array, "sum" if name == "avg" else name)
    n = pg.size()

    def done() -> None:
        if name == "avg":
            _average(f.array, n)
        f.commit()

    return _finish(Work([req], done, [tensor]), async_op)


def reduce(tensor: Tensor, dst: int | None = None, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
           async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Reduce ``tensor`` over the group into rank ``dst``'s ``tensor`` (the others' are left unchanged).

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); t = torch.ones(2); dist.reduce(t, dst=0); t
        tensor([1., 1.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "reduce")
    _check(tensor, "tensor", "reduce")
    if pg is None or pg._engine is None:
        return None
    root = _root(pg, dst, group_dst, "reduce", "dst")
    name = _op(op, tensor, "reduce")
    engine = pg._engine
    f = _flat(tensor, engine, "reduce")
    req = _start(engine, async_op, "reduce", f.array, "sum" if name == "avg" else name, root)
    n = pg.size()

    def done() -> None:
        if engine.rank == root:
            if name == "avg":
                _average(f.array, n)
            f.commit()

    return _finish(Work([req], done, [tensor]), async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None,
               async_op: bool = False) -> Work | None:
    """Every rank's ``tensor`` into ``tensor_list`` (one tensor per rank, in rank order) on every rank.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = [torch.zeros(2)]; dist.all_gather(out, torch.ones(2)); out
        [tensor([1., 1.])]
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "all_gather")
    _check(tensor, "tensor", "all_gather")
    outs = _check_list(tensor_list, "tensor_list", "all_gather")
    if pg is None or pg._engine is None:
        return None
    if len(outs) != pg.size():
        raise ValueError(f"all_gather: tensor_list has {len(outs)} tensors but the group has {pg.size()} ranks; "
                         "give one output tensor per rank")
    for i, o in enumerate(outs):
        _check_same(o, tensor, "all_gather", f"tensor_list[{i}]")
    engine = pg._engine
    f = _flat(tensor, engine, "all_gather")
    recv = _empty(engine, f.array, f.array.size * pg.size())
    req = _start(engine, async_op, "allgather", f.array, recv)

    def done() -> None:
        for o, block in zip(outs, recv.reshape(pg.size(), -1)):
            _write(o, block)

    return _finish(Work([req], done, outs), async_op)


def _write(t: Tensor, flat: Any) -> None:
    """Copy a flat engine array into tensor ``t`` in place (through the host when their kinds differ)."""
    d = t._data
    if isinstance(d, np.ndarray) != isinstance(flat, np.ndarray):
        flat = t._device.backend.from_host(flat, t._device.index) if isinstance(flat, np.ndarray) else \
            t._device.backend.to_host(flat)
    d[...] = flat.reshape(d.shape)
    t._version_counter[0] += 1


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None,
                           async_op: bool = False) -> Work | None:
    """Every rank's ``input_tensor`` concatenated (or stacked) into ``output_tensor``, in rank order.

    ``output_tensor`` holds ``world_size`` times the input's elements: shape ``(world_size * n, ...)`` or
    ``(world_size, n, ...)``.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = torch.zeros(2); dist.all_gather_into_tensor(out, torch.ones(2))
        >>> out
        tensor([1., 1.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "all_gather_into_tensor")
    _check(output_tensor, "output_tensor", "all_gather_into_tensor")
    _check(input_tensor, "input_tensor", "all_gather_into_tensor")
    if pg is None or pg._engine is None:
        return None
    if output_tensor._data.dtype != input_tensor._data.dtype:
        raise TypeError(f"all_gather_into_tensor: output has dtype {output_tensor.dtype} but input has "
                        f"{input_tensor.dtype}; they must match")
    if output_tensor.numel() != input_tensor.numel() * pg.size():
        raise ValueError(f"all_gather_into_tensor: output has {output_tensor.numel()} elements; expected world "
                         f"size {pg.size()} times the input's {input_tensor.numel()}")
    engine = pg._engine
    f = _flat(input_tensor, engine, "all_gather_into_tensor")
    o = _flat(output_tensor, engine, "all_gather_into_tensor")
    req = _start(engine, async_op, "allgather", f.array, o.array)
    return _finish(Work([req], o.commit, [output_tensor]), async_op)


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: Any = ReduceOp.SUM,
                   group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Reduce ``input_list[i]`` over the ranks into rank ``i``'s ``output``.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = torch.zeros(2); dist.reduce_scatter(out, [torch.ones(2)]); out
        tensor([1., 1.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "reduce_scatter")
    _check(output, "output", "reduce_scatter")
    ins = _check_list(input_list, "input_list", "reduce_scatter")
    if pg is None or pg._engine is None:
        return None
    if len(ins) != pg.size():
        raise ValueError(f"reduce_scatter: input_list has {len(ins)} tensors but the group has {pg.size()} ranks")
    for i, t in enumerate(ins):
        _check_same(t, output, "reduce_scatter", f"input_list[{i}]")
    name = _op(op, output, "reduce_scatter")
    engine = pg._engine
    parts = [_flat(t, engine, "reduce_scatter").array for t in ins]
    send = _xp(parts[0]).concatenate(parts)
    o = _flat(output, engine, "reduce_scatter")
    return _reduce_scatter(engine, pg, send, o, name, output, async_op)


def _reduce_scatter(engine: Engine, pg: ProcessGroup, send: Any, o: _Flat, name: str, output: Tensor,
                    async_op: bool) -> Work | None:
    req = _start(engine, async_op, "reduce_scatter", send, o.array, "sum" if name == "avg" else name)
    n = pg.size()

    def done() -> None:
        if name == "avg":
            _average(o.array, n)
        o.commit()

    return _finish(Work([req], done, [output]), async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: Any = ReduceOp.SUM, group: ProcessGroup | None = None,
                          async_op: bool = False) -> Work | None:
    """Reduce ``input`` (``world_size`` equal blocks) over the ranks; rank ``i`` gets block ``i`` in ``output``.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = torch.zeros(2); dist.reduce_scatter_tensor(out, torch.ones(2))
        >>> out
        tensor([1., 1.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "reduce_scatter_tensor")
    _check(output, "output", "reduce_scatter_tensor")
    _check(input, "input", "reduce_scatter_tensor")
    if pg is None or pg._engine is None:
        return None
    if output._data.dtype != input._data.dtype:
        raise TypeError(f"reduce_scatter_tensor: output has dtype {output.dtype} but input has {input.dtype}")
    if input.numel() != output.numel() * pg.size():
        raise ValueError(f"reduce_scatter_tensor: input has {input.numel()} elements; expected world size "
                         f"{pg.size()} times the output's {output.numel()}")
    name = _op(op, output, "reduce_scatter_tensor")
    engine = pg._engine
    send = _flat(input, engine, "reduce_scatter_tensor").array
    return _reduce_scatter(engine, pg, send, _flat(output, engine, "reduce_scatter_tensor"), name, output, async_op)


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int | None = None,
           group: ProcessGroup | None = None, async_op: bool = False, group_dst: int | None = None) -> Work | None:
    """Every rank's ``tensor`` into rank ``dst``'s ``gather_list`` (give ``gather_list`` only on ``dst``).

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = [torch.zeros(2)]; dist.gather(torch.ones(2), out, dst=0); out
        [tensor([1., 1.])]
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "gather")
    _check(tensor, "tensor", "gather")
    if pg is None or pg._engine is None:
        return None
    root = _root(pg, dst, group_dst, "gather", "dst")
    engine = pg._engine
    outs: list[Tensor] = []
    if engine.rank == root:
        if gather_list is None:
            raise ValueError("gather: argument `gather_list` must be specified on the destination rank")
        outs = _check_list(gather_list, "gather_list", "gather")
        if len(outs) != pg.size():
            raise ValueError(f"gather: gather_list has {len(outs)} tensors but the group has {pg.size()} ranks")
        for i, o in enumerate(outs):
            _check_same(o, tensor, "gather", f"gather_list[{i}]")
    elif gather_list:
        raise ValueError("gather: argument `gather_list` must NOT be specified on non-destination ranks")
    f = _flat(tensor, engine, "gather")
    recv = _empty(engine, f.array, f.array.size * pg.size()) if engine.rank == root else None
    req = _start(engine, async_op, "gather", f.array, recv, root)

    def done() -> None:
        if recv is not None:
            for o, block in zip(outs, recv.reshape(pg.size(), -1)):
                _write(o, block)

    return _finish(Work([req], done, outs), async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int | None = None,
            group: ProcessGroup | None = None, async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Rank ``src``'s ``scatter_list[i]`` into rank ``i``'s ``tensor`` (give ``scatter_list`` only on ``src``).

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); t = torch.zeros(2); dist.scatter(t, [torch.ones(2)], src=0); t
        tensor([1., 1.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "scatter")
    _check(tensor, "tensor", "scatter")
    if pg is None or pg._engine is None:
        return None
    root = _root(pg, src, group_src, "scatter", "src")
    engine = pg._engine
    send = None
    if engine.rank == root:
        if scatter_list is None:
            raise ValueError("scatter: argument `scatter_list` must be specified on the source rank")
        ins = _check_list(scatter_list, "scatter_list", "scatter")
        if len(ins) != pg.size():
            raise ValueError(f"scatter: scatter_list has {len(ins)} tensors but the group has {pg.size()} ranks")
        for i, t in enumerate(ins):
            _check_same(t, tensor, "scatter", f"scatter_list[{i}]")
        parts = [_flat(t, engine, "scatter").array for t in ins]
        send = _xp(parts[0]).concatenate(parts)
    elif scatter_list:
        raise ValueError("scatter: argument `scatter_list` must NOT be specified on non-source ranks")
    f = _flat(tensor, engine, "scatter")
    return _finish(Work([_start(engine, async_op, "scatter", send, f.array, root)], f.commit, [tensor]), async_op)


def _splits(sizes: Sequence[int] | None, rows: int, n: int, where: str, what: str) -> list[int]:
    if sizes is None or len(sizes) == 0:
        if rows % n:
            raise ValueError(f"{where}: {what} has {rows} rows, not divisible by the group's {n} ranks; pass "
                             "split sizes")
        return [rows // n] * n
    sizes = [int(s) for s in sizes]
    if len(sizes) != n or sum(sizes) != rows or min(sizes) < 0:
        raise ValueError(f"{where}: split sizes {sizes} must be {n} non-negative numbers summing to {what}'s "
                         f"{rows} rows")
    return sizes


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes: Sequence[int] | None = None,
                      input_split_sizes: Sequence[int] | None = None, group: ProcessGroup | None = None,
                      async_op: bool = False) -> Work | None:
    """Split ``input`` along dimension 0, send piece ``i`` to rank ``i``, and concatenate what arrives in ``output``.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = torch.zeros(3); dist.all_to_all_single(out, torch.arange(3.0))
        >>> out
        tensor([0., 1., 2.])
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "all_to_all_single")
    _check(output, "output", "all_to_all_single")
    _check(input, "input", "all_to_all_single")
    if pg is None or pg._engine is None:
        return None
    if output._data.dtype != input._data.dtype:
        raise TypeError(f"all_to_all_single: output has dtype {output.dtype} but input has {input.dtype}")
    if tuple(output.shape[1:]) != tuple(input.shape[1:]):
        raise ValueError(f"all_to_all_single: output's shape {tuple(output.shape)} and input's "
                         f"{tuple(input.shape)} must agree after dimension 0")
    n = pg.size()
    row = int(np.prod(input.shape[1:], dtype=np.int64)) if input.ndim > 1 else 1
    s_rows = _splits(input_split_sizes, input.shape[0] if input.ndim else 1, n, "all_to_all_single", "input")
    r_rows = _splits(output_split_sizes, output.shape[0] if output.ndim else 1, n, "all_to_all_single", "output")
    engine = pg._engine
    f = _flat(input, engine, "all_to_all_single")
    o = _flat(output, engine, "all_to_all_single")
    req = _start(engine, async_op, "alltoallv", f.array, [s * row for s in s_rows], o.array,
                 [r * row for r in r_rows])
    return _finish(Work([req], o.commit, [output]), async_op)


def all_to_all(output_tensor_list: list[Tensor], input_tensor_list: list[Tensor],
               group: ProcessGroup | None = None, async_op: bool = False) -> Work | None:
    """Send ``input_tensor_list[i]`` to rank ``i``; rank ``i``'s tensor for us arrives in ``output_tensor_list[i]``.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); out = [torch.zeros(2)]; dist.all_to_all(out, [torch.ones(2)]); out
        [tensor([1., 1.])]
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "all_to_all")
    outs = _check_list(output_tensor_list, "output_tensor_list", "all_to_all")
    ins = _check_list(input_tensor_list, "input_tensor_list", "all_to_all")
    if pg is None or pg._engine is None:
        return None
    n = pg.size()
    if len(outs) != n or len(ins) != n:
        raise ValueError(f"all_to_all: both lists need one tensor per rank ({n}), got {len(outs)} and {len(ins)}")
    dtypes = {t._data.dtype for t in outs + ins}
    if len(dtypes) > 1:
        raise TypeError("all_to_all: every tensor must have the same dtype")
    engine = pg._engine
    parts = [_flat(t, engine, "all_to_all").array for t in ins]
    send = _xp(parts[0]).concatenate(parts)
    recv = _empty(engine, send, sum(t.numel() for t in outs))
    req = _start(engine, async_op, "alltoallv", send, [t.numel() for t in ins], recv,
                 [t.numel() for t in outs])

    def done() -> None:
        k = 0
        for o in outs:
            _write(o, recv[k:k + o.numel()])
            k += o.numel()

    return _finish(Work([req], done, outs), async_op)


# -- point to point ----------------------------------------------------------------------------------------

def _peer(pg: ProcessGroup, rank: int | None, group_rank: int | None, where: str, what: str,
          allow_any: bool = False) -> int | None:
    if rank is None and group_rank is None:
        if allow_any:
            return None
        raise ValueError(f"{where}: give {what} (a global rank) or group_{what}")
    peer = _root(pg, rank, group_rank, where, what)
    assert pg._engine is not None
    if peer == pg._engine.rank:
        raise ValueError(f"{where}: Invalid {'destination' if what == 'dst' else 'source'} rank: should not be the "
                         "same as the rank of the current process")
    return peer


def isend(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_dst: int | None = None) -> Work | None:
    """Start sending ``tensor`` to rank ``dst``; the work object's ``wait()`` returns once it may be reused.

    Example:
        >>> import brickwork.distributed as dist
        >>> callable(dist.isend)
        True
    """
    pg = _group(group, "isend")
    _check(tensor, "tensor", "isend")
    if pg is None or pg._engine is None:
        return None
    peer = _peer(pg, dst, group_dst, "isend", "dst")
    assert peer is not None
    f = _flat(tensor, pg._engine, "isend")
    return Work([pg._engine.send(f.array, peer, tag)], None, [tensor])


def irecv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
          group_src: int | None = None) -> Work | None:
    """Start receiving into ``tensor`` from rank ``src`` (from any rank when ``src`` is ``None``, on MPI).

    Example:
        >>> import brickwork.distributed as dist
        >>> callable(dist.irecv)
        True
    """
    pg = _group(group, "irecv")
    _check(tensor, "tensor", "irecv")
    if pg is None or pg._engine is None:
        return None
    peer = _peer(pg, src, group_src, "irecv", "src", allow_any=True)
    f = _flat(tensor, pg._engine, "irecv")
    req = pg._engine.recv(f.array, peer, tag)
    ranks = pg._ranks
    return Work([req], f.commit, [tensor], source=lambda: ranks[req.source])


def send(tensor: Tensor, dst: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` and wait until it is on its way.

    Example:
        >>> import brickwork.distributed as dist
        >>> callable(dist.send)
        True
    """
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor: Tensor, src: int | None = None, group: ProcessGroup | None = None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when ``None``); returns the sender's global rank.

    Example:
        >>> import brickwork.distributed as dist
        >>> callable(dist.recv)
        True
    """
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    return work.source_rank()
