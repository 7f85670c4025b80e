"""Every elementwise in-place variant (``x.exp_()``, ``torch.exp_(x)``) checked from one table against PyTorch.

An :class:`IP` entry names the variant, the arguments it takes after ``self`` (a function of ``o``, a second
tensor broadcastable to ``self``), the dtypes to try and the input domain. For every entry the suite checks, as
PyTorch does it: the values written (into a contiguous tensor and into a transposed view, whose base must change
too); that the call returns ``self``, keeps its dtype and bumps its version counter once; the torch-namespace
function of the same name where PyTorch has one; the gradients that flow through the in-place step, to ``self``'s
history and to ``o``; the error for a leaf that requires grad; and, for variants whose result is a float, the
error for an integer ``self`` that cannot hold it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
import torch

import brickwork as bw

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

F, FI, I, IB = ("float32", "float64"), ("float32", "float64", "int64"), ("int64",), ("int64", "bool")
DOMAINS = {"any": (-2, 2), "pos": (0.5, 2), "nz": (0.5, 2), "unit": (-0.9, 0.9), "gt1": (1.2, 3), "prob": (0.05, 0.95)}


@dataclass(frozen=True)
class IP:
    """One in-place variant: ``x.<name>(*args(o), **kwargs)``."""

    name: str
    args: Callable[[Any], tuple] = lambda o: ()
    kwargs: dict = field(default_factory=dict)
    dtypes: tuple = F
    domain: str = "any"
    grad: bool = True        # the out-of-place op is differentiable (else the gradient through it is zero)
    float_result: bool = False  # an int64 ``self`` cannot hold the result: RuntimeError, as in PyTorch


def unary(names: str, domain: str = "any", dtypes: tuple = F, **kw: Any) -> list[IP]:
    return [IP(n, domain=domain, dtypes=dtypes, **kw) for n in names.split()]


def binary(names: str, dtypes: tuple = F, domain: str = "any", **kw: Any) -> list[IP]:
    return [IP(n, lambda o: (o,), dtypes=dtypes, domain=domain, **kw) for n in names.split()]


TABLE: list[IP] = [
    *unary("abs_ absolute_ neg_ negative_ square_", dtypes=FI),
    *unary("sgn_ sign_ ceil_ floor_ round_ trunc_ fix_", dtypes=FI, grad=False),
    *unary("frac_ cos_ sin_ tan_ cosh_ sinh_ tanh_ sigmoid_ asinh_ arcsinh_ atan_ arctan_ erf_ erfc_ exp_ exp2_ "
           "expm1_", float_result=True),
    *unary("relu_ nan_to_num_"),
    *unary("acos_ arccos_ asin_ arcsin_ atanh_ arctanh_ erfinv_", "unit", float_result=True),
    *unary("acosh_ arccosh_", "gt1", float_result=True),
    *unary("log_ log10_ log2_ log1p_ sqrt_ rsqrt_", "pos", float_result=True),
    *unary("reciprocal_", "nz", float_result=True),
    *unary("logical_not_", dtypes=FI + ("bool",), grad=False),
    *unary("bitwise_not_", dtypes=IB, grad=False),
    *binary("add_ sub_ subtract_", FI, kwargs=dict(alpha=2)),
    *binary("mul_ multiply_", FI),
    *binary("div_ divide_ true_divide_", domain="nz", float_result=True),
    IP("divide_", lambda o: (o,), dict(rounding_mode="floor"), FI, "nz", grad=False),
    *binary("remainder_ fmod_", domain="nz"),
    *binary("floor_divide_", domain="nz", grad=False),
    *binary("atan2_ arctan2_", float_result=True),
    *binary("eq_ ne_ lt_ le_ gt_ ge_ greater_ greater_equal_ less_ less_equal_ not_equal_ logical_and_ logical_or_ "
            "logical_xor_", FI, grad=False),
    *binary("bitwise_and_ bitwise_or_ bitwise_xor_", IB, grad=False),
    IP("pow_", lambda o: (2,), dtypes=FI),
    IP("pow_tensor", lambda o: (o,), domain="pos"),
    IP("float_power_", lambda o: (o,), dtypes=("float64",), domain="pos"),
    IP("clamp_", lambda o: (-0.5, 0.5), float_result=True),
    IP("clamp_int", lambda o: (-1, 1), dtypes=FI),
    IP("clip_", lambda o: (o - 1, o + 1)),
    IP("clamp_min_", lambda o: (0.0,)),
    IP("clamp_max_", lambda o: (o,)),
    IP("lerp_", lambda o: (o, 0.3)),
    IP("addcmul_", lambda o: (o, o), dict(value=0.5)),
    IP("addcdiv_", lambda o: (o, o + 3), dict(value=2)),
    # the number functions of ops/elementwise_extra.py
    *binary("copysign_ hypot_ ldexp_", float_result=True),
    *binary("nextafter_"),
    IP("heaviside_", lambda o: (o,), dtypes=("float32",), grad=False),  # its backward raises, as in PyTorch
    *binary("gcd_ lcm_", I, grad=False),
    IP("xlogy_", lambda o: (o.abs() + 0.5,), float_result=True),
    IP("xlogy_number", lambda o: (3,)),
    *unary("sinc_ i0_ deg2rad_ rad2deg_", float_result=True),
    *unary("logit_", "prob", float_result=True),
    IP("logit_", domain="prob", kwargs=dict(eps=0.2)),
]


def method(entry: IP) -> str:
    """The method's name (an entry's name may add a suffix: ``pow_tensor`` is ``pow_``)."""
    for suffix in ("_tensor", "_int", "_number"):
        if entry.name.endswith(suffix):
            return entry.name[:-len(suffix)] + "_"
    return entry.name


def arrays(entry: IP, dtype: str, shape: tuple) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(zlib.crc32(f"{entry.name}{entry.kwargs}{dtype}{shape}".encode()))
    lo, hi = DOMAINS[entry.domain]
    out = []
    for s in (shape, shape[-1:]):
        if dtype == "bool":
            a = rng.random(s) > 0.5
        elif dtype == "int64":
            a = rng.integers(max(lo, 1) if entry.domain != "any" else -3, 4, s)
        else:
            a = rng.uniform(lo, hi, s)
            if entry.domain == "nz":
                a = a * rng.choice([-1.0, 1.0], s)
        out.append(np.asarray(a, dtype=dtype))
    return out[0], out[1]


def call(entry: IP, x: Any, o: Any) -> Any:
    return getattr(x, method(entry))(*entry.args(o), **entry.kwargs)


PARAMS = [pytest.param(e, d, id=f"{e.name}{'' if not e.kwargs else '-' + '-'.join(e.kwargs)}-{d}")
          for e in TABLE for d in e.dtypes]


def test_table_is_well_formed() -> None:
    ids = [p.id for p in PARAMS]
    assert len(ids) == len(set(ids)), "duplicate entries"
    for e in TABLE:
        assert hasattr(torch.Tensor, method(e)) and hasattr(bw.Tensor, method(e)), e.name


@pytest.mark.parametrize("entry,dtype", PARAMS)
def test_values_identity_and_version(entry: IP, dtype: str) -> None:
    a, b = arrays(entry, dtype, (2, 3))
    for transposed in (False, True):
        results = []
        for L in (bw, torch):
            base = L.tensor(a.T.copy() if transposed else a)
            x = base.t() if transposed else base
            o = L.tensor(b)
            version, dt = x._version, x.dtype
            r = call(entry, x, o)
            assert r is x, f"{entry.name}: {L.__name__} returned a new tensor"
            assert x._version == version + 1 and base._version == version + 1, f"{entry.name}: version counter"
            assert str(x.dtype).split(".")[-1] == str(dt).split(".")[-1], f"{entry.name}: dtype changed"
            results.append(base.numpy())
        np.testing.assert_allclose(results[0], results[1], rtol=1e-6, atol=1e-7, equal_nan=True,
                                   err_msg=f"{entry.name} (transposed view: {transposed})")


@pytest.mark.parametrize("entry", [e for e in TABLE if hasattr(torch, method(e))], ids=lambda e: e.name)
def test_torch_function(entry: IP) -> None:
    a, b = arrays(entry, entry.dtypes[0], (2, 3))
    name = method(entry)
    assert hasattr(bw, name), f"torch.{name} exists; brickwork.{name} does not"
    x, o = bw.tensor(a), bw.tensor(b)
    want = torch.tensor(a)
    getattr(torch, name)(want, *entry.args(torch.tensor(b)), **entry.kwargs)
    assert getattr(bw, name)(x, *entry.args(o), **entry.kwargs) is x
    np.testing.assert_allclose(x.numpy(), want.numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)


def _grads(L: Any, entry: IP, a: np.ndarray, b: np.ndarray, w: np.ndarray, inplace: bool = True) -> list:
    leaf, o = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
    y = leaf * 1.5  # a non-leaf with history: the in-place step rebases it
    if inplace:
        call(entry, y[:, 1:], o[1:])  # through a view: CopySlices in both libraries
    else:  # the same step written out of place
        v, p = (y[:, 1:].clone(), o[1:]) if entry.grad else (y[:, 1:].detach(), o[1:].detach())
        y[:, 1:] = getattr(v, method(entry)[:-1])(*entry.args(p), **entry.kwargs)
    (y * L.tensor(w)).sum().backward()
    return [leaf.grad, o.grad]


@pytest.mark.parametrize("entry", [e for e in TABLE if "float64" in e.dtypes], ids=lambda e: e.name)
def test_gradients(entry: IP) -> None:
    a, b = arrays(entry, "float64", (2, 3))
    w = np.linspace(-1, 2, 6).reshape(2, 3)
    a = a / 1.5  # y = 1.5 * leaf lies in the entry's domain
    got = _grads(bw, entry, a, b, w)
    try:
        want = _grads(torch, entry, a, b, w)
    except (NotImplementedError, RuntimeError) as e:  # PyTorch lacks some in-place derivatives (asinh_, ...)
        assert "not implemented" in str(e)
        want = _grads(torch, entry, a, b, w, inplace=False)
    for k, (g, t) in enumerate(zip(got, want)):
        if t is None:
            assert g is None or not g.numpy().any(), f"{entry.name}: grad {k} should be None or zero"
            continue
        g = np.zeros(t.shape) if g is None else g.numpy()  # brickwork leaves a zero gradient out
        np.testing.assert_allclose(g, t.numpy(), rtol=1e-7, atol=1e-10, equal_nan=True,
                                   err_msg=f"{entry.name} grad {k}")


@pytest.mark.parametrize("entry", [e for e in TABLE if "float32" in e.dtypes], ids=lambda e: e.name)
def test_leaf_requiring_grad(entry: IP) -> None:
    """Refused while recording (PyTorch's ``logical_*_`` write outside autograd, so they are allowed), allowed
    in no_grad (as optimizers do)."""
    a, b = arrays(entry, "float32", (2, 3))
    refused = []
    for L in (torch, bw):
        x = L.tensor(a, requires_grad=True)
        try:
            call(entry, x, L.tensor(b))
            refused.append(False)
        except RuntimeError as e:
            assert "leaf Variable that requires grad" in str(e), f"{L.__name__}: {e}"
            refused.append(True)
        assert x.requires_grad and x.grad_fn is None
        with L.no_grad():
            assert call(entry, x, L.tensor(b)) is x
    assert refused[0] == refused[1], f"{entry.name}: PyTorch refused: {refused[0]}, brickwork: {refused[1]}"


@pytest.mark.parametrize("entry", [e for e in TABLE if e.float_result], ids=lambda e: e.name)
def test_integer_self_cannot_hold_a_float_result(entry: IP) -> None:
    for L in (torch, bw):  # PyTorch says "can't be cast" or, for a few, NotImplementedError (a RuntimeError)
        x = L.tensor([1, 2, 3])
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type|not implemented"):
            call(entry, x, L.tensor([1.0, 2.0, 3.0]))


def test_broadcasting_cannot_grow_self() -> None:
    for L in (torch, bw):
        with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
            L.ones(3).lt_(L.ones(2, 3))


def test_float_power_needs_a_float64_self() -> None:
    for L in (torch, bw):
        with pytest.raises(RuntimeError, match="float_power_ has dtype"):
            L.ones(2).float_power_(2)


def test_positive_and_fill() -> None:
    x = bw.tensor([-1.0, 2.0])
    assert bw.positive(x) is x and +x is x
    for L in (torch, bw):
        with pytest.raises(RuntimeError, match="bool tensor is not supported"):
            L.positive(L.tensor([True]))
    for L in (torch, bw):
        x = L.ones(2, requires_grad=True)
        v = L.tensor(2.0, requires_grad=True)
        y = L.fill(x, 3.0)
        z = L.fill(x, v)
        assert (y.grad_fn.name(), z.grad_fn.name()) == ("FillBackward0", "FillBackward1")
        (y.sum() + 2 * z.sum()).backward()
        assert x.grad.tolist() == [0.0, 0.0] and v.grad.item() == 4.0
        assert L.fill(L.zeros(2, dtype=L.int64), 3.5).tolist() == [3, 3]
        assert L.zero_(L.ones(2)).tolist() == [0.0, 0.0] and L.fill_(L.ones(2), 4).tolist() == [4.0, 4.0]


@pytest.mark.parametrize("case", [
    "y = x.exp(); y.sin_(); y.sum().backward()",             # exp saved its output, which sin_ changed
    "y = x * 1; z = y.sin(); y.cos_(); z.sum().backward()",  # sin saved its input
    "y = x * 1; z = y.sin(); y.eq_(1); z.sum().backward()",
    "y = x * 1; z = y.sin(); y.logical_not_(); z.sum().backward()",  # outside autograd, yet a version bump
    "y = x.sigmoid(); y.hypot_(y); y.sum().backward()",
    "y = x * 1; z = y ** 2; y.xlogy_(2); z.sum().backward()",
])
def test_saved_tensor_modified_in_place_is_detected(case: str) -> None:
    for L in (torch, bw):
        x = L.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            exec(case, {"x": x})


# PyTorch has no in-place derivative for these (its node says so); brickwork records the out-of-place op's node
NO_TORCH_INPLACE_DERIVATIVE = {"asinh_", "arcsinh_", "atanh_", "arctanh_", "acosh_", "arccosh_", "floor_divide_"}


@pytest.mark.parametrize("entry", [e for e in TABLE if "float64" in e.dtypes and e.name not in
                                   NO_TORCH_INPLACE_DERIVATIVE], ids=lambda e: e.name)
def test_grad_fn_names(entry: IP) -> None:
    a, b = arrays(entry, "float64", (2, 3))
    names = []
    for L in (torch, bw):
        y = L.tensor(a, requires_grad=True) * 1
        call(entry, y, L.tensor(b))
        names.append(type(y.grad_fn).__name__ if L is torch else y.grad_fn.name())
    assert names[1] == names[0], f"{entry.name}: PyTorch records {names[0]}, brickwork {names[1]}"
