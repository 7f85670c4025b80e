"""Graph memory: after backward a held loss keeps no activation alive (nodes keep edges, not inputs);
the engine's end-of-backward callbacks and post-accumulate-grad hooks (what DistributedDataParallel needs)."""

from __future__ import annotations

import gc
import resource
import weakref

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import nn


def _activations(x: bw.Tensor, w: bw.Tensor) -> tuple[bw.Tensor, list]:
    h1 = x @ w
    h2 = h1 * h1  # saves h1 twice
    h3 = h2.tanh()  # saves its output
    h4 = h3.exp() * h2  # saves h3.exp() and h2
    loss = h4.sum()
    # h3 itself may die early (tanh keeps only its output's array), the rest is saved as tensors
    return loss, [weakref.ref(h1), weakref.ref(h2), weakref.ref(h1._data), weakref.ref(h2._data),
                  weakref.ref(h3._data)]


def test_held_loss_keeps_no_activation_after_backward() -> None:
    x = bw.randn(8, 16, requires_grad=True)
    w = bw.randn(16, 32, requires_grad=True)
    loss, refs = _activations(x, w)
    gc.collect()
    assert all(r() is not None for r in refs), "activations must live until backward (the graph needs them)"
    loss.backward()
    gc.collect()
    assert [r() is None for r in refs] == [True] * len(refs), "a held loss kept activations alive"
    assert loss.grad_fn is not None and loss.grad_fn.name() == "SumBackward0"
    assert x.grad is not None and w.grad is not None


def test_retain_graph_keeps_activations_and_second_backward_is_an_error_without_it() -> None:
    x = bw.randn(4, 4, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * x.detach().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    t = torch.randn(4, 4, requires_grad=True)  # torch's type for the same misuse
    ty = (t * t).sum()
    ty.backward()
    with pytest.raises(RuntimeError):
        ty.backward()


def test_a_node_holds_edges_not_inputs() -> None:
    a = bw.ones(3, requires_grad=True)
    b = a * 2
    c = b + 1
    node = c.grad_fn
    assert not hasattr(node, "inputs")
    assert node.next_functions[0][0] is b.grad_fn
    del b
    gc.collect()
    assert node.next_functions[0][0].name() == "MulBackward0"  # the edge outlives the tensor


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2 ** 20


def test_holding_every_loss_of_a_training_loop_stays_bounded() -> None:
    bw.manual_seed(0)
    net = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    opt = bw.optim.SGD(net.parameters(), lr=1e-3)
    x, y = bw.randn(256, 784), bw.randint(0, 10, (256,))
    losses = []
    running = bw.tensor(0.0)
    for step in range(60):
        if step == 10:
            gc.collect()
            start = _rss_mb()
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss)  # what many scripts do: keep the loss tensor, graph and all
        running = running + loss  # and this, which chains every graph together
    gc.collect()
    grown = _rss_mb() - start
    # each step's activations are ~5 MB: 50 leaked steps would be ~250 MB
    assert grown < 60, f"RSS grew by {grown:.0f} MB while holding the losses"


def test_post_accumulate_grad_hook_runs_after_the_grad_is_complete() -> None:
    w = bw.ones(3, requires_grad=True)
    seen: list = []
    h = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    ((w * 2).sum() + (w * 3).sum()).backward()  # two uses: the hook sees the sum, once
    assert seen == [[5.0, 5.0, 5.0]]
    (w * 1).sum().backward()
    assert seen[-1] == [6.0, 6.0, 6.0]  # after accumulation into the existing .grad
    h.remove()
    (w * 1).sum().backward()
    assert len(seen) == 2
    tw = torch.ones(3, requires_grad=True)  # the same sequence in torch
    tseen: list = []
    tw.register_post_accumulate_grad_hook(lambda p: tseen.append(p.grad.tolist()))
    ((tw * 2).sum() + (tw * 3).sum()).backward()
    (tw * 1).sum().backward()
    assert tseen == seen
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    with pytest.raises(RuntimeError):
        (tw * 2).register_post_accumulate_grad_hook(lambda p: None)


def test_leaf_hooks_fire_before_backward_ends_and_callbacks_after() -> None:
    a = bw.ones(2, requires_grad=True)
    b = bw.ones(2, requires_grad=True)
    order: list = []
    a.register_post_accumulate_grad_hook(lambda p: order.append("a"))
    b.register_post_accumulate_grad_hook(
        lambda p: (order.append("b"), bw.autograd.queue_callback(lambda: order.append(("end", a.grad is not None)))))
    y = (a * 2).exp()  # a's gradient is ready only after exp and mul ran
    z = (y * b).sum()
    z.backward()
    assert order[-1] == ("end", True) and set(order[:-1]) == {"a", "b"}
    # torch's spelling reaches the same engine
    c = bw.ones(1, requires_grad=True)
    got: list = []
    c.register_hook(lambda g: bw.autograd.Variable._execution_engine.queue_callback(lambda: got.append(1)))
    (c * 3).sum().backward()
    assert got == [1]
    with pytest.raises(RuntimeError, match="during the backward pass"):
        bw.autograd.queue_callback(lambda: None)
