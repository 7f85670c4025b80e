"""Indexing: ``[]`` reads and writes (basic, advanced and boolean, with None and Ellipsis), gather/scatter,
index_select, masked_fill, topk and sort. Writes with duplicate indices accumulate in backward, so gradients
through repeated indices add up.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import return_types
from .._tensor import Tensor, _make
from ._aliases import numpy_names
from ._core import STATE, array_backward, inplace, like, make_view, needs_grad, record, record_unary, renamed, wrap, wrap_dim, xp_of


def _index_array(t: Tensor, dev: Any) -> Any:
    d = t._data
    if d.dtype.kind == "f":
        raise IndexError(f"tensors used as indices must be long, int, byte or bool tensors, got {t.dtype}")
    if t._device is not dev and not (dev.type == "cpu" and t._device.type == "cpu"):
        d = dev.backend.from_host(t._host(), dev.index) if dev.type != "cpu" else t._host()
    return d


def _convert_index(idx: Any, dev: Any) -> tuple[Any, bool]:
    """The index as NumPy/CuPy understands it, and whether it uses advanced (array) indexing."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    out, advanced = [], False
    for i in idx:
        if isinstance(i, Tensor):
            out.append(_index_array(i, dev))
            advanced = True
        elif isinstance(i, (list, np.ndarray, range)):  # a range is a list of ints, as in PyTorch
            a = np.asarray(i) if isinstance(i, (list, range)) else i
            if a.dtype == object:
                a = np.asarray([int(x) for x in i])
            if a.dtype.kind == "f" and a.size == 0:  # [] indexes nothing, as in PyTorch (NumPy makes it float)
                a = a.astype(np.int64)
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            out.append(a if dev.type == "cpu" else dev.backend.from_host(a, dev.index))
            advanced = True
        elif isinstance(i, (bool, np.bool_)):
            out.append(bool(i))
            advanced = True
        elif dev.type != "cpu" and dev.backend.is_array(i):  # an index already on the device (a saved key)
            out.append(i)
            advanced = True
        elif i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)):
            if isinstance(i, slice) and i.step is not None and i.step <= 0:
                raise ValueError("step must be greater than zero (negative slice steps are not supported; use "
                                 "flip())")
            out.append(i)
        else:
            raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or bool tensors are "
                             f"valid indices, got {type(i).__name__}")
    return tuple(out), advanced


def _check_bounds(d: Any, idx: tuple) -> None:
    # a readable error for out-of-range integer indices (NumPy's names no tensor shape)
    dim = 0
    for i in idx:
        if i is None:
            continue
        if i is Ellipsis:
            dim = d.ndim - sum(1 for j in idx if j is not None and j is not Ellipsis
                                and not (hasattr(j, "dtype") and j.dtype == bool))
            dim = max(dim, 0) + sum(1 for j in idx[:idx.index(Ellipsis)] if j is not None)
            continue
        if isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            if dim >= d.ndim:
                raise IndexError(f"too many indices for tensor of dimension {d.ndim}")
            n = d.shape[dim]
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {n} (tensor shape "
                                 f"{tuple(d.shape)})")
        dim += (i.ndim if hasattr(i, "dtype") and i.dtype == bool else 1)


def _ints_first(idx: Any) -> tuple[tuple, tuple] | None:
    """PyTorch applies integer indices before advanced ones; NumPy counts them as advanced, which can move the
    broadcast dimensions to the front (``x[0, :, [1, 2]]``). The basic and advanced steps that give PyTorch's
    result, or None when the index mixes no integers with arrays."""
    if not isinstance(idx, tuple):
        return None

    def is_int(i: Any) -> bool:
        return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))

    def is_array(i: Any) -> bool:
        return isinstance(i, (Tensor, list, np.ndarray)) or hasattr(i, "__cuda_array_interface__")

    if not any(map(is_int, idx)) or not any(map(is_array, idx)):
        return None
    basic, adv = [], []
    for i in idx:
        if is_int(i):
            basic.append(i)
        elif is_array(i):
            a = i if hasattr(i, "dtype") else np.asarray(i)
            basic += [slice(None)] * (a.ndim if str(a.dtype).endswith("bool") else 1)  # a mask spans its ndim
            adv.append(i)
        elif isinstance(i, (bool, np.bool_)):
            adv.append(i)
        else:  # None, slice and Ellipsis act in the first step; afterwards their dimensions are kept whole
            basic.append(i)
            adv.append(i if i is Ellipsis else slice(None))
    return tuple(basic), tuple(adv)


