"""torch.distributed's functions over brickwork's engines: the default group, collectives, point-to-point, objects.

Each function checks its arguments the way PyTorch does, makes the tensors' memory contiguous for the engine
(NumPy for MPI; CUDA tensors are staged through the host there), hands the engine group ranks, and writes the
results back in place when the operation completes (at once, or at ``Work.wait()`` with ``async_op=True``).
"""

from __future__ import annotations

import os
import pickle
from datetime import timedelta
from typing import Any, Sequence

import numpy as np

from .._tensor import Tensor
from ._engine import Engine
from ._env import placement
from ._group import Backend, GroupMember, ProcessGroup, RedOpType, ReduceOp, Work
from ._mpi import MPIEngine, mpi_module
from ._single import SingleEngine

__all__ = [
    "is_available", "is_mpi_available", "is_nccl_available", "is_gloo_available", "init_process_group",
    "is_initialized", "destroy_process_group", "get_rank", "get_world_size", "get_backend", "new_group",
    "get_process_group_ranks", "get_global_rank", "get_group_rank", "barrier", "broadcast", "all_reduce", "reduce",
    "all_gather", "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter",
    "all_to_all_single", "all_to_all", "send", "recv", "isend", "irecv", "broadcast_object_list",
    "all_gather_object", "gather_object", "scatter_object_list",
]

_GROUPS: list[ProcessGroup] = []  # every group made since init, so destroy_process_group() frees them
_NOT_INIT = ("Default process group has not been initialized, please make sure to call init_process_group() "
             "first (brickwork.distributed.init_process_group('gloo') works with or without a launcher)")


# -- availability and setup ----------------------------------------------------------------------------------

