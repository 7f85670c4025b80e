"""Margin and embedding loss layers; each keeps its options and calls the function of the same name in ``F``."""

from __future__ import annotations

from typing import Callable

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from .distance import PairwiseDistance
from .loss import _Loss, _WeightedLoss

__all__ = ["TripletMarginLoss", "TripletMarginWithDistanceLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
           "HingeEmbeddingLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "SoftMarginLoss",
           "MultiLabelSoftMarginLoss"]


class TripletMarginLoss(_Loss):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with the ``p``-norm distance (``swap``: the closer negative).

    Shape: anchor, positive, negative (N, D) or (D,); output scalar, or (N,) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 1.0]])
        >>> torch.nn.TripletMarginLoss(eps=0.0)(a, p, n)
        tensor(5.)
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-06, swap: bool = False,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise op_error(ValueError, "TripletMarginLoss", f"margin must be greater than 0, got {margin}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """`TripletMarginLoss` with any ``distance_function`` (default: a `PairwiseDistance` layer).

    Shape: as the distance function takes; output scalar, or (N,) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 1.0]])
        >>> torch.nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: (x - y).abs().sum(-1))(a, p, n)
        tensor(7.)
    """

    def __init__(self, *, distance_function: Callable[[Tensor, Tensor], Tensor] | None = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise op_error(ValueError, "TripletMarginWithDistanceLoss", f"margin must be greater than 0, got {margin}")
        self.distance_function = distance_function if distance_function is not None else PairwiseDistance()
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=self.distance_function,
                                                   margin=self.margin, swap=self.swap, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for ``target`` 1 and ``max(0, cos(x1, x2) - margin)`` for ``target`` -1.

    Shape: inputs (N, D) or (D,); target (N,) or (); output scalar, or (N,) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.CosineEmbeddingLoss()(torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]]), torch.tensor([1]))
        tensor(1.)
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class MarginRankingLoss(CosineEmbeddingLoss):
    """``max(0, -target * (x1 - x2) + margin)``: ``target`` 1 means ``x1`` should rank higher.

    Shape: inputs and target (N,) or (); output scalar, or (N,) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MarginRankingLoss(0.5)(torch.tensor([1.0]), torch.tensor([1.0]), torch.tensor([1.0]))
        tensor(0.5000)
    """

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` for ``target`` 1 and ``max(0, margin - x)`` for ``target`` -1 (``x`` often a distance).

    Shape: input and target (*); output scalar, or (*) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.HingeEmbeddingLoss()(torch.tensor([0.3, 0.4]), torch.tensor([1.0, -1.0]))
        tensor(0.4500)
    """

    def __init__(self, margin: float = 1.0, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_{j != y} max(0, margin - x[y] + x[j])**p / C`` (``weight``: per class).

    Shape: input (N, C) or (C,); target (N,) or () class indices; output scalar, or (N,) with 'none'.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MultiMarginLoss()(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
        tensor(0.3250)
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p != 1 and p != 2:
            raise op_error(ValueError, "MultiMarginLoss", f"only p == 1 and p == 2 supported, got p={p}")
        if weight is not None and weight.dim() != 1:
            raise op_error(ValueError, "MultiMarginLoss",
                           f"weight must be one-dimensional, got shape {tuple(weight.shape)}")
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss; ``target`` holds each sample's classes, ended by the first -1.

    Shape: input and target (N, C) or (C,); output scalar, or (N,) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MultiLabelMarginLoss()(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y * x))`` with targets 1 or -1.

    Shape: input and target (*); output scalar, or (*) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.SoftMarginLoss()(torch.tensor([0.0]), torch.tensor([1.0]))
        tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class binary logistic loss averaged over classes (``weight``: per class).

    Shape: input and target (N, C) or (C,); output scalar, or (N,) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MultiLabelSoftMarginLoss()(torch.zeros(1, 3), torch.tensor([[1.0, 0.0, 1.0]]))
        tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight, reduction=self.reduction)
