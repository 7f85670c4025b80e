"""Depthwise convolutions (``groups`` equal to the input channels, each output channel reading one input channel):
forward, input gradient and weight gradient as direct loops over each channel's plane.

The im2col path runs one GEMM per group, and a depthwise layer has as many groups as channels: MobileNetV2's
3x3 layers made hundreds of (1 x 9) @ (9 x pixels) products per sample, half of its training step. Here each
(sample, channel) plane is copied into a zero-bordered buffer once, then for every kernel tap one pass adds
``w * x`` shifted over the output rows, with no bounds to test (contiguous at unit column stride, so LLVM
vectorizes it). Output channel ``o`` reads input channel
``o // (O / C)`` (a channel multiplier above 1 is allowed). Float32 and float64; any stride, padding and
dilation. Results equal the reference's to float rounding (the sum over taps runs in another order).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba import njit


def applies(g: Any) -> bool:
    """Whether the convolution of geometry ``g`` is depthwise (one input channel per group, at least two groups)."""
    return g.groups > 1 and g.groups == g.c and g.o % g.c == 0


@njit
def _pad_plane(src, pad, pt, pl):
    """Copy the plane ``src`` into the interior of ``pad`` (whose border is zero)."""
    h, w = src.shape
    for i in range(h):
        row, dst = src[i], pad[pt + i]
        for j in range(w):
            dst[pl + j] = row[j]


@njit
def _forward(x, w, bias, y, sh, sw, dh, dw, pt, pl):  # pragma: no cover (compiled)
    n_, c_, h, wd = x.shape
    o_, _, kh, kw = w.shape
    oh, ow = y.shape[2], y.shape[3]
    mult = o_ // c_
    pad = np.zeros((h + 2 * pt + kh * dh, wd + 2 * pl + kw * dw), x.dtype)  # (room for any stride's reach)
    for n in range(n_):
        for c in range(c_):
            _pad_plane(x[n, c], pad, pt, pl)
            for m in range(mult):
                o = c * mult + m
                out = y[n, o]
                b = bias[o]
                for i in range(oh):
                    for j in range(ow):
                        out[i, j] = b
                for a in range(kh):
                    for t in range(kw):
                        wv = w[o, 0, a, t]
                        for i in range(oh):
                            row, dst = pad[i * sh + a * dh], out[i]
                            for j in range(ow):
                                dst[j] += wv * row[j * sw + t * dw]


@njit
def _input(gy, w, dx, sh, sw, dh, dw, pt, pl):  # pragma: no cover (compiled)
    n_, o_, oh, ow = gy.shape
    c_, h, wd = dx.shape[1], dx.shape[2], dx.shape[3]
    kh, kw = w.shape[2], w.shape[3]
    mult = o_ // c_
    pad = np.empty((h + 2 * pt + kh * dh, wd + 2 * pl + kw * dw), dx.dtype)
    for n in range(n_):
        for c in range(c_):
            pad[:] = 0
            for m in range(mult):
                o = c * mult + m
                src = gy[n, o]
                for a in range(kh):
                    for t in range(kw):
                        wv = w[o, 0, a, t]
                        for i in range(oh):
                            row, g = pad[i * sh + a * dh], src[i]
                            for j in range(ow):
                                row[j * sw + t * dw] += wv * g[j]
            plane = dx[n, c]
            for i in range(h):
                row, dst = pad[pt + i], plane[i]
                for j in range(wd):
                    dst[j] = row[pl + j]


@njit
def _weight(x, gy, gw, sh, sw, dh, dw, pt, pl):  # pragma: no cover (compiled)
    n_, c_, h, wd = x.shape
    o_, oh, ow = gy.shape[1], gy.shape[2], gy.shape[3]
    kh, kw = gw.shape[2], gw.shape[3]
    mult = o_ // c_
    pad = np.zeros((h + 2 * pt + kh * dh, wd + 2 * pl + kw * dw), x.dtype)
    acc = np.zeros((o_, kh, kw))  # float64 sums over the batch
    for n in range(n_):
        for c in range(c_):
            _pad_plane(x[n, c], pad, pt, pl)
            for m in range(mult):
                o = c * mult + m
                src = gy[n, o]
                for a in range(kh):
                    for t in range(kw):
                        s = 0.0
                        for i in range(oh):
                            row, g = pad[i * sh + a * dh], src[i]
                            for j in range(ow):
                                s += g[j] * row[j * sw + t * dw]
                        acc[o, a, t] += s
    for o in range(o_):
        for a in range(kh):
            for t in range(kw):
                gw[o, 0, a, t] = acc[o, a, t]


def forward(x: Any, w: Any, b: Any, g: Any) -> Any:
    """The depthwise convolution of ``x`` (N, C, H, W) with ``w`` (O, 1, kh, kw), plus ``b`` (O,) or None."""
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w, x.dtype)
    bias = np.zeros(g.o, x.dtype) if b is None else np.ascontiguousarray(b, x.dtype)
    y = np.empty((x.shape[0], g.o, g.oh, g.ow), x.dtype)
    _forward(x, w, bias, y, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl)
    return y


def input_grad(gy: Any, w: Any, g: Any) -> Any:
    """The input gradient (N, C, H, W) for output gradient ``gy``."""
    gy = np.ascontiguousarray(gy)
    dx = np.empty((gy.shape[0], g.c, g.h, g.w), gy.dtype)
    _input(gy, np.ascontiguousarray(w, gy.dtype), dx, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl)
    return dx


def weight_grad(x: Any, gy: Any, g: Any) -> Any:
    """The weight gradient (O, 1, kh, kw) for output gradient ``gy``."""
    x = np.ascontiguousarray(x)
    gw = np.empty((g.o, 1, g.kh, g.kw), x.dtype)
    _weight(x, np.ascontiguousarray(gy, x.dtype), gw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl)
    return gw
