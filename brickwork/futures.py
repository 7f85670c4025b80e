"""``Future``: the result of an operation that may still be running, as ``torch.futures``.

A distributed work object's ``get_future()`` returns one, and DDP communication hooks return one holding the
reduced bucket. A future is completed by ``set_result``/``set_exception``, or, when it was made for an operation
in flight, by waiting for that operation; ``then(callback)`` chains a future whose value is the callback's.
Callbacks run when their parent completes, in the thread that completes it.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

__all__ = ["Future", "collect_all", "wait_all"]

T = TypeVar("T")
S = TypeVar("S")


class Future(Generic[T]):
    """A value that becomes available later, as ``torch.futures.Future``.

    Args:
        devices: accepted for PyTorch's signature (CPU and CuPy results need no stream bookkeeping).

    Example:
        >>> from brickwork.futures import Future
        >>> fut = Future()
        >>> doubled = fut.then(lambda f: f.value() * 2)
        >>> fut.set_result(21); doubled.wait(), fut.done()
        (42, True)
    """

    def __init__(self, *, devices: Any = None) -> None:
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None
        self._resolve: Callable[[], Any] | None = None  # completes an operation in flight (set by its maker)
        self._ready: Callable[[], bool] | None = None  # whether that operation is done, without blocking
        self._callbacks: list[Callable[[Future[T]], None]] = []

    @classmethod
    def _pending(cls, resolve: Callable[[], Any], ready: Callable[[], bool] | None = None) -> Future[Any]:
        """A future completed by ``resolve()`` (which blocks until the operation is done and returns its value);
        ``ready()`` says without blocking whether it is done."""
        fut: Future[Any] = cls()
        fut._resolve, fut._ready = resolve, ready
        return fut

    def done(self) -> bool:
        """Whether the value (or an error) is set; completes a finished operation without blocking."""
        if not self._done and self._resolve is not None and self._ready is not None and self._ready():
            self._run_resolve()
        return self._done

    def wait(self) -> T:
        """Block until the future is complete and return its value (raise its error)."""
        if not self._done and self._resolve is not None:
            self._run_resolve()
        if not self._done:
            raise RuntimeError("Future.wait: the future was never completed; call set_result() (or "
                               "set_exception()) on it, or wait on a future an operation returned")
        if self._error is not None:
            raise self._error
        return self._value

    def value(self) -> T:
        """The value of a completed future (raises its error; does not wait)."""
        if not self.done():
            raise RuntimeError("Future.value: the future is not complete yet; call wait() to block until it is")
        if self._error is not None:
            raise self._error
        return self._value

    def set_result(self, result: T) -> None:
        """Complete the future with ``result`` and run its callbacks."""
        if self._done:
            raise RuntimeError("Future.set_result: the future is already complete")
        self._done, self._value = True, result
        self._run_callbacks()

    def set_exception(self, result: BaseException) -> None:
        """Complete the future with an error: ``wait()`` and ``value()`` raise it."""
        if not isinstance(result, BaseException):
            raise TypeError(f"Future.set_exception: expected an exception, got {type(result).__name__}")
        if self._done:
            raise RuntimeError("Future.set_exception: the future is already complete")
        self._done, self._error = True, result
        self._run_callbacks()

    def then(self, callback: Callable[[Future[T]], S]) -> Future[S]:
        """A future whose value is ``callback(self)``, run when this one completes (an error in it becomes the
        new future's error)."""
        child: Future[S] = Future()
        if self._resolve is not None and not self._done:  # waiting on the child waits on this operation
            child._resolve, child._ready = self.wait, self.done  # completing it runs `run`, completing the child

        def run(parent: Future[T]) -> None:
            try:
                child._resolve = None
                child.set_result(callback(parent))
            except BaseException as e:
                if not child._done:
                    child.set_exception(e)
        self.add_done_callback(run)
        return child

    def add_done_callback(self, callback: Callable[[Future[T]], None]) -> None:
        """Run ``callback(self)`` when the future completes (at once if it has)."""
        if self._done:
            callback(self)
        else:
            self._callbacks.append(callback)

    def _run_resolve(self) -> None:
        resolve, self._resolve = self._resolve, None
        try:
            value = resolve()  # type: ignore[misc]
        except BaseException as e:
            if not self._done:
                self.set_exception(e)
            return
        if not self._done:
            self.set_result(value)

    def _run_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            cb(self)


def collect_all(futures: list[Future[Any]]) -> Future[list[Future[Any]]]:
    """A future completed, with the list of ``futures``, once all of them are.

    Example:
        >>> from brickwork.futures import Future, collect_all
        >>> a, b = Future(), Future(); both = collect_all([a, b]); a.set_result(1); b.set_result(2)
        >>> [f.value() for f in both.wait()]
        [1, 2]
    """
    def resolve() -> list[Future[Any]]:
        for f in futures:
            f.wait()
        return list(futures)

    return Future._pending(resolve, lambda: all(f.done() for f in futures))


def wait_all(futures: list[Future[Any]]) -> list[Any]:
    """Wait for every future; their values in order (the first error is raised).

    Example:
        >>> from brickwork.futures import Future, wait_all
        >>> a = Future(); a.set_result(3); wait_all([a])
        [3]
    """
    return [f.wait() for f in futures]
