"""``autograd.functional`` and ``func`` against PyTorch: values, shapes, tuple handling, strict-mode errors and
the compositions real code uses (per-sample gradients, Hessians by nesting), in float64."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from _helpers import LIBS, npy

import brickwork as bw


def same(a: Any, b: Any) -> None:
    """Equal values and shapes, through nested tuples, lists and dicts; also the same nesting."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), (a, b)
        for k in a:
            same(a[k], b[k])
        return
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y)
        return
    assert isinstance(a, bw.Tensor) and isinstance(b, torch.Tensor), (type(a), type(b))
    x, y = np.asarray(npy(a)), np.asarray(npy(b))
    assert x.shape == y.shape, (x.shape, y.shape)
    np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


def flags(t: Any) -> Any:
    """The ``requires_grad`` of every tensor in a nested result."""
    return [flags(x) for x in t] if isinstance(t, (tuple, list)) else t.requires_grad


def data(L: Any, *shape: int, seed: int = 0) -> Any:
    return L.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=L.float64)


def f_one(L: Any) -> Any:
    return lambda x: L.exp(x).sum(0) * x[0]


def f_two(L: Any) -> Any:
    return lambda x, y: (x * y.sum(), L.sin(x).sum() * y)


def scalar(L: Any) -> Any:
    return lambda x, y: (x ** 3).sum() * y.sum() + (L.sin(y) ** 2).sum()


# ---------------------------------------------------------------------------------------- autograd.functional


@pytest.mark.parametrize("case", ["one", "two"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_jacobian_values_shapes_and_nesting(case: str, create_graph: bool) -> None:
    def run(L: Any) -> Any:
        if case == "one":
            return L.autograd.functional.jacobian(f_one(L), data(L, 3, 2), create_graph=create_graph)
        return L.autograd.functional.jacobian(f_two(L), (data(L, 3), data(L, 2, seed=1)), create_graph=create_graph)

    got, want = run(bw), run(torch)
    same(got, want)
    assert flags(got) == flags(want)


@pytest.mark.parametrize("vectorize, strategy", [(False, "reverse-mode"), (True, "reverse-mode"),
                                                 (True, "forward-mode")])
def test_jacobian_strategies_agree(vectorize: bool, strategy: str) -> None:
    def run(L: Any) -> Any:
        return L.autograd.functional.jacobian(f_two(L), (data(L, 3), data(L, 2, seed=1)), vectorize=vectorize,
                                              strategy=strategy)

    same(run(bw), run(torch))


def test_jacobian_of_independent_output_is_zero_or_a_strict_error() -> None:
    def run(L: Any, strict: bool) -> Any:
        return L.autograd.functional.jacobian(lambda x, y: x * 2, (data(L, 2), data(L, 3)), strict=strict)

    same(run(bw, False), run(torch, False))
    for L in LIBS:
        with pytest.raises(RuntimeError, match="independent of input 1"):
            run(L, True)
        with pytest.raises(RuntimeError, match="does not require gradients"):
            L.autograd.functional.jacobian(lambda x: L.ones(2), data(L, 2), strict=True)


@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian_matches(create_graph: bool) -> None:
    def run(L: Any) -> Any:
        one = L.autograd.functional.hessian(lambda x: (x ** 3).sum() * x[0], data(L, 3), create_graph=create_graph)
        two = L.autograd.functional.hessian(scalar(L), (data(L, 3), data(L, 2, seed=1)), create_graph=create_graph)
        return one, two

    same(run(bw), run(torch))


@pytest.mark.parametrize("name", ["vjp", "jvp", "vhp", "hvp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_products_match(name: str, create_graph: bool) -> None:
    def run(L: Any) -> Any:
        fn = getattr(L.autograd.functional, name)
        x, y = data(L, 3), data(L, 2, seed=1)
        if name in ("vjp", "jvp"):
            v = (data(L, 3, seed=2), data(L, 2, seed=3))
            single = fn(f_one(L), data(L, 3, 2), data(L, 2, seed=4) if name == "vjp" else data(L, 3, 2, seed=4),
                        create_graph=create_graph)
            return single, fn(f_two(L), (x, y), v, create_graph=create_graph)
        single = fn(lambda t: (t ** 3).sum(), x, data(L, 3, seed=2), create_graph=create_graph)
        return single, fn(scalar(L), (x, y), (data(L, 3, seed=2), data(L, 2, seed=3)), create_graph=create_graph)

    same(run(bw), run(torch))


def test_create_graph_links_results_to_inputs() -> None:
    def run(L: Any) -> Any:
        x = data(L, 3).requires_grad_()
        _, g = L.autograd.functional.vjp(lambda t: (t ** 3).sum(), x, create_graph=True)
        return L.autograd.grad(g.sum(), x)

    same(run(bw), run(torch))


def test_product_errors_match_torch() -> None:
    for L in LIBS:
        F = L.autograd.functional
        x = data(L, 3)
        with pytest.raises(RuntimeError, match="v can only be None"):
            F.vjp(lambda t: t * 2, x)
        with pytest.raises(RuntimeError, match="v has invalid size"):
            F.jvp(lambda t: t * 2, x, data(L, 2))
        with pytest.raises(RuntimeError, match="v is a tuple of invalid length"):
            F.jvp(lambda t, u: t * u, (x, x), (x,))
        with pytest.raises(RuntimeError, match="should return a single Tensor"):
            F.hvp(lambda t: (t.sum(), t.sum()), x, x)
        with pytest.raises(RuntimeError, match="should contain a single element"):
            F.hessian(lambda t: t * 2, x)
        with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
            F.jacobian(lambda t: t, [x])
        with pytest.raises(RuntimeError, match="strict mode"):
            F.vhp(lambda t: (t * 2).sum(), x, x, strict=True)
        with pytest.raises(AssertionError, match="Expected strategy"):
            F.jacobian(lambda t: t, x, strategy="sideways")
        with pytest.raises(NotImplementedError):
            F.jacobian(lambda t: t, x, strategy="forward-mode")
