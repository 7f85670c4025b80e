"""Numba kernels of `brickwork.kernels.rnn` (same signatures, without ``xp``): one loop over the step's
rows, each gate read once. Row views keep the inner indices non-negative, so the loops vectorise."""

from __future__ import annotations

from ._numba import njit


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
