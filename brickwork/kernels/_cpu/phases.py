"""im2col and col2im of strided convolutions through phase planes: unit-stride copies instead of strided reads.

A stride-``s`` convolution reads padded input row ``s * oy + i`` for kernel row ``i``. Written ``i = s * a + p``
(phase ``p = i % s``), that is row ``oy + a`` of the phase plane ``P_p[Y] = x_padded[s * Y + p]``, and the same
holds for columns. So each sample's channel is first split into its phase planes (one pass over the input, padding
written as zeros), and every column row of im2col is then ``out_h`` contiguous runs of ``out_w`` numbers from one
plane, copied as vectors; the strided gathers of `conv._im2col` repeat ``kh * kw`` times per channel and do not
vectorise. col2im adds into phase planes the same way and interleaves them back into the input gradient once,
writing every element (no zeroed gradient, no read-modify-write at stride ``s``).

Measured on an EPYC Zen 4, one thread, a chunk of the DCGAN discriminator's 4x4 stride-2 convolutions (64 -> 128
channels on 32x32, one sample; 128 -> 256 on 16x16, two samples): im2col 0.217 -> 0.107 and 0.379 -> 0.195 ms,
col2im 0.190 -> 0.111 and 0.275 -> 0.166 ms. On 4-wide output rows it loses (see `_MIN_ROW`).

Only dilation 1: with dilation the phase of a tap depends on ``i * d``, which this layout does not cover.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba import njit

__all__ = ["applies", "im2col", "col2im", "covers"]

_U = np.uint64  # unsigned indices: no negative-index wrap test in the copies (see conv._U)


# Output rows shorter than this keep `conv._im2col`: the copies of 4-wide rows cost more than the strided reads
# (the DCGAN's 8x8 -> 4x4 layer: im2col 0.69 against 0.60 ms for 4 samples)
_MIN_ROW = 8


def applies(g: Any) -> bool:
    """Whether the convolution of geometry ``g`` takes phase planes: a stride above 1, dilation 1, output rows
    of `_MIN_ROW` or more."""
    return (g.sh > 1 or g.sw > 1) and g.dh == 1 and g.dw == 1 and g.ow >= _MIN_ROW


def _planes(g: Any) -> tuple[int, int, int, int]:
    """Phases used per axis (``min(stride, kernel)``) and a phase plane's rows and columns."""
    return min(g.sh, g.kh), min(g.sw, g.kw), g.oh + (g.kh - 1) // g.sh, g.ow + (g.kw - 1) // g.sw


def covers(g: Any) -> bool:
    """Whether col2im through phase planes writes every input-gradient element (else the gradient starts
    zeroed): every phase is used, and the planes reach the input's last row and column."""
    ph, pw, hs, ws = _planes(g)
    return ph == g.sh and pw == g.sw and g.sh * hs >= g.pt + g.h and g.sw * ws >= g.pl + g.w