def _python_sequences(idx: Any) -> Any:
    """Ranges as lists of ints, and a list holding sequences, slices, None or ``...`` read as a tuple of
    indices (with PyTorch's deprecation warning), as PyTorch reads them."""
    if isinstance(idx, range):
        return list(idx)
    if isinstance(idx, list) and any(isinstance(i, (list, tuple, range, slice, Tensor)) or i is None or i is Ellipsis
                                     for i in idx):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; use x[tuple(seq)] "
                      "instead of x[seq]", UserWarning, stacklevel=3)
        idx = tuple(idx)
    if isinstance(idx, tuple) and any(isinstance(i, range) for i in idx):
        idx = tuple(list(i) if isinstance(i, range) else i for i in idx)
    return idx


def _expand_ellipsis(idx: Any, ndim: int) -> Any:
    """``...`` written out as slices when it stands between advanced indices: PyTorch decides whether they are
    adjacent after expanding it (``x[:, [0], ..., [1]]`` on a 3-d tensor keeps them together), NumPy never."""
    if not isinstance(idx, tuple) or not any(i is Ellipsis for i in idx):
        return idx

    def is_array(i: Any) -> bool:
        return isinstance(i, (Tensor, list, np.ndarray)) or hasattr(i, "__cuda_array_interface__")

    arrays = [k for k, i in enumerate(idx) if is_array(i)]
    e = next(k for k, i in enumerate(idx) if i is Ellipsis)
    if len(arrays) < 2 or not arrays[0] < e < arrays[-1]:
        return idx
    used = 0
    for i in idx:
        if is_array(i):
            a = i if hasattr(i, "dtype") else np.asarray(i)
            used += a.ndim if str(a.dtype).endswith("bool") else 1
        elif i is not None and i is not Ellipsis and not isinstance(i, (bool, np.bool_)):
            used += 1
    return idx if used > ndim else idx[:e] + (slice(None),) * (ndim - used) + idx[e + 1:]


def getitem(input: Tensor, idx: Any) -> Tensor:
    """``input[idx]``: a view for basic indexing, a copy for advanced (tensor, list or bool) indexing.

    Example:
        >>> import brickwork as torch
        >>> x = torch.arange(6).reshape(2, 3)
        >>> x[1], x[:, ::2], x[x > 3], x[None, ..., 0].shape
        (tensor([3, 4, 5]), tensor([[0, 2],
                [3, 5]]), tensor([4, 5]), brickwork.Size([1, 2]))
    """
    d = input._data
    if idx.__class__ is int and d.ndim > 1 and -d.shape[0] <= idx < d.shape[0]:  # x[i]: the commonest, direct
        out = make_view(_make(d[idx], input._device), input)
        if input._requires_grad and STATE.enabled:
            record_unary(out, "SelectBackward0", _getitem_backward, input,
                         attrs={"shape": d.shape, "key": (idx,), "advanced": False})
        return out
    idx = _expand_ellipsis(_python_sequences(idx), input._data.ndim)
    steps = _ints_first(idx)
    if steps is not None:
        return getitem(getitem(input, steps[0]), steps[1])
    d = input._data
    key, advanced = _convert_index(idx, input._device)
    try:
        r = d[key]
    except IndexError as e:
        _check_bounds(d, key)
        raise IndexError(f"{e} (tensor shape {tuple(d.shape)}, index {idx!r})") from None
    if isinstance(r, np.generic):  # NumPy reads a full integer index as a scalar copy; a trailing ... gives a view
        r = d[(*key, Ellipsis) if isinstance(key, tuple) else (key, Ellipsis)]
    out = wrap(r if hasattr(r, "shape") else input._device.xp.asarray(r), input._device)
    if not advanced:
        make_view(out, input)
    if needs_grad(input):
        record(out, "IndexBackward0" if advanced else _basic_name(key, d.shape), _getitem_backward, (input,),
               shape=d.shape, key=key, advanced=advanced)
    return out


def _basic_name(key: tuple, shape: tuple) -> str:
    """PyTorch's node name for a basic index: that of its last step (select, slice or unsqueeze), where a tuple
    index skips whole-dimension slices and an index that does nothing is an alias."""
    if len(key) == 1 and isinstance(key[0], slice):
        return "SliceBackward0"
    name, dim = "AliasBackward0", 0
    for k in key:
        if k is Ellipsis:
            dim = len(shape) - sum(1 for j in key if j is not None and j is not Ellipsis) + dim
        elif k is None:
            name = "UnsqueezeBackward0"
        elif isinstance(k, slice):
            if k.indices(shape[dim]) != (0, shape[dim], 1):
                name = "SliceBackward0"
            dim += 1
        else:
            name = "SelectBackward0"
            dim += 1
    return name


