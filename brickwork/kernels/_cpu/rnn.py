"""Numba kernels of `brickwork.kernels.rnn` (same signatures, without ``xp``): one loop over the step's
rows, each gate read once. Row views keep the inner indices non-negative, so the loops vectorise.

`lstm_forward` and `lstm_backward` (float32; other dtypes run the reference) are one compiled loop over the
sequence: per step the recurrent product with `._gemm.gemm_acc` (reading the recurrent weight in place, added
onto the step's input gates) and the gate arithmetic row by row. ``math.tanh`` in a Numba loop is a scalar library
call, so `_tanh` is a rational function fitted for these kernels (weighted least squares toward minimax, Chebyshev
basis, on [0, 9]; beyond, tanh is 1 in float32): ``tanh(x) = x P(x^2) / Q(x^2)``, P of degree 5 and Q of degree
3, relative error 7e-8 in float64 arithmetic and 3.7e-7 evaluated in float32. It has no branch, so LLVM
vectorizes it: 0.27 ns a value on an EPYC Zen 4, against 0.85 for an ``exp``-based form and 0.45 for NumPy's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import rnn as _ref
from ._gemm import LANES, gemm, gemm_acc, gemm_bias, transpose_into
from ._numba import inline, njit

_F32 = np.dtype(np.float32)
# the whole-sequence products (input projection, weight gradients) beat OpenBLAS by 5-15% with the AVX-512 tile
# (measured on an EPYC Zen 4); with the narrower tile they were not measured, so they stay with OpenBLAS there
WIDE = LANES == 16
_HALF, _ONE, _CLAMP = np.float32(0.5), np.float32(1.0), np.float32(9.0)
_P = tuple(np.float32(c) for c in (0.9999999500349918, 0.12921501933724822, 0.002923178230813311,
                                   9.288862688876485e-06, -1.2842065382751351e-08, 1.8405166961242423e-11))
_Q = tuple(np.float32(c) for c in (1.0, 0.462547893922047, 0.02377313707126894, 0.00022843023403734322))
P0, P1, P2, P3, P4, P5 = _P
Q0, Q1, Q2, Q3 = _Q


@inline
def _tanh(v):  # pragma: no cover - compiled
    x = min(max(v, -_CLAMP), _CLAMP)
    s = x * x
    r = x * (((((P5 * s + P4) * s + P3) * s + P2) * s + P1) * s + P0) / (((Q3 * s + Q2) * s + Q1) * s + Q0)
    return min(max(r, -_ONE), _ONE)


@njit
def _lstm_forward_f32(z, wt, h0, c0, h_out, c_out, tc_out, reverse):  # pragma: no cover - compiled
    seq, n, g = z.shape
    hs = g // 4
    h, c = h0, c0
    for s in range(seq):
        t = seq - 1 - s if reverse else s
        zt, ho, co, to = z[t], h_out[t], c_out[t], tc_out[t]
        gemm_acc(zt, h, wt)
        for r in range(n):
            zr = zt[r]
            for k in range(g):  # one array read and written: no run-time alias check, so LLVM vectorizes
                zr[k] = _tanh(zr[k])
            zi, zf, zg, zo = zr[:hs], zr[hs:2 * hs], zr[2 * hs:3 * hs], zr[3 * hs:]
            cp, cr, tr, hr = c[r], co[r], to[r], ho[r]
            for k in range(hs):
                cr[k] = (zf[k] * _HALF + _HALF) * cp[k] + (zi[k] * _HALF + _HALF) * zg[k]
            for k in range(hs):
                tr[k] = _tanh(cr[k])
            for k in range(hs):
                hr[k] = (zo[k] * _HALF + _HALF) * tr[k]
        h, c = ho, co


@njit
def _lstm_backward_f32(z, tc, c_all, c0, w, g_h, dc, dz_out, dh, reverse):  # pragma: no cover - compiled
    seq, n, g = z.shape
    hs = g // 4
    dh[:] = 0
    for s in range(seq):
        t = s if reverse else seq - 1 - s
        prev = t + 1 if reverse else t - 1
        c_prev = c0 if prev < 0 or prev >= seq else c_all[prev]
        gt, dzt = g_h[t], dz_out[t]
        for r in range(n):
            zr, dzr = z[t, r], dzt[r]
            zi, zf, zg, zo = zr[:hs], zr[hs:2 * hs], zr[2 * hs:3 * hs], zr[3 * hs:]
            di, df, dg, do = dzr[:hs], dzr[hs:2 * hs], dzr[2 * hs:3 * hs], dzr[3 * hs:]
            tr, cp, dhr, ghr, dcr = tc[t, r], c_prev[r], dh[r], gt[r], dc[r]
            for k in range(hs):
                i = zi[k] * _HALF + _HALF
                f = zf[k] * _HALF + _HALF
                o = zo[k] * _HALF + _HALF
                gg = zg[k]
                d = dhr[k] + ghr[k]
                dct = dcr[k] + d * o * (_ONE - tr[k] * tr[k])
                di[k] = dct * gg * i * (_ONE - i)
                df[k] = dct * cp[k] * f * (_ONE - f)
                dg[k] = dct * i * (_ONE - gg * gg)
                do[k] = d * tr[k] * o * (_ONE - o)
                dcr[k] = dct * f
        dh[:] = 0
        gemm_acc(dh, dzt, w)


def _f32(*arrays: Any) -> bool:
    return all(a.dtype == _F32 for a in arrays)


def input_gates(x: Any, w_ih: Any, bias: Any, scale: Any) -> Any:
    if not WIDE or not _f32(x, w_ih, scale) or (bias is not None and bias.dtype != _F32) or x.ndim != 2:
        return _ref._input_gates(np, x, w_ih, bias, scale)
    wt = np.empty((w_ih.shape[1], w_ih.shape[0]), np.float32)
    transpose_into(np.ascontiguousarray(w_ih), scale, wt)
    out = np.empty((x.shape[0], w_ih.shape[0]), np.float32)
    if bias is None:
        gemm(out, np.ascontiguousarray(x), wt)
    else:
        gemm_bias(out, np.ascontiguousarray(x), wt, bias * scale)  # the sums start from the bias
    return out


def weight_grads(dg: Any, x: Any, h: Any) -> tuple[Any, Any]:
    mats = [m for m in (x, h) if m is not None]
    if not WIDE or not _f32(dg, *mats) or dg.ndim != 2 or not mats:
        return _ref._weight_grads(np, dg, x, h)
    # dg read transposed in place (each step of the contraction reads a few adjacent gates of one row): against
    # a transposed copy of dg and GEMMs adding onto zeros, 5.3 vs 5.8 ms for 700 x 1024 gate gradients
    dg = np.ascontiguousarray(dg)
    out: list[Any] = []
    for m in (x, h):
        if m is None:
            out.append(None)
            continue
        w = np.empty((dg.shape[1], m.shape[1]), np.float32)
        gemm(w, dg.T, np.ascontiguousarray(m))
        out.append(w)
    return out[0], out[1]


def lstm_forward(z: Any, w_hh: Any, h0: Any, c0: Any, h_out: Any, c_out: Any, tc_out: Any, reverse: bool) -> None:
    outs = (z, h_out, c_out, tc_out)
    if not _f32(z, w_hh, h0, c0, *outs) or not all(a.flags.c_contiguous for a in outs):
        return _ref._lstm_forward(np, z, w_hh, h0, c0, h_out, c_out, tc_out, reverse)
    hs = w_hh.shape[1]
    scale = np.full(4 * hs, 0.5, np.float32)
    scale[2 * hs:3 * hs] = 1.0  # the sigmoid gates i, f, o halved (see the family module)
    wt = np.empty((hs, 4 * hs), np.float32)
    transpose_into(np.ascontiguousarray(w_hh), scale, wt)
    _lstm_forward_f32(z, wt, np.ascontiguousarray(h0), np.ascontiguousarray(c0), h_out, c_out, tc_out,
                      bool(reverse))
    return None


def lstm_backward(z: Any, tc: Any, c_all: Any, c0: Any, w_hh: Any, g_h: Any, dc: Any, dz_out: Any, dh_out: Any,
                  reverse: bool) -> None:
    outs = (dc, dz_out, dh_out)
    if not _f32(z, tc, c_all, c0, w_hh, g_h, *outs) or not all(a.flags.c_contiguous for a in outs + (z, tc, c_all)):
        return _ref._lstm_backward(np, z, tc, c_all, c0, w_hh, g_h, dc, dz_out, dh_out, reverse)
    _lstm_backward_f32(z, tc, c_all, np.ascontiguousarray(c0), np.ascontiguousarray(w_hh), np.ascontiguousarray(g_h),
                       dc, dz_out, dh_out, bool(reverse))
    return None


@njit
def lstm_cell_forward(z, c_prev, c_out):  # pragma: no cover - compiled
    hs = c_prev.shape[1]
    for r in range(c_prev.shape[0]):
        zi, zf, zg = z[r, :hs], z[r, hs:2 * hs], z[r, 2 * hs:3 * hs]
        cp, co = c_prev[r], c_out[r]
        for k in range(hs):
            co[k] = (zf[k] * 0.5 + 0.5) * cp[k] + (zi[k] * 0.5 + 0.5) * zg[k]


@njit
def lstm_hidden(z, tc, h_out):  # pragma: no cover - compiled
    hs = tc.shape[1]
    for r in range(tc.shape[0]):
        zo, t, h = z[r, 3 * hs:], tc[r], h_out[r]
        for k in range(hs):
            h[k] = (zo[k] * 0.5 + 0.5) * t[k]


@njit
def lstm_cell_backward(z, tc, c_prev, dh, dc, dz_out):  # pragma: no cover - compiled
    hs = tc.shape[1]
    for r in range(tc.shape[0]):
        zi, zf, zg, zo = z[r, :hs], z[r, hs:2 * hs], z[r, 2 * hs:3 * hs], z[r, 3 * hs:]
        di, df, dg, do = dz_out[r, :hs], dz_out[r, hs:2 * hs], dz_out[r, 2 * hs:3 * hs], dz_out[r, 3 * hs:]
        t, cp, dhr, dcr = tc[r], c_prev[r], dh[r], dc[r]
        for k in range(hs):
            i = zi[k] * 0.5 + 0.5
            f = zf[k] * 0.5 + 0.5
            o = zo[k] * 0.5 + 0.5
            g = zg[k]
            dct = dcr[k] + dhr[k] * o * (1 - t[k] * t[k])
            di[k] = dct * g * i * (1 - i)
            df[k] = dct * cp[k] * f * (1 - f)
            dg[k] = dct * i * (1 - g * g)
            do[k] = dhr[k] * t[k] * o * (1 - o)
            dcr[k] = dct * f


@njit
def gru_gates(gi, gh, rz_out):  # pragma: no cover - compiled
    m = rz_out.shape[1]
    for r in range(rz_out.shape[0]):
        a, b, o = gi[r, :m], gh[r, :m], rz_out[r]
        for k in range(m):
            o[k] = a[k] + b[k]


@njit
def gru_candidate(gi, gh, rz, n_out):  # pragma: no cover - compiled
    hs = n_out.shape[1]
    for r in range(n_out.shape[0]):
        gin, ghn, zr, o = gi[r, 2 * hs:], gh[r, 2 * hs:], rz[r, :hs], n_out[r]
        for k in range(hs):
            o[k] = (zr[k] * 0.5 + 0.5) * ghn[k] + gin[k]


@njit
def gru_hidden(rz, n, h_prev, h_out):  # pragma: no cover - compiled
    hs = n.shape[1]
    for r in range(n.shape[0]):
        zz, nr, hp, o = rz[r, hs:], n[r], h_prev[r], h_out[r]
        for k in range(hs):
            o[k] = (hp[k] - nr[k]) * (zz[k] * 0.5 + 0.5) + nr[k]


@njit
def gru_cell_backward(rz, n, ghn, h_prev, dh, dgi_out, dgh_out, dh_out):  # pragma: no cover - compiled
    hs = n.shape[1]
    for r in range(n.shape[0]):
        zr, zz, nr, gn, hp, d = rz[r, :hs], rz[r, hs:], n[r], ghn[r], h_prev[r], dh[r]
        ir, iz, in_ = dgi_out[r, :hs], dgi_out[r, hs:2 * hs], dgi_out[r, 2 * hs:]
        hr, hz, hn = dgh_out[r, :hs], dgh_out[r, hs:2 * hs], dgh_out[r, 2 * hs:]
        dho = dh_out[r]
        for k in range(hs):
            rr = zr[k] * 0.5 + 0.5
            z = zz[k] * 0.5 + 0.5
            dn = d[k] * (1 - z) * (1 - nr[k] * nr[k])
            a = dn * gn[k] * rr * (1 - rr)
            b = d[k] * (hp[k] - nr[k]) * z * (1 - z)
            ir[k] = a
            iz[k] = b
            in_[k] = dn
            hr[k] = a
            hz[k] = b
            hn[k] = dn * rr
            dho[k] = d[k] * z
