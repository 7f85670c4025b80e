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
    x, w, b = _norm_args((5, 2, 8), 16, dtype, False)
    return (x, (5, 16), w, b, 1e-5)


def _layer_fwd_torch(x, view, w, b, eps):
    x = x.reshape(view)
    y, mean, rstd = torch.native_layer_norm(torch.from_numpy(x), [x.shape[1]], torch.from_numpy(w),
                                            torch.from_numpy(b), eps)
    return y.numpy().reshape(5, 2, 8), mean.numpy()[:, 0], rstd.numpy()[:, 0]


def _layer_bwd(dtype):
    x, w, _ = _norm_args((5, 16), 16, dtype, True)
    _, mean, rstd = kernels.norm.layer_norm_forward.reference(np, x, (5, 16), w, None, 1e-5)
    return (_rng.standard_normal(x.shape).astype(dtype), x, (5, 16), mean, rstd, w, True, True, True)


def _layer_bwd_torch(g, x, view, mean, rstd, w, *_):
    xt, wt, bt = _t(x), _t(w), _t(np.zeros_like(w))
    return _torch_grads(torch.nn.functional.layer_norm(xt, (x.shape[1],), wt, bt, 1e-5), (xt, wt, bt), g)


def _batch_fwd(dtype):
    x, w, b = _norm_args((4, 3, 7), 3, dtype, False)
    return (x, (4, 3, 7), w, b, 1e-5)


def _batch_fwd_torch(x, view, w, b, eps):
    y = torch.nn.functional.batch_norm(torch.from_numpy(x), None, None, torch.from_numpy(w), torch.from_numpy(b),
                                       True, 0.1, eps)
    xt = torch.from_numpy(x)
    var = xt.var(dim=(0, 2), unbiased=False)
    return y.numpy(), xt.mean(dim=(0, 2)).numpy(), var.numpy(), (var + eps).rsqrt().numpy()


def _batch_bwd(dtype):
    x, w, _ = _norm_args((4, 3, 7), 3, dtype, True)
    _, mean, _, rstd = kernels.norm.batch_norm_forward.reference(np, x, (4, 3, 7), w, None, 1e-5)
    return (_rng.standard_normal(x.shape).astype(dtype), x, (4, 3, 7), mean, rstd, w, True, True, True)


def _batch_bwd_torch(g, x, view, mean, rstd, w, *_):
    xt, wt, bt = _t(x), _t(w), _t(np.zeros_like(w))
    return _torch_grads(torch.nn.functional.batch_norm(xt, None, None, wt, bt, True, 0.1, 1e-5), (xt, wt, bt), g)


def _group_fwd(dtype):
    x, w, b = _norm_args((2, 6, 5), 6, dtype, False)
    return (x, (2, 3, 2, 5), w, b, 1e-5)


def _group_fwd_torch(x, view, w, b, eps):
    n, g, k, l = view
    y, mean, rstd = torch.native_group_norm(torch.from_numpy(x.reshape(n, g * k, l)), torch.from_numpy(w),
                                            torch.from_numpy(b), n, g * k, l, g, eps)
    return y.numpy(), mean.numpy(), rstd.numpy()


def _group_bwd(dtype):
    x, w, _ = _norm_args((2, 6, 5), 6, dtype, True)
    _, mean, rstd = kernels.norm.group_norm_forward.reference(np, x, (2, 3, 2, 5), w, None, 1e-5)
    return (_rng.standard_normal(x.shape).astype(dtype), x, (2, 3, 2, 5), mean, rstd, w, True, True, True)


def _group_bwd_torch(g, x, view, mean, rstd, w, *_):
    n, groups, k, l = view
    xt, wt, bt = _t(x.reshape(n, groups * k, l)), _t(w), _t(np.zeros_like(w))
    y = torch.nn.functional.group_norm(xt, groups, wt, bt, 1e-5)
    gx, gw, gb = _torch_grads(y, (xt, wt, bt), g.reshape(n, groups * k, l))
    return gx.reshape(x.shape), gw, gb



