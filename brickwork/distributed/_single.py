"""The world of one: rank 0 of 1, where every collective is the identity, so a script runs without a launcher."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ._engine import Done

__all__ = ["SingleEngine"]


class SingleEngine:
    """An engine for one process: reductions, broadcasts and gathers over one rank copy or do nothing.

    Example:
        >>> import numpy as np
        >>> e = SingleEngine(); out = np.empty(2); _ = e.allgather(np.ones(2), out); out
        array([1., 1.])
    """

    name = "local"
    rank = 0
    size = 1

    def __init__(self, xp: Any = np) -> None:
        self.xp = xp

    def allreduce(self, buf: Any, op: str) -> Done:
        """The sum (or max, min...) over one rank: ``buf`` itself."""
        return Done()

    def broadcast(self, buf: Any, root: int) -> Done:
        """Rank 0 already holds what it broadcasts."""
        return Done()

    def reduce(self, buf: Any, op: str, root: int) -> Done:
        """The reduction over one rank is ``buf``."""
        return Done()

    def allgather(self, send: Any, recv: Any) -> Done:
        """``recv`` becomes a copy of ``send``."""
        recv[...] = send
        return Done()

    def reduce_scatter(self, send: Any, recv: Any, op: str) -> Done:
        """One rank's share is everything."""
        recv[...] = send
        return Done()

    def gather(self, send: Any, recv: Any | None, root: int) -> Done:
        """The root's gather list is its own tensor."""
        if recv is not None:
            recv[...] = send
        return Done()

    def scatter(self, send: Any | None, recv: Any, root: int) -> Done:
        """The root keeps the only piece."""
        if send is not None:
            recv[...] = send
        return Done()

    def alltoallv(self, send: Any, send_counts: Sequence[int], recv: Any, recv_counts: Sequence[int]) -> Done:
        """Everything is sent to oneself."""
        recv[...] = send
        return Done()

    def send(self, buf: Any, dst: int, tag: int) -> Done:
        """Unreachable: the caller refuses sending to oneself."""
        raise RuntimeError("send: a world of one has no other rank to send to")

    def recv(self, buf: Any, src: int | None, tag: int) -> Done:
        """Unreachable: the caller refuses receiving from oneself."""
        raise RuntimeError("recv: a world of one has no other rank to receive from")

    def barrier(self) -> Done:
        """One rank is always in step with itself."""
        return Done()

    def split(self, ranks: Sequence[int]) -> "SingleEngine | None":
        """A group of the one rank (or ``None`` for an empty group)."""
        return SingleEngine(self.xp) if 0 in ranks else None

    def close(self) -> None:
        """Nothing to release."""
