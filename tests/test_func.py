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


# ------------------------------------------------------------------------------------------------------- func


def test_grad_argnums_has_aux_and_value() -> None:
    def run(L: Any) -> Any:
        fn = L.func
        x, y = data(L, 3), data(L, 2, seed=1)
        with_aux = fn.grad(lambda a, b: (scalar(L)(a, b), a * 2), argnums=(0, 1), has_aux=True)(x, y)
        return (fn.grad(scalar(L))(x, y), fn.grad(scalar(L), argnums=1)(x, y), with_aux,
                fn.grad_and_value(scalar(L), argnums=(1,))(x, y),
                fn.grad(lambda d: (d["w"] * d["b"][0]).sum())({"w": x, "b": y}))

    same(run(bw), run(torch))


def test_higher_order_compositions() -> None:
    def run(L: Any) -> Any:
        fn = L.func
        x = data(L, 3)
        cube = lambda t: (t ** 3).sum() * t[0]  # noqa: E731
        return (fn.grad(fn.grad(lambda t: L.sin(t) * t ** 2))(x[0]), fn.jacrev(fn.jacrev(cube))(x),
                fn.hessian(cube)(x), fn.jacfwd(fn.jacrev(cube))(x), fn.hessian(scalar(L), argnums=(0, 1))(x, x[:2]))

    same(run(bw), run(torch))


def test_jacobians_keep_output_and_argnums_structure() -> None:
    def run(L: Any) -> Any:
        fn = L.func
        x, y = data(L, 3), data(L, 2, seed=1)
        return (fn.jacrev(f_one(L))(data(L, 3, 2)), fn.jacrev(f_two(L), argnums=(0, 1))(x, y),
                fn.jacfwd(f_two(L), argnums=1)(x, y), fn.jacrev(lambda a: (L.sin(a), a.sum()), has_aux=False)(x),
                fn.jacrev(lambda a: (a * 2, {"aux": a}), has_aux=True)(x))

    same(run(bw), run(torch))


def test_vjp_and_jvp_match() -> None:
    def run(L: Any) -> Any:
        fn = L.func
        x, y = data(L, 3), data(L, 2, seed=1)
        out, vjp_fn = fn.vjp(f_two(L), x, y)
        cot = (data(L, 3, seed=2), data(L, 2, seed=3))
        out_aux, vjp_aux, aux = fn.vjp(lambda a: (L.exp(a), a + 1), x, has_aux=True)
        lin_out, jvp_fn = fn.linearize(f_one(L), data(L, 3, 2))
        return (out, vjp_fn(cot), out_aux, vjp_aux(x), aux,
                fn.jvp(f_two(L), (x, y), (y.sum() * x, x[:2])),
                fn.jvp(lambda a: (a ** 2, a), (x,), (y.sum() * x,), has_aux=True), lin_out,
                jvp_fn(data(L, 3, 2, seed=5)))

    same(run(bw), run(torch))


def test_transform_errors_match_torch() -> None:
    for L in LIBS:
        fn, x = L.func, data(L, 3)
        cases = [
            (lambda: fn.grad(lambda t: t)(x), RuntimeError, "scalar Tensor"),
            (lambda: fn.grad(lambda t: 1.0)(x), RuntimeError, "to return a Tensor"),
            (lambda: fn.grad(lambda t: t.sum(), has_aux=True)(x), RuntimeError, r"\(output, aux\)"),
            (lambda: fn.grad(lambda t: t.sum(), argnums=2)(x), RuntimeError, "only 1 positional inputs"),
            (lambda: fn.grad(lambda t: t.sum(), argnums=(0, 0))(x), RuntimeError, "must be unique"),
            (lambda: fn.grad(lambda t: t.sum())(3), ValueError, "must be Tensor"),
            (lambda: fn.jvp(lambda t: t, x, x), RuntimeError, "Expected primals to be a tuple"),
            (lambda: fn.jvp(lambda t: t, (x,), (x, x)), RuntimeError, "same python structure"),
            (lambda: fn.jvp(lambda t: t, (x,), (x[:2],)), RuntimeError, "different size"),
            (lambda: fn.vjp(lambda t: 3, x), RuntimeError, "only tensors"),
            (lambda: fn.vjp(lambda t: t, x)[1]((x, x)), RuntimeError, "pytree structure of cotangents"),
            (lambda: fn.vjp(lambda t: t, x)[1](x[:2]), RuntimeError, "Mismatch in shape"),
        ]
        for call, kind, pattern in cases:
            with pytest.raises(kind, match=pattern):
                call()


