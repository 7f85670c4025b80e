"""Likelihood loss layers: ``PoissonNLLLoss``, ``GaussianNLLLoss``, ``CTCLoss`` and the deprecated ``NLLLoss2d``
(``NLLLoss``, which takes any number of spatial dimensions)."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from .loss import NLLLoss, _Loss

__all__ = ["PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss", "NLLLoss2d"]


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of ``target`` given the rate ``exp(input)`` (``log_input``) or ``input``.

    Args: log_input: the input is the log of the rate (default True). full: add Stirling's term.
    eps: keeps ``log(input + eps)`` finite when ``log_input`` is False. reduction: 'none' | 'mean' | 'sum'.

    Shape: input and target (*); output scalar, or (*) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.PoissonNLLLoss()(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
        tensor(0.8591)
    """

    def __init__(self, log_input: bool = True, full: bool = False, size_average: bool | None = None,
                 eps: float = 1e-08, reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood of ``target`` with mean ``input`` and variance ``var``.

    Args (keyword-only): full: add ``log(2 pi) / 2``. eps: the variance's floor (default 1e-6). reduction.

    Shape: input and target (N, *) or (*); var the same, one dimension fewer, or with one size-1 dimension;
    output scalar, or the input's shape with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.GaussianNLLLoss()(torch.tensor([1.0]), torch.tensor([3.0]), torch.tensor([2.0]))
        tensor(1.3466)
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-06, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full, self.eps = full, eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps, reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist temporal classification loss over every alignment of the targets to the inputs.

    Args: blank: the blank class (default 0). reduction: 'none' | 'mean' (each loss divided by its target
    length, then averaged) | 'sum'. zero_infinity: impossible alignments give 0 loss and gradient.

    Shape: log_probs (T, N, C) or (T, C) (log-softmax outputs); targets (N, S) or the concatenated targets;
    input_lengths and target_lengths (N,); output scalar, or (N,) with ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> lp = torch.randn(50, 16, 20).log_softmax(2).requires_grad_()
        >>> loss = torch.nn.CTCLoss()(lp, torch.randint(1, 20, (16, 30)), torch.full((16,), 50),
        ...                           torch.randint(10, 30, (16,)))
        >>> loss.backward(); lp.grad.shape
        brickwork.Size([50, 16, 20])
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)


class NLLLoss2d(NLLLoss):
    """The deprecated name of `NLLLoss` for (N, C, H, W) inputs (``NLLLoss`` takes them as they are).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.NLLLoss2d()(torch.zeros(1, 2, 1, 1) - 1.0, torch.zeros(1, 1, 1, dtype=torch.long))
        tensor(1.)
    """