def _act_args(dtype, shape=(3, 50)):
    return (_rng.standard_normal(shape).astype(dtype) * 3,)


def _gelu_case(approximate):
    mode = "tanh" if approximate else "none"

    def fwd(dtype):
        return _act_args(dtype) + (approximate,)

    def fwd_torch(x, _):
        return torch.nn.functional.gelu(torch.from_numpy(x), approximate=mode).numpy()

    def bwd(dtype):
        (x,) = _act_args(dtype)
        return (x, _rng.standard_normal(x.shape).astype(dtype), approximate)

    def bwd_torch(x, g, _):
        xt = _t(x)
        return _torch_grads(torch.nn.functional.gelu(xt, approximate=mode), (xt,), g)[0]

    return (fwd, fwd_torch), (bwd, bwd_torch)


def _unary_case(torch_fn, backward_takes_output):
    def fwd(dtype):
        return _act_args(dtype)

    def fwd_torch(x):
        return torch_fn(torch.from_numpy(x)).numpy()

    def bwd(dtype):
        (x,) = _act_args(dtype)
        first = torch_fn(torch.from_numpy(x)).numpy() if backward_takes_output else x
        return (first, _rng.standard_normal(x.shape).astype(dtype))

    def bwd_torch(first, g):
        # sigmoid's backward takes its output: rebuild the input (float64, so the logit stays accurate)
        x = np.log(first / (1 - first.astype(np.float64))).astype(first.dtype) if backward_takes_output else first
        xt = _t(x)
        return _torch_grads(torch_fn(xt), (xt,), g)[0]

    return (fwd, fwd_torch), (bwd, bwd_torch)


def _softmax_case(kind, dim):
    torch_fn = torch.softmax if kind == "softmax" else torch.log_softmax

    def fwd(dtype):
        return (_rng.standard_normal((3, 4, 7)).astype(dtype) * 4, dim)

    def fwd_torch(x, d):
        return torch_fn(torch.from_numpy(x), d).numpy()

    def bwd(dtype):
        x = _rng.standard_normal((3, 4, 7)).astype(dtype) * 4
        return (torch_fn(torch.from_numpy(x), dim).numpy(), _rng.standard_normal(x.shape).astype(dtype), dim)

    def bwd_torch(y, g, d):
        # the gradient for the output y: rebuild an input with this output (log of softmax is y up to a shift)
        x = np.log(y) if kind == "softmax" else y
        xt = _t(x)
        return _torch_grads(torch_fn(xt, d), (xt,), g)[0]

    return (fwd, fwd_torch), (bwd, bwd_torch)


def _ce_fwd(dtype):
    x = _rng.standard_normal((6, 9)).astype(dtype) * 3
    return (x, _rng.integers(0, 9, 6))


def _ce_fwd_torch(x, t):
    loss = torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(t), reduction="none")
    return loss.numpy(), torch.logsumexp(torch.from_numpy(x), 1).numpy()


def _ce_bwd(dtype):
    x, t = _ce_fwd(dtype)
    lse = _ce_fwd_torch(x, t)[1]
    return (x, t, lse, _rng.standard_normal(6).astype(dtype))


def _ce_bwd_torch(x, t, lse, s):
    xt = _t(x)
    loss = torch.nn.functional.cross_entropy(xt, torch.from_numpy(t), reduction="none")
    return _torch_grads(loss, (xt,), s)[0]


def _ce_fused(dtype):
    return _ce_fwd(dtype) + (0.25,)


def _ce_fused_torch(x, t, scale):
    loss, lse = _ce_fwd_torch(x, t)
    return loss, lse, _ce_bwd_torch(x, t, lse, np.full(x.shape[0], scale, x.dtype))


