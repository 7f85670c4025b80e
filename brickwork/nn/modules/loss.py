"""Loss layers: thin modules that keep a loss's options (and class weights as buffers) and call the functional
form in `brickwork.ops.loss`.
"""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy_loss, huber_loss,
                         kl_div, l1_loss, mse_loss, nll_loss, reduction_mode, smooth_l1_loss)
from ..module import Module

__all__ = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
           "BCEWithLogitsLoss", "KLDivLoss"]


class _Loss(Module):
    """Holds ``reduction`` ('none' | 'mean' | 'sum'; the legacy ``size_average``/``reduce`` flags map onto it)."""

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = reduction_mode(size_average, reduce, reduction, type(self).__name__)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight``, registered as a buffer so it moves with ``to()``."""

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean absolute error ``|input - target|``.

    Shape: input and target of any shape ``(*)``; output scalar, or ``(*)`` with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.L1Loss()(torch.tensor([1.0, -1.0]), torch.zeros(2))
        tensor(1.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target)**2``.

    Shape: input and target of any shape ``(*)``; output scalar, or ``(*)`` with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.MSELoss()(torch.tensor([1.0, 3.0]), torch.zeros(2))
        tensor(5.)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Squared error below ``beta``, absolute error above it (divided so the two pieces meet smoothly).

    Args:
        beta: where the loss changes from quadratic to linear (default 1.0; 0 gives L1).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.SmoothL1Loss(beta=0.5)(torch.tensor([0.25, 2.0]), torch.zeros(2))
        tensor(0.9062)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below ``delta``, ``delta``-scaled absolute error above it.

    Args:
        reduction: 'none' | 'mean' | 'sum'.
        delta: the threshold (default 1.0).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.HuberLoss(delta=0.5)(torch.tensor([0.25, 2.0]), torch.zeros(2))
        tensor(0.4531)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy of softmax(``input``) against class indices or class probabilities.

    Args:
        weight: per-class rescaling weights of shape ``(C,)``.
        ignore_index: a class index that contributes neither loss nor gradient (indices only).
        reduction: 'none' | 'mean' | 'sum'; the mean divides by the summed weights of the counted targets.
        label_smoothing: in [0, 1], mixes the target with the uniform distribution.

    Shape:
        input ``(N, C)``, ``(C)`` or ``(N, C, d1, ...)``; target class indices ``(N)``, ``()`` or
        ``(N, d1, ...)`` (int64), or probabilities of the input's shape; output scalar, or the target's
        shape without ``C`` with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> loss = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
        >>> loss(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]))
        tensor(0.3729)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return cross_entropy_loss(input, target, self.weight, self.ignore_index, reduction_mode(
            None, None, self.reduction, "CrossEntropyLoss"), self.label_smoothing, "CrossEntropyLoss")


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of log-probabilities ``input`` (e.g. from ``log_softmax``) at class indices.

    Args:
        weight: per-class rescaling weights of shape ``(C,)``.
        ignore_index: a class index that contributes neither loss nor gradient.
        reduction: 'none' | 'mean' | 'sum'; the mean divides by the summed weights of the counted targets.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.NLLLoss()(torch.tensor([[-0.1, -2.5]]), torch.tensor([1]))
        tensor(2.5000)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, ignore_index: int = -100,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities ``input`` in [0, 1] (logs clamped at -100, as in PyTorch).

    Args:
        weight: rescaling weight broadcast against the input.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.BCELoss()(torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0]))
        tensor(0.1643)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid plus binary cross entropy in one numerically stable step.

    Args:
        weight: rescaling weight broadcast against the input.
        pos_weight: weight of positive examples, broadcast along the last (class) dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(torch.zeros(2), torch.tensor([1.0, 0.0]))
        tensor(1.0397)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight, reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class KLDivLoss(_Loss):
    """KL divergence of ``target`` from log-probabilities ``input``; use ``reduction='batchmean'`` for the true KL.

    Args:
        log_target: whether ``target`` holds log-probabilities too.

    Example:
        >>> import brickwork as torch
        >>> kl = torch.nn.KLDivLoss(reduction="batchmean")
        >>> kl(torch.tensor([[0.5, 0.5]]).log(), torch.tensor([[0.5, 0.5]]))
        tensor(0.)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
