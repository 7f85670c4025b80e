"""Margin and embedding losses: triplet (with any distance), cosine embedding, margin ranking, hinge embedding,
multi-class and multi-label margin, soft margin and multi-label soft margin. Each is composed of tensor ops, so
its gradient (and second derivative) comes from theirs."""

from __future__ import annotations

from typing import Callable

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from ...ops.loss import apply_reduction, reduction_mode
from ._activation import logsigmoid
from ._distance import pairwise_distance

__all__ = ["triplet_margin_loss", "triplet_margin_with_distance_loss", "cosine_embedding_loss",
           "margin_ranking_loss", "hinge_embedding_loss", "multi_margin_loss", "multilabel_margin_loss",
           "soft_margin_loss", "multilabel_soft_margin_loss"]


def _same_ndim(op: str, **tensors: Tensor) -> None:
    if len({t.dim() for t in tensors.values()}) > 1:
        got = ", ".join(f"{k} {tuple(t.shape)}" for k, t in tensors.items())
        raise op_error(RuntimeError, op, f"all input tensors should have the same number of dimensions, but got {got}")


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-06, swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the ``p``-norm pairwise distance.

    ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative distance.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 1.0]])
        >>> F.triplet_margin_loss(a, p, n, eps=0.0)
        tensor(5.)
    """
    reduction = reduction_mode(size_average, reduce, reduction, "triplet_margin_loss")
    if margin <= 0:
        raise op_error(ValueError, "triplet_margin_loss", f"margin must be greater than 0, got {margin}")
    dist = lambda x, y: pairwise_distance(x, y, p, eps)  # noqa: E731
    return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=dist, margin=margin,
                                             swap=swap, reduction=reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """`triplet_margin_loss` with any ``distance_function`` (default: the Euclidean pairwise distance).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> a, p, n = torch.zeros(1, 2), torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 1.0]])
        >>> F.triplet_margin_with_distance_loss(a, p, n, distance_function=lambda x, y: (x - y).abs().sum(-1))
        tensor(7.)
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction; expected 'none', 'mean' or 'sum'")
    if margin <= 0:
        raise op_error(ValueError, "triplet_margin_with_distance_loss", f"margin must be greater than 0, got {margin}")
    _same_ndim("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = ops.minimum(d_neg, dist(positive, negative))
    return apply_reduction((margin + d_pos - d_neg).clamp_min(0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where ``target == -1``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x1, x2 = torch.tensor([[1.0, 0.0], [1.0, 0.0]]), torch.tensor([[0.0, 1.0], [1.0, 1.0]])
        >>> F.cosine_embedding_loss(x1, x2, torch.tensor([1, -1]), reduction='none')
        tensor([1.0000, 0.7071])
    """
    reduction = reduction_mode(size_average, reduce, reduction, "cosine_embedding_loss")
    tdim = target.dim()
    if tdim > 1:
        raise op_error(RuntimeError, "cosine_embedding_loss",
                       f"0D or 1D target tensor expected, multi-target not supported "
                       f"(got target of shape {tuple(target.shape)})")
    if input1.dim() != tdim + 1 or input2.dim() != tdim + 1:
        raise op_error(RuntimeError, "cosine_embedding_loss",
                       f"{tdim}D target tensor expects {tdim + 1}D input tensors, but "
                       f"found inputs with sizes {list(input1.shape)} and {list(input2.shape)}")
    eps = 1e-12
    dot = (input1 * input2).sum(tdim)
    cos = dot / ((input1 * input1).sum(tdim) + eps).mul((input2 * input2).sum(tdim) + eps).sqrt()
    loss = ops.where(target == 1, 1 - cos, 0.0) + ops.where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return apply_reduction(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 ranks ``input1`` higher, -1 lower.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.margin_ranking_loss(torch.tensor([1.0, 1.0]), torch.tensor([2.0, 0.0]), torch.tensor([1.0, 1.0]))
        tensor(0.5000)
    """
    reduction = reduction_mode(size_average, reduce, reduction, "margin_ranking_loss")
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {tuple(input1.shape)}, input2: {tuple(input2.shape)}, target: "
                           f"{tuple(target.shape)}")
    return apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average: bool | None = None,
                         reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.hinge_embedding_loss(torch.tensor([0.3, 0.4]), torch.tensor([1.0, -1.0]), reduction='none')
        tensor([0.3000, 0.6000])
    """
    reduction = reduction_mode(size_average, reduce, reduction, "hinge_embedding_loss")
    loss = ops.where(target != 1, (margin - input).clamp_min(0), 0.0) + ops.where(target != -1, input, 0.0)
    return apply_reduction(loss, reduction)


def _class_rows(op: str, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """(N, C) input and (N,) target from the batched or unbatched forms; errors as PyTorch's."""
    if input.dim() > 2 or input.numel() == 0 and input.dim() != 2:
        raise op_error(RuntimeError, op,
                       f"expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                       f"{list(input.shape)}")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    t = target.reshape(-1)
    if t.dim() != 1 or t.shape[0] != x.shape[0] or target.dim() > 1:
        raise op_error(RuntimeError, op,
                       f"inconsistent target size: {list(target.shape)} for input of size: "
                       f"{list(input.shape)}")
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= x.shape[1]):
        raise op_error(RuntimeError, op,
                       f"target out of range: expected class indices in [0, {x.shape[1]}), got values "
                       f"from {int(t.min())} to {int(t.max())}")
    return x, t


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average: bool | None = None, reduce: bool | None = None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: ``sum_{j != y} max(0, margin - x[y] + x[j])**p / C`` (times ``weight[y]``).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.multi_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
        tensor(0.3250)
    """
    reduction = reduction_mode(size_average, reduce, reduction, "multi_margin_loss")
    if p != 1 and p != 2:
        raise op_error(ValueError, "multi_margin_loss", f"only p == 1 and p == 2 supported, got p={p}")
    if weight is not None and weight.dim() != 1:
        raise op_error(ValueError, "multi_margin_loss",
                       f"weight must be one-dimensional, got shape {tuple(weight.shape)}")
    x, t = _class_rows("multi_margin_loss", input, target)
    c = x.shape[1]
    xy = x.gather(1, t.reshape(-1, 1))
    m = (margin - xy + x).clamp_min(0)
    if p == 2:
        m = m * m
    if weight is not None:
        m = m * weight[t].reshape(-1, 1)
    others = ops.arange(c, device=x.device).reshape(1, -1) != t.reshape(-1, 1)
    loss = ops.where(others, m, 0.0).sum(1) / c
    if reduction == "none" and input.dim() < 2:
        loss = loss.reshape(())
    return apply_reduction(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                           reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``sum_{j in targets} sum_{i not in targets} max(0, 1 - (x[j] - x[i])) / C``.

    ``target`` holds each sample's class indices, ended by the first -1.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.multilabel_margin_loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([[3, 0, -1, 1]]))
        tensor(0.8500)
    """
    reduction = reduction_mode(size_average, reduce, reduction, "multilabel_margin_loss")
    if input.dim() > 2 or tuple(target.shape) != tuple(input.shape):
        raise op_error(RuntimeError, "multilabel_margin_loss",
                       f"inconsistent target size: {list(target.shape)} for input of "
                       f"size: {list(input.shape)}")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    t = target.reshape(x.shape)
    c = x.shape[1]
    valid = (t != -1).long().cumprod(1) > 0  # the targets before the first -1
    if bool(((t < -1) | (t >= c)).any()):
        raise op_error(RuntimeError, "multilabel_margin_loss", f"target out of range: expected values in [-1, {c})")
    safe = ops.where(valid, t, 0)
    classes = ops.arange(c, device=x.device)
    is_target = ((safe.unsqueeze(2) == classes) & valid.unsqueeze(2)).any(1)  # (N, C)
    xt = x.gather(1, safe)  # (N, K)
    hinge = (1 - (xt.unsqueeze(2) - x.unsqueeze(1))).clamp_min(0)  # (N, K, C)
    keep = valid.unsqueeze(2) & ~is_target.unsqueeze(1)
    loss = ops.where(keep, hinge, 0.0).sum((1, 2)) / c
    if reduction == "none" and input.dim() < 2:
        loss = loss.reshape(())
    return apply_reduction(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-target * input))`` (targets 1 or -1).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.soft_margin_loss(torch.tensor([0.0, 2.0]), torch.tensor([1.0, -1.0]), reduction='none')
        tensor([0.6931, 2.1269])
    """
    reduction = reduction_mode(size_average, reduce, reduction, "soft_margin_loss")
    return apply_reduction(-logsigmoid(target * input), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Per-class binary logistic loss averaged over the C classes: ``-(y log s(x) + (1 - y) log s(-x))``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.multilabel_soft_margin_loss(torch.zeros(1, 3), torch.tensor([[1.0, 0.0, 1.0]]))
        tensor(0.6931)
    """
    reduction = reduction_mode(size_average, reduce, reduction, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    cdim = input.dim() - 1
    return apply_reduction(loss.sum(cdim) / input.shape[cdim], reduction)