def is_available() -> bool:
    """Whether ``brickwork.distributed`` works here: always (without MPI, as a world of one).

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.is_available()
        True
    """
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py and an MPI library can be loaded (``pip install brickwork[mpi]``).

    Example:
        >>> import brickwork.distributed as dist
        >>> isinstance(dist.is_mpi_available(), bool)
        True
    """
    return mpi_module() is not None


def is_gloo_available() -> bool:
    """Whether backend ``"gloo"`` can be asked for: it is served by the MPI engine (or the world of one).

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.is_gloo_available()
        True
    """
    return True


def is_nccl_available() -> bool:
    """Whether CuPy with NCCL is installed (GPUs are still needed to use it).

    Example:
        >>> import brickwork.distributed as dist
        >>> isinstance(dist.is_nccl_available(), bool)
        True
    """
    import importlib.util

    return importlib.util.find_spec("cupy") is not None


def _parse_tcp(init_method: str | None) -> tuple[str | None, int | None]:
    if init_method and init_method.startswith("tcp://"):
        host, _, port = init_method[len("tcp://"):].rpartition(":")
        return host.strip("[]"), int(port.split("/")[0].split("?")[0])
    addr, env_port = os.environ.get("MASTER_ADDR"), os.environ.get("MASTER_PORT")
    return addr, (int(env_port) if env_port else None)


def init_process_group(backend: str | None = None, init_method: str | None = None, timeout: timedelta | None = None,
                       world_size: int = -1, rank: int = -1, store: Any = None, group_name: str = "",
                       pg_options: Any = None, device_id: Any = None) -> None:
    """Join the job's default process group: over MPI (``"mpi"``, or ``"gloo"`` as torch scripts say), or NCCL.

    Started by ``brickwork run``, ``mpiexec`` or ``srun``, the ranks come from MPI; with no launcher this is
    rank 0 of a world of one, where every collective is the identity. ``init_method`` matters only to NCCL
    without MPI (``"env://"`` reads ``MASTER_ADDR``/``MASTER_PORT``; ``"tcp://host:port"``). ``timeout`` is
    accepted for PyTorch's signature and not enforced: a rank that fails ends the whole job instead.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.get_rank(), dist.get_world_size()
        (0, 1)
        >>> dist.destroy_process_group()
    """
    if GroupMember.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice! Call destroy_process_group() "
                         "first, or check is_initialized()")
    if store is not None:
        raise ValueError("init_process_group: brickwork.distributed has no stores; MPI (or NCCL's rendezvous) "
                         "finds the ranks; leave store=None")
    if init_method is not None and not init_method.startswith(("env://", "tcp://", "file://")):
        raise ValueError(f"init_method {init_method!r}: expected 'env://', 'tcp://host:port' or 'file://path'")
    name = Backend(backend) if backend is not None else None
    where = placement()
    expected = world_size if world_size > 0 else (where.size if where is not None and where.size > 0 else 0)
    multi = expected > 1 or (where is not None and where.under_mpi and expected != 1)
    if not multi:
        if rank not in (-1, 0):
            raise ValueError(f"init_process_group: rank={rank} but this process was started alone (a world of "
                             "one, rank 0); start several with `brickwork run --nproc-per-node N script.py`")
        engine: Any = SingleEngine()
        backend_name = name or Backend.MPI
    elif name == Backend.NCCL:
        engine = _nccl_engine(where, expected, rank, init_method, device_id)
        backend_name = name
    else:
        engine = _mpi_engine(where, expected, rank)
        backend_name = name or Backend.MPI
    world = ProcessGroup(engine, range(engine.size), backend_name)
    GroupMember.WORLD = world
    _GROUPS.append(world)


def _mpi_engine(where: Any, expected: int, rank: int) -> MPIEngine:
    MPI = mpi_module()
    if MPI is None:
        raise RuntimeError("init_process_group: this process was started as one of several ranks, but mpi4py or "
                           "an MPI library is missing; install them with `pip install brickwork[mpi]`")
    comm = MPI.COMM_WORLD
    if expected > 1 and comm.Get_size() != expected:
        raise RuntimeError(
            f"init_process_group: the launcher announced {expected} ranks but MPI sees {comm.Get_size()}; "
            "torchrun starts processes outside MPI: start them with `brickwork run --nproc-per-node N` "
            "(or mpiexec, srun), or use backend 'nccl' with MASTER_ADDR/MASTER_PORT")
    if rank >= 0 and rank != comm.Get_rank():
        raise ValueError(f"init_process_group: rank={rank} but MPI gives this process rank {comm.Get_rank()}; "
                         "leave rank unset under MPI")
    return MPIEngine(comm.Dup())


def _nccl_engine(where: Any, expected: int, rank: int, init_method: str | None, device_id: Any) -> Any:
    from ._nccl import NCCLEngine

    mpi_comm = None
    if where is not None and where.under_mpi:
        MPI = mpi_module()
        if MPI is not None:
            mpi_comm = MPI.COMM_WORLD
    if mpi_comm is not None:
        r, size = mpi_comm.Get_rank(), mpi_comm.Get_size()
    else:
        r = rank if rank >= 0 else (where.rank if where is not None else 0)
        size = expected
    local = where.local_rank if where is not None else r
    try:
        import cupy

        index = device_id.index if hasattr(device_id, "index") else device_id
        cupy.cuda.Device(local % cupy.cuda.runtime.getDeviceCount() if index is None else int(index)).use()
    except ImportError:
        pass  # NCCLEngine.create names what to install
    addr, port = _parse_tcp(init_method)
    return NCCLEngine.create(r, size, mpi_comm, addr, port)


def is_initialized() -> bool:
    """Whether ``init_process_group`` has been called (and not undone).

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.is_initialized()
        False
    """
    return GroupMember.WORLD is not None


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave ``group``, or (by default) every group and the default one; ``init_process_group`` may follow.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("mpi"); dist.destroy_process_group(); dist.is_initialized()
        False
    """
    world = _world("destroy_process_group")
    targets = list(reversed(_GROUPS)) if group is None or group is world else [group]
    for pg in targets:
        if pg._engine is not None:
            pg._engine.close()
            pg._engine = None
        if pg in _GROUPS:
            _GROUPS.remove(pg)
    if group is None or group is world:
        GroupMember.WORLD = None


def _world(where: str) -> ProcessGroup:
    if GroupMember.WORLD is None:
        raise ValueError(f"{where}: {_NOT_INIT}")
    return GroupMember.WORLD


