"""Numba kernels of :mod:`brickwork.kernels.optim`: one loop over the flattened parameter and its state."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import optim as _ref
from ._numba import njit


@njit
def _adam(p, g, m, v, vmax, amsgrad, sign, wd, decay, w, beta2, eps, bc2_sqrt, step_size):
    omb2 = 1.0 - beta2
    small = w < 0.5
    for i in range(p.size):
        gi = sign * g[i]
        if wd != 0.0:
            gi += p[i] * wd
        pi = p[i] * decay
        if small:
            mi = m[i] + (gi - m[i]) * w
        else:
            mi = gi - (gi - m[i]) * (1.0 - w)
        vi = v[i] * beta2 + gi * gi * omb2
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(vmax[i], vi)
            vmax[i] = vi
        p[i] = pi - mi / (np.sqrt(vi) / bc2_sqrt + eps) * step_size


@njit
def _sgd(p, g, buf, has_buf, first, sign, lr, wd, momentum, omd, nesterov):
    for i in range(p.size):
        gi = sign * g[i]
        if wd != 0.0:
            gi += p[i] * wd
        if has_buf:
            bi = gi if first else buf[i] * momentum + gi * omd
            buf[i] = bi
            gi = gi + bi * momentum if nesterov else bi
        p[i] = p[i] - gi * lr


def _flat(arrays: tuple, dtype: Any) -> list[Any] | None:
    """The arrays flattened without copying, or None when one is not C-contiguous or has another dtype."""
    out = []
    for a in arrays:
        if a.__class__ is not np.ndarray or a.dtype != dtype or not a.flags.c_contiguous:
            return None
        out.append(a.reshape(-1))
    return out


def adam_step(p: Any, g: Any, m: Any, v: Any, vmax: Any, maximize: bool, wd: float, decay: float | None,
              beta1: float, beta2: float, eps: float, bc2_sqrt: float, step_size: float) -> None:
    flat = _flat((p, g, m, v) + (() if vmax is None else (vmax,)), p.dtype)
    if flat is None or p.dtype.kind != "f" or p.dtype.itemsize < 4:
        return _ref._adam_step(np, p, g, m, v, vmax, maximize, wd, decay, beta1, beta2, eps, bc2_sqrt, step_size)
    if vmax is None:
        flat.append(flat[3])
    _adam(*flat, vmax is not None, -1.0 if maximize else 1.0, float(wd), 1.0 if decay is None else float(decay),
          float(1 - beta1), float(beta2), float(eps), float(bc2_sqrt), float(step_size))
    return None


def sgd_step(p: Any, g: Any, buf: Any, lr: float, wd: float, momentum: float, dampening: float, nesterov: bool,
             maximize: bool, first: bool) -> None:
    flat = _flat((p, g) + (() if buf is None else (buf,)), p.dtype)
    if flat is None or p.dtype.kind != "f" or p.dtype.itemsize < 4:
        return _ref._sgd_step(np, p, g, buf, lr, wd, momentum, dampening, nesterov, maximize, first)
    if buf is None:
        flat.append(flat[0])
    _sgd(*flat, buf is not None, bool(first), -1.0 if maximize else 1.0, float(lr), float(wd), float(momentum),
         float(1 - dampening), bool(nesterov))
    return None
