"""Property tests (hypothesis) against NumPy and PyTorch: broadcasting of binary ops and their gradients,
type promotion over every dtype pair with 0-d tensors and Python scalars, and basic/advanced indexing
(reading, gradients and assignment).

Examples are kept few and small so the whole file runs in seconds; the strategies aim at the corners
(size-0 and size-1 dimensions, 0-d operands, out-of-range Python ints, duplicate advanced indices).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import brickwork as bw

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64")


def to_np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.double() if t.dtype == torch.bfloat16 else t).numpy()
    t = t.detach()
    return (t.double() if t.dtype is bw.bfloat16 else t).numpy()


def close(a: Any, b: Any, dtype: str = "float32") -> None:
    x, y = to_np(a), to_np(b)
    assert x.shape == y.shape, (x.shape, y.shape)
    tol = {"float16": 2e-3, "bfloat16": 1e-2, "float32": 1e-5}.get(dtype, 1e-12)
    np.testing.assert_allclose(x.astype(np.float64), y.astype(np.float64), rtol=tol, atol=tol, equal_nan=True)


# -- broadcasting ------------------------------------------------------------------------------------------

BINARY = {
    "add": (lambda L, a, b: a + b, np.add),
    "sub": (lambda L, a, b: a - b, np.subtract),
    "mul": (lambda L, a, b: a * b, np.multiply),
    "div": (lambda L, a, b: a / b, np.divide),
    "pow": (lambda L, a, b: a.abs() ** b, lambda a, b: np.abs(a) ** b),
    "maximum": (lambda L, a, b: L.maximum(a, b), np.maximum),
    "minimum": (lambda L, a, b: L.minimum(a, b), np.minimum),
    "atan2": (lambda L, a, b: L.atan2(a, b), np.arctan2),
    "where": (lambda L, a, b: L.where(a > b, a, b * 2), lambda a, b: np.where(a > b, a, b * 2)),
    "lt": (lambda L, a, b: a < b, np.less),
}
NONZERO = st.floats(0.25, 3.0, width=32) | st.floats(-3.0, -0.25, width=32)


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3),
       op=st.sampled_from(sorted(BINARY)), data=st.data())
def test_binary_ops_broadcast_like_numpy_and_torch(shapes: Any, op: str, data: Any) -> None:
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    elements = NONZERO if op in ("div", "pow", "atan2") else st.sampled_from([-1.5, -1.0, 0.0, 0.5, 1.0, 2.0])
    a = data.draw(hnp.arrays(np.float32, sa, elements=elements), label="a")
    b = data.draw(hnp.arrays(np.float32, sb, elements=elements), label="b")
    fn, ref = BINARY[op]
    results = []
    for L in (bw, torch):
        ta = L.tensor(a, requires_grad=True)
        tb = L.tensor(b, requires_grad=True)
        out = fn(L, ta, tb)
        assert tuple(out.shape) == out_shape
        if out.requires_grad:
            w = L.tensor(np.linspace(-1, 1, max(1, int(np.prod(out_shape)))).reshape(-1)[:int(np.prod(out_shape))]
                         .reshape(out_shape).astype(np.float32))
            (out * w).sum().backward()
        results.append((out, ta.grad, tb.grad))
    (ob, gab, gbb), (ot, gat, gbt) = results
    with np.errstate(all="ignore"):
        expected = ref(a, b)
    np.testing.assert_allclose(to_np(ob), expected, rtol=1e-5, atol=1e-6)
    close(ob, ot)
    for gb_, gt_ in ((gab, gat), (gbb, gbt)):
        assert (gb_ is None) == (gt_ is None)
        if gb_ is not None:
            close(gb_, gt_)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3), data=st.data())
def test_inplace_broadcasting_like_torch(shape: tuple, data: Any) -> None:
    other = data.draw(hnp.broadcastable_shapes(shape, min_dims=0, max_dims=len(shape) + 1, min_side=1, max_side=3))
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    b = np.full(other, 2.0, dtype=np.float32)
    outcome = []
    for L in (bw, torch):
        x = L.tensor(a)
        try:
            x.mul_(L.tensor(b))
            outcome.append(to_np(x))
        except RuntimeError:
            outcome.append(None)  # the broadcast result would not fit x's shape
    assert (outcome[0] is None) == (outcome[1] is None)
    if outcome[0] is not None:
        np.testing.assert_array_equal(outcome[0], outcome[1])


# -- type promotion ----------------------------------------------------------------------------------------

@st.composite
def operands(draw: Any) -> tuple:
    """One operand: ('tensor', dtype), ('0d', dtype), or a Python scalar ('int'|'float'|'bool', value)."""
    kind = draw(st.sampled_from(["tensor", "tensor", "0d", "int", "float", "bool"]))
    if kind in ("tensor", "0d"):
        return kind, draw(st.sampled_from(DTYPES))
    if kind == "int":
        return kind, draw(st.integers(-300, 300))
    if kind == "float":
        return kind, draw(st.sampled_from([0.5, -2.25, 3.0, 1e-3]))
    return kind, draw(st.booleans())


def make(L: Any, spec: tuple) -> Any:
    kind, v = spec
    if kind not in ("tensor", "0d"):
        return v
    values = [0, 1, 2, 3] if v == "bool" else ([1, 2, 5, 7] if v == "uint8" else [-3, 1, 2, 5])
    if v == "bool":
        values = [True, False, True, True]
    t = L.tensor(values if kind == "tensor" else values[2], dtype=getattr(L, v))
    return t


PROMOTING = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
    "eq": lambda a, b: a == b, "lt": lambda a, b: a < b,
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(x=operands(), y=operands(), op=st.sampled_from(sorted(PROMOTING)))
def test_type_promotion_matches_torch(x: tuple, y: tuple, op: str) -> None:
    if x[0] not in ("tensor", "0d") and y[0] not in ("tensor", "0d"):
        x = ("0d", "int32")
    a_b, b_b, a_t, b_t = make(bw, x), make(bw, y), make(torch, x), make(torch, y)
    rt = torch.result_type(a_t, b_t)
    assert str(bw.result_type(a_b, b_b)).split(".")[-1] == str(rt).split(".")[-1]
    fn = PROMOTING[op]
    try:
        with np.errstate(all="ignore"):
            expected = fn(a_t, b_t)
    except (RuntimeError, TypeError):
        with pytest.raises((RuntimeError, TypeError)):
            fn(a_b, b_b)
        return
    with np.errstate(all="ignore"):
        got = fn(a_b, b_b)
    name = str(expected.dtype).split(".")[-1]
    assert str(got.dtype).split(".")[-1] == name
    close(got, expected, name)


@FAST
@given(a=st.sampled_from(DTYPES), b=st.sampled_from(DTYPES))
def test_promote_types_table(a: str, b: str) -> None:
    assert bw.promote_types(getattr(bw, a), getattr(bw, b)) is getattr(bw, str(
        torch.promote_types(getattr(torch, a), getattr(torch, b))).split(".")[-1])


# -- indexing ----------------------------------------------------------------------------------------------

@st.composite
def index_case(draw: Any) -> tuple:
    """A shape and an index expression mixing ints, slices, None, Ellipsis, int lists/tensors and bool masks.

    The index is a list of ('kind', payload) items so each library can build its own tensors from it. Now and
    then an index is out of range, so that both libraries must refuse it.
    """
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    items: list[tuple] = []
    dim = 0
    used_ellipsis = masked = False
    for _ in range(draw(st.integers(1, len(shape) + 1))):
        if dim >= len(shape):
            break
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis", "ints", "ints", "mask"]))
        if kind == "ellipsis" and not used_ellipsis:
            used_ellipsis = True
            items.append(("ellipsis", None))
            dim += draw(st.integers(0, len(shape) - dim - 1))
            continue
        if kind == "int":
            items.append(("int", draw(st.integers(-n, n - 1) | st.sampled_from([n, -n - 1]))))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-n - 1, n + 1))
            stop = draw(st.none() | st.integers(-n - 1, n + 1))
            step = draw(st.none() | st.integers(1, 3))
            items.append(("slice", (start, stop, step)))
        elif kind == "none":
            items.append(("none", None))
            continue  # does not consume a dimension
        elif kind == "mask" and not masked:
            masked = True
            items.append(("mask", draw(hnp.arrays(np.bool_, (n,)))))
        else:
            k = draw(st.integers(0, 3))
            idx_shape = draw(st.sampled_from([(k,), (1, k), (2, 1)]))
            hi = n if draw(st.integers(0, 9)) == 0 else n - 1  # sometimes out of range
            vals = draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(-n, hi)))
            items.append(("ints" if vals.ndim > 1 or draw(st.booleans()) else "list", vals))
        dim += 1
    return shape, items


def build_index(L: Any, items: list) -> Any:
    out = []
    for kind, p in items:
        if kind == "int":
            out.append(p)
        elif kind == "slice":
            out.append(slice(*p))
        elif kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        elif kind == "ints":
            out.append(L.tensor(p))
        elif kind == "list":
            out.append(p.tolist())
        else:
            out.append(L.tensor(p))
    return tuple(out) if len(out) != 1 else out[0]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(case=index_case())
def test_indexing_matches_torch(case: tuple) -> None:
    shape, items = case
    base = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) - 5
    res = []
    for L in (bw, torch):
        x = L.tensor(base, requires_grad=True)
        try:
            y = x[build_index(L, items)]
        except (IndexError, RuntimeError, TypeError, ValueError):
            res.append(None)
            continue
        w = L.tensor(np.arange(y.numel(), dtype=np.float32).reshape(tuple(y.shape)) + 1)
        (y * w).sum().backward()
        res.append((y, x.grad))
    if res[0] is None and res[1] is not None and res[1][0].numel() == 0:
        return  # an out-of-range index that selects nothing: PyTorch lets it pass, brickwork checks it
    assert (res[0] is None) == (res[1] is None), (items, res)
    if res[0] is not None:
        (yb, gb), (yt, gt) = res
        close(yb, yt)
        close(gb, gt)  # duplicate advanced indices accumulate


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(case=index_case(), scalar=st.booleans())
def test_index_assignment_matches_torch(case: tuple, scalar: bool) -> None:
    shape, items = case
    # with duplicate indices the winner of a write is unspecified: keep each index once
    items = [(k, np.unique(p) if k in ("ints", "list") else p) for k, p in items if not (k == "ints" and p.ndim > 1)]
    base = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    res = []
    for L in (bw, torch):
        x = L.tensor(base)
        idx = build_index(L, items)
        try:
            target_shape = tuple(x[idx].shape)
            if L is torch and res[0] is None and 0 in target_shape:
                return  # an out-of-range index that selects nothing: PyTorch lets it pass, brickwork checks it
            value = -1.0 if scalar else L.tensor(-np.arange(int(np.prod(target_shape)), dtype=np.float32)
                                                 .reshape(target_shape) - 1)
            x[idx] = value
            res.append(to_np(x))
        except (IndexError, RuntimeError, TypeError, ValueError):
            res.append(None)
    assert (res[0] is None) == (res[1] is None), items
    if res[0] is not None:
        np.testing.assert_array_equal(res[0], res[1])
