"""torch.distributed's setup functions over brickwork's engines: the default group, other groups, ranks."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any, Sequence

from ._env import placement
from ._group import Backend, GroupMember, ProcessGroup
from ._mpi import MPIEngine, mpi_module
from ._single import SingleEngine

__all__ = [
    "is_available", "is_mpi_available", "is_nccl_available", "is_gloo_available", "init_process_group",
    "is_initialized", "destroy_process_group", "get_rank", "get_world_size", "get_backend", "new_group",
    "get_process_group_ranks", "get_global_rank", "get_group_rank",
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
    without MPI (``"env://"`` reads ``MASTER_ADDR``/``MASTER_PORT``; ``"tcp://host:port"``). With ``timeout``
    (a ``timedelta``), an MPI collective or receive that waits longer raises `DistBackendError` (a
    ``RuntimeError``) on the rank that waited, and the group is unusable afterwards, as in PyTorch. Without it a
    wait lasts as long as it takes (PyTorch's default is 30 minutes): a rank that fails ends the whole job anyway.
    NCCL does not enforce it.

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
    seconds = _seconds(timeout, "init_process_group")
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
        engine = _mpi_engine(where, expected, rank, seconds)
        backend_name = name or Backend.MPI
    world = ProcessGroup(engine, range(engine.size), backend_name)
    GroupMember.WORLD = world
    _GROUPS.append(world)


def _seconds(timeout: Any, where: str) -> float | None:
    if timeout is None:
        return None
    if not isinstance(timeout, timedelta):
        raise TypeError(f"{where}: Expected timeout argument to be of type datetime.timedelta, got {timeout!r} "
                        "(e.g. timedelta(minutes=10))")
    return timeout.total_seconds()


def _mpi_engine(where: Any, expected: int, rank: int, timeout: float | None) -> MPIEngine:
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
    return MPIEngine(comm.Dup(), timeout)


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
    seconds = _seconds(timeout, "new_group")
    assert world._engine is not None  # the default group always has its engine
    engine = world._engine.split(members)
    if engine is None:
        return GroupMember.NON_GROUP_MEMBER
    if seconds is not None and hasattr(engine, "timeout"):
        engine.timeout = seconds
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
