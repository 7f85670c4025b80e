"""``torch.testing``: `assert_close` for tensors, numbers and nested sequences or mappings of them.

Example:
    >>> import brickwork as torch
    >>> torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Callable

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# PyTorch's default (rtol, atol) per dtype; integers and bool compare exactly
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}


def _name(dt: Any) -> str:
    return str(dt).split(".")[-1]


def _fail(msg: str | Callable[[str], str] | None, default: str, where: str = "") -> AssertionError:
    if where:
        default += f"\n\nThe failure occurred for item {where}"
    if callable(msg):
        return AssertionError(msg(default))
    return AssertionError(default if msg is None else msg)


def _as_tensor(x: Any) -> Tensor | None:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        from ..ops.creation import tensor

        return tensor(x)
    return None


def _close_numbers(a: Any, b: Any, rtol: float | None, atol: float | None, equal_nan: bool, msg: Any,
                   where: str) -> None:
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, int) and isinstance(b, int):
        r, t = (0.0, 0.0) if rtol is None else (rtol, atol or 0.0)
    else:
        r, t = _TOLERANCES["float64"] if rtol is None else (rtol, atol or 0.0)
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float)) and
                                       type(a) in (int, float) and type(b) in (int, float) and type(a) is type(b)):
        raise _fail(msg, f"The values for attribute 'type' do not match: {type(a)} != {type(b)}.", where)
    fa, fb = float(a), float(b)
    if math.isnan(fa) and math.isnan(fb) and equal_nan:
        return
    if not (fa == fb or abs(fa - fb) <= t + r * abs(fb)):
        diff = abs(fa - fb)
        raise _fail(msg, f"Scalars are not close!\n\nExpected {b} but got {a}.\nAbsolute difference: {diff:g} "
                         f"(up to {t:g} allowed)\nRelative difference: {diff / abs(fb) if fb else math.inf:g} "
                         f"(up to {r:g} allowed)", where)


def _close_tensors(a: Tensor, b: Tensor, rtol: float | None, atol: float | None, equal_nan: bool,
                   check_device: bool, check_dtype: bool, msg: Any, where: str) -> None:
    if tuple(a.shape) != tuple(b.shape):
        raise _fail(msg, f"The values for attribute 'shape' do not match: {a.shape} != {b.shape}.", where)
    if check_device and a.device != b.device:
        raise _fail(msg, f"The values for attribute 'device' do not match: {a.device} != {b.device}.", where)
    if check_dtype and a.dtype is not b.dtype:
        raise _fail(msg, f"The values for attribute 'dtype' do not match: {a.dtype} != {b.dtype}.", where)
    dt = _dt.promote_types(a.dtype, b.dtype)
    r, t = _TOLERANCES.get(_name(dt), (0.0, 0.0)) if rtol is None else (rtol, atol or 0.0)
    if rtol is None and not check_dtype:  # PyTorch takes the looser tolerance of the two dtypes
        ra, ta = _TOLERANCES.get(_name(a.dtype), (0.0, 0.0))
        rb, tb = _TOLERANCES.get(_name(b.dtype), (0.0, 0.0))
        r, t = max(ra, rb), max(ta, tb)
    x = np.asarray(a.detach().cpu()._host(), dtype=np.float64 if dt.is_floating_point else None)
    y = np.asarray(b.detach().cpu()._host(), dtype=np.float64 if dt.is_floating_point else None)
    if x.dtype.kind == "b":
        x, y = x.astype(np.int64), y.astype(np.int64)
    with np.errstate(invalid="ignore"):
        ok: Any = np.isclose(x, y, rtol=r, atol=t, equal_nan=equal_nan) if x.dtype.kind == "f" else x == y
    if bool(ok.all()):
        return
    bad = ~ok
    n, total = int(bad.sum()), ok.size
    with np.errstate(invalid="ignore", divide="ignore"):
        absd = np.abs(x.astype(np.float64) - y.astype(np.float64))
        reld = absd / np.abs(y.astype(np.float64))
    absd = np.where(np.isnan(absd), np.inf, absd)
    reld = np.where(np.isnan(reld), np.inf, reld)
    ia = np.unravel_index(int(np.argmax(np.where(bad, absd, -1))), x.shape) if x.ndim else ()
    ir = np.unravel_index(int(np.argmax(np.where(bad, reld, -1))), x.shape) if x.ndim else ()
    kind = "Tensor-likes are not close!" if x.dtype.kind == "f" else "Tensor-likes are not equal!"
    lines = [kind, "", f"Mismatched elements: {n} / {total} "
             f"({100 * n / total:.1f}%)",
             f"Greatest absolute difference: {float(absd[ia]):g} at index {tuple(int(i) for i in ia)}"
             + (f" (up to {t:g} allowed)" if x.dtype.kind == "f" else ""),
             f"Greatest relative difference: {float(reld[ir]):g} at index {tuple(int(i) for i in ir)}"
             + (f" (up to {r:g} allowed)" if x.dtype.kind == "f" else "")]
    raise _fail(msg, "\n".join(lines), where)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close: ``|a - e| <= atol + rtol * |e|``.

    Tensors must also agree in shape, device and (with ``check_dtype``) dtype; the default tolerances
    depend on the dtype as in PyTorch (float32: ``rtol=1.3e-6, atol=1e-5``; integers: exact). Sequences and
    mappings are compared element by element. ``rtol`` and ``atol`` must be given together.

    Example:
        >>> import brickwork as torch
        >>> try:
        ...     torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]))
        ... except AssertionError as e:
        ...     print(str(e).splitlines()[0])
        Tensor-likes are not close!
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {'rtol' if rtol is None else 'atol'}.")
    _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, "")


def _compare(a: Any, e: Any, rtol: float | None, atol: float | None, equal_nan: bool, check_device: bool,
             check_dtype: bool, msg: Any, where: str) -> None:
    ta, te = _as_tensor(a), _as_tensor(e)
    if ta is not None or te is not None:
        if ta is None or te is None:
            if ta is None and isinstance(a, (int, float, bool)) or te is None and isinstance(e, (int, float, bool)):
                raise _fail(msg, f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.")
            from ..ops.creation import tensor

            ta = ta if ta is not None else tensor(a)
            te = te if te is not None else tensor(e)
        _close_tensors(ta, te, rtol, atol, equal_nan, check_device, check_dtype, msg, where)
    elif isinstance(a, Mapping) and isinstance(e, Mapping):
        if set(a.keys()) != set(e.keys()):
            raise _fail(msg, f"The keys of the mappings do not match: {sorted(map(str, a))} != "
                             f"{sorted(map(str, e))}", where)
        for k in e:
            _compare(a[k], e[k], rtol, atol, equal_nan, check_device, check_dtype, msg, f"{where}[{k!r}]")
    elif isinstance(a, Sequence) and isinstance(e, Sequence) and not isinstance(a, str) and not isinstance(e, str):
        if len(a) != len(e):
            raise _fail(msg, f"The length of the sequences mismatch: {len(a)} != {len(e)}", where)
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, rtol, atol, equal_nan, check_device, check_dtype, msg, f"{where}[{i}]")
    elif isinstance(a, (int, float, bool, np.number)) and isinstance(e, (int, float, bool, np.number)):
        _close_numbers(a, e, rtol, atol, equal_nan, msg, where)
    else:
        raise _fail(msg, f"No comparison pair was able to handle inputs of type {type(a)} and {type(e)}.")


def make_tensor(*shape: Any, dtype: Any, device: Any = None, low: float | None = None, high: float | None = None,
                requires_grad: bool = False, noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)`` (default ``[-9, 9)``).

    Example:
        >>> import brickwork as torch
        >>> t = torch.testing.make_tensor(2, 3, dtype=torch.float32, low=0, high=1)
        >>> t.shape, bool((t >= 0).all() and (t < 1).all())
        (brickwork.Size([2, 3]), True)
    """
    from ..ops.creation import tensor

    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dt = _dt.to_dtype(dtype)
    lo = -9.0 if low is None else float(low)
    hi = 9.0 if high is None else float(high)
    rng = np.random.default_rng()
    a: Any
    if dt is _dt.bool_:
        a = rng.random(shape) > 0.5
    elif dt.is_floating_point:
        a = rng.uniform(lo, hi, shape)
        if exclude_zero:
            a[a == 0] = np.finfo(np.float32).eps
    else:
        a = rng.integers(int(math.ceil(lo)), int(math.ceil(hi)), shape)
        if exclude_zero:
            a[a == 0] = 1
    t = tensor(a, dtype=dt, device=device)
    if noncontiguous and t.numel() > 1:
        t = t.repeat_interleave(2, -1)[..., ::2]
    if requires_grad:
        t.requires_grad_(True)
    return t
