"""Converters for ``brickwork.nn.functional``: layers, activations, normalisation, pooling, attention."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .._tensor import Tensor
from ._ops import _axes, _dt, _pair, _pnorm, _reshape, _variance, converts


def _with_batch(g: Any, input: Tensor, spatial: int, body: Any) -> str:
    """Run ``body(name)`` on a batched input; an unbatched one gets a batch axis added and removed."""
    if input.ndim == spatial + 1:
        x = g.op("Unsqueeze", g.name(input), g.ints([0]))
        return g.op("Squeeze", body(x), g.ints([0]))
    return body(g.name(input))


# -- linear and convolution -------------------------------------------------------------------------------------

@converts("F.linear")
def _linear(g: Any, out: Tensor, input: Tensor, weight: Tensor, bias: Tensor | None = None) -> str:
    if input.ndim == 2:
        return g.op("Gemm", g.name(input), g.name(weight), None if bias is None else g.name(bias), transB=1)
    y = g.op("MatMul", g.name(input), g.op("Transpose", g.name(weight), perm=[1, 0]))
    return y if bias is None else g.op("Add", y, g.name(bias))


@converts("F.bilinear")
def _bilinear(g: Any, out: Tensor, input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> str:
    y = g.op("Einsum", g.name(input1), g.name(weight), g.name(input2), equation="...i,kij,...j->...k")
    return y if bias is None else g.op("Add", y, g.name(bias))


def _conv_pads(g: Any, padding: Any, n: int, kernel: Sequence[int], dilation: Sequence[int]) -> list[int]:
    if padding == "valid":
        return [0] * (2 * n)
    if padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [t // 2 for t in total] + [t - t // 2 for t in total]
    p = _pair(padding, n)
    return p + p


def _conv(n: int) -> Any:
    def conv(g: Any, out: Tensor, input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
             padding: Any = 0, dilation: Any = 1, groups: int = 1) -> str:
        kernel = [int(k) for k in weight.shape[2:]]
        dil = _pair(dilation, n)
        attrs = dict(kernel_shape=kernel, strides=_pair(stride, n), dilations=dil, group=int(groups),
                     pads=_conv_pads(g, padding, n, kernel, dil))
        return _with_batch(g, input, n, lambda x: g.op("Conv", x, g.name(weight),
                                                      None if bias is None else g.name(bias), **attrs))
    return conv


converts("F.conv1d")(_conv(1))
converts("F.conv2d")(_conv(2))
converts("F.conv3d")(_conv(3))


def _conv_transpose(n: int) -> Any:
    def conv(g: Any, out: Tensor, input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
             padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> str:
        p = _pair(padding, n)
        attrs = dict(kernel_shape=[int(k) for k in weight.shape[2:]], strides=_pair(stride, n),
                     dilations=_pair(dilation, n), group=int(groups), pads=p + p,
                     output_padding=_pair(output_padding, n))
        return _with_batch(g, input, n, lambda x: g.op("ConvTranspose", x, g.name(weight),
                                                      None if bias is None else g.name(bias), **attrs))
    return conv


converts("F.conv_transpose1d")(_conv_transpose(1))
converts("F.conv_transpose2d")(_conv_transpose(2))
converts("F.conv_transpose3d")(_conv_transpose(3))


# -- pooling ----------------------------------------------------------------------------------------------------

def _max_pool(n: int) -> Any:
    def conv(g: Any, out: Any, input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
             dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> str:
        if return_indices:
            raise g.unsupported("return_indices=True is not supported (ONNX indexes differently)")
        k = _pair(kernel_size, n)
        p = _pair(padding, n)
        attrs = dict(kernel_shape=k, strides=_pair(stride if stride not in (None, ()) else kernel_size, n),
                     pads=p + p, dilations=_pair(dilation, n), ceil_mode=int(ceil_mode))
        return _with_batch(g, input, n, lambda x: g.op("MaxPool", x, **attrs))
    return conv


converts("F.max_pool1d")(_max_pool(1))
converts("F.max_pool2d")(_max_pool(2))
converts("F.max_pool3d")(_max_pool(3))


def _avg_pool(n: int) -> Any:
    def conv(g: Any, out: Tensor, input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
             ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None) -> str:
        k = _pair(kernel_size, n)
        p = _pair(padding, n)
        attrs = dict(kernel_shape=k, strides=_pair(stride if stride not in (None, ()) else kernel_size, n),
                     pads=p + p, ceil_mode=int(ceil_mode), count_include_pad=int(count_include_pad))

        def body(x: str) -> str:
            y = g.op("AveragePool", x, **attrs)
            if divisor_override:
                y = g.op("Mul", y, g.scalar(float(np.prod(k)) / divisor_override, input))
            return y
        return _with_batch(g, input, n, body)
    return conv


converts("F.avg_pool1d")(_avg_pool(1))
converts("F.avg_pool2d")(_avg_pool(2))
converts("F.avg_pool3d")(_avg_pool(3))


def _adaptive(n: int, reduce_op: str) -> Any:
    def conv(g: Any, out: Any, input: Tensor, output_size: Any, return_indices: bool = False) -> str:
        if return_indices:
            raise g.unsupported("return_indices=True is not supported")
        sizes = [int(s) for s in out.shape[-n:]]
        ins = [int(s) for s in input.shape[-n:]]
        x = g.name(input)
        first = input.ndim - n
        cur = [int(v) for v in input.shape]
        for i, (o, s) in enumerate(zip(sizes, ins)):
            ax = first + i
            if o == s:
                continue
            if o == 1:
                x = g.reduce(reduce_op, x, [ax], True)
            elif s % o == 0:  # equal windows: one reduction over a reshaped axis
                shape = [0] * ax + [o, s // o] + cur[ax + 1:]
                x = g.reduce(reduce_op, g.op("Reshape", x, g.ints(shape)), [ax + 1], False)
            else:
                parts = []
                for j in range(o):  # PyTorch's windows: [floor(j*s/o), ceil((j+1)*s/o))
                    a, b = (j * s) // o, -((-(j + 1) * s) // o)
                    piece = g.op("Slice", x, g.ints([a]), g.ints([b]), g.ints([ax]))
                    parts.append(g.reduce(reduce_op, piece, [ax], True))
                x = g.op("Concat", *parts, axis=ax)
            cur[ax] = o
        return x
    return conv


converts("F.adaptive_avg_pool1d")(_adaptive(1, "ReduceMean"))
converts("F.adaptive_avg_pool2d")(_adaptive(2, "ReduceMean"))
converts("F.adaptive_max_pool1d")(_adaptive(1, "ReduceMax"))
converts("F.adaptive_max_pool2d")(_adaptive(2, "ReduceMax"))
converts("F.adaptive_avg_pool3d")(_adaptive(3, "ReduceMean"))
converts("F.adaptive_max_pool3d")(_adaptive(3, "ReduceMax"))


def _lp_pool(n: int) -> Any:
    def conv(g: Any, out: Tensor, input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None,
             ceil_mode: bool = False) -> str:
        k = _pair(kernel_size, n)
        attrs = dict(kernel_shape=k, strides=_pair(stride if stride not in (None, ()) else kernel_size, n),
                     ceil_mode=int(ceil_mode))
        p = float(norm_type)

        def body(x: str) -> str:  # PyTorch: (sum over the window of x^p)^(1/p), via the window mean times its size
            s = g.op("AveragePool", g.op("Pow", x, g.scalar(p, input)), **attrs)
            s = g.op("Mul", s, g.scalar(float(np.prod(k)), input))
            s = g.op("Mul", g.op("Sign", s), g.op("Relu", g.op("Abs", s)))
            return g.op("Pow", s, g.scalar(1.0 / p, input))
        return _with_batch(g, input, n, body)
    return conv


converts("F.lp_pool1d")(_lp_pool(1))
converts("F.lp_pool2d")(_lp_pool(2))
converts("F.lp_pool3d")(_lp_pool(3))


# -- normalisation ------------------------------------------------------------------------------------------

def _channel(g: Any, name: str, ndim: int) -> str:
    """A per-channel (C,) vector shaped to broadcast over ``(N, C, ...)``."""
    return g.op("Reshape", name, g.ints([-1] + [1] * (ndim - 2))) if ndim > 2 else name


@converts("F.batch_norm")
def _batch_norm(g: Any, out: Tensor, input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
                momentum: float = 0.1, eps: float = 1e-5) -> str:
    x = g.name(input)
    nd = input.ndim
    if training or running_mean is None:
        axes = [0] + list(range(2, nd))
        mean = g.reduce("ReduceMean", x, axes, True)
        var = _variance(g, x, input, axes, True, 0.0)
    else:
        mean, var = _channel(g, g.name(running_mean), nd), _channel(g, g.name(running_var), nd)
    y = g.op("Div", g.op("Sub", x, mean), g.op("Sqrt", g.op("Add", var, g.scalar(eps, input))))
    if weight is not None:
        y = g.op("Mul", y, _channel(g, g.name(weight), nd))
    if bias is not None:
        y = g.op("Add", y, _channel(g, g.name(bias), nd))
    return y


@converts("F.instance_norm")
def _instance_norm(g: Any, out: Tensor, input: Tensor, running_mean: Tensor | None = None,
                   running_var: Tensor | None = None, weight: Tensor | None = None, bias: Tensor | None = None,
                   use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> str:
    if not use_input_stats:
        return _batch_norm(g, out, input, running_mean, running_var, weight, bias, False, momentum, eps)
    x = g.name(input)
    axes = list(range(2, input.ndim))
    mean = g.reduce("ReduceMean", x, axes, True)
    var = _variance(g, x, input, axes, True, 0.0)
    y = g.op("Div", g.op("Sub", x, mean), g.op("Sqrt", g.op("Add", var, g.scalar(eps, input))))
    if weight is not None:
        y = g.op("Mul", y, _channel(g, g.name(weight), input.ndim))
    if bias is not None:
        y = g.op("Add", y, _channel(g, g.name(bias), input.ndim))
    return y


@converts("F.layer_norm")
def _layer_norm(g: Any, out: Tensor, input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
                bias: Tensor | None = None, eps: float = 1e-5) -> str:
    k = len(normalized_shape) if not isinstance(normalized_shape, int) else 1
    shape = [int(s) for s in input.shape[input.ndim - k:]]
    scale = g.name(weight) if weight is not None else g.const(np.ones(shape, _dt(input)))
    return g.op("LayerNormalization", g.name(input), scale, None if bias is None else g.name(bias), axis=-k,
                epsilon=float(eps))


@converts("F.group_norm")
def _group_norm(g: Any, out: Tensor, input: Tensor, num_groups: int, weight: Tensor | None = None,
                bias: Tensor | None = None, eps: float = 1e-5) -> str:
    x = g.name(input)
    grouped = g.op("Reshape", x, g.ints([0, int(num_groups), -1]))
    mean = g.reduce("ReduceMean", grouped, [2], True)
    d = g.op("Sub", grouped, mean)
    var = g.reduce("ReduceMean", g.op("Mul", d, d), [2], True)
    y = g.op("Div", d, g.op("Sqrt", g.op("Add", var, g.scalar(eps, input))))
    y = g.op("Reshape", y, g.op("Shape", x))
    if weight is not None:
        y = g.op("Mul", y, _channel(g, g.name(weight), input.ndim))
    if bias is not None:
        y = g.op("Add", y, _channel(g, g.name(bias), input.ndim))
    return y


@converts("F.rms_norm")
def _rms_norm(g: Any, out: Tensor, input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
              eps: float | None = None) -> str:
    k = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    x = g.name(input)
    e = float(np.finfo(_dt(input)).eps) if eps is None else float(eps)  # PyTorch's default: the dtype's epsilon
    ms = g.reduce("ReduceMean", g.op("Mul", x, x), list(range(input.ndim - k, input.ndim)), True)
    y = g.op("Mul", x, g.op("Reciprocal", g.op("Sqrt", g.op("Add", ms, g.scalar(e, input)))))
    return y if weight is None else g.op("Mul", y, g.name(weight))


@converts("F.local_response_norm")
def _local_response_norm(g: Any, out: Tensor, input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                         k: float = 1.0) -> str:
    # ONNX's LRN centres an even window one channel later than PyTorch, so the window mean is an AveragePool
    # over the channel axis (padded size // 2 before and (size - 1) // 2 after, zeros counted)
    x = g.name(input)
    rest = input.ndim - 2
    sq = g.op("Unsqueeze", g.op("Mul", x, x), g.ints([1]))  # (N, 1, C, ...)
    avg = g.op("AveragePool", sq, kernel_shape=[int(size)] + [1] * rest, count_include_pad=1,
               pads=[int(size) // 2] + [0] * rest + [(int(size) - 1) // 2] + [0] * rest)
    div = g.op("Add", g.op("Mul", g.op("Squeeze", avg, g.ints([1])), g.scalar(alpha, input)), g.scalar(k, input))
    return g.op("Div", x, g.op("Pow", div, g.scalar(beta, input)))


@converts("F.normalize")
def _normalize(g: Any, out: Tensor, input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
               **_: Any) -> str:
    ax = _axes(dim, input.ndim)
    n = g.reduce("ReduceL2", g.name(input), ax, True) if p == 2 else _pnorm(g, g.name(input), input, p, ax, True)
    return g.op("Div", g.name(input), g.op("Max", n, g.scalar(eps, input)))


@converts("F.cosine_similarity")
def _cosine_similarity(g: Any, out: Tensor, x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> str:
    a, b = g.name(x1), g.name(x2)
    ax = [dim % max(out.ndim + 1, 1)]
    dot = g.reduce("ReduceSum", g.op("Mul", a, b), ax, False)
    e = g.scalar(eps, x1)
    na = g.op("Max", g.reduce("ReduceL2", a, ax, False), e)
    nb = g.op("Max", g.reduce("ReduceL2", b, ax, False), e)
    return g.op("Div", dot, g.op("Mul", na, nb))


# -- dropout, embedding, padding ------------------------------------------------------------------------------

@converts("F.dropout", "F.dropout1d", "F.dropout2d", "F.dropout3d", "F.alpha_dropout", "F.feature_alpha_dropout")
def _dropout(g: Any, out: Tensor, input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> str:
    if training and p > 0:
        raise g.unsupported("dropout in training mode is random; export in eval mode (the default, "
                            "training=TrainingMode.EVAL)")
    return g.name(input)


@converts("F.embedding")
def _embedding(g: Any, out: Tensor, input: Tensor, weight: Tensor, padding_idx: int | None = None,
               max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
               sparse: bool = False) -> str:
    return _lookup(g, weight, g.name(input), max_norm, norm_type)


def _lookup(g: Any, weight: Tensor, index: str, max_norm: float | None, norm_type: float) -> str:
    """The rows of ``weight`` at ``index``, rescaled to ``max_norm`` when given."""
    rows = g.op("Gather", g.name(weight), index, axis=0)
    if max_norm is None:
        return rows
    # PyTorch rescales the looked-up rows whose norm exceeds max_norm (in place, in the weight); the graph
    # rescales the gathered rows the same way, so a later lookup agrees
    norm = _pnorm(g, rows, weight, float(norm_type), [-1], True)
    mx = g.scalar(max_norm, weight)
    scale = g.op("Where", g.op("Greater", norm, mx), g.op("Div", mx, g.op("Add", norm, g.scalar(1e-7, weight))),
                 g.scalar(1.0, weight))
    return g.op("Mul", rows, scale)


@converts("F.pad")
def _pad(g: Any, out: Tensor, input: Tensor, pad: Sequence[int], mode: str = "constant",
         value: float | None = None) -> str:
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)]  # last dim first
    axes = [input.ndim - 1 - i for i in range(len(pairs))]
    x = g.name(input)
    if mode == "circular":
        for ax, (lo, hi) in zip(axes, pairs):
            parts = []
            if lo:
                parts.append(g.op("Slice", x, g.ints([-lo]), g.ints([np.iinfo(np.int64).max]), g.ints([ax])))
            parts.append(x)
            if hi:
                parts.append(g.op("Slice", x, g.ints([0]), g.ints([hi]), g.ints([ax])))
            x = g.op("Concat", *parts, axis=ax) if len(parts) > 1 else x
        return x
    onnx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}.get(mode)
    if onnx_mode is None:
        raise g.unsupported(f"pad mode {mode!r} is not supported")
    pads = [lo for lo, _ in pairs] + [hi for _, hi in pairs]
    cv = g.scalar(0.0 if value is None else value, input) if mode == "constant" else None
    return g.op("Pad", x, g.ints(pads), cv, g.ints(axes), mode=onnx_mode)


# -- activations -----------------------------------------------------------------------------------------------

def _act(op_type: str, **fixed: Any) -> Any:
    def conv(g: Any, out: Tensor, input: Tensor, inplace: bool = False) -> str:
        return g.op(op_type, g.name(input), **fixed)
    return conv


converts("F.relu", "F.relu_")(_act("Relu"))
converts("F.selu")(_act("Selu"))
converts("F.softsign")(_act("Softsign"))
converts("F.hardswish")(_act("HardSwish"))
converts("F.hardsigmoid")(_act("HardSigmoid", alpha=1 / 6, beta=0.5))


@converts("F.relu6")
def _relu6(g: Any, out: Tensor, input: Tensor, inplace: bool = False) -> str:
    return g.op("Clip", g.name(input), g.scalar(0.0, input), g.scalar(6.0, input))


@converts("F.hardtanh", "F.hardtanh_")
def _hardtanh(g: Any, out: Tensor, input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
              inplace: bool = False) -> str:
    return g.op("Clip", g.name(input), g.scalar(min_val, input), g.scalar(max_val, input))


@converts("F.leaky_relu", "F.leaky_relu_")
def _leaky_relu(g: Any, out: Tensor, input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> str:
    return g.op("LeakyRelu", g.name(input), alpha=float(negative_slope))


@converts("F.elu", "F.elu_")
def _elu(g: Any, out: Tensor, input: Tensor, alpha: float = 1.0, inplace: bool = False) -> str:
    return g.op("Elu", g.name(input), alpha=float(alpha))


@converts("F.celu")
def _celu(g: Any, out: Tensor, input: Tensor, alpha: float = 1.0, inplace: bool = False) -> str:
    return g.op("Celu", g.name(input), alpha=float(alpha))


@converts("F.gelu")
def _gelu(g: Any, out: Tensor, input: Tensor, approximate: str = "none") -> str:
    x = g.name(input)
    half = g.scalar(0.5, input)
    if approximate == "tanh":
        inner = g.op("Mul", g.scalar(math.sqrt(2 / math.pi), input),
                     g.op("Add", x, g.op("Mul", g.scalar(0.044715, input), g.op("Mul", x, g.op("Mul", x, x)))))
        return g.op("Mul", g.op("Mul", half, x), g.op("Add", g.scalar(1.0, input), g.op("Tanh", inner)))
    cdf = g.op("Add", g.scalar(1.0, input), g.op("Erf", g.op("Mul", x, g.scalar(1 / math.sqrt(2), input))))
    return g.op("Mul", g.op("Mul", half, x), cdf)


@converts("F.silu")
def _silu(g: Any, out: Tensor, input: Tensor, inplace: bool = False) -> str:
    return g.op("Mul", g.name(input), g.op("Sigmoid", g.name(input)))


def _softplus_name(g: Any, input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> str:
    x = g.name(input)
    bx = x if beta == 1 else g.op("Mul", x, g.scalar(beta, input))
    sp = g.op("Softplus", bx)
    if beta != 1:
        sp = g.op("Div", sp, g.scalar(beta, input))
    return g.op("Where", g.op("Greater", bx, g.scalar(threshold, input)), x, sp)


@converts("F.softplus")
def _softplus(g: Any, out: Tensor, input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> str:
    return _softplus_name(g, input, beta, threshold)


@converts("F.mish")
def _mish(g: Any, out: Tensor, input: Tensor, inplace: bool = False) -> str:
    return g.op("Mul", g.name(input), g.op("Tanh", _softplus_name(g, input)))


@converts("F.logsigmoid")
def _logsigmoid(g: Any, out: Tensor, input: Tensor) -> str:
    return g.op("Neg", g.op("Softplus", g.op("Neg", g.name(input))))


@converts("F.tanhshrink")
def _tanhshrink(g: Any, out: Tensor, input: Tensor) -> str:
    return g.op("Sub", g.name(input), g.op("Tanh", g.name(input)))


@converts("F.threshold")
def _threshold(g: Any, out: Tensor, input: Tensor, threshold: float, value: float, inplace: bool = False) -> str:
    x = g.name(input)
    return g.op("Where", g.op("Greater", x, g.scalar(threshold, input)), x, g.scalar(value, input))


@converts("F.glu")
def _glu(g: Any, out: Tensor, input: Tensor, dim: int = -1) -> str:
    h = input.shape[dim] // 2
    a, b = g.op("Split", g.name(input), g.ints([h, h]), outputs=2, axis=dim % input.ndim)
    return g.op("Mul", a, g.op("Sigmoid", b))


@converts("F.prelu")
def _prelu(g: Any, out: Tensor, input: Tensor, weight: Tensor) -> str:
    w = g.name(weight)
    if weight.numel() > 1 and input.ndim > 2:
        w = g.op("Reshape", w, g.ints([-1] + [1] * (input.ndim - 2)))
    return g.op("PRelu", g.name(input), w)


# -- attention --------------------------------------------------------------------------------------------------

def _attend(g: Any, q: str, k: str, v: str, mask: str | None, scale: float, like: Tensor,
            need_probs: bool = False) -> Any:
    """``softmax(q k^T * scale + mask) v`` on (..., L, E) names."""
    kt = g.op("Transpose", k, perm=[0, 1, 3, 2])
    s = g.op("Mul", g.op("MatMul", q, kt), g.scalar(scale, like))
    if mask is not None:
        s = g.op("Add", s, mask)
    p = g.op("Softmax", s, axis=-1)
    o = g.op("MatMul", p, v)
    return (o, p) if need_probs else o


def _additive(g: Any, mask: Tensor, like: Tensor, true_is_keep: bool) -> str:
    """A bool mask as 0/-inf in ``like``'s dtype (float masks are added as they are)."""
    if mask._data.dtype == np.bool_:
        zero, ninf = g.scalar(0.0, like), g.scalar(-np.inf, like)
        return g.op("Where", g.name(mask), zero, ninf) if true_is_keep else g.op("Where", g.name(mask), ninf, zero)
    return g.cast(g.name(mask), _dt(mask), _dt(like))


