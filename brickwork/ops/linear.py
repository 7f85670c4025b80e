"""The affine map ``linear`` (``F.linear``), a primitive beside ``matmul`` (ops/linalg.py).

One node instead of transpose + matmul + add (it is on the hot path of every MLP); its backward is written with
matmuls, so it differentiates again (plain arrays when no graph of the gradient is recorded). ``F.bilinear`` is
composed of tensor ops in ``nn/functional/_linear.py``.
"""

from __future__ import annotations

import math
from typing import Any

from .._errors import op_error
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..kernels import linear as _k
from ._core import device_mismatch, record, wrap, computed_in_float32

__all__ = ["linear"]


@computed_in_float32
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` for input (*, in_features) and weight (out_features, in_features).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.linear(torch.ones(2, 3), torch.ones(4, 3), torch.zeros(4)).shape
        brickwork.Size([2, 4])
    """
    d, w = input._data, weight._data
    if w.ndim != 2 or d.ndim == 0 or d.shape[-1] != w.shape[1]:
        if w.ndim == 2 and d.ndim >= 1:
            rows = 1 if d.ndim == 1 else d.size // max(d.shape[-1], 1)
            raise op_error(RuntimeError, "linear",
                           f"expected input with last dimension {w.shape[1]}, got shape {tuple(d.shape)} "
                           f"(mat1 and mat2 shapes cannot be multiplied ({rows}x{d.shape[-1]} and "
                           f"{w.shape[1]}x{w.shape[0]})); check in_features or reshape the input")
        raise op_error(RuntimeError, "linear",
                       f"expected a 2-D weight and an input with at least 1 dimension, got input "
                       f"{tuple(d.shape)} and weight {tuple(w.shape)}")
    dt = d.dtype  # ``is`` first: comparing NumPy dtypes with ``!=`` is slow, and equal builtin dtypes are one object
    if (dt is not w.dtype and dt != w.dtype) or (bias is not None and bias._data.dtype is not dt
                                                  and bias._data.dtype != dt):
        raise op_error(RuntimeError, "linear",
                       f"mat1 and mat2 must have the same dtype, but got {input.dtype} and "
                       f"{weight.dtype}{'' if bias is None else f' (bias {bias.dtype})'}; convert one, e.g. "
                       f"input.to({weight.dtype})")
    if input._device is not weight._device or (bias is not None and bias._device is not input._device):
        raise device_mismatch("linear", input,
                              weight if weight._device is not input._device or bias is None else bias)
    bd = None if bias is None else bias._data
    if bd is not None and bd.ndim and bd.shape != (w.shape[0],):
        raise op_error(RuntimeError, "linear", f"expected bias of shape ({w.shape[0]},), got {tuple(bd.shape)}")
    out = wrap(input._device.backend.affine(d, w, bd), input._device)  # the backend's fastest product
    if STATE.enabled and (input._requires_grad or weight._requires_grad or (bias is not None and bias._requires_grad)):
        record(out, "AddmmBackward0" if bias is not None else "MmBackward0", _linear_backward, (input, weight, bias),
               saved=(input, weight), bias_shape=None if bias is None else bias._data.shape)
    return out


def _rows(a: Any) -> Any:
    """``a`` as a matrix of rows: its leading dimensions flattened (a view when ``a`` is contiguous)."""
    return a if a.ndim == 2 else a.reshape(math.prod(a.shape[:-1]), a.shape[-1])



def _linear_backward(node: Any, g: Tensor) -> tuple:
    x, w = node.saved_tensors
    need_x, need_w, need_b = node.needs_input_grad
    bias_shape = node.bias_shape
    gd, xd, wd = g._data, x._data, w._data
    if not STATE.enabled and gd.dtype == xd.dtype:  # first order: arrays only, no tensor-op layers
        dev = g._device
        gx = gw = gb = None
        g2 = _rows(gd)
        if need_x:
            gx = _k.linear_input_grad(dev.xp, g2, wd)
            gx = wrap(gx if gd.ndim == 2 else gx.reshape(xd.shape), dev)
        if need_w:
            gw = wrap(_k.linear_weight_grad(dev.xp, g2, _rows(xd)), dev)
        if need_b:
            # no reshape: an owned array (not a view) becomes .grad without a copy
            gb = wrap(g2.sum(0) if len(bias_shape) else g2.sum(), dev)
        return gx, gw, gb
    gx = g.matmul(w) if need_x else None
    gw = gb = None
    if need_w or need_b:
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        if need_w:
            gw = g2.mT.matmul(x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x)
        if need_b:  # a 0-d bias is broadcast over everything
            gb = g2.sum(0).reshape(bias_shape) if len(bias_shape) else g2.sum()
    return gx, gw, gb
