"""Activations that record their own node or carry PyTorch's node name, and their in-place forms.

Three are small primitives because the composition would be wrong or wasteful: ``softplus`` (stable everywhere,
gradient ``sigmoid(beta * x)`` also at 0), ``hardtanh`` (PyTorch's gradient is 0 *on* the bounds, where ``clamp``
passes it), ``gelu`` and ``silu`` (one node and one kernel pass each way, ``brickwork/kernels/activation.py``,
instead of five nodes). Their ``create_graph`` backwards are tensor ops, so second derivatives work.
The others are compositions of tensor ops whose last node takes PyTorch's name (``LeakyReluBackward0``), with
in-place variants through the in-place protocol. The plain wrappers (``F.relu``, ``F.softmax``...) are in
``nn/functional/_activation.py``.
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import op_error
from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE
from ..kernels import activation as _ka
from . import elementwise as _E
from ._core import inplace as _inplace, computed_in_float32
from ._core import needs_grad, record, record_unary, renamed, wrap

__all__ = ["leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish", "softplus", "hardtanh",
           "hardtanh_", "relu6", "hardsigmoid", "hardswish", "logsigmoid", "threshold", "glu", "prelu", "hardshrink"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_K_TANH = math.sqrt(2.0 / math.pi)


def _maybe_inplace(input: Tensor, inplace: bool, name: str, fn: Any, node: str | None = None) -> Tensor:
    # ``node``: PyTorch's grad_fn name for the out-of-place op, given to the composition's last node
    if inplace:
        return _inplace(input, name, fn)
    return renamed(fn(input), node, input) if node else fn(input)


@computed_in_float32
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.leaky_relu(torch.tensor([-2.0, 3.0]), 0.5)
        tensor([-1.,  3.])
    """
    if inplace:
        return _inplace(input, "leaky_relu_", lambda x: _leaky_relu(x, negative_slope, "LeakyReluBackward1"))
    return _leaky_relu(input, negative_slope, "LeakyReluBackward0")


def _leaky_relu(x: Tensor, slope: float, name: str) -> Tensor:
    """One node, forward and backward by the `leaky_relu_forward`/`_backward` kernels (the backward reads the
    saved input)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"leaky_relu(): argument 'input' must be Tensor, not {type(x).__name__}")
    d = x._data
    if d.dtype.kind in "biu":
        raise RuntimeError(f"leaky_relu: not implemented for {x.dtype} tensors; convert to a floating dtype first")
    r = _make(_ka.leaky_relu_forward(x._device.xp, d, slope), x._device)
    if x._requires_grad and STATE.enabled:
        record_unary(r, name, _leaky_relu_backward, x, True, attrs={"negative_slope": slope})
    return r


def _leaky_relu_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    xd, slope = x._data, node.negative_slope
    if not STATE.enabled:
        return (_make(_ka.leaky_relu_backward(g._device.xp, xd, g._data, slope), g._device),)
    scale = _make(g._device.xp.where(xd > 0, 1.0, slope).astype(xd.dtype), g._device)  # piecewise constant in x
    return (g * scale,)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place `leaky_relu`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([-2.0, 3.0]); _ = F.leaky_relu_(x, 0.1); x
        tensor([-0.2000,  3.0000])
    """
    return leaky_relu(input, negative_slope, True)


