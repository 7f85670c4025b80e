"""Normalization kernels: layer norm, batch norm (training statistics) and group norm, forward and backward.

Each takes the input in its own shape and the shape the kernel sees it as (``view``); the output and the input
gradient come back in the input's shape, as fresh arrays from the CPU kernels (so autograd can keep them as
``.grad`` without a copy). Every forward returns the output and the statistics its backward needs (``mean`` and ``rstd = 1/sqrt(var + eps)``);
every backward recomputes ``xhat = (x - mean) * rstd`` from them instead of keeping it, and returns
``(grad_input, grad_weight, grad_bias)`` with None for what was not asked for. The CPU kernels do one pass over
the data each way (per row or channel: the statistics, then the output, while it is in cache); the references
are the same closed forms in ``xp`` calls (6 array passes forward, 9 backward).

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.norm import layer_norm_forward
    >>> y, mean, rstd = layer_norm_forward(np, np.array([[1.0, 3.0]]), (1, 2), None, None, 0.0)
    >>> y.tolist(), mean.tolist(), rstd.tolist()
    ([[-1.0, 1.0]], [2.0], [1.0])
"""

from __future__ import annotations

from typing import Any

from . import kernel

__all__ = ["layer_norm_forward", "layer_norm_backward", "batch_norm_forward", "batch_norm_backward",
           "group_norm_forward", "group_norm_backward"]

_CPU = "brickwork.kernels._cpu.norm:"


def _affine(y: Any, weight: Any, bias: Any) -> Any:
    if weight is not None:
        y *= weight
    if bias is not None:
        y += bias
    return y


def _normalized(xp: Any, x: Any, axes: tuple, eps: float) -> tuple[Any, Any, Any, Any]:
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    rstd = 1.0 / xp.sqrt(var + eps)
    xc *= rstd
    return xc, mean, var, rstd


def _shaped(a: Any, shape: tuple) -> Any:
    return None if a is None else a.reshape(shape)


def _layer_norm_forward(xp: Any, x: Any, view: tuple, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any]:
    """``x`` seen as ``view`` (R, N) normalized per row, ``* weight + bias`` (each (N,) or None).

    Returns ``(y, mean, rstd)``: ``y`` of ``x``'s shape, the statistics of shape (R,).
    """
    y, mean, _, rstd = _normalized(xp, x.reshape(view), (1,), eps)
    return _affine(y, weight, bias).reshape(x.shape), mean[:, 0], rstd[:, 0]


def _rows_backward(xp: Any, g: Any, xhat: Any, rstd: Any, axes: tuple, need_x: bool) -> Any:
    """``rstd * (g - mean(g) - xhat * mean(g * xhat))`` over ``axes``: the input gradient of a normalization."""
    if not need_x:
        return None
    r = g - g.mean(axis=axes, keepdims=True)
    r -= xhat * (g * xhat).mean(axis=axes, keepdims=True)
    r *= rstd
    return r


def _layer_norm_backward(xp: Any, g: Any, x: Any, view: tuple, mean: Any, rstd: Any, weight: Any, need_x: bool,
                         need_w: bool, need_b: bool) -> tuple[Any, Any, Any]:
    """Gradients of `layer_norm_forward` for the output gradient ``g`` (``x``'s shape)."""
    shape, g, x = x.shape, g.reshape(view), x.reshape(view)
    xhat = (x - mean[:, None]) * rstd[:, None]
    gw = (g * xhat).sum(axis=0) if need_w else None
    gb = g.sum(axis=0) if need_b else None
    gh = g if weight is None else g * weight
    return _shaped(_rows_backward(xp, gh, xhat, rstd[:, None], (1,), need_x), shape), gw, gb


