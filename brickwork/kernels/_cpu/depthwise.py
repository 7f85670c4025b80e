"""Depthwise convolutions (``groups`` equal to the input channels, each output channel reading one input channel):
forward, input gradient and weight gradient as direct loops over each channel's plane.

The im2col path runs one GEMM per group, and a depthwise layer has as many groups as channels: MobileNetV2's
3x3 layers made hundreds of (1 x 9) @ (9 x pixels) products per sample, half of its training step. Here each
(sample, channel) plane is copied into a zero-bordered buffer once, then for every kernel tap one pass adds
``w * x`` shifted over the output rows, with no bounds to test (contiguous at unit column stride, so LLVM
vectorizes it). Output channel ``o`` reads input channel
``o // (O / C)`` (a channel multiplier above 1 is allowed). Float32 and float64; any stride, padding and
dilation. Results equal the reference's to float rounding (the sum over taps runs in another order).

The loops index flat arrays with unsigned integers and take a separate unit-stride branch: LLVM then vectorizes
the rows (with a run-time stride and signed 2-d indices it did not). Measured on an EPYC Zen 4, one thread,
MobileNetV2's layers at batch 8: 32 channels on 32x32 forward 1.43 -> 0.21 ms (PyTorch 0.23-0.28), input
gradient 1.81 -> 0.24, weight gradient 1.91 -> 0.20; 144 channels on 16x16 2.4-3.2 -> 0.33.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba import njit


def applies(g: Any) -> bool:
    """Whether the convolution of geometry ``g`` is depthwise (one input channel per group, at least two groups)."""
    return g.groups > 1 and g.groups == g.c and g.o % g.c == 0


_U = np.uint64  # unsigned flat indices: no negative-index wrap test, so the row loops vectorise (see conv._U)


@njit
def _pad_plane(x, base, h, wd, pad, pw, pt, pl):  # pragma: no cover (compiled)
    """Copy the plane at ``x[base:]`` (h x wd) into the interior of the flat ``pad`` (rows of ``pw``; border 0)."""
    uwd = _U(wd)
    for i in range(h):
        src, dst = _U(base + i * wd), _U((pt + i) * pw + pl)
        for j in range(uwd):
            pad[dst + j] = x[src + j]


@njit
def _forward(x, w, bias, y, sh, sw, dh, dw, pt, pl):  # pragma: no cover (compiled)
    n_, c_, h, wd = x.shape
    o_, _, kh, kw = w.shape
    oh, ow = y.shape[2], y.shape[3]
    mult = o_ // c_
    ph, pw = h + 2 * pt + kh * dh, wd + 2 * pl + kw * dw  # (room for any stride's reach)
    pad = np.zeros(ph * pw, x.dtype)
    xf, wf, yf = x.reshape(-1), w.reshape(-1), y.reshape(-1)
    uow, usw = _U(ow), _U(sw)
    for n in range(n_):
        for c in range(c_):
            _pad_plane(xf, (n * c_ + c) * h * wd, h, wd, pad, pw, pt, pl)
            for m in range(mult):
                o = c * mult + m
                base = _U((n * o_ + o) * oh * ow)
                b = bias[o]
                for e in range(_U(oh * ow)):
                    yf[base + e] = b
                for a in range(kh):
                    for t in range(kw):
                        wv = wf[(o * kh + a) * kw + t]
                        for i in range(oh):
                            src, dst = _U((i * sh + a * dh) * pw + t * dw), base + _U(i * ow)
                            if sw == 1:
                                for j in range(uow):
                                    yf[dst + j] += wv * pad[src + j]
                            else:
                                for j in range(uow):
                                    yf[dst + j] += wv * pad[src + j * usw]


@njit
def _input(gy, w, dx, sh, sw, dh, dw, pt, pl):  # pragma: no cover (compiled)
    n_, o_, oh, ow = gy.shape
    c_, h, wd = dx.shape[1], dx.shape[2], dx.shape[3]
    kh, kw = w.shape[2], w.shape[3]
    mult = o_ // c_
    ph, pw = h + 2 * pt + kh * dh, wd + 2 * pl + kw * dw
    pad = np.empty(ph * pw, dx.dtype)
    gf, wf, df = gy.reshape(-1), w.reshape(-1), dx.reshape(-1)
    uow, usw, uwd = _U(ow), _U(sw), _U(wd)
    for n in range(n_):
        for c in range(c_):
            for e in range(_U(ph * pw)):
                pad[e] = 0
            for m in range(mult):
                o = c * mult + m
                base = _U((n * o_ + o) * oh * ow)
                for a in range(kh):
                    for t in range(kw):
                        wv = wf[(o * kh + a) * kw + t]
                        for i in range(oh):
                            dst, src = _U((i * sh + a * dh) * pw + t * dw), base + _U(i * ow)
                            if sw == 1:
                                for j in range(uow):
                                    pad[dst + j] += wv * gf[src + j]
                            else:
                                for j in range(uow):
                                    pad[dst + j * usw] += wv * gf[src + j]
            out = (n * c_ + c) * h * wd
            for i in range(h):
                src, dst = _U((pt + i) * pw + pl), _U(out + i * wd)
                for j in range(uwd):
                    df[dst + j] = pad[src + j]


@njit
def _weight(x, gy, gw, sh, sw, dh, dw, pt, pl):  # pragma: no cover (compiled)
    n_, c_, h, wd = x.shape
    o_, oh, ow = gy.shape[1], gy.shape[2], gy.shape[3]
    kh, kw = gw.shape[2], gw.shape[3]
    mult = o_ // c_
    ph, pw = h + 2 * pt + kh * dh, wd + 2 * pl + kw * dw
    pad = np.zeros(ph * pw, x.dtype)
    xf, gf = x.reshape(-1), gy.reshape(-1)
    acc = np.zeros((o_, kh, kw))  # float64 sums over the batch (each output row's sum in the input's type)
    uow, usw = _U(ow), _U(sw)
    zero = x.dtype.type(0)
    for n in range(n_):
        for c in range(c_):
            _pad_plane(xf, (n * c_ + c) * h * wd, h, wd, pad, pw, pt, pl)
            for m in range(mult):
                o = c * mult + m
                base = _U((n * o_ + o) * oh * ow)
                for a in range(kh):
                    for t in range(kw):
                        total = 0.0
                        for i in range(oh):
                            src, g = _U((i * sh + a * dh) * pw + t * dw), base + _U(i * ow)
                            s = zero
                            if sw == 1:
                                for j in range(uow):
                                    s += gf[g + j] * pad[src + j]
                            else:
                                for j in range(uow):
                                    s += gf[g + j] * pad[src + j * usw]
                            total += s
                        acc[o, a, t] += total
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
