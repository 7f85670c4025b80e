"""Devices: canonical names, placement and transfers, cross-device errors (with the module path), the default
device, ``Module.to`` with optimizer state, the CUDA API without a GPU, and the fused CuPy kernels' math.

Several devices are tested without a GPU in two ways: virtual CPU devices (``BRICKWORK_CPU_DEVICES=4``, set per
test with ``monkeypatch``: the count is read at call time) and a stand-in CUDA backend (``fake_cuda``: devices of
type ``'cuda'`` whose arrays are NumPy arrays, see ``tests/conftest.py``), which exercises the CUDA code paths that do not need CuPy itself.
Tests marked ``cuda`` run only where CuPy sees a GPU.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import threading
import types
from typing import Any

import numpy as np
import pytest

import brickwork as bw
from brickwork import backends, nn
from brickwork.backends import DeviceMismatchError, _fused
from brickwork.optim import optimizer as _optimizer
from brickwork.optim.adam import _adam
from brickwork.optim.sgd import _sgd


@pytest.fixture
def four(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four virtual CPU devices, cpu:0 (the host) ... cpu:3."""
    monkeypatch.setenv("BRICKWORK_CPU_DEVICES", "4")


@pytest.fixture
def one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The undivided CPU, whatever the environment."""
    monkeypatch.delenv("BRICKWORK_CPU_DEVICES", raising=False)


@pytest.fixture
def no_cupy(monkeypatch: pytest.MonkeyPatch) -> None:
    """CuPy's import fails, as on a machine without it (also on a GPU machine)."""
    def fail() -> Any:
        raise ImportError("No module named 'cupy'")

    monkeypatch.setattr(backends, "_import_cupy", fail)
    monkeypatch.setattr(backends, "_backends", {"cpu": backends._NUMPY})
    monkeypatch.setattr(backends, "_interned", {k: v for k, v in backends._interned.items() if k[0] == "cpu"})


# -- canonical devices ---------------------------------------------------------------------------------------

def test_cpu_device_is_canonical_and_interned(one: None) -> None:
    d = bw.device("cpu")
    assert d is bw.device(" CPU ") is bw.device("cpu:0") is bw.device("cpu", 0) is bw.device(d)
    assert str(d) == "cpu" and repr(d) == "device(type='cpu')" and d.type == "cpu" and d.index is None
    assert d == "cpu" and d == "cpu:0" and d != "cuda:7" and d != 3
    assert hash(d) == hash(bw.device("cpu")) and pickle.loads(pickle.dumps(d)) is d
    assert bw.ones(1).device is d and bw.ones(1).is_cpu and not bw.ones(1).is_cuda


@pytest.mark.parametrize("text,error,fragment", [
    ("tpu", RuntimeError, "Expected one of cpu, cuda"), ("gpu", RuntimeError, "write .cuda. for a GPU"), ("cuda:x", ValueError, "non-negative integer"),
    ("cpu:1", RuntimeError, "BRICKWORK_CPU_DEVICES"), ("cpu:-1", ValueError, "non-negative")])
