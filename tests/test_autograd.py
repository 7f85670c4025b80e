"""Autograd against PyTorch: backward options, gradient accumulation, hooks, higher derivatives, grad modes,
custom Functions, gradcheck, and the errors users meet.

Each check runs the same code on ``brickwork`` and ``torch`` (the ``L`` argument) where both behave alike, and
states it explicitly where brickwork deliberately differs (a Function that stashes intermediates raises at double
backward instead of returning PyTorch's silently wrong second derivative).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import _helpers
import numpy as np
import pytest
import torch
from _helpers import LIBS, both, npy

import brickwork as bw


def same(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """:func:`_helpers.same` with a looser default ``rtol`` for gradients."""
    _helpers.same(a, b, rtol, atol)


def leaf(L: Any, values: Any, dtype: str = "float32") -> Any:
    return L.tensor(values, dtype=getattr(L, dtype), requires_grad=True)


# -- backward ----------------------------------------------------------------------------------------------

def test_backward_with_gradient_argument() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [[1.0, 2.0], [3.0, -1.0]])
        y = x * x + x
        y.backward(L.tensor([[1.0, 0.5], [-2.0, 3.0]]))
        return x.grad

    same(*both(run))


def test_backward_of_scalar_and_one_element() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [2.0])
        (x ** 3).backward()  # one element, not 0-d: still implicit
        g1 = x.grad.clone()
        x.grad = None
        (x ** 2).sum().backward(L.tensor(3.0))
        return g1, x.grad

    same(*both(run))


def test_non_scalar_without_gradient_raises() -> None:
    for L in LIBS:
        x = leaf(L, [1.0, 2.0])
        y = x * 2
        with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
            y.backward()
        with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
            L.autograd.grad(y, x)
        with pytest.raises(RuntimeError, match="cannot be empty"):
            L.autograd.grad(y.sum(), [])


def test_backward_of_tensor_without_grad_raises() -> None:
    for L in LIBS:
        with pytest.raises(RuntimeError, match="does not require grad"):
            L.ones(2).sum().backward()
        x = leaf(L, [1.0])
        with L.no_grad():
            y = x * 2
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.sum().backward()


def test_grad_wrt_tensor_not_requiring_grad_raises() -> None:
    for L in LIBS:
        x, c = leaf(L, [1.0, 2.0]), L.tensor([3.0, 4.0])
        y = (x * c).sum()
        with pytest.raises(RuntimeError, match="does not require grad"):
            L.autograd.grad(y, c)


def test_backward_twice_through_freed_graph_raises() -> None:
    for L in LIBS:
        x = leaf(L, [1.0, 2.0])
        y = (x.exp() * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        z = (x * x).sum()
        L.autograd.grad(z, x)
        with pytest.raises(RuntimeError, match="second time"):
            L.autograd.grad(z, x)


def test_retain_graph_and_accumulation() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [1.0, -2.0, 0.5])
        w = leaf(L, [0.3, 0.2, 0.1])
        y = (x.tanh() * w).sum()
        y.backward(retain_graph=True)
        first = (x.grad.clone(), w.grad.clone())
        gx = x.grad
        y.backward()  # accumulates, in place (references to .grad stay current)
        assert x.grad is gx
        (x * 3).sum().backward()
        return first, x.grad, w.grad

    b, t = both(run)
    same(b, t)
    np.testing.assert_allclose(npy(b[2]), 2 * npy(b[0][1]), rtol=1e-6)


def test_zeroing_grad_between_steps() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [1.0, 2.0])
        out = []
        for scale in (1.0, 2.0):
            x.grad = None
            (x * x * scale).sum().backward()
            out.append(x.grad)
        x.grad.zero_()
        (x * 5).sum().backward()
        out.append(x.grad)
        return out

    same(*both(run))


def test_assigning_grad_checks_it() -> None:
    for L in LIBS:
        x = leaf(L, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="dtype"):
            x.grad = L.zeros(2, dtype=L.float64)
        with pytest.raises(RuntimeError, match="size|shape"):
            x.grad = L.zeros(3)
        with pytest.raises(TypeError):
            x.grad = [1.0, 2.0]
        g = L.ones(2)
        x.grad = g
        assert x.grad is g
        x.grad = None
        assert x.grad is None


def test_backward_inputs_argument() -> None:
    def run(L: Any) -> Any:
        a, b = leaf(L, [1.0, 2.0]), leaf(L, [3.0, 4.0])
        (a * b).sum().backward(inputs=[a])
        return a.grad, b.grad

    same(*both(run))


def test_leaf_grads_do_not_alias() -> None:
    for L in LIBS:
        for create_graph in (False, True):
            a, b = leaf(L, [1.0, 2.0]), leaf(L, [3.0, 4.0])
            (a + b).sum().backward(create_graph=create_graph)
            assert a.grad is not b.grad
            assert a.grad.data_ptr() != b.grad.data_ptr()
            with L.no_grad():
                a.grad.mul_(2)
            assert b.grad.tolist() == [1.0, 1.0] and a.grad.tolist() == [2.0, 2.0]
        # the gradient handed to backward() is not stored as anybody's .grad either
        g = L.tensor([1.0, 1.0])
        a, b = leaf(L, [1.0, 2.0]), leaf(L, [3.0, 4.0])
        (a + b).backward(g)
        a.backward(g)
        assert a.grad.data_ptr() != g.data_ptr() and b.grad.data_ptr() != g.data_ptr()
        c = leaf(L, [1.0, 2.0])
        c.backward(g)
        assert c.grad is not g and c.grad.data_ptr() != g.data_ptr()
        # a leaf used through a broadcast or a view, and a non-leaf's retained grad
        d = leaf(L, [5.0])
        y = d + a
        y.retain_grad()
        (y + 0).sum().backward()
        assert y.grad.data_ptr() != a.grad.data_ptr()
        a.grad.zero_()
        assert y.grad.tolist() == [1.0, 1.0]


# -- retain_grad and hooks ---------------------------------------------------------------------------------

def test_retain_grad() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [1.0, 2.0, 3.0])
        y = x * 2
        z = y.exp()
        y.retain_grad()
        assert y.retains_grad and not z.retains_grad
        (z * y).sum().backward()
        return y.grad, x.grad

    same(*both(run))


def test_hooks_on_leaves_and_non_leaves() -> None:
    def run(L: Any) -> Any:
        seen = []
        x = leaf(L, [1.0, -2.0, 3.0])
        x.register_hook(lambda g: seen.append(("x", g.tolist())))
        hx = x.register_hook(lambda g: g * 2)  # replaces the leaf's gradient
        y = x * x
        y.register_hook(lambda g: seen.append(("y", g.tolist())))
        y.register_hook(lambda g: g + 1)  # changes what flows further back
        y.retain_grad()  # retain_grad's hook runs after the others: y.grad includes the + 1
        z = (y * x + x).sum()
        z.backward(retain_graph=True)
        first = x.grad.clone(), y.grad.clone()
        hx.remove()
        x.grad = None
        z.backward()
        return first, x.grad, seen

    b, t = both(run)
    same(b[0], t[0])
    same(b[1], t[1])
    assert b[2] == t[2]


def test_leaf_hook_sees_summed_gradient_once() -> None:
    def run(L: Any) -> Any:
        calls = []
        x = leaf(L, [1.0, 2.0])
        x.register_hook(lambda g: calls.append(g.tolist()))
        x.register_hook(lambda g: g.clamp(max=4.0))  # nonlinear: must see the total, not each part
        (x * 2 + x * 3).sum().backward()
        return calls, x.grad.tolist()

    assert both(run)[0] == both(run)[1]


def test_gradients_seen_by_hooks_are_not_stored_as_grad() -> None:
    def run(L: Any) -> Any:
        kept: list = []
        x, w = leaf(L, [1.0, 2.0]), leaf(L, [3.0, 4.0])
        x.register_hook(lambda g: kept.append(g))
        y = w + 0
        y.register_hook(lambda g: kept.append(g))  # this gradient reaches w unchanged
        (x * 3 + y).sum().backward(retain_graph=True)
        (x * 3 + y).sum().backward()  # accumulating into .grad must not change what the hooks kept
        return [k.tolist() for k in kept], x.grad, w.grad

    b, t = both(run)
    assert sorted(b[0]) == sorted(t[0])  # hooks on independent branches run in no specified order
    same(b[1:], t[1:])


def test_hook_on_tensor_without_grad_raises() -> None:
    for L in LIBS:
        with pytest.raises(RuntimeError):
            L.ones(2).register_hook(lambda g: g)


# -- higher derivatives ------------------------------------------------------------------------------------

FUNCS = {
    "cube_sin": lambda L, x: (x ** 3 * x.sin()).sum(),
    "exp_tanh": lambda L, x: (x.exp() * x.tanh()).sum(),
    "log_sigmoid": lambda L, x: ((x * x + 1).log() * x.sigmoid()).sum(),
    "softplus_like": lambda L, x: (1 + x.exp()).log().sum() / (x.pow(2).sum() + 1),
    "sqrt_div": lambda L, x: ((x * x + 0.5).sqrt() / (x.exp() + 1)).sum(),
    "matmul": lambda L, x: (x.reshape(2, 2) @ x.reshape(2, 2).t()).pow(2).sum(),
}


@pytest.mark.parametrize("name", list(FUNCS))
def test_second_and_third_derivatives_match_torch(name: str) -> None:
    f = FUNCS[name]

    def run(L: Any) -> Any:
        x = leaf(L, [0.5, -1.25, 2.0, 0.75], "float64")
        (g,) = L.autograd.grad(f(L, x), x, create_graph=True)
        (h,) = L.autograd.grad(g.sum(), x, create_graph=True)
        (k,) = L.autograd.grad((h * h).sum(), x)
        return g, h, k

    same(*both(run), rtol=1e-10, atol=1e-10)


def test_mixed_partials_and_grad_of_grad_via_backward() -> None:
    def run(L: Any) -> Any:
        x, y = leaf(L, [1.5], "float64"), leaf(L, [-0.5], "float64")
        f = (x * x * y.exp() + x.sin() * y).sum()
        gx, gy = L.autograd.grad(f, [x, y], create_graph=True)
        (gxy,) = L.autograd.grad(gx.sum(), y, retain_graph=True)
        (gyx,) = L.autograd.grad(gy.sum(), x, retain_graph=True)
        gx2 = L.autograd.grad(f, x, create_graph=True)[0]
        gx2.sum().backward()  # second derivative accumulated into .grad by backward()
        return gxy, gyx, x.grad, y.grad

    b, t = both(run)
    same(b, t, rtol=1e-12)
    assert b[0].item() == pytest.approx(b[1].item())


def test_allow_unused_and_materialize() -> None:
    for L in LIBS:
        x, u = leaf(L, [1.0, 2.0]), leaf(L, [3.0])
        y = (x * 2).sum()
        with pytest.raises(RuntimeError, match="allow_unused"):
            L.autograd.grad(y, [x, u], retain_graph=True)
        gx, gu = L.autograd.grad(y, [x, u], allow_unused=True, retain_graph=True)
        assert gu is None and gx.tolist() == [2.0, 2.0]
        gx, gu = L.autograd.grad(y, [x, u], materialize_grads=True)
        assert gu.tolist() == [0.0]


def test_grad_does_not_touch_dot_grad_and_accepts_grad_outputs() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [1.0, 2.0, 3.0])
        y = x * x
        (g,) = L.autograd.grad(y, x, grad_outputs=L.tensor([1.0, -1.0, 0.5]))
        assert x.grad is None and not g.requires_grad
        return g

    same(*both(run))


def test_grad_batched_grad_outputs_and_deprecated_only_inputs() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [1.0, 2.0, 3.0])
        w = leaf(L, [[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]])
        out = (w @ x).tanh()
        jac_x, jac_w = L.autograd.grad(out, (x, w), L.eye(2), is_grads_batched=True, create_graph=True)
        (second,) = L.autograd.grad((jac_x ** 2).sum(), w)  # differentiable, as with create_graph=True
        with pytest.warns(FutureWarning, match="only_inputs"):
            (g,) = L.autograd.grad((x * x).sum(), x, only_inputs=False)
        return jac_x, jac_w, second, g

    same(*both(run))
    with pytest.raises(RuntimeError, match="is_grads_batched"):
        bw.autograd.grad(leaf(bw, [1.0]).sum(), leaf(bw, [1.0]), is_grads_batched=True)


# -- grad modes --------------------------------------------------------------------------------------------

def test_grad_mode_context_managers() -> None:
    for L in LIBS:
        x = leaf(L, [1.0])
        with L.no_grad():
            assert not L.is_grad_enabled() and not (x * 2).requires_grad
            with L.enable_grad():
                assert L.is_grad_enabled() and (x * 2).requires_grad
            assert not L.is_grad_enabled()
        assert L.is_grad_enabled()
        with L.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert L.is_grad_enabled()
        L.set_grad_enabled(False)  # the function form acts at once
        assert not L.is_grad_enabled()
        L.set_grad_enabled(True)
        with L.inference_mode():
            assert not L.is_grad_enabled() and L.is_inference_mode_enabled()
            assert not (x * 2).requires_grad
        with L.inference_mode(False):
            assert L.is_grad_enabled() and not L.is_inference_mode_enabled()
        assert L.is_grad_enabled() and not L.is_inference_mode_enabled()
        with pytest.raises(ValueError):
            with L.no_grad():
                raise ValueError("the mode is restored on errors")
        assert L.is_grad_enabled()


def test_grad_mode_decorators() -> None:
    for L in LIBS:
        @L.no_grad()
        def a() -> bool:
            return L.is_grad_enabled()

        @L.no_grad
        def b() -> bool:
            return L.is_grad_enabled()

        @L.enable_grad()
        def c() -> bool:
            return L.is_grad_enabled()

        @L.set_grad_enabled(False)
        def d() -> bool:
            return L.is_grad_enabled()

        assert L.is_grad_enabled()  # decorating with set_grad_enabled(False) changes nothing yet

        @L.inference_mode()
        def e() -> tuple:
            return L.is_grad_enabled(), L.is_inference_mode_enabled()

        @L.inference_mode
        def f() -> tuple:
            return L.is_grad_enabled(), L.is_inference_mode_enabled()

        @L.no_grad()
        def gen() -> Any:
            yield L.is_grad_enabled()
            yield L.is_grad_enabled()

        assert (a(), b(), d(), e(), f()) == (False, False, False, (False, True), (False, True))
        with L.no_grad():
            assert c()
        it = gen()
        assert next(it) is False and L.is_grad_enabled() and next(it) is False
        assert a.__name__ == "a" and L.is_grad_enabled()


def test_grad_mode_is_thread_local() -> None:
    seen = []

    def worker() -> None:
        seen.append(bw.is_grad_enabled())

    with bw.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join()
    assert seen == [True]


# -- custom Functions --------------------------------------------------------------------------------------

def make_functions(L: Any) -> dict:
    """The same custom Functions written for either library."""
    F = L.autograd.Function

    class Cube(F):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class Exp(F):  # saves its output
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (y,) = ctx.saved_tensors
            return g * y

    class ExpStashOut(F):  # keeps its output on ctx: fine in both libraries
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            y = x.exp()
            ctx.y = y
            return y

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * ctx.y

    class Scale(F):  # non-tensor arguments, needs_input_grad, two outputs
        @staticmethod
        def forward(ctx: Any, x: Any, k: float, w: Any, tag: str) -> Any:
            ctx.k, ctx.tag, ctx.seen = k, tag, ctx.needs_input_grad
            ctx.save_for_backward(x, w)
            return x * k * w, x + w

        @staticmethod
        def backward(ctx: Any, ga: Any, gb: Any) -> Any:
            x, w = ctx.saved_tensors
            gx = ga * ctx.k * w + gb if ctx.needs_input_grad[0] else None
            gw = ga * ctx.k * x + gb if ctx.needs_input_grad[2] else None
            return gx, None, gw, None

    class SortIdx(F):  # a non-differentiable output
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            idx = x.argsort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return x[idx], idx

        @staticmethod
        def backward(ctx: Any, g: Any, gi: Any) -> Any:
            (idx,) = ctx.saved_tensors
            ctx.gi_seen = gi
            out = L.zeros_like(g)
            out[idx] = g
            return out

    class Split(F):  # two outputs; backward sees zeros (or None) for the unused one
        @staticmethod
        def forward(ctx: Any, x: Any, materialize: bool) -> Any:
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx: Any, ga: Any, gb: Any) -> Any:
            ctx.got = (ga, gb)
            ga = L.zeros(()) if ga is None else ga
            gb = L.zeros(()) if gb is None else gb
            return ga * 2 + gb * 3, None

    class Mul(F):  # new style: forward without ctx, then setup_context
        @staticmethod
        def forward(x: Any, y: Any) -> Any:
            return x * y

        @staticmethod
        def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            x, y = ctx.saved_tensors
            return g * y, g * x

    class Once(F):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @L.autograd.function.once_differentiable
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class WrongShape(F):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g[:1]

    class Broadcasting(F):  # a gradient the input broadcasts to is summed back
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return (g * 2).expand(3, *g.shape)

    class TooMany(F):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return x * 2

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * 2, g

    class Inplace(F):  # modifies its input and says so
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * 2

    return {c.__name__: c for c in (Cube, Exp, ExpStashOut, Scale, SortIdx, Split, Mul, Once, WrongShape,
                                    Broadcasting, TooMany, Inplace)}


FN = {L: make_functions(L) for L in LIBS}


@pytest.mark.parametrize("name", ["Cube", "Exp", "ExpStashOut"])
def test_function_first_and_second_derivatives(name: str) -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [0.5, -1.0, 1.5], "float64")
        y = FN[L][name].apply(x)
        assert y.grad_fn.name() == name + "Backward"
        (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = L.autograd.grad(g.sum(), x)
        return y, g, h

    b, t = both(run)
    same(b, t, rtol=1e-12)
    x = np.array([0.5, -1.0, 1.5])
    analytic = {"Cube": 6 * x, "Exp": np.exp(x), "ExpStashOut": np.exp(x)}[name]
    np.testing.assert_allclose(npy(b[2]), analytic, rtol=1e-12)


def test_function_non_tensor_args_needs_input_grad_and_two_outputs() -> None:
    def run(L: Any) -> Any:
        x, w = leaf(L, [1.0, 2.0]), L.tensor([0.5, -1.0])
        a, b = FN[L]["Scale"].apply(x, 3.0, w, "tag")
        assert a.grad_fn is b.grad_fn and a.requires_grad and b.requires_grad
        assert a.grad_fn.name() == "ScaleBackward"
        (a.sum() * 2 + (b * b).sum()).backward()
        return x.grad, a, b

    same(*both(run))
    for L in LIBS:
        x, w = leaf(L, [1.0]), leaf(L, [2.0])
        a, _ = FN[L]["Scale"].apply(x, 2.0, w.detach(), "t")
        assert _ctx(L, a).seen == (True, False, False, False)
        a, _ = FN[L]["Scale"].apply(x.detach(), 2.0, w, "t")
        assert _ctx(L, a).seen == (False, False, True, False)


def test_function_mark_non_differentiable() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [3.0, 1.0, 2.0])
        v, idx = FN[L]["SortIdx"].apply(x)
        assert not idx.requires_grad and v.requires_grad and idx.dtype == L.int64
        (v * L.tensor([1.0, 10.0, 100.0])).sum().backward()
        return x.grad, v

    same(*both(run))


@pytest.mark.parametrize("materialize", [True, False])
def test_function_materialize_grads(materialize: bool) -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [1.0, 2.0])
        a, b = FN[L]["Split"].apply(x, materialize)
        b.sum().backward()
        ga, gb = _ctx_got(L, a)
        return x.grad, ga, gb

    b, t = both(run)
    same(b, t)
    assert (b[1] is None) == (not materialize)


def _ctx(L: Any, out: Any) -> Any:
    """The ctx of the Function that produced ``out`` (PyTorch's grad_fn is the ctx itself)."""
    return out.grad_fn.ctx if L is bw else out.grad_fn


def _ctx_got(L: Any, out: Any) -> tuple:
    """The grads the Split Function's backward received (kept on its ctx)."""
    return _ctx(L, out).got


def test_function_setup_context_style() -> None:
    def run(L: Any) -> Any:
        x, y = leaf(L, [1.0, 2.0], "float64"), leaf(L, [3.0, -1.0], "float64")
        z = FN[L]["Mul"].apply(x, y)
        gx, gy = L.autograd.grad(z.sum(), [x, y], create_graph=True)
        (gxy,) = L.autograd.grad(gx.sum(), y)
        return z, gx, gy, gxy

    same(*both(run))


def test_once_differentiable_raises_on_double_backward() -> None:
    for L in LIBS:
        x = leaf(L, [1.0, 2.0], "float64")
        y = FN[L]["Once"].apply(x)
        y.sum().backward()
        assert x.grad.tolist() == [2.0, 4.0]
        y = FN[L]["Once"].apply(x)
        (g,) = L.autograd.grad((y * y).sum(), x, create_graph=True)  # y's gradient depends on y
        assert g.requires_grad
        with pytest.raises(RuntimeError, match="once_differentiable"):
            g.sum().backward()


def test_function_returning_wrong_shape_gradient() -> None:
    for L in LIBS:
        x = leaf(L, [1.0, 2.0, 3.0])
        with pytest.raises(RuntimeError) as err:
            FN[L]["WrongShape"].apply(x).sum().backward()
        msg = str(err.value)
        assert "WrongShapeBackward" in msg and "[1]" in msg and "[3]" in msg
        with pytest.raises(RuntimeError, match="incorrect number of gradients"):
            FN[L]["TooMany"].apply(x).sum().backward()
    b, t = both(lambda L: _broadcast_grad(L))
    same(b, t)


def _broadcast_grad(L: Any) -> Any:
    x = leaf(L, [1.0, 2.0])
    FN[L]["Broadcasting"].apply(x).sum().backward()
    return x.grad


def test_function_mark_dirty() -> None:
    def run(L: Any) -> Any:
        x = leaf(L, [1.0, 2.0])
        y = x * 1
        z = y + 1  # recorded before the in-place Function: keeps y's old history
        out = FN[L]["Inplace"].apply(y)
        assert out is y and y._version == 2 and y.grad_fn.name() == "InplaceBackward"
        (out * 3 + z).sum().backward()
        return x.grad, out

    same(*both(run))
    for L in LIBS:
        with pytest.raises(RuntimeError, match="leaf"):
            FN[L]["Inplace"].apply(leaf(L, [1.0]))


def _stash_functions(L: Any) -> tuple:
    F = L.autograd.Function

    class StashOnCtx(F):  # f(x) = x * sin(x), keeping sin(x) on ctx
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.x = x
            ctx.s = x.sin()
            return ctx.s * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * (ctx.s + ctx.x * ctx.x.cos())

    class SaveIntermediate(F):  # the same, saving sin(x) with save_for_backward
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            s = x.sin()
            ctx.save_for_backward(x, s)
            return s * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            x, s = ctx.saved_tensors
            return g * (s + x * x.cos())

    class SaveInputsOnly(F):  # the same, recomputing sin(x) from the saved input
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x.sin() * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * (x.sin() + x * x.cos())

    return StashOnCtx, SaveIntermediate, SaveInputsOnly


def test_stashed_intermediates_raise_at_double_backward_instead_of_wrong_answer() -> None:
    x0 = 0.7
    true_second = 2 * math.cos(x0) - x0 * math.sin(x0)
    stash, inter, inputs_only = _stash_functions(bw)
    for fn in (stash, inter):
        x = bw.tensor(x0, dtype=bw.float64, requires_grad=True)
        (g,) = bw.autograd.grad(fn.apply(x), x)  # first order is fine
        assert g.item() == pytest.approx(math.sin(x0) + x0 * math.cos(x0))
        with pytest.raises(RuntimeError, match="double backward") as err:
            bw.autograd.grad(fn.apply(x), x, create_graph=True)
        assert fn.__name__ in str(err.value)
    assert "ctx.s" in str(_double(stash)) and "intermediate" in str(_double(inter))
    x = bw.tensor(x0, dtype=bw.float64, requires_grad=True)
    (g,) = bw.autograd.grad(inputs_only.apply(x), x, create_graph=True)
    (h,) = bw.autograd.grad(g, x)
    assert h.item() == pytest.approx(true_second, rel=1e-12)
    # PyTorch returns a wrong second derivative for the same Function without complaint
    _, t_inter, _ = _stash_functions(torch)
    xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (gt,) = torch.autograd.grad(t_inter.apply(xt), xt, create_graph=True)
    assert torch.autograd.grad(gt, xt)[0].item() != pytest.approx(true_second, rel=1e-3)


def _double(fn: Any) -> Exception:
    x = bw.tensor(0.7, dtype=bw.float64, requires_grad=True)
    try:
        bw.autograd.grad(fn.apply(x), x, create_graph=True)
    except RuntimeError as e:
        return e
    raise AssertionError("expected an error")


def test_function_saved_tensor_modified_in_place_is_detected() -> None:
    for L in LIBS:
        x = leaf(L, [1.0, 2.0])
        y = x * 1
        z = FN[L]["Cube"].apply(y)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


def test_function_under_no_grad_records_nothing() -> None:
    for L in LIBS:
        x = leaf(L, [1.0])
        with L.no_grad():
            y = FN[L]["Cube"].apply(x)
        assert not y.requires_grad and y.grad_fn is None


# -- gradcheck ---------------------------------------------------------------------------------------------

def _checked_functions(L: Any) -> tuple:
    F = L.autograd.Function

    class Good(F):
        @staticmethod
        def forward(ctx: Any, x: Any, y: Any) -> Any:
            ctx.save_for_backward(x, y)
            return x * y.exp()

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            x, y = ctx.saved_tensors
            return g * y.exp(), g * x * y.exp()

    class WrongFirst(F):  # d/dx of x^2 given as x
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * x

    class WrongSecond(F):  # right first derivative of x^3, but written so its own derivative is wrong
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            (x,) = ctx.saved_tensors
            return g * 3 * x * x.detach()

    return Good, WrongFirst, WrongSecond


def test_gradcheck_and_gradgradcheck() -> None:
    for L in LIBS:
        good, wrong1, wrong2 = _checked_functions(L)
        x = leaf(L, [0.3, -0.7, 1.1], "float64")
        y = leaf(L, [0.2, 0.5, -0.4], "float64")
        assert L.autograd.gradcheck(good.apply, (x, y))
        assert L.autograd.gradgradcheck(good.apply, (x, y))
        assert L.autograd.gradcheck(lambda a: (a.sin() * a).sum(), (x,))
        assert L.autograd.gradgradcheck(lambda a: a.tanh() * a.exp(), (x,))
        with pytest.raises(RuntimeError, match="Jacobian mismatch"):
            L.autograd.gradcheck(wrong1.apply, (x,))
        assert not L.autograd.gradcheck(wrong1.apply, (x,), raise_exception=False)
        assert L.autograd.gradcheck(wrong2.apply, (x,))  # first order is right...
        with pytest.raises(RuntimeError, match="Jacobian mismatch"):
            L.autograd.gradgradcheck(wrong2.apply, (x,))  # ...the second is not


def test_gradients_take_their_inputs_dtype() -> None:
    # PyTorch casts a root gradient to its output's dtype and every gradient to its input's: a float32 leaf
    # promoted by cat, or given a float64 root gradient, gets a float32 .grad with the same values
    got = {}
    for L in LIBS:
        a = L.ones(2, 3, requires_grad=True)
        b = L.ones(2, 2, requires_grad=True)
        y = L.cat([a * 2, b.double()], 1)
        y.backward(L.arange(10, dtype=L.float32).reshape(2, 5))
        c = L.ones(3, requires_grad=True)
        (c * c).backward(L.tensor([1.0, 2.0, 3.0], dtype=L.float64))
        got[L] = (a.grad, b.grad, c.grad)
    for g, w in zip(got[bw], got[torch]):
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
        np.testing.assert_allclose(g.numpy(), w.numpy())


def test_arithmetic_gradients_on_repeated_and_broadcast_operands() -> None:
    # the first-order array paths (same shapes) and the recorded ones (broadcasting, numbers) against PyTorch
    def f(L: Any, x: Any, b: Any, v: Any) -> Any:
        y = x
        for _ in range(3):
            y = (y * b + b).relu() - b
        y = y / (b.exp() + 1.0) * 0.5 - v + 2.0 / (v * v + 1.0)
        return (y @ b.transpose(0, 1)).reshape(-1)[3:].sum() + y[1].sum()
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in [(4, 4), (4, 4), (4,)]]
    grads = {}
    for L in LIBS:
        ts = [L.tensor(a, requires_grad=True) for a in arrays]
        f(L, *ts).backward()
        grads[L] = [t.grad.numpy() for t in ts]
    for g, w in zip(grads[bw], grads[torch]):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_complex_root_gradient_of_another_dtype_raises_as_torch() -> None:
    for L in LIBS:
        x = L.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="same dtype"):
            (x * 2).backward(L.ones(2, dtype=L.complex64))
