"""Where this process sits in a job, read from the variables launchers set (torchrun's, Open MPI's, MPICH's, PMIx)."""

from __future__ import annotations

import os
from typing import NamedTuple

__all__ = ["Placement", "placement"]

# (rank, world size, local rank, local world size) as each launcher names them; the first one present wins
_SCHEMES = (
    ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"),  # brickwork run, torchrun
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"),
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),  # MPICH's hydra, Intel MPI, srun --mpi=pmi2
    ("PMIX_RANK", "", "", ""),  # srun --mpi=pmix and other PMIx launchers: the size comes from MPI itself
)
_MPI_MARKERS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK", "MPI_LOCALNRANKS")


class Placement(NamedTuple):
    """Rank and size as a launcher announced them (``size`` is 0 when unknown), and whether MPI launched us."""

    rank: int
    size: int
    local_rank: int
    local_size: int
    under_mpi: bool


def _int(name: str, default: int) -> int:
    v = os.environ.get(name, "") if name else ""
    try:
        return int(v)
    except ValueError:
        return default


def placement() -> Placement | None:
    """This process's rank and world size from the environment, or ``None`` when no launcher started it.

    Example:
        >>> p = placement(); p is None or p.rank >= 0
        True
    """
    under_mpi = any(k in os.environ for k in _MPI_MARKERS)
    for rank, size, local_rank, local_size in _SCHEMES:
        if rank in os.environ:
            r = _int(rank, 0)
            return Placement(r, _int(size, 0), _int(local_rank, r), _int(local_size, 0), under_mpi)
    return None
