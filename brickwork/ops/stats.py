"""Grouped reductions (``scatter_reduce``, ``index_reduce``), quantiles and counting (``histc``,
``bincount``, ``unique_consecutive``).

``scatter_reduce`` computes its value on arrays. Its gradient is PyTorch's: ``sum`` and ``mean`` are
composed from ``scatter_add``; ``amax``/``amin`` send the gradient to every element equal to the result,
split evenly among ties, through a composite of differentiable ops; ``prod`` has a hand-written backward
(products of the other members, with PyTorch's care for zeros) made of tensor ops, ``scatter_reduce``
itself included, so it differentiates again. Quantiles are composed from ``sort`` and ``lerp``-style
interpolation. Counting ops have no gradient, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ._aliases import numpy_names
from ._core import needs_grad, record, wrap, wrap_dim
from .creation import tensor as _tensor
from .elementwise import where
from .indexing import _along, _full_index, scatter_add

__all__ = ["scatter_reduce", "index_reduce", "quantile", "nanquantile", "histc", "bincount", "unique_consecutive"]

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _identity(dtype: Any, reduce: str) -> Any:
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f" or dtype.kind == "V":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def _at(dev: Any, reduce: str, a: Any, key: tuple, v: Any) -> Any:
    """``a`` with ``v`` combined in at ``key`` (repeated indices combining), returned (a new array off NumPy)."""
    if reduce in ("sum", "mean"):
        dev.backend.add_at(a, key, v)
        return a
    uf = getattr(np, {"prod": "multiply", "amax": "maximum", "amin": "minimum"}[reduce])
    if dev.xp is np:
        uf.at(a, key, v)
        return a
    # CuPy has no ufunc.at for these: combine on the host (one round trip) and copy back
    b = dev.backend
    host = b.to_host(a).copy()
    uf.at(host, tuple(b.to_host(k) if b.is_array(k) else k for k in key), b.to_host(v) if b.is_array(v) else v)
    return b.from_host(host, dev.index)


@numpy_names
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """``input`` with ``src`` combined into it along ``dim`` at ``index`` by ``reduce``.

    ``reduce`` is ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``; ``include_self=False`` leaves
    ``input``'s own values out of the positions that receive something.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([1.0, 2.0, 3.0])
        >>> x.scatter_reduce(0, torch.tensor([0, 0, 2]), torch.tensor([5.0, 7.0, 1.0]), "amax")
        tensor([7., 2., 3.])
    """
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    if src.dtype is not input.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, got {input.dtype} "
                           f"and {src.dtype}; convert src with src.to(input.dtype)")
    i, ax = _along(index, input, dim, "scatter_reduce")
    full = _full_index(i.astype(np.int64, copy=False), ax)
    xp = input._device.xp
    x = input._data
    s = src._data[tuple(slice(0, n) for n in i.shape)]
    touched = xp.zeros(x.shape, dtype=bool)
    touched[full] = True
    keep = ~touched if not include_self else xp.ones(x.shape, dtype=bool)  # whether input's own value takes part
    d = xp.where(keep, x, xp.asarray(_identity(x.dtype, reduce), dtype=x.dtype))
    d = _at(input._device, reduce, d, full, s)
    count = None
    if reduce == "mean":
        count = keep.astype(np.int64)
        input._device.backend.add_at(count, full, xp.ones(s.shape, dtype=np.int64))
        count = xp.maximum(count, 1)
        d = d // count.astype(d.dtype) if d.dtype.kind in "iu" else (d / count).astype(d.dtype)
    out = wrap(d, input._device)
    if not needs_grad(input, src):
        return out
    dev = input._device
    keep_t = wrap(keep.astype(x.dtype), dev)
    src_s = src[tuple(slice(0, n) for n in i.shape)]
    if reduce in ("sum", "mean"):
        c = scatter_add(input * keep_t, ax, index, src_s)
        return c if count is None else c / wrap(count.astype(x.dtype), dev)
    if reduce == "prod":
        return record(out, "ScatterReduceBackward0", _prod_backward, (input, src), saved=(input, src),
                      dim=ax, index=index, keep=keep_t, shape=tuple(i.shape))
    exact = out.detach()
    m_self = keep_t * (input == exact).to(input.dtype)
    m_src = (src_s == exact.gather(ax, index)).to(input.dtype)
    cnt = scatter_add(m_self, ax, index, m_src)
    composite = scatter_add(input * m_self / cnt, ax, index, src_s * m_src / cnt.gather(ax, index))
    return exact + (composite - composite.detach())


def _prod_backward(node: Any, g: Tensor) -> tuple:
    # the gradient for a member is the product of the other members of its group: Q / x without zeros in the
    # group, Q (the product of the non-zero members) for the group's only zero, and 0 otherwise
    input, src = node.saved_tensors
    ax, index, keep = node.dim, node.index, node.keep
    src_s = src[tuple(slice(0, n) for n in node.shape)]
    zi = (input == 0) & (keep > 0)
    zs = src_s == 0
    zeros = scatter_add(zi.to(input.dtype), ax, index, zs.to(input.dtype))
    q = scatter_reduce(where(keep > 0, where(zi, 1.0, input), 1.0), ax, index, where(zs, 1.0, src_s), "prod")
    gi = gs = None
    if node.needs_input_grad[0]:
        others = where(zeros == 0, q / where(zi, 1.0, input), where((zeros == 1) & zi, q, 0.0))
        gi = g * keep * others
    if node.needs_input_grad[1]:
        zg, qg = zeros.gather(ax, index), q.gather(ax, index)
        others = where(zg == 0, qg / where(zs, 1.0, src_s), where((zg == 1) & zs, qg, 0.0))
        gs = g.gather(ax, index) * others
        if tuple(gs.shape) != tuple(src.shape):
            gs = _pad_to(gs, tuple(src.shape))
    return gi, gs


def _pad_to(t: Tensor, shape: tuple) -> Tensor:
    """``t`` in the top corner of a zero tensor of ``shape`` (the part of ``src`` that ``index`` reaches)."""
    from .creation import zeros
    from .movement import cat

    for k, (have, want) in enumerate(zip(t.shape, shape)):
        if have < want:
            pad_shape = tuple(t.shape[:k]) + (want - have,) + tuple(t.shape[k + 1:])
            t = cat([t, zeros(pad_shape, dtype=t.dtype, device=t.device)], k)
    return t


@numpy_names
def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """``input`` with slice ``i`` of ``source`` along ``dim`` combined into slice ``index[i]`` by ``reduce``.

    ``reduce`` is ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2, 2).index_reduce(0, torch.tensor([0, 0]), torch.tensor([[2.0, 3.0], [4.0, 5.0]]), "prod")
        tensor([[ 8., 15.],
                [ 1.,  1.]])
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    ax = wrap_dim(dim, input.ndim, "index_reduce")
    if index.ndim > 1 or index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"index_reduce(): Index should have dimension 1 or 0 and an integer dtype, got shape "
                           f"{tuple(index.shape)} and {index.dtype}")
    n = index.numel()
    src_n = source.shape[ax] if source.ndim else 1
    if n != src_n:
        raise IndexError(f"index_reduce(): Number of indices ({n}) should be equal to source.size(dim) ({src_n})")
    shape = [1] * max(source.ndim, 1)
    shape[ax] = n
    full = index.reshape(shape).expand(tuple(source.shape) if source.ndim else (1,))
    return scatter_reduce(input, ax, full, source, reduce, include_self=include_self)


