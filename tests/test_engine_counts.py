"""The backward engine's use counts: nodes count their uses as they are recorded, uses a pass cannot reach are
found by a walk of what is left, and leaves are counted only once a process has leaf hooks.

Every case runs twice: as a process without leaf hooks (leaf gradients delivered when the pass ends) and with the
leaf counting on (each leaf delivered as soon as its last use has sent its share); gradients are compared with
PyTorch's.
"""

from __future__ import annotations

from typing import Any

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork._tensor import LEAF_HOOKS


@pytest.fixture(params=["end of pass", "counted"])
def leaf_mode(request: Any) -> str:
    LEAF_HOOKS[0] = request.param == "counted"
    return request.param


def _both(fn: Any, *arrays: np.ndarray) -> None:
    """Run ``fn(lib, *leaves)`` (which calls backward) in both libraries; compare every leaf's gradient."""
    grads = []
    for lib in (bw, torch):
        leaves = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
        fn(lib, *leaves)
        grads.append([None if t.grad is None else np.asarray(t.grad.detach().numpy()) for t in leaves])
    for i, (gb, gt) in enumerate(zip(*grads)):
        assert (gb is None) == (gt is None), f"leaf {i}: brickwork {gb}, PyTorch {gt}"
        if gb is not None:
            np.testing.assert_allclose(gb, gt, rtol=1e-12, atol=1e-12, err_msg=f"leaf {i}")


_X = np.linspace(-1.0, 1.5, 6)
_W = np.linspace(0.5, 2.0, 6)


def test_a_use_the_pass_cannot_reach_is_walked_past(leaf_mode: str) -> None:
    def fn(lib: Any, x: Any) -> None:
        y = x * 2
        unused = y.sin()  # a second use of y that the backward below does not reach
        y.exp().sum().backward()
        del unused

    _both(fn, _X)


def test_a_root_with_other_uses(leaf_mode: str) -> None:
    def fn(lib: Any, x: Any) -> None:
        y = x * 3
        z = y * y  # y's node has two recorded uses, neither reached from y itself
        y.sum().backward()
        del z

    _both(fn, _X)


def test_roots_that_depend_on_each_other(leaf_mode: str) -> None:
    def fn(lib: Any, x: Any, w: Any) -> None:
        y = (x * w).tanh()
        z = (y * w).sum()
        lib.autograd.backward([y, z], [lib.ones_like(y), lib.tensor(2.0, dtype=y.dtype)])

    _both(fn, _X, _W)


def test_shared_trunk_backward_twice(leaf_mode: str) -> None:
    def fn(lib: Any, x: Any, w: Any) -> None:
        trunk = (x * w).exp()
        a, b = (trunk * 2).sum(), (trunk.sin() * w).sum()
        a.backward(retain_graph=True)
        b.backward()

    _both(fn, _X, _W)


def test_a_leaf_used_many_times_and_second_derivatives(leaf_mode: str) -> None:
    def fn(lib: Any, x: Any, w: Any) -> None:
        y = x
        for _ in range(5):
            y = (y * w + w).tanh() - w
        (g,) = lib.autograd.grad(y.sum(), w, create_graph=True)
        (g * g).sum().backward()

    _both(fn, _X, _W)


def test_gradient_of_an_intermediate(leaf_mode: str) -> None:
    for lib in (bw, torch):
        x = lib.tensor(_X.copy(), requires_grad=True)
        mid = x.exp()
        out = (mid * mid).sum() + mid.sum()
        (g,) = lib.autograd.grad(out, mid)
        if lib is bw:
            got = g.numpy()
        else:
            np.testing.assert_allclose(got, g.numpy(), rtol=1e-12)


def test_leaf_hooks_switch_on_counting_and_fire_as_soon_as_complete() -> None:
    LEAF_HOOKS[0] = False
    events: list[str] = []
    x = bw.tensor(_X.copy(), requires_grad=True)
    w_late = bw.tensor(_W.copy(), requires_grad=True)  # used last in forward: complete first in backward
    h = w_late.register_post_accumulate_grad_hook(lambda p: events.append("w_late"))
    assert LEAF_HOOKS[0], "registering a leaf hook must switch on leaf counting"
    y = (x * 2).exp()
    y.register_hook(lambda g: events.append("y"))  # a node hook, run when y's node is reached
    (y * w_late).sum().backward()
    assert events == ["w_late", "y"], events  # the leaf was delivered before the earlier part of the graph ran
    np.testing.assert_allclose(w_late.grad.numpy(), np.exp(2 * _X))
    h.remove()


def test_a_leaf_hook_sees_the_total() -> None:
    seen = []
    w = bw.tensor(_W.copy(), requires_grad=True)
    w.register_hook(lambda g: seen.append(g.numpy().copy()))
    ((w * 2).sum() + (w * 3).sum() + (w * w).sum()).backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 5 + 2 * _W)


def test_an_undercounted_node_raises_instead_of_running_early() -> None:
    LEAF_HOOKS[0] = False  # (with leaf counting on, the walk counts every use and the record is not read)
    x = bw.tensor(_X.copy(), requires_grad=True)
    y = x * 2
    out = (y.exp() + y.sin()).sum()
    y.grad_fn._uses = 1  # as if an edge had been made without counting it
    with pytest.raises(RuntimeError, match="more gradients than uses"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # detect_anomaly's warning that it is slow
        with bw.autograd.detect_anomaly():  # every count checked
            out.backward()


def test_an_undercounted_node_that_saved_tensors_raises_on_its_second_run() -> None:
    LEAF_HOOKS[0] = False
    x = bw.tensor(_X.copy(), requires_grad=True)
    y = x * x
    out = (y.exp() + y.sin()).sum()
    y.grad_fn._uses = 1  # its first use runs it with that use's gradient alone, the second finds it freed
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.backward()
