"""Elementwise activation kernels, forward and backward: GELU (exact and tanh), sigmoid, SiLU, ReLU,
LeakyReLU.

Each backward takes the forward's input (and, for sigmoid, its output) and the output gradient, and returns the
input gradient in one pass: no recomputation through recorded ops. The CPU kernels compile float32 only (the
training dtype, where the speed is; ReLU float64 too); other dtypes run the reference. ``tanh`` has a backward kernel only: NumPy's
SIMD ``tanh`` is as fast as a compiled loop, but its backward is three array passes (and three calls on small
tensors) where the kernel makes one.

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.activation import gelu_forward
    >>> round(float(gelu_forward(np, np.array([1.0], np.float32), False)[0]), 4)
    0.8413
"""

from __future__ import annotations

import math
from typing import Any

from . import kernel

__all__ = ["gelu_forward", "gelu_backward", "sigmoid_forward", "sigmoid_backward", "silu_forward",
           "silu_backward", "relu_forward", "relu_backward", "tanh_backward", "leaky_relu_forward",
           "leaky_relu_backward"]

_CPU = "brickwork.kernels._cpu.activation:"
_K_TANH = math.sqrt(2.0 / math.pi)
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _erf(xp: Any, x: Any) -> Any:
    from ..ops._special import erf  # raw-array special functions (no graph): imported on first use

    return erf(x)


def _gelu_forward(xp: Any, x: Any, approximate: bool) -> Any:
    """``x * Phi(x)``, or with ``approximate`` the tanh form ``x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    if approximate:
        y = (xp.tanh((x + x * x * x * 0.044715) * _K_TANH) + 1.0) * 0.5 * x
    else:
        y = (_erf(xp, x * _SQRT1_2) + 1.0) * 0.5 * x
    return y.astype(x.dtype, copy=False)


def _gelu_backward(xp: Any, x: Any, g: Any, approximate: bool) -> Any:
    """``g * d gelu(x) / dx``."""
    if approximate:
        t = xp.tanh((x + x * x * x * 0.044715) * _K_TANH)
        d = (t + 1.0) * 0.5 + x * (1.0 - t * t) * (_K_TANH * 0.5) * (x * x * (3 * 0.044715) + 1.0)
    else:
        d = (_erf(xp, x * _SQRT1_2) + 1.0) * 0.5 + x * xp.exp(x * x * -0.5) * _INV_SQRT_2PI
    return (g * d).astype(x.dtype, copy=False)


def _sigmoid_forward(xp: Any, x: Any) -> Any:
    """``1 / (1 + exp(-x))``; ``exp`` of non-positive numbers only, so neither sign overflows."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _sigmoid_backward(xp: Any, y: Any, g: Any) -> Any:
    """``g * y * (1 - y)`` for the forward's output ``y``."""
    return g * (y * (1.0 - y))


def _silu_forward(xp: Any, x: Any) -> Any:
    """``x * sigmoid(x)``."""
    return x * _sigmoid_forward(xp, x)


def _silu_backward(xp: Any, x: Any, g: Any) -> Any:
    """``g * s * (1 + x * (1 - s))`` with ``s = sigmoid(x)``."""
    s = _sigmoid_forward(xp, x)
    return g * (s * (1.0 + x * (1.0 - s)))


def _leaky_relu_forward(xp: Any, x: Any, slope: float) -> Any:
    """``x`` where positive, else ``slope * x`` (NaN stays NaN)."""
    return xp.where(x > 0, x, x * slope)


def _leaky_relu_backward(xp: Any, x: Any, g: Any, slope: float) -> Any:
    """``g`` where the input ``x`` is positive, else ``slope * g`` (at 0 and NaN too, as PyTorch)."""
    return xp.where(x > 0, g, g * slope)


def _tanh_backward(xp: Any, y: Any, g: Any) -> Any:
    """``g * (1 - y * y)`` for the forward's output ``y``."""
    return g * (1.0 - y * y)


def _relu_forward(xp: Any, x: Any) -> Any:
    """``max(x, 0)`` (NaN stays NaN)."""
    return xp.maximum(x, 0, dtype=x.dtype)


def _relu_backward(xp: Any, y: Any, g: Any) -> Any:
    """``g`` where the forward's output ``y`` is not ``<= 0``, else 0 (a NaN output passes ``g``, as in PyTorch)."""
    return g * xp.logical_not(y <= 0)


gelu_forward = kernel("gelu_forward", _gelu_forward, _CPU + "gelu_forward")
gelu_backward = kernel("gelu_backward", _gelu_backward, _CPU + "gelu_backward")
sigmoid_forward = kernel("sigmoid_forward", _sigmoid_forward, _CPU + "sigmoid_forward")
sigmoid_backward = kernel("sigmoid_backward", _sigmoid_backward, _CPU + "sigmoid_backward")
silu_forward = kernel("silu_forward", _silu_forward, _CPU + "silu_forward")
silu_backward = kernel("silu_backward", _silu_backward, _CPU + "silu_backward")
relu_forward = kernel("relu_forward", _relu_forward, _CPU + "relu_forward")
relu_backward = kernel("relu_backward", _relu_backward, _CPU + "relu_backward")
tanh_backward = kernel("tanh_backward", _tanh_backward, _CPU + "tanh_backward")
leaky_relu_forward = kernel("leaky_relu_forward", _leaky_relu_forward, _CPU + "leaky_relu_forward")
leaky_relu_backward = kernel("leaky_relu_backward", _leaky_relu_backward, _CPU + "leaky_relu_backward")