def _quantile(input: Tensor, q: Any, dim: int | None, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    op = "nanquantile" if ignore_nan else "quantile"
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got {input.dtype}")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest. Found "
                         f"{interpolation}")
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        qt = _tensor([float(q)], dtype=input.dtype, device=input.device)
    else:
        if q.dtype is not input.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor, got {q.dtype} and "
                               f"{input.dtype}")
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {tuple(q.shape)}")
        qt = q.reshape(-1)
    qa = qt._host()
    if qa.size and (qa.min() < 0 or qa.max() > 1):
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {qa[(qa < 0) | (qa > 1)][0]:g}")
    if input.numel() == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        d = wrap_dim(dim, input.ndim, op)
        x = input if input.ndim else input.reshape(1)
    xs = x.sort(d).values.movedim(d, -1)  # NaN sorts last
    size = xs.shape[-1]
    nan = xs.isnan()
    valid = (~nan).sum(-1, keepdim=True)
    last: Any = (valid - 1).clamp(min=0).to(x.dtype) if ignore_nan else float(size - 1)
    pos = qt.reshape((1,) * (xs.ndim - 1) + (-1,)) * last  # (..., nq)
    lo = pos.floor()
    hi = pos.ceil()
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = pos.round()
    vlo = xs.gather(-1, lo.long().expand(tuple(xs.shape[:-1]) + (pos.shape[-1],)))
    vhi = xs.gather(-1, hi.long().expand(tuple(xs.shape[:-1]) + (pos.shape[-1],)))
    if interpolation == "midpoint":
        r = vlo + (vhi - vlo) * where(hi > lo, 0.5, 0.0)
    elif interpolation == "linear":
        r = vlo + (vhi - vlo) * (pos - lo)
    else:
        r = vlo
    bad: Any = (valid == 0) if ignore_nan else nan.any(-1, keepdim=True)
    r = where(bad, float("nan"), r)
    r = r.movedim(-1, 0)  # the quantiles first, as in PyTorch
    if dim is None:
        r = r.reshape((-1,) + ((1,) * input.ndim if keepdim else ()))
    elif keepdim:
        r = r.unsqueeze(d + 1) if input.ndim else r
    elif input.ndim == 0:
        r = r.reshape(-1)
    if scalar_q:
        r = r.squeeze(0)
    return r