def test_bad_device_strings_say_what_is_expected(one: None, text: str, error: type, fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        bw.device(text)
    with pytest.raises(TypeError, match="expected a string"):
        bw.device(1.5)


def test_virtual_devices_are_distinct_and_the_host_stays_one_object(four: None) -> None:
    host = bw.device("cpu")
    assert host is backends.CPU and str(host) == "cpu:0" and host.index == 0
    devs = [bw.device(f"cpu:{i}") for i in range(4)]
    assert devs[0] is host and len({id(d) for d in devs}) == 4 and [d.index for d in devs] == [0, 1, 2, 3]
    assert bw.device("cpu:2") is devs[2] and devs[2] == "cpu:2" and devs[2] != "cpu:1"
    with pytest.raises(RuntimeError, match="there are 4 CPU device"):
        bw.device("cpu:4")


def test_device_count_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    t = bw.ones(2)
    monkeypatch.setenv("BRICKWORK_CPU_DEVICES", "3")
    u = bw.ones(2, device="cpu:2")
    assert backends.cpu_device_count() == 3 and str(t.device) == "cpu:0" and t.device is bw.device("cpu")
    monkeypatch.setenv("BRICKWORK_CPU_DEVICES", "1")
    assert str(t.device) == "cpu" and (t + 1).device is bw.device("cpu:0")  # same host object throughout
    assert str(u.device) == "cpu:2" and (u * 2).device is u.device  # an existing virtual device keeps working
    monkeypatch.setenv("BRICKWORK_CPU_DEVICES", "zero")
    with pytest.raises(ValueError, match="positive integer"):
        backends.cpu_device_count()


# -- placement and transfers -----------------------------------------------------------------------------------

CREATORS = {
    "tensor": lambda d: bw.tensor([1.0, 2.0], device=d), "as_tensor": lambda d: bw.as_tensor([1, 2], device=d),
    "zeros": lambda d: bw.zeros(2, 3, device=d), "ones": lambda d: bw.ones(2, device=d),
    "empty": lambda d: bw.empty(2, device=d), "full": lambda d: bw.full((2,), 3.0, device=d),
    "arange": lambda d: bw.arange(4, device=d), "linspace": lambda d: bw.linspace(0, 1, 3, device=d),
    "logspace": lambda d: bw.logspace(0, 1, 3, device=d), "eye": lambda d: bw.eye(2, device=d),
    "rand": lambda d: bw.rand(2, device=d), "randn": lambda d: bw.randn(2, device=d),
    "randint": lambda d: bw.randint(0, 5, (3,), device=d), "randperm": lambda d: bw.randperm(4, device=d),
    "normal": lambda d: bw.normal(0.0, 1.0, (2,), device=d),
    "zeros_like": lambda d: bw.zeros_like(bw.ones(2), device=d),
    "ones_like": lambda d: bw.ones_like(bw.ones(2), device=d),
    "full_like": lambda d: bw.full_like(bw.ones(2), 5, device=d),
    "rand_like": lambda d: bw.rand_like(bw.ones(2), device=d),
    "new_zeros": lambda d: bw.ones(2).new_zeros(3, device=d),
    "new_tensor": lambda d: bw.ones(2).new_tensor([1.0], device=d),
}


@pytest.mark.parametrize("name", sorted(CREATORS))
def test_every_creation_function_takes_device(four: None, name: str) -> None:
    t = CREATORS[name]("cpu:2")
    assert str(t.device) == "cpu:2", name
    with bw.device("cpu:3"):  # and the default device
        assert str(CREATORS[name](None).device) == "cpu:3", name


def test_to_copies_between_devices_and_differentiates(four: None) -> None:
    x = bw.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cpu:1", non_blocking=True)
    assert str(y.device) == "cpu:1" and y.data_ptr() != x.data_ptr() and y.grad_fn.name() == "ToCopyBackward0"
    assert y.to("cpu:1") is y and x.to("cpu") is x and x.to(device="cpu:0") is x
    z = y.to("cpu:3", bw.float64)
    assert str(z.device) == "cpu:3" and z.dtype is bw.float64
    back = y.cpu()  # a virtual device's .cpu() goes to the host, like .to('cpu')
    assert back.device is bw.device("cpu") and back.data_ptr() != y.data_ptr()
    (z * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and x.grad.device is x.device
    assert bw.zeros(1).to(y).device is y.device  # to(tensor)


def test_cuda_methods_need_cupy(no_cupy: None) -> None:
    assert not bw.cuda.is_available() and bw.cuda.device_count() == 0
    assert str(bw.device("cuda")) == "cuda:0" and bw.device("cuda:3").index == 3  # a name, as in PyTorch
    for make in (lambda: bw.ones(2, device="cuda:0"), lambda: bw.ones(2).cuda(), lambda: bw.zeros(2, device="cuda"),
                 lambda: bw.ones(2).to("cuda"), lambda: nn.Linear(2, 2).cuda(), lambda: bw.tensor([1.0], device="cuda")):
        with pytest.raises(RuntimeError, match=r"CuPy could not be imported.*brickwork\[cuda12\]"):
            make()
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        bw.device("gpu")
    with pytest.raises(RuntimeError, match="no CUDA device is available"):
        bw.cuda.synchronize()
    with pytest.raises(RuntimeError, match="no CUDA device is available"):
        bw.cuda.set_device(0)
    assert bw.cuda.memory_allocated() == bw.cuda.max_memory_allocated() == bw.cuda.memory_reserved() == 0
    assert bw.cuda.memory_stats()["allocated_bytes.all.current"] == 0
    bw.cuda.empty_cache()
    bw.cuda.manual_seed_all(3)
    assert bw.device("cpu") != "cuda"  # comparing with an unavailable device is just False


def test_import_and_cpu_work_without_cupy() -> None:
    code = textwrap.dedent("""
        import sys
        sys.modules["cupy"] = None  # `import cupy` now raises ImportError, even where CuPy is installed
        import brickwork as bw
        from brickwork import nn
        assert not bw.cuda.is_available() and bw.cuda.device_count() == 0
        net = nn.Linear(3, 2); opt = bw.optim.Adam(net.parameters())
        net(bw.ones(4, 3)).sum().backward(); opt.step()
        try:
            bw.zeros(1, device="cuda")
        except RuntimeError as e:
            assert "pip install 'brickwork[cuda12]'" in str(e), e
        else:
            raise SystemExit("no error")
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


# -- mixing devices --------------------------------------------------------------------------------------------

def test_ops_on_two_devices_raise_naming_op_and_devices(four: None) -> None:
    a, b = bw.ones(2, 3, device="cpu:1"), bw.ones(2, 3, device="cpu:2")
    for fn, op in ((lambda: a + b, "add"), (lambda: a @ b.t(), "matmul"), (lambda: bw.cat([a, b]), "cat"),
                   (lambda: bw.where(a > 0, a, b), "where")):
        with pytest.raises(DeviceMismatchError) as info:
            fn()
        msg = str(info.value)
        assert msg.startswith(op) and "cpu:1" in msg and "cpu:2" in msg and ".to(device)" in msg, msg
        assert isinstance(info.value, RuntimeError) and info.value.op == op


def test_zero_dim_host_tensors_mix_with_other_devices(four: None) -> None:
    x = bw.ones(2, device="cpu:1")
    s = bw.tensor(2.0)  # 0-d on the host
    assert (x * s).device is x.device and (s * x).tolist() == [2.0, 2.0]
    with pytest.raises(DeviceMismatchError):  # a 0-d tensor on another virtual device acts like a GPU's
        x * bw.tensor(2.0, device="cpu:2")


def test_zero_dim_cpu_tensors_mix_with_gpu_tensors(fake_cuda: Any) -> None:
    g = bw.ones(2, device="cuda")
    assert (g + bw.tensor(1.0)).device is g.device and (bw.tensor(3.0) * g).tolist() == [3.0, 3.0]
    with pytest.raises(DeviceMismatchError, match="cuda:0"):
        g + bw.ones(2)
    with pytest.raises(DeviceMismatchError):
        bw.ones(2) + bw.tensor(1.0, device="cuda")  # a 0-d GPU tensor does not join a CPU op


class Scale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(bw.ones(3))
        self.register_buffer("shift", bw.zeros(3))

    def forward(self, x: bw.Tensor) -> bw.Tensor:
        return x * self.w + self.shift


def test_error_inside_a_model_names_module_path_parameter_and_fix(four: None) -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 3), Scale()))
    net[2][0].to("cpu:1")
    with pytest.raises(DeviceMismatchError) as info:
        net(bw.ones(2, 3))
    msg = str(info.value)
    assert msg.startswith("linear: expected all tensors to be on the same device"), msg
    assert "In 2.0 (Linear) of Sequential" in msg and "parameters 2.0.weight, 2.0.bias are on cpu:1" in msg, msg
    assert "the input is on cpu:0" in msg and "model.to('cpu:0')" in msg and "x.to('cpu:1')" in msg, msg
    assert msg.count(" In ") == 1 and info.value.module is net[2][0] and info.value.module_path == "2.0"

    net.to("cpu:0")
    net[2][1].register_buffer("shift", bw.zeros(3, device="cpu:3"))
    with pytest.raises(DeviceMismatchError, match=r"In 2\.1 \(Scale\) of Sequential: buffer 2\.1\.shift is on cpu:3"):
        net(bw.ones(2, 3))


def test_error_for_a_whole_model_on_another_device(four: None) -> None:
    conv = nn.Conv2d(1, 2, 3).to("cpu:2")
    with pytest.raises(DeviceMismatchError, match=r"conv2d \(weight\).*In Conv2d: parameters weight, bias are on "
                                                  r"cpu:2 but the input is on cpu:0"):
        conv(bw.ones(1, 1, 5, 5))
    with pytest.raises(DeviceMismatchError, match="the input is on cpu:2"):
        nn.Linear(2, 2)(bw.ones(1, 2, device="cpu:2"))


def test_error_for_a_tensor_made_inside_forward(four: None) -> None:
    class MakesOwn(nn.Module):
        def forward(self, x: bw.Tensor) -> bw.Tensor:
            return x + bw.ones(x.shape)  # forgot device=x.device

    with pytest.raises(DeviceMismatchError, match="create tensors inside forward with device=x.device"):
        nn.Sequential(MakesOwn())(bw.ones(2, device="cpu:1"))


def test_numpy_of_a_gpu_tensor_says_to_call_cpu(fake_cuda: Any) -> None:
    g = bw.arange(3, device="cuda")
    with pytest.raises(TypeError, match=r"tensor\.cpu\(\)\.numpy\(\)"):
        g.numpy()
    assert g.cpu().numpy().tolist() == [0, 1, 2] and g.tolist() == [0, 1, 2] and g.is_cuda


# -- CUDA API on stand-in devices -------------------------------------------------------------------------------

def test_cuda_devices_current_device_and_default(fake_cuda: Any) -> None:
    assert bw.cuda.is_available() and bw.cuda.device_count() == 2 and bw.cuda.current_device() == 0
    c0, c1 = bw.device("cuda:0"), bw.device("cuda:1")
    assert bw.device("cuda") is c0 and c0 == "cuda" and c0 == "cuda:0" and str(c0) == "cuda:0" and c1 != "cuda"
    assert bw.device(1) is c1
    with pytest.raises(RuntimeError, match="sees 2 CUDA device"):
        bw.device("cuda:2")
    bw.cuda.set_device(1)
    assert bw.device("cuda") is c1 and bw.ones(1).cuda().device is c1 and fake_cuda.current[-1] == 1
    bw.cuda.set_device("cuda:0")
    with bw.device("cuda:1"):  # the default device, and the current CUDA device inside the block
        assert bw.zeros(2).device is c1 and bw.cuda.current_device() == 1
    assert bw.zeros(2).device is backends.CPU and bw.cuda.current_device() == 0
    with bw.cuda.device(1):
        assert bw.cuda.current_device() == 1
    assert bw.cuda.current_device() == 0
    bw.cuda.synchronize("cuda:1")
    assert fake_cuda.synced == [1]


def test_transfers_between_gpus_and_module_cuda(fake_cuda: Any) -> None:
    x = bw.tensor([1.0, 2.0], requires_grad=True)
    y = x.cuda(1)
    z = y.to("cuda:0", bw.float64)
    assert str(y.device) == "cuda:1" and str(z.device) == "cuda:0" and z.dtype is bw.float64
    z.sum().backward()
    assert x.grad.device is backends.CPU and x.grad.tolist() == [1.0, 1.0]
    net = nn.Linear(2, 1)
    w = net.weight
    assert net.cuda(1) is net and net.weight is w and str(w.device) == "cuda:1"
    assert str(net(bw.ones(3, 2, device="cuda:1")).device) == "cuda:1"
    net.cpu()
    assert w.device is backends.CPU


# -- default device ---------------------------------------------------------------------------------------------

def test_default_device_context_nests_and_is_per_thread(four: None) -> None:
    seen = []
    with bw.device("cpu:1"):
        with bw.device("cpu:2"):
            assert str(bw.zeros(1).device) == "cpu:2"
            t = threading.Thread(target=lambda: seen.append(bw.zeros(1).device))
            t.start()
            t.join()
        assert str(bw.zeros(1).device) == "cpu:1" and bw.get_default_device() == "cpu:1"
    assert bw.zeros(1).device is backends.CPU and seen == [backends.CPU]
    bw.set_default_device("cpu:3")
    try:
        assert str(bw.randn(2).device) == "cpu:3" and str(nn.Linear(2, 2).weight.device) == "cpu:3"
    finally:
        bw.set_default_device(None)
    assert bw.get_default_device() is backends.CPU


# -- modules and optimizers ------------------------------------------------------------------------------------

def test_module_to_keeps_parameters_ties_and_grads(four: None) -> None:
    net = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    net[1].weight = net[0].weight  # tied
    net.add_module("bn", nn.BatchNorm1d(3))
    net(bw.ones(2, 3)).sum().backward()
    params = list(net.parameters())
    assert net.to("cpu:2") is net and list(net.parameters()) == params and net[1].weight is net[0].weight
    for name, t in list(net.named_parameters()) + list(net.named_buffers()):
        assert str(t.device) == "cpu:2", name
    assert all(str(p.grad.device) == "cpu:2" for p in net.parameters())
    assert str(net(bw.ones(2, 3, device="cpu:2")).device) == "cpu:2"


@pytest.mark.parametrize("make", [lambda ps: bw.optim.Adam(ps, lr=0.1, amsgrad=True),
                                  lambda ps: bw.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                                  lambda ps: bw.optim.RMSprop(ps, lr=0.01, momentum=0.5)],
                         ids=["adam", "sgd", "rmsprop"])
def test_optimizer_state_follows_model_to(four: None, make: Any) -> None:
    def run(move: bool) -> tuple[list, Any, Any]:
        bw.manual_seed(0)
        net = nn.Linear(3, 2)
        opt = make(net.parameters())
        x, out = bw.randn(4, 3), []
        for i in range(5):
            if move and i == 2:
                net.to("cpu:3")
                x = x.to("cpu:3")
            opt.zero_grad()
            (net(x) ** 2).mean().backward()
            opt.step()
            out.append(net.weight.detach().cpu().numpy().copy())
        return out, opt, net

    moved, opt, net = run(True)
    stay, _, _ = run(False)
    for a, b in zip(moved, stay):
        np.testing.assert_array_equal(a, b)
    for p in net.parameters():
        assert all(str(v.device) == "cpu:3" for k, v in opt.state[p].items() if k != "step" and
                   isinstance(v, bw.Tensor))


# -- fused CuPy kernels: the same lines run through NumPy --------------------------------------------------------

ADAM_CASES = [dict(maximize=m, wd=wd, decoupled=dc, amsgrad=a, beta1=b1)
              for m in (False, True) for wd, dc in ((0.0, False), (0.1, False), (0.1, True))
              for a in (False, True) for b1 in (0.9, 0.3)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ADAM_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_fused_adam_math_equals_the_numpy_update(case: dict, dtype: str) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(7).astype(dtype) for _ in range(4)] + [np.abs(rng.standard_normal(7)).astype(dtype)]
    arrays[3] = np.abs(arrays[3])
    if not case["amsgrad"]:
        arrays[4] = None
    lr, wd = 0.01, case["wd"]
    args = (case["maximize"], 0.0 if case["decoupled"] else wd, (1 - lr * wd) if case["decoupled"] else None,
            case["beta1"], 0.999, 1e-8, (1 - 0.999 ** 3) ** 0.5, lr / (1 - case["beta1"] ** 3))
    ref = [None if a is None else a.copy() for a in arrays]
    _adam(np, *ref, np.empty(7, dtype), np.empty(7, dtype), *args)
    spec, values = _fused.adam_spec(*arrays, *args)
    _fused.run_reference(spec, values)
    for k, (got, want) in enumerate(zip(arrays, ref)):
        if want is not None:
            np.testing.assert_array_equal(got, want, err_msg=f"array {k}")
    src = spec.c_source()
    assert src.count("T ") == sum(1 for t, _ in spec.lines if t not in spec.outputs), src


SGD_CASES = [dict(maximize=m, wd=wd, momentum=mo, dampening=d, nesterov=n, first=f)
             for m in (False, True) for wd in (0.0, 0.1) for mo, d, n in ((0.0, 0.0, False), (0.9, 0.0, False),
                                                                         (0.9, 0.2, False), (0.9, 0.0, True))
             for f in ((False, True) if mo else (False,))]


@pytest.mark.parametrize("case", SGD_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_fused_sgd_math_equals_the_numpy_update(case: dict) -> None:
    rng = np.random.default_rng(1)
    p, g, buf = (rng.standard_normal(5).astype(np.float32) for _ in range(3))
    buf = buf if case["momentum"] else None
    args = (0.05, case["wd"], case["momentum"], case["dampening"], case["nesterov"], case["maximize"], case["first"])
    ref = [p.copy(), g.copy(), None if buf is None else buf.copy()]
    _sgd(np, *ref, np.empty(5, np.float32), np.empty(5, np.float32), *args)
    spec, values = _fused.sgd_spec(p, g, buf, *args)
    _fused.run_reference(spec, values)
    np.testing.assert_array_equal(p, ref[0])
    np.testing.assert_array_equal(g, ref[1])  # the gradient is read only
    if buf is not None:
        np.testing.assert_array_equal(buf, ref[2])


def test_fused_kernels_are_used_only_with_cupy() -> None:
    arrays = (np.zeros(3, np.float32), np.ones(3, np.float32), None)
    assert not _fused.fused_update(_sgd, np, arrays, (0.1, 0.0, 0.0, 0.0, False, False, False))
    with pytest.raises(ValueError, match="read-only input 'g'"):
        _fused.Spec("bad", ("g",), ("p",), (), (("g", "g * 2"),)).c_source()


def test_optimizer_steps_through_the_fused_path_on_a_gpu_backend(monkeypatch: pytest.MonkeyPatch,
                                                                  install_fake_cuda: Any) -> None:
    """On a non-NumPy array module, ``Optimizer._update`` hands the update to ``fused_update``: with the fused
    lines run through NumPy there, Adam and SGD steps equal the CPU's bit for bit."""
    fakexp = types.ModuleType("fakexp")  # NumPy under another module object, so `xp is not np` as on CuPy
    fakexp.__dict__.update({k: v for k, v in np.__dict__.items() if not k.startswith("__")})
    install_fake_cuda(fakexp)
    calls = []

    def reference(kernel: Any, xp: Any, arrays: tuple, args: tuple) -> bool:
        spec, values = _fused._SPECS[f"{kernel.__module__}.{kernel.__qualname__}"](*arrays, *args)
        _fused.run_reference(spec, values)
        calls.append(spec.name)
        return True

    monkeypatch.setattr(_optimizer, "fused_update", reference)

    def run(dev: str, make: Any) -> np.ndarray:
        bw.manual_seed(0)
        net = nn.Linear(4, 3).to(dev)
        opt = make(net.parameters())
        x = bw.randn(5, 4).to(dev)
        for _ in range(3):
            opt.zero_grad()
            (net(x) ** 2).mean().backward()
            opt.step()
        return net.weight.detach().cpu().numpy()

    for make in (lambda ps: bw.optim.AdamW(ps, lr=0.1, amsgrad=True), lambda ps: bw.optim.SGD(ps, 0.1, 0.9)):
        np.testing.assert_array_equal(run("cuda", make), run("cpu", make))
    assert calls.count("adam") == 6 and calls.count("sgd") == 6


def test_pinned_extras_exist() -> None:
    with open(os.path.join(os.path.dirname(__file__), "..", "pyproject.toml")) as f:
        text = f.read()
    assert 'cuda12 = ["cupy-cuda12x' in text and 'cuda13 = ["cupy-cuda13x' in text


# -- on a real GPU (skipped elsewhere) ---------------------------------------------------------------------------

@pytest.mark.cuda
def test_gpu_training_step_matches_cpu() -> None:
    def step(dev: str) -> tuple[float, np.ndarray]:
        bw.manual_seed(0)
        net = nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.LayerNorm(16), nn.Linear(16, 4)).to(dev)
        opt = bw.optim.Adam(net.parameters(), lr=0.01)
        x, y = bw.randn(6, 8).to(dev), bw.randint(0, 4, (6,)).to(dev)
        loss = nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item(), net[0].weight.detach().cpu().numpy()

    (lc, wc), (lg, wg) = step("cpu"), step("cuda")
    assert abs(lc - lg) < 1e-5
    np.testing.assert_allclose(wg, wc, rtol=1e-5, atol=1e-6)


@pytest.mark.cuda
def test_gpu_devices_memory_and_numpy() -> None:
    assert bw.device("cuda") is bw.device(f"cuda:{bw.cuda.current_device()}")
    before = bw.cuda.memory_allocated()
    t = bw.ones(1 << 20, device="cuda")
    bw.cuda.synchronize()
    assert bw.cuda.memory_allocated() >= before + 4 << 20 and bw.cuda.max_memory_allocated() >= 4 << 20
    assert isinstance(bw.cuda.get_device_name(), str) and bw.cuda.mem_get_info()[1] > 0
    with pytest.raises(TypeError, match="cpu"):
        t.numpy()
    assert (t + bw.tensor(1.0)).device == "cuda"  # a 0-d CPU tensor joins


@pytest.mark.cuda
@pytest.mark.parametrize("which", ["adam", "adamw-amsgrad", "sgd-nesterov"])
def test_gpu_fused_updates_match_generic(which: str, monkeypatch: pytest.MonkeyPatch) -> None:
    make = {"adam": lambda ps: bw.optim.Adam(ps, lr=0.01),
            "adamw-amsgrad": lambda ps: bw.optim.AdamW(ps, lr=0.01, amsgrad=True),
            "sgd-nesterov": lambda ps: bw.optim.SGD(ps, lr=0.01, momentum=0.9, nesterov=True)}[which]

    def run() -> np.ndarray:
        bw.manual_seed(0)
        net = nn.Linear(32, 16).cuda()
        opt = make(net.parameters())
        x = bw.randn(8, 32, device="cuda")
        for _ in range(4):
            opt.zero_grad()
            (net(x) ** 2).mean().backward()
            opt.step()
        return net.weight.detach().cpu().numpy()

    fused = run()
    monkeypatch.setenv("BRICKWORK_FUSED", "0")
    np.testing.assert_allclose(fused, run(), rtol=1e-5, atol=1e-7)
