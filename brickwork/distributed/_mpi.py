"""The MPI engine (through mpi4py): CPU processes on one machine or a cluster, over the MPI the job runs under.

Arrays are NumPy and contiguous. MPI has native types and reductions for the usual numbers; bool travels as
``C_BOOL`` with logical reductions (a sum of bools is their logical or, as NumPy's), and float16/bfloat16 travel as
16-bit words reduced by a NumPy function registered as a commutative user op, so the result is the same under any
MPI (Open MPI has no float16 type).

With a ``timeout`` (``init_process_group(timeout=...)``) no wait lasts longer: every collective and point-to-point
request is non-blocking and polled against a deadline (large messages too, which otherwise use MPI's blocking
calls). A collective past it raises `DistBackendError` on the rank that waited; the group is unusable afterwards
(MPI cannot cancel a collective), so its later operations raise at once, and the abandoned request is kept alive
with its buffer so MPI never writes into freed memory.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from typing import Any, Sequence

import numpy as np

from ._engine import DistBackendError, Done

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
_ABANDONED: list[Any] = []  # requests that timed out: MPI may still complete them into their buffers


def _poll(req: Any, status: Any = None, deadline: float | None = None) -> bool:
    """Wait for ``req`` without holding a core: spin for a few microseconds (small messages are done by then), then
    yield the core, then sleep in growing steps up to 0.2 ms. False when ``deadline`` (``perf_counter``) passed first.

    MPI_Wait spins until done; with more processes than cores (shared machines, oversubscribed ranks) the spinning
    rank takes the core from the very rank it waits for, and the scheduler ranks spinners after sleepers.
    """
    test = req.Test
    end = time.perf_counter() + 2e-5
    while not test(status):
        if time.perf_counter() > end:
            break
    else:
        return True
    polls, pause = 0, 2e-5
    while not test(status):
        polls += 1
        if polls < 20:
            os.sched_yield()
        else:
            if deadline is not None and time.perf_counter() > deadline:
                return False
            time.sleep(pause)
            pause = min(2 * pause, 2e-4)
    return True


class _Req:
    """An MPI request; after ``wait`` a receive knows its sender in ``source``."""

    def __init__(self, req: Any, engine: "MPIEngine", what: str, status: bool = False) -> None:
        self._req = req
        self._engine, self._what = engine, what
        self._status = engine._MPI.Status() if status else None
        self.source = -1

    def wait(self) -> None:
        self._engine._wait(self._req, self._what, self._status)
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

    def __init__(self, engine: "MPIEngine", what: str) -> None:
        self.event = threading.Event()
        self.error: BaseException | None = None
        self._engine, self._what = engine, what

    def wait(self) -> None:
        self.event.wait()  # the communication thread's own waits end at the deadline
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

    def __init__(self, comm: Any, timeout: float | None = None) -> None:
        from mpi4py import MPI

        self._MPI = MPI
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.timeout = timeout  # seconds a wait may last; None: as long as it takes
        self.broken = False  # a wait timed out: the ranks' collectives no longer pair up
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

    # -- waiting, with the timeout -------------------------------------------------------------------------

    def _timed_out(self, what: str) -> DistBackendError:
        self.broken = True
        return DistBackendError(
            f"brickwork.distributed: {what} on rank {self.rank} of {self.size} timed out after {self.timeout:g} s "
            "(init_process_group(timeout=...) or new_group(timeout=...)): another rank has not joined it; it is "
            "slow, stuck, or failed. The group cannot be used after a timeout: end the job (or raise the timeout)")

    def _usable(self, what: str) -> None:
        if self.broken:
            raise DistBackendError(f"brickwork.distributed: {what} on rank {self.rank}: an earlier operation of "
                                   "this group timed out, so its ranks' collectives no longer pair up; end the job")

    def _wait(self, req: Any, what: str, status: Any = None) -> None:
        """Wait for an MPI request, raising `DistBackendError` past the timeout."""
        deadline = None if self.timeout is None else time.perf_counter() + self.timeout
        if not _poll(req, status, deadline):
            _ABANDONED.append(req)
            raise self._timed_out(what)

    def _blocking(self, what: str, call: str, *args: Any) -> None:
        """Run MPI's blocking collective ``call`` (the fast algorithms for large data); with a timeout, its
        non-blocking form (``Allreduce`` -> ``Iallreduce``), polled against the deadline."""
        self._usable(what)
        if self.timeout is None:
            getattr(self.comm, call)(*args)
        else:
            self._wait(getattr(self.comm, "I" + call.lower())(*args), what)

    # -- collectives (blocking; ``submit`` runs them on the engine's communication thread) -----------

    def allreduce(self, buf: Any, op: str) -> Done:
        """Reduce ``buf`` over all ranks, in place."""
        if buf.nbytes < _SMALL:
            self._usable("all_reduce")
            self._wait(self.comm.Iallreduce(self._MPI.IN_PLACE, self._spec(buf), self._op(buf.dtype, op)), "all_reduce")
        else:
            self._blocking("all_reduce", "Allreduce", self._MPI.IN_PLACE, self._spec(buf),
                           self._op(buf.dtype, op))
        return Done()

    def broadcast(self, buf: Any, root: int) -> Done:
        """Copy the root's ``buf`` into everyone's."""
        if buf.nbytes < _SMALL:
            self._usable("broadcast")
            self._wait(self.comm.Ibcast(self._spec(buf), root), "broadcast")
        else:
            self._blocking("broadcast", "Bcast", self._spec(buf), root)
        return Done()

    def reduce(self, buf: Any, op: str, root: int) -> Done:
        """Reduce ``buf`` onto the root's ``buf``; other ranks' buffers are left as they are."""
        MPI = self._MPI
        o = self._op(buf.dtype, op)
        if self.rank == root:
            self._blocking("reduce", "Reduce", MPI.IN_PLACE, self._spec(buf), o, root)
        else:
            self._blocking("reduce", "Reduce", self._spec(buf), None, o, root)
        return Done()

    def allgather(self, send: Any, recv: Any) -> Done:
        """Every rank's ``send``, in rank order, into everyone's ``recv``."""
        if recv.nbytes < _SMALL:
            self._usable("all_gather")
            self._wait(self.comm.Iallgather(self._spec(send), self._spec(recv)), "all_gather")
        else:
            self._blocking("all_gather", "Allgather", self._spec(send), self._spec(recv))
        return Done()

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Done:
        """Reduce ``send`` (``size`` equal blocks) over ranks; rank ``i`` receives block ``i``."""
        self._blocking("reduce_scatter", "Reduce_scatter_block", self._spec(send), self._spec(recv),
                       self._op(send.dtype, op))
        return Done()

    def gather(self, send: Any, recv: Any | None, root: int) -> Done:
        """Every rank's ``send`` into the root's ``recv``."""
        self._blocking("gather", "Gather", self._spec(send), self._spec(recv) if self.rank == root else None,
                       root)
        return Done()

    def scatter(self, send: Any | None, recv: Any, root: int) -> Done:
        """Block ``i`` of the root's ``send`` into rank ``i``'s ``recv``."""
        self._blocking("scatter", "Scatter", self._spec(send) if self.rank == root else None,
                       self._spec(recv), root)
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
        self._blocking("all_to_all", "Alltoallv", s_spec, r_spec)
        return Done()

    def barrier(self) -> Done:
        """Wait for every rank."""
        self._usable("barrier")
        self._wait(self.comm.Ibarrier(), "barrier")
        return Done()

    def submit(self, method: Any, *args: Any, what: str = "an asynchronous operation") -> "_Future":
        """Run the collective ``method(*args)`` on the communication thread; returns at once.

        Collectives run there one at a time in the order submitted, so every rank issues them in the same order,
        and the blocking collectives (MPI's fastest algorithms) progress while this thread computes: mpi4py
        releases the GIL inside MPI calls.
        """
        self._usable(what)
        fut = _Future(self, what)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="brickwork-mpi", daemon=True)
                self._thread.start()
            self._pending.append(fut)
        self._queue.put((method, args, fut))
        return fut

    def drain(self) -> None:
        """Wait until every submitted collective has finished (before a blocking one may start)."""
        self._usable("the next operation")
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
        self._usable("send")
        return _Req(self.comm.Isend(self._spec(buf), dst, tag), self, "send")

    def recv(self, buf: Any, src: int | None, tag: int) -> _Req:
        """Receive into ``buf`` from ``src`` (any rank when ``None``)."""
        MPI = self._MPI
        self._usable("recv")
        return _Req(self.comm.Irecv(self._spec(buf), MPI.ANY_SOURCE if src is None else src, tag), self, "recv",
                    status=True)

    def split(self, ranks: Sequence[int]) -> "MPIEngine | None":
        """A communicator of ``ranks`` (in that order); ``None`` on the ranks outside it. Collective."""
        MPI = self._MPI
        self.drain()
        inside = self.rank in ranks
        comm = self.comm.Split(0 if inside else MPI.UNDEFINED, list(ranks).index(self.rank) if inside else 0)
        return MPIEngine(comm, self.timeout) if inside else None

    def close(self) -> None:
        """Finish what was submitted, stop the thread, free the communicator and the user ops."""
        MPI = self._MPI
        if self.broken:  # the timed-out operation never finishes: leave the thread and communicator to exit
            return
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