@converts("F.scaled_dot_product_attention")
def _sdpa(g: Any, out: Tensor, query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
          dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None, enable_gqa: bool = False) -> str:
    if dropout_p > 0:
        raise g.unsupported("dropout_p > 0 is random; pass dropout_p=0.0 when not training")
    if query.ndim != 4 or key.shape[-3] != query.shape[-3]:
        if query.ndim != 4:
            raise g.unsupported("inputs of other than 4 dimensions (N, H, L, E) are not supported")
        raise g.unsupported("enable_gqa with fewer key/value heads is not supported")
    L, S = int(query.shape[-2]), int(key.shape[-2])
    mask = None
    if is_causal:
        mask = g.const(np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf).astype(_dt(query)))
    elif attn_mask is not None:
        mask = _additive(g, attn_mask, query, True)
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return _attend(g, g.name(query), g.name(key), g.name(value), mask, sc, query)


@converts("brickwork.ops.attention.multi_head_attention")
def _mha(g: Any, out: tuple, query: Tensor, key: Tensor, value: Tensor, num_heads: int,
         in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, out_proj_weight: Tensor,
         out_proj_bias: Tensor | None, q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
         v_proj_weight: Tensor | None = None, bias_k: Tensor | None = None, bias_v: Tensor | None = None,
         add_zero_attn: bool = False, dropout_p: float = 0.0, key_padding_mask: Tensor | None = None,
         need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
         is_causal: bool = False, batch_first: bool = False, embed_dim: int | None = None,
         static_k: Tensor | None = None, static_v: Tensor | None = None) -> tuple:
    if dropout_p > 0:
        raise g.unsupported("attention dropout is random; export in eval mode")
    if bias_k is not None or add_zero_attn or static_k is not None or static_v is not None:
        raise g.unsupported("add_bias_kv, add_zero_attn and static keys/values are not supported")
    unbatched = query.ndim == 2
    E = int(query.shape[-1])
    hd = E // num_heads

    def batch_major(t: Tensor) -> str:  # -> (N, S, E)
        x = g.name(t)
        if unbatched:
            return g.op("Unsqueeze", x, g.ints([0]))
        return x if batch_first else g.op("Transpose", x, perm=[1, 0, 2])

    def proj(x: str, w: str, b: str | None) -> str:
        y = g.op("MatMul", x, g.op("Transpose", w, perm=[1, 0]))
        return y if b is None else g.op("Add", y, b)

    def heads(x: str) -> str:  # (N, S, E) -> (N, H, S, hd)
        return g.op("Transpose", g.op("Reshape", x, g.ints([0, 0, num_heads, hd])), perm=[0, 2, 1, 3])

    if q_proj_weight is not None:
        ws = [g.name(q_proj_weight), g.name(k_proj_weight), g.name(v_proj_weight)]
    else:
        ws = list(g.op("Split", g.name(in_proj_weight), g.ints([E, E, E]), outputs=3, axis=0))
    bs = [None] * 3 if in_proj_bias is None else list(g.op("Split", g.name(in_proj_bias), g.ints([E, E, E]),
                                                           outputs=3, axis=0))
    q = heads(proj(batch_major(query), ws[0], bs[0]))
    k = heads(proj(batch_major(key), ws[1], bs[1]))
    v = heads(proj(batch_major(value), ws[2], bs[2]))
    mask = None
    if attn_mask is not None:
        mask = _additive(g, attn_mask, query, False)
        if attn_mask.ndim == 3:
            mask = g.op("Reshape", mask, g.ints([-1, num_heads] + [int(s) for s in attn_mask.shape[1:]]))
    if key_padding_mask is not None:
        kpm = _additive(g, key_padding_mask, query, False)
        kpm = g.op("Unsqueeze", kpm, g.ints([1, 2]))
        mask = kpm if mask is None else g.op("Add", mask, kpm)
    o, p = _attend(g, q, k, v, mask, 1.0 / math.sqrt(hd), query, need_probs=True)
    o = g.op("Reshape", g.op("Transpose", o, perm=[0, 2, 1, 3]), g.ints([0, 0, E]))
    o = proj(o, g.name(out_proj_weight), None if out_proj_bias is None else g.name(out_proj_bias))
    if unbatched:
        o = g.op("Squeeze", o, g.ints([0]))
    elif not batch_first:
        o = g.op("Transpose", o, perm=[1, 0, 2])
    w = None
    if out[1] is not None:
        w = g.reduce("ReduceMean", p, [1], False) if average_attn_weights else p
        if unbatched:
            w = g.op("Squeeze", w, g.ints([0]))
    return o, w


