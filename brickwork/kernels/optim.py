"""Optimizer update kernels: one Adam/AdamW or SGD (momentum, Nesterov) step of one parameter, in place.

The arguments are those of ``brickwork.optim.adam._adam`` and ``brickwork.optim.sgd._sgd`` without their scratch
arrays, and the arithmetic follows PyTorch's order of operations in the parameter's dtype, so the CPU kernels (one
pass over the parameter, its gradient and its state; Adam takes 13 array passes in NumPy) give the same bits as
the NumPy updates and the fused CuPy ones.

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.optim import sgd_step
    >>> p = np.ones(2); sgd_step(np, p, np.ones(2), None, 0.5, 0.0, 0.0, 0.0, False, False, False); p.tolist()
    [0.5, 0.5]
"""

from __future__ import annotations

from typing import Any

from . import kernel

__all__ = ["adam_step", "sgd_step"]

_CPU = "brickwork.kernels._cpu.optim:"


def _modified_grad(xp: Any, p: Any, g: Any, maximize: bool, wd: float) -> Any:
    if maximize:
        g = -g
    if wd != 0:
        g = g + p * wd
    return g


def _adam_step(xp: Any, p: Any, g: Any, m: Any, v: Any, vmax: Any, maximize: bool, wd: float, decay: float | None,
               beta1: float, beta2: float, eps: float, bc2_sqrt: float, step_size: float) -> None:
    """``p``, ``m``, ``v`` (and ``vmax``) updated in place; ``wd`` is L2 on the gradient, ``decay`` AdamW's factor."""
    g = _modified_grad(xp, p, g, maximize, wd)
    if decay is not None:
        p *= decay
    w = 1 - beta1
    if w < 0.5:  # PyTorch's lerp picks its formula by the weight
        m += (g - m) * w
    else:
        m[...] = g - (g - m) * (1 - w)
    v *= beta2
    v += g * (1 - beta2) * g
    if vmax is not None:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    p += m / (xp.sqrt(v) / bc2_sqrt + eps) * -step_size


def _sgd_step(xp: Any, p: Any, g: Any, buf: Any, lr: float, wd: float, momentum: float, dampening: float,
              nesterov: bool, maximize: bool, first: bool) -> None:
    """``p`` (and the momentum buffer ``buf``) updated in place; ``first``: the buffer's first step."""
    g = _modified_grad(xp, p, g, maximize, wd)
    if buf is not None:
        if first:
            buf[...] = g
        else:
            buf *= momentum
            buf += g if dampening == 0 else g * (1 - dampening)
        g = g + buf * momentum if nesterov else buf
    p += g * -lr


adam_step = kernel("adam_step", _adam_step, _CPU + "adam_step")
sgd_step = kernel("sgd_step", _sgd_step, _CPU + "sgd_step")