@numpy_names
def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *, interpolation: str = "linear",
             out: Tensor | None = None) -> Tensor:
    """The ``q``-th quantiles of ``input``, over all elements or along ``dim``.

    A tensor ``q`` of several quantiles puts them in a new first dimension. A slice containing NaN gives NaN.

    Example:
        >>> import brickwork as torch
        >>> torch.quantile(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([0.25, 0.5]))
        tensor([1.7500, 2.5000])
    """
    return _quantile(input, q, dim, keepdim, interpolation, False)


@numpy_names
def nanquantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", out: Tensor | None = None) -> Tensor:
    """`quantile` ignoring NaN values (a slice of only NaN gives NaN).

    Example:
        >>> import brickwork as torch
        >>> torch.nanquantile(torch.tensor([1.0, float("nan"), 3.0]), 0.5)
        tensor(2.)
    """
    return _quantile(input, q, dim, keepdim, interpolation, True)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0, *,  # noqa: A002
          out: Tensor | None = None) -> Tensor:
    """Histogram of ``bins`` equal-width bins over ``[min, max]`` (the data's range when both are 0).

    Values outside are ignored; ``max`` itself falls in the last bin. No gradient, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.histc(torch.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
        tensor([0., 2., 1., 0.])
    """
    if not input.is_floating_point():
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{str(input.dtype).split('.')[-1]}'; "
                                  "histc needs a floating point tensor (use bincount for integers)")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    xp = input._device.xp
    x = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"torch.histc(): max must be larger than min, got min={lo}, max={hi}")
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc(): range of [{lo}, {hi}] is not finite")
    inside = x[(x >= lo) & (x <= hi)].astype(np.float64)
    k = xp.floor((inside - lo) * bins / (hi - lo)).astype(np.int64)
    k = xp.minimum(k, bins - 1)
    counts = xp.bincount(k, minlength=bins).astype(x.dtype)
    return wrap(counts, input._device)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each non-negative integer occurs in a 1-d tensor (summing ``weights`` instead of counting).

    Example:
        >>> import brickwork as torch
        >>> torch.bincount(torch.tensor([0, 2, 2]))
        tensor([1, 0, 2])
    """
    if input.ndim != 1 or input.dtype.is_floating_point or input.dtype is _dt.bool_:
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got {input.ndim}-d "
                           f"{input.dtype}")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}")
    xp = input._device.xp
    x = input._data
    if x.size and int(x.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs; found a negative value")
    if weights is None:
        return wrap(xp.bincount(x, minlength=minlength).astype(np.int64), input._device)
    if weights.shape != input.shape:
        raise RuntimeError(f"weights should be 1-d and have the same length as input, got {tuple(weights.shape)} "
                           f"and {tuple(input.shape)}")
    w = weights._data
    dt = w.dtype if w.dtype.kind == "f" else np.float64
    return wrap(xp.bincount(x, weights=w, minlength=minlength).astype(dt), input._device)


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None) -> Any:
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) kept once.

    Optionally also the run each element belongs to and the run lengths. No gradient.

    Example:
        >>> import brickwork as torch
        >>> torch.unique_consecutive(torch.tensor([1, 1, 2, 2, 3, 1]))
        tensor([1, 2, 3, 1])
    """
    xp = input._device.xp
    if dim is None:
        x = input._data.reshape(-1)
        d = 0
        flat = x.reshape(-1, 1)
    else:
        d = wrap_dim(dim, input.ndim, "unique_consecutive")
        x = xp.moveaxis(input._data, d, 0)
        flat = x.reshape(x.shape[0], -1)
    n = flat.shape[0]
    if n:
        change = xp.concatenate([xp.ones(1, dtype=bool), (flat[1:] != flat[:-1]).any(axis=1)])
    else:
        change = xp.zeros(0, dtype=bool)
    starts = xp.nonzero(change)[0]
    vals = x[starts]
    if dim is not None:
        vals = xp.moveaxis(vals, 0, d)
    res = [wrap(xp.ascontiguousarray(vals), input._device)]
    if return_inverse:
        inv = xp.cumsum(change).astype(np.int64) - 1
        res.append(wrap(inv.reshape(input._data.shape) if dim is None else inv, input._device))
    if return_counts:
        ends = xp.concatenate([starts[1:], xp.asarray([n], dtype=starts.dtype)])
        res.append(wrap((ends - starts).astype(np.int64), input._device))
    return res[0] if len(res) == 1 else tuple(res)