def _batch_norm_forward(xp: Any, x: Any, view: tuple, weight: Any, bias: Any,
                        eps: float) -> tuple[Any, Any, Any, Any]:
    """``x`` seen as ``view`` (N, C, L) normalized per channel over N and L, ``* weight + bias`` (each (C,) or None).

    Returns ``(y, mean, var, rstd)``: ``y`` of ``x``'s shape, each statistic of shape (C,) (``var`` biased, for the
    running estimate).
    """
    y, mean, var, rstd = _normalized(xp, x.reshape(view), (0, 2), eps)
    c = view[1]
    y = _affine(y, None if weight is None else weight.reshape(1, c, 1), None if bias is None else bias.reshape(1, c, 1))
    return y.reshape(x.shape), mean.reshape(c), var.reshape(c), rstd.reshape(c)


def _batch_norm_backward(xp: Any, g: Any, x: Any, view: tuple, mean: Any, rstd: Any, weight: Any, need_x: bool,
                         need_w: bool, need_b: bool) -> tuple[Any, Any, Any]:
    """Gradients of `batch_norm_forward` for the output gradient ``g`` (``x``'s shape)."""
    shape, g, x = x.shape, g.reshape(view), x.reshape(view)
    c = view[1]
    rs = rstd.reshape(1, c, 1)
    xhat = (x - mean.reshape(1, c, 1)) * rs
    gw = (g * xhat).sum(axis=(0, 2)) if need_w else None
    gb = g.sum(axis=(0, 2)) if need_b else None
    gh = g if weight is None else g * weight.reshape(1, c, 1)
    return _shaped(_rows_backward(xp, gh, xhat, rs, (0, 2), need_x), shape), gw, gb


def _group_norm_forward(xp: Any, x: Any, view: tuple, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any]:
    """``x`` seen as ``view`` (N, G, K, L) normalized per (sample, group) over K and L, ``* weight + bias`` (each
    (G*K,) or None).

    Returns ``(y, mean, rstd)``: ``y`` of ``x``'s shape, the statistics of shape (N, G).
    """
    n, g, k, _ = view
    y, mean, _, rstd = _normalized(xp, x.reshape(view), (2, 3), eps)
    y = _affine(y, None if weight is None else weight.reshape(1, g, k, 1),
                None if bias is None else bias.reshape(1, g, k, 1))
    return y.reshape(x.shape), mean.reshape(n, g), rstd.reshape(n, g)


def _group_norm_backward(xp: Any, g: Any, x: Any, view: tuple, mean: Any, rstd: Any, weight: Any, need_x: bool,
                         need_w: bool, need_b: bool) -> tuple[Any, Any, Any]:
    """Gradients of `group_norm_forward` for the output gradient ``g`` (``x``'s shape)."""
    shape, g, x = x.shape, g.reshape(view), x.reshape(view)
    n, groups, k, _ = view
    rs = rstd.reshape(n, groups, 1, 1)
    xhat = (x - mean.reshape(n, groups, 1, 1)) * rs
    gw = (g * xhat).sum(axis=(0, 3)).reshape(groups * k) if need_w else None
    gb = g.sum(axis=(0, 3)).reshape(groups * k) if need_b else None
    gh = g if weight is None else g * weight.reshape(1, groups, k, 1)
    return _shaped(_rows_backward(xp, gh, xhat, rs, (2, 3), need_x), shape), gw, gb


layer_norm_forward = kernel("layer_norm_forward", _layer_norm_forward, _CPU + "layer_norm_forward")
layer_norm_backward = kernel("layer_norm_backward", _layer_norm_backward, _CPU + "layer_norm_backward")
batch_norm_forward = kernel("batch_norm_forward", _batch_norm_forward, _CPU + "batch_norm_forward")
batch_norm_backward = kernel("batch_norm_backward", _batch_norm_backward, _CPU + "batch_norm_backward")
group_norm_forward = kernel("group_norm_forward", _group_norm_forward, _CPU + "group_norm_forward")
group_norm_backward = kernel("group_norm_backward", _group_norm_backward, _CPU + "group_norm_backward")
