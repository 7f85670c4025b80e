"""Distances between vectors: ``cosine_similarity``, ``pairwise_distance`` and ``pdist`` (tensor-op
compositions)."""

from __future__ import annotations

from ... import ops
from ..._errors import op_error
from ..._tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim`` (inputs broadcast).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.cosine_similarity(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """``||x1 - x2 + eps||_p`` along the last dimension.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.pairwise_distance(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]), eps=0.0)
        tensor([5.])
    """
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between every pair of rows of ``input`` ``(N, M)``.

    They are the ``N * (N - 1) / 2`` entries above the diagonal of ``cdist(input, input)``, row by row.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.pdist(torch.tensor([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
        tensor([ 5., 10.,  5.])
    """
    if input.dim() != 2:
        raise op_error(RuntimeError, "pdist", f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise op_error(RuntimeError, "pdist", f"pdist only supports non-negative p values, got {p}")
    i, j = ops.triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    diff = input[i] - input[j]
    # where two rows are equal the norm has no derivative; PyTorch's gradient there is 0 (as is cdist's)
    same = (diff == 0).all(1, keepdim=True)
    return ops.where(same, 1.0, diff).norm(p, 1) * ops.where(same.squeeze(1), 0.0, 1.0)