def _adam_args(amsgrad, decoupled, maximize):
    def build(dtype):
        p, g = (_rng.standard_normal((4, 5)).astype(dtype) for _ in range(2))
        m, v = _rng.standard_normal((4, 5)).astype(dtype) * 0.1, _rng.random((4, 5)).astype(dtype) * 0.01
        vmax = (v + 0.001).astype(dtype) if amsgrad else None
        lr, wd, step = 0.01, 0.1, 3
        bc1, bc2 = 1 - 0.9 ** step, 1 - 0.999 ** step
        decay = 1 - lr * wd if decoupled else None
        return (p, g, m, v, vmax, maximize, 0.0 if decoupled else wd, decay, 0.9, 0.999, 1e-8, bc2 ** 0.5, lr / bc1)
    return build


def _adam_torch(p, g, m, v, vmax, maximize, wd, decay, beta1, beta2, eps, bc2_sqrt, step_size):
    pt = torch.from_numpy(p).requires_grad_(True)
    pt.grad = torch.from_numpy(g)
    cls = torch.optim.AdamW if decay is not None else torch.optim.Adam
    lr, step = 0.01, 3
    opt = cls([pt], lr=lr, weight_decay=0.1, amsgrad=vmax is not None, maximize=maximize)
    opt.state[pt] = {"step": torch.tensor(float(step - 1)), "exp_avg": torch.from_numpy(m.copy()),
                     "exp_avg_sq": torch.from_numpy(v.copy())}
    if vmax is not None:
        opt.state[pt]["max_exp_avg_sq"] = torch.from_numpy(vmax.copy())
    with torch.no_grad():
        opt.step()
    st = opt.state[pt]
    return (pt.detach().numpy(), st["exp_avg"].numpy(), st["exp_avg_sq"].numpy(),
            None if vmax is None else st["max_exp_avg_sq"].numpy())


def _sgd_args(momentum, nesterov, first, maximize):
    def build(dtype):
        p, g = (_rng.standard_normal((4, 5)).astype(dtype) for _ in range(2))
        buf = _rng.standard_normal((4, 5)).astype(dtype) if momentum else None
        return (p, g, buf, 0.1, 0.01, momentum, 0.0 if nesterov else 0.2, nesterov, maximize, first)
    return build


def _sgd_torch(p, g, buf, lr, wd, momentum, dampening, nesterov, maximize, first):
    pt = torch.from_numpy(p).requires_grad_(True)
    pt.grad = torch.from_numpy(g)
    opt = torch.optim.SGD([pt], lr=lr, momentum=momentum, dampening=dampening, weight_decay=wd, nesterov=nesterov,
                          maximize=maximize)
    if buf is not None and not first:
        opt.state[pt] = {"momentum_buffer": torch.from_numpy(buf.copy())}
    with torch.no_grad():
        opt.step()
    nbuf = opt.state[pt].get("momentum_buffer") if buf is not None else None
    return pt.detach().numpy(), None if nbuf is None else nbuf.numpy()


(_gelu_f, _gelu_b), (_gelu_tf, _gelu_tb) = _gelu_case(False), _gelu_case(True)
(_sig_f, _sig_b) = _unary_case(torch.sigmoid, True)
(_silu_f, _silu_b) = _unary_case(torch.nn.functional.silu, False)

def _relu_x(dtype):
    x = _rng.standard_normal((5, 37)).astype(dtype)
    x[0, :4] = [np.nan, -0.0, np.inf, -np.inf]  # NaN passes forward and its gradient, as in PyTorch
    return x


def _relu_f(dtype):
    return (_relu_x(dtype),)


def _relu_f_torch(x):
    return torch.relu(torch.from_numpy(x)).numpy()


def _relu_b(dtype):
    return (torch.relu(torch.from_numpy(_relu_x(dtype))).numpy(), _rng.standard_normal((5, 37)).astype(dtype))


def _relu_b_torch(y, g):
    yt = _t(y)  # the output as input: positive exactly where the input was, so the gradient is the same
    return _torch_grads(torch.relu(yt), (yt,), g)[0]


