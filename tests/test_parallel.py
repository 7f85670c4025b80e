"""Data parallelism (``brickwork.nn.parallel``) on four virtual CPU devices: scatter/gather, replicate,
parallel_apply in threads, the gradient all-reduce, and ``DataParallel`` steps that equal single-device steps.

The same code runs unchanged on several GPUs; here ``BRICKWORK_CPU_DEVICES=4`` (set per test) gives four
distinct devices with real copies between them. One test runs a whole step in a fresh process with the
variable set from the start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from typing import Any

import numpy as np
import pytest

import brickwork as bw
from brickwork import backends, nn
from brickwork.nn.parallel import (
    DataParallel,
    all_reduce_gradients,
    data_parallel,
    gather,
    parallel_apply,
    replicate,
    scatter,
    scatter_kwargs,
)

DEVS = ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]


@pytest.fixture(autouse=True)
def four(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKWORK_CPU_DEVICES", "4")


def _mlp() -> nn.Module:
    bw.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


def _close(a: Any, b: Any, what: str = "") -> None:
    np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().cpu().numpy(), rtol=1e-5, atol=1e-6,
                               err_msg=what)


# -- scatter and gather --------------------------------------------------------------------------------------------

def test_scatter_splits_nested_inputs_and_gather_joins_them() -> None:
    x, y = bw.arange(20.0).reshape(10, 2), bw.arange(10)
    parts = scatter((x, {"y": y, "k": 3}, [y]), DEVS)
    assert len(parts) == 4 and [p[0].shape[0] for p in parts] == [3, 3, 3, 1]
    for dev, (a, d, lst) in zip(DEVS, parts):
        assert str(a.device) == str(d["y"].device) == str(lst[0].device) == dev and d["k"] == 3
    assert [len(p) for p in scatter(bw.ones(2, 1), DEVS)] == [1, 1]  # fewer rows than devices: fewer chunks
    assert [c.shape for c in scatter(bw.ones(2, 6), DEVS[:3], dim=1)] == [bw.Size([2, 2])] * 3
    back = gather([p[0] for p in parts], "cpu:2")
    assert str(back.device) == "cpu:2" and back.tolist() == x.tolist()
    out = gather([{"a": (p[0], None)} for p in parts], "cpu")
    assert out["a"][1] is None and out["a"][0].device is backends.CPU and out["a"][0].shape == (10, 2)
    with pytest.warns(UserWarning, match="scalars"):
        assert gather([bw.tensor(1.0, device=d) for d in DEVS], "cpu:1").tolist() == [1.0] * 4
    args, kw = scatter_kwargs((x,), {"scale": 2}, DEVS[:2])
    assert len(args) == len(kw) == 2 and kw[1] == {"scale": 2}


def test_scatter_and_gather_are_differentiable() -> None:
    x = bw.randn(7, 3, requires_grad=True)
    parts = scatter(x, DEVS)
    out = gather([p * (i + 1) for i, p in enumerate(parts)], "cpu:0")
    out.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2 + [[2.0] * 3] * 2 + [[3.0] * 3] * 2 + [[4.0] * 3]


# -- replicate --------------------------------------------------------------------------------------------------

def test_replicate_copies_onto_devices_keeping_ties_and_sharing() -> None:
    shared = nn.Linear(3, 3)
    net = nn.Sequential(shared, nn.ReLU(), shared, nn.BatchNorm1d(3))
    net.add_module("head", nn.Linear(3, 3))
    net.head.weight = net[0].weight  # tied across modules
    reps = replicate(net, DEVS)
    assert len(reps) == 4 and reps[0] is not net and type(reps[1]) is nn.Sequential
    assert reps[0][0].weight is net[0].weight and reps[0][3].running_mean is net[3].running_mean  # source device
    for dev, r in zip(DEVS, reps):
        assert r[0] is r[2] and r.head.weight is r[0].weight, dev
        for name, t in list(r.named_parameters()) + list(r.named_buffers()):
            assert str(t.device) == dev, (dev, name)
        assert [n for n, _ in r.named_parameters()] == [n for n, _ in net.named_parameters()]
    assert reps[1][0].weight.grad_fn.name() == "ToCopyBackward0"  # differentiable copy
    assert str(net[0].weight.device) == "cpu:0" and list(net.named_parameters())[0][1] is net[0].weight

    leaves = replicate(net, DEVS[:2], detach=True)
    w = leaves[1][0].weight
    assert isinstance(w, nn.Parameter) and w.is_leaf and w.requires_grad and str(w.device) == "cpu:1"
    assert leaves[0][0].weight is not net[0].weight and leaves[0][0].weight.is_leaf


def test_replicate_refuses_uninitialized_lazy_modules() -> None:
    with pytest.raises(RuntimeError, match="not initialized yet.*run one forward pass"):
        replicate(nn.Sequential(nn.LazyLinear(2)), DEVS)


# -- parallel_apply ---------------------------------------------------------------------------------------------

class Meet(nn.Module):
    """Waits for every replica at a barrier: only finishes if the replicas really run at the same time."""

    def __init__(self, barrier: threading.Barrier, log: list) -> None:
        super().__init__()
        self.barrier, self.log = barrier, log
        self.w = nn.Parameter(bw.ones(1))

    def forward(self, x: bw.Tensor) -> bw.Tensor:
        self.barrier.wait(timeout=20)
        self.log.append((threading.current_thread().name, str(bw.get_default_device()), bw.is_grad_enabled()))
        return x * self.w


def test_parallel_apply_runs_replicas_at_once_on_their_devices() -> None:
    log: list = []
    net = Meet(threading.Barrier(4), log)
    reps = replicate(net, DEVS)
    outs = parallel_apply(reps, [bw.ones(2, device=d) * i for i, d in enumerate(DEVS)])
    assert [str(o.device) for o in outs] == DEVS and [o.tolist() for o in outs] == [[float(i)] * 2 for i in range(4)]
    assert sorted(d for _, d, _ in log) == DEVS and len({n for n, _, _ in log}) == 4 and all(g for _, _, g in log)
    log.clear()
    with bw.no_grad():
        outs = parallel_apply(replicate(net, DEVS, detach=True), [(bw.ones(1, device=d),) for d in DEVS])
    assert not any(g for _, _, g in log) and not any(o.requires_grad for o in outs)


def test_parallel_apply_raises_a_replicas_error_in_the_caller() -> None:
    net = nn.Linear(3, 2)
    reps = replicate(net, DEVS[:2])
    with pytest.raises(bw.backends.DeviceMismatchError) as info:
        parallel_apply(reps, [bw.ones(1, 3, device="cpu:0"), bw.ones(1, 3, device="cpu:0")])
    assert "replica 1 on device cpu:1" in "".join(getattr(info.value, "__notes__", []))
    with pytest.raises(ValueError, match="2 modules but 1 inputs"):
        parallel_apply(reps, [bw.ones(1, 3)])


# -- DataParallel: a step equals the single-device step ---------------------------------------------------------

@pytest.mark.parametrize("opt_name", ["sgd", "adam"])
@pytest.mark.parametrize("batch", [16, 10, 3])
def test_data_parallel_step_equals_single_device_step(opt_name: str, batch: int) -> None:
    make_opt = {"sgd": lambda ps: bw.optim.SGD(ps, lr=0.1, momentum=0.9),
                "adam": lambda ps: bw.optim.Adam(ps, lr=0.01)}[opt_name]
    single, model = _mlp(), _mlp()
    dp = DataParallel(model)  # every virtual device by default
    assert [str(d) for d in dp.device_ids] == DEVS and list(dp.state_dict())[0] == "module.0.weight"
    opt_a, opt_b = make_opt(single.parameters()), make_opt(model.parameters())
    bw.manual_seed(1)
    x, y = bw.randn(batch, 6), bw.randint(0, 3, (batch,))
    for step in range(3):
        opt_a.zero_grad()
        opt_b.zero_grad()
        la = nn.functional.cross_entropy(single(x), y)
        out = dp(x)
        assert str(out.device) == "cpu:0" and out.shape == (batch, 3)
        lb = nn.functional.cross_entropy(out, y)
        _close(la, lb, f"loss at step {step}")
        la.backward()
        lb.backward()
        for (name, p), q in zip(single.named_parameters(), model.parameters()):
            assert str(q.grad.device) == "cpu:0"
            _close(p.grad, q.grad, f"gradient of {name} at step {step}")
        opt_a.step()
        opt_b.step()
    for (name, p), q in zip(single.named_parameters(), model.parameters()):
        _close(p, q, f"{name} after 3 steps")


def test_data_parallel_options_and_errors() -> None:
    net = _mlp()
    x = bw.randn(8, 6)
    want = net(x)
    dp = DataParallel(net, device_ids=[0, 1, 2], output_device="cpu:3")
    assert [str(d) for d in dp.device_ids] == DEVS[:3]  # ints name virtual devices when there is no GPU
    out = dp(x)
    assert str(out.device) == "cpu:3"
    _close(out, want)

    class TwoArgs(nn.Module):
        def forward(self, x: bw.Tensor, scale: float = 1.0, *, shift: bw.Tensor | None = None) -> tuple:
            return x * scale + shift, {"rows": x.sum(1)}

    a, b = DataParallel(TwoArgs(), DEVS)(x, 2.0, shift=bw.ones(8, 6))
    _close(a, x * 2 + 1)
    _close(b["rows"], x.sum(1))
    tall = bw.randn(2, 8, 6)
    _close(DataParallel(net, DEVS, dim=1)(tall), net(tall))
    _close(data_parallel(net, x, DEVS[:2]), want)

    with pytest.raises(RuntimeError, match=r"parameters and buffers on device cpu:1 \(device_ids\[0\]\) but found "
                                            r"0\.weight on device cpu:0; move the model"):
        DataParallel(net, ["cpu:1", "cpu:2"])(x)
    one = DataParallel(nn.Linear(6, 2), ["cpu:2"])  # one device: the module is moved there, and called
    assert str(one.module.weight.device) == "cpu:2" and str(one(x.to("cpu:2")).device) == "cpu:2"


def test_data_parallel_without_devices_just_calls_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRICKWORK_CPU_DEVICES", "1")
    net = nn.Linear(3, 2)
    dp = DataParallel(net)
    assert dp.device_ids == [] and dp(bw.ones(2, 3)).shape == (2, 2)


def test_data_parallel_keeps_buffer_updates_of_the_first_device() -> None:
    bw.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    x = bw.randn(8, 4)
    ref = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    ref.load_state_dict(net.state_dict())
    DataParallel(net, DEVS[:2])(x)
    ref(x[:4])  # the first device's half of the batch
    _close(net[1].running_mean, ref[1].running_mean)
    assert int(net[1].num_batches_tracked) == 1
    net.eval()
    with bw.no_grad():
        _close(DataParallel(net, DEVS)(x), net(x))


def test_hand_written_data_parallel_with_all_reduce_equals_one_device() -> None:
    """The multi-GPU chapter's way: independent replicas, each device's loss backward, all-reduce, step."""
    single, model = _mlp(), _mlp()
    opt_a = bw.optim.SGD(single.parameters(), lr=0.05)
    opt_b = bw.optim.SGD(model.parameters(), lr=0.05)
    bw.manual_seed(2)
    x, y = bw.randn(12, 6), bw.randint(0, 3, (12,))
    for _ in range(2):
        opt_a.zero_grad()
        opt_b.zero_grad()
        (nn.functional.cross_entropy(single(x), y, reduction="sum") / 12).backward()
        reps = replicate(model, DEVS, detach=True)
        for r, (xs, ys) in zip(reps, scatter((x, y), DEVS)):
            (nn.functional.cross_entropy(r(xs), ys, reduction="sum") / 12).backward()
        all_reduce_gradients(reps, model)
        for r in reps[1:]:  # every replica holds the total
            for p, q in zip(r.parameters(), reps[0].parameters()):
                assert str(p.grad.device) == str(p.device)
                _close(p.grad, q.grad)
        opt_a.step()
        opt_b.step()
    for (name, p), q in zip(single.named_parameters(), model.parameters()):
        _close(p, q, name)
    with pytest.raises(ValueError, match="different numbers of parameters"):
        all_reduce_gradients([nn.Linear(2, 2), nn.Linear(2, 2, bias=False)])


def test_data_parallel_on_stand_in_gpus_sets_each_threads_device(fake_cuda: Any) -> None:
    net = _mlp().cuda(0)
    dp = DataParallel(net)
    assert [str(d) for d in dp.device_ids] == ["cuda:0", "cuda:1"]
    x = bw.randn(6, 6)
    out = dp(x.cuda())
    assert str(out.device) == "cuda:0" and 1 in fake_cuda.current  # replica 1's thread made cuda:1 current
    _close(out, _mlp()(x))
    out.sum().backward()
    assert str(net[0].weight.grad.device) == "cuda:0"


def test_whole_step_in_a_fresh_process_with_four_devices() -> None:
    code = textwrap.dedent("""
        import numpy as np, brickwork as bw
        from brickwork import nn
        from brickwork.nn.parallel import DataParallel
        def mlp():
            bw.manual_seed(0)
            return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
        a, b = mlp(), DataParallel(mlp())
        assert [str(d) for d in b.device_ids] == ["cpu:0", "cpu:1", "cpu:2", "cpu:3"]
        oa, ob = bw.optim.Adam(a.parameters(), 0.01), bw.optim.Adam(b.parameters(), 0.01)
        x, y = bw.randn(9, 5), bw.randn(9, 2)
        for o, m in ((oa, a), (ob, b)):
            ((m(x) - y) ** 2).mean().backward(); o.step()
        for p, q in zip(a.parameters(), b.module.parameters()):
            assert np.allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
        try:
            b.module[2].to("cpu:3"); b.module(x)
        except bw.backends.DeviceMismatchError as e:
            assert "In 2 (Linear) of Sequential" in str(e) and "cpu:3" in str(e), e
        print("ok")
    """)
    env = dict(os.environ, BRICKWORK_CPU_DEVICES="4")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
