"""Numba kernels of `brickwork.kernels.norm` (same signatures, without ``xp``).

Statistics and parameter-gradient sums accumulate in float64; each row (layer and group norm) or channel (batch
norm) is read once for its statistics and again for the output while it is still in cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba import njit

_NONE: dict[Any, Any] = {np.dtype(np.float32): np.ones(1, np.float32), np.dtype(np.float64): np.ones(1, np.float64)}


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


def layer_norm_forward(x: Any, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any]:
    x = np.ascontiguousarray(x)
    w, has_w = _param(weight, x.dtype)
    b, has_b = _param(bias, x.dtype)
    y = np.empty_like(x)
    mean = np.empty(x.shape[0], x.dtype)
    rstd = np.empty(x.shape[0], x.dtype)
    _layer_forward(x, w, b, has_w, has_b, float(eps), y, mean, rstd)
    return y, mean, rstd


@njit
def _layer_backward(g, x, mean, rstd, w, has_w, need_x, need_wb, gx, gw, gb):
    rows, n = x.shape
    for i in range(rows):
        mi, ri = mean[i], rstd[i]
        a = 0.0
        c = 0.0
        for j in range(n):
            xh = (x[i, j] - mi) * ri
            gh = g[i, j] * w[j] if has_w else g[i, j]
            a += gh
            c += gh * xh
        if need_wb:
            for j in range(n):
                gw[j] += g[i, j] * ((x[i, j] - mi) * ri)
                gb[j] += g[i, j]
        if need_x:
            am = x.dtype.type(a / n)
            cm = x.dtype.type(c / n)
            if has_w:
                for j in range(n):
                    gx[i, j] = ri * (g[i, j] * w[j] - am - (x[i, j] - mi) * ri * cm)
            else:
                for j in range(n):
                    gx[i, j] = ri * (g[i, j] - am - (x[i, j] - mi) * ri * cm)


def layer_norm_backward(g: Any, x: Any, mean: Any, rstd: Any, weight: Any, need_x: bool, need_w: bool,
                        need_b: bool) -> tuple[Any, Any, Any]:
    x = np.ascontiguousarray(x)
    g = np.ascontiguousarray(g, dtype=x.dtype)
    w, has_w = _param(weight, x.dtype)
    n = x.shape[1]
    gx = np.empty_like(x) if need_x else np.empty((0, n), x.dtype)
    gw = np.zeros(n, np.float64)
    gb = np.zeros(n, np.float64)
    _layer_backward(g, x, mean, rstd, w, has_w, need_x, need_w or need_b, gx, gw, gb)
    return (gx if need_x else None, gw.astype(x.dtype) if need_w else None, gb.astype(x.dtype) if need_b else None)


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


def batch_norm_forward(x: Any, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any, Any]:
    x = np.ascontiguousarray(x)
    w, has_w = _param(weight, x.dtype)
    b, has_b = _param(bias, x.dtype)
    c = x.shape[1]
    y = np.empty_like(x)
    mean, var, rstd = (np.empty(c, x.dtype) for _ in range(3))
    _batch_forward(x, w, b, has_w, has_b, float(eps), y, mean, var, rstd)
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


def batch_norm_backward(g: Any, x: Any, mean: Any, rstd: Any, weight: Any, need_x: bool, need_w: bool,
                        need_b: bool) -> tuple[Any, Any, Any]:
    x = np.ascontiguousarray(x)
    g = np.ascontiguousarray(g, dtype=x.dtype)
    w, has_w = _param(weight, x.dtype)
    c = x.shape[1]
    gx = np.empty_like(x) if need_x else np.empty((0, 0, 0), x.dtype)
    gw = np.empty(c, np.float64)
    gb = np.empty(c, np.float64)
    _batch_backward(g, x, mean, rstd, w, has_w, need_x, gx, gw, gb)
    return (gx if need_x else None, gw.astype(x.dtype) if need_w else None, gb.astype(x.dtype) if need_b else None)


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


def group_norm_forward(x: Any, weight: Any, bias: Any, eps: float) -> tuple[Any, Any, Any]:
    x = np.ascontiguousarray(x)
    w, has_w = _param(weight, x.dtype)
    b, has_b = _param(bias, x.dtype)
    y = np.empty_like(x)
    mean = np.empty(x.shape[:2], x.dtype)
    rstd = np.empty(x.shape[:2], x.dtype)
    _group_forward(x, w, b, has_w, has_b, float(eps), y, mean, rstd)
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


def group_norm_backward(g: Any, x: Any, mean: Any, rstd: Any, weight: Any, need_x: bool, need_w: bool,
                        need_b: bool) -> tuple[Any, Any, Any]:
    x = np.ascontiguousarray(x)
    g = np.ascontiguousarray(g, dtype=x.dtype)
    w, has_w = _param(weight, x.dtype)
    channels = x.shape[1] * x.shape[2]
    gx = np.empty_like(x) if need_x else np.empty((0, 0, 0, 0), x.dtype)
    gw = np.zeros(channels, np.float64)
    gb = np.zeros(channels, np.float64)
    _group_backward(g, x, np.ascontiguousarray(mean), np.ascontiguousarray(rstd), w, has_w, need_x, gx, gw, gb)
    return (gx if need_x else None, gw.astype(x.dtype) if need_w else None, gb.astype(x.dtype) if need_b else None)
