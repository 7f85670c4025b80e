"""Loss functions: regression (mse, l1, smooth l1, huber), classification (cross entropy, nll, binary cross
entropy with and without logits) and the KL divergence, with PyTorch's names, defaults and results.

``cross_entropy`` with class indices is a primitive (a fused log-softmax and gather forward, and a backward
``(softmax - smoothed one-hot) * weights / denominator`` written with tensor ops); it is on the hot path of every
classifier. ``binary_cross_entropy`` is a small primitive too, for PyTorch's clamped log and its exact gradient
at 0 and 1. Everything else is composed of tensor ops and needs no backward of its own.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._errors import op_error
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..kernels import softmax as _ks
from ._core import device_mismatch, needs_grad, record, wrap, computed_in_float32
from .elementwise import where


_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}  # same-size views of signed targets

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "cross_entropy_loss",
           "reduction_mode", "apply_reduction"]


# -- shared helpers ------------------------------------------------------------------------------------

def reduction_mode(size_average: bool | None, reduce: bool | None, reduction: str, op: str) -> str:
    """The reduction string, honouring PyTorch's legacy ``size_average`` / ``reduce`` flags (``op`` names errors).

    Example:
        >>> from brickwork.ops.loss import reduction_mode
        >>> reduction_mode(None, None, "sum", "l1_loss"), reduction_mode(False, None, "mean", "l1_loss")
        ('sum', 'sum')
    """
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        return ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in ("none", "mean", "sum"):
        raise op_error(ValueError, op,
                       f"{reduction!r} is not a valid value for reduction; expected 'none', 'mean' or 'sum'")
    return reduction


def apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    """``loss`` reduced by ``reduction`` (from `reduction_mode`): its mean, its sum, or itself for ``'none'``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.ops.loss import apply_reduction
        >>> apply_reduction(torch.tensor([1.0, 3.0]), "mean"), apply_reduction(torch.tensor([1.0, 3.0]), "none")
        (tensor(2.), tensor([1., 3.]))
    """
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_tensors(op: str, input: Any, target: Any) -> None:
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise op_error(TypeError, op,
                       f"expected input and target to be Tensors, got {type(input).__name__} and "
                       f"{type(target).__name__}")
    if input._data.dtype.kind != "f":
        raise op_error(RuntimeError, op,
                       f"expected a floating point input, got {input.dtype}; call input.float() first")


def _broadcast_pair(op: str, input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"{op}: using a target size ({tuple(target.shape)}) that is different to the input size "
                      f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def _weighted(op: str, loss: Tensor, weight: Tensor | None, input: Tensor, reduction: str,
              mean_by_weight: bool) -> Tensor:
    """Apply an elementwise ``weight`` the way PyTorch's mse/l1 (sum of weights) or huber (mean) do."""
    if weight is None:
        return apply_reduction(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise op_error(ValueError, op,
                       f"weights and input must have the same size, got weight {tuple(weight.shape)} "
                       f"and input {tuple(input.shape)}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return apply_reduction(loss, reduction)


# -- regression ----------------------------------------------------------------------------------------

@computed_in_float32
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error ``(input - target)**2``; with ``weight``, the mean divides by ``weight.sum()``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.mse_loss(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
        tensor(2.5000)
    """
    _check_tensors("mse_loss", input, target)
    reduction = reduction_mode(size_average, reduce, reduction, "mse_loss")
    _broadcast_pair("mse_loss", input, target)
    d = input - target
    return _weighted("mse_loss", d * d, weight, input, reduction, True)


@computed_in_float32
def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error ``|input - target|``; with ``weight``, the mean divides by ``weight.sum()``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.l1_loss(torch.tensor([1.0, -3.0]), torch.tensor([0.0, 0.0]), reduction="sum")
        tensor(4.)
    """
    _check_tensors("l1_loss", input, target)
    reduction = reduction_mode(size_average, reduce, reduction, "l1_loss")
    _broadcast_pair("l1_loss", input, target)
    return _weighted("l1_loss", (input - target).abs(), weight, input, reduction, True)


@computed_in_float32
def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (``d = input - target``).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]), reduction="none")
        tensor([0.1250, 2.5000])
    """
    _check_tensors("smooth_l1_loss", input, target)
    reduction = reduction_mode(size_average, reduce, reduction, "smooth_l1_loss")
    if beta < 0:
        raise op_error(RuntimeError, "smooth_l1_loss", f"beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    _broadcast_pair("smooth_l1_loss", input, target)
    d = input - target
    z = d.abs()
    return apply_reduction(where(z < beta, d * d * (0.5 / beta), z - 0.5 * beta), reduction)


@computed_in_float32
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``; weighted mean is a plain mean.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.huber_loss(torch.tensor([0.5, 3.0]), torch.tensor([0.0, 0.0]), reduction="none", delta=2.0)
        tensor([0.1250, 4.0000])
    """
    _check_tensors("huber_loss", input, target)
    reduction = reduction_mode(None, None, reduction, "huber_loss")
    if delta <= 0:
        raise op_error(RuntimeError, "huber_loss", f"delta must be positive, got {delta}")
    _broadcast_pair("huber_loss", input, target)
    d = input - target
    z = d.abs()
    loss = where(z < delta, d * d * 0.5, (z - 0.5 * delta) * delta)
    return _weighted("huber_loss", loss, weight, input, reduction, False)


