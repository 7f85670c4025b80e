"""Reductions: sum, mean, prod, max/min, var/std, norm, logsumexp, softmax, cumsum, all/any.

``dim`` may be an int, a tuple of ints or None (all dimensions); ``keepdim`` keeps reduced dimensions as
size 1. Backward passes expand the gradient back over the reduced dimensions.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import return_types
from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE
from ..kernels import softmax as _ks
from ._aliases import numpy_names
from ._core import array_backward, dims_tuple, needs_grad, record, record_unary, renamed, wrap, wrap_dim


def _accumulator(d: Any) -> Any:
    """The dtype a reduction of array ``d`` accumulates in, as PyTorch's: int64 for integers and bool,
    float32 for float16/bfloat16 (whose own precision would lose most of a long sum), else None (its own)."""
    k = d.dtype.kind
    if k in "biu":
        return np.int64
    if d.dtype.itemsize == 2 and k in "fV":
        return np.float32
    return None


def _low(t: Tensor) -> bool:
    d = t._data
    return d.dtype.itemsize == 2 and d.dtype.kind in "fV"


def _in_float32(fn: Any, input: Tensor, name: str, *args: Any, **kwargs: Any) -> Tensor:
    """A composite reduction of a float16/bfloat16 tensor computed in float32 and rounded back, as PyTorch."""
    out = fn(input.float(), *args, **kwargs).to(input.dtype)
    return renamed(out, name, input)


def _keep_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _expand_back(g: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """A reduced gradient broadcast back to the input's shape."""
    if not STATE.enabled and math.prod(shape) <= 4096:
        return _make(_expand_back_array(g._device.xp, g._data, shape, dims, keepdim), g._device)
    if not keepdim and dims:
        g = g.reshape(_keep_shape(shape, dims))
    return g.expand(shape)


def _expand_back_array(xp: Any, gd: Any, shape: tuple, dims: tuple, keepdim: bool) -> Any:
    """`_expand_back` on a gradient array (first order): small ones written out, which costs less than building
    NumPy's broadcast view (~2.5 us); large ones that view."""
    if gd.ndim and not keepdim and dims:
        gd = gd.reshape(_keep_shape(shape, dims))
    if math.prod(shape) > 4096:
        return xp.broadcast_to(gd, shape)
    out = xp.empty(shape, gd.dtype)
    out[...] = gd
    return out


def _dims(input: Tensor, dim: Any, op: str) -> tuple:
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
    return dims_tuple(dim, input._data.ndim, op)


def _cast(input: Tensor, dtype: Any) -> Tensor:
    return input if dtype is None else input.to(dtype)


@numpy_names
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001
    """Sum over ``dim`` (all dimensions by default); integer and bool inputs sum to int64.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> torch.sum(x), x.sum(dim=0), x.sum(1, keepdim=True).shape
        (tensor(10.), tensor([4., 6.]), brickwork.Size([2, 1]))
    """
    d = input._data
    if dim is None and dtype is None and d.dtype.kind == "f" and d.dtype.itemsize > 2:  # the common case, direct
        r = _make(d.sum(keepdims=True) if keepdim else d.sum(), input._device)  # (a keyword costs here)
        if input._requires_grad and STATE.enabled:
            record_unary(r, "SumBackward0", _sum_backward, input,
                         attrs={"shape": d.shape, "dims": tuple(range(d.ndim)), "keepdim": keepdim})
        return r
    input = _cast(input, dtype)
    d = input._data
    dims = _dims(input, dim, "sum")
    acc = _accumulator(d)
    r = d.sum(axis=dims, keepdims=keepdim, dtype=acc)
    r = wrap(r.astype(d.dtype) if acc is np.float32 else r, input._device)
    if needs_grad(input):
        record(r, "SumBackward1" if dim is not None else "SumBackward0", _sum_backward, (input,),
               shape=d.shape, dims=dims, keepdim=keepdim)
    return r