def _tanh_b(dtype):
    x = _rng.standard_normal((5, 37)).astype(dtype) * 3
    return (np.tanh(x), _rng.standard_normal((5, 37)).astype(dtype))


def _tanh_b_torch(y, g):
    return torch.ops.aten.tanh_backward(torch.from_numpy(g), torch.from_numpy(y)).numpy()


def _leaky_f(dtype):
    return (_relu_x(dtype), 0.2)


def _leaky_f_torch(x, slope):
    return torch.nn.functional.leaky_relu(torch.from_numpy(x), slope).numpy()


def _leaky_b(dtype):
    return (_relu_x(dtype), _rng.standard_normal((5, 37)).astype(dtype), 0.02)


def _leaky_b_torch(x, g, slope):
    xt = _t(x)
    return _torch_grads(torch.nn.functional.leaky_relu(xt, slope), (xt,), g)[0]


CASES = {
    "tanh_backward": [(_tanh_b, _tanh_b_torch)],
    "leaky_relu_forward": [(_leaky_f, _leaky_f_torch)],
    "leaky_relu_backward": [(_leaky_b, _leaky_b_torch)],
    "relu_forward": [(_relu_f, _relu_f_torch)],
    "relu_backward": [(_relu_b, _relu_b_torch)],
    "layer_norm_forward": [(_layer_fwd, _layer_fwd_torch)],
    "layer_norm_backward": [(_layer_bwd, _layer_bwd_torch)],
    "batch_norm_forward": [(_batch_fwd, _batch_fwd_torch)],
    "batch_norm_backward": [(_batch_bwd, _batch_bwd_torch)],
    "group_norm_forward": [(_group_fwd, _group_fwd_torch)],
    "group_norm_backward": [(_group_bwd, _group_bwd_torch)],
    "gelu_forward": [_gelu_f, _gelu_tf],
    "gelu_backward": [_gelu_b, _gelu_tb],
    "sigmoid_forward": [_sig_f],
    "sigmoid_backward": [_sig_b],
    "silu_forward": [_silu_f],
    "silu_backward": [_silu_b],
    "softmax_forward": [_softmax_case("softmax", d)[0] for d in (2, 1)],
    "softmax_backward": [_softmax_case("softmax", d)[1] for d in (2, 0)],
    "log_softmax_forward": [_softmax_case("log_softmax", d)[0] for d in (2, 1)],
    "log_softmax_backward": [_softmax_case("log_softmax", d)[1] for d in (-1, 1)],
    "cross_entropy_forward": [(_ce_fwd, _ce_fwd_torch)],
    "cross_entropy_backward": [(_ce_bwd, _ce_bwd_torch)],
    "cross_entropy_fused": [(_ce_fused, _ce_fused_torch)],
    "adam_step": [(_adam_args(a, d, mx), _adam_torch) for a, d, mx in
                  ((False, False, False), (True, False, True), (False, True, False), (True, True, False))],
    "sgd_step": [(_sgd_args(mo, ne, fi, mx), _sgd_torch) for mo, ne, fi, mx in
                 ((0.0, False, False, False), (0.9, False, False, True), (0.9, True, False, False),
                  (0.9, False, True, False))],
}

def _emb_bwd(dtype):
    return (_rng.integers(0, 5, 12), _rng.standard_normal((12, 3)).astype(dtype), 6)


def _emb_bwd_torch(idx, g, n):
    w = torch.zeros(n, g.shape[1], dtype=torch.from_numpy(g).dtype, requires_grad=True)
    out = torch.nn.functional.embedding(torch.from_numpy(idx), w)
    return _torch_grads(out, (w,), g)[0]


CASES["embedding_backward"] = [(_emb_bwd, _emb_bwd_torch)]