@converts("F.hardshrink")
def _hardshrink(g: Any, out: Tensor, input: Tensor, lambd: float = 0.5) -> str:
    x = g.name(input)
    keep = g.op("Greater", g.op("Abs", x), g.scalar(lambd, input))
    return g.op("Where", keep, x, g.scalar(0.0, input))


@converts("F.softshrink")
def _softshrink(g: Any, out: Tensor, input: Tensor, lambd: float = 0.5) -> str:
    x = g.name(input)
    lam = g.scalar(lambd, input)
    shrunk = g.op("Sub", x, g.op("Mul", g.op("Sign", x), lam))
    return g.op("Where", g.op("Greater", g.op("Abs", x), lam), shrunk, g.scalar(0.0, input))


@converts("F.rrelu")
def _rrelu(g: Any, out: Tensor, input: Tensor, lower: float = 1 / 8, upper: float = 1 / 3, training: bool = False,
           inplace: bool = False) -> str:
    if training:
        raise g.unsupported("rrelu in training mode draws random slopes; export in eval mode")
    return g.op("LeakyRelu", g.name(input), alpha=(lower + upper) / 2)


def _shuffle_dims(g: Any, input: Tensor, shape: list[int], perm: list[int], final: list[int]) -> str:
    return g.op("Reshape", g.op("Transpose", g.op("Reshape", g.name(input), g.ints(shape)), perm=perm), g.ints(final))


