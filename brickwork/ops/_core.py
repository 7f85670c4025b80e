"""What every op shares: PyTorch's promotion for binary ops, device checks, dimension arguments, and (from
``autograd/``) the way ops record nodes and the in-place protocol.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..backends import CPU, DeviceMismatchError
from ..autograd.engine import Node  # noqa: F401  (for ops that make nodes of several outputs)
from ..autograd.grad_mode import STATE  # noqa: F401
from ..autograd.grad_mode import no_grad as _no_grad
from ..autograd.inplace import (bump, check_inplace, inplace, make_view, region_get, region_index,  # noqa: F401
                                region_put, replace_history)
from ..autograd.record import array_backward, like, needs_grad, record, record_unary, sum_to, sum_to_array  # noqa: F401
from ..backends import xp_of  # noqa: F401

_SCALARS = (int, float, bool, complex, np.number, np.bool_)


def renamed(out: Tensor, name: str, *inputs: Any) -> Tensor:
    """``out`` with the node of its last step named ``name``: PyTorch's name for the composite op that made it
    (``stack`` is ``cat`` of unsqueezed inputs, yet its ``grad_fn`` reads ``StackBackward0``)."""
    node = out.grad_fn
    if node is not None and all(node is not getattr(t, "grad_fn", None) for t in inputs):
        node._name = name
    return out


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
            elif b.__class__ is complex and k != "c":
                da = da.astype(_dt.result_type(a, b).np)
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
    sb = getattr(db, "shape", None)
    if sb is not None and sb != da.shape:
        check_broadcast(op, da.shape, sb)
    return da, db, dev


def check_broadcast(op: str, *shapes: tuple) -> None:
    """Raise PyTorch's RuntimeError, naming ``op`` and the shapes, unless ``shapes`` broadcast together."""
    first = shapes[0]
    for k, other in enumerate(shapes[1:], 1):
        for i in range(1, min(len(first), len(other)) + 1):
            x, y = first[-i], other[-i]
            if x != y and x != 1 and y != 1:
                raise broadcast_error(op, first, other, len(max(first, other, key=len)) - i, k)
        if len(other) > len(first):
            first = other


def broadcast_error(op: str, sa: tuple, sb: tuple, dim: int | None = None, which: int = 1) -> RuntimeError:
    """PyTorch's error for shapes that do not broadcast, with both shapes and the fix."""
    if dim is None:
        for i in range(1, min(len(sa), len(sb)) + 1):
            if sa[-i] != sb[-i] and sa[-i] != 1 and sb[-i] != 1:
                dim = max(len(sa), len(sb)) - i
                break
        else:
            dim = 0
    n = max(len(sa), len(sb))
    x, y = sa[dim - n + len(sa)], sb[dim - n + len(sb)]
    return RuntimeError(
        f"{op}: The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {dim}"
        f" (shapes {tuple(sa)} and {tuple(sb)}{'' if which == 1 else f', operand {which}'}). Make the sizes "
        "equal, or 1 where one should be repeated (e.g. with unsqueeze/view)")


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


_F = TypeVar("_F", bound=Callable[..., Any])


def _half_dtype(x: Any) -> Any:
    """The half-precision dtype (float16 or bfloat16) of a tensor, or None."""
    if isinstance(x, Tensor):
        d = x._data.dtype
        if d.itemsize == 2 and d.kind in "fV":
            return x.dtype
    return None


def computed_in_float32(fn: _F) -> _F:
    """Run a primitive on float16/bfloat16 tensors in float32 and round its floating results back, as PyTorch's
    CPU kernels accumulate half precision in float (NumPy has no fast half-precision math, and bfloat16 lacks
    einsum and integer-indexed reductions). Gradients flow through the two casts; tensors the primitive updates
    in place (BatchNorm's running statistics) are written back.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.layer_norm(torch.tensor([1.0, 3.0], dtype=torch.bfloat16), (2,)).dtype
        brickwork.bfloat16
    """
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        low = None
        for a in args:
            if a.__class__ is Tensor or isinstance(a, Tensor):
                low = _half_dtype(a)
                break
        if low is None:
            return fn(*args, **kwargs)
        ups: list[tuple[Tensor, Tensor, int]] = []

        def up(x: Any) -> Any:
            if _half_dtype(x) is not None:
                u = x.float()
                ups.append((x, u, u._version))
                return u
            if isinstance(x, (list, tuple)) and x and any(_half_dtype(v) is not None for v in x):
                return type(x)(up(v) for v in x)
            return x

        out = fn(*[up(a) for a in args], **{k: up(v) for k, v in kwargs.items()})
        for orig, u, version in ups:
            if u._version != version:  # updated in place (running statistics): write back, rounded
                with _no_grad():
                    orig.copy_(u)
        return _round_to(out, low)

    return run  # type: ignore[return-value]


def _round_to(out: Any, low: Any) -> Any:
    if isinstance(out, Tensor):
        return out.to(low) if out._data.dtype == np.float32 else out
    if isinstance(out, tuple):
        items = [_round_to(o, low) for o in out]
        return type(out)(*items) if hasattr(out, "_fields") else tuple(items)
    if isinstance(out, list):
        return [_round_to(o, low) for o in out]
    return out
