"""Shape and layout ops: reshape/view, permute/transpose, squeeze/unsqueeze, expand/repeat, cat/stack,
split/chunk/narrow, flip/roll, tril/triu. Results that share memory with the input are views: they share
its version counter, so in-place changes through either are seen by autograd.
"""

from __future__ import annotations

from typing import Any, Sequence, cast

import numpy as np

from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE
from ._aliases import numpy_names
from ._core import array_backward, dims_tuple, like, make_view, needs_grad, record, record_unary, renamed, same_device, wrap, wrap_dim


def _view_of(data: Any, base: Tensor) -> Tensor:
    """``data`` as a tensor, marked a view of ``base`` when it shares base's memory (reshape may copy)."""
    out = _make(data, base._device)
    if data.__class__ is np.ndarray:  # NumPy keeps the owner of the memory as ``base``: no overlap test needed
        owner, bd = data.base, base._data
        if owner is None:
            return out
        if owner is bd or owner is bd.base:
            return make_view(out, base)
    if base._device.xp.may_share_memory(data, base._data):
        make_view(out, base)
    return out


def _shape_arg(shape: tuple, op: str) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:  # the common case, plain ints, checked without building a new tuple
        if s.__class__ is not int:
            break
    else:
        return shape
    out = []
    for s in shape:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{op}(): shape must be a sequence of ints, got {type(s).__name__}")
        out.append(int(s))
    return tuple(out)


def _infer(shape: tuple, numel: int, in_shape: tuple, op: str) -> tuple:
    known = 1
    for s in shape:  # the common case, no -1 and the right size, in one loop
        if s < 0:
            break
        known *= s
    else:
        if known == numel:
            return shape
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (got shape {list(shape)})")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s} in {list(shape)}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                               f"(input shape {tuple(in_shape)})")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} (input shape "
                           f"{tuple(in_shape)}); the number of elements must stay the same")
    return shape


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (a view when possible, else a copy); one size may be -1.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(6).reshape(2, -1)
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    d = input._data
    if len(shape) == 1 and shape[0].__class__ is tuple:  # x.reshape((2, 3)), as common as x.reshape(2, 3)
        shape = shape[0]
    return _reshape(input, _infer(_shape_arg(shape, "reshape"), d.size, d.shape, "reshape"))


def _reshape(input: Tensor, shape: tuple, name: str | None = None) -> Tensor:
    """``input`` in ``shape`` (a view when the layout allows); ``name`` names the node for ops built on it."""
    d = input._data
    out = _view_of(d.view() if shape == d.shape else d.reshape(shape), input)
    if input._requires_grad and STATE.enabled:
        if name is None:  # PyTorch's: a view of a contiguous tensor, an alias of a strided one, or a copy
            name = "UnsafeViewBackward0" if out._base is None else "ViewBackward0" if d.flags.c_contiguous \
                else "ReshapeAliasBackward0"
        record_unary(out, name, _reshape_backward, input, attrs={"shape": d.shape})
    return out


def _reshape_backward(node: Any, g: Tensor) -> tuple:
    return (g.reshape(node.shape),)


@array_backward(_reshape_backward)
def _reshape_backward_arrays(node: Any, gd: Any) -> tuple:
    return (gd.reshape(node.shape),)


def view(input: Tensor, *shape: Any) -> Tensor:
    """A view with a new shape; fails (like PyTorch) when the memory layout does not allow one.

    ``view(dtype)`` reinterprets the bytes as another dtype of the same size.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).view(-1).shape
        brickwork.Size([6])
    """
    from .. import dtypes as _dt

    if len(shape) == 1 and (isinstance(shape[0], _dt.dtype) or isinstance(shape[0], str)):
        dt = _dt.to_dtype(shape[0])
        if dt.itemsize != input._data.itemsize:
            raise RuntimeError(f"view(dtype): {input.dtype} and {dt} have different element sizes; only "
                               "same-size reinterpretation is supported")
        return _view_of(input._data.view(dt.np), input)
    d = input._data
    shape = _infer(_shape_arg(shape, "view"), d.size, d.shape, "view")
    try:
        arr = _np_view(d, shape) if isinstance(d, np.ndarray) else _cupy_view(d, shape)
    except (ValueError, AttributeError):
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one dimension spans "
            f"across two contiguous subspaces): input shape {tuple(d.shape)}, strides {input.stride()}, "
            f"requested {list(shape)}. Use .reshape(...) instead, or call .contiguous() first") from None
    out = make_view(wrap(arr, input._device), input)
    if needs_grad(input):
        record(out, "ViewBackward0", _reshape_backward, (input,), shape=d.shape)
    return out


def _reshape_no_copy(d: np.ndarray, shape: tuple) -> np.ndarray:
    """NumPy before 2.1 has no ``reshape(copy=False)``: reshape, and refuse when that had to copy."""
    r = d.reshape(shape)
    if r.size and not np.may_share_memory(r, d):
        raise ValueError
    return r


_np_view = (lambda d, shape: d.reshape(shape, copy=False)) if np.lib.NumpyVersion(np.__version__) >= "2.1.0" \
    else _reshape_no_copy


