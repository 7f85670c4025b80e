"""Compiled CPU convolution: im2col / col2im written as Numba loops, and GEMMs over chunks of the batch.

NumPy's im2col is one large strided copy of the whole batch (tens of MB at ResNet sizes), written to memory and
read back by the GEMM. Here the batch is cut into chunks of a few samples whose columns fit in the L2 cache: a
Numba loop writes one chunk's columns (padding handled by bounds, so no padded copy of the input), the GEMM
reads them while they are still in cache, and the buffer is reused for the next chunk. Chunks keep the GEMM's
column count near a thousand (small feature maps group many samples, so late ResNet layers still get wide
GEMMs). The same chunking serves the three primitives:

* forward:         ``y[n] = W @ cols(x[n])``;
* weight gradient: ``dW = sum_n gy[n] @ cols(x[n])^T``;
* input gradient:  ``dx = col2im(W^T @ gy[n])``.

3x3 stride-1 float32 convolutions with enough channels and tiles take Winograd F(4x4, 3x3) instead
(``_cpu/winograd.py``; where and why in `_use_winograd`); depthwise convolutions (a group per input channel) take
the direct loops of ``_cpu/depthwise.py``; other float32 forwards with at most 16 output channels take the direct
(implicit GEMM) kernels of ``_cpu/direct.py``, and so do their stride-1 input gradients and stride-1 weight
gradients with 64+ taps.

Each function takes the geometry object of `brickwork.ops.conv` (sizes, kernel, stride, dilation, padding,
groups) and returns the same array as the reference implementation, to float rounding.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numba import njit

from .. import conv as _reference
from . import depthwise as _depthwise
from . import direct as _direct
from . import phases as _phases
from ._gemm import LANES as _LANES
from ._gemm import gemm_any as _tile_gemm
from ._gemm import transpose_into as _transpose_into
from . import winograd as _winograd

_TARGET_COLUMNS = 1024  # columns per chunk GEMM: wide enough for OpenBLAS's full speed
_BUFFER_BYTES = 1 << 20  # and a chunk's columns stay within the L2 cache
_WEIGHT_BUFFER_BYTES = 4 << 20  # the weight gradient's chunks: long GEMM inner dimensions (see conv_weight)


# Inner loops index with unsigned integers: Numba then skips the negative-index wrap-around test that otherwise
# keeps the copies from vectorising (measured: 3x faster on 32-wide rows).
_U = np.uint64


@njit(fastmath=True, cache=True)
def _im2col(x, c_in, h, w, n0, n1, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, cols):  # pragma: no cover
    """cols[(c, i, j), (n - n0, oy, ox)] = x[n, c, oy * sh - pt + i * dh, ox * sw - pl + j * dw] (0 outside).

    ``x`` is the flat (N, C, H, W) input, ``cols`` the flat (C * kh * kw, (n1 - n0) * oh * ow) columns.
    """
    ohw = oh * ow
    m = (n1 - n0) * ohw
    usw = _U(sw)
    for c in range(c_in):
        for i in range(kh):
            for j in range(kw):
                r = ((c * kh + i) * kw + j) * m
                off = j * dw - pl
                lo = 0 if off >= 0 else min(ow, (sw - 1 - off) // sw)
                hi = max(lo, min(ow, (w - 1 - off) // sw + 1)) if w - 1 - off >= 0 else lo
                ulo, uhi, uow = _U(lo), _U(hi), _U(ow)
                for n in range(n0, n1):
                    for oy in range(oh):
                        iy = oy * sh - pt + i * dh
                        q = _U(r + (n - n0) * ohw + oy * ow)
                        if iy < 0 or iy >= h:
                            for k in range(uow):
                                cols[q + k] = 0.0
                            continue
                        src = _U(((n * c_in + c) * h + iy) * w + off + lo * sw)
                        for k in range(ulo):
                            cols[q + k] = 0.0
                        q += ulo
                        if sw == 1:
                            for k in range(uhi - ulo):
                                cols[q + k] = x[src + k]
                        else:
                            for k in range(uhi - ulo):
                                cols[q + k] = x[src + k * usw]
                        q += uhi - ulo
                        for k in range(uow - uhi):
                            cols[q + k] = 0.0


@njit(fastmath=True, cache=True)
def _im2col_gather(x, c_in, h, w, n0, n1, kh, kw, dh, dw, off, cols):  # pragma: no cover
    """`_im2col` without padding: ``cols[(c, i, j), (n - n0, e)] = x[n, c, i * dh, j * dw][off[e]]``, where
    ``off[e]`` is output pixel ``e``'s offset in a plane. Each sample's block of a row is one gathering loop of
    out_h * out_w (for short output rows `_im2col`'s per-row copies are mostly loop overhead)."""
    ohw = off.size
    m = (n1 - n0) * ohw
    uohw = _U(ohw)
    for c in range(c_in):
        for i in range(kh):
            for j in range(kw):
                r = ((c * kh + i) * kw + j) * m
                for n in range(n0, n1):
                    base = _U(((n * c_in + c) * h + i * dh) * w + j * dw)
                    q = _U(r + (n - n0) * ohw)
                    for e in range(uohw):
                        cols[q + e] = x[base + off[e]]


@njit(fastmath=True, cache=True)
def _col2im(cols, c_in, h, w, n0, n1, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow, dx):  # pragma: no cover
    """The adjoint of `_im2col`: add every column entry back into the flat ``dx`` where it was read."""
    ohw = oh * ow
    m = (n1 - n0) * ohw
    usw = _U(sw)
    for n in range(n0, n1):
        for c in range(c_in):
            for i in range(kh):
                for j in range(kw):
                    r = ((c * kh + i) * kw + j) * m + (n - n0) * ohw
                    off = j * dw - pl
                    lo = 0 if off >= 0 else min(ow, (sw - 1 - off) // sw)
                    hi = max(lo, min(ow, (w - 1 - off) // sw + 1)) if w - 1 - off >= 0 else lo
                    cnt = _U(hi - lo)
                    for oy in range(oh):
                        iy = oy * sh - pt + i * dh
                        if 0 <= iy < h:
                            q = _U(r + oy * ow + lo)
                            dst = _U(((n * c_in + c) * h + iy) * w + off + lo * sw)
                            if sw == 1:
                                for k in range(cnt):
                                    dx[dst + k] += cols[q + k]
                            else:
                                for k in range(cnt):
                                    dx[dst + k * usw] += cols[q + k]


def _chunk(n: int, ohw: int, rows: int, itemsize: int) -> int:
    """Samples per chunk: about ``_TARGET_COLUMNS`` GEMM columns, with the columns' buffer in cache."""
    by_columns = max(1, -(-_TARGET_COLUMNS // ohw))
    by_bytes = max(1, _BUFFER_BYTES // max(1, rows * ohw * itemsize))
    return min(n, by_columns, by_bytes)


def _pointwise(g: Any) -> bool:
    """A 1x1 kernel reading every pixel once: the columns are the input itself."""
    return (g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.hp, g.wp) == (1, 1, 1, 1, 0, 0, g.h, g.w)


# A pointwise convolution's samples are their own columns, one GEMM each, on maps of this many pixels or more
# (or a batch of one). On smaller maps (DenseNet's and MobileNetV2's 4x4 and 2x2 layers) chunks of samples are
# copied side by side into one wider GEMM, as im2col does, for the weight gradient always (1.2-2x faster at those
# layers, batch 4-8) and for the forward and input gradient when the weight outgrows the L2 cache, re-read by
# every per-sample GEMM (1024 -> 512 channels on 4x4, batch 4: 0.90 -> 0.64 ms; 320 -> 1280 on 2x2, batch 8:
# 0.90 -> 0.43); with smaller weights the two copies cost more than they save (160 -> 960 on 2x2: 0.14 -> 0.17).
_POINT_PIXELS = 64
_POINT_WEIGHT_BYTES = 1 << 20


def _in_place(g: Any, n: int, itemsize: int, weight_grad: bool = False) -> bool:
    """Whether the convolution's columns are its input itself, a sample at a time (no im2col)."""
    if not _pointwise(g):
        return False
    batch = weight_grad or g.o * g.c // g.groups * itemsize >= _POINT_WEIGHT_BYTES
    return n == 1 or g.oh * g.ow >= _POINT_PIXELS or not batch


# Output rows shorter than this take `_im2col_gather` when there is no padding (LeNet's second convolution,
# 10-wide rows: its im2col 1.25 -> 0.93 ms; 28-wide rows were 1.4x slower gathered)
_GATHER_BELOW = 16


@functools.lru_cache(maxsize=64)
def _gather_offsets(oh: int, ow: int, row: int, sw: int) -> Any:
    """Each output pixel's offset in an input plane (``row``: elements between the input rows of two output rows)."""
    e = np.arange(oh * ow)
    return ((e // ow) * row + (e % ow) * sw).astype(_U)


def _im2col_chunk(x: Any, n0: int, n1: int, g: Any, cols: Any) -> None:
    if _pointwise(g):  # the chunk's samples side by side
        cols.reshape(g.c, n1 - n0, -1)[...] = x[n0:n1].reshape(n1 - n0, g.c, -1).transpose(1, 0, 2)
        return
    if _phases.applies(g):
        _phases.im2col(x, n0, n1, g, cols)
        return
    if g.ow < _GATHER_BELOW and (g.pt, g.pl, g.hp, g.wp) == (0, 0, g.h, g.w):
        off = _gather_offsets(g.oh, g.ow, g.sh * g.w, g.sw)
        _im2col_gather(x.reshape(-1), x.shape[1], x.shape[2], x.shape[3], n0, n1, g.kh, g.kw, g.dh, g.dw, off,
                       cols.reshape(-1))
        return
    _im2col(x.reshape(-1), x.shape[1], x.shape[2], x.shape[3], n0, n1, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt,
            g.pl, g.oh, g.ow, cols.reshape(-1))


def _col2im_chunk(cols: Any, n0: int, n1: int, g: Any, dx: Any) -> None:
    if _pointwise(g):  # every element read once: written, not added
        dx[n0:n1].reshape(n1 - n0, g.c, -1)[...] = cols.reshape(g.c, n1 - n0, -1).transpose(1, 0, 2)
        return
    if _phases.applies(g):
        _phases.col2im(cols, n0, n1, g, dx)
        return
    _col2im(cols.reshape(-1), dx.shape[1], dx.shape[2], dx.shape[3], n0, n1, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw,
            g.pt, g.pl, g.oh, g.ow, dx.reshape(-1))


def _gy_chunk(gy: Any, n0: int, n1: int) -> Any:
    """Output-gradient rows of samples n0..n1 as one (O, chunk * out_h * out_w) matrix."""
    o = gy.shape[1]
    if n1 - n0 == 1:
        return gy[n0].reshape(o, -1)
    return np.ascontiguousarray(gy[n0:n1].reshape(n1 - n0, o, -1).transpose(1, 0, 2)).reshape(o, -1)


# Float32 GEMMs with this many columns or more run as `_gemm`'s register tiles with AVX-512: they read both operands
# in place, where OpenBLAS packs them per call. Measured on an EPYC Zen 4, one thread, at the DCGAN's convolution
# shapes (O x R @ R x cols, per sample): 128x1024 @ 256 columns 111 against 100 GFLOP/s, 256x2048 @ 64: 100
# against 96, 512x4096 @ 64: 113 against 93, the transposed weight (input gradient) 108-113 against 77-99; at 16
# columns (one vector) the tiles are no faster, nor with few rows (the ResNet block's 3 -> 32 channels, 32 rows:
# 0.99 against 0.91 ms per batch; 48 rows, the DCGAN's 3-channel input gradient, 0.76 against 0.98).
_TILE_COLUMNS = 64
_TILE_ROWS = 48
_TILED = _LANES == 16


def _tiles(dtype: Any, columns: int) -> bool:
    """Whether a GEMM of ``columns`` columns in ``dtype`` takes `_gemm`'s tiles."""
    return _TILED and dtype == np.float32 and columns >= _TILE_COLUMNS


def _matmul(a: Any, b: Any, out: Any) -> None:
    """``out[...] = a @ b`` (``b`` and ``out`` with unit column stride), by `_gemm` where `_tiles` and ``a``
    has `_TILE_ROWS` rows or more, else NumPy."""
    if _tiles(out.dtype, b.shape[1]) and a.shape[0] >= _TILE_ROWS:
        _tile_gemm()(out, a, b, 0)
    else:
        np.matmul(a, b, out=out)


def conv_forward(x: Any, w: Any, b: Any, g: Any) -> Any:
    """The convolution of ``x`` (N, C, H, W) with ``w`` (O, C/groups, kh, kw), plus ``b`` (O,) or None."""
    x = np.ascontiguousarray(x)
    n, o, groups = x.shape[0], g.o, g.groups
    og, ohw = o // groups, g.oh * g.ow
    rows = g.c * g.kh * g.kw
    rg = rows // groups
    wg = np.ascontiguousarray(w).reshape(groups, og, rg)
    y = np.empty((n, o, g.oh, g.ow), x.dtype)
    point = _in_place(g, n, x.itemsize)
    step = 1 if point else _chunk(n, ohw, rows, x.itemsize)
    buf: Any = None if point else np.empty(rows * step * ohw, x.dtype)
    per_sample = step == 1 or _tiles(x.dtype, ohw)  # a GEMM per sample, straight into y
    tmp: Any = None if per_sample else np.empty((o, step * ohw), x.dtype)
    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        m = (n1 - n0) * ohw
        if point:
            cols = x[n0].reshape(rows, ohw)
        else:
            cols = buf[:rows * m].reshape(rows, m)
            _im2col_chunk(x, n0, n1, g, cols)
        if per_sample:
            for s in range(n1 - n0):
                out, cs = y[n0 + s].reshape(o, ohw), cols[:, s * ohw:(s + 1) * ohw]
                for k in range(groups):
                    _matmul(wg[k], cs[k * rg:(k + 1) * rg], out[k * og:(k + 1) * og])
            continue
        out = tmp[:, :m]
        for k in range(groups):
            _matmul(wg[k], cols[k * rg:(k + 1) * rg], out[k * og:(k + 1) * og])
        y[n0:n1].reshape(n1 - n0, o, ohw)[...] = out.reshape(o, n1 - n0, ohw).transpose(1, 0, 2)
    if b is not None:
        y += b.reshape(-1, 1, 1)
    return y


# The weight gradient's sums over samples take `_gemm`'s tiles (accumulating, cols @ gy^T per sample) on maps of
# this many pixels or more: 1024x256 @ 256x128 113 against OpenBLAS's 104 GFLOP/s; on smaller maps the (rows, O)
# sums streamed through per sample outgrow the cache (4096x64 @ 64x512: 66 against 84).
_TILE_WEIGHT_PIXELS = 256


def conv_weight(x: Any, gy: Any, g: Any) -> Any:
    """The weight gradient (O, C/groups, kh, kw) of the convolution of ``x`` for output gradient ``gy``.

    ``sum_n cols(x[n]) @ gy[n]^T`` per chunk of samples, accumulated transposed (rows, O): at LeNet and ResNet
    block shapes ~1.4x faster in OpenBLAS than ``gy[n] @ cols(x[n])^T``. Small feature maps (ResNet-18's
    2x2 and 4x4 layers) give chunks with fewer columns than output channels, a thin GEMM with a large output
    re-added per chunk: there the chunks grow up to `_WEIGHT_BUFFER_BYTES` and the GEMM is ``gy @ cols^T``,
    already in the weight's layout (2-6x faster at those layers).
    """
    x, gy = np.ascontiguousarray(x), np.ascontiguousarray(gy)
    n, o, groups = x.shape[0], g.o, g.groups
    og, ohw = o // groups, g.oh * g.ow
    rows = g.c * g.kh * g.kw
    rg = rows // groups
    point = _in_place(g, n, x.itemsize, weight_grad=True)
    step = 1 if point else _chunk(n, ohw, rows, x.itemsize)
    if not point and step * ohw < og:
        step = max(1, min(n, _WEIGHT_BUFFER_BYTES // max(1, rows * ohw * x.itemsize)))
        step = -(-n // -(-n // step))  # as many chunks, of equal sizes: 8 samples as 4 + 4, not 6 + 2
    by_rows = step * ohw >= og
    # per sample, accumulating in `_gemm`'s tiles: no partial sums re-added (see _TILE_WEIGHT_PIXELS)
    tiled = by_rows and ohw >= _TILE_WEIGHT_PIXELS and _tiles(x.dtype, og)
    # the result owns its memory (a view would be copied again when it becomes a parameter's .grad)
    out = np.empty((o, g.c // groups, g.kh, g.kw), x.dtype)
    gw = np.empty((groups, rg, og), x.dtype) if by_rows else out.reshape(groups, og, rg)
    part = np.empty(gw.shape[1:], x.dtype) if step < n and not tiled else None
    gt: Any = np.empty((ohw, o), x.dtype) if tiled else None  # a sample's gy transposed
    ones: Any = np.ones(o, x.dtype) if tiled else None
    buf: Any = None if point else np.empty(rows * step * ohw, x.dtype)
    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        m = (n1 - n0) * ohw
        if point:
            cols = x[n0].reshape(rows, ohw)
        else:
            cols = buf[:rows * m].reshape(rows, m)
            _im2col_chunk(x, n0, n1, g, cols)
        if tiled:
            gemm = _tile_gemm()
            for s in range(n1 - n0):
                _transpose_into(gy[n0 + s].reshape(o, ohw), ones, gt)  # ~10x NumPy's strided copy
                cs = cols[:, s * ohw:(s + 1) * ohw]
                for k in range(groups):
                    gemm(gw[k], cs[k * rg:(k + 1) * rg], gt[:, k * og:(k + 1) * og], int(n0 + s != 0))
            continue
        gyc = _gy_chunk(gy, n0, n1)
        for k in range(groups):
            a, b = cols[k * rg:(k + 1) * rg], gyc[k * og:(k + 1) * og]
            dst = gw[k] if n0 == 0 else part
            if by_rows:
                np.matmul(a, b.T, out=dst)
            else:
                np.matmul(b, a.T, out=dst)
            if n0 != 0:
                gw[k] += part
    if by_rows and x.dtype == np.float32:  # ~10x NumPy's strided copy (2048 x 256: 0.9 -> 0.1 ms)
        ones = np.ones(rg, x.dtype)
        for k in range(groups):
            _transpose_into(gw[k], ones, out.reshape(groups, og, rg)[k])
    elif by_rows:
        out.reshape(groups, og, rg)[...] = gw.transpose(0, 2, 1)
    return out


def conv_input(gy: Any, w: Any, g: Any) -> Any:
    """The input gradient (N, C, H, W) of the convolution with ``w`` for output gradient ``gy``: ``W^T @ gy``
    per chunk of samples, added back into place by col2im.

    (For unit stride the input gradient is also a forward convolution of ``gy`` with the flipped kernel; it
    measured slower than this at every LeNet and ResNet shape, as its im2col of ``gy`` is the larger copy.)
    """
    gy = np.ascontiguousarray(gy)
    n, o, groups = gy.shape[0], g.o, g.groups
    og, ohw = o // groups, g.oh * g.ow
    rows = g.c * g.kh * g.kw
    rg = rows // groups
    wt = np.ascontiguousarray(w).reshape(groups, og, rg).transpose(0, 2, 1)
    point = _in_place(g, n, gy.itemsize)
    written = _pointwise(g) or (_phases.applies(g) and _phases.covers(g))  # col2im writes every element
    dx = (np.empty if written else np.zeros)((n, g.c, g.h, g.w), gy.dtype)
    step = 1 if point else _chunk(n, ohw, rows, gy.itemsize)
    buf: Any = None if point else np.empty(rows * step * ohw, gy.dtype)
    per_sample = step == 1 or _tiles(gy.dtype, ohw)  # a GEMM per sample, straight from gy
    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        m = (n1 - n0) * ohw
        cols = dx[n0].reshape(rows, ohw) if point else buf[:rows * m].reshape(rows, m)
        if per_sample:
            for s in range(n1 - n0):
                gs, cs = gy[n0 + s].reshape(o, ohw), cols[:, s * ohw:(s + 1) * ohw]
                for k in range(groups):
                    _matmul(wt[k], gs[k * og:(k + 1) * og], cs[k * rg:(k + 1) * rg])
        else:
            gyc = _gy_chunk(gy, n0, n1)
            for k in range(groups):
                _matmul(wt[k], gyc[k * og:(k + 1) * og], cols[k * rg:(k + 1) * rg])
        if not point:
            _col2im_chunk(cols, n0, n1, g, dx)
    return dx


_FAST = (np.dtype(np.float32), np.dtype(np.float64))  # other dtypes (float16, bfloat16) take the reference
# and so does an empty batch


def _use_winograd(dtype: Any, n: int, c: int, o: int, oh: int, ow: int, g: Any) -> bool:
    """Whether a 3x3 stride-1 convolution of ``n`` samples from ``c`` to ``o`` channels onto an (oh, ow) map takes
    Winograd.

    Measured on an EPYC Zen 4, one thread, forward + input gradient + weight gradient against im2col + GEMM:
    0.42 at 32 -> 32 channels on 32x32 maps, batch 32 (16.6 vs 32.3 ms); 0.55-0.85 at 64-256 channels on 32x32 to
    8x8 maps given 128+ tiles in the batch; 0.6 at 16 channels on 16x16. It loses with few channels
    (3 -> 32: 2x slower, the GEMMs' inner dimension is the channel count), with fewer than 128 tiles in the batch
    (the 36 GEMMs get too few columns: 1.5x slower at 128 channels, 8x8, batch 8), on maps under 4 tiles
    (4x4 maps: 1.2-1.3x slower, the transforms' loops run over a plane's tiles) and where partial tiles waste a
    quarter of the work (13x13: 1.36x slower). Float32 only: its rounding error is a few times im2col's
    (relative 5e-6, see `winograd`), which float64 callers (gradient checks) would notice.
    """
    if dtype != np.float32 or not _winograd.applies(g) or min(c, o) < 16:
        return False
    tiles = -(-oh // 4) * -(-ow // 4)
    return tiles >= 4 and n * tiles >= 128 and 4 * oh * ow >= 3 * 16 * tiles


def conv2d_forward(x: Any, w: Any, b: Any, g: Any, keep: bool) -> tuple[Any, Any]:
    """`brickwork.kernels.conv.conv2d_forward`; keeps no columns (the weight gradient rebuilds them per
    chunk, in cache)."""
    if x.dtype not in _FAST or x.shape[0] == 0:
        return _reference._conv2d_forward(np, x, w, b, g, keep)
    if _depthwise.applies(g):
        return _depthwise.forward(x, w, b, g), None
    if _use_winograd(x.dtype, x.shape[0], g.c, g.o, g.oh, g.ow, g):
        return _winograd.forward(x, w, b, g), None
    if _direct.applies(x.dtype, g.groups, g.o) and not _pointwise(g):
        return _forward_direct(x, w, b, g), None
    return conv_forward(x, w, b, g), None


def _forward_direct(x: Any, w: Any, b: Any, g: Any) -> Any:
    """The forward of `_direct.conv_forward_direct`: the input padded (when there is padding), the taps' offsets
    and the weight transposed to (taps, 16)."""
    n = x.shape[0]
    xp = _padded(x, g)
    taps = g.c * g.kh * g.kw
    wt = np.zeros((taps, _direct.LANES), np.float32)
    wt[:, :g.o] = w.reshape(g.o, taps).T
    bias = np.zeros(g.o, np.float32) if b is None else np.ascontiguousarray(b, np.float32)
    y = np.empty((n, g.o, g.oh, g.ow), np.float32)
    _direct.conv_forward_direct(xp, wt, bias, _tap_offsets(g.c, g.kh, g.kw, g.dh, g.dw, g.hp, g.wp), g.oh, g.ow,
                                g.sh, g.sw, y)
    return y


@functools.lru_cache(maxsize=64)
def _tap_offsets(c: int, kh: int, kw: int, dh: int, dw: int, hp: int, wp: int) -> Any:
    """Each kernel tap's (channel, row, column) offset in a padded sample, in the weight's order."""
    ch, ki, kj = np.meshgrid(np.arange(c), np.arange(kh), np.arange(kw), indexing="ij")
    return (ch * hp * wp + ki * dh * wp + kj * dw).reshape(-1).astype(np.int64)


def conv2d_input(gy: Any, w: Any, g: Any) -> Any:
    """`brickwork.kernels.conv.conv2d_input`."""
    if gy.dtype not in _FAST or gy.shape[0] == 0:
        return _reference._conv2d_input(np, gy, w, g)
    if _depthwise.applies(g):
        return _depthwise.input_grad(gy, w, g)
    if _use_winograd(gy.dtype, gy.shape[0], g.o, g.c, g.h, g.w, g):
        return _winograd.input_grad(gy, w, g)
    if (_direct.applies(gy.dtype, g.groups, g.o) and w.dtype == np.float32 and (g.sh, g.sw) == (1, 1)
            and not _pointwise(g)):
        return _input_direct(gy, w, g)
    return conv_input(gy, w, g)


def _input_direct(gy: Any, w: Any, g: Any) -> Any:
    """The input gradient through `_direct.conv_input_direct` (stride 1): LeNet's second convolution 1.57 ->
    1.02 ms against im2col's GEMMs + col2im."""
    dxp = np.empty((gy.shape[0], g.c, g.hp, g.wp), np.float32)
    _direct.conv_input_direct(np.ascontiguousarray(gy), np.ascontiguousarray(w), g.dh, g.dw, dxp)
    if (g.hp, g.wp) == (g.h, g.w):
        return dxp
    return np.ascontiguousarray(dxp[:, :, g.pt:g.pt + g.h, g.pl:g.pl + g.w])


def conv2d_weight(x: Any, gy: Any, g: Any, cols: Any) -> Any:
    """`brickwork.kernels.conv.conv2d_weight`."""
    if x.dtype not in _FAST or x.shape[0] == 0:
        return _reference._conv2d_weight(np, x, gy, g, cols)
    if _depthwise.applies(g):
        return _depthwise.weight_grad(x, gy, g)
    if _use_winograd(x.dtype, x.shape[0], g.c, g.o, g.oh, g.ow, g):
        return _winograd.weight_grad(x, gy, g)
    if (_direct.applies(x.dtype, g.groups, g.o) and gy.dtype == np.float32 and (g.sh, g.sw) == (1, 1)
            and not _pointwise(g) and g.c * g.kh * g.kw >= _DIRECT_WEIGHT_TAPS):
        return _weight_direct(x, gy, g)
    return conv_weight(x, gy, g)


# The direct weight gradient lays each sample's output gradient out as (pixel, 16 channels) rows, a cost that
# only enough taps repay: LeNet's second convolution (150 taps) 1.6 -> 0.86 ms, its first (25 taps) 1.26 -> 1.41
_DIRECT_WEIGHT_TAPS = 64


def _weight_direct(x: Any, gy: Any, g: Any) -> Any:
    """The weight gradient through `_direct.conv_weight_direct` (stride 1), as an owned (O, C, kh, kw) array."""
    taps = g.c * g.kh * g.kw
    acc = np.zeros((taps, _direct.LANES), np.float32)
    _direct.conv_weight_direct(_padded(x, g), np.ascontiguousarray(gy), g.kh, g.kw, g.dh, g.dw, acc)
    out = np.empty((g.o, g.c, g.kh, g.kw), np.float32)  # owned: a view would be copied again as .grad
    out.reshape(g.o, taps)[...] = acc[:, :g.o].T
    return out


def _padded(x: Any, g: Any) -> Any:
    """``x`` (N, C, H, W) with the convolution's zero padding: (N, C, hp, wp), C-contiguous."""
    if (g.hp, g.wp) == (g.h, g.w):
        return np.ascontiguousarray(x)
    xp = np.zeros((x.shape[0], g.c, g.hp, g.wp), x.dtype)
    xp[:, :, g.pt:g.pt + g.h, g.pl:g.pl + g.w] = x
    return xp
