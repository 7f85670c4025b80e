"""Numba kernels of `brickwork.kernels.optim`: one loop over the flattened parameter and its state.

These compile without ``fastmath`` and compute in the parameter's dtype, in the order of operations of the
fused CuPy updates (``backends/_fused.py``) and of NumPy's whole-array updates: all three give the same bits.
"""

from __future__ import annotations

import functools
from typing import Any

import numba
import numpy as np

from .. import optim as _ref

_exact: Any = functools.partial(numba.njit, cache=True, error_model="numpy")


@_exact
def _adam(p, g, m, v, vmax, amsgrad, maximize, decoupled, s):
    # s: decay, wd, w, 1 - w, beta2, 1 - beta2, sqrt(bias correction 2), eps, -step_size (in p's dtype)
    decay, wd, w, omw, beta2, omb2, bc2, eps, nss = s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]
    small = s[2] < 0.5  # PyTorch's lerp picks its formula by the weight
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        pi = p[i]
        if decoupled:
            pi = pi * decay
        elif wd != 0:
            gi = gi + pi * wd
        mi = m[i] + (gi - m[i]) * w if small else gi - (gi - m[i]) * omw
        vi = v[i] * beta2 + gi * omb2 * gi
        m[i] = mi
        v[i] = vi
        if amsgrad:
            vi = max(vmax[i], vi)
            vmax[i] = vi
        p[i] = pi + mi / (np.sqrt(vi) / bc2 + eps) * nss


@_exact
def _sgd(p, g, buf, has_buf, first, maximize, nesterov, dampened, s):
    # s: weight decay, momentum, 1 - dampening, -lr (in p's dtype)
    wd, momentum, omd, nlr = s[0], s[1], s[2], s[3]
    for i in range(p.size):
        gi = -g[i] if maximize else g[i]
        if wd != 0:
            gi = gi + p[i] * wd
        if has_buf:
            if first:
                bi = gi
            elif dampened:
                bi = buf[i] * momentum + gi * omd
            else:
                bi = buf[i] * momentum + gi
            buf[i] = bi
            gi = gi + bi * momentum if nesterov else bi
        p[i] = p[i] + gi * nlr


def _flat(arrays: tuple, dtype: Any) -> list[Any] | None:
    """The arrays flattened without copying, or None when one is not C-contiguous or has another dtype."""
    out = []
    for a in arrays:
        if a.__class__ is not np.ndarray or a.dtype != dtype or not a.flags.c_contiguous:
            return None
        out.append(a.reshape(-1))
    return out


@functools.lru_cache(maxsize=None)
def _unused(dtype: Any) -> Any:
    """A one-element stand-in for a state array the update does not use (no AMSGrad maximum, no momentum buffer).
    It must not be one of the other arrays: LLVM vectorizes the loop only after a run-time check that its arrays
    do not overlap, and an alias there made every update run element by element (3.7 vs 0.7 ns a parameter)."""
    return np.zeros(1, dtype)


def _usable(p: Any) -> bool:
    return p.dtype == np.float32 or p.dtype == np.float64


def adam_step(p: Any, g: Any, m: Any, v: Any, vmax: Any, maximize: bool, wd: float, decay: float | None,
              beta1: float, beta2: float, eps: float, bc2_sqrt: float, step_size: float) -> None:
    flat = _flat((p, g, m, v) + (() if vmax is None else (vmax,)), p.dtype) if _usable(p) else None
    if flat is None:
        return _ref._adam_step(np, p, g, m, v, vmax, maximize, wd, decay, beta1, beta2, eps, bc2_sqrt, step_size)
    if vmax is None:
        flat.append(_unused(p.dtype))
    w = 1 - beta1
    s = np.array([0.0 if decay is None else decay, wd, w, 1 - w, beta2, 1 - beta2, bc2_sqrt, eps, -step_size],
                 p.dtype)
    _adam(*flat, vmax is not None, bool(maximize), decay is not None, s)
    return None


def sgd_step(p: Any, g: Any, buf: Any, lr: float, wd: float, momentum: float, dampening: float, nesterov: bool,
             maximize: bool, first: bool) -> None:
    flat = _flat((p, g) + (() if buf is None else (buf,)), p.dtype) if _usable(p) else None
    if flat is None:
        return _ref._sgd_step(np, p, g, buf, lr, wd, momentum, dampening, nesterov, maximize, first)
    if buf is None:
        flat.append(_unused(p.dtype))
    s = np.array([wd, momentum, 1 - dampening, -lr], p.dtype)
    _sgd(*flat, buf is not None, bool(first), bool(maximize), bool(nesterov), dampening != 0, s)
    return None
