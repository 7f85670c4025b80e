"""Activation functions with PyTorch's names and signatures.

The primitives and the named compositions (``gelu``, ``softplus``, ``hardtanh``, ``leaky_relu``...) are in
`brickwork.ops.activation`; the functions here call the tensor ops of the same name.
"""

from __future__ import annotations

from typing import Any

from ... import ops
from ..._tensor import Tensor
from ...ops.activation import (celu, elu, elu_, gelu, glu, hardsigmoid, hardswish, hardtanh, hardtanh_, leaky_relu,
                               leaky_relu_, logsigmoid, mish, prelu, relu6, selu, silu, softplus, threshold)

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu",
           "mish", "sigmoid", "tanh", "softmax", "log_softmax", "softmin", "softplus", "hardtanh", "hardtanh_",
           "hardsigmoid", "hardswish", "logsigmoid", "softsign", "tanhshrink", "threshold", "glu", "prelu"]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(input, 0)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.relu(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    return input.relu_() if inplace else ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place `relu`.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x = torch.tensor([-1.0, 2.0]); _ = F.relu_(x); x
        tensor([0., 2.])
    """
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.sigmoid(torch.tensor([0.0, 2.0]))
        tensor([0.5000, 0.8808])
    """
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.tanh(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 0.7616])
    """
    return ops.tanh(input)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed stably.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.softmax(torch.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    return ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``log(softmax(x))`` along ``dim``, computed stably.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.log_softmax(torch.tensor([0.0, 0.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    return ops.log_softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """``softmax(-input)`` along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.softmin(torch.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([0.6652, 0.2447, 0.0900])
    """
    return ops.softmax(-input, dim, dtype=dtype)


def softsign(input: Tensor) -> Tensor:
    """``input / (1 + |input|)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.softsign(torch.tensor([-3.0, 1.0]))
        tensor([-0.7500,  0.5000])
    """
    return input / (input.abs() + 1.0)


def tanhshrink(input: Tensor) -> Tensor:
    """``input - tanh(input)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.tanhshrink(torch.tensor([0.0, 1.0]))
        tensor([0.0000, 0.2384])
    """
    return input - ops.tanh(input)
