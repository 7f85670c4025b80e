"""Convolution kernels: the three array primitives of a 2-d convolution (forward, input gradient, weight gradient).

The ops in `brickwork.ops.conv` record the graph (each primitive's backward is written with the other two) and
call these on arrays. Every function takes the op's geometry object ``g`` (sizes ``n, c, h, w, o``, kernel
``kh, kw``, stride ``sh, sw``, dilation ``dh, dw``, padding ``pt, pl``, padded sizes ``hp, wp``, output ``oh, ow``,
``groups`` and the reference's wide-column fields ``wq, tail``).

* the **references** (any ``xp``): im2col of the whole batch through a strided view, then one batched GEMM;
  *wide columns*: with unit column stride, im2col may take every column of the padded input, not only the
  ``out_w`` valid ones, so each kernel position copies one contiguous run of ``out_h * padded_w`` numbers
  instead of ``out_h`` short rows (the extra columns cost GEMM flops, so only when they are few); the input
  gradient with unit column stride sums over the kernel columns inside its GEMM, then adds one block of rows per
  kernel row (``kh`` long adds instead of col2im's ``kh * kw`` short ones); the forward returns its columns
  (when small) for the weight gradient, saving a second im2col.
* the **CPU kernels** (``brickwork/kernels/_cpu/conv.py``): Numba im2col/col2im per chunk of samples whose
  columns stay in cache, and GEMMs over those chunks; measured 1.2-4x faster than the references for a training
  step's three convolutions at LeNet and ResNet shapes (``benchmarks/bench_models.py``); 3x3 stride-1 float32
  convolutions with 16+ channels on maps of 16+ 4x4 tiles take Winograd F(4x4, 3x3) there (``_cpu/winograd.py``:
  2-2.5x faster than im2col at the ResNet block's 32 channels on 32x32).

Example:
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from brickwork.kernels.conv import conv2d_forward
    >>> g = SimpleNamespace(n=1, c=1, h=3, w=3, o=1, kh=2, kw=2, sh=1, sw=1, dh=1, dw=1, pt=0, pl=0, hp=3, wp=3,
    ...                     oh=2, ow=2, groups=1, wq=2, tail=0)
    >>> y, _ = conv2d_forward(np, np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), None, g, False)
    >>> y.tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from . import kernel

__all__ = ["conv2d_forward", "conv2d_input", "conv2d_weight", "im2col", "col2im"]

_CPU = "brickwork.kernels._cpu.conv:"

# The reference's forward keeps its columns for the weight gradient (saving a second im2col, about a third of a
# training step's convolution time at LeNet sizes) when they are at most this large; bigger ones are rebuilt.
_KEEP_COLUMNS_BYTES = 64 << 20


def _xp(a: Any) -> Any:
    return np if isinstance(a, np.ndarray) else sys.modules["cupy"]


# -- array kernels (NumPy or CuPy) -------------------------------------------------------------------------

def _strided(xp: Any, a: Any, shape: tuple, strides: tuple, offset: int = 0) -> Any:
    """A strided view of the flat buffer ``a`` starting ``offset`` elements in (strides in elements)."""
    isz = a.itemsize
    return xp.lib.stride_tricks.as_strided(a[offset:], shape, tuple(s * isz for s in strides))


def _im2col(x: Any, g: Any) -> Any:
    """Columns of ``x`` (N, C, H, W): shape (N, groups, C/groups * kh * kw, out_h * wq)."""
    xp = _xp(x)
    n, c = x.shape[0], x.shape[1]
    plane = g.hp * g.wp
    if g.tail == 0 and plane == g.h * g.w and x.flags.c_contiguous:
        buf = x.reshape(-1)  # nothing to pad: read the input in place
    else:
        buf = xp.zeros(n * c * plane + g.tail, x.dtype)
        buf[:n * c * plane].reshape(n, c, g.hp, g.wp)[:, :, g.pt:g.pt + g.h, g.pl:g.pl + g.w] = x
    view = _strided(xp, buf, (n, c, g.kh, g.kw, g.oh, g.wq),
                    (c * plane, plane, g.dh * g.wp, g.dw, g.sh * g.wp, g.sw))
    return xp.ascontiguousarray(view).reshape(n, g.groups, -1, g.oh * g.wq)


def _col2im(cols: Any, g: Any) -> Any:
    """The adjoint of `_im2col`: add columns (N, C * kh * kw, out_h * wq) back into an (N, C, H, W) array."""
    xp = _xp(cols)
    n, c = cols.shape[0], g.c
    plane = g.hp * g.wp
    buf = xp.zeros(n * c * plane + g.tail, cols.dtype)
    cols = cols.reshape(n, c, g.kh, g.kw, g.oh, g.wq)
    for i in range(g.kh):
        for j in range(g.kw):
            view = _strided(xp, buf, (n, c, g.oh, g.wq), (c * plane, plane, g.sh * g.wp, g.sw),
                            i * g.dh * g.wp + j * g.dw)
            view += cols[:, :, i, j]
    out = buf[:n * c * plane].reshape(n, c, g.hp, g.wp)
    if g.hp != g.h or g.wp != g.w:
        out = xp.ascontiguousarray(out[:, :, g.pt:g.pt + g.h, g.pl:g.pl + g.w])
    return out


def _widen(gy: Any, g: Any) -> Any:
    """An output-shaped array (N, O, out_h, out_w) in the column layout (N, groups, O/groups, out_h * wq)."""
    n = gy.shape[0]
    if g.wq != g.ow:
        xp = _xp(gy)
        wide = xp.zeros((n, g.o, g.oh, g.wq), gy.dtype)
        wide[..., :g.ow] = gy
        gy = wide
    return gy.reshape(n, g.groups, g.o // g.groups, g.oh * g.wq)


def _conv_arrays(x: Any, w: Any, b: Any, g: Any) -> tuple[Any, Any]:
    """The convolution of ``x`` with ``w`` (plus ``b``), and the columns it was computed from."""
    xp = _xp(x)
    n = x.shape[0]
    cols = _im2col(x, g)
    y = xp.matmul(w.reshape(g.groups, g.o // g.groups, -1), cols).reshape(n, g.o, g.oh, g.wq)
    if g.wq != g.ow:
        out = xp.empty((n, g.o, g.oh, g.ow), y.dtype)
        if b is None:
            out[...] = y[..., :g.ow]
        else:
            xp.add(y[..., :g.ow], b.reshape(-1, 1, 1), out=out)
        return out, cols
    if b is not None:
        y += b.reshape(-1, 1, 1)
    return y, cols


def _conv_t_arrays(gy: Any, w: Any, g: Any) -> Any:
    """The transposed convolution of ``gy`` (N, O, out_h, out_w) with ``w``: an (N, C, H, W) array."""
    xp = _xp(gy)
    if g.sw != 1:
        wt = w.reshape(g.groups, g.o // g.groups, -1).swapaxes(1, 2)
        return _col2im(xp.matmul(wt, _widen(gy, g)).reshape(gy.shape[0], -1, g.oh * g.wq), g)
    # Unit column stride: sum over kernel columns j inside the GEMM, on k shifted copies of gy's rows, then add
    # one block of rows per kernel row i. That is kh long-run adds instead of kh * kw short ones (col2im).
    n, groups, og, cg = gy.shape[0], g.groups, g.o // g.groups, g.c // g.groups
    lq = g.oh * g.wp
    buf = xp.zeros((n, g.o, g.oh + 1, g.wp), gy.dtype)  # row 0 stays zero: shifts by j * dw read into it
    buf[:, :, 1:, :g.ow] = gy
    rows = buf.reshape(n, g.o, -1)
    shifted = _strided(xp, rows.reshape(-1), (n, g.o, g.kw, lq), (g.o * rows.shape[2], rows.shape[2], -g.dw, 1),
                       g.wp)  # shifted[n, o, j, q] = gy_rows[n, o, q - j * dw]
    shifted = xp.ascontiguousarray(shifted).reshape(n, groups, og * g.kw, lq)
    wt = w.reshape(groups, og, cg, g.kh, g.kw).transpose(0, 2, 3, 1, 4).reshape(groups, cg * g.kh, og * g.kw)
    part = xp.matmul(wt, shifted).reshape(n, g.c, g.kh, g.oh, g.wp)
    out = xp.zeros((n, g.c, g.hp, g.wp), gy.dtype)
    for i in range(g.kh):
        out[:, :, i * g.dh:i * g.dh + g.sh * (g.oh - 1) + 1:g.sh] += part[:, :, i]
    if g.hp != g.h or g.wp != g.w:
        out = xp.ascontiguousarray(out[:, :, g.pt:g.pt + g.h, g.pl:g.pl + g.w])
    return out


def _conv_w_arrays(x: Any, gy: Any, g: Any, cols: Any = None) -> Any:
    """The weight gradient of the convolution of ``x`` for output gradient ``gy`` (``cols``: ``x``'s columns)."""
    xp = _xp(x)
    if cols is None:
        cols = _im2col(x, g)
    gw = xp.matmul(cols, _widen(gy, g).swapaxes(-1, -2)).sum(0)  # (groups, C/groups*kh*kw, O/groups)
    out = xp.empty((g.o, g.c // g.groups, g.kh, g.kw), gw.dtype)  # owns its memory: see the CPU kernel
    out.reshape(g.groups, g.o // g.groups, -1)[...] = gw.swapaxes(1, 2)
    return out


def _conv2d_forward(xp: Any, x: Any, w: Any, b: Any, g: Any, keep: bool) -> tuple[Any, Any]:
    """``(y, cols)``: the convolution of ``x`` with ``w`` (plus ``b``), and, when ``keep`` and they are small, the
    columns it was computed from (for `conv2d_weight`), else None."""
    if x.shape[0] == 0:
        return xp.zeros((0, g.o, g.oh, g.ow), x.dtype), None
    y, cols = _conv_arrays(x, w, b, g)
    return y, (cols if keep and cols.nbytes <= _KEEP_COLUMNS_BYTES else None)


def _conv2d_input(xp: Any, gy: Any, w: Any, g: Any) -> Any:
    """The input gradient (N, C, H, W) for output gradient ``gy``: the transposed convolution of ``gy``."""
    if gy.shape[0] == 0:
        return xp.zeros((0, g.c, g.h, g.w), gy.dtype)
    return _conv_t_arrays(gy, w, g)


def _conv2d_weight(xp: Any, x: Any, gy: Any, g: Any, cols: Any) -> Any:
    """The weight gradient (O, C/groups, kh, kw) for output gradient ``gy`` (``cols``: the forward's or None)."""
    if x.shape[0] == 0:
        return xp.zeros((g.o, g.c // g.groups, g.kh, g.kw), x.dtype)
    return _conv_w_arrays(x, gy, g, cols)


conv2d_forward = kernel("conv2d_forward", _conv2d_forward, cpu=_CPU + "conv2d_forward")
conv2d_input = kernel("conv2d_input", _conv2d_input, cpu=_CPU + "conv2d_input")
conv2d_weight = kernel("conv2d_weight", _conv2d_weight, cpu=_CPU + "conv2d_weight")
im2col = _im2col
col2im = _col2im
