"""Numba kernels of `brickwork.kernels.norm` (same signatures, without ``xp``).

Statistics and parameter-gradient sums accumulate in float64; each row (layer and group norm) or channel (batch
norm) is read once for its statistics and again for the output while it is still in cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import norm as _ref
from ._numba import njit

_NONE: dict[Any, Any] = {np.dtype(np.float32): np.ones(1, np.float32), np.dtype(np.float64): np.ones(1, np.float64)}


def _compiled(x: Any) -> bool:
    """Whether the kernels take ``x``: float32 and float64 (Numba has no float16 or bfloat16 arithmetic)."""
    return x.dtype in _NONE


def _param(p: Any, dtype: Any) -> tuple[Any, bool]:
    if p is None:
        return _NONE.get(dtype, _NONE[np.dtype(np.float64)]).astype(dtype, copy=False), False
    return np.ascontiguousarray(p, dtype=dtype), True


@njit
def _layer_forward(x, w, b, has_w, has_b, eps, y, mean, rstd):
    rows, n = x.shape
    for i in range(rows):
        s = 0.0
        for j in range(n):
            s += x[i, j]
        m = s / n
        v = 0.0
        for j in range(n):
            d = x[i, j] - m
            v += d * d
        mean[i] = m
        rstd[i] = 1.0 / np.sqrt(v / n + eps)
        mi, ri = mean[i], rstd[i]  # in x's dtype: the elementwise loop stays in it
        if has_w and has_b:
            for j in range(n):
                y[i, j] = (x[i, j] - mi) * ri * w[j] + b[j]
        elif has_w:
            for j in range(n):
                y[i, j] = (x[i, j] - mi) * ri * w[j]
        elif has_b:
            for j in range(n):
                y[i, j] = (x[i, j] - mi) * ri + b[j]
        else:
            for j in range(n):
                y[i, j] = (x[i, j] - mi) * ri


def _views(x: Any, view: tuple) -> tuple[Any, Any, Any]:
    """``x`` as a C-contiguous array seen as ``view``, and a fresh output of ``x``'s shape with the same view."""
    xv = np.ascontiguousarray(x).reshape(view)
    y = np.empty(x.shape, x.dtype)
    return xv, y, y.reshape(view)


def layer_norm_forward(x: Any, view: tuple, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any]:
    if not _compiled(x):
        return _ref._layer_norm_forward(np, x, view, weight, bias, eps)
    xv, y, yv = _views(x, view)
    w, has_w = _param(weight, x.dtype)
    b, has_b = _param(bias, x.dtype)
    mean = np.empty(view[0], x.dtype)
    rstd = np.empty(view[0], x.dtype)
    _layer_forward(xv, w, b, has_w, has_b, float(eps), yv, mean, rstd)
    return y, mean, rstd


@njit
def _layer_backward(g, x, mean, rstd, w, need_x, need_wb, gx, gw, gb):
    # w is all ones when the layer has no weight; float64 row sums, then the parameter sums (in x's dtype) and
    # the input gradient as separate loops over the cached row: measured fastest of the arrangements tried
    rows, n = x.shape
    for i in range(rows):
        mi, ri = mean[i], rstd[i]
        gr, xr = g[i], x[i]
        a = 0.0
        c = 0.0
        for j in range(n):
            gh = gr[j] * w[j]
            a += gh
            c += gh * ((xr[j] - mi) * ri)
        if need_wb:
            for j in range(n):
                gw[j] += gr[j] * ((xr[j] - mi) * ri)
                gb[j] += gr[j]
        if need_x:
            am = x.dtype.type(a / n)
            cm = x.dtype.type(c / n)
            o = gx[i]
            for j in range(n):
                o[j] = ri * (gr[j] * w[j] - am - (xr[j] - mi) * ri * cm)


def layer_norm_backward(g: Any, x: Any, view: tuple, mean: Any, rstd: Any, weight: Any, need_x: bool, need_w: bool,
                        need_b: bool) -> tuple[Any, Any, Any]:
    if not _compiled(x) or g.dtype != x.dtype:
        return _ref._layer_norm_backward(np, g, x, view, mean, rstd, weight, need_x, need_w, need_b)
    x, gx_full, gx = _views(x, view)
    g = np.ascontiguousarray(g).reshape(view)
    w, has_w = _param(weight, x.dtype)
    n = x.shape[1]
    gw = np.zeros(n, x.dtype)
    gb = np.zeros(n, x.dtype)
    _layer_backward(g, x, mean, rstd, w if has_w else np.ones(n, x.dtype), need_x, need_w or need_b, gx, gw, gb)
    return gx_full if need_x else None, gw if need_w else None, gb if need_b else None


@njit
def _batch_forward(x, w, b, has_w, has_b, eps, y, mean, var, rstd):
    batch, channels, n = x.shape
    count = batch * n
    for c in range(channels):
        s = 0.0
        for k in range(batch):
            for j in range(n):
                s += x[k, c, j]
        m = s / count
        v = 0.0
        for k in range(batch):
            for j in range(n):
                d = x[k, c, j] - m
                v += d * d
        mean[c] = m
        var[c] = v / count
        rstd[c] = 1.0 / np.sqrt(v / count + eps)
        scale = rstd[c] * (w[c] if has_w else x.dtype.type(1.0))
        shift = (b[c] if has_b else x.dtype.type(0.0)) - mean[c] * scale
        for k in range(batch):
            for j in range(n):
                y[k, c, j] = x[k, c, j] * scale + shift


