"""The CuPy stand-in: strict where CuPy is strict, and brickwork's GPU code paths run on it in CI.

Marked ``standin``: they start subprocesses with ``BRICKWORK_CUDA_STANDIN=1`` and run in the default suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from brickwork.testing import cupy_standin

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "BRICKWORK_CUDA_STANDIN": "1", "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
pytestmark = pytest.mark.standin


def test_numpy_refuses_standin_arrays_and_standin_refuses_numpy_arrays() -> None:
    cp = cupy_standin.module()
    a = cp.arange(4.0)
    assert not isinstance(a, np.ndarray) and type(a).__module__.startswith("cupy")
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    with pytest.raises(TypeError):
        np.exp(a)
    with pytest.raises(TypeError):
        np.concatenate([a, a])
    with pytest.raises(TypeError, match="NumPy array"):
        cp.maximum(a, np.ones(4))
    with pytest.raises(TypeError, match="NumPy array"):
        a + np.ones(4)
    assert cp.asnumpy(cp.exp(a) * 2 + 1).tolist() == (np.exp(np.arange(4.0)) * 2 + 1).tolist()
    b = cp.asarray(np.ones(3))
    b += 1
    assert b.get().tolist() == [2.0, 2.0, 2.0] and isinstance(b.sum(), cp.ndarray)


def test_unemulated_api_and_kernels_say_so() -> None:
    cp = cupy_standin.module()
    with pytest.raises(AttributeError, match="does not emulate cupy.errstate"):
        cp.errstate
    with pytest.raises(AttributeError, match="does not emulate"):
        cp.add.at
    with pytest.raises(RuntimeError, match="cannot compile"):
        cp.ElementwiseKernel("T x", "T y", "y = x", "k")(cp.ones(1))
    with cp.cuda.Device(1):
        assert cp.cuda.get_device_id() == 1 and cp.ones(1).device.id == 1
    assert cp.cuda.get_device_id() == 0


def _run(code: str, timeout: int = 600) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, cwd=ROOT,
                       timeout=timeout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r.stdout


def test_training_with_every_optimizer_on_cuda_matches_cpu() -> None:
    out = _run("""
import numpy as np, brickwork as bw
from brickwork import nn
assert bw.cuda.is_available() and bw.cuda.device_count() == 2
for name, kw in [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)), ("Adam", dict(lr=1e-2)),
                 ("AdamW", dict(lr=1e-2, amsgrad=True)), ("RMSprop", dict(lr=1e-2, momentum=0.5)),
                 ("Adagrad", dict(lr=0.1))]:
    params = {}
    for dev in ("cpu", "cuda:1"):
        bw.manual_seed(0)
        net = nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 3)).to(dev)
        opt = getattr(bw.optim, name)(net.parameters(), **kw)
        x = bw.tensor(np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)).to(dev)
        y = bw.tensor([0, 1, 2, 1, 0]).to(dev)
        for _ in range(4):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        params[dev] = [p.detach().cpu().numpy() for p in net.parameters()]
        assert all(p.device == bw.device(dev) for p in net.parameters())
    for a, b in zip(params["cpu"], params["cuda:1"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    print(name, "ok")
""")
    assert out.split() == ["SGD", "ok", "Adam", "ok", "AdamW", "ok", "RMSprop", "ok", "Adagrad", "ok"]


def test_op_table_and_layer_suite_on_cuda() -> None:
    r = subprocess.run([sys.executable, "-m", "pytest", "tests/test_op_table.py", "tests/test_layers.py", "-q",
                        "-x", "-p", "no:warnings", "-p", "no:cacheprovider", "-k", "cuda"],
                       capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=1500)
    assert r.returncode == 0, r.stdout[-4000:]
    assert "[100%]" in r.stdout and "F" not in "".join(ln for ln in r.stdout.splitlines() if "%]" in ln)


def test_gpu_example_and_gpu_check_dry_run() -> None:
    _run(open(ROOT / "examples" / "07_gpus.py").read())
    r = subprocess.run(["bash", "benchmarks/gpu_check.sh", "--dry-run"], capture_output=True, text=True,
                       env={**ENV, "PYTHON": sys.executable}, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "| MLP 784-256-10" in r.stdout and "gpu_check: wrote" in r.stdout
