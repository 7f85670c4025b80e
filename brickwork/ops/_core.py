"""What every op shares: recording a node, PyTorch's promotion for binary ops, device checks,
reducing a broadcast gradient, and the in-place protocol (leaf check, version counter, history rebasing).
"""

from __future__ import annotations

import sys
from typing import Any, Callable
from weakref import ref as _weakref

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..backends import CPU, DeviceMismatchError
from ..autograd.engine import Node
from ..autograd.grad_mode import STATE

_SCALARS = (int, float, bool, np.number, np.bool_)


def record(out: Tensor, name: str, backward: Callable, inputs: tuple, saved: tuple = (), *,
           save_output: bool = False, **attrs: Any) -> Tensor:
    """Attach a new graph node to ``out`` (called only when recording is on and an input requires grad).

    The one way ops record: ``record(out, "MulBackward0", _mul_backward, (a, b), saved=(a, b), dim=dim)``.
    ``inputs`` are the op's tensor inputs (None for a non-tensor), from which the node captures its edges;
    ``saved`` the tensors its backward reads (``node.saved_tensors``, version-checked, freed by backward);
    ``save_output`` keeps the result for backward (``node.output()``); every other keyword becomes a named
    attribute of the node (``node.dim``). The backward returns one gradient (or None) per input and may
    consult ``node.needs_input_grad``.
    """
    node = Node(name, backward, inputs, saved)
    if attrs:
        node.__dict__ = attrs
    out.grad_fn = node
    out._requires_grad = True
    if save_output:
        node.save_output(out)
    return out


def renamed(out: Tensor, name: str, *inputs: Any) -> Tensor:
    """``out`` with the node of its last step named ``name``: PyTorch's name for the composite op that made it
    (``stack`` is ``cat`` of unsqueezed inputs, yet its ``grad_fn`` reads ``StackBackward0``)."""
    node = out.grad_fn
    if node is not None and all(node is not getattr(t, "grad_fn", None) for t in inputs):
        node._name = name
    return out


def needs_grad(*ts: Any) -> bool:
    """Whether an op on these inputs must be recorded."""
    if not STATE.enabled:
        return False
    for t in ts:
        if t.__class__ is not int and getattr(t, "_requires_grad", False):
            return True
    return False


def as_tensor_like(x: Any, ref: Tensor) -> Tensor:
    """``x`` as a tensor on ``ref``'s device (Python numbers get PyTorch's scalar dtype)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor

    return tensor(x, device=ref._device)


def device_mismatch(op: str, a: Tensor, b: Tensor) -> DeviceMismatchError:
    """The error for an op given tensors on two devices (``Module.__call__`` adds where it happened)."""
    return DeviceMismatchError(
        f"{op}: expected all tensors to be on the same device, but found at least two devices, {a._device} "
        f"(shape {tuple(a.shape)}) and {b._device} (shape {tuple(b.shape)}). Move one with .to(device) first",
        op, (a._device, b._device))


def _mixes(t: Tensor, other: Any) -> bool:
    """Whether ``t`` may join an op on device ``other``: a 0-d tensor on the host CPU, or any 0-d CPU tensor
    with a GPU tensor, as in PyTorch (virtual CPU devices other than the host act as separate devices)."""
    d = t._device
    return t._data.ndim == 0 and d.type == "cpu" and (d is CPU or other.type != "cpu")


def same_device(op: str, a: Tensor, b: Tensor) -> tuple[Any, Any, Any]:
    """Arrays of ``a`` and ``b`` on one device; a 0-d CPU tensor may join a tensor on another device."""
    if b._device is a._device:
        return a._data, b._data, a._device
    if _mixes(b, a._device):
        return a._data, a._device.backend.from_host(b._host(), a._device.index), a._device
    if _mixes(a, b._device):
        return b._device.backend.from_host(a._host(), b._device.index), b._data, b._device
    raise device_mismatch(op, a, b)


def binary_arrays(a: Any, b: Any, op: str, true_div: bool = False) -> tuple[Any, Any, Any]:
    """The arrays (or Python scalar) to combine for ``op``, promoted by PyTorch's rules, and the device."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            da, db, dev = same_device(op, a, b) if b._device is not a._device else (a._data, b._data, a._device)
            if da.dtype != db.dtype:
                r = _dt.result_type(a, b).np
                da, db = da.astype(r, copy=False), db.astype(r, copy=False)
        elif isinstance(b, _SCALARS):
            da, db, dev = a._data, b, a._device
            k = da.dtype.kind
            if k in "biu" and isinstance(b, (float, np.floating)):
                da = da.astype(_dt.get_default_dtype().np)
            elif k == "V":  # bfloat16: NumPy would promote a Python number to float32
                db = np.asarray(b, dtype=da.dtype)
            elif k == "b" and not isinstance(b, (bool, np.bool_)):
                da = da.astype(np.int64)
        else:
            raise TypeError(f"{op}: unsupported operand type {type(b).__name__}; expected a Tensor or a number")
    elif isinstance(b, Tensor):
        db, da, dev = binary_arrays(b, a, op, true_div)
        return da, db, dev
    else:
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    if true_div and da.dtype.kind in "biu" and (not hasattr(db, "dtype") or db.dtype.kind in "biu"):
        f = _dt.get_default_dtype().np
        da = da.astype(f)
        if hasattr(db, "dtype"):
            db = db.astype(f)
    elif db.__class__ is int and da.dtype.kind in "iu":
        lo, hi = _int_range(da.dtype)
        if not lo <= db <= hi:  # PyTorch casts the number to the tensor's type, wrapping around
            db = _wrapped_int(db, da.dtype, op)
    return da, db, dev


