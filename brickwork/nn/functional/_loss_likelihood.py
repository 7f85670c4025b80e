"""Likelihood losses: Poisson and Gaussian negative log-likelihood (composed of tensor ops) and CTC (the
alignment sum is the primitive ``ops.ctc.ctc_nll``; the reduction is composed here)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...ops.ctc import ctc_nll
from ...ops.loss import apply_reduction, reduction_mode

__all__ = ["poisson_nll_loss", "gaussian_nll_loss", "ctc_loss"]


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-08, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: ``exp(input) - target * input``, or ``input - target * log(input + eps)``.

    The second form is used when ``log_input`` is False.
    ``full`` adds Stirling's approximation ``t log t - t + log(2 pi t) / 2`` where ``target > 1``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.poisson_nll_loss(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]), reduction='none')
        tensor([1.0000, 0.7183])
    """
    reduction = reduction_mode(size_average, reduce, reduction, "poisson_nll_loss")
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        t = target
        stirling = t * t.log() - t + 0.5 * (2 * math.pi * t).log()
        loss = loss + ops.where(t > 1, stirling, 0.0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-06,
                      reduction: str = "mean") -> Tensor:
    """Gaussian negative log-likelihood ``(log(max(var, eps)) + (input - target)**2 / max(var, eps)) / 2``.

    ``var`` has the input's shape, or one dimension fewer, or a size-1 dimension (one variance shared);
    ``full`` adds ``log(2 pi) / 2``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.gaussian_nll_loss(torch.tensor([1.0]), torch.tensor([3.0]), torch.tensor([2.0]))
        tensor(1.3466)
    """
    if isinstance(var, Tensor):
        v = var
        if bool((v < 0).any()):
            raise op_error(ValueError, "gaussian_nll_loss", "var has negative entry/entries; a variance is >= 0")
    else:
        if var < 0:
            raise op_error(ValueError, "gaussian_nll_loss",
                           f"var has negative entry/entries (got {var}); a variance is >= 0")
        v = ops.full(tuple(input.shape), float(var), dtype=input.dtype, device=input.device)
    if tuple(v.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(v.shape):
            v = v.unsqueeze(-1)
        elif not (input.dim() == v.dim() and sum(y for x, y in zip(input.shape, v.shape) if x != y) == 1):
            raise op_error(ValueError, "gaussian_nll_loss",
                           f"var is of incorrect size: got {tuple(v.shape)} for input "
                           f"{tuple(input.shape)}; expected the input's shape, that shape without its last "
                           "dimension, or the input's shape with one dimension of size 1")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid; expected 'none', 'mean' or 'sum'")
    with no_grad():  # PyTorch clamps a copy in place: the gradient passes as if unclamped
        floor = v.detach().clamp_min(eps) - v.detach()
    v = v + floor
    loss = 0.5 * (v.log() + (input - target) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


def _lengths(name: str, v: Any, n: int) -> np.ndarray:
    a = np.asarray(v.cpu().numpy() if isinstance(v, Tensor) else v, dtype=np.int64).reshape(-1)
    if a.shape[0] != n:
        raise op_error(RuntimeError, "ctc_loss",
                       f"expected {name} to have {n} entries (one per sequence), got {a.shape[0]}")
    return a


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss: ``-log`` of the total probability of every alignment.

    ``log_probs`` (T, N, C) or (T, C) are log-softmax outputs; ``targets`` (N, S) padded or the targets of all
    sequences concatenated; ``reduction='mean'`` divides each loss by its target length, then averages.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> lp = torch.zeros(2, 1, 2).log_softmax(2)   # two steps, classes {blank, a}, uniform
        >>> F.ctc_loss(lp, torch.tensor([[1]]), [2], [1], reduction='sum')   # 'aa', 'a_', '_a': 3/4
        tensor(0.2877)
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction; expected 'none', 'mean' or 'sum'")
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.dim() != 3:
        raise op_error(RuntimeError, "ctc_loss",
                       f"expected log_probs of shape (T, N, C) or (T, C), got {tuple(log_probs.shape)}")
    t_max, n, c = lp.shape
    il, tl = _lengths("input_lengths", input_lengths, n), _lengths("target_lengths", target_lengths, n)
    if (il > t_max).any() or (il < 0).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got value {int(il.max())} "
                           f"(ctc_loss: input lengths must lie in [0, T])")
    tg = targets.cpu().numpy().astype(np.int64)
    if unbatched or tg.ndim == 1:
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]])
        if tl.sum() > tg.size:
            raise op_error(RuntimeError, "ctc_loss",
                           f"the concatenated targets have {tg.size} entries, fewer than the "
                           f"target lengths' sum {int(tl.sum())}")
        padded = np.zeros((n, max(int(tl.max(initial=0)), 1)), np.int64)
        for i in range(n):
            padded[i, :tl[i]] = tg.reshape(-1)[starts[i]:starts[i] + tl[i]]
        tg = padded
    elif tg.shape[1] < tl.max(initial=0):
        raise RuntimeError(f"Expected tensor to have size at least {int(tl.max())} at dimension 1, but got size "
                           f"{tg.shape[1]} for argument #2 'targets' (ctc_loss: pad targets to the longest length)")
    if tg.size and ((tg < 0) | (tg >= c)).any():
        raise op_error(RuntimeError, "ctc_loss",
                       f"target classes must lie in [0, {c}), got values from {tg.min()} to {tg.max()}")
    xp = lp._device.xp
    nll = ctc_nll(lp, xp.asarray(tg), xp.asarray(il), xp.asarray(tl), blank, zero_infinity)
    if unbatched and reduction == "none":
        return nll.reshape(())
    if reduction == "mean":
        return (nll / ops.tensor(np.maximum(tl, 1), dtype=nll.dtype, device=nll.device)).mean()
    return apply_reduction(nll, reduction)
