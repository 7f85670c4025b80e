"""Gradient clipping: `clip_grad_norm_` and `clip_grad_value_`.

Both work on the gradient arrays in place (one pass per gradient, grouped by device, no host round trip
except to combine norms from several devices) and bump each gradient's version counter.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from ..._tensor import Tensor, _make

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float | str = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector.

    Computed on the first tensor's device without a host round trip (tensors on other devices send it their
    partial sums).

    Example:
        >>> import brickwork as torch
        >>> get_total_norm([torch.tensor([3.0]), torch.tensor([4.0])])
        tensor(5.)
    """
    ts = [tensors] if isinstance(tensors, Tensor) else [t for t in tensors if t is not None]
    if not ts:
        from ...ops.creation import tensor

        return tensor(0.0)
    p = float(norm_type)
    first = ts[0]._device
    by_device: dict[Any, list[Any]] = {}
    for t in ts:
        by_device.setdefault(t._device, []).append(t._data)
    parts = []
    for dev, arrays in by_device.items():
        part = _partial(dev.xp, arrays, p)
        parts.append(part if dev is first else first.backend.from_host(dev.backend.to_host(part), first.index))
    xp = first.xp
    stacked = xp.stack(parts)
    total = stacked.max() if p == math.inf else stacked.min() if p == -math.inf else stacked.sum() ** (1.0 / p)
    dt = ts[0]._data.dtype if ts[0]._data.dtype.kind == "f" else np.dtype(np.float32)
    out = _make(xp.asarray(total, dtype=dt), first)
    if error_if_nonfinite and not bool(xp.isfinite(out._data)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    return out


def _partial(xp: Any, arrays: list[Any], p: float) -> Any:
    """The max/min of ``|a|`` (p = +-inf) or the sum of ``|a|^p`` over ``arrays``, as a 0-d array (>= float32)."""
    arrays = [a if a.dtype.itemsize >= 4 else a.astype(np.float32) for a in arrays if a.size]
    if not arrays:
        return xp.asarray(math.inf if p == -math.inf else 0.0, dtype=np.float32)
    if p == math.inf:
        return xp.stack([xp.abs(a).max() for a in arrays]).max()
    if p == -math.inf:
        return xp.stack([xp.abs(a).min() for a in arrays]).min()
    if p == 2:
        return xp.stack([xp.vdot(a.ravel(), a.ravel()) for a in arrays]).sum()
    return xp.stack([(xp.abs(a) ** p).sum() for a in arrays]).sum()


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float | str = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale the gradients in place so their total norm is at most ``max_norm``; returns the norm before.

    The total norm is that of all gradients concatenated; each is multiplied by
    ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` to clip.
        max_norm: the largest allowed norm.
        norm_type: the p of the p-norm (``inf`` for the largest absolute value).
        error_if_nonfinite: raise if the total norm is nan or inf instead of scaling by it.
        foreach: accepted for compatibility (the clipping is already one pass per gradient).

    Example:
        >>> import brickwork as torch
        >>> w = torch.nn.Parameter(torch.zeros(2)); w.grad = torch.tensor([3.0, 4.0])
        >>> torch.nn.utils.clip_grad_norm_([w], 1.0), w.grad
        (tensor(5.), tensor([0.6000, 0.8000]))
    """
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if not grads:
        return total
    xp = total._device.xp
    coef = xp.minimum(float(max_norm) / (total._data + 1e-6), 1.0)  # nan stays nan, as in PyTorch
    for g in grads:
        c = coef if g._device is total._device else g._device.backend.from_host(
            total._device.backend.to_host(coef), g._device.index)
        g._data *= c.astype(g._data.dtype)
        g._version_counter[0] += 1
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place.

    Example:
        >>> import brickwork as torch
        >>> w = torch.nn.Parameter(torch.zeros(2)); w.grad = torch.tensor([-3.0, 0.5])
        >>> torch.nn.utils.clip_grad_value_([w], 1.0); w.grad
        tensor([-1.0000,  0.5000])
    """
    v = float(clip_value)
    for g in _grads(parameters):
        g._device.xp.clip(g._data, -v, v, out=g._data)
        g._version_counter[0] += 1