# -- classification with class indices --------------------------------------------------------------------

def _class_dim(op: str, input: Tensor) -> int:
    if input._data.ndim == 0:
        raise op_error(RuntimeError, op, "expected input of shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
    return 0 if input._data.ndim == 1 else 1


def _dtype_name(t: Tensor) -> str:
    return str(t.dtype).rsplit(".", 1)[-1]


def _shape_str(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _index_targets(op: str, input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                   probs_allowed: bool) -> tuple[Any, Any, Any]:
    """Check a class-index target; returns (safe indices, valid mask, per-element weights) as arrays."""
    x, t = input._data, target._data
    cdim = _class_dim(op, input)
    C = x.shape[cdim]
    want = x.shape[:cdim] + x.shape[cdim + 1:]
    names = ("N",) + tuple(f"d{i}" for i in range(1, len(want))) if x.ndim > 1 else ()
    if t.shape != want or t.dtype.kind not in "iu":
        probs = (f"; for class probabilities pass a float target of the input's shape {_shape_str(x.shape)}"
                 if probs_allowed else "")
        if t.shape == want:
            raise op_error(RuntimeError, op,
                           f"expected a target of class indices with an integer dtype (int64), got "
                           f"{_dtype_name(target)} of shape {_shape_str(t.shape)}; convert it with "
                           "target.long()"
                           f"{probs}")
        if x.ndim > 1 and t.ndim and t.shape[0] != x.shape[0]:  # PyTorch's ValueError for this one mismatch
            raise op_error(ValueError, op,
                           f"Expected input batch_size ({x.shape[0]}) to match target batch_size "
                           f"({t.shape[0]}): input has shape {_shape_str(x.shape)}, target {_shape_str(t.shape)}; "
                           "give one target per input row")
        raise op_error(RuntimeError, op,
                       f"expected target of shape {_shape_str(names)} = {_shape_str(want)} with class "
                       f"indices for input of shape {_shape_str(x.shape)}, got {_shape_str(t.shape)} of "
                       f"dtype {_dtype_name(target)}{probs}")
    if target._device is not input._device:
        raise device_mismatch(op, input, target)
    xp = input._device.xp
    valid = t != ignore_index
    safe = xp.where(valid, t, 0).astype(np.int64, copy=False)
    if safe.size and (int(safe.min()) < 0 or int(safe.max()) >= C):
        bad = t[valid & ((safe < 0) | (safe >= C))].reshape(-1)[0]
        raise op_error(IndexError, op,
                       f"target {int(bad)} is out of bounds for {C} classes (expected values in "
                       f"[0, {C - 1}] or ignore_index={ignore_index})")
    if weight is None:
        wt = valid.astype(x.dtype)
    else:
        w = _class_weight(op, weight, C, input)
        wt = w[safe] * valid
    return safe, valid, wt


def _class_weight(op: str, weight: Tensor, C: int, input: Tensor) -> Any:
    if not isinstance(weight, Tensor) or tuple(weight.shape) != (C,):
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise op_error(RuntimeError, op, f"weight must be a tensor of shape ({C},), one entry per class, got {shape}")
    return weight._data.astype(input._data.dtype, copy=False)


def _safe_div(total: Tensor, denom: Any) -> Tensor:
    """``total / denom`` giving NaN (as PyTorch does) instead of a NumPy warning when ``denom`` is 0."""
    denom = float(denom)
    return total * (1.0 / denom) if denom else total * float("nan")


@computed_in_float32
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood ``-weight[t] * input[t]`` of log-probabilities ``input`` at class indices ``t``.

    The mean divides by the summed weights of the targets that are not ``ignore_index``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> logp = torch.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> F.nll_loss(logp, torch.tensor([0, 1]))
        tensor(0.3000)
    """
    _check_tensors("nll_loss", input, target)
    reduction = reduction_mode(size_average, reduce, reduction, "nll_loss")
    safe, valid, wt = _index_targets("nll_loss", input, target, weight, ignore_index, False)
    cdim = _class_dim("nll_loss", input)
    idx = wrap(input._device.xp.expand_dims(safe, cdim), input._device)
    loss = input.gather(cdim, idx).squeeze(cdim) * wrap(-wt, input._device)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else _safe_div(loss.sum(), wt.sum())


@computed_in_float32
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between the softmax of ``input`` logits and ``target``.

    ``target`` holds class indices (shape ``(N)`` or ``(N, d1, ...)`` for ``input`` of shape ``(N, C, d1, ...)``,
    or ``()`` for ``(C,)``) or class probabilities (a float tensor of the input's shape). With indices, the
    mean divides by the summed ``weight`` of the targets that are not ``ignore_index``; with probabilities,
    by the number of elements. ``label_smoothing`` mixes the target with the uniform distribution.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
        >>> F.cross_entropy(logits, torch.tensor([0, 2]))
        tensor(0.6691)
    """
    return cross_entropy_loss(input, target, weight, ignore_index,
                              reduction_mode(size_average, reduce, reduction, "cross_entropy"), label_smoothing)


def cross_entropy_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
                       reduction: str = "mean", label_smoothing: float = 0.0, op: str = "cross_entropy") -> Tensor:
    """`cross_entropy` without the legacy flags; ``op`` is the name errors give (``'CrossEntropyLoss'``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.ops.loss import cross_entropy_loss
        >>> cross_entropy_loss(torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([0]), op="CrossEntropyLoss")
        tensor(0.2395)
    """
    _check_tensors(op, input, target)
    if not 0.0 <= label_smoothing <= 1.0:
        raise op_error(ValueError, op, f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if target._data.shape == input._data.shape and input._data.ndim:
        if target._data.dtype.kind != "f":
            raise op_error(RuntimeError, op,
                           f"a target of the input's shape {_shape_str(tuple(input.shape))} holds class "
                           f"probabilities and must be floating point, got {_dtype_name(target)}; for class "
                           "indices pass an integer target without the class dimension")
        if ignore_index >= 0:
            raise op_error(RuntimeError, op,
                           f"ignore_index={ignore_index} is not supported with class-probability "
                           "targets; leave it at the default -100")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, op)
    if weight is None and label_smoothing == 0.0 and input._data.ndim == 2:
        out = _cross_entropy_rows(input, target, ignore_index, reduction)
        if out is not None:
            return out
    safe, valid, wt = _index_targets(op, input, target, weight, ignore_index, True)
    return _cross_entropy_indices(input, safe, valid, wt, weight, reduction, label_smoothing)


def _cross_entropy_rows(input: Tensor, target: Tensor, ignore_index: int, reduction: str) -> Tensor | None:
    """The classifier's case as one kernel each way: logits (N, C), class indices (N,) all in range, no weight and
    no smoothing. None when it does not apply (ignored or invalid targets take the general path).

    The forward keeps only each row's ``logsumexp``; the backward rebuilds the softmax from it in the one pass it
    makes anyway (``brickwork/kernels/softmax.py``).
    """
    x, t = input._data, target._data
    N, C = x.shape
    kind = t.dtype.kind
    if t.shape != (N,) or kind not in "iu" or target._device is not input._device or not N or not C \
            or 0 <= ignore_index < C or x.dtype.kind != "f":
        return None
    xp = input._device.xp
    if xp is np:  # the ufuncs themselves: ndarray.min/max add a Python layer; a negative index read as
        # unsigned is above every class count, so one maximum checks both ends
        if np.maximum.reduce(t.view(_UNSIGNED[t.dtype.itemsize]) if kind == "i" else t) >= C:
            return None
    elif int(t.min()) < 0 or int(t.max()) >= C:
        return None
    train = needs_grad(input)
    denom = float(N) if reduction == "mean" else 1.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if train:  # the logits' gradient for a loss gradient of 1, from the same pass
            loss, lse, grad = _ks.cross_entropy_fused(xp, x, t, 1.0 / denom)
        else:
            loss, lse = _ks.cross_entropy_forward(xp, x, t)
        if reduction != "none":
            loss = (np.add.reduce(loss) if xp is np else loss.sum()) / denom  # (the ufunc: no method layer)
    if loss.dtype is not x.dtype:
        loss = loss.astype(x.dtype, copy=False)
    out = wrap(loss, input._device)  # wrap turns NumPy's scalar into a 0-d array
    if train:
        record(out, "NllLossBackward0", _cross_entropy_rows_backward, (input,), saved=(input,), target=t, lse=lse,
               denom=denom, reduction=reduction, logits_grad=grad)
    return out


def _cross_entropy_rows_backward(node: Any, g: Tensor) -> tuple:
    """``(softmax(x) - one_hot(t)) * g / denom``; one kernel pass over the logits when first order."""
    (x,) = node.saved_tensors
    t, denom, reduction = node.target, node.denom, node.reduction
    dev, xd = g._device, x._data
    xp = dev.xp
    grad, node.logits_grad = node.logits_grad, None  # handed over once: a second pass (retain_graph) recomputes it
    if not STATE.enabled and grad is not None:  # the forward's (softmax - one_hot) / denom, times g
        gd = g._data
        if reduction == "none":
            grad *= gd.reshape(-1, 1)
        elif float(gd) != 1.0:
            grad *= gd
        return (wrap(grad, dev),)
    if not STATE.enabled:
        gd = g._data.astype(xd.dtype, copy=False)
        s = gd.reshape(-1) if reduction == "none" else xp.full(xd.shape[0], gd.reshape(()) / denom, xd.dtype)
        return (wrap(_ks.cross_entropy_backward(xp, xd, t, node.lse, s), dev),)
    # create_graph: the same formula in tensor ops, with the softmax recomputed from the input (differentiable)
    one_hot = xp.zeros_like(xd)
    one_hot[xp.arange(xd.shape[0]), t] = 1
    grad = x.softmax(1) - wrap(one_hot, dev)
    return (grad * (g.unsqueeze(1) if reduction == "none" else g * (1.0 / denom)),)


def _cross_entropy_probs(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str, eps: float,
                         op: str) -> Tensor:
    cdim = _class_dim(op, input)
    C = input._data.shape[cdim]
    logp = input.log_softmax(cdim)
    if eps > 0:
        target = target * (1.0 - eps) + eps / C
    prod = logp * target
    if weight is not None:
        w = wrap(_class_weight(op, weight, C, input), input._device)
        prod = prod * (w.reshape((C,) + (1,) * (input._data.ndim - 2)) if cdim else w)
    if reduction == "none":
        return -prod.sum(cdim)
    total = -prod.sum()
    return total if reduction == "sum" else _safe_div(total, input._data.size // C if C else 0)


def _at_targets(xp: Any, idx: Any, cdim: int) -> tuple:
    """An index reaching each element's target class: ``idx`` (size 1 on the class axis) along ``cdim``,
    open ranges elsewhere (fancy indexing that NumPy and CuPy both support)."""
    key = list(xp.ix_(*[xp.arange(n) for n in idx.shape]))
    key[cdim] = idx
    return tuple(key)


def _cross_entropy_indices(input: Tensor, safe: Any, valid: Any, wt: Any, weight: Tensor | None, reduction: str,
                           eps: float) -> Tensor:
    """The fused primitive: ``(1 - eps) * nll + eps / C * smooth``, reduced, from one softmax pass.

    Only the target entries of the log-probabilities are formed (``s[t] - logsumexp``); the softmax itself is
    kept for the backward pass.
    """
    x = input._data
    xp = input._device.xp
    cdim = 0 if x.ndim == 1 else 1
    C = x.shape[cdim]
    idx = xp.expand_dims(safe, cdim)
    wvec = None if weight is None else weight._data.astype(x.dtype, copy=False)
    wb = None if wvec is None else wvec.reshape((C,) + (1,) * (x.ndim - 2)) if cdim else wvec
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p = x - x.max(axis=cdim, keepdims=True) if x.size else x.copy()
        picked = p[_at_targets(xp, idx, cdim)].squeeze(cdim)
        smooth = None
        if eps > 0:  # sum_c w_c * log p_c = sum_c w_c * s_c - W * logsumexp
            smooth = (p if wb is None else p * wb).sum(axis=cdim)
        xp.exp(p, out=p)
        total = p.sum(axis=cdim, keepdims=True)
        lse = xp.log(total).squeeze(cdim)
        p /= total
        loss = (lse - picked) * wt
        if smooth is not None:
            W = float(C) if wvec is None else float(wvec.sum())
            loss = loss * (1.0 - eps) + (W * lse - smooth) * valid * (eps / C)
        denom = float(wt.sum()) if reduction == "mean" else 1.0
        if reduction != "none":
            loss = xp.asarray(loss.sum() / denom if denom else loss.sum() * np.nan)
    out = wrap(loss.astype(x.dtype, copy=False), input._device)
    if needs_grad(input):
        record(out, "NllLossBackward0" if eps == 0 else "AddBackward0", _cross_entropy_backward, (input,),
               saved=(input,), probs=p, class_dim=cdim, target=idx, valid=valid, target_weight=wt, class_weight=wb,
               label_smoothing=eps, denom=denom, reduction=reduction)
    return out


def _cross_entropy_backward(node: Any, g: Tensor) -> tuple:
    """``d/dx = (p * coef - Q) * g`` with ``p = softmax(x)``; ``coef`` (per row) and ``Q`` depend on the target.

    ``Q`` holds ``(1 - eps) * w[t] / denom`` at each target class plus ``eps / C * w_c / denom`` everywhere.
    """
    probs, cdim, idx, valid = node.probs, node.class_dim, node.target, node.valid
    wt, wb, eps = node.target_weight, node.class_weight, node.label_smoothing
    denom, reduction = node.denom, node.reduction
    dev = g._device
    xp = dev.xp
    C = probs.shape[cdim]
    scale = 1.0 / denom if denom else float("nan")
    a = (1.0 - eps) * wt * scale  # the one-hot part's weight, per element
    spread = (eps / C) * scale * valid  # the uniform part's weight, per element
    W = 0.0 if eps == 0 else float(C) if wb is None else float(wb.sum())
    coef = a + W * spread
    if not STATE.enabled:  # first order: one pass over the softmax, everything else folded into per-row factors
        gd = g._data if reduction == "none" else g._data.reshape(())
        grad = probs * xp.expand_dims((coef * gd).astype(probs.dtype, copy=False), cdim)
        grad[_at_targets(xp, idx, cdim)] -= xp.expand_dims(a * gd, cdim).astype(grad.dtype, copy=False)
        if eps > 0:
            grad -= xp.expand_dims(spread * gd, cdim) * (1.0 if wb is None else wb)
        return (wrap(grad, dev),)
    # create_graph: the same formula in tensor ops, with p recomputed from the input so it stays differentiable
    (x,) = node.saved_tensors
    q = xp.zeros_like(probs)
    q[_at_targets(xp, idx, cdim)] = xp.expand_dims(a, cdim).astype(q.dtype, copy=False)
    if eps > 0:
        q += xp.expand_dims(spread, cdim) * (1.0 if wb is None else wb)
    coef_t = wrap(xp.expand_dims(coef, cdim).astype(probs.dtype, copy=False), dev)
    grad = x.softmax(cdim) * coef_t - wrap(q, dev)
    return (grad * (g.unsqueeze(cdim) if reduction == "none" else g),)


# -- binary classification ------------------------------------------------------------------------------

@computed_in_float32
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``-weight * (t * log(x) + (1 - t) * log(1 - x))`` for probabilities ``x``; each log is clamped at -100.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.binary_cross_entropy(torch.tensor([0.8, 0.3]), torch.tensor([1.0, 0.0]))
        tensor(0.2899)
    """
    _check_tensors("binary_cross_entropy", input, target)
    reduction = reduction_mode(size_average, reduce, reduction, "binary_cross_entropy")
    if tuple(target.shape) != tuple(input.shape):
        raise op_error(ValueError, "binary_cross_entropy",
                       f"target shape {tuple(target.shape)} must equal the input shape "
                       f"{tuple(input.shape)}; reshape the target (e.g. target.view_as(input))")
    x, t = input._data, target._data
    if x.size and bool(((x < 0) | (x > 1)).any()):
        raise op_error(RuntimeError, "binary_cross_entropy",
                       "all elements of input should be between 0 and 1 (got values "
                       f"in [{float(x.min()):g}, {float(x.max()):g}]); apply sigmoid first, or use "
                       "binary_cross_entropy_with_logits on the raw logits")
    if t.size and bool(((t < 0) | (t > 1)).any()):
        raise op_error(RuntimeError, "binary_cross_entropy",
                       "all elements of target should be between 0 and 1 (got values "
                       f"in [{float(t.min()):g}, {float(t.max()):g}]); targets are probabilities of the "
                       "positive class")
    xp = input._device.xp
    t = t.astype(x.dtype, copy=False)
    with np.errstate(divide="ignore"):
        loss = -(t * xp.maximum(xp.log(x), -100.0) + (1 - t) * xp.maximum(xp.log1p(-x), -100.0))
    out = wrap(loss.astype(x.dtype, copy=False), input._device)
    if needs_grad(input, target):
        record(out, "BinaryCrossEntropyBackward0", _bce_backward, (input, target), saved=(input, target))
    if weight is not None:
        out = out * weight
    return apply_reduction(out, reduction)


def _bce_backward(node: Any, g: Tensor) -> tuple:
    x, t = node.saved_tensors
    need_x, need_t = node.needs_input_grad
    gx = g * (x - t) / ((1 - x) * x).clamp(min=1e-12) if need_x else None
    gt = None
    if need_t:
        with np.errstate(divide="ignore"):
            gt = g * ((1 - x).log().clamp(min=-100.0) - x.log().clamp(min=-100.0))
    return gx, gt


@computed_in_float32
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits.

    ``pos_weight`` (broadcast along the last dimension) scales the loss of positive targets.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.binary_cross_entropy_with_logits(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 0.0]))
        tensor(1.4100)
    """
    op = "binary_cross_entropy_with_logits"
    _check_tensors(op, input, target)
    reduction = reduction_mode(size_average, reduce, reduction, op)
    if tuple(target.shape) != tuple(input.shape):
        raise op_error(ValueError, op,
                       f"target size {tuple(target.shape)} must be the same as input size "
                       f"{tuple(input.shape)}; reshape the target (e.g. target.view_as(input))")
    if not target.is_floating_point():
        raise op_error(RuntimeError, op,
                       f"result type Float can't be cast to the desired output type of the target "
                       f"({target.dtype}); pass a floating target, e.g. target.float()")
    xp = input._device.xp
    # softplus(-x) = m + log(exp(-m) + exp(-x - m)) is exact for any constant m; m = max(-x, 0) keeps it
    # finite, and treating m as a constant keeps the gradient right at x = 0 too
    m = xp.maximum(-input._data, 0)
    dev = input._device
    softplus_neg = ((-input - wrap(m, dev)).exp() + wrap(xp.exp(-m), dev)).log() + wrap(m, dev)
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, reduction)


# -- distributions ------------------------------------------------------------------------------------

@computed_in_float32
def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL divergence ``target * (log(target) - input)`` for log-probabilities ``input``.

    ``reduction='batchmean'`` divides the sum by the batch size (the mathematical KL divergence);
    ``log_target=True`` takes ``target`` as log-probabilities too.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> logq = torch.tensor([[0.5, 0.5]]).log()
        >>> F.kl_div(logq, torch.tensor([[0.9, 0.1]]), reduction="batchmean")
        tensor(0.3681)
    """
    _check_tensors("kl_div", input, target)
    if size_average is not None or reduce is not None:
        reduction = reduction_mode(size_average, reduce, "mean", "kl_div")
    elif reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size and the support "
                      "size; 'batchmean' divides only by the batch size and matches the KL divergence's "
                      "definition", stacklevel=2)
    elif reduction not in ("none", "sum", "batchmean"):
        raise op_error(ValueError, "kl_div",
                       f"{reduction!r} is not a valid value for reduction; expected 'none', "
                       "'batchmean', 'sum' or 'mean'")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        loss = target * where(positive, target, 1.0).log() - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input._data.ndim else total
    return apply_reduction(loss, reduction)



