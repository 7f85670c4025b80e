"""The in-place and view protocol: PyTorch's leaf checks, version counters, history rebasing, and the
``CopySlices`` / ``AsStrided`` nodes that keep gradients right when a view or its base is modified in place.
"""

from __future__ import annotations

from typing import Any, Callable
from weakref import ref as _weakref

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..backends import xp_of
from .engine import Node
from .grad_mode import STATE
from .record import needs_grad, record

__all__ = ["check_inplace", "inplace", "replace_history", "region_get", "region_put", "region_index", "bump",
           "make_view"]


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
        out = out.clone()  # a node of our own, so t does not share history with another tensor
    elif out.grad_fn is None:  # a constant (fill_, zero_, uniform_...): zero gradient to the old value
        # PyTorch numbers the overloads: x.eq_(1) records EqBackward0, x.eq_(tensor) EqBackward1
        name = _INPLACE_NAMES.get(op) or op.strip("_").capitalize() + ("Backward1" if others else "Backward0")
        record(out, name, _zero_backward, (alias,))
    return out


_INPLACE_NAMES = {"fill_": "FillBackward2", "zero_": "ZeroBackward0", "uniform_": "UniformBackward0",
                  "normal_": "NormalBackward0"}


def _zero_backward(node: Node, g: Tensor) -> tuple:
    return (_make(g._device.xp.zeros_like(g._data), g._device),)


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
    node._dev = base._device
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
    node._dev = v._device
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
        gb = g * _make(keep.reshape(g._data.shape), g._device)
    if src_needs:
        gs = region_get(g, idx)
    return gb, gs


def _as_strided_backward(node: Node, g: Tensor) -> tuple:
    return (region_put(g, node.idx, node.shape),)


def region_get(src: Tensor, idx: Any) -> Tensor:
    """The elements of ``src`` at flat positions ``idx`` (an integer array shaped like the result)."""
    out = _make(src._data.reshape(-1)[idx], src._device)
    if needs_grad(src):
        record(out, "AsStridedBackward0", _as_strided_backward, (src,), idx=idx, shape=tuple(src._data.shape))
    return out


def region_put(g: Tensor, idx: Any, shape: tuple) -> Tensor:
    """Zeros of ``shape`` with ``g`` added at flat positions ``idx`` (the adjoint of `region_get`)."""
    xp = g._device.xp
    flat = xp.zeros(int(np.prod(shape)), dtype=g._data.dtype)
    g._device.backend.add_at(flat, idx, g._data)
    out = _make(flat.reshape(shape), g._device)
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
    root = base._base
    if root is None:
        root = base
    out.__dict__["_base"] = root
    if STATE.enabled:
        rd = root.__dict__
        refs = rd.get("_views")
        if refs is None:
            rd["_views"] = [_weakref(out)]
        else:
            refs.append(_weakref(out))
            n = len(refs)
            if n >= 64 and not n & (n - 1):  # prune dead entries at powers of two: amortised O(1)
                refs[:] = [r for r in refs if r() is not None]
    return out
