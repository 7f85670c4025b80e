"""What the layer files share: creating a parameter or its lazy placeholder, the normalization layers' affine
``weight`` and ``bias``, and naming the layer in errors."""

from __future__ import annotations

import functools
from typing import Any, Callable

from ... import ops
from .. import init
from ..parameter import Parameter, UninitializedBuffer, UninitializedParameter


def parameter(shape: tuple, lazy: bool, device: Any, dtype: Any) -> Parameter:
    """An uninitialized-data parameter of ``shape`` (filled by ``reset_parameters``), or a lazy placeholder."""
    if lazy:
        return UninitializedParameter(device=device, dtype=dtype)
    return Parameter(ops.empty(*shape, device=device, dtype=dtype))


def buffer(shape: tuple, lazy: bool, device: Any, dtype: Any, fill: float) -> Any:
    """A buffer of ``shape`` filled with ``fill``, or a lazy placeholder."""
    if lazy:
        return UninitializedBuffer(device=device, dtype=dtype)
    return ops.full(shape, fill, device=device, dtype=dtype)


def affine_parameters(module: Any, shape: tuple, affine: bool, bias: bool, lazy: bool, device: Any,
                      dtype: Any) -> None:
    """Register a normalization layer's ``weight`` and ``bias`` of ``shape`` (None when ``affine``/``bias`` is off)."""
    module.register_parameter("weight", parameter(shape, lazy, device, dtype) if affine else None)
    module.register_parameter("bias", parameter(shape, lazy, device, dtype) if affine and bias else None)


def reset_affine(module: Any) -> None:
    """A normalization layer's ``weight`` to ones and ``bias`` to zeros (those it has)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


def named_errors(forward: Callable) -> Callable:
    """Re-raise shape errors from ``F`` (``'max_pool2d: ...'``) under the layer's name (``'MaxPool2d: ...'``)."""
    @functools.wraps(forward)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return forward(self, *args, **kwargs)
        except (RuntimeError, ValueError) as e:
            head, sep, rest = str(e).partition(": ")
            if not sep or not head.isidentifier() or not head.islower() or type(e) not in (RuntimeError, ValueError):
                raise
            raise type(e)(f"{type(self).__name__}: {rest}") from None
    return wrapped
