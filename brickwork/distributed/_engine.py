"""What every communication engine provides: collectives on contiguous arrays of one device, in place.

An engine is the layer below `brickwork.distributed`'s torch-style functions. It sees only arrays (NumPy for
MPI and the world of one, CuPy for NCCL), already contiguous and on the right device, ranks already translated to
the engine's own numbering, and reduction ops already mapped (``"sum"``, ``"prod"``, ``"max"``, ``"min"``,
``"band"``, ``"bor"``, ``"bxor"``; an average is a sum divided by the caller). Every call starts the operation and
returns a `Request`; the caller decides whether to wait at once (a blocking collective) or later
(``async_op=True``).
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

__all__ = ["Engine", "Request", "Done", "DistError", "DistBackendError"]


class DistError(RuntimeError):
    """An error of ``brickwork.distributed``, as ``torch.distributed.DistError`` (a ``RuntimeError``).

    Example:
        >>> import brickwork.distributed as dist
        >>> issubclass(dist.DistError, RuntimeError)
        True
    """


class DistBackendError(DistError):
    """An error of the communication engine, such as a collective that waited past the group's ``timeout``.

    Example:
        >>> import brickwork.distributed as dist
        >>> issubclass(dist.DistBackendError, dist.DistError)
        True
    """


class Request(Protocol):
    """An operation in flight: ``wait()`` blocks until it is done, ``test()`` says whether it is."""

    source: int  # for a receive: the sender, once complete

    def wait(self) -> None: ...

    def test(self) -> bool: ...


class Done:
    """A request that completed when it was made (the world of one, host-side copies)."""

    source = -1

    def wait(self) -> None:
        """Nothing to wait for."""

    def test(self) -> bool:
        """Always complete."""
        return True


class Engine(Protocol):
    """The collectives an engine implements; ``rank`` and ``size`` are the engine's own numbering."""

    name: str
    rank: int
    size: int
    xp: Any  # the array module the engine's buffers live in

    def allreduce(self, buf: Any, op: str) -> Request: ...

    def broadcast(self, buf: Any, root: int) -> Request: ...

    def reduce(self, buf: Any, op: str, root: int) -> Request: ...

    def allgather(self, send: Any, recv: Any) -> Request: ...

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Request: ...

    def gather(self, send: Any, recv: Any | None, root: int) -> Request: ...

    def scatter(self, send: Any | None, recv: Any, root: int) -> Request: ...

    def alltoallv(self, send: Any, send_counts: Sequence[int], recv: Any, recv_counts: Sequence[int]) -> Request: ...

    def send(self, buf: Any, dst: int, tag: int) -> Request: ...

    def recv(self, buf: Any, src: int | None, tag: int) -> Request: ...

    def barrier(self) -> Request: ...

    def split(self, ranks: Sequence[int]) -> "Engine | None": ...

    def close(self) -> None: ...
