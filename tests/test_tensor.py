"""The Tensor API against PyTorch: creation, dtypes, attributes and conversions, repr, in-place ops and their
autograd safety (leaf checks, version counters, history of non-leaf tensors and views).

Most checks run the same code on ``brickwork`` and on ``torch`` (the ``lib`` argument) and compare the results
through NumPy; random streams differ between the libraries by design, so sampling is checked for its
distribution, range and reproducibility within brickwork.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
import torch
from _helpers import LIBS, both, npy, same

import brickwork as bw

DTYPES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")


def dname(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


# -- creation ----------------------------------------------------------------------------------------------

INFER = [
    [1, 2], [1.0, 2], [True, False], [[1, 2], [3, 4]], 3, 2.5, True, [], [[]], [1, 2.0, True], [True, 2],
    np.float64(2.5), np.int8(3), [np.float64(1.0), 2], [np.int32(1)], [np.float32(1), np.float64(2)],
    np.array([1, 2], dtype=np.int32), np.array([1.5], dtype=np.float16), np.zeros((2, 0)),
    np.array([True]), [np.array([1, 2], dtype=np.int16), np.array([3, 4], dtype=np.int16)],
]


@pytest.mark.filterwarnings("ignore:Creating a tensor from a list")
@pytest.mark.parametrize("data", INFER, ids=[repr(d)[:30] for d in INFER])
def test_tensor_infers_dtype_like_torch(data: Any) -> None:
    b, t = bw.tensor(data), torch.tensor(data)
    assert dname(b) == dname(t)
    same(b, t)


def test_tensor_of_tensors_keeps_their_dtype() -> None:
    b, t = both(lambda L: L.tensor([L.tensor(1.0, dtype=L.float64), 2.0]))
    assert dname(b) == dname(t) == "float64"
    b, t = both(lambda L: L.tensor([L.tensor(1, dtype=L.int32), L.tensor(2, dtype=L.int32)]))
    assert dname(b) == dname(t) == "int32"


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_with_every_dtype(dtype: str) -> None:
    b, t = both(lambda L: L.tensor([[0, 1], [2, 3]], dtype=getattr(L, dtype)))
    assert dname(b) == dname(t) == dtype
    assert b.element_size() == t.element_size()
    assert b.is_floating_point() == t.is_floating_point()
    assert b.dtype.is_floating_point == t.dtype.is_floating_point
    assert b.dtype.itemsize == t.dtype.itemsize
    same(b, t)
    for other in DTYPES:  # every conversion matches torch's values
        same(b.to(getattr(bw, other)), t.to(getattr(torch, other)))
        assert dname(b.to(getattr(bw, other))) == other


def test_tensor_copies_and_as_tensor_shares() -> None:
    a = np.zeros(3, dtype=np.float32)
    for L in LIBS:
        t = L.tensor(a)
        t[0] = 1
        assert a[0] == 0
        s = L.as_tensor(a)
        s[1] = 2
        assert a[1] == 2  # same dtype and device: shares memory
        c = L.as_tensor(a, dtype=L.float64)
        c[2] = 3
        assert a[2] == 0  # a dtype change copies
        a[1] = 0
    x = bw.ones(2)
    assert bw.as_tensor(x) is x and torch.as_tensor(torch.ones(2)) is not None


def test_from_numpy_shares_memory_both_ways() -> None:
    for L in LIBS:
        a = np.arange(4, dtype=np.int32)
        t = L.from_numpy(a)
        assert dname(t) == "int32"
        a[0] = 7
        t[1] = 9
        assert t.tolist() == [7, 9, 2, 3] and a.tolist() == [7, 9, 2, 3]
        n = t.numpy()
        n[2] = 5
        assert t[2].item() == 5
        with pytest.raises(TypeError):
            L.from_numpy([1, 2])


SIZES = [((),), (2,), (2, 3), ((2, 3),), ([2, 3],), (0,), (2, 0, 1)]


@pytest.mark.parametrize("size", SIZES, ids=str)
@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
def test_filled_creation(fn: str, size: tuple) -> None:
    b, t = both(lambda L: getattr(L, fn)(*size))
    assert tuple(b.shape) == tuple(t.shape) and dname(b) == dname(t) == "float32"
    if fn != "empty":
        same(b, t)
    b, t = both(lambda L: getattr(L, fn)(*size, dtype=L.int32))
    assert dname(b) == "int32" and tuple(b.shape) == tuple(t.shape)
    b = getattr(bw, fn)(size=(2, 1), requires_grad=True)
    assert b.requires_grad and b.is_leaf and tuple(b.shape) == (2, 1)


@pytest.mark.parametrize("value", [7, 0.5, True, -3, 2.0])
def test_full_infers_dtype(value: Any) -> None:
    b, t = both(lambda L: L.full((2, 3), value))
    assert dname(b) == dname(t)
    same(b, t)
    b, t = both(lambda L: L.full((2,), value, dtype=L.float64))
    assert dname(b) == dname(t) == "float64"
    same(b, t)


@pytest.mark.parametrize("dtype", ["float32", "int64", "float64", "bool"])
def test_like_variants(dtype: str) -> None:
    for fn, args in (("zeros_like", ()), ("ones_like", ()), ("full_like", (3,)), ("empty_like", ())):
        b, t = both(lambda L: getattr(L, fn)(L.tensor([[1, 0, 1]], dtype=getattr(L, dtype)), *args))
        assert dname(b) == dname(t) == dtype and tuple(b.shape) == tuple(t.shape)
        if fn != "empty_like":
            same(b, t)
        b, t = both(lambda L: getattr(L, fn)(L.ones(2, dtype=getattr(L, dtype)), *args, dtype=L.float64))
        assert dname(b) == dname(t) == "float64"
    x = bw.zeros(2, 3, dtype=bw.float64)
    for fn in (bw.rand_like, bw.randn_like):
        r = fn(x)
        assert r.dtype is bw.float64 and tuple(r.shape) == (2, 3)
    r = bw.randint_like(x, 5)
    assert r.dtype is bw.float64 and bool((r >= 0).all()) and bool((r < 5).all())
    r = bw.randint_like(x, 2, 4)
    assert set(r.flatten().tolist()) <= {2.0, 3.0}


ARANGE = [(5,), (5.0,), (0, 1, 0.1), (1, 2.5, 0.5), (-1.0, 1.0, 0.3), (10, 0, -3), (0, 10, 3), (0.5, 3),
          (-2, 2), (0, 1, 0.25), (1, 0, -0.2), (0, 0), (3, 7, 2), (0, 0.3, 0.1)]


@pytest.mark.parametrize("args", ARANGE, ids=str)
def test_arange_matches_torch(args: tuple) -> None:
    b, t = both(lambda L: L.arange(*args))
    assert dname(b) == dname(t)
    same(b, t)
    b, t = both(lambda L: L.arange(*args, dtype=L.float64))
    assert dname(b) == "float64"
    same(b, t, atol=1e-12)


def test_arange_errors() -> None:
    for L in LIBS:
        with pytest.raises(RuntimeError):
            L.arange(0, 5, 0)
        with pytest.raises(RuntimeError):
            L.arange(0, 5, -1)


@pytest.mark.parametrize("args", [(0, 1, 5), (-1, 1, 1), (0, 10, 0), (2, 3, 7), (1, -1, 4), (0, 1, 2)], ids=str)
def test_linspace_matches_torch(args: tuple) -> None:
    b, t = both(lambda L: L.linspace(*args))
    assert dname(b) == dname(t)
    same(b, t)
    b, t = both(lambda L: L.linspace(*args, dtype=L.float64))
    same(b, t, atol=1e-12)
    b, t = both(lambda L: L.linspace(-2, 3, 4, dtype=L.int64))
    assert dname(b) == "int64"
    same(b, t)


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1, 1)], ids=str)
def test_eye(args: tuple) -> None:
    b, t = both(lambda L: L.eye(*args))
    assert dname(b) == dname(t)
    same(b, t)
    b, t = both(lambda L: L.eye(*args, dtype=L.int64))
    assert dname(b) == dname(t) == "int64"
    same(b, t)


# -- random numbers ----------------------------------------------------------------------------------------

def test_rand_randn_shapes_dtypes_and_distribution() -> None:
    bw.manual_seed(0)
    u = bw.rand(4000)
    assert u.dtype is bw.float32 and tuple(u.shape) == (4000,)
    assert 0 <= float(u.min()) and float(u.max()) < 1 and abs(float(u.mean()) - 0.5) < 0.03
    n = bw.randn(2, 2000, dtype=bw.float64)
    assert n.dtype is bw.float64 and tuple(n.shape) == (2, 2000)
    assert abs(float(n.mean())) < 0.08 and abs(float(n.std()) - 1) < 0.08
    for dt in (bw.float16, bw.bfloat16):
        assert bw.rand(3, dtype=dt).dtype is dt and bw.randn(3, dtype=dt).dtype is dt
    r = bw.rand(2, 3, requires_grad=True)
    assert r.requires_grad and r.is_leaf
    with pytest.raises(RuntimeError):
        bw.rand(2, dtype=bw.int64)


def test_randint_randperm() -> None:
    x = bw.randint(3, 7, (500,))
    assert x.dtype is bw.int64 and set(x.tolist()) == {3, 4, 5, 6}
    x = bw.randint(4, (2, 3))
    assert tuple(x.shape) == (2, 3) and bool((x >= 0).all()) and bool((x < 4).all())
    assert bw.randint(0, 2, (3,), dtype=bw.int32).dtype is bw.int32
    with pytest.raises(RuntimeError):
        bw.randint(5, 5, (2,))
    p = bw.randperm(10)
    assert p.dtype is bw.int64 and sorted(p.tolist()) == list(range(10))
    assert bw.randperm(0).tolist() == []


def test_normal_forms() -> None:
    bw.manual_seed(1)
    x = bw.normal(2.0, 3.0, size=(5000,))
    assert abs(float(x.mean()) - 2) < 0.2 and abs(float(x.std()) - 3) < 0.2
    m = bw.zeros(3, 1000) + bw.tensor([[-5.0], [0.0], [5.0]])
    y = bw.normal(m, 0.1)
    assert tuple(y.shape) == (3, 1000)
    np.testing.assert_allclose(y.mean(1).numpy(), [-5, 0, 5], atol=0.05)
    z = bw.normal(bw.zeros(2, 1), bw.ones(1, 4000) * 2)
    assert tuple(z.shape) == (2, 4000) and abs(float(z.std()) - 2) < 0.15
    assert not z.requires_grad
    assert bw.normal(0.0, 1.0, size=(2,), requires_grad=True).requires_grad


def test_manual_seed_reproducible() -> None:
    def draw() -> list:
        return [bw.rand(3), bw.randn(2, 2), bw.randint(0, 100, (4,)), bw.randperm(6), bw.normal(0.0, 1.0, (3,)),
                bw.empty(3).uniform_(-2, 2), bw.empty(3).normal_(1, 2), bw.rand_like(bw.zeros(2))]

    g = bw.manual_seed(123)
    assert isinstance(g, bw.Generator) and g.initial_seed() == 123
    a = draw()
    bw.manual_seed(123)
    b = draw()
    for x, y in zip(a, b):
        assert bw.equal(x, y)
    bw.manual_seed(124)
    assert not bw.equal(draw()[0], a[0])


def test_generator_state_round_trip() -> None:
    g = bw.Generator().manual_seed(7)
    bw.rand(5, generator=g)
    state = g.get_state()
    assert state.dtype is bw.uint8 and state.dim() == 1
    a = [bw.rand(4, generator=g), bw.randn(3, generator=g), bw.randint(0, 9, (5,), generator=g),
         bw.randperm(5, generator=g), bw.empty(2).normal_(generator=g)]
    bw.rand(100, generator=g)
    g.set_state(state)
    b = [bw.rand(4, generator=g), bw.randn(3, generator=g), bw.randint(0, 9, (5,), generator=g),
         bw.randperm(5, generator=g), bw.empty(2).normal_(generator=g)]
    for x, y in zip(a, b):
        assert bw.equal(x, y)
    # drawing from a separate generator does not advance the default one
    bw.manual_seed(3)
    first = bw.rand(3)
    bw.manual_seed(3)
    bw.rand(3, generator=bw.Generator().manual_seed(99))
    assert bw.equal(first, bw.rand(3))
    # the default generator's state too
    s = bw.get_rng_state()
    x = bw.randn(4)
    bw.set_rng_state(s)
    assert bw.equal(x, bw.randn(4))
    with pytest.raises(ValueError, match="get_state"):
        g.set_state(bw.tensor([1, 2, 3], dtype=bw.uint8))


# -- attributes and conversions ----------------------------------------------------------------------------

def test_shape_size_dim_numel() -> None:
    b, t = both(lambda L: L.zeros(2, 3, 4))
    assert b.shape == t.shape == (2, 3, 4) and isinstance(b.shape, tuple)
    assert b.size() == tuple(t.size()) and repr(b.size()) == repr(t.size()).replace("torch.", "brickwork.")
    for d in (0, 1, 2, -1, -3):
        assert b.size(d) == t.size(d)
    for L in LIBS:
        with pytest.raises(IndexError, match="out of range"):
            L.zeros(2, 3).size(2)
    assert b.dim() == b.ndim == t.dim() == 3 and b.numel() == t.numel() == 24
    assert bw.tensor(5.0).dim() == 0 and bw.tensor(5.0).numel() == 1 and bw.tensor(5.0).shape == ()
    assert bw.zeros(2, 0).numel() == 0


def test_dtype_device_item_tolist() -> None:
    b = bw.tensor([[1.5, 2.0]])
    assert b.dtype is bw.float32 and b.device == bw.device("cpu") and str(b.device) == "cpu"
    assert b.device.type == "cpu" and not b.is_cuda
    for data in (2.5, 3, True, [1.5], [[7]]):
        bt, tt = bw.tensor(data), torch.tensor(data)
        assert bt.item() == tt.item() and type(bt.item()) is type(tt.item())
    for dt in DTYPES:
        bt, tt = bw.tensor([[1, 0], [2, 3]], dtype=getattr(bw, dt)), torch.tensor([[1, 0], [2, 3]], dtype=getattr(torch, dt))
        assert bt.tolist() == tt.tolist()
        assert [type(v) for v in bt.tolist()[0]] == [type(v) for v in tt.tolist()[0]]
    assert bw.tensor(2).tolist() == torch.tensor(2).tolist() == 2
    for L in LIBS:
        with pytest.raises(RuntimeError, match="elements"):
            L.ones(2).item()


@pytest.mark.filterwarnings("ignore:__array__ implementation")
def test_numpy_shares_memory_and_refuses_grad() -> None:
    for L in LIBS:
        t = L.zeros(3)
        n = t.numpy()
        n[0] = 4
        assert t[0].item() == 4
        x = L.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="requires grad"):
            x.numpy()
        with pytest.raises(RuntimeError, match="requires grad"):
            np.asarray(x)
        np.testing.assert_array_equal(x.detach().numpy(), [1, 1])
        a = np.asarray(t)
        assert a.dtype == np.float32 and a[0] == 4
        assert np.array(t, dtype=np.float64).dtype == np.float64
        a[1] = 5  # __array__ without a dtype shares memory, as torch's does
        assert t[1].item() == 5


def test_detach_shares_memory_and_version() -> None:
    for L in LIBS:
        x = L.ones(3, requires_grad=True)
        y = x * 2
        d = y.detach()
        assert not d.requires_grad and d.is_leaf and d.grad_fn is None
        d.add_(1)
        assert y._version == 1 and y[0].item() == 3  # shared memory and version counter
        z = y.exp()  # saves its output only: y itself may change
        y.detach().mul_(2)
        z.sum().backward()
        np.testing.assert_allclose(npy(x.grad), 2 * np.exp(3.0) * np.ones(3), rtol=1e-6)


def test_clone_and_contiguous() -> None:
    for L in LIBS:
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        c = x.clone()
        assert c.grad_fn.name() == "CloneBackward0" and c.data_ptr() != x.data_ptr()
        (c * L.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        np.testing.assert_array_equal(npy(x.grad), [[1, 2], [3, 4]])
        a = L.ones(2, 3)
        assert a.contiguous() is a
        t = a.t()
        assert not t.is_contiguous() and t.contiguous().is_contiguous()
        same(t.contiguous(), L.ones(3, 2))
        tt = L.arange(6.0).reshape(2, 3).t()
        assert tt.stride() == (1, 3) and tt.contiguous().stride() == (2, 1)


def test_to_variants() -> None:
    for L in LIBS:
        a = L.tensor([1.7, -2.2])
        assert a.to(L.float32) is a and a.to("cpu") is a and a.to(a) is a and a.float() is a
        assert a.to(L.float32, copy=True) is not a
        assert a.to(L.int64).tolist() == [1, -2]
        assert a.to("cpu", L.float64).dtype == L.float64
        assert a.to(device="cpu", dtype=L.float16).dtype == L.float16
        assert a.to(L.tensor([1], dtype=L.int32)).dtype == L.int32
        assert a.type_as(L.zeros(1, dtype=L.float64)).dtype == L.float64
    casts = {"float": "float32", "double": "float64", "half": "float16", "bfloat16": "bfloat16", "long": "int64",
             "int": "int32", "short": "int16", "char": "int8", "byte": "uint8", "bool": "bool"}
    for meth, dt in casts.items():
        b, t = both(lambda L: getattr(L.tensor([-1.5, 0.0, 2.7, 300.0]), meth)())
        assert dname(b) == dname(t) == dt, meth
        if dt not in ("int8", "uint8"):  # out-of-range float -> small int casts are undefined in C
            same(b, t, rtol=1e-2)
    # gradients flow through dtype conversions
    b, t = both(lambda L: _grad_through_to(L))
    same(b, t)


def test_to_another_device_copies_and_differentiates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKWORK_CPU_DEVICES", "2")  # two virtual CPU devices with real copies between them
    other = bw.device("cpu:1")
    x = bw.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(other)
    assert y.device == other and str(y.device) == "cpu:1" and y.data_ptr() != x.data_ptr()
    assert x.to(other) is not x and y.to(other) is y and bw.ones(1, device=other).device == other
    assert y.grad_fn.name() == "ToCopyBackward0"
    with pytest.raises(RuntimeError, match="same device"):
        x + y
    back = (y * 3).to(x.device)
    assert back.device == x.device
    back.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and x.grad.device == x.device
    z = bw.zeros(2).to(y)  # to(other tensor): its device and dtype
    assert z.device == other


def _grad_through_to(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * L.tensor([3.0, 4.0], dtype=L.float64)
    assert y.grad_fn is not None and y.dtype == L.float64
    y.half().float().sum().backward()
    return x.grad


def test_requires_grad_rules() -> None:
    for L in LIBS:
        x = L.zeros(2)
        assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
        x.requires_grad = False
        assert not x.requires_grad
        with pytest.raises(RuntimeError, match="floating"):
            L.tensor([1, 2]).requires_grad_()
        y = L.ones(2, requires_grad=True) * 2
        assert not y.is_leaf
        with pytest.raises(RuntimeError):
            y.requires_grad = False
        with pytest.raises(RuntimeError):
            y.requires_grad_(False)
        with L.no_grad():
            z = y * 2
        assert not z.requires_grad and z.is_leaf


# -- repr --------------------------------------------------------------------------------------------------

REPRS = [
    "L.tensor([1.0, 2.5])", "L.tensor([[1, 2], [3, 4]])", "L.tensor(3)", "L.tensor(2.5, dtype=L.float64)",
    "L.tensor([True, False])", "L.tensor([1, 2], dtype=L.float16)", "L.tensor([1.5, 2], dtype=L.bfloat16)",
    "L.tensor([1, 2, 3], dtype=L.uint8)", "L.tensor([-1, 2], dtype=L.int8)", "L.zeros(0)", "L.zeros(2, 0)",
    "L.tensor([], dtype=L.int64)", "L.tensor([1e-5, 1e5])", "L.arange(0, 1, 0.1)", "L.eye(3)",
    "L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)", "L.tensor([1.0, 2.0], requires_grad=True) * 2",
    "L.tensor([1.0, 2.0], requires_grad=True) + 1", "L.tensor([1.0, 2.0], requires_grad=True) - 1",
    "L.tensor([1.0, 2.0], requires_grad=True) / 3", "L.tensor([1.0, 2.0], requires_grad=True) ** 2",
    "L.tensor([1.0, 2.0], requires_grad=True).sum()", "L.tensor([1.0, 2.0], requires_grad=True).mean()",
    "L.tensor([1.0, 2.0], requires_grad=True).exp()", "L.tensor([1.0, 2.0], requires_grad=True).clone()",
    "L.tensor([1.0, 2.0], requires_grad=True).view(2, 1)", "L.tensor([1.0, 2.0], requires_grad=True).double()",
    "L.tensor([[1.0, 2.0]], requires_grad=True) @ L.ones(2, 2)", "-L.tensor([1.0, 2.0], requires_grad=True)",
    "L.tensor([1.0, 2.0], requires_grad=True).tanh()", "L.tensor([1.0, 2.0], requires_grad=True).relu()",
    "L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True) * 2",
    "L.tensor([1.0, 2.0], requires_grad=True).clone().zero_()",
    "L.tensor([1.0, 2.0], requires_grad=True).clone().fill_(3.0)",
    "L.tensor([1.0, 2.0], requires_grad=True).clone().mul_(3.0)",
    "L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True).clone()[0].mul_(2)",
]


@pytest.mark.parametrize("expr", REPRS)
def test_repr_matches_torch(expr: str) -> None:
    b, t = both(lambda L: eval(expr, {"L": L}))
    assert repr(b) == repr(t).replace("torch.", "brickwork.")


def test_repr_of_a_view_after_in_place_names_copyslices() -> None:
    b, t = both(lambda L: _base_after_view_write(L))
    assert repr(b) == repr(t).replace("torch.", "brickwork.")


def _base_after_view_write(L: Any) -> Any:
    y = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) * 1
    y[0].mul_(2)
    return y


# -- in-place ops: values ----------------------------------------------------------------------------------

INPLACE = [
    ("add_", lambda L, x: x.add_(L.tensor([1.0, 2.0, 3.0]))), ("add_ alpha", lambda L, x: x.add_(L.ones(3), alpha=2)),
    ("add_ scalar", lambda L, x: x.add_(1.5)), ("sub_", lambda L, x: x.sub_(L.tensor([[1.0], [2.0]]))),
    ("mul_", lambda L, x: x.mul_(L.tensor([2.0, -1.0, 0.5]))), ("div_", lambda L, x: x.div_(4)),
    ("zero_", lambda L, x: x.zero_()), ("fill_", lambda L, x: x.fill_(2.5)),
    ("fill_ tensor", lambda L, x: x.fill_(L.tensor(-1.0))), ("copy_", lambda L, x: x.copy_(L.tensor([7, 8, 9]))),
    ("copy_ bcast", lambda L, x: x.copy_(L.tensor([[5.0], [6.0]]))), ("clamp_", lambda L, x: x.clamp_(-0.5, 1.0)),
    ("clamp_ min", lambda L, x: x.clamp_(min=0.0)), ("iadd", lambda L, x: x.__iadd__(2)),
    ("imul", lambda L, x: x.__imul__(L.tensor(3.0))), ("isub", lambda L, x: x.__isub__(1)),
    ("itruediv", lambda L, x: x.__itruediv__(2)),
]


@pytest.mark.parametrize("name,op", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_values_and_identity(name: str, op: Callable) -> None:
    def run(L: Any) -> Any:
        x = L.tensor([[0.5, -1.0, 2.0], [3.0, -0.25, 1.0]])
        v0 = x._version
        r = op(L, x)
        assert r is x and x._version > v0
        return x

    b, t = both(run)
    same(b, t)


def test_inplace_dtype_rules() -> None:
    for L in LIBS:
        i = L.tensor([1, 2])
        with pytest.raises(RuntimeError, match="can't be cast"):
            i.add_(0.5)
        with pytest.raises(RuntimeError):
            L.ones(3).add_(L.ones(2, 3))  # the result would not fit the shape
        f = L.ones(2, dtype=L.float16)
        f.add_(L.tensor([1.0, 2.0], dtype=L.float64))
        assert f.dtype == L.float16 and f.tolist() == [2.0, 3.0]
        c = L.zeros(2, dtype=L.int32)
        c.copy_(L.tensor([1.9, -1.9]))
        assert c.tolist() == [1, -1]


def test_random_inplace_fill() -> None:
    bw.manual_seed(0)
    x = bw.empty(4000).uniform_(-2, 3)
    assert -2 <= float(x.min()) and float(x.max()) < 3 and abs(float(x.mean()) - 0.5) < 0.1
    y = bw.empty(4000, dtype=bw.float64).normal_(1.0, 0.5)
    assert y.dtype is bw.float64 and abs(float(y.mean()) - 1) < 0.05 and abs(float(y.std()) - 0.5) < 0.05
    g = bw.Generator().manual_seed(5)
    a = bw.empty(3).uniform_(generator=g)
    g.manual_seed(5)
    assert bw.equal(a, bw.empty(3).uniform_(generator=g))
    assert x.uniform_() is x and x._version == 2


# -- in-place ops: autograd safety -------------------------------------------------------------------------

def test_inplace_on_leaf_requiring_grad_raises() -> None:
    for L in LIBS:
        w = L.ones(3, requires_grad=True)
        for op in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.fill_(1.0),
                   lambda: w.copy_(L.zeros(3)), lambda: w.clamp_(0, 1), lambda: w.uniform_(),
                   lambda: w.normal_(), lambda: w.__setitem__(0, 5.0), lambda: w[:2].mul_(2)):
            with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
                op()
        assert w._version == 0
        with L.no_grad():  # what optimizers do
            w.mul_(2)
            w[0] = 7.0
        assert w.tolist() == [7.0, 2.0, 2.0] and w.requires_grad and w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize("case", ["saved input", "saved output", "view of saved", "detached alias"])
def test_modified_saved_tensor_detected_at_backward(case: str) -> None:
    for L in LIBS:
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        if case == "saved input":
            z = y * y  # saves y
            y.add_(1)
        elif case == "saved output":
            z = y.exp()  # saves its output
            z.mul_(2)
        elif case == "view of saved":
            z = y.sin()
            y[1:].zero_()
        else:
            z = y.cos()
            y.detach().add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as err:
            z.sum().backward()
        if L is bw:
            assert "version" in str(err.value) and "Backward0" in str(err.value)


def test_version_counter_and_views() -> None:
    b, t = both(lambda L: _versions(L))
    assert b == t


def _versions(L: Any) -> list:
    x = L.ones(4)
    v = x[1:]
    out = [x._version]
    v.add_(1)
    out += [x._version, v._version]
    x.mul_(2)
    out += [x._version, v._version]
    x[0] = 3.0
    out += [x._version, v._version, x.tolist()]
    return out


def grads_of(scenario: Callable[[Any], tuple]) -> tuple:
    """Run ``scenario(lib)`` on both libraries; it returns (leaves, output); compare value and leaf grads."""
    results = []
    for L in LIBS:
        leaves, out = scenario(L)
        out.sum().backward()
        results.append((out, [leaf.grad for leaf in leaves]))
    return results[0], results[1]


def _leaf(L: Any, *values: float) -> Any:
    return L.tensor(list(values), requires_grad=True)


SCENARIOS: dict[str, Callable[[Any], tuple]] = {}


def scenario(fn: Callable[[Any], tuple]) -> Callable[[Any], tuple]:
    SCENARIOS[fn.__name__] = fn
    return fn


@scenario
def mul_then_use(L: Any) -> tuple:
    x = _leaf(L, 1.0, 2.0, 3.0)
    y = x * 2
    y.mul_(x)
    return [x], y * 3


@scenario
def chain_of_inplace(L: Any) -> tuple:
    x = _leaf(L, 0.5, -1.0, 2.0)
    y = x.clone()
    y.add_(1).mul_(y.detach() + 1).clamp_(-1.0, 4.0).div_(2).sub_(x)
    return [x], y


@scenario
def consumer_before_inplace_keeps_old_history(L: Any) -> tuple:
    x = _leaf(L, 1.0, 2.0, 3.0)
    y = x * 1
    z = y + 1  # saves nothing: must still differentiate the value y had then
    y.mul_(2)
    return [x], z * 10 + y


@scenario
def inplace_uses_own_value(L: Any) -> tuple:
    x = _leaf(L, 1.0, 2.0, 3.0)
    y = x * 1
    z = y + 1
    y.add_(z)  # y's history now includes z, whose history includes the old y
    return [x], y


@scenario
def add_self(L: Any) -> tuple:
    x = _leaf(L, 1.0, 2.0)
    y = x * 3
    y.add_(y)
    return [x], y


@scenario
def inplace_with_second_leaf(L: Any) -> tuple:
    x, w = _leaf(L, 1.0, 2.0, 3.0), _leaf(L, 0.5, 0.25, 2.0)
    y = x.exp()
    y = y * 1
    y.mul_(w).add_(w, alpha=3)
    return [x, w], y


@scenario
def copy_into_non_leaf(L: Any) -> tuple:
    x, s = _leaf(L, 1.0, 2.0, 3.0), _leaf(L, 4.0, 5.0, 6.0)
    y = x * 1
    y.copy_(s * s)
    return [x, s], y * y


@scenario
def copy_into_no_grad_buffer(L: Any) -> tuple:
    s = _leaf(L, 4.0, 5.0)
    buf = L.zeros(3)
    buf[1:].copy_(s)
    return [s], buf * L.tensor([1.0, 2.0, 3.0])


@scenario
def fill_zero_random(L: Any) -> tuple:
    x = _leaf(L, 1.0, 2.0, 3.0)
    a, b, c = x * 1, x * 2, x * 3
    a.fill_(2.0)
    b.zero_()
    c.uniform_()
    return [x], a * x + b + c * 0 + x


@scenario
def setitem_scalar_and_tensor(L: Any) -> tuple:
    x, w = _leaf(L, 1.0, 2.0, 3.0, 4.0), L.tensor(7.0, requires_grad=True)
    y = x * 1
    y[0] = 5.0
    y[2] = w
    y[L.tensor([False, True, False, True])] = w * 2
    return [x, w], y * y


@scenario
def setitem_into_plain_tensor(L: Any) -> tuple:
    w = _leaf(L, 1.0, 2.0)
    out = L.zeros(2, 3)
    for i in range(2):
        out[i] = w[i] * L.tensor([1.0, 2.0, 3.0])
    return [w], out.pow(2)


@scenario
def view_inplace_updates_base(L: Any) -> tuple:
    x = _leaf(L, 1.0, 2.0, 3.0)
    y = x * 1
    y[:2].mul_(2)
    return [x], y * y


@scenario
def view_augmented_assignment(L: Any) -> tuple:
    x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x.exp()
    y = y + 0
    y[:, 1] *= 3
    y[0] += y[1]
    return [x], y


@scenario
def base_inplace_seen_by_earlier_view(L: Any) -> tuple:
    x = _leaf(L, 1.0, 2.0, 3.0)
    y = x * 1
    v = y[:2]
    y.mul_(x)  # v shares y's memory: its history must follow
    return [x], v * 3


@scenario
def view_inplace_seen_by_other_view(L: Any) -> tuple:
    x = L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 1
    row, col = y[0], y[:, 1]
    row.mul_(x[1])
    return [x], col * L.tensor([2.0, 5.0]) + y.sum()


@scenario
def view_of_view_and_transpose(L: Any) -> tuple:
    x = L.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = (x * 1).t()  # a non-contiguous base
    y[1:, :].mul_(L.tensor([[1.0, 2.0], [3.0, 4.0]]))
    y.t()[0].add_(1)
    return [x], y.pow(2)


@scenario
def view_setitem(L: Any) -> tuple:
    x, w = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), L.tensor(3.0, requires_grad=True)
    y = x * 2
    r = y[1]
    r[0] = w
    return [x, w], y * y


@scenario
def relu_inplace_on_non_leaf(L: Any) -> tuple:
    x = _leaf(L, -1.0, 0.5, 2.0)
    h = x * 3 - 1
    h.relu_()
    return [x], h.exp()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_inplace_on_non_leaf_gradients_match_torch(name: str) -> None:
    (bo, bg), (to, tg) = grads_of(SCENARIOS[name])
    if name != "fill_zero_random":  # random values differ between the libraries
        same(bo, to, rtol=1e-5)
    same(bg, tg, rtol=1e-5)


def test_inplace_uses_own_saved_value_raises_like_torch() -> None:
    for L in LIBS:
        x = _leaf(L, 1.0, 2.0, 3.0)
        y = x * 2
        y.mul_(y)  # mul saves y, which the same op then overwrites
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_inplace_history_names() -> None:
    for L in LIBS:
        x = _leaf(L, 1.0, 2.0)
        y = x * 1
        assert y.mul_(2).grad_fn.name() == "MulBackward0"
        assert y.zero_().grad_fn.name() == "ZeroBackward0"
        assert y.uniform_().grad_fn.name() == "UniformBackward0" and not y.is_leaf
        assert y.normal_().grad_fn.name() == "NormalBackward0"
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]  # a random fill cuts the gradient with zeros, as in torch
        z = x * 1
        v = z[1:]
        v.add_(1)
        assert z.grad_fn.name().endswith("CopySlices") and v.grad_fn.name() == "AsStridedBackward0"


def test_view_created_in_no_grad_cannot_be_modified_with_grad() -> None:
    for L in LIBS:
        y = _leaf(L, 1.0, 2.0) * 1
        with L.no_grad():
            v = y[:1]
        with pytest.raises(RuntimeError, match="no_grad"):
            v.mul_(2)


def test_inplace_double_backward_through_view() -> None:
    def run(L: Any) -> Any:
        x = _leaf(L, 0.5, 1.5, -1.0)
        y = x * x
        y[1:].mul_(x[1:])
        (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = L.autograd.grad((g * g).sum(), x)
        return g, h

    b, t = both(run)
    same(b, t, rtol=1e-5)