def _cupy_view(d: Any, shape: tuple) -> Any:
    # CuPy's reshape gives a view where the strides allow one and a copy otherwise: a copy starts elsewhere
    r = d.reshape(shape)
    if not d.__class__.__module__.startswith("cupy") or (r.size and r.data.ptr != d.data.ptr):
        raise ValueError
    return r


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.view(other.shape)``.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(6).view_as(torch.zeros(3, 2)).shape
        brickwork.Size([3, 2])
    """
    return view(input, tuple(other.shape))


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(6).reshape_as(torch.zeros(2, 3))
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    return reshape(input, tuple(other.shape))


def permute(input: Tensor, *dims: Any) -> Tensor:
    """A view with dimensions reordered.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3, 4).permute(2, 0, 1).shape
        brickwork.Size([4, 2, 3])
    """
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
                           f"to len(dims) = {len(dims)}".replace("(sparse_coo)", ""))
    perm = tuple(wrap_dim(d, nd, "permute") for d in dims)
    if len(set(perm)) != nd:
        raise RuntimeError(f"permute: repeated dim in {list(dims)}")
    return _permute(input, perm, "PermuteBackward0")


def _permute(input: Tensor, perm: tuple, name: str) -> Tensor:
    out = make_view(_make(input._data.transpose(perm), input._device), input)
    if input._requires_grad and STATE.enabled:
        record_unary(out, name, _permute_backward, input, attrs={"perm": tuple(perm)})
    return out


def _permute_backward(node: Any, g: Tensor) -> tuple:
    return (g.permute(tuple(_inverse(node.perm))),)


@array_backward(_permute_backward)
def _permute_backward_arrays(node: Any, gd: Any) -> tuple:
    return (gd.transpose(_inverse(node.perm)),)


def _inverse(perm: Any) -> Any:
    if len(perm) == 2:  # either order of two dimensions is its own inverse
        return perm
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return inverse


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """A view with two dimensions swapped.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).transpose(0, 1).shape
        brickwork.Size([3, 2])
    """
    d = input._data
    nd = d.ndim
    if nd == 0:
        return _reshape(input, (), "TransposeBackward0")
    if dim0.__class__ is int and dim1.__class__ is int and -nd <= dim0 < nd and -nd <= dim1 < nd:
        a, b = dim0 % nd, dim1 % nd
    else:
        a, b = wrap_dim(dim0, nd, "transpose"), wrap_dim(dim1, nd, "transpose")
    if not (input._requires_grad and STATE.enabled):
        return make_view(_make(d.swapaxes(a, b), input._device), input)
    perm = list(range(nd))
    perm[a], perm[b] = b, a
    out = make_view(_make(d.swapaxes(a, b), input._device), input)
    return record_unary(out, "TransposeBackward0", _permute_backward, input, attrs={"perm": tuple(perm)})


swapdims = transpose


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """`transpose` under NumPy's name, with NumPy's argument names ``axis0`` and ``axis1`` (as torch.swapaxes).

    Example:
        >>> import brickwork as torch
        >>> torch.swapaxes(torch.zeros(2, 3), axis0=0, axis1=1).shape
        brickwork.Size([3, 2])
    """
    return transpose(input, axis0, axis1)


def t(input: Tensor) -> Tensor:
    """Transpose of a matrix (0-d and 1-d tensors come back unchanged).

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).t().shape
        brickwork.Size([3, 2])
    """
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D; use "
                           "transpose(dim0, dim1) or .mT")
    if input._data.ndim == 2:
        return _permute(input, (1, 0), "TBackward0")
    return _reshape(input, input._data.shape, "TBackward0")


def _T(input: Tensor) -> Tensor:
    return permute(input, tuple(range(input._data.ndim - 1, -1, -1)))


def _mT(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dimensions to new positions.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3, 4).movedim(0, -1).shape
        brickwork.Size([3, 4, 2])
    """
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [wrap_dim(s, nd, "movedim") for s in src]
    dst = [wrap_dim(s, nd, "movedim") for s in dst]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim


@numpy_names
def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or those in ``dim`` that have size 1).

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 1, 3).squeeze().shape, torch.zeros(2, 1).squeeze(0).shape
        (brickwork.Size([2, 3]), brickwork.Size([2, 1]))
    """
    d = input._data
    if dim is None:
        shape = tuple(s for s in d.shape if s != 1)
    else:
        dims = dims_tuple(dim, d.ndim, "squeeze")
        shape = tuple(s for i, s in enumerate(d.shape) if not (i in dims and s == 1))
    # PyTorch's names: squeeze(), squeeze(int dim), squeeze(dims)
    name = "SqueezeBackward0" if dim is None else "SqueezeBackward1" if isinstance(dim, (int, np.integer)) \
        else "SqueezeBackward2"
    return _reshape(input, shape, name)


def _same(input: Tensor, name: str) -> Tensor:
    out = make_view(wrap(input._data.view(), input._device), input)
    if needs_grad(input):
        record(out, name, lambda n, g: (g,), (input,))
    return out


@numpy_names
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).unsqueeze(1).shape
        brickwork.Size([2, 1, 3])
    """
    d = input._data
    ax = wrap_dim(dim, d.ndim + 1, "unsqueeze")
    return _reshape(input, d.shape[:ax] + (1,) + d.shape[ax:], "UnsqueezeBackward0")


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` through ``end_dim`` into one.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3, 4).flatten(1).shape
        brickwork.Size([2, 12])
    """
    d = input._data
    if d.ndim == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, d.ndim, "flatten"), wrap_dim(end_dim, d.ndim, "flatten")
    if s > e:
        raise RuntimeError(f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim "
                           f"({end_dim})")
    if s == e:  # nothing to merge: PyTorch returns the tensor itself
        return input
    n = 1
    for x in d.shape[s:e + 1]:
        n *= x
    return reshape(input, d.shape[:s] + (n,) + d.shape[e + 1:])


def ravel(input: Tensor) -> Tensor:
    """All elements in one dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.ravel(torch.tensor([[1, 2], [3, 4]]))
        tensor([1, 2, 3, 4])
    """
    from .creation import contiguous

    return reshape(contiguous(input), (-1,))  # as PyTorch: a copy first when strided, then a view


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one may be -1).

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 12).unflatten(1, (3, 4)).shape
        brickwork.Size([2, 3, 4])
    """
    d = input._data
    ax = wrap_dim(dim, d.ndim, "unflatten")
    sizes = _infer(tuple(sizes), d.shape[ax], (d.shape[ax],), "unflatten")
    return reshape(input, d.shape[:ax] + tuple(sizes) + d.shape[ax + 1:])


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view with dimensions of size 1 repeated to ``sizes`` (-1 keeps a size).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([[1], [2]]).expand(2, 3)
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    d = input._data
    sizes = _shape_arg(sizes, "expand")
    if len(sizes) < d.ndim:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({d.ndim})")
    lead = len(sizes) - d.ndim
    dims = []
    for i, s in enumerate(sizes):
        cur = d.shape[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError(f"expand: -1 is not allowed in a leading, non-existing dimension ({i})")
            s = cur
        elif cur is not None and cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(d.shape)}")
        dims.append(s)
    shape = tuple(dims)
    if shape == d.shape:
        return _same(input, "ExpandBackward0")
    out = make_view(wrap(input._device.xp.broadcast_to(d, shape), input._device), input)
    if needs_grad(input):
        record(out, "ExpandBackward0", _expand_backward, (input,), like=like(input))
    return out


def _expand_backward(node: Any, g: Tensor) -> tuple:
    from ._core import sum_to

    return (sum_to(g, node.like),)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([[1], [2]]).expand_as(torch.zeros(2, 3))
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    return expand(input, tuple(other.shape))


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input.expand(size)``.

    Example:
        >>> import brickwork as torch
        >>> torch.broadcast_to(torch.tensor([1, 2]), (2, 2)).shape
        brickwork.Size([2, 2])
    """
    return expand(input, tuple(size))


def broadcast_shapes(*shapes: Any) -> tuple:
    """The shape that tensors of ``shapes`` broadcast to.

    Example:
        >>> import brickwork as torch
        >>> torch.broadcast_shapes((2, 1), (3,))
        brickwork.Size([2, 3])
    """
    from .._tensor import Size

    try:
        return Size(np.broadcast_shapes(*[tuple(s) if not isinstance(s, int) else (s,) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"shapes {[tuple(s) for s in shapes]} cannot be broadcast together") from None


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape.

    Example:
        >>> import brickwork as torch
        >>> a, b = torch.broadcast_tensors(torch.zeros(2, 1), torch.zeros(3)); a.shape, b.shape
        (brickwork.Size([2, 3]), brickwork.Size([2, 3]))
    """
    shape = broadcast_shapes(*[tuple(t.shape) for t in tensors])
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)  # as PyTorch: no new view


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension (a copy, like ``numpy.tile``).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    d = input._data
    sizes = _shape_arg(sizes, "repeat")
    if len(sizes) < d.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than number of "
                           f"dimensions of tensor ({d.ndim})")
    out = wrap(input._device.xp.tile(d, sizes), input._device)
    if needs_grad(input):
        record(out, "RepeatBackward0", _repeat_backward, (input,), sizes=sizes, shape=d.shape)
    return out


def _repeat_backward(node: Any, g: Tensor) -> tuple:
    sizes, shape = node.sizes, node.shape
    full = (1,) * (len(sizes) - len(shape)) + tuple(shape)
    split = []
    for r, s in zip(sizes, full):
        split += [r, s]
    g = g.reshape(split).sum(tuple(range(0, 2 * len(sizes), 2)))
    return (g.reshape(shape),)


def tile(input: Tensor, dims: Any, *more: int) -> Tensor:
    """Like `repeat`, padding ``dims`` with leading ones when it is shorter.

    Example:
        >>> import brickwork as torch
        >>> torch.tile(torch.tensor([[1, 2]]), (2,))
        tensor([[1, 2, 1, 2]])
    """
    dims = _shape_arg((dims,) + more, "tile")
    return repeat(input, (1,) * (input._data.ndim - len(dims)) + dims)


@numpy_names
def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.cat([torch.zeros(1, 2), torch.ones(2, 2)]).shape
        brickwork.Size([3, 2])
    """
    tensors = [t for t in tensors]
    if not tensors:
        raise ValueError("cat(): expected a non-empty list of Tensors; pass at least one tensor")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, got {type(t).__name__} at position {i}")
    # PyTorch skips legacy 1-d empty tensors
    keep = [t for t in tensors if not (t._data.ndim == 1 and t._data.size == 0)] or tensors[:1]
    first = keep[0]
    nd = first._data.ndim
    if nd == 0:
        raise RuntimeError("cat(): zero-dimensional tensor (at position 0) cannot be concatenated; use stack()")
    ax = wrap_dim(dim, nd, "cat")
    from .. import dtypes as _dt

    rdt = _dt.result_type(*[t for t in keep]) if len({t._data.dtype for t in keep}) > 1 else None
    arrays = []
    for i, t in enumerate(keep):
        if t._data.ndim != nd:
            raise RuntimeError(f"cat(): tensors must have the same number of dimensions: got {nd} and "
                               f"{t._data.ndim} (tensor at position {i})")
        for j in range(nd):
            if j != ax and t._data.shape[j] != first._data.shape[j]:
                raise RuntimeError(f"cat(): sizes of tensors must match except in dimension {ax}. Expected size "
                                   f"{first._data.shape[j]} but got size {t._data.shape[j]} for tensor number {i} "
                                   "in the list")
        if t._device is not first._device:
            same_device("cat", first, t)
        arrays.append(t._data if rdt is None else t._data.astype(rdt.np, copy=False))
    r = wrap(first._device.xp.concatenate(arrays, axis=ax), first._device)
    if needs_grad(*keep):
        record(r, "CatBackward0", _cat_backward, tuple(keep), dim=ax, sizes=[t._data.shape[ax] for t in keep],
               dtypes=None if rdt is None else [t.dtype for t in keep])
    return r


def _cat_backward(node: Any, g: Tensor) -> tuple:
    ax, sizes, dtypes = node.dim, node.sizes, node.dtypes
    out: list = []
    off = 0
    if not STATE.enabled:  # first order: views of the gradient's array, nothing recorded (DenseNet: 9% of a step)
        gd, dev, lead = g._data, g._device, (slice(None),) * ax
        for i, (e, n) in enumerate(zip(node.edges, sizes)):
            if e is None:
                out.append(None)
            else:
                s = gd[lead + (slice(off, off + n),)]
                out.append(_make(s if dtypes is None or s.dtype == dtypes[i].np else s.astype(dtypes[i].np), dev))
            off += n
        return tuple(out)
    for i, (e, n) in enumerate(zip(node.edges, sizes)):
        s = None if e is None else narrow(g, ax, off, n)
        if s is not None and dtypes is not None and s.dtype != dtypes[i]:  # promoted inputs get their own dtype
            s = s.to(dtypes[i])
        out.append(s)
        off += n
    return tuple(out)


concat = concatenate = cat


@numpy_names
def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of equal shape along a new dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.stack([torch.zeros(2), torch.ones(2)], dim=1).shape
        brickwork.Size([2, 2])
    """
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack(): expected a non-empty list of Tensors")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(t._data.shape)} at entry {i}")
    ax = wrap_dim(dim, len(shape) + 1, "stack")
    return renamed(cat([unsqueeze(t, ax) for t in tensors], ax), "StackBackward0", *tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dimension 1 (0 for 1-d tensors).

    Example:
        >>> import brickwork as torch
        >>> torch.hstack([torch.tensor([1, 2]), torch.tensor([3])])
        tensor([1, 2, 3])
        >>> torch.hstack([torch.zeros(2, 1), torch.ones(2, 2)]).shape
        brickwork.Size([2, 3])
    """
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dimension 0, treating 1-d tensors as rows.

    Example:
        >>> import brickwork as torch
        >>> torch.vstack([torch.tensor([1, 2]), torch.tensor([3, 4])])
        tensor([[1, 2],
                [3, 4]])
    """
    return cat([t.unsqueeze(0) if t._data.ndim == 1 else t for t in tensors], 0)


@numpy_names
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """A view of ``length`` elements along ``dim`` from ``start``.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(5).narrow(0, 1, 3)
        tensor([1, 2, 3])
    """
    d = input._data
    ax = wrap_dim(dim, d.ndim, "narrow")
    n = d.shape[ax]
    if isinstance(start, Tensor):
        start = int(start.item())
    if not -n <= start <= n:
        raise IndexError(f"narrow(): start out of range (expected to be in range of [{-n}, {n}], but got {start}) "
                         f"for dim {ax} of shape {tuple(d.shape)}")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    if start + length > n:
        raise RuntimeError(f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({n}) of dim "
                           f"{ax} (shape {tuple(d.shape)}); use a smaller length or start")
    idx = (slice(None),) * ax + (slice(start, start + length),)
    from .indexing import getitem

    return getitem(input, idx)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of ``split_size`` (the last may be smaller) or of the listed sizes.

    Example:
        >>> import brickwork as torch
        >>> [p.tolist() for p in torch.arange(5).split(2)]
        [[0, 1], [2, 3], [4]]
    """
    d = tensor._data
    ax = wrap_dim(dim, d.ndim, "split")
    n = d.shape[ax]
    if isinstance(split_size_or_sections, int):
        s = split_size_or_sections
        if s <= 0 and n:
            raise RuntimeError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {ax}), but got split_sizes={sizes}")
    name = "SplitBackward0" if isinstance(split_size_or_sections, int) else "SplitWithSizesBackward0"
    out, off = [], 0
    for k in sizes:
        out.append(renamed(narrow(tensor, ax, off, k), name, tensor))
        off += k
    return tuple(out)


@numpy_names
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of equal size (the last may be smaller), like PyTorch.

    Example:
        >>> import brickwork as torch
        >>> len(torch.arange(6).chunk(4))
        3
    """
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[wrap_dim(dim, input._data.ndim, "chunk")]
    size = -(-n // chunks) if n else 1
    return split(input, max(size, 1), dim)


@numpy_names
def tensor_split(input: Tensor, indices_or_sections: Any = None, dim: int = 0, *, sections: int | None = None,
                 indices: Sequence[int] | None = None) -> tuple[Tensor, ...]:
    """Split into ``n`` nearly equal parts, or at the given indices (NumPy's ``array_split``).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor_split(torch.arange(5), 2)
        (tensor([0, 1, 2]), tensor([3, 4]))
        >>> torch.tensor_split(torch.arange(5), [1, 4])
        (tensor([0]), tensor([1, 2, 3]), tensor([4]))

    ``sections=`` and ``indices=`` name the two forms, as torch's keywords do.
    """
    given = [v for v in (indices_or_sections, sections, indices) if v is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() takes one of indices_or_sections, sections= or indices=")
    indices_or_sections = given[0]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    ax = wrap_dim(dim, input._data.ndim, "tensor_split")
    n = input._data.shape[ax]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        cuts = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(cuts[:-1], cuts[1:])]
    out, off = [], 0
    for k in sizes:
        out.append(narrow(input, ax, off, k))
        off += k
    return tuple(out)


@numpy_names
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, with that dimension removed.

    Example:
        >>> import brickwork as torch
        >>> [t.tolist() for t in torch.tensor([[1, 2], [3, 4]]).unbind(1)]
        [[1, 3], [2, 4]]
    """
    ax = wrap_dim(dim, input._data.ndim, "unbind")
    from .indexing import getitem

    return tuple(renamed(getitem(input, (slice(None),) * ax + (i,)), "UnbindBackward0", input)
                 for i in range(input._data.shape[ax]))


def flip(input: Tensor, dims: Any, *more: int) -> Tensor:
    """Reverse the order of elements along ``dims``.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1, 2, 3]).flip(0)
        tensor([3, 2, 1])
    """
    axes = dims_tuple((dims,) + more if more else dims, input._data.ndim, "flip")  # x.flip(0, 1) as x.flip((0, 1))
    out = wrap(input._device.xp.flip(input._data, axes).copy(), input._device) if axes else input.clone()
    if axes and needs_grad(input):
        record(out, "FlipBackward0", lambda n, g: (g.flip(n.dims),), (input,), dims=axes)
    return out


def fliplr(input: Tensor) -> Tensor:
    """Flip along dimension 1.

    Example:
        >>> import brickwork as torch
        >>> torch.fliplr(torch.tensor([[1, 2], [3, 4]]))
        tensor([[2, 1],
                [4, 3]])
    """
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    """Flip along dimension 0.

    Example:
        >>> import brickwork as torch
        >>> torch.flipud(torch.tensor([[1, 2], [3, 4]]))
        tensor([[3, 4],
                [1, 2]])
    """
    return flip(input, 0)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements circularly by ``shifts`` along ``dims`` (the flattened tensor when ``dims`` is None).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1, 2, 3]).roll(1)
        tensor([3, 1, 2])
    """
    xp = input._device.xp
    if dims is None:
        out = wrap(xp.roll(input._data, shifts), input._device)
        neg = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
    else:
        sh = (shifts,) if isinstance(shifts, int) else tuple(shifts)
        dd = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(sh) != len(dd):
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(sh)}, dims: {len(dd)}")
        out = wrap(xp.roll(input._data, sh, dd), input._device)
        neg = tuple(-s for s in sh)
    if needs_grad(input):
        record(out, "RollBackward0", lambda n, g: (roll(g, neg, dims),), (input,))
    return out


def _tri(input: Tensor, diagonal: int, upper: bool) -> Tensor:
    d = input._data
    if d.ndim < 2:
        raise RuntimeError(f"{'triu' if upper else 'tril'}: input tensor must have at least 2 dimensions, got "
                           f"{d.ndim}")
    xp = input._device.xp
    rows, cols = d.shape[-2:]
    mask = xp.triu(xp.ones((rows, cols), dtype=bool), diagonal) if upper else \
        xp.tril(xp.ones((rows, cols), dtype=bool), diagonal)
    out = wrap(xp.where(mask, d, xp.zeros((), d.dtype)), input._device)
    if needs_grad(input):
        record(out, "TriuBackward0" if upper else "TrilBackward0",
               lambda n, g: (_tri(g, diagonal, upper),), (input,))
    return out


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """Upper triangle of the last two dimensions (the rest zeroed).

    Example:
        >>> import brickwork as torch
        >>> torch.triu(torch.ones(2, 2))
        tensor([[1., 1.],
                [0., 1.]])
    """
    return _tri(input, diagonal, True)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """Lower triangle of the last two dimensions (the rest zeroed).

    Example:
        >>> import brickwork as torch
        >>> torch.tril(torch.ones(2, 2))
        tensor([[1., 0.],
                [1., 1.]])
    """
    return _tri(input, diagonal, False)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal over ``dim1`` and ``dim2``, moved to the last dimension.

    A view, as in PyTorch, so that ``x.diagonal().fill_(v)`` or ``cov.diagonal().add_(eps)`` writes into ``x``.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(4).reshape(2, 2).diagonal()
        tensor([0, 3])
    """
    nd = input._data.ndim
    a, b = wrap_dim(dim1, nd, "diagonal"), wrap_dim(dim2, nd, "diagonal")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    xp = input._device.xp
    data = xp.diagonal(input._data, offset, a, b)
    flags = getattr(data, "flags", None)
    if flags is not None and not getattr(flags, "writeable", True) and getattr(input._data.flags, "writeable", False):
        flags.writeable = True  # NumPy hands out diagonals read-only, for caution, not necessity
    out = _view_of(data, input)
    if needs_grad(input):
        shape = input._data.shape

        def bw(n: Any, g: Tensor) -> tuple:
            return (_diag_embed_back(g, shape, offset, a, b),)

        record(out, "DiagonalBackward0", bw, (input,))
    return out


def _diag_embed_back(g: Tensor, shape: tuple, offset: int, a: int, b: int) -> Tensor:
    from .indexing import index_put_new

    nd = len(shape)
    n = g._data.shape[-1]
    rows = np.arange(n) + max(-offset, 0)
    cols = np.arange(n) + max(offset, 0)
    perm = [i for i in range(nd) if i not in (a, b)] + [a, b]
    tmp_shape = tuple(shape[i] for i in perm)
    z = g.new_zeros(tmp_shape)
    idx = (Ellipsis, rows, cols)
    full = index_put_new(z, idx, g)
    inv = tuple(int(i) for i in np.argsort(perm))
    return full.permute(inv)


# -- NumPy-style stacking, splitting and rotation (composed from the primitives above) ----------------------

def _tensors_arg(tensors: tuple) -> tuple[list, bool]:
    """``f(a, b)`` or ``f([a, b])``: the tensors, and whether they came as one sequence."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0]), True
    return list(tensors), False


def _atleast(tensors: tuple, nd: int) -> Any:
    items, seq = _tensors_arg(tensors)
    out = []
    for t in items:
        s = t._data.shape
        if len(s) < nd:
            # torch's layouts: 1-d (n,) becomes (1, n) and (1, n, 1); 2-d (m, n) becomes (m, n, 1)
            new = {0: (1,) * nd, 1: ((1,) + s + (1,))[:nd] if nd == 3 else (1,) + s, 2: s + (1,)}[len(s)]
            t = _reshape(t, new)
        out.append(t)
    return tuple(out) if seq or len(out) != 1 else out[0]


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dimension (0-d tensors become shape ``(1,)``); several give a tuple.

    Example:
        >>> import brickwork as torch
        >>> torch.atleast_1d(torch.tensor(2.0))
        tensor([2.])
    """
    return _atleast(tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dimensions (a vector of length n becomes ``(1, n)``).

    Example:
        >>> import brickwork as torch
        >>> torch.atleast_2d(torch.ones(3)).shape
        brickwork.Size([1, 3])
    """
    return _atleast(tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dimensions (``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``).

    Example:
        >>> import brickwork as torch
        >>> torch.atleast_3d(torch.ones(2, 3)).shape
        brickwork.Size([2, 3, 1])
    """
    return _atleast(tensors, 3)


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Stack as columns: 0-d and 1-d tensors become columns ``(n, 1)``, then concatenate along dimension 1.

    Example:
        >>> import brickwork as torch
        >>> torch.column_stack([torch.tensor([1, 2]), torch.tensor([3, 4])])
        tensor([[1, 3],
                [2, 4]])
    """
    cols = [_reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors]
    return cat(cols, 1, out=out)


def row_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """`vstack` under NumPy's older name.

    Example:
        >>> import brickwork as torch
        >>> torch.row_stack([torch.tensor([1, 2]), torch.tensor([3, 4])]).shape
        brickwork.Size([2, 2])
    """
    return cat(list(atleast_2d(tuple(tensors))), 0, out=out)


def dstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Concatenate along dimension 2 after making every tensor at least 3-d (see `atleast_3d`).

    Example:
        >>> import brickwork as torch
        >>> torch.dstack([torch.ones(3), torch.zeros(3)]).shape
        brickwork.Size([1, 3, 2])
    """
    return cat(list(atleast_3d(tuple(tensors))), 2, out=out)


def _nsplit(op: str, input: Tensor, indices_or_sections: Any, dim: int, min_dim: int) -> tuple[Tensor, ...]:
    nd = input._data.ndim
    if nd < min_dim:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dim} dimension, but got a tensor with "
                           f"{nd} dimensions!")
    if isinstance(indices_or_sections, (int, np.integer)):
        n, k = input._data.shape[dim], int(indices_or_sections)
        if k <= 0 or n % k:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {k}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dimension 1 (0 for 1-d tensors) into equal parts or at the given indices.

    Example:
        >>> import brickwork as torch
        >>> torch.hsplit(torch.arange(6), 3)
        (tensor([0, 1]), tensor([2, 3]), tensor([4, 5]))
    """
    return _nsplit("hsplit", input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dimension 0 (of a tensor with at least 2 dimensions) into equal parts or at the given indices.

    Example:
        >>> import brickwork as torch
        >>> [p.shape for p in torch.vsplit(torch.ones(4, 2), [1])]
        [brickwork.Size([1, 2]), brickwork.Size([3, 2])]
    """
    return _nsplit("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    """Split along dimension 2 (of a tensor with at least 3 dimensions) into equal parts or at the given indices.

    Example:
        >>> import brickwork as torch
        >>> [p.shape for p in torch.dsplit(torch.ones(1, 2, 4), 2)]
        [brickwork.Size([1, 2, 2]), brickwork.Size([1, 2, 2])]
    """
    return _nsplit("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of the given sizes along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> [p.tolist() for p in torch.arange(5).split_with_sizes([2, 3])]
        [[0, 1], [2, 3, 4]]
    """
    return split(input, list(split_sizes), dim)


# torch's unsafe_* variants differ only in skipping view tracking; brickwork's pieces are ordinary views
def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
    """`split` into pieces of ``split_size`` (the last may be smaller), under torch's name for untracked views.

    Example:
        >>> import brickwork as torch
        >>> [p.tolist() for p in torch.unsafe_split(torch.arange(5), 2)]
        [[0, 1], [2, 3], [4]]
    """
    return split(input, split_size, dim)


unsafe_split_with_sizes = split_with_sizes
unsafe_chunk = chunk


def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix of the given tensors (0-d as 1x1, 1-d as one row); zeros elsewhere.

    Example:
        >>> import brickwork as torch
        >>> torch.block_diag(torch.ones(1, 2), torch.tensor(3.0))
        tensor([[1., 1., 0.],
                [0., 0., 3.]])
    """
    from .. import dtypes as _dt
    from .creation import zeros

    mats = []
    for k, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {k} has "
                               f"{t._data.ndim} dimensions")
        mats.append(_reshape(t, (1,) * (2 - t._data.ndim) + tuple(t._data.shape)) if t._data.ndim < 2 else t)
    if not mats:
        return zeros(1, 0)
    dt = _dt.result_type(*mats) if len(mats) > 1 else mats[0].dtype
    cols = sum(m._data.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m._data.shape
        parts = [zeros(r, left, dtype=dt, device=m.device), m.to(dt), zeros(r, cols - left - c, dtype=dt,
                                                                           device=m.device)]
        rows.append(cat(parts, 1))
        left += c
    return cat(rows, 0)



def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards the second.

    Example:
        >>> import brickwork as torch
        >>> torch.rot90(torch.tensor([[1, 2], [3, 4]]))
        tensor([[2, 4],
                [1, 3]])
    """
    nd = input._data.ndim
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    a, b = wrap_dim(dims[0], nd, "rot90"), wrap_dim(dims[1], nd, "rot90")
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
    k %= 4
    if k == 1:
        return transpose(flip(input, b), a, b)
    if k == 2:
        return flip(input, (a, b))
    if k == 3:
        return flip(transpose(input, a, b), b)
    return input.clone()


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor whose diagonals (over ``dim1`` and ``dim2``, at ``offset``) are the last dimension of ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.diag_embed(torch.tensor([[1, 2], [3, 4]]))
        tensor([[[1, 0],
                 [0, 2]],
        <BLANKLINE>
                [[3, 0],
                 [0, 4]]])
    """
    nd = input._data.ndim + 1
    a, b = wrap_dim(dim1, nd, "diag_embed"), wrap_dim(dim2, nd, "diag_embed")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input._data.shape[-1] + abs(offset) if input._data.ndim else 1 + abs(offset)
    rest = list(input._data.shape[:-1])
    shape = [0] * nd
    it = iter(rest)
    for i in range(nd):
        shape[i] = n if i in (a, b) else next(it)
    g = input if input._data.ndim else _reshape(input, (1,))
    return _diag_embed_back(g, tuple(shape), offset, a, b)


# -- strided windows: views whose elements may overlap; the gradient adds up over the overlaps -------------

def _windowed(input: Tensor, data: Any, pos: Any, name: str) -> Tensor:
    """The view ``data`` of ``input`` whose elements sit at row-major positions ``pos`` of ``input``."""
    from ..autograd.inplace import region_put

    out = _view_of(data, input)
    if needs_grad(input):
        shape = input._data.shape
        record(out, name, lambda n, g: (region_put(g, pos, shape),), (input,))
    return out


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """A view of every slice of length ``size`` along ``dimension``, ``step`` apart, as a new last dimension.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(5).unfold(0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    d = input._data
    xp = input._device.xp
    ax = wrap_dim(dimension, d.ndim, "unfold")
    n = d.shape[ax] if d.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {ax} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    src = d.reshape(1) if d.ndim == 0 else d
    pos = xp.arange(d.size, dtype=np.int64).reshape(src.shape)
    count = (n - size) // step + 1

    def windows(a: Any) -> Any:  # dimension ax becomes the window starts; the window runs along a new last one
        shape = a.shape[:ax] + (count,) + a.shape[ax + 1:] + (size,)
        strides = a.strides[:ax] + (a.strides[ax] * step,) + a.strides[ax + 1:] + (a.strides[ax],)
        return xp.lib.stride_tricks.as_strided(a, shape, strides)

    win = [windows(src), windows(pos)]
    if d.ndim == 0:
        win = [w.reshape(size) for w in win]
    return _windowed(input, win[0], win[1], "UnfoldBackward0")


def as_strided(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """A view of ``size`` whose element ``i`` is the input's element at position ``offset + sum(i_k * stride_k)``.

    Positions count the input's elements in row-major order from its first one (for a contiguous tensor that
    is its memory, as in PyTorch; a non-contiguous input is read through a contiguous copy, and the result is
    then not a view of it).

    Example:
        >>> import brickwork as torch
        >>> torch.arange(6).as_strided((2, 2), (1, 2))
        tensor([[0, 2],
                [1, 3]])
    """
    d = input._data
    xp = input._device.xp
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    offset = 0 if storage_offset is None else int(storage_offset)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: {len(size)} sizes, {len(stride)} strides")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if need > d.size or offset < 0:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {d.itemsize} requiring a storage size of {need * d.itemsize} are out of bounds "
                           f"for storage of size {d.size * d.itemsize}")
    flat = d.reshape(-1) if d.flags.c_contiguous else xp.ascontiguousarray(d).reshape(-1)
    pos = xp.arange(d.size, dtype=np.int64)
    win = [xp.lib.stride_tricks.as_strided(a[offset:], size, tuple(s * a.itemsize for s in stride))
           for a in (flat, pos)]
    return _windowed(input, win[0], win[1], "AsStridedBackward0")


def sum_to_size(input: Tensor, *size: Any, **kwargs: Any) -> Tensor:
    """Sum the tensor down to ``size``, which must broadcast to its shape (the adjoint of `expand`).

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2, 3).sum_to_size(1, 3)
        tensor([[2., 2., 2.]])
    """
    from ..autograd.record import sum_to

    if "size" in kwargs:  # x.sum_to_size(size=(1, 3)), as torch accepts
        size = (kwargs.pop("size"),)
    if kwargs:
        raise TypeError(f"sum_to_size() got an unexpected keyword argument {next(iter(kwargs))!r}")
    shape = _shape_arg(size, "sum_to_size")
    d = input._data
    ok = len(shape) <= d.ndim and all(s == n or s == 1 for s, n in zip(shape[::-1], d.shape[::-1]))
    if not ok:
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size {{{list(d.shape)}}}.")
    return cast(Tensor, sum_to(input, (shape, d.dtype)))  # None only for a None input


# -- in-place movement: the tensor itself takes the new shape and strides (and the view's history) --------

def _restride(self: Tensor, op: str, fn: Any, *args: Any) -> Tensor:
    """``self`` changed in place into ``fn(self, *args)``, a view of it with a new shape (``squeeze_``)."""
    from .._tensor import _make
    from ..autograd.inplace import check_inplace, replace_history

    check_inplace(self, op)
    old = _make(self._data, self._device, self._requires_grad, self.grad_fn)  # the old history, for the node
    old._version_counter = self._version_counter
    if self._out_idx:
        old._out_idx = self._out_idx
    out = fn(old, *args)
    self._data = out._data
    if out.grad_fn is not None:
        replace_history(self, out.grad_fn, True, out._out_idx)
    return self


def squeeze_(input: Tensor, dim: Any = None) -> Tensor:
    """In-place `squeeze`: ``input`` itself loses its size-1 dimensions; returns ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 1).squeeze_().shape
        brickwork.Size([2])
    """
    return _restride(input, "squeeze_", squeeze, dim)


def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    """In-place `unsqueeze`; returns ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2).unsqueeze_(0).shape
        brickwork.Size([1, 2])
    """
    return _restride(input, "unsqueeze_", unsqueeze, dim)


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place `transpose`; returns ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).transpose_(0, 1).shape
        brickwork.Size([3, 2])
    """
    return _restride(input, "transpose_", transpose, dim0, dim1)


def swapaxes_(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """In-place `swapaxes`; returns ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).swapaxes_(0, 1).shape
        brickwork.Size([3, 2])
    """
    return _restride(input, "swapaxes_", transpose, axis0, axis1)


def swapdims_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place `swapdims`; returns ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).swapdims_(0, 1).shape
        brickwork.Size([3, 2])
    """
    return _restride(input, "swapdims_", transpose, dim0, dim1)


def t_(input: Tensor) -> Tensor:
    """In-place `t`; returns ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.zeros(2, 3).t_().shape
        brickwork.Size([3, 2])
    """
    return _restride(input, "t_", t)


def as_strided_(input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None) -> Tensor:
    """In-place `as_strided`: ``input`` itself becomes the strided view; returns ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(4).as_strided_((2,), (2,))
        tensor([0, 2])
    """
    return _restride(input, "as_strided_", as_strided, size, stride, storage_offset)
