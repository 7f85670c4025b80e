"""Process groups, reduction ops, backend names and the work objects of asynchronous operations."""

from __future__ import annotations

import enum
from typing import Any, Callable, Sequence

from ._engine import Engine, Request

__all__ = ["Backend", "ReduceOp", "ProcessGroup", "GroupMember", "group", "Work"]


class Backend(str):
    """A backend name, lower-cased and checked: ``"mpi"``, ``"gloo"`` (the MPI engine under torch's name), ``"nccl"``.

    Example:
        >>> Backend("GLOO"), Backend.NCCL
        ('gloo', 'nccl')
    """

    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"
    UNDEFINED = "undefined"
    backend_list = ["mpi", "gloo", "nccl"]

    def __new__(cls, name: str) -> "Backend":
        if not isinstance(name, str):
            raise TypeError(f"Backend name must be a string, got {type(name).__name__}")
        low = name.lower()
        if low not in cls.backend_list and low != cls.UNDEFINED:
            raise ValueError(f"Invalid backend: '{name}'; brickwork.distributed has 'mpi' (CPU, any MPI), 'gloo' "
                             "(the same MPI engine, for scripts written for torch) and 'nccl' (GPUs)")
        return str.__new__(cls, low)


class RedOpType(enum.Enum):
    """The reductions, numbered as in PyTorch."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    """The reduction ops of ``all_reduce``, ``reduce`` and ``reduce_scatter``: ``ReduceOp.SUM`` and friends.

    ``AVG`` is the sum divided by the group's size (for integer tensors rounded toward zero, as NCCL does);
    ``BAND``, ``BOR`` and ``BXOR`` need integer or bool tensors.

    Example:
        >>> ReduceOp.SUM, ReduceOp.MAX.name
        (<RedOpType.SUM: 0>, 'MAX')
    """

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR


class ProcessGroup:
    """A set of ranks that run collectives together, over one engine; made by ``init_process_group``/``new_group``.

    ``ranks`` are global ranks, in group-rank order.

    Example:
        >>> import brickwork.distributed as dist
        >>> dist.ProcessGroup.__name__
        'ProcessGroup'
    """

    def __init__(self, engine: Engine | None, ranks: Sequence[int], backend: str) -> None:
        self._engine = engine
        self._ranks = list(ranks)
        self._backend = Backend(backend)

    def rank(self) -> int:
        """This process's rank inside the group (-1 outside it)."""
        return -1 if self._engine is None else self._engine.rank

    def size(self) -> int:
        """How many ranks the group has."""
        return len(self._ranks)

    def name(self) -> str:
        """The backend's name."""
        return str(self._backend)

    def __repr__(self) -> str:
        return f"ProcessGroup(backend={self._backend!r}, ranks={self._ranks})"


class GroupMember:
    """The special groups: ``WORLD`` (the default group) and ``NON_GROUP_MEMBER``.

    ``GroupMember.WORLD`` is ``None`` before ``init_process_group``; ``NON_GROUP_MEMBER`` is what ``new_group``
    returns on ranks outside the new group.

    Example:
        >>> GroupMember.NON_GROUP_MEMBER
        <non-group member>
    """

    WORLD: ProcessGroup | None = None

    class _NonMember:
        def __repr__(self) -> str:
            return "<non-group member>"

    NON_GROUP_MEMBER: Any = _NonMember()


group = GroupMember  # torch spells it dist.group.WORLD as well


class Work:
    """An operation started with ``async_op=True``: ``wait()`` blocks until its results are in the tensors.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> dist.init_process_group("gloo")
        >>> w = dist.all_reduce(torch.ones(2), async_op=True); w.wait(), w.is_completed()
        (True, True)
        >>> dist.destroy_process_group()
    """

    def __init__(self, requests: Sequence[Request], finish: Callable[[], None] | None = None,
                 result: Sequence[Any] = (), source: Callable[[], int] | None = None) -> None:
        self._requests = list(requests)
        self._finish = finish
        self._result = list(result)
        self._source = source
        self._done = False

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout: Any = None) -> bool:
        """Block until the operation is complete and its results are written; returns ``True``.

        ``timeout`` is accepted for PyTorch's signature; MPI and NCCL operations are not cancelled.
        """
        if not self._done:
            for r in self._requests:
                r.wait()
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation has finished (never blocks)."""
        if not self._done and all(r.test() for r in self._requests):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Whether it finished without error (a failed MPI operation aborts the job instead)."""
        return self.is_completed()

    def exception(self) -> None:
        """No exception: failures end the job."""
        return None

    def result(self) -> list[Any]:
        """The output tensors, after ``wait()``."""
        self.wait()
        return self._result

    def get_future(self) -> Any:
        """A `brickwork.futures.Future` completed with ``result()`` (the output tensors) when the operation is.

        Example:
            >>> import brickwork as torch, brickwork.distributed as dist
            >>> dist.init_process_group("gloo")
            >>> fut = dist.all_reduce(torch.ones(2), async_op=True).get_future()
            >>> fut.then(lambda f: f.value()[0] * 2).wait()
            tensor([2., 2.])
            >>> dist.destroy_process_group()
        """
        from ..futures import Future

        return Future._pending(self.result, self.is_completed)

    def source_rank(self) -> int:
        """For a receive from any rank: the sender's rank (after ``wait()``)."""
        self.wait()
        if self._source is None:
            raise RuntimeError("source_rank() is only defined for a receive (irecv) work object")
        return self._source()
