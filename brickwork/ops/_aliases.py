"""NumPy's argument names that PyTorch also accepts: ``axis`` for ``dim`` and ``keepdims`` for ``keepdim``.

PyTorch's argument parser takes ``x.sum(axis=1)``, ``y.argmax(axis=1, keepdims=True)`` and
``torch.stack(xs, axis=-1)`` on every native function with a ``dim`` argument; `numpy_names` gives a
brickwork op the same two aliases without changing its signature.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def _renamed(kwargs: dict, op: str) -> dict:
    kwargs = dict(kwargs)
    for alias, name in _ALIASES:
        if alias in kwargs:
            if name in kwargs:
                raise TypeError(f"{op}(): got both {name}= and its NumPy alias {alias}=; give only one")
            kwargs[name] = kwargs.pop(alias)
    return kwargs


def numpy_names(fn: F) -> F:
    """``fn`` accepting ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``, as PyTorch does.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2, 3).sum(axis=1, keepdims=True).shape
        brickwork.Size([2, 1])
    """
    name = fn.__name__

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            kwargs = _renamed(kwargs, name)
        return fn(*args, **kwargs)

    return call  # type: ignore[return-value]