def _lin_gx(rows, out, inp):
    def build(dtype):
        return (_rng.standard_normal((rows, out)).astype(dtype), _rng.standard_normal((out, inp)).astype(dtype))

    return build


def _lin_gx_torch(g, w):
    return (torch.from_numpy(g) @ torch.from_numpy(w)).numpy()


# the tiled GEMM (whole tiles, remainder rows, a last partial vector) and a product left to matmul
CASES["linear_input_grad"] = [(_lin_gx(rows, out, inp), _lin_gx_torch) for rows, out, inp in
                              ((23, 300, 200), (16, 256, 64), (5, 300, 70))]

def _lin_few(rows, out, inp, bias):
    def build(dtype):
        return (_rng.standard_normal((rows, inp)).astype(dtype), _rng.standard_normal((out, inp)).astype(dtype),
                _rng.standard_normal(out).astype(dtype) if bias else None)

    return build


def _lin_few_torch(x, w, b):
    return torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w),
                                      None if b is None else torch.from_numpy(b)).numpy()


# the NT GEMM (whole 4 x 4 tiles, remainder rows and columns, a contraction not a multiple of 16, with and
# without a bias), more than 256 rows through the transposed weight, and shapes left to the reference (a short
# contraction, few output features, beyond FEW_ROWS)
CASES["linear_forward"] = [(_lin_few(rows, out, inp, bias), _lin_few_torch) for rows, out, inp, bias in
                           ((16, 256, 784, True), (32, 300, 256, False), (7, 10, 300, True), (21, 13, 263, False),
                            (1, 1, 256, True), (20, 10, 64, True), (300, 20, 256, True), (200, 5, 30, False),
                            (300, 70, 64, True), (260, 64, 100, False))]


def _lin_gw(rows, out, inp):
    def build(dtype):
        return (_rng.standard_normal((rows, out)).astype(dtype), _rng.standard_normal((rows, inp)).astype(dtype))

    return build


def _lin_gw_torch(g, x):
    return (torch.from_numpy(g).T @ torch.from_numpy(x)).numpy()


# the tiled GEMM reading g transposed (whole tiles, remainder rows, a last partial vector), a product left to
# matmul (fewer than 64 columns), and an empty batch
CASES["linear_weight_grad"] = [(_lin_gw(rows, out, inp), _lin_gw_torch) for rows, out, inp in
                               ((16, 256, 784), (23, 7, 70), (3, 12, 64), (16, 10, 20), (0, 5, 64))]

# in-place kernels: the outputs compared are these arguments after the call
_INPLACE = {"adam_step": (0, 2, 3, 4), "sgd_step": (0, 2)}

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


def _run(fn, name, args):
    args = _copy(args)
    out = fn(*args)
    if name in _INPLACE:
        return tuple(args[i] for i in _INPLACE[name])
    return out


_PARAMS = [(name, i) for name in sorted(CASES) for i in range(len(CASES[name]))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,case", _PARAMS)
def test_kernel_matches_reference_and_torch(name, case, dtype):
    kernel = kernels.get(name)
    compiled = kernel.compiled()
    assert compiled is not None, f"{name}: Numba kernel did not load"
    build, torch_ref = CASES[name][case]
    args = build(dtype)
    want = _run(lambda *a: kernel.reference(np, *a), name, args)
    got = _run(compiled, name, args)
    _close(got, want, dtype, f"{name} kernel vs reference")
    if torch_ref is not None:
        expected = torch_ref(*_copy(args))
        if name == "sgd_step" and args[2] is None:
            expected = expected[:1] + (None,)
        _close(got, tuple(expected) if isinstance(expected, (tuple, list)) else expected, dtype,
               f"{name} kernel vs torch")


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
            k(np, x, (2, 3), None, None, 1e-5)
        assert calls == [1]
        with kernels.use_mode("auto"):  # (explicit: BRICKWORK_KERNELS=reference may be the session's mode)
            k(np, x, (2, 3), None, None, 1e-5)  # the compiled kernel
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