# -- order statistics, differences, covariance, histograms, integration (composed from differentiable ops) --

def _values_at(input: Tensor, ax: int, idx: Any, keepdim: bool) -> tuple[Tensor, Tensor]:
    """The values of ``input`` at indices ``idx`` (an int64 array, keepdim-shaped) along ``ax``, and the indices."""
    from .indexing import gather

    i = wrap(idx, input._device)
    v = gather(input, ax, i) if input._data.ndim else input.clone()
    if not keepdim and input._data.ndim:
        v, i = v.squeeze(ax), i.squeeze(ax)
    return v, i


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """The most frequent value along ``dim`` (the smallest among ties) and the index of its last occurrence.

    Example:
        >>> import brickwork as torch
        >>> torch.mode(torch.tensor([2, 1, 1, 2, 3]))[:]
        (tensor(1), tensor(2))
    """
    from .. import return_types

    d = input._data
    ax = wrap_dim(dim, d.ndim, "mode")
    if d.ndim and not d.shape[ax]:
        raise IndexError(f"mode(): Expected reduction dim {ax} to have non-zero size.")
    x = np.moveaxis(input._host().reshape(d.shape or (1,)), ax, -1)
    rows = x.reshape(-1, x.shape[-1])
    best = np.zeros(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        vals, counts = np.unique(row, return_counts=True)
        v = vals[np.argmax(counts)]  # argmax: the first (smallest) value with the largest count
        best[r] = np.flatnonzero((row == v) | (np.isnan(row) & np.isnan(v)))[-1]
    idx = np.moveaxis(best.reshape(x.shape[:-1] + (1,)), -1, ax)
    xp = input._device.xp
    v, i = _values_at(input, ax, xp.asarray(idx.reshape(idx.shape if d.ndim else ())), keepdim)
    return return_types.mode(v, i)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median ignoring NaNs (NaN only where a slice is all NaN); ``(values, indices)`` along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.nanmedian(torch.tensor([1.0, float("nan"), 3.0, 2.0]))
        tensor(2.)
    """
    from .. import return_types

    if dim is None:
        flat = input.reshape(-1)
        if not flat._data.size:
            return flat.new_full((), float("nan")) if flat.is_floating_point() else flat.sum()
        return nanmedian(flat, 0).values
    d = input._data
    ax = wrap_dim(dim, d.ndim, "nanmedian")
    xp = input._device.xp
    x = d if d.ndim else d.reshape(1)
    order = xp.argsort(x, axis=ax, kind="stable")  # NaNs sort last
    valid = (~xp.isnan(x)).sum(axis=ax, keepdims=True) if x.dtype.kind == "f" else x.shape[ax]
    pos = xp.maximum((valid - 1) // 2, 0) * xp.ones((1,) * x.ndim, np.int64)
    idx = xp.take_along_axis(order, pos.astype(np.int64), ax)
    v, i = _values_at(input, ax, idx.reshape(idx.shape if d.ndim else ()), keepdim)
    return return_types.nanmedian(v, i)


def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.msort(torch.tensor([[3, 1], [1, 2]]))
        tensor([[1, 1],
                [3, 2]])
    """
    from .indexing import sort

    return sort(input, 0).values


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``out[i] = x[i + 1] - x[i]``, logical xor for bools).

    Example:
        >>> import brickwork as torch
        >>> torch.diff(torch.tensor([1, 3, 6, 10]))
        tensor([2, 3, 4])
    """
    from .movement import cat, narrow

    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    ax = wrap_dim(dim, input._data.ndim, "diff")
    parts = [t for t in (prepend, input, append) if t is not None]
    if len(parts) > 1:
        input = cat([t if isinstance(t, Tensor) else _tensor(t).expand(*input.shape[:ax], 1, *input.shape[ax + 1:])
                     for t in parts], ax)
    for _ in range(n):
        m = input._data.shape[ax]
        if m == 0:
            break
        hi, lo = narrow(input, ax, 1, m - 1), narrow(input, ax, 0, m - 1)
        input = hi.logical_xor(lo) if input.dtype is _dt.bool_ else hi - lo
    return input


def _cov_weights(w: Tensor | None, n: int, name: str) -> Tensor | None:
    if w is None:
        return None
    if w._data.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {w._data.ndim}")
    if w._data.size != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {w._data.size} != {n}")
    if bool((w._data < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")
    return w


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance matrix of the variables in the rows of ``input`` (observations in columns).

    ``correction=1`` is Bessel's (unbiased) estimate; ``fweights`` are integer repeat counts and ``aweights``
    observation weights, as in ``numpy.cov``.

    Example:
        >>> import brickwork as torch
        >>> torch.cov(torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    if input._data.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input._data.ndim} dimensions")
    x = input.reshape(1, -1) if input._data.ndim < 2 else input
    if not x.is_floating_point():
        x = x.to(_dt.get_default_dtype())
    n = x._data.shape[1]
    fw = _cov_weights(fweights, n, "fweights")
    aw = _cov_weights(aweights, n, "aweights")
    if fw is not None and fw.is_floating_point():
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with {fw.dtype} dtype")
    if aw is not None and not aw.is_floating_point():
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with {aw.dtype} "
                           "dtype")
    w = fw if aw is None else aw if fw is None else fw * aw
    if w is None:
        avg = x.mean(1)
        norm: Any = max(n - correction, 0)
    else:
        w = w.to(x.dtype)
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        norm = w_sum - (correction if aw is None else correction * (w * aw).sum() / w_sum)
        norm = norm.clamp_min(0)
    xm = x - avg.unsqueeze(1)
    c = (xm @ (xm if w is None else xm * w).mT) / norm
    return c.squeeze() if input._data.ndim < 2 else c


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in the rows of ``input``, clipped to [-1, 1].

    Example:
        >>> import brickwork as torch
        >>> torch.corrcoef(torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
        tensor([[ 1., -1.],
                [-1.,  1.]])
    """
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    s = c.diagonal().sqrt()
    return (c / s.unsqueeze(1) / s.unsqueeze(0)).clamp(-1, 1)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast).

    Example:
        >>> import brickwork as torch
        >>> torch.dist(torch.tensor([3.0, 0.0]), torch.tensor([0.0, 4.0]))
        tensor(5.)
    """
    from .reduce import norm

    return norm(input - other, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``.

    Example:
        >>> import brickwork as torch
        >>> torch.renorm(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 2, 0, 3)
        tensor([[1.0000, 2.0000],
                [1.8000, 2.4000]])
    """
    from .reduce import norm

    if not input.is_floating_point():
        raise RuntimeError(f"renorm: expected a floating point tensor, got {input.dtype}")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p = {p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    nd = input._data.ndim
    ax = wrap_dim(dim, nd, "renorm")
    others = tuple(i for i in range(nd) if i != ax)
    norms = norm(input, p, others, keepdim=True) if others else input.abs()
    scale = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return input * scale


def _histogram_edges(input: Tensor, bins: Any, range: Any, op: str) -> Any:  # noqa: A002
    """One dimension's bin edges (an array of float64) from an int count or a tensor of edges."""
    if isinstance(bins, Tensor):
        edges = bins._host().astype(np.float64)
        if edges.ndim != 1 or edges.size < 1:
            raise RuntimeError(f"torch.{op}(): bins tensor should have one dimension and at least 1 element, got "
                               f"shape {tuple(bins.shape)}")
        return edges
    if bins <= 0:
        raise RuntimeError(f"torch.{op}(): bins must be > 0, but got {bins} for dimension 0")
    x = input.reshape(-1)._host().astype(np.float64)
    if range is not None:
        lo, hi = float(range[0]), float(range[1])
    else:
        lo, hi = (float(x.min()), float(x.max())) if x.size else (0.0, 0.0)
    if lo > hi:
        raise RuntimeError(f"torch.{op}(): min should not exceed max, but got min {lo} max {hi}")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.{op}(): range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, int(bins) + 1)