_RANGES: dict[Any, tuple[int, int]] = {}


def _int_range(dt: Any) -> tuple[int, int]:
    r = _RANGES.get(dt)
    if r is None:
        i = np.iinfo(dt)
        r = _RANGES[dt] = (int(i.min), int(i.max))
    return r


def _wrapped_int(b: int, dt: Any, op: str) -> Any:
    """A Python int outside ``dt``'s range, wrapped around as PyTorch's cast does (NumPy 2 would raise)."""
    if not -(1 << 63) <= b < (1 << 64):
        raise RuntimeError(f"{op}: the Python integer {b} does not fit in 64 bits; use a float or a smaller value")
    return np.array(b & ((1 << 64) - 1), dtype=np.uint64).astype(dt)[()]


def like(t: Any) -> tuple | None:
    """What :func:`sum_to` needs to know of an input, ``(shape, dtype)``, without keeping the tensor alive
    (None for a non-tensor)."""
    if isinstance(t, Tensor):
        d = t._data
        return (d.shape, d.dtype)
    return None


def sum_to(g: Tensor, like: Any) -> Tensor | None:
    """Reduce a broadcast gradient back to the shape (and dtype) of the input it belongs to.

    ``like`` is the input tensor or its :func:`like` record ``(shape, dtype)``; None gives None.
    """
    if like is None:
        return None
    if isinstance(like, Tensor):
        shape, dtype = like._data.shape, like._data.dtype
    elif isinstance(like, tuple):
        shape, dtype = like
    else:
        return None
    gd = g._data
    if gd.shape == shape and gd.dtype is dtype:
        return g
    if gd.shape != shape:
        from .reduce import sum as _sum

        lead = gd.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and
                                          gd.shape[i + lead] != 1)
        if dims:
            g = _sum(g, dims, keepdim=True)
        if lead:
            g = g.reshape(shape)
    if g._data.dtype != dtype:
        g = g.to(_dt.from_np(dtype))
    return g


def check_inplace(t: Tensor, op: str) -> None:
    """PyTorch's safety rules for modifying ``t`` in place while recording."""
    if not STATE.enabled:
        return
    if t._requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad (shape {tuple(t.shape)}) is being used in an in-place "
            "operation. Wrap the update in `with brickwork.no_grad():` (as optimizers do) or work on a clone")
    base = t._base
    if base is not None and base._requires_grad:
        if base.grad_fn is None:
            raise RuntimeError(
                f"{op}: a view (shape {tuple(t.shape)}) of a leaf Variable that requires grad (shape "
                f"{tuple(base.shape)}) is being used in an in-place operation. Wrap the update in "
                "`with brickwork.no_grad():` or modify a clone")
        if not t._requires_grad:
            raise RuntimeError(
                f"{op}: a view (shape {tuple(t.shape)}) was created in no_grad mode and is being modified in place "
                "with grad mode enabled; its base requires grad, so the result would be wrong. Create the view "
                "outside no_grad, or modify it inside no_grad")


def inplace(t: Tensor, op: str, compute: Callable[[Tensor], Tensor], *others: Any) -> Tensor:
    """Run ``compute`` (an out-of-place op) and write its result into ``t``, keeping autograd correct.

    When recording, ``t`` takes over the new node's history (its old value is kept in a copy for the
    backward pass) and nodes recorded earlier keep sending gradients to its old history. When ``t`` is a
    view, its base takes a ``CopySlices`` node and every live view of the base is re-derived from it, as in
    PyTorch. Either way the version counter is bumped so stale saved tensors are detected at backward.
    """
    check_inplace(t, op)
    if needs_grad(t, *others):
        base = t._base
        idx = None if base is None else region_index(t._data, base._data)
        if base is None or idx is None:
            _inplace_root(t, op, compute, others)
        else:
            _inplace_view(t, base, idx, op, compute, others)
        return t
    prev, STATE.enabled = STATE.enabled, False
    try:
        out = compute(t)
    finally:
        STATE.enabled = prev
    _store(t, out, op)
    t._version_counter[0] += 1
    return t


