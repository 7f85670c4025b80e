"""erf and erfinv on raw arrays, against math.erf/math.erfc, PyTorch, and mpmath where installed."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import Callable

import numpy as np
import pytest
import torch


def _load() -> ModuleType:
    """The module under test, from its file if the package does not import (it may be mid-edit)."""
    try:
        return importlib.import_module("brickwork.ops._special")
    except Exception:
        path = Path(__file__).resolve().parents[1] / "brickwork" / "ops" / "_special.py"
        spec = importlib.util.spec_from_file_location("_special", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


special = _load()
erf, erfinv = special.erf, special.erfinv

EDGES = [0.0, 5e-324, 1e-310, 1e-300, 1e-30, 1e-8, 1e-4, 0.1, 0.4769362762044699, 0.5, np.nextafter(1.0, 0.0),
         1.0, np.nextafter(1.0, 2.0), 1.5, 2.0, 3.0, 3.9, 4.0, 5.0, 5.9, 6.0, 6.5, 8.0, 27.0, 1e10, 1e300]
RNG = np.random.default_rng(0)
# A dense grid, normal draws, and magnitudes spread over the whole float64 range; longer than one block.
GRID = np.concatenate([np.linspace(-8.0, 8.0, 160_001), RNG.standard_normal(20_000) * 2.0,
                       10.0 ** RNG.uniform(-320.0, 2.0, 20_000), EDGES])
GRID = np.concatenate([GRID, -GRID])


def _math_erf(x: np.ndarray) -> np.ndarray:
    """The reference: math.erf on each element, in float64."""
    return np.array([math.erf(float(v)) for v in x.reshape(-1)]).reshape(x.shape)


def _ulps(got: np.ndarray, ref: np.ndarray, dtype: type) -> np.ndarray:
    """|got - ref| in units in the last place of ``ref`` rounded to ``dtype``."""
    spacing = np.spacing(np.abs(ref).astype(dtype)).astype(np.float64)
    return np.abs(got.astype(np.float64) - ref) / spacing


def test_erf_float64_matches_math_erf() -> None:
    ref = _math_erf(GRID)
    got = erf(GRID)
    assert got.dtype == np.float64 and got.shape == GRID.shape
    normal = np.abs(ref) >= np.finfo(np.float64).tiny
    assert np.max(np.abs(got - ref)[normal] / np.abs(ref[normal])) < 1e-15
    assert np.max(np.abs(got - ref)[~normal]) <= 5e-324  # subnormal results: within one step


def test_erf_float32_matches_math_erf() -> None:
    with np.errstate(over="ignore"):  # 1e300 becomes inf
        x = GRID.astype(np.float32)
    got = erf(x)
    assert got.dtype == np.float32
    assert np.max(_ulps(got, _math_erf(x), np.float32)) <= 1.5


def test_erf_float16_matches_math_erf() -> None:
    x = np.linspace(-5.0, 5.0, 4001).astype(np.float16)
    got = erf(x)
    assert got.dtype == np.float16
    assert np.max(_ulps(got, _math_erf(x), np.float16)) <= 0.51  # correctly rounded from float32


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_erf_special_values(dtype: type) -> None:
    got = erf(np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e4, -1e4], dtype=dtype))
    np.testing.assert_array_equal(got, np.array([1, -1, np.nan, 0, 0, 1, -1], dtype=dtype))
    assert not np.signbit(got[3]) and np.signbit(got[4])


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (7,), (4, 5), (70_001,)])
@pytest.mark.parametrize("fn", [erf, erfinv])
def test_shapes_and_dtypes(fn: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...]) -> None:
    x = RNG.uniform(-0.99, 0.99, shape) if shape else np.array(0.3)
    for dtype in (np.float16, np.float32, np.float64):
        got = fn(x.astype(dtype))
        assert got.shape == x.shape and got.dtype == dtype
    np.testing.assert_array_equal(fn(x.T), fn(x).T)  # non-contiguous input
    assert fn(np.array([0, 1], dtype=np.int64)).dtype == np.float64


def test_bfloat16() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    x = np.array([-2.0, 0.25, 1.0], dtype=ml_dtypes.bfloat16)
    got = erf(x)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, _math_erf(x.astype(np.float64)).astype(ml_dtypes.bfloat16))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_erf_matches_torch(dtype: torch.dtype) -> None:
    x = torch.cat([torch.randn(100_000, dtype=torch.float64) * 3, torch.tensor(EDGES, dtype=torch.float64)])
    x = torch.cat([x, -x]).to(dtype)
    got, ref = erf(x.numpy()), torch.erf(x).numpy()
    if dtype == torch.float64:
        np.testing.assert_allclose(got, ref, rtol=1e-15, atol=0)
    else:  # each within about 1.5 ulp of the truth
        assert np.max(np.abs(got - ref) / np.spacing(np.abs(ref))) <= 3


def test_erfinv_round_trips() -> None:
    x = np.linspace(-5.9, 5.9, 100_001)
    y = erf(x)
    # A rounding of erf(x) moves x by up to spacing(y) / erf'(x); that is the only slack allowed beyond 1e-14.
    slope = 2 / math.sqrt(math.pi) * np.exp(-x * x)
    assert np.all(np.abs(erfinv(y) - x) <= 1e-14 * np.abs(x) + np.spacing(np.abs(y)) / slope)
    y = np.concatenate([np.linspace(-1.0, 1.0, 200_001)[1:-1], 10.0 ** RNG.uniform(-300.0, 0.0, 10_000)])
    np.testing.assert_allclose(erf(erfinv(y)), y, rtol=2e-15, atol=0)


def test_erfinv_tails_match_math_erfc() -> None:
    tail = np.concatenate([10.0 ** -np.linspace(0.5, 15.9, 2000), [2.0**-53, 2.0**-52, 1e-7, 1.0001e-7]])
    x = erfinv(1.0 - tail)
    # erfinv(1 - t) is computed from 1 - t, which is t up to rounding; compare with that exact complement.
    exact = 1.0 - (1.0 - tail)
    np.testing.assert_allclose([math.erfc(v) for v in x], exact, rtol=1e-13)
    np.testing.assert_array_equal(erfinv(-(1.0 - tail)), -x)


def test_erfinv_matches_mpmath() -> None:
    mpmath = pytest.importorskip("mpmath")
    y = np.concatenate([RNG.uniform(-1.0, 1.0, 2000), 1.0 - 10.0 ** RNG.uniform(-15.9, 0.0, 500),
                        10.0 ** RNG.uniform(-300.0, 0.0, 500), [1.0 - 2.0**-53, 0.5, np.nextafter(0.5, 0.0)]])
    with mpmath.workdps(40):
        ref = np.array([float(mpmath.erfinv(mpmath.mpf(float(v)))) for v in y])
    np.testing.assert_allclose(erfinv(y), ref, rtol=1e-15, atol=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_erfinv_matches_torch(dtype: torch.dtype) -> None:
    y = torch.cat([torch.rand(50_000, dtype=torch.float64) * 2 - 1, torch.tensor([0.0, 0.5, 0.999999])]).to(dtype)
    got, ref = erfinv(y.numpy()), torch.erfinv(y).numpy()
    if dtype == torch.float64:
        np.testing.assert_allclose(got, ref, rtol=1e-15, atol=0)
    else:
        assert np.max(np.abs(got - ref) / np.spacing(np.abs(ref))) <= 1


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_erfinv_special_values(dtype: type) -> None:
    got = erfinv(np.array([1.0, -1.0, 1.5, -2.0, np.inf, np.nan, 0.0, -0.0], dtype=dtype))
    np.testing.assert_array_equal(got, np.array([np.inf, -np.inf, np.nan, np.nan, np.nan, np.nan, 0, 0], dtype))
    assert not np.signbit(got[6]) and np.signbit(got[7])


def test_erfinv_float32_is_rounded_float64() -> None:
    y = np.concatenate([RNG.uniform(-1, 1, 10_000), 1 - 10.0 ** RNG.uniform(-7, 0, 1000)]).astype(np.float32)
    np.testing.assert_array_equal(erfinv(y), erfinv(y.astype(np.float64)).astype(np.float32))


def test_docstring_examples() -> None:
    assert doctest.testmod(special, raise_on_error=False).failed == 0
