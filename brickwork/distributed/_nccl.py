"""The NCCL engine (through CuPy's ``cupy.cuda.nccl``): GPU processes, one GPU each.

Every rank needs the same NCCL unique id before it can build its communicator. Under MPI (``brickwork run``,
``mpiexec``, ``srun``) rank 0's id is broadcast over MPI, as ChainerMN does; without MPI (``torchrun``-style
launchers) it goes over a TCP connection to ``MASTER_ADDR:MASTER_PORT``, where rank 0 listens. Operations are queued
on the current CUDA stream, so later kernels see their results with no host synchronisation, which is what
``Work.wait()`` means for NCCL in PyTorch too.

NCCL has no int16 and no bool: int16 travels as int32 and bool as uint8 (a sum of bools is their logical or, as
max of 0/1), and NCCL has no bitwise reductions (``ReduceOp.BAND`` and friends raise).
"""

from __future__ import annotations

import socket
import struct
import time
from typing import Any, Sequence

import numpy as np

from ._engine import Done

__all__ = ["NCCLEngine", "nccl_dtype", "nccl_op", "tcp_broadcast_bytes", "exchange_unique_id"]

# NCCL's ncclDataType_t and ncclRedOp_t values (nccl.h); CuPy exposes most of them under the same names
_DTYPES = {"int8": 0, "uint8": 1, "int32": 2, "uint32": 3, "int64": 4, "uint64": 5, "float16": 6, "float32": 7,
           "float64": 8, "bfloat16": 9}
_OPS = {"sum": 0, "prod": 1, "max": 2, "min": 3}


def nccl_dtype(dtype: Any) -> tuple[int, Any]:
    """NCCL's datatype for a NumPy dtype, and the dtype the buffer must travel as (int16 as int32, bool as uint8).

    Example:
        >>> import numpy as np
        >>> nccl_dtype(np.float32), nccl_dtype(np.bool_)[0], nccl_dtype(np.int16)
        ((7, dtype('float32')), 1, (2, dtype('int32')))
    """
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return _DTYPES["uint8"], np.dtype(np.uint8)
    if dt == np.int16:
        return _DTYPES["int32"], np.dtype(np.int32)
    if dt.name not in _DTYPES:
        raise TypeError(f"NCCL cannot communicate dtype {dt.name}; use one of {sorted(_DTYPES)} (or bool, int16)")
    return _DTYPES[dt.name], dt


def nccl_op(op: str, dtype: Any) -> int:
    """NCCL's reduction for an engine op name and the tensor's dtype (bool sums are maxima).

    Example:
        >>> import numpy as np
        >>> nccl_op("sum", np.float32), nccl_op("sum", np.bool_), nccl_op("prod", np.bool_)
        (0, 2, 3)
    """
    if np.dtype(dtype) == np.bool_:
        op = {"sum": "max", "prod": "min"}.get(op, op)
    if op not in _OPS:
        raise ValueError(f"NCCL has no {op!r} reduction; it supports ReduceOp.SUM, AVG, PRODUCT, MIN and MAX")
    return _OPS[op]


def tcp_broadcast_bytes(rank: int, size: int, addr: str, port: int, payload: bytes | None,
                        timeout: float = 300.0) -> bytes:
    """Send rank 0's ``payload`` to every rank over TCP: rank 0 listens on ``addr:port``, the others connect.

    Example:
        >>> tcp_broadcast_bytes(0, 1, "127.0.0.1", 0, b"id")
        b'id'
    """
    if size == 1:
        return payload or b""
    if rank == 0:
        if payload is None:
            raise ValueError("tcp_broadcast_bytes: rank 0 must give the payload")
        with socket.create_server((addr, port), reuse_port=False) as srv:
            srv.settimeout(timeout)
            for _ in range(size - 1):
                conn, _ = srv.accept()
                with conn:
                    conn.sendall(struct.pack("!Q", len(payload)) + payload)
        return payload
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = socket.create_connection((addr, port), timeout=timeout)
            break
        except OSError:  # rank 0 is not listening yet
            if time.monotonic() > deadline:
                raise RuntimeError(f"rank {rank}: could not reach rank 0 at {addr}:{port} within {timeout:.0f} s; "
                                   "check MASTER_ADDR and MASTER_PORT") from None
            time.sleep(0.05)
    with conn:
        data = b""
        while len(data) < 8 or len(data) < 8 + struct.unpack("!Q", data[:8])[0]:
            chunk = conn.recv(1 << 16)
            if not chunk:
                raise RuntimeError(f"rank {rank}: rank 0 closed the rendezvous connection early")
            data += chunk
    return data[8:]