@computed_in_float32
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.elu(torch.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """
    # clamp first, so the branch not taken never overflows (0 * inf would poison the gradient)
    return _maybe_inplace(input, inplace, "elu_",
                          lambda x: _E.where(x > 0, x, _E.expm1(x.clamp(max=0.0)) * alpha), "EluBackward0")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place `elu`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([-1.0, 2.0]); _ = F.elu_(x); x
        tensor([-0.6321,  2.0000])
    """
    return elu(input, alpha, True)


@computed_in_float32
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(input, alpha)`` with the self-normalizing constants.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.selu(torch.tensor([1.0]))
        tensor([1.0507])
    """
    return _maybe_inplace(input, inplace, "selu_", lambda x: elu(x, _SELU_ALPHA) * _SELU_SCALE,
                          "EluBackward0")


@computed_in_float32
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.celu(torch.tensor([-1.0, 1.0]))
        tensor([-0.6321,  1.0000])
    """
    return _maybe_inplace(input, inplace, "celu_",
                          lambda x: _E.where(x > 0, x, _E.expm1(x.clamp(max=0.0) / alpha) * alpha), "CeluBackward0")


@computed_in_float32
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``; ``approximate='tanh'`` uses the tanh formula.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.gelu(torch.tensor([1.0])), F.gelu(torch.tensor([1.0]), approximate='tanh')
        (tensor([0.8413]), tensor([0.8412]))
    """
    if approximate not in ("none", "tanh"):
        raise op_error(RuntimeError, "gelu", f"approximate must be 'none' or 'tanh', got {approximate!r}")
    if not input.is_floating_point():
        raise op_error(RuntimeError, "gelu", f"expected a floating point input, got {input.dtype}")
    out = wrap(_ka.gelu_forward(input._device.xp, input._data, approximate == "tanh"), input._device)
    if needs_grad(input):
        record(out, "GeluBackward0", _gelu_backward, (input,), saved=(input,), approximate=approximate)
    return out


def _gelu_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    if not STATE.enabled:  # first order: the kernel, one pass from x (no recorded ops)
        return (wrap(_ka.gelu_backward(x._device.xp, x._data, g._data, node.approximate == "tanh"), x._device),)
    if node.approximate == "tanh":
        t = _E.tanh((x + x * x * x * 0.044715) * _K_TANH)
        d = (t + 1.0) * 0.5 + x * (1.0 - t * t) * (_K_TANH * 0.5) * (x * x * (3 * 0.044715) + 1.0)
    else:
        cdf = (_E.erf(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
        d = cdf + x * _E.exp(x * x * -0.5) * (1.0 / math.sqrt(2.0 * math.pi))
    return (g * d,)


@computed_in_float32
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * sigmoid(input)`` (swish).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.silu(torch.tensor([1.0]))
        tensor([0.7311])
    """
    return _inplace(input, "silu_", _silu) if inplace else _silu(input)


def _silu(input: Tensor) -> Tensor:
    if input._data.dtype.kind != "f":
        return input * _E.sigmoid(input)  # integer inputs promote through sigmoid
    out = wrap(_ka.silu_forward(input._device.xp, input._data), input._device)
    if needs_grad(input):
        record(out, "SiluBackward0", _silu_backward, (input,), saved=(input,))
    return out


def _silu_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    if not STATE.enabled:  # first order: the kernel, one pass from x
        return (wrap(_ka.silu_backward(x._device.xp, x._data, g._data), x._device),)
    s = _E.sigmoid(x)
    return (g * (s * (x * (1.0 - s) + 1.0)),)


@computed_in_float32
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * tanh(softplus(input))``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.mish(torch.tensor([1.0]))
        tensor([0.8651])
    """
    return _maybe_inplace(input, inplace, "mish_", lambda x: x * _E.tanh(softplus(x)), "MishBackward0")


@computed_in_float32
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.softplus(torch.tensor([0.0, 30.0]))
        tensor([ 0.6931, 30.0000])
    """
    d = input._data
    if not input.is_floating_point():
        raise op_error(RuntimeError, "softplus", f"expected a floating point input, got {input.dtype}")
    xp = input._device.xp
    z = d * beta
    y = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
    out = wrap(xp.where(z > threshold, d, y).astype(d.dtype, copy=False), input._device)
    if needs_grad(input):
        record(out, "SoftplusBackward0", _softplus_backward, (input,), saved=(input,), beta=beta, threshold=threshold)
    return out


def _softplus_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    beta, threshold = node.beta, node.threshold
    z = x * beta
    return (g * _E.where(z > threshold, 1.0, _E.sigmoid(z)),)


@computed_in_float32
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``; the gradient is 0 outside and on the bounds.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.hardtanh(torch.tensor([-2.0, 0.5, 2.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise op_error(ValueError, "hardtanh", f"min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _maybe_inplace(input, inplace, "hardtanh_", lambda x: _hardtanh(x, min_val, max_val))


def _hardtanh(x: Tensor, lo: float, hi: float) -> Tensor:
    out = wrap(x._device.xp.clip(x._data, lo, hi).astype(x._data.dtype, copy=False), x._device)
    if needs_grad(x):
        record(out, "HardtanhBackward0", _hardtanh_backward, (x,), saved=(x,), min_val=lo, max_val=hi)
    return out


def _hardtanh_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    lo, hi = node.min_val, node.max_val
    return (g * ((x > lo) & (x < hi)).to(g.dtype),)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place `hardtanh`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([-3.0, 0.5, 2.0]); _ = F.hardtanh_(x); x
        tensor([-1.0000,  0.5000,  1.0000])
    """
    return hardtanh(input, min_val, max_val, True)


@computed_in_float32
def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(input, 0), 6)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.relu6(torch.tensor([-1.0, 3.0, 9.0]))
        tensor([0., 3., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


@computed_in_float32
def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``, a piecewise-linear sigmoid.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.hardsigmoid(torch.tensor([-4.0, 0.0, 4.0]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    return _maybe_inplace(input, inplace, "hardsigmoid_", lambda x: _hardtanh(x + 3.0, 0.0, 6.0) * (1.0 / 6.0),
                          "HardsigmoidBackward0")


@computed_in_float32
def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.hardswish(torch.tensor([-1.0, 1.0, 4.0]))
        tensor([-0.3333,  0.6667,  4.0000])
    """
    return _maybe_inplace(input, inplace, "hardswish_", lambda x: x * hardsigmoid(x), "HardswishBackward0")


@computed_in_float32
def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(input))`` computed stably (``-softplus(-input)``).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.logsigmoid(torch.tensor([0.0]))
        tensor([-0.6931])
    """
    return renamed(-softplus(-input), "LogSigmoidBackward0", input)


@computed_in_float32
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where greater than ``threshold``, else ``value``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.threshold(torch.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    return _maybe_inplace(input, inplace, "threshold_", lambda x: _E.where(x > threshold, x, value),
                          "ThresholdBackward0")


@computed_in_float32
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim`` and return ``a * sigmoid(b)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.glu(torch.tensor([1.0, 0.0]))
        tensor([0.5000])
    """
    if input.shape[dim] % 2:
        raise op_error(RuntimeError, "glu",
                       f"halving dimension must be even, but dimension {dim} of input "
                       f"{list(input.shape)} has size {input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return renamed(a * _E.sigmoid(b), "GluBackward0", input)


@computed_in_float32
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``input`` where positive, else ``weight * input``; ``weight`` has 1 or ``C`` (dimension 1) entries.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.prelu(torch.tensor([[-2.0, 2.0]]), torch.tensor([0.25]))
        tensor([[-0.5000,  2.0000]])
    """
    n = weight.numel()
    if n != 1:
        if input.ndim < 2 or input.shape[1] != n:
            raise op_error(RuntimeError, "prelu",
                           f"weight has {n} elements, expected 1 or the number of channels (dimension "
                           f"1) of input {list(input.shape)}")
        weight = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    return renamed(_E.where(input > 0, input, input * weight), "PreluKernelBackward0", input, weight)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([-1.0, 0.2, 0.7]).hardshrink()
        tensor([-1.0000,  0.0000,  0.7000])
    """
    return _E.where((input > lambd) | (input < -lambd), input, 0.0)