def histogram(input: Tensor, bins: Any, *, range: Any = None, weight: Tensor | None = None,  # noqa: A002
              density: bool = False, out: Any = None) -> Any:
    """Histogram of the values over ``bins`` equal bins of ``range`` (or the data's range), or given edges.

    Returns ``(hist, bin_edges)``; ``weight`` weights each element, ``density`` normalizes to a density.
    No gradient, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.histogram(torch.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0)).hist
        tensor([0., 2., 1., 0.])
    """
    from .. import return_types

    if not input.is_floating_point():
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{str(input.dtype).split('.')[-1]}': "
                                  "histogram needs a floating point input (use bincount for integers)")
    edges = _histogram_edges(input, bins, range, "histogram")
    w = None if weight is None else weight._host().reshape(-1).astype(np.float64)
    hist, _ = np.histogram(input._host().reshape(-1).astype(np.float64), edges, weights=w, density=density)
    dev, dt = input._device, input._data.dtype
    xp = dev.xp
    return return_types.histogram(wrap(xp.asarray(hist.astype(dt)), dev), wrap(xp.asarray(edges.astype(dt)), dev))


def histogramdd(input: Tensor, bins: Any, *, range: Any = None, weight: Tensor | None = None,  # noqa: A002
                density: bool = False, out: Any = None) -> Any:
    """Multi-dimensional histogram of the points in the rows of ``input`` (``(..., D)``).

    ``bins`` is one count, one count per dimension, or one tensor of edges per dimension; ``range`` is
    ``[min_0, max_0, min_1, max_1, ...]``. Returns ``(hist, bin_edges)``. No gradient, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.histogramdd(torch.tensor([[0.0, 1.0], [1.0, 0.0]]), bins=2).hist
        tensor([[0., 1.],
                [1., 0.]])
    """
    from .. import return_types

    if not input.is_floating_point():
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{str(input.dtype).split('.')[-1]}': "
                                  "histogramdd needs a floating point input")
    if input._data.ndim < 1:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 1 dimension")
    dims = input._data.shape[-1]
    pts = input.reshape(-1, dims)
    per = list(bins) if isinstance(bins, (list, tuple)) else [bins] * dims
    if len(per) != dims:
        raise RuntimeError(f"histogramdd: The size of bins must be equal to the innermost dimension of the input "
                           f"({dims}), got {len(per)} bin specifications")
    if range is not None and len(range) != 2 * dims:
        raise RuntimeError(f"torch.histogramdd: range should have {2 * dims} elements, but got {len(range)}")
    edges = [_histogram_edges(pts[:, k], b, None if range is None else range[2 * k:2 * k + 2], "histogramdd")
             for k, b in enumerate(per)]
    w = None if weight is None else weight._host().reshape(-1).astype(np.float64)
    hist, _ = np.histogramdd(pts._host().astype(np.float64), edges, weights=w, density=density)
    dev, dt = input._device, input._data.dtype
    xp = dev.xp
    return return_types.histogramdd(wrap(xp.asarray(hist.astype(dt)), dev),
                                    tuple(wrap(xp.asarray(e.astype(dt)), dev) for e in edges))