def exchange_unique_id(rank: int, size: int, make_id: Any, mpi_comm: Any = None, addr: str | None = None,
                       port: int | None = None) -> tuple:
    """Rank 0 makes an NCCL unique id (``make_id()``, 128 ints) and every rank gets it, over MPI or TCP.

    Example:
        >>> exchange_unique_id(0, 1, lambda: (1, 2, 3))
        (1, 2, 3)
    """
    uid = tuple(make_id()) if rank == 0 else None
    if size == 1:
        return uid  # type: ignore[return-value]
    if mpi_comm is not None:
        return tuple(mpi_comm.bcast(uid, root=0))
    if addr is None or port is None:
        raise RuntimeError("NCCL needs the unique id of rank 0: launch under MPI (brickwork run, mpiexec, srun) or "
                           "set MASTER_ADDR and MASTER_PORT")
    raw = tcp_broadcast_bytes(rank, size, addr, port,
                              None if uid is None else np.asarray(uid, np.int64).tobytes())
    return tuple(np.frombuffer(raw, np.int64).tolist())


class _Event:
    """A CUDA event recorded after an NCCL call: ``test`` queries it, ``wait`` makes the host wait."""

    source = -1

    def __init__(self, cupy: Any) -> None:
        self._event = cupy.cuda.Event(disable_timing=True)
        self._event.record()

    def wait(self) -> None:
        self._event.synchronize()

    def test(self) -> bool:
        return bool(self._event.done)


