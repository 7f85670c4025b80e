"""brickwork.kernels: every compiled kernel against its reference and against PyTorch; the registry's switches.

Shapes stay small: Numba compiles each kernel once per dtype (cached on disk, so reruns are fast).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import kernels
from brickwork.kernels import norm as _norm  # noqa: F401  (registers the norm kernels)

_rng = np.random.default_rng(0)


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a)).requires_grad_(True)


def _torch_grads(out, inputs, g):
    grads = torch.autograd.grad(out, inputs, torch.from_numpy(g))
    return [x.numpy() for x in grads]


# -- cases: (kernel name, build(dtype) -> args, torch(args) -> expected outputs (None entries are not compared)) --

def _norm_args(shape, nparams, dtype, backward):
    x = _rng.standard_normal(shape).astype(dtype) * 2 + 0.5
    w = _rng.standard_normal(nparams).astype(dtype)
    b = _rng.standard_normal(nparams).astype(dtype)
    return x, w, b


def _layer_fwd(dtype):
    x, w, b = _norm_args((5, 16), 16, dtype, False)
    return (x, w, b, 1e-5)


def _layer_fwd_torch(x, w, b, eps):
    y, mean, rstd = torch.native_layer_norm(torch.from_numpy(x), [x.shape[1]], torch.from_numpy(w),
                                            torch.from_numpy(b), eps)
    return y.numpy(), mean.numpy()[:, 0], rstd.numpy()[:, 0]


def _layer_bwd(dtype):
    x, w, _ = _norm_args((5, 16), 16, dtype, True)
    _, mean, rstd = kernels.norm.layer_norm_forward.reference(np, x, w, None, 1e-5)
    return (_rng.standard_normal(x.shape).astype(dtype), x, mean, rstd, w, True, True, True)


def _layer_bwd_torch(g, x, mean, rstd, w, *_):
    xt, wt, bt = _t(x), _t(w), _t(np.zeros_like(w))
    return _torch_grads(torch.nn.functional.layer_norm(xt, (x.shape[1],), wt, bt, 1e-5), (xt, wt, bt), g)


def _batch_fwd(dtype):
    x, w, b = _norm_args((4, 3, 7), 3, dtype, False)
    return (x, w, b, 1e-5)


def _batch_fwd_torch(x, w, b, eps):
    y = torch.nn.functional.batch_norm(torch.from_numpy(x), None, None, torch.from_numpy(w), torch.from_numpy(b),
                                       True, 0.1, eps)
    xt = torch.from_numpy(x)
    var = xt.var(dim=(0, 2), unbiased=False)
    return y.numpy(), xt.mean(dim=(0, 2)).numpy(), var.numpy(), (var + eps).rsqrt().numpy()


def _batch_bwd(dtype):
    x, w, _ = _norm_args((4, 3, 7), 3, dtype, True)
    _, mean, _, rstd = kernels.norm.batch_norm_forward.reference(np, x, w, None, 1e-5)
    return (_rng.standard_normal(x.shape).astype(dtype), x, mean, rstd, w, True, True, True)


def _batch_bwd_torch(g, x, mean, rstd, w, *_):
    xt, wt, bt = _t(x), _t(w), _t(np.zeros_like(w))
    return _torch_grads(torch.nn.functional.batch_norm(xt, None, None, wt, bt, True, 0.1, 1e-5), (xt, wt, bt), g)


def _group_fwd(dtype):
    x, w, b = _norm_args((2, 3, 2, 5), 6, dtype, False)
    return (x, w, b, 1e-5)


def _group_fwd_torch(x, w, b, eps):
    n, g, k, l = x.shape
    y, mean, rstd = torch.native_group_norm(torch.from_numpy(x.reshape(n, g * k, l)), torch.from_numpy(w),
                                            torch.from_numpy(b), n, g * k, l, g, eps)
    return y.numpy().reshape(x.shape), mean.numpy(), rstd.numpy()


def _group_bwd(dtype):
    x, w, _ = _norm_args((2, 3, 2, 5), 6, dtype, True)
    _, mean, rstd = kernels.norm.group_norm_forward.reference(np, x, w, None, 1e-5)
    return (_rng.standard_normal(x.shape).astype(dtype), x, mean, rstd, w, True, True, True)


def _group_bwd_torch(g, x, mean, rstd, w, *_):
    n, groups, k, l = x.shape
    xt, wt, bt = _t(x.reshape(n, groups * k, l)), _t(w), _t(np.zeros_like(w))
    y = torch.nn.functional.group_norm(xt, groups, wt, bt, 1e-5)
    gx, gw, gb = _torch_grads(y, (xt, wt, bt), g.reshape(n, groups * k, l))
    return gx.reshape(x.shape), gw, gb


CASES = {
    "layer_norm_forward": (_layer_fwd, _layer_fwd_torch),
    "layer_norm_backward": (_layer_bwd, _layer_bwd_torch),
    "batch_norm_forward": (_batch_fwd, _batch_fwd_torch),
    "batch_norm_backward": (_batch_bwd, _batch_bwd_torch),
    "group_norm_forward": (_group_fwd, _group_fwd_torch),
    "group_norm_backward": (_group_bwd, _group_bwd_torch),
}

_TOL = {np.float32: 2e-5, np.float64: 1e-10}


def _close(got, want, dtype, what):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, (tuple, list)) else (want,)
    assert len(got) == len(want), what
    for i, (a, b) in enumerate(zip(got, want)):
        if b is None or a is None:
            assert a is None or b is None or a is b, f"{what}: output {i}"
            continue
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == np.dtype(dtype), f"{what}: output {i} {a.shape} {a.dtype}"
        tol = _TOL[dtype] * max(1.0, float(np.abs(b).max(initial=0.0)))
        np.testing.assert_allclose(a, b, rtol=0, atol=tol, err_msg=f"{what}: output {i}")


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_matches_reference_and_torch(name, dtype):
    kernel = kernels.get(name)
    compiled = kernel.compiled()
    assert compiled is not None, f"{name}: Numba kernel did not load"
    build, torch_ref = CASES[name]
    args = build(dtype)
    want = kernel.reference(np, *_copy(args))
    got = compiled(*_copy(args))
    _close(got, want, dtype, f"{name} kernel vs reference")
    if torch_ref is not None:
        _close(got, tuple(torch_ref(*_copy(args))), dtype, f"{name} kernel vs torch")


def test_every_compiled_kernel_has_a_case():
    from test_kernels_conv_rnn import TESTED as tested_elsewhere  # convolution and recurrent kernels

    missing = [n for n, k in kernels.registry().items() if k.has_cpu and n not in CASES and n not in tested_elsewhere]
    assert not missing, f"kernels without a test case in tests/test_kernels.py: {missing}"


def test_reference_mode_runs_the_reference():
    k = kernels.get("layer_norm_forward")
    x = np.ones((2, 3))
    calls = []
    ref = k.reference
    try:
        k.reference = lambda xp, *a: calls.append(1) or ref(xp, *a)
        with kernels.use_mode("reference"):
            k(np, x, None, None, 1e-5)
        assert calls == [1]
        k(np, x, None, None, 1e-5)  # auto: the compiled kernel
        assert calls == [1]
    finally:
        k.reference = ref
    with pytest.raises(ValueError, match="kernel mode"):
        kernels.set_mode("fast")


def test_import_does_not_load_numba_and_env_forces_reference():
    code = ("import sys, brickwork, brickwork.nn, brickwork.optim; from brickwork import kernels; "
            "print('numba' in sys.modules, kernels.mode())")
    env = dict(os.environ, BRICKWORK_KERNELS="reference", PYTHONPATH=os.getcwd())
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "reference"]


def test_set_num_threads_sets_kernels_and_blas():
    from brickwork.kernels import _blas, _numba

    old = bw.get_num_threads()
    try:
        bw.set_num_threads(1)
        assert bw.get_num_threads() == 1
        if _blas.get_num_threads() is not None:
            assert _blas.get_num_threads() == 1
        nb = _numba()
        assert nb is None or nb.get_num_threads() == 1
    finally:
        bw.set_num_threads(old)
    with pytest.raises(RuntimeError, match="positive integer"):
        bw.set_num_threads(0)


def test_registering_a_name_twice_is_an_error():
    with pytest.raises(ValueError, match="already registered"):
        kernels.Kernel("layer_norm_forward", lambda xp: None)
