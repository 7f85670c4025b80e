"""3-d convolutions, composed: ``conv3d`` is a sum over the kernel's depth of ``conv2d`` on strided depth slices,
and ``conv_transpose3d`` the matching sum of ``conv_transpose2d`` outputs placed at their depths, so both
differentiate through the 2-d primitives."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from ...ops.conv import int_tuple as _tuple
from ._conv import conv2d, conv_transpose2d
from ._pad import pad

__all__ = ["conv3d", "conv_transpose3d"]


def _check(op: str, input: Tensor, weight: Tensor, groups: int, transposed: bool) -> bool:
    if weight.dim() != 5:
        raise op_error(RuntimeError, op, f"expected a 5-D weight, got shape {tuple(weight.shape)}")
    if input.dim() not in (4, 5):
        raise op_error(RuntimeError, op,
                       f"Expected 4D (unbatched) or 5D (batched) input to {op}, but got input of size: "
                       f"{list(input.shape)}")
    c = input.shape[-4]
    want = weight.shape[0] if transposed else weight.shape[1] * groups
    if c != want:
        raise op_error(RuntimeError, op,
                       f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                       f"{list(input.shape)} to have {want} channels, but got {c} channels instead")
    return input.dim() == 4


def _same_padding(x: Tensor, k: tuple, d: tuple) -> Tensor:
    total = [dd * (kk - 1) for kk, dd in zip(k, d)]
    flat = [v for t in reversed(total) for v in (t // 2, t - t // 2)]
    return pad(x, flat)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-d convolution of ``input`` (N, C_in, D, H, W) with ``weight`` (C_out, C_in/groups, kD, kH, kW).

    ``padding`` is an int, a triple, ``'valid'`` or ``'same'`` (stride 1; an odd total goes to the far side).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.conv3d(torch.ones(1, 1, 3, 3, 3), torch.ones(2, 1, 2, 2, 2)).shape
        brickwork.Size([1, 2, 2, 2, 2])
    """
    op = "conv3d"
    unbatched = _check(op, input, weight, groups, False)
    x = input.unsqueeze(0) if unbatched else input
    s, d = _tuple(stride, 3, "stride", op), _tuple(dilation, 3, "dilation", op)
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise op_error(ValueError, op, f"invalid padding string {padding!r}, should be one of ('valid', 'same')")
        if padding == "same":
            if any(v != 1 for v in s):
                raise op_error(ValueError, op, f"padding='same' is not supported for strided convolutions")
            x = _same_padding(x, k, d)
        p: tuple[int, ...] = (0, 0, 0)
    else:
        p = _tuple(padding, 3, "padding", op)
    if p[0]:
        x = pad(x, (0, 0, 0, 0, p[0], p[0]))
    n, _, depth, h, w = x.shape
    out_d = (depth - d[0] * (k[0] - 1) - 1) // s[0] + 1
    if out_d <= 0:
        raise op_error(RuntimeError, op,
                       f"calculated padded input size per channel ({depth} x {h} x {w}) is smaller than "
                       f"the kernel's ({k}); use a larger input or more padding")
    terms = []
    for i in range(k[0]):
        start = i * d[0]
        sl = x[:, :, start:start + s[0] * (out_d - 1) + 1:s[0]]  # (N, C, out_d, H, W)
        planes = sl.permute(0, 2, 1, 3, 4).reshape(n * out_d, x.shape[1], h, w)
        terms.append(conv2d(planes, weight[:, :, i], None, s[1:], p[1:], d[1:], groups))
    total = sum(terms[1:], terms[0])
    out = total.reshape(n, out_d, *total.shape[1:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-d transposed convolution: the gradient of `conv3d` with respect to its input.

    ``weight`` has shape (C_in, C_out/groups, kD, kH, kW); each output size is
    ``(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.conv_transpose3d(torch.ones(1, 1, 2, 2, 2), torch.ones(1, 3, 2, 2, 2), stride=2).shape
        brickwork.Size([1, 3, 4, 4, 4])
    """
    op = "conv_transpose3d"
    unbatched = _check(op, input, weight, groups, True)
    x = input.unsqueeze(0) if unbatched else input
    if isinstance(padding, str):
        raise op_error(ValueError, op, f"string padding ({padding!r}) is not supported for transposed convolutions")
    s, p = _tuple(stride, 3, "stride", op), _tuple(padding, 3, "padding", op)
    d, o = _tuple(dilation, 3, "dilation", op), _tuple(output_padding, 3, "output_padding", op)
    if any(oo >= max(ss, dd) or oo < 0 for oo, ss, dd in zip(o, s, d)):
        raise op_error(RuntimeError, op,
                       f"output padding must be smaller than either stride or dilation, but got "
                       f"output_padding={o}, stride={s}, dilation={d}")
    n, c, depth, h, w = x.shape
    k = tuple(weight.shape[2:])
    out_d = (depth - 1) * s[0] - 2 * p[0] + d[0] * (k[0] - 1) + o[0] + 1
    full = max((depth - 1) * s[0] + d[0] * (k[0] - 1) + 1, out_d + p[0])
    planes = x.permute(0, 2, 1, 3, 4).reshape(n * depth, c, h, w)
    terms = []
    for i in range(k[0]):
        y = conv_transpose2d(planes, weight[:, :, i], None, s[1:], p[1:], o[1:], groups, d[1:])
        y = y.reshape(n, depth, *y.shape[1:])  # (N, D_in, C_out, H_out, W_out)
        if s[0] > 1:  # put D_in planes s apart: interleave zero planes, then drop the trailing ones
            y = ops.stack([y] + [ops.zeros_like(y)] * (s[0] - 1), 2).reshape(n, depth * s[0], *y.shape[2:])
            y = y[:, :(depth - 1) * s[0] + 1]
        front = i * d[0]
        y = pad(y, (0, 0, 0, 0, 0, 0, front, full - front - y.shape[1]))
        terms.append(y)
    total = sum(terms[1:], terms[0])
    out = total[:, p[0]:p[0] + out_d].permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(-1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out