def test_create_graph_when_inputs_require_grad() -> None:
    def run(L: Any) -> Any:
        x = data(L, 3).requires_grad_()
        g = L.func.grad(lambda t: (t ** 3).sum())(x)
        return g, L.autograd.grad(g.sum(), x)

    same(run(bw), run(torch))
    assert not bw.func.grad(lambda t: (t ** 3).sum())(data(bw, 3)).requires_grad


def mlp(L: Any, seed: int = 7) -> Any:
    """A small MLP with the same weights in both libraries."""
    model = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.Tanh(), L.nn.Linear(4, 2)).double()
    model.load_state_dict({k: L.tensor(np.random.default_rng(seed).standard_normal(tuple(v.shape)))
                           for k, v in model.state_dict().items()})
    return model


def test_per_sample_gradients_of_an_mlp() -> None:
    def run(L: Any) -> Any:
        model = mlp(L)
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p: Any, x: Any, y: Any) -> Any:
            out = L.func.functional_call(model, p, (x.unsqueeze(0),))
            return L.nn.functional.cross_entropy(out, y.unsqueeze(0))

        x, y = data(L, 5, 3), L.tensor([0, 1, 1, 0, 1])
        return L.func.vmap(L.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)

    got, want = run(bw), run(torch)
    same(got, want)
    # the per-sample gradients average to the batch gradient
    model = mlp(bw)
    x, y = data(bw, 5, 3), bw.tensor([0, 1, 1, 0, 1])
    bw.nn.functional.cross_entropy(model(x), y).backward()
    for name, p in model.named_parameters():
        np.testing.assert_allclose(got[name].mean(0).numpy(), p.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_vmap_dims_structures_and_randomness() -> None:
    def run(L: Any) -> Any:
        vmap, x = L.func.vmap, data(L, 2, 3)
        return (vmap(lambda t: t * 2, in_dims=-1)(x), vmap(lambda d: d["a"].sum(), in_dims=({"a": 1},))({"a": x}),
                vmap(lambda t: {"b": t * 2, "c": (t.sum(), t)}, out_dims={"b": 1, "c": (0, 1)})(x),
                vmap(lambda t, w: (t * w, w), in_dims=(0, None), out_dims=(0, None))(x, x[0]),
                vmap(vmap(lambda a, b: a * b), in_dims=(0, None))(x, x[0]), vmap(lambda t: t, chunk_size=1)(x))

    same(run(bw), run(torch))
    same_draws = bw.func.vmap(lambda t: t + bw.rand(1), randomness="same")(bw.zeros(3))
    assert len(set(same_draws.flatten().tolist())) == 1
    assert len(set(bw.func.vmap(lambda t: t + bw.rand(()), randomness="different")(bw.zeros(3)).tolist())) == 3
    assert bw.vmap is bw.func.vmap


def test_vmap_errors_match_torch() -> None:
    for L in LIBS:
        vmap, x = L.func.vmap, data(L, 3)
        cases = [
            (lambda: vmap(lambda t: t)(), ValueError, "got no inputs"),
            (lambda: vmap(lambda t: t, in_dims=1)(x), ValueError, "expected in_dim to satisfy"),
            (lambda: vmap(lambda t: 3)(x), ValueError, "must only return Tensors"),
            (lambda: vmap(lambda t: t, in_dims=(0, 0))(x), ValueError, "not compatible with the structure"),
            (lambda: vmap(lambda t, u: t, in_dims=(0, 0))(x, 3), ValueError, "cannot vmap over non-Tensor"),
            (lambda: vmap(lambda t: t + L.rand(1))(x), RuntimeError, "randomness error mode"),
            (lambda: vmap(lambda t: t, chunk_size=0)(x), ValueError, "chunk_size should be None or greater"),
            (lambda: vmap(lambda t, u: t + u)(x, x[:2]), ValueError, "same size in the mapped dimension"),
            (lambda: vmap(lambda t: t, in_dims="a")(x), ValueError, "expected `in_dims` to be int"),
            (lambda: vmap(lambda t: t, randomness="x")(x), RuntimeError, "Only allowed values for randomness"),
        ]
        for call, kind, pattern in cases:
            with pytest.raises(kind, match=pattern):
                call()


def test_module_helpers_match_torch() -> None:
    def run(L: Any) -> Any:
        models = [mlp(L, seed) for seed in range(3)]
        params, buffers = L.func.stack_module_state(models)
        x = data(L, 3, 5, 3)
        ensemble = L.func.vmap(lambda p, b, xb: L.func.functional_call(models[0], (p, b), (xb,)))(params, buffers, x)
        return params, ensemble, [params[k].requires_grad for k in params]

    got, want = run(bw), run(torch)
    same(got[:2], want[:2])
    assert got[2] == want[2]
    for L in LIBS:
        with pytest.raises(RuntimeError, match="at least one model"):
            L.func.stack_module_state([])
        with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
            lin = L.nn.Linear(1, 1)
            L.func.functional_call(lin, ({"bias": L.zeros(1)}, {"bias": L.zeros(1)}), L.ones(1, 1))
        bn = L.func.replace_all_batch_norm_modules_(L.nn.Sequential(L.nn.BatchNorm1d(2)))[0]
        assert bn.running_mean is None and not bn.track_running_stats


def test_vmap_composes_with_derivatives_as_in_a_physics_informed_net() -> None:
    def run(L: Any) -> Any:
        fn = L.func
        model = mlp(L)
        params = {k: v.detach() for k, v in model.named_parameters()}

        def u(p: Any, x: Any) -> Any:  # a scalar field of a 3-d point
            return fn.functional_call(model, p, (x,))[0]

        def laplacian(p: Any, x: Any) -> Any:
            return fn.hessian(u, argnums=1)(p, x).diagonal().sum()

        points = data(L, 4, 3)
        residual = fn.grad(lambda p: fn.vmap(laplacian, in_dims=(None, 0))(p, points).pow(2).mean())(params)
        return (residual, fn.vmap(fn.jacrev(lambda x: L.sin(x) * x.sum()))(points),
                fn.grad(lambda x: fn.vmap(lambda r: (r ** 2).sum())(x).sum())(points),
                fn.vmap(lambda x, t: fn.jvp(L.sin, (x,), (t,))[1])(points, data(L, 4, 3, seed=1)),
                L.autograd.functional.jacobian(fn.grad(lambda x: (L.sin(x) ** 2).sum() * x[0]), points[0]))

    same(run(bw), run(torch))


@pytest.mark.parametrize("pattern, lengths", [
    ("b c d -> b (c d)", {}), ("b c (d e) -> e b c d", {"e": 2}), ("... d -> d ...", {}), ("b ... -> (...) b", {}),
    ("b c (d e f) -> (f b) e c d", {"e": 2, "f": 2}), ("b c d -> b c d 1", {}), ("... -> ...", {}),
    ("b c d -> (d c b)", {})])
def test_rearrange_matches_torch(pattern: str, lengths: dict) -> None:
    x = np.arange(48.0).reshape(2, 3, 8)
    ours = bw.func.rearrange(bw.tensor(x, requires_grad=True), pattern, **lengths)
    theirs = torch.func.rearrange(torch.tensor(x), pattern, **lengths)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())
    t = bw.tensor(x, requires_grad=True)
    (bw.func.rearrange(t, pattern, **lengths) * bw.tensor(np.arange(48.0).reshape(theirs.shape))).sum().backward()
    tt = torch.tensor(x, requires_grad=True)
    (torch.func.rearrange(tt, pattern, **lengths) * torch.arange(48.0, dtype=torch.float64).reshape(theirs.shape)
     ).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), tt.grad.numpy())


@pytest.mark.parametrize("pattern", ["b c -> b c", "b c d -> b c", "b c (d e) -> b c d e", "b b d -> b d"])
def test_rearrange_errors_are_value_errors(pattern: str) -> None:
    with pytest.raises(ValueError):
        bw.func.rearrange(bw.zeros(2, 3, 4), pattern)