def _group(group: Any, where: str) -> ProcessGroup | None:
    """The group to use, or ``None`` when this rank is not in it (the call is then a no-op, as in PyTorch)."""
    world = _world(where)
    if group is None:
        return world
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"{where}: group must be a ProcessGroup from new_group() or None, got {type(group).__name__}")
    if group._engine is None and group in _GROUPS:
        return None
    if group not in _GROUPS:
        raise ValueError(f"{where}: the group was destroyed; make a new one with new_group()")
    return group


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group when ``None``); -1 if it is not a member.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.get_rank()
        0
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_rank")
    return -1 if pg is None else pg.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """How many ranks ``group`` has (the default group when ``None``); -1 if this process is not a member.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.get_world_size()
        1
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_world_size")
    return -1 if pg is None else pg.size()


def get_backend(group: ProcessGroup | None = None) -> Backend:
    """The backend name of ``group``: ``"mpi"``, ``"gloo"`` or ``"nccl"``.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.get_backend()
        'gloo'
        >>> dist.destroy_process_group()
    """
    pg = _group(group, "get_backend")
    if pg is None:
        raise ValueError("get_backend: this process is not a member of the group")
    return pg._backend


def new_group(ranks: Sequence[int] | None = None, timeout: timedelta | None = None, backend: str | None = None,
              pg_options: Any = None, use_local_synchronization: bool = False, group_desc: str | None = None,
              device_id: Any = None, sort_ranks: bool = True) -> Any:
    """A group of some of the ranks; every rank of the job must call it, with the same ``ranks``.

    Ranks outside the group get ``GroupMember.NON_GROUP_MEMBER``, and collectives on it do nothing there.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); g = dist.new_group([0]); dist.get_world_size(g)
        1
        >>> dist.destroy_process_group()
    """
    world = _world("new_group")
    n = world.size()
    members = list(range(n)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        members.sort()
    bad = [r for r in members if not 0 <= r < n]
    if bad or len(set(members)) != len(members) or not members:
        raise ValueError(f"new_group: ranks must be distinct and in [0, {n - 1}], got {list(ranks or [])}")
    if backend is not None and Backend(backend) != world._backend and {Backend(backend), world._backend} != {
            Backend.MPI, Backend.GLOO}:
        raise ValueError(f"new_group: backend {backend!r} differs from the default group's "
                         f"{str(world._backend)!r}; brickwork runs a group on the default group's engine")
    assert world._engine is not None  # the default group always has its engine
    engine = world._engine.split(members)
    if engine is None:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(engine, members, world._backend)
    _GROUPS.append(pg)
    return pg


def get_process_group_ranks(group: ProcessGroup | None) -> list[int]:
    """The global ranks of ``group``, in group-rank order.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.get_process_group_ranks(None)
        [0]
        >>> dist.destroy_process_group()
    """
    pg = _world("get_process_group_ranks") if group is None else group
    if not isinstance(pg, ProcessGroup):
        raise ValueError("get_process_group_ranks: this process is not a member of the group")
    return list(pg._ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    """The global rank of ``group``'s rank ``group_rank``.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.get_global_rank(dist.group.WORLD, 0)
        0
        >>> dist.destroy_process_group()
    """
    if not 0 <= group_rank < len(group._ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return group._ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    """``group``'s rank of the process with global rank ``global_rank``.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.init_process_group("gloo"); dist.get_group_rank(dist.group.WORLD, 0)
        0
        >>> dist.destroy_process_group()
    """
    if global_rank not in group._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return group._ranks.index(global_rank)


def _root(pg: ProcessGroup, rank: int | None, group_rank: int | None, where: str, what: str) -> int:
    """A root given as a global rank or as a group rank, as the group's rank."""
    if rank is not None and group_rank is not None:
        raise ValueError(f"{where}: give {what} or group_{what}, not both")
    if group_rank is not None:
        if not 0 <= group_rank < pg.size():
            raise ValueError(f"{where}: group_{what}={group_rank} is not a rank of the group (size {pg.size()})")
        return group_rank
    if rank is None:
        rank = 0
    if rank not in pg._ranks:
        raise ValueError(f"{where}: {what}={rank} is not a global rank of the group {pg._ranks}")
    return pg._ranks.index(rank)


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
        return engine.submit(getattr(engine, method), *args)
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
