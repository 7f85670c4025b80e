"""Normalization: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm`` (``F.normalize`` is a composite
in ``nn/functional/_norm.py``).

Batch, layer, group and instance norm in training share one primitive, `_native_norm`: statistics over
some dimensions, an optional affine transform broadcast over the others. Forward and first-order backward are
fused array passes (6 and 9 passes; ``einsum`` does multiply-and-reduce in one); with ``create_graph`` the
backward is the same closed form in tensor ops, so second derivatives work. benchmarks/bench_norm.py measures
it against the composite of tensor ops (about 1.5-2x slower) and PyTorch. Inference-mode batch norm is an
affine map composed of tensor ops.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from .._errors import op_error
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._core import bump, needs_grad, record, wrap, computed_in_float32

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _dot(xp: Any, a: Any, b: Any, dims: tuple) -> Any:
    """``sum(a * b)`` over ``dims`` (kept as size-1 dimensions) in one pass, without the product temporary."""
    ix = _LETTERS[:a.ndim]
    out = "".join(c for i, c in enumerate(ix) if i not in dims)
    r = xp.einsum(f"{ix},{ix}->{out}", a, b)
    return r.reshape(tuple(1 if i in dims else n for i, n in enumerate(a.shape)))


def _native_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, dims: tuple, pshape: tuple, eps: float,
                 name: str) -> tuple[Tensor, Any, Any]:
    """``(x - mean) / sqrt(var + eps) * weight + bias`` with statistics over ``dims``.

    ``weight`` and ``bias`` are reshaped to ``pshape`` (broadcastable to ``x``). Returns the output and the
    batch mean and (biased) variance arrays, kept with ``dims`` as size-1 dimensions.
    """
    d = x._data
    xp = x._device.xp
    count = math.prod(d.shape[i] for i in dims)
    mean = d.mean(axis=dims, keepdims=True)
    xhat = d - mean
    var = _dot(xp, xhat, xhat, dims) / max(count, 1)
    invstd = 1.0 / xp.sqrt(var + eps)
    xhat *= invstd
    y = xhat
    if weight is not None:
        y = xhat * weight._data.reshape(pshape)
    if bias is not None:
        y = y + bias._data.reshape(pshape) if y is xhat else xp.add(y, bias._data.reshape(pshape), out=y)
    out = wrap(y, x._device)
    if needs_grad(x, weight, bias):
        # xhat is kept for the first-order backward; when it is the output itself and the output was changed in
        # place since (a following relu_), the backward rebuilds it from x and the mean
        kept = (xhat, out._version_counter, out._version_counter[0], mean)
        record(out, name, _native_norm_backward, (x, weight, bias), saved=(x,) if weight is None else (x, weight),
               dims=dims, pshape=pshape, eps=eps, kept=kept, invstd=invstd, count=count,
               bias_shape=None if bias is None else bias._data.shape)
    return out, mean, var


def _native_norm_backward(node: Any, g: Tensor) -> tuple:
    saved = node.saved_tensors
    x, w = saved[0], (saved[1] if len(saved) > 1 else None)
    need_x, need_w, need_b = node.needs_input_grad
    dims, pshape, eps, invstd, count = node.dims, node.pshape, node.eps, node.invstd, node.count
    xhat, vc, version, mean = node.kept
    lead = x.ndim - len(pshape)  # parameters broadcast over the leading dims and their own size-1 dims
    pdims = tuple(i for i in range(x.ndim) if i < lead or pshape[i - lead] == 1)
    if STATE.enabled:  # create_graph: the closed form in tensor ops of x, so it differentiates again
        xc = x - x.mean(dims, keepdim=True)
        inv = ((xc * xc).mean(dims, keepdim=True) + eps).rsqrt()
        xh = xc * inv
        gh = g if w is None else g * w.reshape(pshape)
        gx = (gh - gh.mean(dims, keepdim=True) - xh * (gh * xh).mean(dims, keepdim=True)) * inv if need_x else None
        gw = (g * xh).sum(pdims).reshape(w.shape) if need_w and w is not None else None
        gb = g.sum(pdims).reshape(node.bias_shape) if need_b else None
        return gx, gw, gb
    xp, dev, gd = x._device.xp, x._device, g._data
    if vc[0] != version:
        xhat = (x._data - mean) * invstd
    gx = gw = gb = None
    if need_b:
        gb = wrap(gd.sum(axis=pdims).reshape(node.bias_shape), dev)
    if need_w and w is not None:
        gw = wrap(_dot(xp, gd, xhat, pdims).reshape(w.shape), dev)
    if need_x:
        gh = gd if w is None else gd * w._data.reshape(pshape)
        a = gh.mean(axis=dims, keepdims=True)
        r = xhat * (_dot(xp, gh, xhat, dims) / -max(count, 1))
        r += gh
        r -= a
        r *= invstd
        gx = wrap(r, dev)
    return gx, gw, gb


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
        dims = (0,) + tuple(range(2, input.ndim))
        count = input.numel() // c if c else 0
        if training and count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)}; use a batch of at least 2 (or call .eval() for inference)")
        out, mean, var = _native_norm(input, weight, bias, dims, pshape, eps, "NativeBatchNormBackward0")
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
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    return _native_norm(input, weight, bias, dims, shape, eps, "NativeLayerNormBackward0")[0]


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
    y = _native_norm(input.reshape(n, num_groups, -1), None, None, (2,), (), eps, "NativeGroupNormBackward0")[0]
    y = y.reshape(input.shape)
    return _channel_affine(y, weight, bias)


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
    dims = tuple(range(2, input.ndim))
    y = _native_norm(input, None, None, dims, (), eps, "NativeBatchNormBackward0")[0]
    if running_mean is not None or running_var is not None:
        x = input._data.reshape(n, c, -1)
        count = x.shape[2]
        _update(running_mean, x.mean(axis=(0, 2)), momentum)
        _update(running_var, x.var(axis=2).mean(axis=0) * (count / max(count - 1, 1)), momentum)
    return _channel_affine(y, weight, bias)
