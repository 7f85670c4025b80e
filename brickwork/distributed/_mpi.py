"""The MPI engine (through mpi4py): CPU processes on one machine or a cluster, over the MPI the job runs under.

Arrays are NumPy and contiguous. MPI has native types and reductions for the usual numbers; bool travels as
``C_BOOL`` with logical reductions (a sum of bools is their logical or, as NumPy's), and float16/bfloat16 travel as
16-bit words reduced by a NumPy function registered as a commutative user op, so the result is the same under any
MPI (Open MPI has no float16 type).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from typing import Any, Sequence

import numpy as np

from ._engine import Done

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


_SMALL = 256 * 1024  # bytes: below this a collective waits politely (see _poll); above, MPI's blocking call


def _poll(req: Any, status: Any = None) -> None:
    """Wait for ``req`` without holding a core: spin for a few microseconds (small messages are done by then), then
    yield the core, then sleep in growing steps up to 0.2 ms.

    MPI_Wait spins until done; with more processes than cores (shared machines, oversubscribed ranks) the spinning
    rank takes the core from the very rank it waits for, and the scheduler ranks spinners after sleepers.
    """
    test = req.Test
    end = time.perf_counter() + 2e-5
    while not test(status):
        if time.perf_counter() > end:
            break
    else:
        return
    polls, pause = 0, 2e-5
    while not test(status):
        polls += 1
        if polls < 20:
            os.sched_yield()
        else:
            time.sleep(pause)
            pause = min(2 * pause, 2e-4)


class _Req:
    """An MPI request; after ``wait`` a receive knows its sender in ``source``."""

    def __init__(self, req: Any, MPI: Any, status: bool = False) -> None:
        self._req = req
        self._status = MPI.Status() if status else None
        self.source = -1

    def wait(self) -> None:
        _poll(self._req, self._status)
        if self._status is not None:
            self.source = self._status.Get_source()

    def test(self) -> bool:
        done = self._req.Test(self._status)
        if done and self._status is not None:
            self.source = self._status.Get_source()
        return bool(done)


class _Future:
    """A collective submitted to the communication thread; ``wait`` sleeps until it is done."""

    source = -1

    def __init__(self) -> None:
        self.event = threading.Event()
        self.error: BaseException | None = None

    def wait(self) -> None:
        self.event.wait()
        if self.error is not None:
            raise self.error

    def test(self) -> bool:
        return self.event.is_set()


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
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending: list[_Future] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

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

    # -- collectives (blocking; ``submit`` runs them on the engine's communication thread) -----------

    def allreduce(self, buf: Any, op: str) -> Done:
        """Reduce ``buf`` over all ranks, in place."""
        if buf.nbytes < _SMALL:
            _poll(self.comm.Iallreduce(self._MPI.IN_PLACE, self._spec(buf), self._op(buf.dtype, op)))
        else:
            self.comm.Allreduce(self._MPI.IN_PLACE, self._spec(buf), self._op(buf.dtype, op))
        return Done()

    def broadcast(self, buf: Any, root: int) -> Done:
        """Copy the root's ``buf`` into everyone's."""
        if buf.nbytes < _SMALL:
            _poll(self.comm.Ibcast(self._spec(buf), root))
        else:
            self.comm.Bcast(self._spec(buf), root)
        return Done()

    def reduce(self, buf: Any, op: str, root: int) -> Done:
        """Reduce ``buf`` onto the root's ``buf``; other ranks' buffers are left as they are."""
        MPI = self._MPI
        o = self._op(buf.dtype, op)
        if self.rank == root:
            self.comm.Reduce(MPI.IN_PLACE, self._spec(buf), o, root)
        else:
            self.comm.Reduce(self._spec(buf), None, o, root)
        return Done()

    def allgather(self, send: Any, recv: Any) -> Done:
        """Every rank's ``send``, in rank order, into everyone's ``recv``."""
        if recv.nbytes < _SMALL:
            _poll(self.comm.Iallgather(self._spec(send), self._spec(recv)))
        else:
            self.comm.Allgather(self._spec(send), self._spec(recv))
        return Done()

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Done:
        """Reduce ``send`` (``size`` equal blocks) over ranks; rank ``i`` receives block ``i``."""
        self.comm.Reduce_scatter_block(self._spec(send), self._spec(recv), self._op(send.dtype, op))
        return Done()

    def gather(self, send: Any, recv: Any | None, root: int) -> Done:
        """Every rank's ``send`` into the root's ``recv``."""
        self.comm.Gather(self._spec(send), self._spec(recv) if self.rank == root else None, root)
        return Done()

    def scatter(self, send: Any | None, recv: Any, root: int) -> Done:
        """Block ``i`` of the root's ``send`` into rank ``i``'s ``recv``."""
        self.comm.Scatter(self._spec(send) if self.rank == root else None, self._spec(recv), root)
        return Done()

    def alltoallv(self, send: Any, send_counts: Sequence[int], recv: Any, recv_counts: Sequence[int]) -> Done:
        """Rank ``i`` sends its ``i``-th slice (``send_counts`` elements each) to rank ``i``."""
        s, r = self._spec(send), self._spec(recv)
        s_buf, s_type = (s, None) if not isinstance(s, list) else s
        r_buf, r_type = (r, None) if not isinstance(r, list) else r
        sd = np.concatenate([[0], np.cumsum(send_counts)[:-1]]).astype(np.int64).tolist()
        rd = np.concatenate([[0], np.cumsum(recv_counts)[:-1]]).astype(np.int64).tolist()
        s_spec = [s_buf, (list(send_counts), sd)] + ([s_type] if s_type is not None else [])
        r_spec = [r_buf, (list(recv_counts), rd)] + ([r_type] if r_type is not None else [])
        self.comm.Alltoallv(s_spec, r_spec)
        return Done()

    def barrier(self) -> Done:
        """Wait for every rank."""
        _poll(self.comm.Ibarrier())
        return Done()

    def submit(self, method: Any, *args: Any) -> "_Future":
        """Run the collective ``method(*args)`` on the communication thread; returns at once.

        Collectives run there one at a time in the order submitted, so every rank issues them in the same order,
        and the blocking collectives (MPI's fastest algorithms) progress while this thread computes: mpi4py
        releases the GIL inside MPI calls.
        """
        fut = _Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="brickwork-mpi", daemon=True)
                self._thread.start()
            self._pending.append(fut)
        self._queue.put((method, args, fut))
        return fut

    def drain(self) -> None:
        """Wait until every submitted collective has finished (before a blocking one may start)."""
        with self._lock:
            last = self._pending[-1] if self._pending else None
        if last is not None:  # they run in order: when the last is done, all are
            last.wait()

    def _serve(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            method, args, fut = item
            try:
                method(*args)
            except BaseException as e:  # handed to the waiting thread
                fut.error = e
            with self._lock:
                self._pending.remove(fut)
            fut.event.set()

    def send(self, buf: Any, dst: int, tag: int) -> _Req:
        """Send ``buf`` to rank ``dst``."""
        return _Req(self.comm.Isend(self._spec(buf), dst, tag), self._MPI)

    def recv(self, buf: Any, src: int | None, tag: int) -> _Req:
        """Receive into ``buf`` from ``src`` (any rank when ``None``)."""
        MPI = self._MPI
        return _Req(self.comm.Irecv(self._spec(buf), MPI.ANY_SOURCE if src is None else src, tag), MPI, status=True)

    def split(self, ranks: Sequence[int]) -> "MPIEngine | None":
        """A communicator of ``ranks`` (in that order); ``None`` on the ranks outside it. Collective."""
        MPI = self._MPI
        self.drain()
        inside = self.rank in ranks
        comm = self.comm.Split(0 if inside else MPI.UNDEFINED, list(ranks).index(self.rank) if inside else 0)
        return MPIEngine(comm) if inside else None

    def close(self) -> None:
        """Finish what was submitted, stop the thread, free the communicator and the user ops."""
        MPI = self._MPI
        self.drain()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        for op in self._user_ops.values():
            op.Free()
        self._user_ops.clear()
        if self.comm not in (MPI.COMM_WORLD, MPI.COMM_SELF) and self.comm != MPI.COMM_NULL:
            self.comm.Free()
