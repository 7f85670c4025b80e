"""The gamma family (brickwork/ops/gamma.py) over wide ranges against PyTorch and mpmath: values in float32 and
float64, poles, infinities and nan as PyTorch gives them, in-place methods, and the gamma sampler's gradient.

The declarative op table (tests/test_op_table.py) checks gradients by finite differences and against PyTorch.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork.ops.gamma import standard_gamma_grad_array

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

INF, NAN = float("inf"), float("nan")
RNG = np.random.default_rng(0)
# dense around the poles and zeros, then magnitudes over the whole float64 range, both signs; no integers
WIDE = np.concatenate([np.linspace(-30, 30, 60_001), 10 ** RNG.uniform(-300, 300, 5000),
                       -(10 ** RNG.uniform(-5, 10, 5000))])
WIDE = WIDE[np.floor(WIDE) != WIDE]
EDGES = [-INF, -3.0, -2.5, -1.0, -0.5, -0.0, 0.0, 1e-300, 0.5, 1.0, 2.0, 1e10, 1e306, INF, NAN]


def both(name: str, x: np.ndarray, dtype: str, *args: object) -> tuple[np.ndarray, np.ndarray]:
    got = getattr(bw, name)(*args, bw.tensor(x, dtype=getattr(bw, dtype)))
    want = getattr(torch, name)(*args, torch.tensor(x, dtype=getattr(torch, dtype)))
    assert got.dtype.name == str(want.dtype).split(".")[-1] and tuple(got.shape) == tuple(want.shape)
    return got.numpy().astype(np.float64), want.numpy().astype(np.float64)


def close(got: np.ndarray, want: np.ndarray, rtol: float) -> None:
    """Same infinities and nans; finite values within ``rtol`` relative (absolute below magnitude 1)."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.where(np.isinf(want), want, 0), np.where(np.isinf(want), got, 0))
    fin = np.isfinite(want)
    err = np.abs(got[fin] - want[fin]) / np.maximum(np.abs(want[fin]), 1.0)
    assert err.max(initial=0) <= rtol, f"max error {err.max()} at {np.argmax(err)}"


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-11), ("float32", 2e-6)])
@pytest.mark.parametrize("name", ["lgamma", "digamma"])
def test_wide_range_matches_torch(name: str, dtype: str, rtol: float) -> None:
    # digamma's float64 tolerance is the conditioning near its poles (1 ulp of x moves the value by 1e-12)
    close(*both(name, WIDE, dtype), rtol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_matches_torch(n: int, dtype: str) -> None:
    # PyTorch's trigamma is good to about 1e-9 and takes sin(pi x) after multiplying, which loses all digits for
    # large negative x (and, in float32, near the negative poles); there n=1 is checked against mpmath below
    x = WIDE[np.abs(WIDE) < 1e6]
    if n == 1:
        x = x[x > 0]
    close(*both("polygamma", x, dtype, n), (1e-9 if dtype == "float64" else 2e-6) * (10 if n == 1 else 1))


def test_trigamma_matches_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    x = np.concatenate([RNG.uniform(-60, 3, 200), [-0.5, 0.5, -2.5, -1e-3 - 7, 1e-8]])
    got = bw.polygamma(1, bw.tensor(x, dtype=bw.float64)).numpy()
    want = np.array([float(mpmath.psi(1, v)) for v in x])
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("name,args", [("lgamma", ()), ("digamma", ()), ("polygamma", (2,)), ("polygamma", (3,)),
                                       ("polygamma", (1,))])
def test_poles_infinities_and_nan_as_torch(name: str, args: tuple) -> None:
    x = np.array(EDGES)
    if args == (1,):  # brickwork's trigamma is +inf at the negative integers (see above)
        x = x[~np.isin(x, [-3.0, -1.0])]
    got, want = both(name, x, "float64", *args)
    close(got, want, 1e-9 if args == (1,) else 1e-13)
    exact = np.isinf(want)
    np.testing.assert_array_equal(np.signbit(got[exact]), np.signbit(want[exact]))


def test_trigamma_is_inf_at_the_negative_integers() -> None:
    assert bw.polygamma(1, bw.tensor([-1.0, -3.0])).tolist() == [INF, INF]


def test_integer_inputs_give_the_default_dtype() -> None:
    for f in (bw.lgamma, bw.digamma, lambda t: bw.polygamma(1, t), lambda t: bw.mvlgamma(t, 2)):
        assert f(bw.tensor([1, 2])).dtype == bw.float32


def test_mvlgamma_matches_torch() -> None:
    x = np.linspace(1.6, 40.0, 101)
    for p in (1, 2, 5):
        got, want = bw.mvlgamma(bw.tensor(x), p).numpy(), torch.mvlgamma(torch.tensor(x), p).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)