def _getitem_backward(node: Any, g: Tensor) -> tuple:
    return (index_put_new(g.new_zeros(node.shape), node.key, g, accumulate=node.advanced),)


@array_backward(_getitem_backward)
def _getitem_backward_arrays(node: Any, gd: Any) -> Any:
    if node.advanced:
        return NotImplemented
    d = node._dev.xp.zeros(node.shape, gd.dtype)  # through a basic index: the slice of a zero array
    d[node.key] = gd
    return (d,)


def index_put_new(input: Tensor, key: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (or added) at ``key``, differentiable in both."""
    if not isinstance(key, tuple) or any(isinstance(k, Tensor) for k in key):
        key, _ = _convert_index(key, input._device)
    xp = input._device.xp
    d = input._data.copy()
    if isinstance(values, Tensor):
        if values._device is not input._device and values._data.ndim:
            from ._core import device_mismatch

            raise device_mismatch("index_put", input, values)
        v = values._data
        if values._device is not input._device:
            v = input._device.backend.from_host(values._host(), input._device.index)
        v = v.astype(d.dtype, copy=False)
    else:
        v = values
    steps = _ints_first(key)
    target = d if steps is None else d[steps[0]]  # PyTorch's order: write through the basic view
    try:
        if accumulate:
            input._device.backend.add_at(target, key if steps is None else steps[1], v)
        else:
            target[key if steps is None else steps[1]] = v
    except (ValueError, IndexError) as e:
        vs = tuple(values.shape) if isinstance(values, Tensor) else ()
        raise RuntimeError(f"index_put: cannot write values of shape {vs} into a tensor of shape "
                           f"{tuple(input.shape)} at index {key!r}: {e}") from None
    out = wrap(d, input._device)
    if needs_grad(input, values):
        record(out, "IndexPutBackward0", _index_put_backward,
               (input, values if isinstance(values, Tensor) else None), key=key, accumulate=accumulate,
               like=like(values))
    return out


def _index_put_backward(node: Any, g: Tensor) -> tuple:
    key, accumulate, (ei, ev) = node.key, node.accumulate, node.edges
    gi = gv = None
    if ei is not None:
        gi = g if accumulate else index_put_new(g, key, 0.0)
    if ev is not None:
        from ._core import sum_to

        gv = sum_to(getitem(g, key), node.like)
    return gi, gv


def setitem(self: Tensor, idx: Any, value: Any) -> None:
    """``self[idx] = value`` in place (recorded by autograd when ``value`` or ``self`` requires grad).

    Example:
        >>> import brickwork as torch
        >>> x = torch.zeros(3); x[1:] = torch.tensor([5.0, 6.0]); x
        tensor([0., 5., 6.])
    """
    idx = _expand_ellipsis(_python_sequences(idx), self._data.ndim)
    if isinstance(value, Tensor) or needs_grad(self):
        inplace(self, "__setitem__", lambda t: index_put_new(t, idx, value), *(
            (value,) if isinstance(value, Tensor) else ()))
        return
    from ._core import check_inplace

    check_inplace(self, "__setitem__")
    key, _ = _convert_index(idx, self._device)
    try:
        self._data[key] = value
    except (ValueError, IndexError, TypeError) as e:
        raise RuntimeError(f"__setitem__: cannot assign {value!r} at index {idx!r} of a tensor of shape "
                           f"{tuple(self.shape)}: {e}") from None
    self._version_counter[0] += 1


def _along(index: Tensor, input: Tensor, dim: int, op: str) -> tuple[Any, int]:
    d, i = input._data, _index_array(index, input._device)
    ax = wrap_dim(dim, d.ndim, op)
    if i.ndim != d.ndim:
        raise RuntimeError(f"{op}: index tensor must have the same number of dimensions as input tensor "
                           f"(index shape {tuple(i.shape)}, input shape {tuple(d.shape)})")
    for k in range(d.ndim):
        if k != ax and i.shape[k] > d.shape[k]:
            raise RuntimeError(f"{op}: size of index {tuple(i.shape)} must not exceed the input's "
                               f"{tuple(d.shape)} in dimension {k} (other than dim {ax})")
    if i.size and (i.min() < -d.shape[ax] or i.max() >= d.shape[ax]):
        raise RuntimeError(f"{op}: index {int(i.max())} is out of bounds for dimension {ax} with size "
                           f"{d.shape[ax]}")
    return i, ax


@numpy_names
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Values of ``input`` picked along ``dim`` by ``index``: ``out[i][j] = input[i][index[i][j]]`` for dim 1.

    Example:
        >>> import brickwork as torch
        >>> torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]]))
        tensor([[1, 1],
                [4, 3]])
    """
    i, ax = _along(index, input, dim, "gather")
    xp = input._device.xp
    src = input._data[tuple(slice(0, n) if k != ax else slice(None) for k, n in enumerate(i.shape))]
    out = wrap(xp.take_along_axis(src, i.astype(np.int64, copy=False), ax), input._device)
    if needs_grad(input):
        record(out, "GatherBackward0", _gather_backward, (input,), shape=tuple(input.shape), dim=ax, index=index)
    return out


def _gather_backward(node: Any, g: Tensor) -> tuple:
    shape, ax, index = node.shape, node.dim, node.index
    return (scatter_add(g.new_zeros(shape), ax, index, g),)


def _full_index(i: Any, ax: int) -> tuple:
    xp = xp_of(i)
    idx = []
    for k in range(i.ndim):
        if k == ax:
            idx.append(i)
        else:
            sh = [1] * i.ndim
            sh[k] = i.shape[k]
            idx.append(xp.arange(i.shape[k]).reshape(sh))
    return tuple(idx)


@numpy_names
def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (or ``value``) written along ``dim`` at ``index``.

    ``reduce='add'`` or ``'multiply'`` combines instead of overwriting.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), 1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]])
    """
    if src is None:
        src = value
    if reduce == "add":
        if not isinstance(src, Tensor):
            src = input.new_full(tuple(index.shape), src)
        return scatter_add(input, dim, index, src)
    i, ax = _along(index, input, dim, "scatter")
    full = _full_index(i.astype(np.int64, copy=False), ax)
    d = input._data.copy()
    if isinstance(src, Tensor):
        s = src._data[tuple(slice(0, n) for n in i.shape)].astype(d.dtype, copy=False)
    else:
        s = src
    if reduce == "multiply":
        if input._device.xp is np:
            np.multiply.at(d, full, s)
        else:
            raise RuntimeError("scatter(reduce='multiply') is not supported on CUDA; use scatter_reduce")
    elif reduce is not None:
        raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
    else:
        d[full] = s
    out = wrap(d, input._device)
    srct = src if isinstance(src, Tensor) else None
    if needs_grad(input, src) and reduce is None:
        record(out, "ScatterBackward0", _scatter_backward, (input, srct), dim=ax, index=index,
               src_shape=None if srct is None else tuple(srct.shape))
    return out


def _scatter_backward(node: Any, g: Tensor) -> tuple:
    ax, index, (ei, es) = node.dim, node.index, node.edges
    gi = None if ei is None else scatter(g, ax, index, 0.0)
    gs = None if es is None else _gathered_src(g, ax, index, node.src_shape)
    return gi, gs


def _gathered_src(g: Tensor, ax: int, index: Tensor, src_shape: tuple) -> Tensor:
    """The gradient of scatter's ``src``: ``g`` gathered at ``index``, zero-padded to ``src``'s shape."""
    gs = gather(g, ax, index)
    if tuple(gs.shape) != src_shape:
        gs = index_put_new(g.new_zeros(src_shape), tuple(slice(0, n) for n in gs.shape), gs)
    return gs


@numpy_names
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added along ``dim`` at ``index`` (duplicates accumulate).

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(3).scatter_add(0, torch.tensor([0, 0, 2]), torch.tensor([1.0, 2.0, 3.0]))
        tensor([3., 0., 3.])
    """
    i, ax = _along(index, input, dim, "scatter_add")
    full = _full_index(i.astype(np.int64, copy=False), ax)
    d = input._data.copy()
    s = src._data[tuple(slice(0, n) for n in i.shape)].astype(d.dtype, copy=False)
    input._device.backend.add_at(d, full, s)
    out = wrap(d, input._device)
    if needs_grad(input, src):
        record(out, "ScatterAddBackward0", _scatter_add_backward, (input, src), dim=ax, index=index,
               src_shape=tuple(src.shape))
    return out


