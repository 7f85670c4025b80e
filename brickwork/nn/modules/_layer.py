"""What the layer files share: creating a parameter or its lazy placeholder, and the normalization layers' affine
``weight`` and ``bias``. (Errors name the layer through ``Module.__call__``: brickwork/nn/_device_context.py.)"""

from __future__ import annotations

from typing import Any

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
