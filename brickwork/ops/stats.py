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
