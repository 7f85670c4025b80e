"""The MPI engine (through mpi4py): CPU processes on one machine or a cluster, over the MPI the job runs under.

Arrays are NumPy and contiguous. MPI has native types and reductions for the usual numbers; bool travels as
``C_BOOL`` with logical reductions (a sum of bools is their logical or, as NumPy's), and float16/bfloat16 travel as
16-bit words reduced by a NumPy function registered as a commutative user op, so the result is the same under any
MPI (Open MPI has no float16 type).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["MPIEngine", "mpi_module"]

_UFUNC = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum,
          "band": np.bitwise_and, "bor": np.bitwise_or, "bxor": np.bitwise_xor}
_BOOL_OP = {"sum": "LOR", "max": "LOR", "bor": "LOR", "prod": "LAND", "min": "LAND", "band": "LAND", "bxor": "LXOR"}
_NATIVE_OP = {"sum": "SUM", "prod": "PROD", "max": "MAX", "min": "MIN", "band": "BAND", "bor": "BOR", "bxor": "BXOR"}


def mpi_module() -> Any:
    """``mpi4py.MPI`` (importing it initialises MPI), or ``None`` when mpi4py or an MPI library is missing.

    Example:
        >>> mpi_module() is None or hasattr(mpi_module(), "COMM_WORLD")
        True
    """
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError, OSError):  # no mpi4py, or mpi4py without an MPI library to load
        return None
    return MPI


class _Req:
    """An MPI request; after ``wait`` a receive knows its sender in ``source``."""

    def __init__(self, req: Any, MPI: Any, status: bool = False) -> None:
        self._req = req
        self._status = MPI.Status() if status else None
        self.source = -1

    def wait(self) -> None:
        self._req.Wait(self._status)
        if self._status is not None:
            self.source = self._status.Get_source()

    def test(self) -> bool:
        done = self._req.Test(self._status)
        if done and self._status is not None:
            self.source = self._status.Get_source()
        return bool(done)


class MPIEngine:
    """Collectives over an MPI communicator (a private duplicate of ``COMM_WORLD`` for the default group).

    Example:
        >>> MPI = mpi_module()
        >>> MPI is None or MPIEngine(MPI.COMM_SELF.Dup()).size == 1
        True
    """

    name = "mpi"
    xp = np

    def __init__(self, comm: Any) -> None:
        from mpi4py import MPI

        self._MPI = MPI
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self._user_ops: dict[tuple[str, str], Any] = {}

    # -- buffers and reductions ------------------------------------------------------------------

    def _spec(self, a: Any) -> Any:
        """The buffer specification MPI needs for array ``a``."""
        MPI = self._MPI
        if a is None:
            return None
        kind = a.dtype
        if kind == np.bool_:
            return [a, MPI.C_BOOL]
        if kind.itemsize == 2 and kind.kind not in "iu":  # float16 and bfloat16: 16-bit words, a NumPy reduction
            return [a.view(np.uint16), MPI.UINT16_T]
        return a

    def _op(self, dtype: Any, op: str) -> Any:
        MPI = self._MPI
        dtype = np.dtype(dtype)
        if dtype == np.bool_:
            return getattr(MPI, _BOOL_OP[op])
        if dtype.itemsize == 2 and dtype.kind not in "iu":
            key = (dtype.name, op)
            user = self._user_ops.get(key)
            if user is None:
                ufunc = _UFUNC[op]

                def reduce(inbuf: Any, inoutbuf: Any, datatype: Any) -> None:
                    acc = np.frombuffer(inoutbuf, dtype=dtype)
                    ufunc(np.frombuffer(inbuf, dtype=dtype), acc, out=acc)

                user = self._user_ops[key] = MPI.Op.Create(reduce, commute=True)
            return user
        return getattr(MPI, _NATIVE_OP[op])

    # -- collectives --------------------------------------------------------------------------

    def allreduce(self, buf: Any, op: str) -> _Req:
        """Reduce ``buf`` over all ranks, in place."""
        return _Req(self.comm.Iallreduce(self._MPI.IN_PLACE, self._spec(buf), self._op(buf.dtype, op)), self._MPI)

    def broadcast(self, buf: Any, root: int) -> _Req:
        """Copy the root's ``buf`` into everyone's."""
        return _Req(self.comm.Ibcast(self._spec(buf), root), self._MPI)

    def reduce(self, buf: Any, op: str, root: int) -> _Req:
        """Reduce ``buf`` onto the root's ``buf``; other ranks' buffers are left as they are."""
        MPI = self._MPI
        o = self._op(buf.dtype, op)
        if self.rank == root:
            return _Req(self.comm.Ireduce(MPI.IN_PLACE, self._spec(buf), o, root), MPI)
        return _Req(self.comm.Ireduce(self._spec(buf), None, o, root), MPI)

    def allgather(self, send: Any, recv: Any) -> _Req:
        """Every rank's ``send``, in rank order, into everyone's ``recv``."""
        return _Req(self.comm.Iallgather(self._spec(send), self._spec(recv)), self._MPI)

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> _Req:
        """Reduce ``send`` (``size`` equal blocks) over ranks; rank ``i`` receives block ``i``."""
        return _Req(self.comm.Ireduce_scatter_block(self._spec(send), self._spec(recv), self._op(send.dtype, op)),
                    self._MPI)

    def gather(self, send: Any, recv: Any | None, root: int) -> _Req:
        """Every rank's ``send`` into the root's ``recv``."""
        return _Req(self.comm.Igather(self._spec(send), self._spec(recv) if self.rank == root else None, root),
                    self._MPI)

    def scatter(self, send: Any | None, recv: Any, root: int) -> _Req:
        """Block ``i`` of the root's ``send`` into rank ``i``'s ``recv``."""
        return _Req(self.comm.Iscatter(self._spec(send) if self.rank == root else None, self._spec(recv), root),
                    self._MPI)

    def alltoallv(self, send: Any, send_counts: Sequence[int], recv: Any, recv_counts: Sequence[int]) -> _Req:
        """Rank ``i`` sends its ``i``-th slice (``send_counts`` elements each) to rank ``i``."""
        s, r = self._spec(send), self._spec(recv)
        s_buf, s_type = (s, None) if not isinstance(s, list) else s
        r_buf, r_type = (r, None) if not isinstance(r, list) else r
        sd = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).tolist()
        rd = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]).tolist()
        s_spec = [s_buf, (list(send_counts), sd)] + ([s_type] if s_type is not None else [])
        r_spec = [r_buf, (list(recv_counts), rd)] + ([r_type] if r_type is not None else [])
        return _Req(self.comm.Ialltoallv(s_spec, r_spec), self._MPI)

    def send(self, buf: Any, dst: int, tag: int) -> _Req:
        """Send ``buf`` to rank ``dst``."""
        return _Req(self.comm.Isend(self._spec(buf), dst, tag), self._MPI)

    def recv(self, buf: Any, src: int | None, tag: int) -> _Req:
        """Receive into ``buf`` from ``src`` (any rank when ``None``)."""
        MPI = self._MPI
        return _Req(self.comm.Irecv(self._spec(buf), MPI.ANY_SOURCE if src is None else src, tag), MPI, status=True)

    def barrier(self) -> _Req:
        """Wait for every rank."""
        return _Req(self.comm.Ibarrier(), self._MPI)

    def split(self, ranks: Sequence[int]) -> "MPIEngine | None":
        """A communicator of ``ranks`` (in that order); ``None`` on the ranks outside it. Collective."""
        MPI = self._MPI
        inside = self.rank in ranks
        comm = self.comm.Split(0 if inside else MPI.UNDEFINED, list(ranks).index(self.rank) if inside else 0)
        return MPIEngine(comm) if inside else None

    def close(self) -> None:
        """Free the communicator and the user ops."""
        MPI = self._MPI
        for op in self._user_ops.values():
            op.Free()
        self._user_ops.clear()
        if self.comm not in (MPI.COMM_WORLD, MPI.COMM_SELF) and self.comm != MPI.COMM_NULL:
            self.comm.Free()
