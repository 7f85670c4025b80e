"""Numba kernels of `brickwork.kernels.activation` (float32; other dtypes run the reference).

``erf`` here is a rational function fitted for this kernel by weighted least squares on [0, 3.92] (beyond, erf is
1 in float32): ``erf(z) = z P(s) / Q(s)`` with ``s = (z / 3.92)^2``, absolute error 3e-8 in float64 arithmetic and
4.3e-7 evaluated in float32; it has no branch, so LLVM vectorizes it. ``exp`` is `._numba.exp_into`.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from .. import activation as _ref
from ._numba import BLOCK, exp_into, inline, njit

_F32 = np.dtype(np.float32)
_L = np.float32(3.92)
_INV_L2 = np.float32(1.0 / (3.92 * 3.92))
_P = tuple(np.float32(c) for c in (1.128379118830145, 2.9003920197399857, 12.410454331441953, 13.439751520886896,
                                   15.89783727544222, 1.784854941850536))
_Q = tuple(np.float32(c) for c in (1.0, 7.6925276617503435, 26.78875187664288, 53.85461907087089,
                                   64.16256785835967, 32.943276879668986))
P0, P1, P2, P3, P4, P5 = _P
Q0, Q1, Q2, Q3, Q4, Q5 = _Q
_SQRT1_2 = np.float32(1.0 / math.sqrt(2.0))
_INV_SQRT_2PI = np.float32(1.0 / math.sqrt(2.0 * math.pi))
_K = np.float32(math.sqrt(2.0 / math.pi))
_K3 = np.float32(math.sqrt(2.0 / math.pi) * 0.044715)
_HALF = np.float32(0.5)
_ONE = np.float32(1.0)


@inline
def _erf(z):
    z = min(max(z, -_L), _L)
    s = z * z * _INV_L2
    p = ((((P5 * s + P4) * s + P3) * s + P2) * s + P1) * s + P0
    q = ((((Q5 * s + Q4) * s + Q3) * s + Q2) * s + Q1) * s + Q0
    return z * p / q


@njit
def _gelu_exact(x, y):
    for i in range(x.size):
        v = x[i]
        y[i] = _HALF * v * (_ONE + _erf(v * _SQRT1_2))


@njit
def _gelu_exact_backward(x, g, out):
    n = x.size
    bits = np.empty(BLOCK, np.int32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        xs, gs, o = x[start:start + m], g[start:start + m], out[start:start + m]
        for i in range(m):
            o[i] = -_HALF * xs[i] * xs[i]
        exp_into(o, o, bits, m)
        for i in range(m):
            v = xs[i]
            o[i] = gs[i] * (_HALF * (_ONE + _erf(v * _SQRT1_2)) + v * o[i] * _INV_SQRT_2PI)


@inline
def _sigmoid_of_minus(o, bits, m):
    """``o[:m] = 1 / (1 + exp(o[:m]))``: the sigmoid of the negated values in ``o``."""
    exp_into(o, o, bits, m)
    for i in range(m):
        o[i] = _ONE / (_ONE + o[i])


@njit
def _gelu_tanh(x, y):
    # x/2 (1 + tanh(a)) = x sigmoid(2a): no cancellation where 1 + tanh(a) is near 0
    n = x.size
    bits = np.empty(BLOCK, np.int32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        xs, o = x[start:start + m], y[start:start + m]
        for i in range(m):
            v = xs[i]
            o[i] = np.float32(-2.0) * (_K * v + _K3 * v * v * v)
        _sigmoid_of_minus(o, bits, m)
        for i in range(m):
            o[i] *= xs[i]


@njit
def _gelu_tanh_backward(x, g, out):
    n = x.size
    bits = np.empty(BLOCK, np.int32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        xs, gs, o = x[start:start + m], g[start:start + m], out[start:start + m]
        for i in range(m):
            v = xs[i]
            o[i] = np.float32(-2.0) * (_K * v + _K3 * v * v * v)
        _sigmoid_of_minus(o, bits, m)
        for i in range(m):
            v = xs[i]
            sg = o[i]
            da = np.float32(2.0) * (_K + np.float32(3.0) * _K3 * v * v)
            o[i] = gs[i] * (sg + v * sg * (_ONE - sg) * da)


@njit
def _sigmoid(x, y):
    n = x.size
    bits = np.empty(BLOCK, np.int32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        xs, o = x[start:start + m], y[start:start + m]
        for i in range(m):
            o[i] = -xs[i]
        _sigmoid_of_minus(o, bits, m)


@njit
def _sigmoid_backward(y, g, out):
    for i in range(y.size):
        out[i] = g[i] * (y[i] * (_ONE - y[i]))


@njit
def _silu(x, y):
    n = x.size
    bits = np.empty(BLOCK, np.int32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        xs, o = x[start:start + m], y[start:start + m]
        for i in range(m):
            o[i] = -xs[i]
        _sigmoid_of_minus(o, bits, m)
        for i in range(m):
            o[i] *= xs[i]


@njit
def _silu_backward(x, g, out):
    n = x.size
    bits = np.empty(BLOCK, np.int32)
    for start in range(0, n, BLOCK):
        m = min(BLOCK, n - start)
        xs, gs, o = x[start:start + m], g[start:start + m], out[start:start + m]
        for i in range(m):
            o[i] = -xs[i]
        _sigmoid_of_minus(o, bits, m)
        for i in range(m):
            sg = o[i]
            o[i] = gs[i] * (sg * (_ONE + xs[i] * (_ONE - sg)))


# ReLU without fastmath: it would let LLVM assume there are no NaNs, which ReLU must pass through
@numba.njit(cache=True)
def _relu(x, y):
    for i in range(x.size):
        v = x[i]
        y[i] = 0 if v < 0 else v


@numba.njit(cache=True)
def _relu_backward(y, g, out):
    for i in range(y.size):
        out[i] = 0 if y[i] <= 0 else g[i]


@njit
def _tanh_backward(y, g, out):
    for i in range(y.size):
        v = y[i]
        out[i] = g[i] * (_ONE - v * v)


# LeakyReLU without fastmath, as ReLU: NaN must pass through
@numba.njit(cache=True)
def _leaky_relu(x, slope, y):
    for i in range(x.size):
        v = x[i]
        y[i] = v if v > 0 else v * slope


@numba.njit(cache=True)
def _leaky_relu_backward(x, g, slope, out):
    for i in range(x.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


def _unary(fn: Any, x: Any) -> Any:
    y = np.empty(x.shape, np.float32)
    if x.ndim == 1:  # as it is (a strided one compiles its own variant once): a ravel costs 0.1 us a call
        fn(x, y)
    else:
        fn(x.ravel(), y.ravel())  # ravel: a view of a C-contiguous array, else a contiguous copy
    return y


def _binary(fn: Any, x: Any, g: Any) -> Any:
    out = np.empty(x.shape, x.dtype)
    if x.ndim == 1:
        fn(x, g, out)
    else:
        fn(x.ravel(), g.ravel(), out.ravel())
    return out


def gelu_forward(x: Any, approximate: bool) -> Any:
    if x.dtype != _F32:
        return _ref._gelu_forward(np, x, approximate)
    return _unary(_gelu_tanh if approximate else _gelu_exact, x)


def gelu_backward(x: Any, g: Any, approximate: bool) -> Any:
    if x.dtype != _F32 or g.dtype != _F32 or g.shape != x.shape:
        return _ref._gelu_backward(np, x, g, approximate)
    return _binary(_gelu_tanh_backward if approximate else _gelu_exact_backward, x, g)


def sigmoid_forward(x: Any) -> Any:
    return _unary(_sigmoid, x) if x.dtype == _F32 else _ref._sigmoid_forward(np, x)


def sigmoid_backward(y: Any, g: Any) -> Any:
    if y.dtype != _F32 or g.dtype != _F32 or g.shape != y.shape:
        return _ref._sigmoid_backward(np, y, g)
    return _binary(_sigmoid_backward, y, g)


def silu_forward(x: Any) -> Any:
    return _unary(_silu, x) if x.dtype == _F32 else _ref._silu_forward(np, x)


def silu_backward(x: Any, g: Any) -> Any:
    if x.dtype != _F32 or g.dtype != _F32 or g.shape != x.shape:
        return _ref._silu_backward(np, x, g)
    return _binary(_silu_backward, x, g)


_RELU = (_F32, np.dtype(np.float64))


_ZEROS = {dt: np.zeros((), dt) for dt in _RELU}


def relu_forward(x: Any) -> Any:
    dt = x.dtype
    if dt not in _RELU:
        return _ref._relu_forward(np, x)
    if x.size <= 1024:  # NumPy's ufunc costs less than a Numba call here; maximum(0, x) keeps -0.0, as the kernel
        return np.maximum(_ZEROS[dt], x)
    y = np.empty(x.shape, dt)
    _relu(x.ravel(), y.ravel())
    return y


def relu_backward(y: Any, g: Any) -> Any:
    dt = y.dtype
    if g.dtype is not dt or g.shape != y.shape or dt not in _RELU:  # (dtypes of one kind are one object)
        return _ref._relu_backward(np, y, g)
    return _binary(_relu_backward, y, g)


def tanh_backward(y: Any, g: Any) -> Any:
    if y.dtype is not _F32 or g.dtype is not _F32 or g.shape != y.shape:
        return _ref._tanh_backward(np, y, g)
    return _binary(_tanh_backward, y, g)


def leaky_relu_forward(x: Any, slope: float) -> Any:
    dt = x.dtype
    if dt not in _RELU:
        return _ref._leaky_relu_forward(np, x, slope)
    y = np.empty(x.shape, dt)
    _leaky_relu(x.ravel(), dt.type(slope), y.ravel())  # the slope in the tensor's dtype, as NumPy and PyTorch
    return y


def leaky_relu_backward(x: Any, g: Any, slope: float) -> Any:
    dt = x.dtype
    if g.dtype is not dt or g.shape != x.shape or dt not in _RELU:
        return _ref._leaky_relu_backward(np, x, g, slope)
    out = np.empty(x.shape, dt)
    _leaky_relu_backward(x.ravel(), g.ravel(), dt.type(slope), out.ravel())
    return out