def _spacing(y: Tensor, x: Any, dx: Any, ax: int, op: str) -> Any:
    """The step between samples along ``ax``: a number, or a tensor of differences shaped to broadcast."""
    if isinstance(x, Tensor):
        if x._data.ndim == 1:
            if x._data.shape[0] != y._data.shape[ax]:
                raise RuntimeError(f"{op}: There must be one `x` value for each sample point; got {x._data.shape[0]} "
                                   f"`x` values and {y._data.shape[ax]} samples along dimension {ax}")
            return diff(x).reshape((-1,) + (1,) * (y._data.ndim - 1 - ax))
        return diff(x, dim=ax - y._data.ndim)
    if x is not None:
        return x
    return 1 if dx is None else dx


def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, at sample points ``x`` or ``dx`` apart.

    Example:
        >>> import brickwork as torch
        >>> torch.trapezoid(torch.tensor([1.0, 2.0, 4.0])), torch.trapezoid(torch.tensor([1, 2, 4]), dx=2)
        (tensor(4.5000), tensor(9.))
    """
    from .movement import narrow

    if isinstance(x, Tensor) and dx is not None:
        raise TypeError("trapezoid() received both x and dx; give the sample points x or the spacing dx, not both")
    ax = wrap_dim(dim, y._data.ndim, "trapezoid")
    n = y._data.shape[ax]
    h = _spacing(y, x, dx, ax, "trapezoid")
    if n == 0:
        return y.sum(ax).detach()  # zeros of the input's dtype, outside the graph, as in PyTorch
    mids = narrow(y, ax, 1, n - 1) + narrow(y, ax, 0, n - 1)
    return (mids * h).sum(ax) / 2


def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """`trapezoid` under NumPy's older name.

    Example:
        >>> import brickwork as torch
        >>> torch.trapz(torch.tensor([1.0, 2.0, 4.0]))
        tensor(4.5000)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running integral of ``y`` along ``dim`` by the trapezoidal rule (one element fewer than ``y``).

    Example:
        >>> import brickwork as torch
        >>> torch.cumulative_trapezoid(torch.tensor([1.0, 2.0, 4.0]))
        tensor([1.5000, 4.5000])
    """
    from .movement import narrow

    ax = wrap_dim(dim, y._data.ndim, "cumulative_trapezoid")
    n = y._data.shape[ax]
    h = _spacing(y, x, dx, ax, "cumulative_trapezoid")
    if n == 0:
        return y * 1.0
    mids = narrow(y, ax, 1, n - 1) + narrow(y, ax, 0, n - 1)
    return ((mids * h) / 2).cumsum(ax)


def _gradient_1d(f: Tensor, ax: int, h: Any, edge_order: int) -> Tensor:
    """``f``'s derivative along ``ax`` by central differences; ``h`` a number or a 1-d tensor of coordinates."""
    from .movement import cat, narrow

    n = f._data.shape[ax]

    def at(i: int, k: int = 1) -> Tensor:
        return narrow(f, ax, i % n, k)

    if not isinstance(h, Tensor):
        inner = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first, last = (at(1) - at(0)) / h, (at(-1) - at(-2)) / h
        else:
            first = (-1.5 * at(0) + 2 * at(1) - 0.5 * at(2)) / h
            last = (0.5 * at(-3) - 2 * at(-2) + 1.5 * at(-1)) / h
        return cat([first, inner, last], ax)
    shape = (-1,) + (1,) * (f._data.ndim - 1 - ax)
    dx = diff(h.to(f.dtype) if h.dtype != f.dtype else h).reshape(shape)
    hl, hr = narrow(dx, 0, 0, n - 2), narrow(dx, 0, 1, n - 2)
    inner = (hl * hl * at(2, n - 2) - hr * hr * at(0, n - 2) + (hr * hr - hl * hl) * at(1, n - 2)) \
        / (hl * hr * (hl + hr))
    d0, d1, dm, dl = narrow(dx, 0, 0, 1), narrow(dx, 0, 1 % max(n - 1, 1), 1), narrow(dx, 0, n - 2, 1), \
        narrow(dx, 0, max(n - 3, 0), 1)
    if edge_order == 1:
        first, last = (at(1) - at(0)) / d0, (at(-1) - at(-2)) / dm
    else:  # NumPy's second-order one-sided differences on uneven grids
        a, b, c = -(2 * d0 + d1) / (d0 * (d0 + d1)), (d0 + d1) / (d0 * d1), -d0 / (d1 * (d0 + d1))
        first = a * at(0) + b * at(1) + c * at(2)
        a, b, c = dm / (dl * (dl + dm)), -(dm + dl) / (dl * dm), (2 * dm + dl) / (dm * (dl + dm))
        last = a * at(-3) + b * at(-2) + c * at(-1)
    return cat([first, inner, last], ax)


def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None, edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of ``input`` along each of ``dim`` (all by default) by central differences.

    ``spacing`` is one number (the step in every dimension), one number per dimension, or one 1-d tensor of
    sample coordinates per dimension; the edges use one-sided differences of order ``edge_order`` (1 or 2).

    Example:
        >>> import brickwork as torch
        >>> torch.gradient(torch.tensor([1.0, 2.0, 4.0, 8.0]))
        (tensor([1.0000, 1.5000, 3.0000, 4.0000]),)
    """
    nd = input._data.ndim
    dims = list(range(nd)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [wrap_dim(d, nd, "gradient") for d in dims]
    if isinstance(spacing, (list, tuple)):
        steps = list(spacing)
        if len(steps) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(steps)} and a dim argument of length {len(dims)}.")
    else:
        steps = [spacing] * len(dims)
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}.")
    if not input.is_floating_point():
        input = input.to(_dt.get_default_dtype())
    out = []
    for d, h in zip(dims, steps):
        if input._data.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        out.append(_gradient_1d(input, d, h.item() if isinstance(h, Tensor) and h._data.ndim == 0 else h,
                                edge_order))
    return tuple(out)