def _alias(t: Tensor) -> Tensor:
    """A copy of ``t``'s current value carrying its current history (the input of the in-place node)."""
    a = _make(t._data.copy(), t._device, t._requires_grad, t.grad_fn)
    if t._out_idx:
        a._out_idx = t._out_idx
    return a


def _compute_recorded(t: Tensor, alias: Tensor, op: str, compute: Callable, others: tuple) -> Tensor | None:
    """``compute(alias)`` as a fresh tensor with its own node, or None when it left the value unchanged."""
    out = compute(alias)
    if out is alias:
        return None
    if out._requires_grad and (out.grad_fn is None or any(out is o for o in others)):
        from .creation import clone

        out = clone(out)  # a node of our own, so t does not share history with another tensor
    elif out.grad_fn is None:  # a constant (fill_, zero_, uniform_...): zero gradient to the old value
        name = _INPLACE_NAMES.get(op) or op.strip("_").capitalize() + "Backward0"
        record(out, name, _zero_backward, (alias,))
    return out


_INPLACE_NAMES = {"fill_": "FillBackward2", "zero_": "ZeroBackward0", "uniform_": "UniformBackward0",
                  "normal_": "NormalBackward0"}


def _zero_backward(node: Node, g: Tensor) -> tuple:
    from .creation import zeros_like

    return (zeros_like(g),)


def _inplace_root(t: Tensor, op: str, compute: Callable, others: tuple) -> None:
    out = _compute_recorded(t, _alias(t), op, compute, others)
    if out is None:
        t._version_counter[0] += 1
        return
    _store(t, out, op)
    t._version_counter[0] += 1
    node = out.grad_fn
    if node._out is not None:
        node._out = (t._data, t._device, t._version_counter, t._version_counter[0])
    replace_history(t, node, True, out._out_idx)
    _rederive_views(t, None)


def _inplace_view(t: Tensor, base: Tensor, idx: Any, op: str, compute: Callable, others: tuple) -> None:
    out = _compute_recorded(t, _alias(t), op, compute, others)
    if out is None:
        t._version_counter[0] += 1
        return
    _store(t, out, op)  # writes through to the base's memory
    t._version_counter[0] += 1
    old_base = _make(base._data, base._device, base._requires_grad, base.grad_fn)
    if base._out_idx:
        old_base._out_idx = base._out_idx
    node = Node("CopySlices", _copy_slices_backward, (old_base, out))
    node.idx = idx
    replace_history(base, node, True)
    _set_view_history(t, base, idx)
    _rederive_views(base, t)


def replace_history(t: Tensor, grad_fn: Any, rg: bool, out_idx: int = 0) -> None:
    """Give ``t`` new history (nodes recorded before keep their edges to the old one)."""
    t.grad_fn, t._requires_grad = grad_fn, rg
    if out_idx:
        t._out_idx = out_idx
    elif "_out_idx" in t.__dict__:
        del t.__dict__["_out_idx"]
    if t._retains_grad:  # the retained .grad follows the new history, as in PyTorch
        t.__dict__.pop("_retain_handle").remove()
        t._retains_grad = False
        if grad_fn is not None:
            t.retain_grad()


def _set_view_history(v: Tensor, base: Tensor, idx: Any) -> None:
    """Make ``v`` a view of ``base``'s current history (PyTorch regenerates view grad_fns the same way)."""
    node = Node("AsStridedBackward0", _as_strided_backward, (base,))
    node.idx, node.shape = idx, tuple(base._data.shape)
    replace_history(v, node, True)


def _rederive_views(base: Tensor, skip: Tensor | None) -> None:
    refs = base.__dict__.get("_views")
    if not refs:
        return
    live = []
    for r in refs:
        v = r()
        if v is None:
            continue
        live.append(r)
        if v is not skip and v._base is base:
            idx = region_index(v._data, base._data)
            if idx is not None:
                _set_view_history(v, base, idx)
    refs[:] = live


def _copy_slices_backward(node: Node, g: Tensor) -> tuple:
    idx = node.idx
    base_needs, src_needs = node.needs_input_grad
    gb = gs = None
    if base_needs:
        keep = g._device.xp.ones(g._data.size, dtype=g._data.dtype)
        keep[idx.reshape(-1)] = 0
        gb = g * wrap(keep.reshape(g._data.shape), g._device)
    if src_needs:
        gs = region_get(g, idx)
    return gb, gs