class NCCLEngine:
    """Collectives over an NCCL communicator on the current CUDA device; buffers are contiguous CuPy arrays.

    ``comm`` is a ``cupy.cuda.nccl.NcclCommunicator``; ``nccl`` and ``cupy`` are the modules (given for tests).

    Example:
        >>> NCCLEngine.name
        'nccl'
    """

    name = "nccl"

    def __init__(self, comm: Any, rank: int, size: int, nccl: Any, cupy: Any, make_comm: Any = None) -> None:
        self.comm, self.rank, self.size = comm, rank, size
        self._nccl, self._cupy, self.xp = nccl, cupy, cupy
        self._make_comm = make_comm  # (size, uid, rank) -> communicator, for split

    @classmethod
    def create(cls, rank: int, size: int, mpi_comm: Any = None, addr: str | None = None,
               port: int | None = None) -> "NCCLEngine":
        """Build the communicator of the whole job (collective: every rank calls it)."""
        try:
            import cupy
            from cupy.cuda import nccl
        except ImportError as e:
            raise RuntimeError(f"backend 'nccl' needs CuPy with NCCL ({e}); install brickwork[cuda12] (or "
                               "[cuda13]) on a machine with NVIDIA GPUs, or use backend 'mpi' on CPUs") from None
        uid = exchange_unique_id(rank, size, nccl.get_unique_id, mpi_comm, addr, port)
        return cls(nccl.NcclCommunicator(size, uid, rank), rank, size, nccl, cupy, nccl.NcclCommunicator)

    # -- helpers ------------------------------------------------------------------------------

    def _stream(self) -> int:
        return self._cupy.cuda.get_current_stream().ptr

    def _done(self) -> Any:
        return _Event(self._cupy)

    def _typed(self, a: Any) -> tuple[Any, int]:
        """``a`` as it travels (a converted copy for int16 and bool) and its NCCL datatype."""
        code, travel = nccl_dtype(a.dtype)
        return (a if a.dtype == travel else a.astype(travel)), code

    def _finish(self, a: Any, travelled: Any) -> None:
        if travelled is not a:
            a[...] = travelled.astype(a.dtype)

    # -- collectives --------------------------------------------------------------------------

    def allreduce(self, buf: Any, op: str) -> Any:
        """Reduce ``buf`` over all ranks, in place."""
        t, code = self._typed(buf)
        self.comm.allReduce(t.data.ptr, t.data.ptr, t.size, code, nccl_op(op, buf.dtype), self._stream())
        self._finish(buf, t)
        return self._done()

    def broadcast(self, buf: Any, root: int) -> Any:
        """Copy the root's ``buf`` into everyone's."""
        t, code = self._typed(buf)
        self.comm.bcast(t.data.ptr, t.size, code, root, self._stream())
        self._finish(buf, t)
        return self._done()

    def reduce(self, buf: Any, op: str, root: int) -> Any:
        """Reduce onto the root's ``buf``."""
        t, code = self._typed(buf)
        self.comm.reduce(t.data.ptr, t.data.ptr, t.size, code, nccl_op(op, buf.dtype), root, self._stream())
        if self.rank == root:
            self._finish(buf, t)
        return self._done()

    def allgather(self, send: Any, recv: Any) -> Any:
        """Every rank's ``send``, in rank order, into ``recv``."""
        s, code = self._typed(send)
        r, _ = self._typed(recv)
        self.comm.allGather(s.data.ptr, r.data.ptr, s.size, code, self._stream())
        self._finish(recv, r)
        return self._done()

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Any:
        """Reduce ``send`` over ranks; rank ``i`` receives block ``i``."""
        s, code = self._typed(send)
        r, _ = self._typed(recv)
        self.comm.reduceScatter(s.data.ptr, r.data.ptr, r.size, code, nccl_op(op, send.dtype), self._stream())
        self._finish(recv, r)
        return self._done()

    def _exchange(self, sends: Sequence[tuple[Any, int]], recvs: Sequence[tuple[Any, int]]) -> None:
        """Grouped point-to-point: each ``(array, peer)`` is sent or received in one NCCL group."""
        stream = self._stream()
        self._nccl.groupStart()
        try:
            for a, peer in sends:
                self.comm.send(a.data.ptr, a.size, nccl_dtype(a.dtype)[0], peer, stream)
            for a, peer in recvs:
                self.comm.recv(a.data.ptr, a.size, nccl_dtype(a.dtype)[0], peer, stream)
        finally:
            self._nccl.groupEnd()

    def gather(self, send: Any, recv: Any | None, root: int) -> Any:
        """Every rank's ``send`` into the root's ``recv`` (grouped sends and receives)."""
        s, _ = self._typed(send)
        if self.rank == root:
            r, _ = self._typed(recv)
            blocks = r.reshape(self.size, -1)
            blocks[root] = s
            self._exchange([], [(blocks[i], i) for i in range(self.size) if i != root])
            self._finish(recv, r)
        else:
            self._exchange([(s, root)], [])
        return self._done()

    def scatter(self, send: Any | None, recv: Any, root: int) -> Any:
        """Block ``i`` of the root's ``send`` into rank ``i``'s ``recv``."""
        r, _ = self._typed(recv)
        if self.rank == root:
            s, _ = self._typed(send)
            blocks = s.reshape(self.size, -1)
            r[...] = blocks[root]
            self._exchange([(blocks[i], i) for i in range(self.size) if i != root], [])
        else:
            self._exchange([], [(r, root)])
        self._finish(recv, r)
        return self._done()

    def alltoallv(self, send: Any, send_counts: Sequence[int], recv: Any, recv_counts: Sequence[int]) -> Any:
        """Rank ``i`` gets the ``i``-th slice of everyone's ``send``."""
        s, _ = self._typed(send)
        r, _ = self._typed(recv)
        so = np.concatenate([[0], np.cumsum(send_counts)]).tolist()
        ro = np.concatenate([[0], np.cumsum(recv_counts)]).tolist()
        r[ro[self.rank]:ro[self.rank + 1]] = s[so[self.rank]:so[self.rank + 1]]
        peers = [i for i in range(self.size) if i != self.rank]
        self._exchange([(s[so[i]:so[i + 1]], i) for i in peers if send_counts[i]],
                       [(r[ro[i]:ro[i + 1]], i) for i in peers if recv_counts[i]])
        self._finish(recv, r)
        return self._done()

    def send(self, buf: Any, dst: int, tag: int) -> Any:
        """Send ``buf`` to ``dst`` (NCCL has no tags: messages between two ranks arrive in order)."""
        s, _ = self._typed(buf)
        self._exchange([(s, dst)], [])
        return self._done()

    def recv(self, buf: Any, src: int | None, tag: int) -> Any:
        """Receive into ``buf`` from ``src`` (NCCL needs the sender: ``src=None`` raises)."""
        if src is None:
            raise ValueError("recv: backend 'nccl' needs the sender's rank (src=None receives from any rank only "
                             "on 'mpi')")
        r, _ = self._typed(buf)
        self._exchange([], [(r, src)])
        self._finish(buf, r)
        ev = self._done()
        ev.source = src
        return ev

    def barrier(self) -> Any:
        """An all-reduce of one number, then wait for it on the host."""
        one = self._cupy.ones(1, dtype=self._cupy.float32)
        self.allreduce(one, "sum")
        self._cupy.cuda.get_current_stream().synchronize()
        return Done()

    def split(self, ranks: Sequence[int]) -> "NCCLEngine | None":
        """A communicator of ``ranks``: the group's first rank makes an id, broadcast over this one. Collective."""
        ranks = list(ranks)
        uid = self._cupy.zeros(128, dtype=self._cupy.int64)
        if self.rank == ranks[0]:
            uid[...] = self._cupy.asarray(np.asarray(self._nccl.get_unique_id(), np.int64))
        self.broadcast(uid, ranks[0])
        if self.rank not in ranks:
            return None
        me = ranks.index(self.rank)
        make = self._make_comm or self._nccl.NcclCommunicator
        comm = make(len(ranks), tuple(int(v) for v in self._cupy.asnumpy(uid)), me)
        return NCCLEngine(comm, me, len(ranks), self._nccl, self._cupy, make)

    def close(self) -> None:
        """Destroy the communicator."""
        destroy = getattr(self.comm, "destroy", None)
        if destroy is not None:
            destroy()