def _scatter_add_backward(node: Any, g: Tensor) -> tuple:
    ei, es = node.edges
    gs = None if es is None else _gathered_src(g, node.dim, node.index, node.src_shape)
    return (None if ei is None else g), gs


@numpy_names
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-d ``index``.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([[1, 2], [3, 4]]).index_select(0, torch.tensor([1, 1]))
        tensor([[3, 4],
                [3, 4]])
    """
    ax = wrap_dim(dim, input._data.ndim, "index_select")
    if index._data.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape {tuple(index.shape)}")
    return renamed(getitem(input, (slice(None),) * ax + (index.reshape(-1),)), "IndexSelectBackward0", input)


@numpy_names
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` slices added at ``index`` along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(3).index_add(0, torch.tensor([0, 0]), torch.tensor([1.0, 2.0]))
        tensor([3., 0., 0.])
    """
    ax = wrap_dim(dim, input._data.ndim, "index_add")
    src = source * alpha if alpha != 1 else source
    return renamed(index_put_new(input, (slice(None),) * ax + (index,), src, accumulate=True), "IndexAddBackward0",
                   input, source)


@numpy_names
def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy with the slices at ``index`` along ``dim`` set to ``value``.

    Example:
        >>> import brickwork as torch
        >>> torch.index_fill(torch.zeros(2, 3), 1, torch.tensor([0, 2]), -1.0)
        tensor([[-1.,  0., -1.],
                [-1.,  0., -1.]])
    """
    ax = wrap_dim(dim, input._data.ndim, "index_fill")
    name = "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0"
    return renamed(index_put_new(input, (slice(None),) * ax + (index,), value), name, input, value)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` where the (broadcastable) bool ``mask`` is true.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1.0, 2.0]).masked_fill(torch.tensor([True, False]), 0.0)
        tensor([0., 2.])
    """
    from .elementwise import where

    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s)")
        value = value.to(input.dtype)
    elif input._data.dtype.kind in "biu" and isinstance(value, float):
        value = int(value) if input._data.dtype.kind != "b" else bool(value)
    out = where(mask, value, input)
    if out.dtype is not input.dtype:
        out = out.to(input.dtype)
    return renamed(out, "MaskedFillBackward1" if isinstance(value, Tensor) else "MaskedFillBackward0", input, value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` is true, as a 1-d tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1, 2, 3]).masked_select(torch.tensor([True, False, True]))
        tensor([1, 3])
    """
    from .movement import broadcast_tensors

    a, m = broadcast_tensors(input, mask)
    return renamed(getitem(a, m), "MaskedSelectBackward0", input)


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the positions where ``mask`` holds filled from ``source`` in order.

    Example:
        >>> import brickwork as torch
        >>> mask = torch.tensor([True, False, True, False])
        >>> torch.masked_scatter(torch.zeros(4), mask, torch.tensor([1.0, 2.0, 3.0]))
        tensor([1., 0., 2., 0.])
    """
    m = mask.expand(tuple(input.shape))
    n = int(m.sum().item())
    return renamed(index_put_new(input, m, source.reshape(-1)[:n]), "MaskedScatterBackward0", input, source)


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``input`` at ``index``.

    Example:
        >>> import brickwork as torch
        >>> torch.take(torch.tensor([[4, 3], [5, 7]]), torch.tensor([0, 3]))
        tensor([4, 7])
    """
    return renamed(getitem(input.reshape(-1), index), "TakeBackward0", input)


@numpy_names
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Pick values along ``dim`` by ``indices`` (broadcasting), like ``numpy.take_along_axis``.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([[10, 30, 20]]); torch.take_along_dim(x, x.argsort(1), 1)
        tensor([[10, 20, 30]])
    """
    if dim is None:
        return take(input, indices.reshape(-1))
    ax = wrap_dim(dim, input._data.ndim, "take_along_dim")
    shape = list(np.broadcast_shapes(tuple(input.shape[:ax]) + (1,) + tuple(input.shape[ax + 1:]),
                                     tuple(indices.shape[:ax]) + (1,) + tuple(indices.shape[ax + 1:])))
    si, sx = list(shape), list(shape)
    si[ax], sx[ax] = indices.shape[ax], input.shape[ax]
    return gather(input.expand(sx), ax, indices.expand(si))


def _sorted(input: Tensor, dim: int, descending: bool, k: int | None, op: str) -> Any:
    d = input._data
    xp = input._device.xp
    result = return_types.topk if op == "topk" else return_types.sort
    if d.ndim == 0:
        return result(input.clone(), wrap(xp.zeros((), np.int64), input._device))
    ax = wrap_dim(dim, d.ndim, op)
    if k is not None and not 0 <= k <= d.shape[ax]:
        raise RuntimeError(f"{op}: k ({k}) is out of range for dimension {ax} of size {d.shape[ax]}")
    key = d
    if descending:
        key = -d.astype(np.float64) if d.dtype.kind in "ub" or d.dtype == np.int64 else -d
        if d.dtype.kind == "f":
            key = xp.where(xp.isnan(d), -xp.inf, key)  # NaN sorts as largest
    idx = xp.argsort(key, axis=ax, kind="stable")
    if k is not None:
        idx = xp.take(idx, xp.arange(k), axis=ax)
    vals = xp.take_along_axis(d, idx, ax)
    v = wrap(vals, input._device)
    i = wrap(idx.astype(np.int64, copy=False), input._device)
    if needs_grad(input):
        record(v, "SortBackward0" if k is None else "TopkBackward0", _sorted_backward, (input,),
               shape=tuple(d.shape), dim=ax, index=i)
    return result(v, i)


def _sorted_backward(node: Any, g: Tensor) -> tuple:
    shape, ax, i = node.shape, node.dim, node.index
    return (scatter(g.new_zeros(shape), ax, i, g),)


@numpy_names
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """``(values, indices)`` sorted along ``dim`` (a stable sort).

    Example:
        >>> import brickwork as torch
        >>> torch.sort(torch.tensor([3, 1, 2]))
        brickwork.return_types.sort(
        values=tensor([1, 2, 3]),
        indices=tensor([1, 2, 0]))
    """
    return _sorted(input, dim, descending, None, "sort")


@numpy_names
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """Indices that sort ``input`` along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.argsort(torch.tensor([3, 1, 2]), descending=True)
        tensor([0, 2, 1])
    """
    return _sorted(input.detach(), dim, descending, None, "argsort").indices


@numpy_names
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:  # noqa: A002
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices.

    Example:
        >>> import brickwork as torch
        >>> torch.topk(torch.tensor([1.0, 5.0, 3.0]), 2)
        brickwork.return_types.topk(
        values=tensor([5., 3.]),
        indices=tensor([1, 2]))
    """
    return _sorted(input, dim, largest, k, "topk")


@numpy_names
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The ``k``-th smallest element along ``dim`` (1-based) and its index.

    Example:
        >>> import brickwork as torch
        >>> values, indices = torch.kthvalue(torch.tensor([[3, 1, 2], [6, 4, 5]]), 2); values, indices
        (tensor([2, 5]), tensor([2, 2]))
    """
    v, i = _kth(input, k, dim, keepdim)
    return return_types.kthvalue(renamed(v, "KthvalueBackward0", input), i)


def _kth(input: Tensor, k: int, dim: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    if input._data.ndim == 0:  # a 0-d tensor is its own only value
        if k != 1:
            raise RuntimeError(f"kthvalue(): selected number k ({k}) out of range for a 0-d tensor; use k=1")
        return tuple(_sorted(input, wrap_dim(dim, 0, "kthvalue"), False, None, "kthvalue"))
    v, i = _sorted(input, dim, False, k, "kthvalue")
    v, i = v.narrow(dim, k - 1, 1), i.narrow(dim, k - 1, 1)
    return (v if keepdim else v.squeeze(dim)), (i if keepdim else i.squeeze(dim))


@numpy_names
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (of all elements, or ``(values, indices)`` along ``dim``).

    Example:
        >>> import brickwork as torch
        >>> torch.median(torch.tensor([3.0, 1.0, 2.0, 4.0]))
        tensor(2.)
    """
    if dim is None:
        flat = input.reshape(-1)
        if not flat._data.size and flat.is_floating_point():
            return flat.new_full((), float("nan"))
        return renamed(_median(flat, 0, False)[0], "MedianBackward0", input)
    v, i = _median(input, dim, keepdim)
    return return_types.median(renamed(v, "MedianBackward1", input), i)


def _median(input: Tensor, dim: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    d = input._data
    n = d.shape[wrap_dim(dim, d.ndim, "median")] if d.ndim else 1
    xp = input._device.xp
    if not d.ndim or d.dtype.kind != "f" or not bool(xp.isnan(d).any()):
        return _kth(input, (n + 1) // 2, dim, keepdim)
    # NaN propagates, as in PyTorch: a slice holding one gives its first NaN (sorted last, in input order)
    v, i = _sorted(input, dim, False, None, "median")
    ax = wrap_dim(dim, d.ndim, "median")
    nans = xp.isnan(d).sum(axis=ax, keepdims=True)
    pos = wrap(xp.where(nans > 0, n - nans, (n - 1) // 2).astype(np.int64), input._device)
    v, i = gather(v, ax, pos), gather(i, ax, pos)
    return (v if keepdim else v.squeeze(ax)), (i if keepdim else i.squeeze(ax))


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """Indices of non-zero elements: an ``(n, ndim)`` tensor, or one 1-d tensor per dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.nonzero(torch.tensor([[0, 1], [2, 0]]))
        tensor([[0, 1],
                [1, 0]])
    """
    xp = input._device.xp
    d = input._data
    if not d.ndim and not as_tuple:  # a 0-d tensor has no coordinates: one empty row when non-zero
        return wrap(xp.zeros((int(bool(d)), 0), np.int64), input._device)
    parts = xp.nonzero(d if d.ndim else d.reshape(1))
    if as_tuple:
        return tuple(wrap(p.astype(np.int64), input._device) for p in parts)
    return wrap(xp.stack(parts, axis=1).astype(np.int64) if parts else xp.zeros((0, 0), np.int64), input._device)


def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``.

    Example:
        >>> import brickwork as torch
        >>> torch.argwhere(torch.tensor([[0, 1], [2, 0]]))
        tensor([[0, 1],
                [1, 0]])
    """
    return nonzero(input)


@numpy_names
def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``dim`` (the flattened tensor by default).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1, 2]).repeat_interleave(2)
        tensor([1, 1, 2, 2])
    """
    if repeats is None:  # repeat_interleave(repeats): each index i repeated repeats[i] times
        from .creation import arange

        input, repeats = arange(input._data.size, device=input._device), input
    if dim is None:
        input, dim = input.reshape(-1), 0
    ax = wrap_dim(dim, input._data.ndim, "repeat_interleave")
    n = input._data.shape[ax]
    reps = repeats._host() if isinstance(repeats, Tensor) else np.asarray(repeats)
    idx = np.repeat(np.arange(n), np.broadcast_to(reps, (n,)) if reps.ndim == 0 else reps)
    return index_select(input, ax, wrap(idx if input._device.type == "cpu" else
                                        input._device.backend.from_host(idx, input._device.index), input._device))


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct elements (sorted), optionally with inverse indices and counts.

    Example:
        >>> import brickwork as torch
        >>> torch.unique(torch.tensor([2, 1, 2]))
        tensor([1, 2])
    """
    xp = input._device.xp
    res = xp.unique(input._data if dim is None else input._data, return_inverse=return_inverse,
                    return_counts=return_counts, axis=dim)
    if not isinstance(res, tuple):
        return wrap(res, input._device)
    out = [wrap(res[0], input._device)]
    k = 1
    if return_inverse:
        out.append(wrap(res[k].reshape(input._data.shape if dim is None else -1).astype(np.int64), input._device))
        k += 1
    if return_counts:
        out.append(wrap(res[k].astype(np.int64), input._device))
    return tuple(out)


def bucketize(input: Tensor, boundaries: Tensor, *, right: bool = False, out_int32: bool = False) -> Tensor:
    """Index of the bucket of each element given sorted ``boundaries``.

    Example:
        >>> import brickwork as torch
        >>> torch.bucketize(torch.tensor([1, 5]), torch.tensor([2, 4]))
        tensor([0, 2])
    """
    xp = input._device.xp
    r = xp.searchsorted(boundaries._data, input._data, side="right" if right else "left")
    return wrap(r.astype(np.int32 if out_int32 else np.int64), input._device)


def searchsorted(sorted_sequence: Tensor, values: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Insertion indices of ``values`` into the last dimension of ``sorted_sequence``.

    Example:
        >>> import brickwork as torch
        >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6, 9]))
        tensor([1, 3, 4])
        >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6, 9]), right=True)
        tensor([2, 3, 4])

    ``sorter`` holds the indices that sort an unsorted ``sorted_sequence`` (as from `argsort`).
    """
    if sorter is not None:
        if tuple(sorter.shape) != tuple(sorted_sequence.shape):
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(sorted_sequence.shape)} and got sorter tensor {list(sorter.shape)}")
        sorted_sequence = take_along_dim(sorted_sequence, sorter, -1)
    v = values if isinstance(values, Tensor) else sorted_sequence.new_tensor(values)
    xp = sorted_sequence._device.xp
    s = side or ("right" if right else "left")
    seq = sorted_sequence._data
    if seq.ndim == 1:
        r = xp.searchsorted(seq, v._data, side=s)
    else:
        r = xp.stack([xp.searchsorted(a, b, side=s) for a, b in zip(seq.reshape(-1, seq.shape[-1]),
                                                                    v._data.reshape(-1, v._data.shape[-1]))])
        r = r.reshape(v._data.shape)
    return wrap(r.astype(np.int32 if out_int32 else np.int64), sorted_sequence._device)


_ = _dt


# -- writing at indices, membership and flat-index conversion ----------------------------------------------

def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(3).index_copy(0, torch.tensor([2, 0]), torch.tensor([1.0, 2.0]))
        tensor([2., 0., 1.])
    """
    ax = wrap_dim(dim, input._data.ndim, "index_copy")
    i = index.reshape(-1)
    n = i._data.size
    m = source._data.shape[ax] if source._data.ndim else 1
    if n != m:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to source.size(dim) ({m})")
    size = input._data.shape[ax] if input._data.ndim else 1
    if n and (int(i._data.max()) >= size or int(i._data.min()) < -size):
        bad = int(i._data.max()) if int(i._data.max()) >= size else int(i._data.min())
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {ax} with size {size}")
    key = (slice(None),) * ax + (i,) if input._data.ndim else (i,)
    if not input._data.ndim:
        return renamed(index_put_new(input.reshape(1), key, source.reshape(1)).reshape(()), "IndexCopyBackward0",
                       input, source)
    return renamed(index_put_new(input, key, source), "IndexCopyBackward0", input, source)


def index_put(input: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (or added, with ``accumulate``) at ``input[indices]``.

    Example:
        >>> import brickwork as torch
        >>> torch.index_put(torch.zeros(3), (torch.tensor([0, 0]),), torch.tensor(2.0), accumulate=True)
        tensor([4., 0., 0.])
    """
    return index_put_new(input, tuple(indices), values, accumulate)


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or added) at the flat positions ``index``.

    Example:
        >>> import brickwork as torch
        >>> torch.put(torch.zeros(2, 2), torch.tensor([1, 1]), torch.tensor([1.0, 2.0]), accumulate=True)
        tensor([[0., 3.],
                [0., 0.]])
    """
    n = input._data.size
    i = index._data.reshape(-1)
    if i.size and (int(i.max()) >= n or int(i.min()) < -n):
        bad = int(i.max()) if int(i.max()) >= n else int(i.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    if index._data.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    flat = index_put_new(input.reshape(-1), (index.reshape(-1),), source.reshape(-1), accumulate)
    return renamed(flat.reshape(input.shape), "PutBackward0", input, source)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of ``elements`` occurs in ``test_elements`` (either may be a number).

    Example:
        >>> import brickwork as torch
        >>> torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2, 5]))
        tensor([False,  True, False])
    """
    ref = elements if isinstance(elements, Tensor) else test_elements
    if not isinstance(ref, Tensor):
        raise TypeError("isin(): expected elements or test_elements to be a Tensor, got two numbers")
    xp = ref._device.xp
    a = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    return wrap(xp.isin(a, b, invert=invert), ref._device)


def unravel_index(indices: Tensor, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of ``shape`` of each flat (row-major) index in ``indices``.

    Example:
        >>> import brickwork as torch
        >>> torch.unravel_index(torch.tensor([4, 1]), (2, 3))
        (tensor([1, 0]), tensor([1, 1]))
    """
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer tensor, but got {type(indices).__name__}")
    if indices.is_floating_point() or indices.dtype is _dt.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in dims):
        raise ValueError(f"'shape' cannot have negative values, but got {tuple(dims)}")
    i = indices._data.astype(np.int64)  # as in PyTorch, no range check: coordinates wrap around (floor modulo)
    out = []
    for s in reversed(dims):
        out.append(wrap(i % s if s else i * 0, indices._device))
        i = i // s if s else i
    return tuple(reversed(out))


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """`nonzero` with a fixed number of rows, ``size``: truncated, or padded with ``fill_value``.

    Example:
        >>> import brickwork as torch
        >>> torch.nonzero_static(torch.tensor([0, 3, 4]), size=3)
        tensor([[ 1],
                [ 2],
                [-1]])
    """
    if not isinstance(size, (int, np.integer)) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    found = nonzero(input)
    d = found._data
    xp = input._device.xp
    if d.shape[0] >= size:
        return wrap(d[:size].copy(), input._device)
    pad = xp.full((size - d.shape[0], d.shape[1]), fill_value, dtype=np.int64)
    return wrap(xp.concatenate([d, pad]), input._device)