def _as_strided_backward(node: Node, g: Tensor) -> tuple:
    return (region_put(g, node.idx, node.shape),)


def region_get(src: Tensor, idx: Any) -> Tensor:
    """The elements of ``src`` at flat positions ``idx`` (an integer array shaped like the result)."""
    out = wrap(src._data.reshape(-1)[idx], src._device)
    if needs_grad(src):
        record(out, "AsStridedBackward0", _as_strided_backward, (src,), idx=idx, shape=tuple(src._data.shape))
    return out


def region_put(g: Tensor, idx: Any, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at flat positions ``idx`` (the adjoint of :func:`region_get`)."""
    from .indexing import _add_at

    xp = g._device.xp
    flat = xp.zeros(int(np.prod(shape)), dtype=g._data.dtype)
    _add_at(xp, flat, idx, g._data)
    out = wrap(flat.reshape(shape), g._device)
    if needs_grad(g):
        record(out, "AsStridedScatterBackward0", _as_strided_scatter_backward, (g,), idx=idx)
    return out


def _as_strided_scatter_backward(node: Node, g: Tensor) -> tuple:
    return (region_get(g, node.idx),)


def _address(a: Any) -> int:
    return int(a.__array_interface__["data"][0]) if isinstance(a, np.ndarray) else int(a.data.ptr)


def region_index(view: Any, base: Any) -> Any:
    """For each element of array ``view``, its flat (row-major) position in array ``base``, whose memory it
    shares; None when ``view`` does not lie inside ``base``'s memory."""
    xp = xp_of(base)
    size = view.itemsize
    if view.itemsize != base.itemsize or not xp.may_share_memory(view, base):
        return None

    def offsets(a: Any, start: int) -> Any:
        o = xp.full((1,) * a.ndim, start, dtype=np.int64)
        for k, (n, st) in enumerate(zip(a.shape, a.strides)):
            shp = [1] * a.ndim
            shp[k] = n
            o = o + (xp.arange(n, dtype=np.int64) * (st // size)).reshape(shp)
        return xp.broadcast_to(o, a.shape) if a.ndim else o.reshape(())

    start = (_address(view) - _address(base)) // size
    pos = offsets(view, start)
    if base.flags.c_contiguous:
        return pos
    mem = offsets(base, 0).reshape(-1)
    order = xp.argsort(mem)
    return order[xp.searchsorted(mem[order], pos)]


def _store(t: Tensor, out: Tensor, op: str) -> None:
    d = out._data
    if d.shape != t._data.shape:
        raise RuntimeError(f"{op}: output with shape {tuple(t.shape)} doesn't match the broadcast shape "
                           f"{tuple(d.shape)}; in-place ops cannot change a tensor's shape")
    rk, tk = _dt.from_np(d.dtype), _dt.from_np(t._data.dtype)
    if rk.category > tk.category:
        raise RuntimeError(f"{op}: result type {rk} can't be cast to the desired output type {tk}; "
                           f"convert the tensor first (e.g. x = x.to({rk}))")
    t._data[...] = d


def bump(t: Tensor) -> None:
    """Mark ``t``'s memory as modified in place."""
    t._version_counter[0] += 1


def make_view(out: Tensor, base: Tensor) -> Tensor:
    """Mark ``out`` as a view sharing ``base``'s memory and version counter.

    While recording, the root base keeps a weak list of its views, so that an in-place change of the base
    (or of another view) can re-derive their history.
    """
    out._version_counter = base._version_counter
    root = base._base if base._base is not None else base
    out._base = root
    if STATE.enabled:
        refs = root.__dict__.get("_views")
        if refs is None:
            root.__dict__["_views"] = [_weakref(out)]
        else:
            refs.append(_weakref(out))
            n = len(refs)
            if n >= 64 and not n & (n - 1):  # prune dead entries at powers of two: amortised O(1)
                refs[:] = [r for r in refs if r() is not None]
    return out


def xp_of(a: Any) -> Any:
    """The array module (NumPy or CuPy) of an array."""
    return np if isinstance(a, np.ndarray) else sys.modules["cupy"]


def wrap(data: Any, dev: Any) -> Tensor:
    """A tensor around an op's result array."""
    return _make(data, dev)


def dims_tuple(dim: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` (int, sequence or None for all) as a sorted tuple of non-negative dimensions."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        dim = (int(dim),)
    n = ndim if ndim else 1
    out = []
    for d in dim:
        if not -n <= d < n:
            raise IndexError(f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {d})")
        out.append(d % n if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim else ()


def wrap_dim(dim: int, ndim: int, op: str) -> int:
    """One dimension made non-negative, with PyTorch's range error naming ``op``."""
    n = ndim if ndim else 1
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                         f"{dim})")
    return int(dim) % n if ndim else 0
