"""Normalization: batch, layer, group and instance norm (primitives in `brickwork.ops.normalization`) and
``normalize`` (composed of tensor ops)."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops.normalization import batch_norm, group_norm, instance_norm, layer_norm

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "normalize"]


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.normalize(torch.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    r = input / denom
    if out is not None:
        out.copy_(r)
        return out
    return r
