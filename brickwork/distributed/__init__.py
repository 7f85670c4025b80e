"""Several processes, one model: ``torch.distributed``'s API over MPI (CPUs, clusters) and NCCL (GPUs).

Start the processes with ``brickwork run --nproc-per-node N script.py`` (or ``mpiexec``/``srun``); each calls
`init_process_group` and then uses the collectives (``all_reduce``, ``broadcast``, ``all_gather`` ...), usually
through `brickwork.nn.parallel.DistributedDataParallel`. Without a launcher the same script runs as a world
of one, where every collective is the identity. Backends: ``"mpi"`` (mpi4py; ``pip install brickwork[mpi]``),
``"gloo"`` (accepted for torch scripts and served by the same MPI engine) and ``"nccl"`` (CuPy's NCCL).

Example:
    >>> import brickwork as torch
    >>> import brickwork.distributed as dist
    >>> dist.init_process_group("gloo")
    >>> t = torch.ones(3); dist.all_reduce(t); t, dist.get_world_size()
    (tensor([1., 1., 1.]), 1)
    >>> dist.destroy_process_group()
"""

from __future__ import annotations

from ._c10d import (destroy_process_group, get_backend, get_global_rank, get_group_rank, get_process_group_ranks,
                    get_rank, get_world_size, init_process_group, is_available, is_gloo_available, is_initialized,
                    is_mpi_available, is_nccl_available, new_group)
from ._collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all, all_to_all_single, barrier,
                           broadcast, gather, irecv, isend, recv, reduce, reduce_scatter, reduce_scatter_tensor,
                           scatter, send)
from ._engine import DistBackendError, DistError
from ._grad_bucket import GradBucket
from ._objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from ._group import Backend, GroupMember, ProcessGroup, ReduceOp, Work, group

__all__ = [
    "Backend", "DistBackendError", "DistError", "GradBucket", "GroupMember", "ProcessGroup", "ReduceOp", "Work",
    "group",
    "all_gather", "all_gather_into_tensor",
    "all_gather_object", "all_reduce", "all_to_all", "all_to_all_single", "barrier", "broadcast",
    "broadcast_object_list", "destroy_process_group", "gather", "gather_object", "get_backend", "get_global_rank",
    "get_group_rank", "get_process_group_ranks", "get_rank", "get_world_size", "init_process_group", "irecv",
    "is_available", "is_gloo_available", "is_initialized", "is_mpi_available", "is_nccl_available", "isend",
    "new_group", "recv", "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter", "scatter_object_list",
    "send",
]
