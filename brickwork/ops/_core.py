"""What every op shares: recording a node, PyTorch's promotion for binary ops, device checks,
reducing a broadcast gradient, and the in-place protocol (leaf check, version counter, history rebasing).
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..autograd.engine import Node
from ..autograd.grad_mode import STATE

_SCALARS = (int, float, bool, np.number, np.bool_)


def record(out: Tensor, name: str, backward: Callable, inputs: tuple, saved: tuple = (), meta: Any = None,
           save_out: bool = False) -> Tensor:
    """Attach a new graph node to ``out`` (called only when recording is on and an input requires grad)."""
    node = Node(name, backward, inputs, saved, meta)
    out.grad_fn = node
    out._rg = True
    if save_out:
        node.save_output(out)
    return out


def needs_grad(*ts: Any) -> bool:
    """Whether an op on these inputs must be recorded."""
    if not STATE.enabled:
        return False
    for t in ts:
        if t.__class__ is not int and getattr(t, "_rg", False):
            return True
    return False


def as_tensor_like(x: Any, ref: Tensor) -> Tensor:
    """``x`` as a tensor on ``ref``'s device (Python numbers get PyTorch's scalar dtype)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor

    return tensor(x, device=ref._device)


def device_mismatch(op: str, a: Tensor, b: Tensor) -> RuntimeError:
    """The error for an op given tensors on two devices."""
    return RuntimeError(
        f"{op}: expected all tensors to be on the same device, but found at least two devices, {a._device} "
        f"(shape {tuple(a.shape)}) and {b._device} (shape {tuple(b.shape)}). Move one with .to(device) first")


def same_device(op: str, a: Tensor, b: Tensor) -> tuple[Any, Any, Any]:
    """Arrays of ``a`` and ``b`` on one device; a 0-d CPU tensor may join a tensor on another device."""
    if b._device is a._device:
        return a._data, b._data, a._device
    if b._data.ndim == 0 and b._device.type == "cpu":
        return a._data, a._device.backend.from_host(b._host(), a._device.index), a._device
    if a._data.ndim == 0 and a._device.type == "cpu":
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
            elif k == "b" and not isinstance(b, (bool, np.bool_)):
                da = da.astype(np.int64)
        else:
            raise TypeError(f"{op}: unsupported operand type {type(b).__name__}; expected a Tensor or a number")
    elif isinstance(b, Tensor):
        db, da, dev = binary_arrays(b, a, op)
        return da, db, dev
    else:
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    if true_div and da.dtype.kind in "biu" and (not hasattr(db, "dtype") or db.dtype.kind in "biu"):
        f = _dt.get_default_dtype().np
        da = da.astype(f)
        if hasattr(db, "dtype"):
            db = db.astype(f)
    return da, db, dev


def sum_to(g: Tensor, like: Tensor | None) -> Tensor | None:
    """Reduce a broadcast gradient back to the shape (and dtype) of the input it belongs to."""
    if like is None or not isinstance(like, Tensor):
        return None
    gd, ld = g._data, like._data
    if gd.shape == ld.shape and gd.dtype is ld.dtype:
        return g
    if gd.shape != ld.shape:
        from .reduce import sum as _sum

        lead = gd.ndim - ld.ndim
        dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(ld.shape) if n == 1 and
                                          gd.shape[i + lead] != 1)
        if dims:
            g = _sum(g, dims, keepdim=True)
        if lead:
            g = g.reshape(ld.shape)
    if g._data.dtype != ld.dtype:
        g = g.to(like.dtype)
    return g


def check_inplace(t: Tensor, op: str) -> None:
    """PyTorch's safety rules for modifying ``t`` in place while recording."""
    if STATE.enabled and t._rg:
        if t.grad_fn is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad (shape {tuple(t.shape)}) is being used in an in-place "
                "operation. Wrap the update in `with brickwork.no_grad():` (as optimizers do) or work on a clone")
        base = t._base
        if base is not None and base._rg:
            raise RuntimeError(
                f"{op}: in-place modification of a view (shape {tuple(t.shape)}) of a tensor that requires grad "
                "is not supported, because the base tensor's history would silently go stale. Compute the "
                "result out of place, e.g. with torch.cat/torch.where, or modify the base tensor itself")


def inplace(t: Tensor, op: str, compute: Callable[[Tensor], Tensor], *others: Any) -> Tensor:
    """Run ``compute`` (an out-of-place op) and write its result into ``t``, keeping autograd correct.

    When recording, ``t`` takes over the new node's history (its old value is kept in a copy for
    the backward pass); either way its version counter is bumped so stale saved tensors are detected.
    """
    check_inplace(t, op)
    if needs_grad(t, *others):
        alias = _make(t._data.copy(), t._device, t._rg, t.grad_fn)
        alias._out_idx = t._out_idx
        out = compute(alias)
        _store(t, out, op)
        node = out.grad_fn
        t.grad_fn, t._rg, t._out_idx = node, True, 0
        if "_out_idx" in t.__dict__:
            del t.__dict__["_out_idx"]
        t._vc[0] += 1
        if node is not None and node._out is not None:
            node._out = (t._data, t._device, t._vc, t._vc[0])
        return t
    prev, STATE.enabled = STATE.enabled, False
    try:
        out = compute(t)
    finally:
        STATE.enabled = prev
    _store(t, out, op)
    t._vc[0] += 1
    return t


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
    t._vc[0] += 1


def make_view(out: Tensor, base: Tensor) -> Tensor:
    """Mark ``out`` as a view sharing ``base``'s memory and version counter."""
    out._vc = base._vc
    out._base = base._base if base._base is not None else base
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
