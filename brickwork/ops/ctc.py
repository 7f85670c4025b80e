"""Connectionist temporal classification: the per-sequence negative log-likelihood of ``targets`` under
``log_probs`` summed over every alignment, by the forward (alpha) recursion in log space, and its gradient by
the backward (beta) recursion.

The gradient is PyTorch's: ``exp(log_probs) - occupancy``, the gradient with respect to the logits that
``log_probs = log_softmax(logits)`` came from (through ``log_softmax`` it is the exact gradient). It is recorded
as a product with a constant tensor; a second derivative raises, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ._core import needs_grad, record, wrap

__all__ = ["ctc_nll"]


def _logsumexp(xp: Any, *arrays: Any) -> Any:
    m = arrays[0]
    for a in arrays[1:]:
        m = xp.maximum(m, a)
    safe = xp.where(xp.isfinite(m), m, 0.0)
    total = sum(xp.exp(a - safe) for a in arrays)
    with_inf = xp.log(xp.where(xp.isfinite(m), total, 1.0)) + safe
    return xp.where(xp.isfinite(m), with_inf, m)


def _shift(xp: Any, a: Any, k: int) -> Any:
    """``a`` moved ``k`` places along the last axis (toward higher ``s`` if ``k > 0``), filled with -inf."""
    out = xp.full(a.shape, -xp.inf, a.dtype)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _alpha_beta(xp: Any, lp: Any, ext: Any, skip: Any, il: Any, tl: Any) -> tuple[Any, Any, Any]:
    """Forward and backward variables (T, N, L) in log space and the per-sequence negative log-likelihood."""
    t_max, n, _ = lp.shape
    L = ext.shape[1]
    lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (t_max, n, L)), axis=2)  # (T, N, L)
    s = xp.arange(L)[None, :]
    valid = s < (2 * tl + 1)[:, None]
    neg = -xp.inf
    alpha = xp.full((t_max, n, L), neg, lp.dtype)
    alpha[0] = xp.where((s < 2) & valid, lpe[0], neg)
    for t in range(1, t_max):
        prev = alpha[t - 1]
        a = _logsumexp(xp, prev, _shift(xp, prev, 1), xp.where(skip, _shift(xp, prev, 2), neg))
        alpha[t] = xp.where(valid, a + lpe[t], neg)
    last = il - 1
    rows = xp.arange(n)
    end = alpha[last, rows]  # (N, L) at each sequence's last step
    e1 = xp.take_along_axis(end, (2 * tl)[:, None], axis=1)[:, 0]
    e2 = xp.take_along_axis(end, xp.maximum(2 * tl - 1, 0)[:, None], axis=1)[:, 0]
    nll = -xp.where(tl > 0, _logsumexp(xp, e1, e2), e1)

    beta = xp.full((t_max, n, L), neg, lp.dtype)
    at_end = (s == (2 * tl)[:, None]) | ((s == (2 * tl - 1)[:, None]) & (tl > 0)[:, None])
    skip_next = _shift(xp, skip, -2) if L > 2 else xp.zeros_like(skip)
    for t in range(t_max - 1, -1, -1):
        if t + 1 < t_max:
            nxt = beta[t + 1]
            b = _logsumexp(xp, nxt, _shift(xp, nxt, -1), xp.where(skip_next, _shift(xp, nxt, -2), neg)) + lpe[t]
        else:
            b = xp.full((n, L), neg, lp.dtype)
        here = (t == last)[:, None]
        before = (t < last)[:, None]
        beta[t] = xp.where(here & at_end, lpe[t], xp.where(before & valid, b, neg))
    return alpha + beta - lpe, nll, lpe


def ctc_nll(log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any, blank: int,
            zero_infinity: bool) -> Tensor:
    """Per-sequence CTC negative log-likelihood (N,) of (T, N, C) ``log_probs``; ``targets`` (N, S) padded,
    lengths as integer arrays (host or device)."""
    dev = log_probs._device
    xp = dev.xp
    lp = log_probs._data.astype(xp.float64)
    t_max, n, c = lp.shape
    tgt = xp.asarray(targets).astype(xp.int64).reshape(n, -1)
    il, tl = xp.asarray(input_lengths).astype(xp.int64), xp.asarray(target_lengths).astype(xp.int64)
    s_max = tgt.shape[1]
    ext = xp.full((n, 2 * s_max + 1), blank, xp.int64)
    ext[:, 1::2] = tgt
    prev2 = _shift(xp, ext.astype(xp.float64), 2)
    skip = (xp.arange(ext.shape[1])[None] % 2 == 1) & (ext != prev2)
    ab, nll, _ = _alpha_beta(xp, lp, ext, skip, il, tl)
    bad = ~xp.isfinite(nll)
    out_nll = xp.where(bad, 0.0, nll) if zero_infinity else nll
    out = wrap(out_nll.astype(log_probs._data.dtype), dev)
    if needs_grad(log_probs):
        occupancy = xp.exp(ab + nll[None, :, None])  # (T, N, L)
        onehot = (ext[:, :, None] == xp.arange(c)[None, None, :]).astype(xp.float64)  # (N, L, C)
        occ = xp.einsum("tnl,nlc->tnc", occupancy, onehot)
        grad = xp.exp(lp) - occ
        grad = xp.where((xp.arange(t_max)[:, None] < il[None, :])[:, :, None], grad, 0.0)
        if zero_infinity:
            grad = xp.where(bad[None, :, None], 0.0, grad)
        const = wrap(grad.astype(log_probs._data.dtype), dev)
        record(out, "CtcLossBackward0", _ctc_backward, (log_probs,), saved=(log_probs,), grad_const=const)
    return out


def _ctc_backward(node: Any, g: Tensor) -> tuple:
    const = node.grad_const
    (log_probs,) = node.saved_tensors
    if needs_grad(log_probs):  # building a graph of the gradient (create_graph=True)
        const = wrap(const._data, const._device)
        record(const, "CtcLossBackwardBackward0", _raise_double, (log_probs,))
    return (const * g.reshape(1, -1, 1),)


def _raise_double(node: Any, g: Tensor) -> tuple:
    raise RuntimeError("derivative for _ctc_loss_backward is not implemented; CTC loss has no second derivative "
                       "(in PyTorch either): compute it without create_graph=True")