def _sum_backward(node: Any, g: Tensor) -> tuple:
    return (_expand_back(g, node.shape, node.dims, node.keepdim),)


@array_backward(_sum_backward)
def _sum_backward_arrays(node: Any, gd: Any) -> tuple:
    return (_expand_back_array(node._dev.xp, gd, node.shape, node.dims, node.keepdim),)


@numpy_names
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum treating NaN as zero.

    Example:
        >>> import brickwork as torch
        >>> torch.nansum(torch.tensor([1.0, float('nan')]))
        tensor(1.)
    """
    from .elementwise import isnan, where

    if not input.is_floating_point():  # no NaN to skip; integers keep summing to int64
        return sum(input, dim, keepdim, dtype=dtype)
    return renamed(sum(where(isnan(input), 0.0, input), dim, keepdim, dtype=dtype), "NansumBackward0", input)


@numpy_names
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over ``dim`` (all dimensions by default); needs a floating input, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([[1.0, 2.0], [3.0, 4.0]]).mean(0)
        tensor([2., 3.])
    """
    input = _cast(input, dtype)
    d = input._data
    if not input.is_floating_point() and d.dtype.kind != "c":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {input.dtype.name.capitalize()}; call x.float().mean()")
    dims = _dims(input, dim, "mean")
    acc = _accumulator(d)
    r = wrap(d.mean(axis=dims, keepdims=keepdim, dtype=d.dtype) if acc is None else
             d.mean(axis=dims, keepdims=keepdim, dtype=acc).astype(d.dtype), input._device)
    if needs_grad(input):
        n = 1
        for i in dims:
            n *= d.shape[i]
        record(r, "MeanBackward1" if dim is not None else "MeanBackward0", _mean_backward, (input,),
               shape=d.shape, dims=dims, keepdim=keepdim, n=n)
    return r


def _mean_backward(node: Any, g: Tensor) -> tuple:
    shape, dims, keepdim, n = node.shape, node.dims, node.keepdim, node.n
    return (_expand_back(g / n if n else g * float("nan"), shape, dims, keepdim),)


@numpy_names
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Mean ignoring NaN.

    Example:
        >>> import brickwork as torch
        >>> torch.nanmean(torch.tensor([1.0, float('nan'), 3.0]))
        tensor(2.)
    """
    from .elementwise import isnan

    if not input.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype}; call x.float() first")
    keep = ~isnan(input)
    return nansum(input, dim, keepdim) / keep.sum(dim, keepdim)


@numpy_names
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product over one dimension (or all); zeros in the input get exact gradients.

    Example:
        >>> import brickwork as torch
        >>> torch.prod(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
        tensor([ 2., 12.])
    """
    input = _cast(input, dtype)
    d = input._data
    dims = _dims(input, dim, "prod")
    acc = _accumulator(d)
    r = d.prod(axis=dims, keepdims=keepdim, dtype=acc)
    r = wrap(r.astype(d.dtype) if acc is np.float32 else r, input._device)
    if needs_grad(input):
        record(r, "ProdBackward1" if dim is not None else "ProdBackward0", _prod_backward, (input,), (input,),
               dims=dims, keepdim=keepdim, save_output=True)
    return r


def _prod_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    dims, keepdim = node.dims, node.keepdim
    out = node.output()
    shape = tuple(x.shape)
    ge = _expand_back(g, shape, dims, keepdim)
    if not bool((x == 0).any()):
        return (ge * _expand_back(out, shape, dims, keepdim) / x,)
    if STATE.enabled:  # create_graph: the same products from differentiable ops, so double backward works
        return (ge * _prod_of_others(x, dims),)
    # products of all other elements: exclusive cumulative products from both sides, over a flat axis
    xp = x._device.xp
    moved = xp.moveaxis(x._data, dims, tuple(range(-len(dims), 0))) if dims else x._data[..., None]
    flat = moved.reshape(moved.shape[:moved.ndim - len(dims)] + (-1,)) if dims else moved
    one = xp.ones_like(flat[..., :1])
    left = xp.cumprod(xp.concatenate([one, flat[..., :-1]], -1), -1)
    right = xp.flip(xp.cumprod(xp.concatenate([one, xp.flip(flat, -1)[..., :-1]], -1), -1), -1)
    others = (left * right).reshape(moved.shape)
    others = xp.moveaxis(others, tuple(range(-len(dims), 0)), dims) if dims else others[..., 0]
    return (ge * wrap(others, x._device),)