A = np.concatenate([10 ** RNG.uniform(-3, 3, 4000), 10 ** RNG.uniform(3, 6, 200)])
X = np.concatenate([A[:4000] * np.exp(RNG.normal(0, 1, 4000)), A[4000:] + RNG.normal(0, 3, 200) * np.sqrt(A[4000:])])


@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_matches_torch(name: str) -> None:
    got = getattr(bw, name)(bw.tensor(A), bw.tensor(X)).numpy()
    want = getattr(torch, name)(torch.tensor(A), torch.tensor(X)).numpy()
    # PyTorch's large-a asymptotic series is good to about 1e-9 (brickwork's is closer to mpmath, below)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-8)
    got32 = getattr(bw, name)(bw.tensor(A, dtype=bw.float32), bw.tensor(X, dtype=bw.float32))
    assert got32.dtype == bw.float32
    ref32 = getattr(torch, name)(torch.tensor(A.astype(np.float32), dtype=torch.float64),
                                 torch.tensor(X.astype(np.float32), dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got32.numpy(), ref32, rtol=1e-5, atol=1e-7)


def test_igamma_matches_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    idx = RNG.choice(A.size, 150, replace=False)
    for a, x in zip(A[idx], X[idx]):
        want = float(mpmath.gammainc(a, 0, x, regularized=True))
        got = bw.igamma(bw.tensor(a, dtype=bw.float64), bw.tensor(x, dtype=bw.float64)).item()
        assert abs(got - want) <= 1e-12 + 1e-9 * want, (a, x, got, want)


def test_igamma_edges_as_torch() -> None:
    a = [0.0, 0.0, 1.0, -1.0, 1.0, INF, INF, 1.0, 2.0, NAN, 1.0, 0.5]
    x = [0.0, 1.0, 0.0, 1.0, -1.0, 1.0, INF, INF, NAN, 1.0, 1e-300, 0.0]
    for name in ("igamma", "igammac"):
        got = getattr(bw, name)(bw.tensor(a, dtype=bw.float64), bw.tensor(x, dtype=bw.float64)).numpy()
        want = getattr(torch, name)(torch.tensor(a, dtype=torch.float64), torch.tensor(x, dtype=torch.float64))
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-12, atol=1e-300, equal_nan=True)


def test_inplace_methods() -> None:
    for name, args in [("lgamma_", ()), ("digamma_", ()), ("polygamma_", (2,)), ("mvlgamma_", (2,)),
                       ("igamma_", (torch.tensor([0.5, 2.0]),)), ("igammac_", (torch.tensor([0.5, 2.0]),))]:
        t = torch.tensor([1.5, 3.0])
        b = bw.tensor([1.5, 3.0])
        bargs = tuple(bw.tensor(a.numpy()) if isinstance(a, torch.Tensor) else a for a in args)
        assert getattr(b, name)(*bargs) is b
        getattr(t, name)(*args)
        np.testing.assert_allclose(b.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


def test_standard_gamma_grad_matches_torch_and_mpmath() -> None:
    a = 10 ** RNG.uniform(-2, 3, 500)
    x = np.maximum(RNG.gamma(a), 1e-300)
    got = standard_gamma_grad_array(x, a)
    # PyTorch's dx/da is a fitted approximation, good to about 5e-4
    np.testing.assert_allclose(got, torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy(), rtol=1e-3)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 30
    for ai, xi, gi in list(zip(a, x, got))[:20]:
        d_lower = mpmath.diff(lambda s: mpmath.gammainc(s, 0, xi, regularized=True), ai)
        density = mpmath.exp((ai - 1) * mpmath.log(xi) - xi - mpmath.loggamma(ai))
        assert abs(gi - float(-d_lower / density)) <= 1e-6 * abs(gi), (ai, xi)


def test_standard_gamma_sampler_moments_and_gradient() -> None:
    from brickwork.ops.gamma import _standard_gamma
    bw.manual_seed(0)
    a = bw.full((20_000,), 2.5, dtype=bw.float64, requires_grad=True)
    x = _standard_gamma(a)
    assert abs(x.mean().item() - 2.5) < 0.05 and abs(x.var().item() - 2.5) < 0.15
    x.sum().backward()
    assert abs(a.grad.mean().item() - 1.0) < 0.02  # d E[x] / da = 1 for Gamma(a, 1)
