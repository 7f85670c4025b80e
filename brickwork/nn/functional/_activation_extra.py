"""The shrinking and randomized activations (``hardshrink``, ``softshrink``, ``rrelu``, ``gumbel_softmax``) and
the in-place spellings PyTorch also exports (``celu_``, ``selu_``, ``threshold_``, ``rrelu_``); all composed of tensor ops."""

from __future__ import annotations

import warnings

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from ...ops.activation import hardshrink
from ._activation import celu, selu, threshold

__all__ = ["hardshrink", "softshrink", "rrelu", "rrelu_", "celu_", "selu_", "threshold_", "gumbel_softmax"]


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input - lambd`` above ``lambd``, ``input + lambd`` below ``-lambd``, else 0.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.softshrink(torch.tensor([-1.0, 0.2, 0.75]))
        tensor([-0.5000,  0.0000,  0.2500])
    """
    if lambd < 0:
        raise op_error(RuntimeError, "softshrink",
                       f"lambda must be greater or equal to 0, but found to be {lambd}; "
                       "pass a non-negative lambd")
    return ops.where(input > lambd, input - lambd, ops.where(input < -lambd, input + lambd, 0.0))


def _slopes(input: Tensor, lower: float, upper: float, training: bool) -> Tensor | float:
    if not training:
        return (lower + upper) / 2
    return ops.empty(*input.shape, dtype=input.dtype, device=input.device).uniform_(lower, upper)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU: negative inputs times a slope from U(lower, upper) in training, else their mean.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.rrelu(torch.tensor([-1.0, 2.0]), 0.2, 0.4)
        tensor([-0.3000,  2.0000])
    """
    if lower > upper:
        raise op_error(RuntimeError, "rrelu",
                       f"lower bound should be less than or equal to the upper bound, got "
                       f"lower={lower} and upper={upper}")
    a = _slopes(input, lower, upper, training)
    fn = lambda x: ops.where(x >= 0, x, x * a)  # noqa: E731
    return input.copy_(fn(input.clone())) if inplace else fn(input)  # the clone keeps the saved values intact


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place `rrelu`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([-1.0, 2.0]); _ = F.rrelu_(x, 0.2, 0.4); x
        tensor([-0.3000,  2.0000])
    """
    return rrelu(input, lower, upper, training, True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place `celu`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([0.0, 2.0]); _ = F.celu_(x); x
        tensor([0., 2.])
    """
    return celu(input, alpha, True)


def selu_(input: Tensor) -> Tensor:
    """In-place `selu`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([0.0, 1.0]); _ = F.selu_(x); x
        tensor([0.0000, 1.0507])
    """
    return selu(input, True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place `threshold`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([0.5, 2.0]); _ = F.threshold_(x, 1.0, -1.0); x
        tensor([-1.,  2.])
    """
    return _threshold(input, threshold, value, True)


_threshold = threshold


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution, ``softmax((logits + g) / tau, dim)``.

    ``g`` is Gumbel(0, 1) noise; ``hard=True`` returns the one-hot of the sample's argmax with the soft sample's
    gradient (straight-through). ``eps`` is deprecated and unused, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> y = F.gumbel_softmax(torch.zeros(2, 3), hard=True); y.sum(-1)
        tensor([1., 1.])
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -ops.empty_like(logits).exponential_().log()
    soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot = ops.zeros_like(logits).scatter(dim, index, 1.0)
    return one_hot - soft.detach() + soft