@njit
def _split(x, base, h, w, sh, sw, pt, pl, ph, pw, hs, ws, planes):  # pragma: no cover
    """planes[p, q, Y, X] = x[base + iy * w + ix] at iy = sh * Y + p - pt, ix = sw * X + q - pl (0 outside)."""
    usw = _U(sw)
    for p in range(ph):
        for q in range(pw):
            lo = max(0, -(-(pl - q) // sw))
            hi = min(ws, max(lo, (w - 1 + pl - q) // sw + 1))
            ulo, uhi, uws = _U(lo), _U(hi), _U(ws)
            for y in range(hs):
                dst = _U(((p * pw + q) * hs + y) * ws)
                iy = sh * y + p - pt
                if iy < 0 or iy >= h:
                    for k in range(uws):
                        planes[dst + k] = 0.0
                    continue
                src = _U(base + iy * w + q - pl + lo * sw)
                for k in range(ulo):
                    planes[dst + k] = 0.0
                for k in range(uhi - ulo):
                    planes[dst + ulo + k] = x[src + k * usw]
                for k in range(uhi, uws):
                    planes[dst + k] = 0.0


@njit
def _im2col(x, c_in, h, w, n0, n1, kh, kw, sh, sw, pt, pl, oh, ow, ph, pw, hs, ws, planes, cols):  # pragma: no cover
    """cols[(c, i, j), (n - n0, oy, ox)] = x[n, c, oy * sh - pt + i, ox * sw - pl + j] (0 outside), as
    `conv._im2col` at dilation 1, reading phase planes (``planes``: scratch of ph * pw * hs * ws)."""
    ohw = oh * ow
    m = (n1 - n0) * ohw
    uow = _U(ow)
    for n in range(n0, n1):
        for c in range(c_in):
            _split(x, (n * c_in + c) * h * w, h, w, sh, sw, pt, pl, ph, pw, hs, ws, planes)
            for i in range(kh):
                for j in range(kw):
                    r = ((c * kh + i) * kw + j) * m + (n - n0) * ohw
                    src = (((i % sh) * pw + j % sw) * hs + i // sh) * ws + j // sw
                    for oy in range(oh):
                        e, s = _U(r + oy * ow), _U(src + oy * ws)
                        for k in range(uow):
                            cols[e + k] = planes[s + k]


@njit
def _col2im(cols, c_in, h, w, n0, n1, kh, kw, sh, sw, pt, pl, oh, ow, ph, pw, hs, ws, planes, dx):  # pragma: no cover
    """The adjoint of `_im2col`: sums each channel's columns into its phase planes, then writes the planes into
    ``dx`` (every element a plane covers; see `covers`)."""
    ohw = oh * ow
    m = (n1 - n0) * ohw
    uow = _U(ow)
    size = _U(ph * pw * hs * ws)
    usw = _U(sw)
    for n in range(n0, n1):
        for c in range(c_in):
            for k in range(size):
                planes[k] = 0.0
            for i in range(kh):
                for j in range(kw):
                    r = ((c * kh + i) * kw + j) * m + (n - n0) * ohw
                    dst = (((i % sh) * pw + j % sw) * hs + i // sh) * ws + j // sw
                    for oy in range(oh):
                        e, d = _U(r + oy * ow), _U(dst + oy * ws)
                        for k in range(uow):
                            planes[d + k] += cols[e + k]
            base = (n * c_in + c) * h * w
            for p in range(ph):
                for q in range(pw):
                    lo = max(0, -(-(pl - q) // sw))
                    hi = min(ws, max(lo, (w - 1 + pl - q) // sw + 1))
                    for y in range(hs):
                        iy = sh * y + p - pt
                        if iy < 0 or iy >= h:
                            continue
                        src = _U(((p * pw + q) * hs + y) * ws + lo)
                        out = _U(base + iy * w + q - pl + lo * sw)
                        for k in range(_U(hi - lo)):
                            dx[out + k * usw] = planes[src + k]


def im2col(x: Any, n0: int, n1: int, g: Any, cols: Any) -> None:
    """The columns (C * kh * kw, (n1 - n0) * out_h * out_w) of samples ``n0..n1`` of ``x`` into ``cols``."""
    ph, pw, hs, ws = _planes(g)
    planes = np.empty(ph * pw * hs * ws, x.dtype)
    _im2col(x.reshape(-1), x.shape[1], x.shape[2], x.shape[3], n0, n1, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.oh,
            g.ow, ph, pw, hs, ws, planes, cols.reshape(-1))


def col2im(cols: Any, n0: int, n1: int, g: Any, dx: Any) -> None:
    """Samples ``n0..n1`` of ``dx`` from their columns: written where the planes cover (`covers`), else kept."""
    ph, pw, hs, ws = _planes(g)
    planes = np.empty(ph * pw * hs * ws, dx.dtype)
    _col2im(cols.reshape(-1), dx.shape[1], dx.shape[2], dx.shape[3], n0, n1, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl,
            g.oh, g.ow, ph, pw, hs, ws, planes, dx.reshape(-1))
