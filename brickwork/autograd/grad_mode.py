"""Gradient recording modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The mode is thread-local, as in PyTorch; every op reads ``STATE.enabled`` once.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    enabled = True
    inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    """Whether ops are being recorded for autograd.

    Example:
        >>> import brickwork as torch
        >>> torch.is_grad_enabled()
        True
    """
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode`` block is active.

    Example:
        >>> import brickwork as torch
        >>> with torch.inference_mode():
        ...     print(torch.is_inference_mode_enabled())
        True
        >>> torch.is_inference_mode_enabled()
        False
    """
    return STATE.inference


class _Mode:
    """Base of the grad-mode context managers; each also works as a decorator, with or without ``()``."""

    _target = True

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls in (no_grad, enable_grad, inference_mode) and len(args) == 1 and callable(args[0]):
            return cls()(args[0])  # bare @no_grad / @inference_mode
        return super().__new__(cls)

    def __init__(self) -> None:
        self._prev: list[tuple[bool, bool]] = []

    def _enter_state(self) -> None:
        STATE.enabled = self._target

    def __enter__(self) -> None:
        self._prev.append((STATE.enabled, STATE.inference))
        self._enter_state()

    def __exit__(self, *exc: object) -> None:
        STATE.enabled, STATE.inference = self._prev.pop()

    def __call__(self, fn: F) -> F:
        mode = type(self)

        def fresh() -> "_Mode":
            return self.clone() if hasattr(self, "clone") else mode()

        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Any:
                # every step of the generator runs in the mode, not just its creation (as in PyTorch)
                gen = fn(*args, **kwargs)
                try:
                    with fresh():
                        response = gen.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with fresh():
                                gen.close()
                            raise
                        except BaseException as e:
                            with fresh():
                                response = gen.throw(e)
                        else:
                            with fresh():
                                response = gen.send(request)
                except StopIteration as stop:
                    return stop.value

            return generator  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with fresh():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_Mode):
    """Context manager and decorator that turns off recording, like ``torch.no_grad``.

    Example:
        >>> import brickwork as torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> with torch.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    _target = False


class enable_grad(_Mode):
    """Context manager and decorator that turns recording back on inside ``no_grad``.

    Example:
        >>> import brickwork as torch
        >>> with torch.no_grad(), torch.enable_grad():
        ...     torch.is_grad_enabled()
        True
    """

    _target = True


class set_grad_enabled(_Mode):
    """Turn recording on or off: takes effect at once, and also works as a context manager or decorator.

    Example:
        >>> import brickwork as torch
        >>> with torch.set_grad_enabled(False):
        ...     torch.is_grad_enabled()
        False
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self._target = bool(mode)
        self._prev.append((STATE.enabled, STATE.inference))
        STATE.enabled = self._target  # the function form takes effect immediately

    def __enter__(self) -> None:
        pass  # state already set in __init__

    def __call__(self, fn: F) -> F:
        STATE.enabled, STATE.inference = self._prev.pop()  # as a decorator it must not change the mode now
        return super().__call__(fn)

    def clone(self) -> "_Mode":
        """A fresh manager with the same mode (used by the decorator form)."""
        return _Plain(self._target)


class _Plain(_Mode):
    def __init__(self, target: bool) -> None:
        super().__init__()
        self._target = target


class inference_mode(_Mode):
    """Like ``no_grad`` (tensors made inside do not record history); accepts ``mode=False`` to do nothing.

    Example:
        >>> import brickwork as torch
        >>> with torch.inference_mode():
        ...     torch.is_grad_enabled()
        False
    """

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.mode = mode

    def _enter_state(self) -> None:
        if self.mode:
            STATE.enabled, STATE.inference = False, True

    def clone(self) -> "inference_mode":
        """A fresh manager with the same mode (used by the decorator form)."""
        return inference_mode(self.mode)

    def __call__(self, fn: Any) -> Any:
        if isinstance(fn, bool):  # @inference_mode(False) style handled by __init__
            return inference_mode(fn)
        return super().__call__(fn)