def _prod_of_others(x: Tensor, dims: tuple) -> Tensor:
    """For each element, the product of the other elements over ``dims`` (an n x n masked product per row)."""
    from .elementwise import where

    rest = [i for i in range(x.ndim) if i not in dims]
    moved = x.permute(rest + list(dims))
    lead = tuple(moved.shape[:len(rest)])
    n = 1
    for i in dims:
        n *= x.shape[i]
    rows = moved.reshape(lead + (1, n)).expand(lead + (n, n))
    eye = wrap(x._device.xp.eye(n, dtype=bool), x._device)
    others = prod(where(eye, 1.0, rows), -1).reshape(tuple(moved.shape))
    return others.permute(tuple(int(i) for i in np.argsort(rest + list(dims))))


def _values_indices(input: Tensor, dim: int, keepdim: bool, is_max: bool) -> Any:
    d = input._data
    xp = input._device.xp
    ax = wrap_dim(dim, d.ndim, "max" if is_max else "min")
    if d.ndim and d.shape[ax] == 0:
        raise IndexError(f"{'max' if is_max else 'min'}(): Expected reduction dim {dim} to have non-zero size")
    dd = d if d.ndim else d.reshape(1)
    idx = xp.argmax(dd, axis=ax, keepdims=True) if is_max else xp.argmin(dd, axis=ax, keepdims=True)
    if dd.dtype.kind == "f":  # NaN wins, as in PyTorch
        nan_idx = xp.argmax(xp.isnan(dd), axis=ax, keepdims=True)
        has_nan = xp.take_along_axis(xp.isnan(dd), nan_idx, ax)
        idx = xp.where(has_nan, nan_idx, idx)
    vals = xp.take_along_axis(dd, idx, ax)
    kept = idx  # the backward scatters along ax, so it needs the index with that dimension kept
    if not keepdim or not d.ndim:
        vals, idx = vals.squeeze(ax), idx.squeeze(ax)
    v = wrap(vals, input._device)
    if needs_grad(input):
        record(v, "MaxBackward0" if is_max else "MinBackward0", _index_reduce_backward, (input,),
               shape=d.shape, ax=ax, keepdim=keepdim or not d.ndim, idx=kept)
    result = return_types.max if is_max else return_types.min
    return result(v, wrap(idx.astype(np.int64, copy=False), input._device))


def _index_reduce_backward(node: Any, g: Tensor) -> tuple:
    shape, ax, keepdim, idx = node.shape, node.ax, node.keepdim, node.idx
    if not keepdim:
        g = g.unsqueeze(ax)
    elif not shape:
        g = g.reshape(1)
    z = g.new_zeros(shape if shape else (1,))
    out = z.scatter(ax, wrap(idx, g._device), g)
    return (out.reshape(shape) if not shape else out,)


@numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Tensor | None = None,  # noqa: A001
        out: Any = None) -> Any:
    """Largest value; with ``dim``, the ``(values, indices)`` along it; with a tensor, `maximum`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([[1.0, 5.0], [7.0, 2.0]])
        >>> torch.max(x), torch.max(x, 1).indices
        (tensor(7.), tensor([1, 0]))
    """
    if isinstance(dim, Tensor) or other is not None:  # torch.max(input, other): the elementwise `maximum`
        from .elementwise import maximum

        return maximum(input, dim if other is None else other)
    if dim is None:
        return _extreme(input, None, False, True, "max")
    return _values_indices(input, dim, keepdim, True)


@numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, other: Tensor | None = None,  # noqa: A001
        out: Any = None) -> Any:
    """Smallest value; with ``dim``, the ``(values, indices)`` along it; with a tensor, `minimum`.

    Example:
        >>> import brickwork as torch
        >>> torch.min(torch.tensor([[1.0, 5.0], [7.0, 2.0]]), 0).values
        tensor([1., 2.])
    """
    if isinstance(dim, Tensor) or other is not None:  # torch.min(input, other): the elementwise `minimum`
        from .elementwise import minimum

        return minimum(input, dim if other is None else other)
    if dim is None:
        return _extreme(input, None, False, False, "min")
    return _values_indices(input, dim, keepdim, False)


def _extreme(input: Tensor, dim: Any, keepdim: bool, is_max: bool, op: str) -> Tensor:
    d = input._data
    dims = _dims(input, dim, op)
    if d.size == 0 and (not dims or builtins.any(d.shape[i] == 0 for i in dims)):
        raise RuntimeError(f"{op}(): expected a non-empty tensor (got shape {tuple(input.shape)}) to reduce over "
                           "all dimensions; specify a dim with non-zero size")
    r = wrap(d.max(axis=dims, keepdims=keepdim) if is_max else d.min(axis=dims, keepdims=keepdim), input._device)
    if needs_grad(input):
        name = op.capitalize() + ("Backward1" if op in ("max", "min") else "Backward0")
        record(r, name, _extreme_backward, (input,), (input,), dims=dims, keepdim=keepdim, save_output=True)
    return r


def _extreme_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    dims, keepdim = node.dims, node.keepdim
    shape = tuple(x.shape)
    hit = (x == _expand_back(node.output(), shape, dims, keepdim)).to(g.dtype)
    count = hit.sum(dims, keepdim=True)
    return (_expand_back(g, shape, dims, keepdim) * hit / count,)


@numpy_names
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Largest values over ``dim``; ties share the gradient evenly.

    Example:
        >>> import brickwork as torch
        >>> torch.amax(torch.tensor([[1.0, 5.0], [7.0, 2.0]]), 1)
        tensor([5., 7.])
    """
    return _extreme(input, dim, keepdim, True, "amax")


@numpy_names
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Smallest values over ``dim``; ties share the gradient evenly.

    Example:
        >>> import brickwork as torch
        >>> torch.amin(torch.tensor([[1.0, 5.0], [7.0, 2.0]]), 1)
        tensor([1., 2.])
    """
    return _extreme(input, dim, keepdim, False, "amin")


@numpy_names
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """``(amin, amax)`` together.

    Example:
        >>> import brickwork as torch
        >>> lo, hi = torch.aminmax(torch.tensor([[1, 5], [-3, 2]]), dim=1); lo, hi
        (tensor([ 1, -3]), tensor([5, 2]))
    """
    dims = () if dim is None else dim
    lo, hi = amin(input, dims, keepdim), amax(input, dims, keepdim)
    return return_types.aminmax(renamed(lo, "AminmaxBackward0", input), renamed(hi, "AminmaxBackward0", input))


def _arg(input: Tensor, dim: int | None, keepdim: bool, is_max: bool) -> Tensor:
    if dim is None:
        d = input._data.reshape(-1)
        r = d.argmax() if is_max else d.argmin()
        out = wrap(np.asarray(r, dtype=np.int64) if isinstance(d, np.ndarray) else r.astype(np.int64), input._device)
        return out.reshape((1,) * input._data.ndim) if keepdim else out
    return _values_indices(input.detach(), dim, keepdim, is_max).indices


@numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (over the flattened tensor when ``dim`` is None).

    Example:
        >>> import brickwork as torch
        >>> torch.argmax(torch.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
        tensor([1, 0])
    """
    return _arg(input, dim, keepdim, True)


@numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (over the flattened tensor when ``dim`` is None).

    Example:
        >>> import brickwork as torch
        >>> torch.argmin(torch.tensor([3.0, 1.0, 2.0]))
        tensor(1)
    """
    return _arg(input, dim, keepdim, False)


def _correction(unbiased: Any, correction: Any) -> float:
    if correction is not None:
        if unbiased is not None:
            raise RuntimeError("var/std: pass either unbiased or correction, not both")
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


@numpy_names
def var(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default; ``unbiased=False`` means 0).

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([1.0, 2.0, 3.0, 4.0])
        >>> torch.var(x), torch.var(x, correction=0), torch.var(x, unbiased=False)
        (tensor(1.6667), tensor(1.2500), tensor(1.2500))
    """
    if isinstance(dim, bool):  # var(x, unbiased)
        dim, unbiased = None, dim
    if _low(input):
        return _in_float32(var, input, "VarBackward0", dim, unbiased, keepdim, correction=correction)
    c = _correction(unbiased, correction)
    dims = _dims(input, dim, "var")
    n = 1
    for i in dims:
        n *= input._data.shape[i]
    centered = input - mean(input, dims, keepdim=True)
    sq = centered.abs().square() if centered._data.dtype.kind == "c" else centered * centered
    return renamed(sum(sq, dims, keepdim) / builtins.max(n - c, 0), "VarBackward0", input)


@numpy_names
def std(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """Standard deviation: the square root of `var`.

    Example:
        >>> import brickwork as torch
        >>> torch.std(torch.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor(1.2910)
    """
    from .elementwise import where

    v = var(input, dim, unbiased, keepdim, correction=correction)
    zero = v == 0  # there the gradient is 0, as in PyTorch, not 0/0: sqrt sees 1 instead and its result is dropped
    return renamed(where(zero, 0.0, where(zero, 1.0, v).sqrt()), "StdBackward0", input)


@numpy_names
def var_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` together.

    Example:
        >>> import brickwork as torch
        >>> torch.var_mean(torch.tensor([[1.0, 3.0], [2.0, 6.0]]), dim=1)
        (tensor([2., 8.]), tensor([2., 4.]))
    """
    v, m = var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)
    return renamed(v, "VarMeanBackward0", input), renamed(m, "VarMeanBackward0", input)


@numpy_names
def std_mean(input: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` together.

    Example:
        >>> import brickwork as torch
        >>> torch.std_mean(torch.tensor([1.0, 2.0, 3.0, 4.0]))
        (tensor(1.2910), tensor(2.5000))
    """
    s, m = std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)
    return renamed(s, "StdMeanBackward0", input), renamed(m, "StdMeanBackward0", input)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, out: Tensor | None = None,
         dtype: Any = None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements by default): ``'fro'``/2, 1, inf, -inf, 0 or any number.

    The gradient of the 2-norm at the zero vector is 0 (a subgradient), as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.norm(torch.tensor([3.0, 4.0])), torch.norm(torch.tensor([3.0, -4.0]), p=1)
        (tensor(5.), tensor(7.))
    """
    input = _cast(input, dtype)
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise RuntimeError("norm(p='nuc') is not supported; brickwork covers vector norms")
    if not input.is_floating_point():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{input.dtype}; call x.float() first")
    dims = _dims(input, dim, "norm")
    r = renamed(_vector_norm(input, p, dims, keepdim), "LinalgVectorNormBackward0", input)
    if out is not None:  # as the other ops' out=: the result's data in ``out``, outside autograd
        out._data = r._data
        out._version_counter[0] += 1
        return out
    return r


def _vector_norm(input: Tensor, p: Any, dims: tuple, keepdim: bool) -> Tensor:
    from .elementwise import where

    if p == 2:
        return _norm2(input, dims, keepdim)
    a = input.abs()
    if p == 1:
        return sum(a, dims, keepdim)
    if p == float("inf"):
        return amax(a, dims, keepdim)
    if p == float("-inf"):
        return amin(a, dims, keepdim)
    if p == 0:
        return sum((a != 0).to(input.dtype), dims, keepdim)
    s = sum(a ** p, dims, keepdim)
    return where(s == 0, 0.0, s) ** (1.0 / p)


def _norm2(input: Tensor, dims: tuple, keepdim: bool) -> Tensor:
    if _low(input):
        return _in_float32(_norm2, input, "NormBackward1", dims, keepdim)
    d = input._data
    r = wrap(input._device.xp.sqrt((d * d).sum(axis=dims, keepdims=keepdim)), input._device)
    if needs_grad(input):
        record(r, "NormBackward1", _norm2_backward, (input,), (input,), dims=dims, keepdim=keepdim, save_output=True)
    return r


def _norm2_backward(node: Any, g: Tensor) -> tuple:
    from .elementwise import where

    (x,) = node.saved_tensors
    dims, keepdim = node.dims, node.keepdim
    shape = tuple(x.shape)
    n = _expand_back(node.output(), shape, dims, keepdim)
    zero = n == 0
    return (where(zero, 0.0, _expand_back(g, shape, dims, keepdim) * x / where(zero, 1.0, n)),)


@numpy_names
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input), dim))`` computed stably.

    Example:
        >>> import brickwork as torch
        >>> torch.logsumexp(torch.tensor([0.0, 0.0]), 0)
        tensor(0.6931)
    """
    from .elementwise import where

    dims = _dims(input, dim, "logsumexp")
    if not input.is_floating_point():
        input = input.to(_dt.get_default_dtype())
    if _low(input):
        return _in_float32(logsumexp, input, "LogsumexpBackward0", dim, keepdim)
    m = amax(input.detach(), dims, keepdim=True)
    m = where(m.isinf(), 0.0, m)
    s = sum((input - m).exp(), dims, keepdim=True).log() + m
    return renamed(s if keepdim else s.squeeze(dims) if dims else s, "LogsumexpBackward0", input)


@numpy_names
def softmax(input: Tensor, dim: int | None = None, dtype: Any = None, _stacklevel: int = 3) -> Tensor:
    """``exp(x) / sum(exp(x), dim)`` computed stably.

    Example:
        >>> import brickwork as torch
        >>> torch.softmax(torch.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    input = _cast(input, dtype)
    d = input._data
    ax = _softmax_dim(d.ndim, dim, "softmax")
    xp = input._device.xp
    if d.dtype.kind != "f" and input.dtype is not _dt.bfloat16:
        raise RuntimeError(f"softmax: expected a floating input, got {input.dtype}; call x.float() first")
    if _low(input):
        return _in_float32(softmax, input, "SoftmaxBackward0", ax)
    r = wrap(_ks.softmax_forward(xp, d, ax), input._device)
    if needs_grad(input):
        record(r, "SoftmaxBackward0", _softmax_backward, (input,), dim=ax, save_output=True)
    return r


def _softmax_backward(node: Any, g: Tensor) -> tuple:
    y = node.output()
    if not STATE.enabled:  # first order: the kernel, one pass
        return (wrap(_ks.softmax_backward(y._device.xp, y._data, g._data, node.dim), y._device),)
    gy = g * y
    return (gy - y * gy.sum(node.dim, keepdim=True),)


@numpy_names
def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None, _stacklevel: int = 3) -> Tensor:
    """``log(softmax(x))`` computed stably.

    Example:
        >>> import brickwork as torch
        >>> torch.log_softmax(torch.tensor([0.0, 0.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    input = _cast(input, dtype)
    d = input._data
    ax = _softmax_dim(d.ndim, dim, "log_softmax")
    xp = input._device.xp
    if d.dtype.kind != "f" and input.dtype is not _dt.bfloat16:
        raise RuntimeError(f"log_softmax: expected a floating input, got {input.dtype}; call x.float() first")
    if _low(input):
        return _in_float32(log_softmax, input, "LogSoftmaxBackward0", ax)
    r = wrap(_ks.log_softmax_forward(xp, d, ax), input._device)
    if needs_grad(input):
        record(r, "LogSoftmaxBackward0", _log_softmax_backward, (input,), dim=ax, save_output=True)
    return r


def _log_softmax_backward(node: Any, g: Tensor) -> tuple:
    y = node.output()
    if not STATE.enabled:  # first order: the kernel, one pass
        return (wrap(_ks.log_softmax_backward(y._device.xp, y._data, g._data, node.dim), y._device),)
    return (g - y.exp() * g.sum(node.dim, keepdim=True),)


def _softmax_dim(ndim: int, dim: Any, op: str) -> int:
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if ndim in (0, 1, 3) else 1
    return wrap_dim(dim, ndim, op)


@numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative sum along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.cumsum(torch.tensor([1, 2, 3]), 0)
        tensor([1, 3, 6])
    """
    input = _cast(input, dtype)
    d = input._data
    ax = wrap_dim(dim, d.ndim, "cumsum")
    acc = _accumulator(d)
    r = d.cumsum(axis=ax, dtype=acc) if d.ndim else d.astype(acc or d.dtype)
    r = wrap(r.astype(d.dtype) if acc is np.float32 else r, input._device)
    if needs_grad(input):
        record(r, "CumsumBackward0", _cumsum_backward, (input,), dim=ax)
    return r


def _cumsum_backward(node: Any, g: Tensor) -> tuple:
    ax = node.dim
    if g.ndim == 0:
        return (g,)
    return (g.flip(ax).cumsum(ax).flip(ax),)


@numpy_names
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Cumulative product along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.cumprod(torch.tensor([1.0, 2.0, 3.0]), 0)
        tensor([1., 2., 6.])
    """
    input = _cast(input, dtype)
    d = input._data
    ax = wrap_dim(dim, d.ndim, "cumprod")
    acc = _accumulator(d)
    r = d.cumprod(axis=ax, dtype=acc) if d.ndim else d.astype(acc or d.dtype)
    r = wrap(r.astype(d.dtype) if acc is np.float32 else r, input._device)
    if needs_grad(input):
        def bw(node: Any, g: Tensor) -> tuple:
            (x,) = node.saved_tensors
            if bool((x == 0).any()):
                raise RuntimeError("cumprod backward with zeros in the input is not supported; add a tiny offset "
                                   "or use prod() over the dimension instead")
            return ((g * node.output()).flip(ax).cumsum(ax).flip(ax) / x,)

        record(r, "CumprodBackward0", bw, (input,), (input,), save_output=True)
    return r


@numpy_names
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether all elements (along ``dim``) are non-zero.

    Example:
        >>> import brickwork as torch
        >>> torch.all(torch.tensor([True, False])), torch.tensor([[1, 1], [0, 1]]).all(1)
        (tensor(False), tensor([ True, False]))
    """
    dims = _dims(input, dim, "all")
    r = input._data.astype(bool, copy=False).all(axis=dims, keepdims=keepdim)
    return wrap(r.astype(np.uint8) if input._data.dtype == np.uint8 else r, input._device)  # uint8 stays, as in PyTorch


@numpy_names
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether any element (along ``dim``) is non-zero.

    Example:
        >>> import brickwork as torch
        >>> torch.any(torch.tensor([True, False]))
        tensor(True)
    """
    dims = _dims(input, dim, "any")
    r = input._data.astype(bool, copy=False).any(axis=dims, keepdims=keepdim)
    return wrap(r.astype(np.uint8) if input._data.dtype == np.uint8 else r, input._device)  # uint8 stays, as in PyTorch


@numpy_names
def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """Number of non-zero elements (along ``dim``).

    Example:
        >>> import brickwork as torch
        >>> torch.count_nonzero(torch.tensor([0, 1, 2]))
        tensor(2)
    """
    dims = _dims(input, dim, "count_nonzero")
    return wrap((input._data != 0).sum(axis=dims, dtype=np.int64), input._device)