@converts("F.pixel_shuffle")
def _pixel_shuffle(g: Any, out: Tensor, input: Tensor, upscale_factor: int) -> str:
    r = int(upscale_factor)
    c, h, w = (int(v) for v in input.shape[-3:])
    lead = input.ndim - 3  # (*, C r^2, H, W) -> (*, C, H r, W r)
    return _shuffle_dims(g, input, [0] * lead + [c // (r * r), r, r, h, w],
                         list(range(lead)) + [lead, lead + 3, lead + 1, lead + 4, lead + 2],
                         [0] * lead + [c // (r * r), h * r, w * r])


@converts("F.pixel_unshuffle")
def _pixel_unshuffle(g: Any, out: Tensor, input: Tensor, downscale_factor: int) -> str:
    r = int(downscale_factor)
    c, h, w = (int(v) for v in input.shape[-3:])
    lead = input.ndim - 3  # (*, C, H r, W r) -> (*, C r^2, H, W)
    return _shuffle_dims(g, input, [0] * lead + [c, h // r, r, w // r, r],
                         list(range(lead)) + [lead, lead + 2, lead + 4, lead + 1, lead + 3],
                         [0] * lead + [c * r * r, h // r, w // r])


@converts("F.channel_shuffle")
def _channel_shuffle(g: Any, out: Tensor, input: Tensor, groups: int) -> str:
    c = int(input.shape[1])
    rest = [int(v) for v in input.shape[2:]]
    n = len(rest)
    return _shuffle_dims(g, input, [0, int(groups), c // int(groups)] + rest, [0, 2, 1] + list(range(3, 3 + n)),
                         [0, c] + rest)


@converts("F.pairwise_distance")
def _pairwise_distance(g: Any, out: Tensor, x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                       keepdim: bool = False) -> str:
    d = g.op("Add", g.op("Sub", g.name(x1), g.name(x2)), g.scalar(eps, x1))
    return _pnorm(g, d, x1, float(p), [-1], keepdim)


@converts("F.interpolate", "F.upsample")
def _interpolate(g: Any, out: Tensor, input: Tensor, size: Any = None, scale_factor: Any = None,
                 mode: str = "nearest", align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                 antialias: bool = False) -> str:
    if antialias:
        raise g.unsupported("antialias=True is not supported")
    n = input.ndim - 2
    onnx_mode = {"nearest": "nearest", "linear": "linear", "bilinear": "linear", "trilinear": "linear",
                 "bicubic": "cubic"}.get(mode)
    if onnx_mode is None:
        raise g.unsupported(f"interpolate mode {mode!r} is not supported")
    attrs: dict[str, Any] = {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    if mode != "nearest":
        attrs = {"coordinate_transformation_mode": "align_corners" if align_corners else "pytorch_half_pixel"}
    if mode == "bicubic":
        attrs["cubic_coeff_a"] = -0.75
    if size is None and scale_factor is not None and not recompute_scale_factor:
        sf = [float(v) for v in (scale_factor if isinstance(scale_factor, (tuple, list)) else [scale_factor] * n)]
        return g.op("Resize", g.name(input), None, g.const(np.asarray([1.0, 1.0] + sf, np.float32)), mode=onnx_mode,
                    **attrs)
    sizes = [int(v) for v in out.shape[2:]]  # the output size (given, or recomputed from the scale)
    shape = g.op("Concat", g.op("Shape", g.name(input), start=0, end=2), g.ints(sizes), axis=0)
    return g.op("Resize", g.name(input), None, None, shape, mode=onnx_mode, **attrs)
