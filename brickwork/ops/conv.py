"""Convolutions: ``conv1d``, ``conv2d``, ``conv_transpose1d``, ``conv_transpose2d``, ``unfold`` and ``fold``.

Everything is one 2-d convolution (1-d inputs get a height of 1) built from three primitives that are each
other's gradients, so every derivative order works:

* ``_conv(x, w)``   the forward convolution;
* ``_conv_t(g, w)`` its gradient with respect to ``x``, i.e. the transposed convolution;
* ``_conv_w(x, g)`` its gradient with respect to ``w``.

For ``T(x, w, g) = <conv(x, w), g>`` each primitive is the partial derivative of ``T`` by one argument, so the
backward of each is written with the other two.

The array work of the three primitives is in `brickwork.kernels.conv` (a NumPy/CuPy reference with
wide columns, and a compiled CPU kernel: Numba im2col/col2im per cached chunk of samples); here are the argument
checks, the geometry and the graph.
"""

from __future__ import annotations

from typing import Any

from .._errors import op_error
from .._tensor import Tensor
from ..kernels import conv as _kc
from ._core import computed_in_float32, device_mismatch, needs_grad, record, wrap, xp_of

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold", "int_tuple"]


def int_tuple(v: Any, n: int, name: str, op: str) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints (or of one) as a tuple of ``n`` ints; ``op``'s ValueError otherwise.

    Example:
        >>> from brickwork.ops.conv import int_tuple
        >>> int_tuple(3, 2, "kernel_size", "Conv2d"), int_tuple((1, 2), 2, "stride", "Conv2d")
        ((3, 3), (1, 2))
    """
    if isinstance(v, int):
        return (v,) * n
    t = tuple(v)
    if len(t) == 1:
        t = t * n
    if len(t) != n or not all(isinstance(i, int) for i in t):
        raise op_error(ValueError, op, f"{name} must be an int or a tuple of {n} ints, got {v!r}")
    return t


class _Geometry:
    """Where each output of a 2-d convolution reads its (padded) input; the same for all three primitives."""

    __slots__ = ("n", "c", "h", "w", "o", "kh", "kw", "sh", "sw", "dh", "dw", "pt", "pl", "hp", "wp", "oh", "ow",
                 "groups", "wq", "tail")

    def __init__(self, n: int, c: int, h: int, w: int, o: int, kernel: tuple, stride: tuple, dilation: tuple,
                 pads: tuple, groups: int) -> None:
        (self.kh, self.kw), (self.sh, self.sw), (self.dh, self.dw) = kernel, stride, dilation
        pt, pb, pl, pr = pads
        self.n, self.c, self.h, self.w, self.o, self.groups, self.pt, self.pl = n, c, h, w, o, groups, pt, pl
        self.hp, self.wp = h + pt + pb, w + pl + pr
        self.oh = (self.hp - self.dh * (self.kh - 1) - 1) // self.sh + 1
        self.ow = (self.wp - self.dw * (self.kw - 1) - 1) // self.sw + 1
        # Wide columns need a unit column stride, and pay wp / ow times the GEMM flops for their long runs:
        # worth it up to about 1.25 (measured at LeNet's shapes: 28 / 24 gains, 12 / 8 loses).
        wide = self.sw == 1 and 4 * self.wp <= 5 * self.ow
        self.wq = self.wp if wide else self.ow
        self.tail = (self.kw - 1) * self.dw if wide else 0  # wide reads run past the last row


def _geometry(op: str, x_shape: tuple, w_shape: tuple, stride: Any, padding: Any, dilation: Any, groups: int,
              nd: int) -> _Geometry:
    """Check a convolution's arguments (in PyTorch's 1-d or 2-d form) and return its 2-d geometry."""
    stride = int_tuple(stride, nd, "stride", op)
    dilation = int_tuple(dilation, nd, "dilation", op)
    kernel = tuple(w_shape[2:])
    if any(s <= 0 for s in stride):
        raise op_error(RuntimeError, op, f"stride must be positive, got {stride}")
    if any(d <= 0 for d in dilation):
        raise op_error(RuntimeError, op, f"dilation must be positive, got {dilation}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise op_error(ValueError, op,
                               f"padding='same' is not supported for strided convolutions (stride "
                               f"{stride}); pass explicit padding instead")
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            pads = tuple((t // 2, t - t // 2) for t in total)  # PyTorch puts the odd one on the right
        else:
            raise op_error(ValueError, op, f"invalid padding string {padding!r}; expected 'same', 'valid' or int(s)")
    else:
        p = int_tuple(padding, nd, "padding", op)
        if any(v < 0 for v in p):
            raise op_error(RuntimeError, op, f"negative padding is not supported, got {p}")
        pads = tuple((v, v) for v in p)
    if groups <= 0:
        raise op_error(RuntimeError, op, f"groups must be a positive integer, got {groups}")
    n, c = x_shape[0], x_shape[1]
    o = w_shape[0]
    if o % groups:
        raise op_error(RuntimeError, op,
                       f"out_channels ({o}, the weight's first dimension) must be divisible by groups "
                       f"({groups})")
    if c != w_shape[1] * groups:
        raise op_error(RuntimeError, op,
                       f"given groups={groups}, weight of size {list(w_shape)}, expected input{list(x_shape)} to have "
                       f"{w_shape[1] * groups} channels, but got {c} channels instead; check in_channels of the layer "
                       "or the layout of the input (channels come right after the batch dimension)")
    if nd == 1:
        g = _Geometry(n, c, 1, x_shape[2], o, (1,) + kernel, (1,) + stride, (1,) + dilation,
                      (0, 0) + pads[0], groups)
    else:
        g = _Geometry(n, c, x_shape[2], x_shape[3], o, kernel, stride, dilation, pads[0] + pads[1], groups)
    if g.oh <= 0 or g.ow <= 0:
        padded = (g.wp,) if nd == 1 else (g.hp, g.wp)
        eff = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
        raise op_error(RuntimeError, op,
                       f"calculated padded input size per channel {padded} is smaller than the "
                       f"(dilated) kernel size {eff}; use a larger input, more padding or a smaller kernel")
    return g


# -- the three primitives ------------------------------------------------------------------------------------

def _conv(x: Tensor, w: Tensor, b: Tensor | None, g: _Geometry) -> Tensor:
    grad = needs_grad(x, w, b)
    y, cols = _kc.conv2d_forward(x._device.xp, x._data, w._data, None if b is None else b._data, g,
                                 grad and w._requires_grad)
    out = wrap(y, x._device)
    if grad:
        record(out, "ConvolutionBackward0", _conv_backward, (x, w, b), saved=(x, w), geometry=g, cols=cols)
    return out


def _conv_backward(node: Any, gy: Tensor) -> tuple:
    x, w = node.saved_tensors
    need_x, need_w, need_b = node.needs_input_grad
    g = node.geometry
    cols, node.cols = node.cols, None  # used once; a retain_graph second pass rebuilds them
    return (_conv_t(gy, w, g) if need_x else None, _conv_w(x, gy, g, cols) if need_w else None,
            gy.sum((0, 2, 3)) if need_b else None)


def _conv_t(gy: Tensor, w: Tensor, g: _Geometry) -> Tensor:
    out = wrap(_kc.conv2d_input(gy._device.xp, gy._data, w._data, g), gy._device)
    if needs_grad(gy, w):
        record(out, "ConvolutionBackward0", _conv_t_backward, (gy, w), saved=(gy, w), geometry=g)
    return out


def _conv_t_backward(node: Any, u: Tensor) -> tuple:
    gy, w = node.saved_tensors
    need_gy, need_w = node.needs_input_grad
    g = node.geometry
    return (_conv(u, w, None, g) if need_gy else None, _conv_w(u, gy, g) if need_w else None)


def _conv_w(x: Tensor, gy: Tensor, g: _Geometry, cols: Any = None) -> Tensor:
    out = wrap(_kc.conv2d_weight(x._device.xp, x._data, gy._data, g, cols), x._device)
    if needs_grad(x, gy):
        record(out, "ConvolutionBackwardBackward0", _conv_w_backward, (x, gy), saved=(x, gy), geometry=g)
    return out


def _conv_w_backward(node: Any, v: Tensor) -> tuple:
    x, gy = node.saved_tensors
    need_x, need_gy = node.needs_input_grad
    g = node.geometry
    return (_conv_t(gy, v, g) if need_x else None, _conv(x, v, None, g) if need_gy else None)


# -- public functions ------------------------------------------------------------------------------------

def _check(op: str, input: Tensor, weight: Tensor, bias: Tensor | None, nd: int) -> bool:
    """Validate ranks, dtypes and devices; returns whether ``input`` is unbatched."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise op_error(TypeError, op,
                       f"expected input and weight to be Tensors, got {type(input).__name__} and "
                       f"{type(weight).__name__}")
    if input.ndim not in (nd + 1, nd + 2):
        raise op_error(RuntimeError, op,
                       f"expected {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, but got input "
                       f"of size {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise op_error(RuntimeError, op, f"expected a {nd + 2}-D weight, got size {list(weight.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is None:
            continue
        if t._data.dtype != input._data.dtype:
            raise op_error(RuntimeError, op,
                           f"input type ({input.dtype}) and {name} type ({t.dtype}) should be the same; "
                           f"convert one, e.g. input.to({t.dtype})")
        if t._device is not input._device:
            raise device_mismatch(f"{op} ({name})", input, t)
    if not input.is_floating_point():
        raise op_error(RuntimeError, op,
                       f"expected a floating point input, got {input.dtype}; call input.float() first")
    return input.ndim == nd + 1


def _check_bias(op: str, bias: Tensor | None, channels: int) -> None:
    if bias is not None and tuple(bias.shape) != (channels,):
        raise op_error(RuntimeError, op, f"expected bias of shape ({channels},), got {tuple(bias.shape)}")


def _convnd(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
            dilation: Any, groups: int) -> Tensor:
    unbatched = _check(op, input, weight, bias, nd)
    x = input.unsqueeze(0) if unbatched else input
    g = _geometry(op, tuple(x.shape), tuple(weight.shape), stride, padding, dilation, groups, nd)
    _check_bias(op, bias, g.o)
    if nd == 1:
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
    out = _conv(x, weight, bias, g)
    if nd == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


@computed_in_float32
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-d convolution (cross-correlation) of ``input`` (N, C_in, L) with ``weight`` (C_out, C_in/groups, k).

    ``padding`` is an int, a 1-tuple, ``'valid'`` (none) or ``'same'`` (output length = input length).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.conv1d(torch.ones(1, 1, 5), torch.ones(1, 1, 3)).tolist()
        [[[3.0, 3.0, 3.0]]]
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@computed_in_float32
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-d convolution (cross-correlation) of ``input`` (N, C_in, H, W) with ``weight`` (C_out, C_in/groups, kH, kW).

    ``padding`` is an int, a pair, ``'valid'`` or ``'same'`` (stride 1 only; an odd total goes to the right).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.conv2d(torch.ones(1, 1, 4, 4), torch.ones(2, 1, 3, 3), padding=1).shape
        brickwork.Size([1, 2, 4, 4])
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                      padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    unbatched = _check(op, input, weight, bias, nd)
    x = input.unsqueeze(0) if unbatched else input
    if isinstance(padding, str):
        raise op_error(ValueError, op,
                       f"string padding ({padding!r}) is not supported for transposed convolutions; "
                       "pass ints")
    s, p = int_tuple(stride, nd, "stride", op), int_tuple(padding, nd, "padding", op)
    d, op_ = int_tuple(dilation, nd, "dilation", op), int_tuple(output_padding, nd, "output_padding", op)
    for i in range(nd):
        if op_[i] >= max(s[i], d[i]) or op_[i] < 0:
            raise op_error(RuntimeError, op,
                           f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={op_}, stride={s}, dilation={d}")
    if x.shape[1] != weight.shape[0]:
        raise op_error(RuntimeError, op,
                       f"given transposed=1, weight of size {list(weight.shape)}, expected input"
                       f"{list(x.shape)} to have {weight.shape[0]} channels, but got {x.shape[1]} channels "
                       "instead; check in_channels of the layer")
    if weight.shape[0] % groups:
        raise op_error(RuntimeError, op, f"in_channels ({weight.shape[0]}) must be divisible by groups ({groups})")
    k = tuple(weight.shape[2:])
    size = tuple((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op_[i] + 1 for i in range(nd))
    if any(v <= 0 for v in size):
        raise op_error(RuntimeError, op,
                       f"the output size {size} computed from input size {tuple(x.shape[2:])} is not "
                       "positive; reduce padding or increase stride/kernel")
    out_shape = (x.shape[0], weight.shape[1] * groups) + size
    g = _geometry(op, out_shape, tuple(weight.shape), s, p, d, groups, nd)
    _check_bias(op, bias, out_shape[1])
    if nd == 1:
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
    out = _conv_t(x, weight, g)
    if nd == 1:
        out = out.squeeze(2)
    if bias is not None:
        out = out + bias.reshape((-1,) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


@computed_in_float32
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-d transposed convolution ("deconvolution"): the gradient of `conv1d` with respect to its input.

    ``weight`` has shape (C_in, C_out/groups, k); the output length is
    ``(L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.conv_transpose1d(torch.ones(1, 1, 3), torch.ones(1, 1, 2)).tolist()
        [[[1.0, 2.0, 2.0, 1.0]]]
    """
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


@computed_in_float32
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-d transposed convolution: the gradient of `conv2d` with respect to its input.

    ``weight`` has shape (C_in, C_out/groups, kH, kW); each output size is
    ``(in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.conv_transpose2d(torch.ones(1, 1, 2, 2), torch.ones(1, 3, 2, 2), stride=2).shape
        brickwork.Size([1, 3, 4, 4])
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


# -- unfold / fold: im2col as a differentiable op --------------------------------------------------------

def _unfold_geometry(op: str, n: int, c: int, size: tuple, kernel_size: Any, dilation: Any, padding: Any,
                     stride: Any) -> _Geometry:
    k = int_tuple(kernel_size, 2, "kernel_size", op)
    p = int_tuple(padding, 2, "padding", op)
    return _geometry(op, (n, c) + tuple(size), (1, c) + k, stride, p, dilation, 1, 2)


def _unfold(x: Tensor, g: _Geometry) -> Tensor:
    cols = _kc.im2col(x._data, g).reshape(x.shape[0], -1, g.oh, g.wq)[..., :g.ow]
    out = wrap(xp_of(cols).ascontiguousarray(cols).reshape(x.shape[0], -1, g.oh * g.ow), x._device)
    if needs_grad(x):
        record(out, "Im2ColBackward0", _unfold_backward, (x,), geometry=g)
    return out


def _unfold_backward(node: Any, u: Tensor) -> tuple:
    return (_fold(u, node.geometry),)


def _fold(cols: Tensor, g: _Geometry) -> Tensor:
    c = cols._data.reshape(cols.shape[0], -1, g.oh, g.ow)
    if g.wq != g.ow:
        wide = xp_of(c).zeros(c.shape[:3] + (g.wq,), c.dtype)
        wide[..., :g.ow] = c
        c = wide
    out = wrap(_kc.col2im(c.reshape(c.shape[0], -1, g.oh * g.wq), g), cols._device)
    if needs_grad(cols):
        record(out, "Col2ImBackward0", _fold_backward, (cols,), geometry=g)
    return out


def _fold_backward(node: Any, u: Tensor) -> tuple:
    return (_unfold(u, node.geometry),)


@computed_in_float32
def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:
    """Sliding local blocks of a batched image (im2col): (N, C, H, W) -> (N, C * kH * kW, L).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.unfold(torch.arange(9.0).reshape(1, 1, 3, 3), 2).tolist()
        [[[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]]
    """
    if input.ndim not in (3, 4):
        raise op_error(RuntimeError, "unfold", f"expected a 3-D or 4-D input, got size {list(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    g = _unfold_geometry("unfold", x.shape[0], x.shape[1], tuple(x.shape[2:]), kernel_size, dilation, padding,
                         stride)
    out = _unfold(x, g)
    return out.squeeze(0) if unbatched else out


@computed_in_float32
def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Sum sliding local blocks back into an image (col2im): (N, C * kH * kW, L) -> (N, C, *output_size).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.fold(torch.ones(1, 4, 4), (3, 3), 2).tolist()
        [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    if input.ndim not in (2, 3):
        raise op_error(RuntimeError, "fold", f"expected a 2-D or 3-D input, got size {list(input.shape)}")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    k = int_tuple(kernel_size, 2, "kernel_size", "fold")
    if x.shape[1] % (k[0] * k[1]):
        raise op_error(RuntimeError, "fold",
                       f"expected size of input's dimension 1 to be divisible by the product of "
                       f"kernel_size {k}, but got input.size(1)={x.shape[1]}")
    size = int_tuple(output_size, 2, "output_size", "fold")
    g = _unfold_geometry("fold", x.shape[0], x.shape[1] // (k[0] * k[1]), size, k, dilation, padding, stride)
    if x.shape[2] != g.oh * g.ow:
        raise op_error(RuntimeError, "fold",
                       f"given output_size={size}, kernel_size={k}, dilation, padding and stride, "
                       f"expected input.size(2) to be {g.oh * g.ow} blocks, but got {x.shape[2]}")
    out = _fold(x, g)
    return out.squeeze(0) if unbatched else out
