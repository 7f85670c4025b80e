"""Normalization: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm`` (``F.normalize`` is a composite
in ``nn/functional/_norm.py``).

Batch, layer, group and instance norm in training share one primitive, `_fused_norm`: the input seen as
rows (layer norm), channels (batch norm) or groups (group and instance norm), normalized by the kernels of
``brickwork/kernels/norm.py`` (on the CPU one compiled pass forward and one backward); with ``create_graph`` the
backward is the same closed form in tensor ops, so second derivatives work. Inference-mode batch norm is an
affine map composed of tensor ops.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from .._errors import op_error
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..kernels import norm as _kn
from ._core import bump, needs_grad, record, wrap, computed_in_float32

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]

# per kind: the kernels, the dimensions of the statistics and of the parameter sums in the kernel's view of x,
# and the shape the (flat) parameters take to broadcast in that view
_KINDS: dict[str, tuple[Any, Any, tuple, tuple, Any]] = {
    "layer": (_kn.layer_norm_forward, _kn.layer_norm_backward, (1,), (0,), lambda v: (v[1],)),  # (R, N)
    "batch": (_kn.batch_norm_forward, _kn.batch_norm_backward, (0, 2), (0, 2), lambda v: (v[1], 1)),  # (N, C, L)
    "group": (_kn.group_norm_forward, _kn.group_norm_backward, (2, 3), (0, 3), lambda v: (v[1], v[2], 1)),
}  # group: (N, G, C / G, L)


def _fused_norm(kind: str, x: Tensor, view: tuple, weight: Tensor | None, bias: Tensor | None, eps: float,
                name: str) -> tuple[Tensor, tuple]:
    """``(x - mean) * rstd * weight + bias``, with ``x`` seen as ``view`` and the statistics of ``kind``.

    One node, ``name``, whose first-order backward is the kernel's and whose ``create_graph`` backward is the
    same closed form in tensor ops (so it differentiates again). Returns the output and the kernel's statistics
    (``(mean, rstd)``; batch norm ``(mean, var, rstd)``).
    """
    xp = x._device.xp
    forward = _KINDS[kind][0]
    w = None if weight is None else weight._data.reshape(-1)
    b = None if bias is None else bias._data.reshape(-1)
    y, *stats = forward(xp, x._data, view, w, b, eps)
    out = wrap(y, x._device)
    if needs_grad(x, weight, bias):
        record(out, name, _fused_norm_backward, (x, weight, bias), saved=(x,) if weight is None else (x, weight),
               kind=kind, view=view, mean=stats[0], rstd=stats[-1], eps=eps,
               bias_shape=None if bias is None else bias._data.shape)
    return out, tuple(stats)


def _fused_norm_backward(node: Any, g: Tensor) -> tuple:
    saved = node.saved_tensors
    x, w = saved[0], (saved[1] if len(saved) > 1 else None)
    need_x, need_w, need_b = node.needs_input_grad
    need_w = need_w and w is not None
    _, backward, dims, pdims, pshape = _KINDS[node.kind]
    view = node.view
    if STATE.enabled:  # create_graph: the closed form in tensor ops of x, so it differentiates again
        xv, gv = x.reshape(view), g.reshape(view)
        xc = xv - xv.mean(dims, keepdim=True)
        inv = ((xc * xc).mean(dims, keepdim=True) + node.eps).rsqrt()
        xh = xc * inv
        gh = gv if w is None else gv * w.reshape(pshape(view))
        gx = (gh - gh.mean(dims, keepdim=True) - xh * (gh * xh).mean(dims, keepdim=True)) * inv if need_x else None
        gw = (gv * xh).sum(pdims).reshape(w.shape) if need_w and w is not None else None
        gb = gv.sum(pdims).reshape(node.bias_shape) if need_b else None
        return None if gx is None else gx.reshape(x.shape), gw, gb
    xp, dev = x._device.xp, x._device
    gx, gw, gb = backward(xp, g._data, x._data, view, node.mean, node.rstd,
                          None if w is None else w._data.reshape(-1), need_x, need_w, need_b)
    return (None if gx is None else wrap(gx, dev),
            None if gw is None or w is None else wrap(_shaped(gw, w._data.shape), dev),
            None if gb is None else wrap(_shaped(gb, node.bias_shape), dev))


def _shaped(a: Any, shape: tuple) -> Any:
    return a if a.shape == shape else a.reshape(shape)  # a fresh array stays one (autograd keeps it without a copy)


def _channel_shape(x: Tensor) -> tuple:
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _channel_affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """``y * weight + bias`` with per-channel (dimension 1) ``weight`` and ``bias``, each optional."""
    pshape = _channel_shape(y)
    if weight is not None:
        y = y * weight.reshape(pshape)
    if bias is not None:
        y = y + bias.reshape(pshape)
    return y


@computed_in_float32
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-05) -> Tensor:
    """Batch normalization over all dimensions but the channel dimension 1.

    In training (or without running statistics) normalizes with the batch statistics and, if given, updates
    ``running_mean``/``running_var`` in place: ``running = (1 - momentum) * running + momentum * batch`` (the
    variance unbiased). Otherwise normalizes with the running statistics.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> rm, rv = torch.zeros(2), torch.ones(2)
        >>> y = F.batch_norm(torch.tensor([[1.0, 2.0], [3.0, 6.0]]), rm, rv, training=True)
        >>> y
        tensor([[-1.0000, -1.0000],
                [ 1.0000,  1.0000]])
        >>> rm
        tensor([0.2000, 0.4000])
    """
    if input.ndim < 2:
        raise op_error(ValueError, "batch_norm",
                       f"expected at least 2-D input (N, C, ...), got size {list(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and t.numel() != c:
            raise op_error(RuntimeError, "batch_norm",
                           f"{name} should contain {c} elements (one per channel of input "
                           f"{list(input.shape)}), not {t.numel()}")
    pshape = _channel_shape(input)
    if training or running_mean is None or running_var is None:
        count = input.numel() // c if c else 0
        if training and count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}; use a batch of at least 2 (or call .eval() for inference)")
        view = (input.shape[0], c, count // max(input.shape[0], 1))
        out, (mean, var, _) = _fused_norm("batch", input, view, weight, bias, eps, "NativeBatchNormBackward0")
        if training:
            _update(running_mean, mean, momentum)
            _update(running_var, var * (count / max(count - 1, 1)), momentum)
        return out
    scale = (running_var.detach() + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean.detach() * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(pshape) + shift.reshape(pshape)


def _update(running: Tensor | None, batch: Any, momentum: float) -> None:
    if running is None:
        return
    d = running._data
    d *= 1 - momentum
    d += (momentum * batch.reshape(d.shape)).astype(d.dtype, copy=False)
    bump(running)


def _normalized_dims(op: str, input: Tensor, normalized_shape: Any) -> tuple:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise op_error(RuntimeError, op,
                       f"given normalized_shape={list(shape)}, expected input with shape [*, "
                       f"{', '.join(map(str, shape))}], but got input of size {list(input.shape)}")
    return shape


@computed_in_float32
def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-05) -> Tensor:
    """Layer normalization over the last ``len(normalized_shape)`` dimensions, then ``* weight + bias``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.layer_norm(torch.tensor([[1.0, 3.0]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    shape = _normalized_dims("layer_norm", input, normalized_shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise op_error(RuntimeError, "layer_norm", f"expected {name} of shape {list(shape)}, got {list(t.shape)}")
    n = math.prod(shape)
    view = (input.numel() // n if n else 0, n)
    return _fused_norm("layer", input, view, weight, bias, eps, "NativeLayerNormBackward0")[0]


@computed_in_float32
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-05) -> Tensor:
    """Group normalization over ``num_groups`` groups of channels.

    Each group is normalized over its channels and all spatial positions, then a per-channel
    ``* weight + bias`` is applied.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.group_norm(torch.arange(8.0).reshape(1, 4, 2), 2).shape
        brickwork.Size([1, 4, 2])
    """
    if input.ndim < 2:
        raise op_error(RuntimeError, "group_norm",
                       f"expected at least 2-D input (N, C, *), got size {list(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise op_error(RuntimeError, "group_norm",
                       f"expected number of channels in input ({c}) to be divisible by "
                       f"num_groups ({num_groups}); choose num_groups dividing {c}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise op_error(RuntimeError, "group_norm",
                           f"expected {name} with {c} elements (one per channel), got {list(t.shape)}")
    view = (n, num_groups, c // num_groups, math.prod(input.shape[2:]))
    return _fused_norm("group", input, view, weight, bias, eps, "NativeGroupNormBackward0")[0]


@computed_in_float32
def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-05) -> Tensor:
    """Instance normalization: each (sample, channel) plane normalized over its spatial positions.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.instance_norm(torch.tensor([[[1.0, 3.0]]]))
        tensor([[[-1.0000,  1.0000]]])
    """
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    n, c = input.shape[0], input.shape[1]
    y = _fused_norm("group", input, (n, c, 1, math.prod(input.shape[2:])), None, None, eps,
                    "NativeBatchNormBackward0")[0]
    if running_mean is not None or running_var is not None:
        x = input._data.reshape(n, c, -1)
        count = x.shape[2]
        _update(running_mean, x.mean(axis=(0, 2)), momentum)
        _update(running_var, x.var(axis=2).mean(axis=0) * (count / max(count - 1, 1)), momentum)
    return _channel_affine(y, weight, bias)
