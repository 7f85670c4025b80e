"""Affine maps: ``linear`` (a primitive in `brickwork.ops.linear`) and ``bilinear`` (composed of tensor ops)."""

from __future__ import annotations

from ..._errors import op_error
from ..._tensor import Tensor
from ...ops.linear import linear

__all__ = ["linear", "bilinear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = input1 @ weight[k] @ input2 + bias_k`` for weight (out, in1, in2) and inputs (*, in1), (*, in2).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.bilinear(torch.ones(2, 3), torch.ones(2, 4), torch.ones(5, 3, 4)).shape
        brickwork.Size([2, 5])
    """
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise op_error(RuntimeError, "bilinear",
                       f"expected input1 (*, {weight.shape[1] if weight.ndim == 3 else '?'}) and "
                       f"input2 (*, {weight.shape[2] if weight.ndim == 3 else '?'}) for weight "
                       f"{list(weight.shape)}, got {list(input1.shape)} and {list(input2.shape)}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise op_error(RuntimeError, "bilinear",
                       f"input1 and input2 must have the same leading dimensions, got "
                       f"{list(input1.shape)} and {list(input2.shape)}")
    out_f, in1, in2 = weight.shape
    lead = tuple(input1.shape[:-1])
    a = input1.reshape(-1, in1)
    t = a.matmul(weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    y = (t * input2.reshape(-1, 1, in2)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out_f,))
