"""``torch.jit`` for an eager library: scripting and tracing return the code unchanged.

brickwork runs every model eagerly, so ``brickwork.jit.script(m)`` and ``brickwork.jit.trace(m, x)`` give back
``m`` itself (nothing is compiled or serialized), and the decorators that TorchScript reads (``ignore``,
``unused``, ``export``, ``_overload_method``) return the function they decorate. ``is_scripting()`` and
``is_tracing()`` are always False, so code with TorchScript-only branches takes its eager path.

Example:
    >>> import brickwork as torch
    >>> net = torch.nn.Linear(2, 1)
    >>> torch.jit.script(net) is net, torch.jit.is_scripting()
    (True, False)
"""

from __future__ import annotations

from typing import Any, Callable, Final, TypeVar

__all__ = ["script", "trace", "ignore", "unused", "export", "is_scripting", "is_tracing", "interface",
           "_overload_method", "_overload", "Final"]

F = TypeVar("F", bound=Callable[..., Any])


def script(obj: Any, optimize: None = None, _frames_up: int = 0, _rcb: Callable[[str], Any] | None = None,
           example_inputs: Any = None) -> Any:
    """``obj`` itself: brickwork runs modules and functions eagerly, so there is nothing to script.

    Example:
        >>> import brickwork as torch
        >>> f = lambda x: x * 2
        >>> torch.jit.script(f) is f
        True
    """
    return obj


def trace(func: Any, example_inputs: Any = None, optimize: Any = None, check_trace: bool = True,
          check_inputs: Any = None, check_tolerance: float = 1e-5, strict: bool = True, _force_outplace: bool = False,
          _module_class: Any = None, _compilation_unit: Any = None, example_kwarg_inputs: Any = None,
          _store_inputs: bool = True) -> Any:
    """``func`` itself: the eager code is what runs, with no recorded trace (data-dependent branches stay live).

    Example:
        >>> import brickwork as torch
        >>> net = torch.nn.ReLU()
        >>> torch.jit.trace(net, torch.ones(2)) is net
        True
    """
    return func


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """Decorator telling TorchScript to leave a function as Python; a no-op here (usable with or without call).

    Example:
        >>> import brickwork as torch
        >>> @torch.jit.ignore
        ... def f(x):
        ...     return x + 1
        >>> f(1)
        2
    """
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: F) -> F:
    """Decorator telling TorchScript not to compile a method; a no-op here.

    Example:
        >>> import brickwork as torch
        >>> torch.jit.unused(len)([1, 2])
        2
    """
    return fn


def export(fn: F) -> F:
    """Decorator marking a method as a TorchScript entry point; a no-op here.

    Example:
        >>> import brickwork as torch
        >>> torch.jit.export(abs)(-3)
        3
    """
    return fn


def interface(obj: F) -> F:
    """Decorator declaring a TorchScript interface; a no-op here.

    Example:
        >>> import brickwork as torch
        >>> torch.jit.interface(int) is int
        True
    """
    return obj


def _overload_method(func: F) -> F:
    """Decorator declaring a TorchScript method overload; a no-op here (the last definition is the one used).

    Example:
        >>> import brickwork as torch
        >>> torch.jit._overload_method(abs) is abs
        True
    """
    return func


def _overload(func: F) -> F:
    """Decorator declaring a TorchScript function overload; a no-op here.

    Example:
        >>> import brickwork as torch
        >>> torch.jit._overload(abs) is abs
        True
    """
    return func


def is_scripting() -> bool:
    """Whether code is being compiled by TorchScript: never, in brickwork.

    Example:
        >>> import brickwork as torch
        >>> torch.jit.is_scripting()
        False
    """
    return False


def is_tracing() -> bool:
    """Whether code is being traced by ``jit.trace``: never, in brickwork.

    Example:
        >>> import brickwork as torch
        >>> torch.jit.is_tracing()
        False
    """
    return False