def batch_norm_forward(x: Any, view: tuple, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any, Any]:
    if not _compiled(x):
        return _ref._batch_norm_forward(np, x, view, weight, bias, eps)
    xv, y, yv = _views(x, view)
    w, has_w = _param(weight, x.dtype)
    b, has_b = _param(bias, x.dtype)
    mean, var, rstd = (np.empty(view[1], x.dtype) for _ in range(3))
    _batch_forward(xv, w, b, has_w, has_b, float(eps), yv, mean, var, rstd)
    return y, mean, var, rstd


@njit
def _batch_backward(g, x, mean, rstd, w, has_w, need_x, gx, gw, gb):
    batch, channels, n = x.shape
    count = batch * n
    for c in range(channels):
        mc, rc = mean[c], rstd[c]
        a = 0.0
        d = 0.0
        for k in range(batch):
            for j in range(n):
                a += g[k, c, j]
                d += g[k, c, j] * ((x[k, c, j] - mc) * rc)
        gb[c] = a
        gw[c] = d
        if need_x:
            wc = w[c] if has_w else x.dtype.type(1.0)
            am = x.dtype.type(a / count)
            dm = x.dtype.type(d / count)
            for k in range(batch):
                for j in range(n):
                    gx[k, c, j] = wc * rc * (g[k, c, j] - am - (x[k, c, j] - mc) * rc * dm)


def batch_norm_backward(g: Any, x: Any, view: tuple, mean: Any, rstd: Any, weight: Any, need_x: bool, need_w: bool,
                        need_b: bool) -> tuple[Any, Any, Any]:
    if not _compiled(x) or g.dtype != x.dtype:
        return _ref._batch_norm_backward(np, g, x, view, mean, rstd, weight, need_x, need_w, need_b)
    x, gx_full, gx = _views(x, view)
    g = np.ascontiguousarray(g).reshape(view)
    w, has_w = _param(weight, x.dtype)
    c = view[1]
    gw = np.empty(c, np.float64)
    gb = np.empty(c, np.float64)
    _batch_backward(g, x, mean, rstd, w, has_w, need_x, gx, gw, gb)
    return (gx_full if need_x else None, gw.astype(x.dtype) if need_w else None,
            gb.astype(x.dtype) if need_b else None)


@njit
def _group_forward(x, w, b, has_w, has_b, eps, y, mean, rstd):
    batch, groups, k, n = x.shape
    count = k * n
    for s in range(batch):
        for grp in range(groups):
            acc = 0.0
            for c in range(k):
                for j in range(n):
                    acc += x[s, grp, c, j]
            m = acc / count
            v = 0.0
            for c in range(k):
                for j in range(n):
                    d = x[s, grp, c, j] - m
                    v += d * d
            mean[s, grp] = m
            rstd[s, grp] = 1.0 / np.sqrt(v / count + eps)
            for c in range(k):
                ch = grp * k + c
                scale = rstd[s, grp] * (w[ch] if has_w else x.dtype.type(1.0))
                shift = (b[ch] if has_b else x.dtype.type(0.0)) - mean[s, grp] * scale
                for j in range(n):
                    y[s, grp, c, j] = x[s, grp, c, j] * scale + shift


def group_norm_forward(x: Any, view: tuple, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any]:
    if not _compiled(x):
        return _ref._group_norm_forward(np, x, view, weight, bias, eps)
    xv, y, yv = _views(x, view)
    w, has_w = _param(weight, x.dtype)
    b, has_b = _param(bias, x.dtype)
    mean = np.empty(view[:2], x.dtype)
    rstd = np.empty(view[:2], x.dtype)
    _group_forward(xv, w, b, has_w, has_b, float(eps), yv, mean, rstd)
    return y, mean, rstd


@njit
def _group_backward(g, x, mean, rstd, w, has_w, need_x, gx, gw, gb):
    batch, groups, k, n = x.shape
    count = k * n
    for s in range(batch):
        for grp in range(groups):
            ms, rs = mean[s, grp], rstd[s, grp]
            a = 0.0
            d = 0.0
            for c in range(k):
                ch = grp * k + c
                wc = w[ch] if has_w else x.dtype.type(1.0)
                ac = 0.0
                dc = 0.0
                for j in range(n):
                    ac += g[s, grp, c, j]
                    dc += g[s, grp, c, j] * ((x[s, grp, c, j] - ms) * rs)
                gb[ch] += ac
                gw[ch] += dc
                a += wc * ac
                d += wc * dc
            if need_x:
                am = x.dtype.type(a / count)
                dm = x.dtype.type(d / count)
                for c in range(k):
                    wc = w[grp * k + c] if has_w else x.dtype.type(1.0)
                    for j in range(n):
                        gx[s, grp, c, j] = rs * (g[s, grp, c, j] * wc - am - (x[s, grp, c, j] - ms) * rs * dm)


def group_norm_backward(g: Any, x: Any, view: tuple, mean: Any, rstd: Any, weight: Any, need_x: bool, need_w: bool,
                        need_b: bool) -> tuple[Any, Any, Any]:
    if not _compiled(x) or g.dtype != x.dtype:
        return _ref._group_norm_backward(np, g, x, view, mean, rstd, weight, need_x, need_w, need_b)
    x, gx_full, gx = _views(x, view)
    g = np.ascontiguousarray(g).reshape(view)
    w, has_w = _param(weight, x.dtype)
    channels = view[1] * view[2]
    gw = np.zeros(channels, np.float64)
    gb = np.zeros(channels, np.float64)
    _group_backward(g, x, np.ascontiguousarray(mean), np.ascontiguousarray(rstd), w, has_w, need_x, gx, gw, gb)
    return (gx_full if need_x else None, gw.astype(x.dtype) if need_w else None,
            gb.astype(x.dtype) if need_b else None)
