"""Distance layers: ``CosineSimilarity`` and ``PairwiseDistance`` (each a call of the function in ``F``)."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``.

    Args: dim: the dimension of the vectors (default 1). eps: lower bound on each norm (default 1e-8).
    Shape: inputs (*1, D, *2) that broadcast; output (*1, *2).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.CosineSimilarity()(torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-08) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last dimension.

    Args: p: the norm's order (default 2). eps: added to the difference (default 1e-6). keepdim: keep the
    reduced dimension. Shape: inputs (N, D) or (D,); output (N,) or () (with ``keepdim``, size 1 kept).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.PairwiseDistance(eps=0.0)(torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]))
        tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-06, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
