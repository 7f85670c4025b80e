"""brickwork.optim against torch.optim: trajectories, state dicts, schedulers, errors, in-place behaviour."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork.backends import _numpy as _numpy_backend
from brickwork.optim import lr_scheduler as bw_sched

# -- a small MLP-like problem, written once for both libraries ---------------------------------------------------

_rng = np.random.default_rng(0)
_INIT = [_rng.standard_normal((4, 3)) * 0.5, _rng.standard_normal(4) * 0.1, _rng.standard_normal((2, 4)) * 0.5,
         _rng.standard_normal(2) * 0.1]
_X = _rng.standard_normal((6, 3))
_Y = _rng.standard_normal((6, 2))


def _params(lib, dtype):
    return [lib.tensor(a, dtype=dtype, requires_grad=True) for a in _INIT]


def _loss(lib, ps, dtype):
    w1, b1, w2, b2 = ps
    x, y = lib.tensor(_X, dtype=dtype), lib.tensor(_Y, dtype=dtype)
    h = (x @ w1.T + b1).tanh()
    return ((h @ w2.T + b2 - y) ** 2).mean() + 0.1 * (w1 ** 2).sum()


def _make_opt(lib, name, params, kwargs):
    kwargs = dict(kwargs)
    if "lr_tensor" in kwargs:
        kwargs["lr"] = lib.tensor(kwargs.pop("lr_tensor"))
    return getattr(lib.optim, name)(params, **kwargs)


def _trajectory(lib, name, kwargs, dtype_name, steps=10, params=None, opt=None):
    dtype = getattr(lib, dtype_name)
    ps = params if params is not None else _params(lib, dtype)
    opt = opt if opt is not None else _make_opt(lib, name, ps, kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, ps, dtype).backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out, opt, ps


OPTIM_CASES = [
    ("SGD", {}),
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "maximize": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01, "maximize": True}),
    ("SGD", {"lr_tensor": 0.1, "momentum": 0.5}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.5), "eps": 1e-3}),  # lerp weight >= 0.5: PyTorch's other formula
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr_tensor": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.001, "centered": True}),
    ("RMSprop", {"lr": 0.001, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.001, "alpha": 0.3, "centered": True, "eps": 1e-3}),  # eps: well-conditioned in float32
    ("RMSprop", {"lr": 0.001, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.001, "maximize": True, "eps": 1e-4}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "lr_decay": 0.01, "weight_decay": 0.01, "eps": 1e-6}),
]
_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in OPTIM_CASES]


@pytest.mark.parametrize("name,kwargs", OPTIM_CASES, ids=_IDS)
@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-11, 1e-13), ("float32", 1e-4, 1e-5)],
                         ids=["float64", "float32"])
def test_trajectory_matches_torch(name, kwargs, dtype, rtol, atol):
    ours, bopt, _ = _trajectory(bw, name, kwargs, dtype)
    ref, topt, _ = _trajectory(torch, name, kwargs, dtype)
    for step, (a, b) in enumerate(zip(ours, ref)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"step {step}, param {i}")
    # the state dict has torch's structure: same groups (all options, params as indices) and state entries
    bsd, tsd = bopt.state_dict(), topt.state_dict()
    if "lr_tensor" not in kwargs:
        assert bsd["param_groups"] == tsd["param_groups"]
    assert list(bsd["state"]) == list(tsd["state"])
    for idx, tstate in tsd["state"].items():
        assert list(bsd["state"][idx]) == list(tstate)
        for key, tval in tstate.items():
            bval = bsd["state"][idx][key]
            assert isinstance(bval, bw.Tensor) and bval.dtype.name == str(tval.dtype).split(".")[1]
            assert bval.device.type == tval.device.type
            np.testing.assert_allclose(bval.numpy(), tval.numpy(), rtol=rtol * 10, atol=atol * 10)


def _large_run(lib, name, kwargs):
    # a parameter big enough to be updated in cache-sized chunks, and a non-contiguous one (updated whole)
    rng = np.random.default_rng(1)
    p = lib.tensor(rng.standard_normal((300, 301)), requires_grad=True)
    q = lib.tensor(rng.standard_normal((301, 300))).T.detach().requires_grad_()
    opt = _make_opt(lib, name, [p, q], kwargs)
    for _ in range(3):
        for t in (p, q):
            t.grad = lib.tensor(rng.standard_normal(tuple(t.shape)))
        opt.step()
    return [p.detach().numpy().copy(), q.detach().numpy().copy()], opt


@pytest.mark.parametrize("name,kwargs", OPTIM_CASES, ids=_IDS)
def test_chunked_update_of_large_parameters(name, kwargs, monkeypatch):
    monkeypatch.setattr(bw.device("cpu").backend, "axpy", lambda *args: False)  # plain SGD's BLAS pass: tested below
    compiled, _ = _large_run(bw, name, kwargs)  # Adam and SGD: the compiled kernel (kernels/optim.py)
    with bw.kernels.use_mode("reference"):
        ours, opt = _large_run(bw, name, kwargs)
    assert any(key[0] == (16384,) for key in opt._scratch)  # the chunked path ran
    assert all(np.array_equal(x, y) for x, y in zip(ours, compiled))  # the compiled kernel gives the same bits
    ref, _ = _large_run(torch, name, kwargs)
    for x, y in zip(ours, ref):
        np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-13)
    monkeypatch.setattr(bw.optim.optimizer, "_CHUNK_BYTES", 1 << 40)
    with bw.kernels.use_mode("reference"):
        whole, opt = _large_run(bw, name, kwargs)
    assert not any(key[0] == (16384,) for key in opt._scratch)
    assert all(np.array_equal(x, y) for x, y in zip(ours, whole))  # chunking changes no bit


@pytest.mark.skipif(not _numpy_backend.BLAS_AXPY, reason="NumPy's bundled OpenBLAS was not found")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kwargs", [{}, {"lr": 0.1}, {"lr_tensor": 0.1}])
def test_plain_sgd_takes_one_blas_pass_matching_torch(dtype, kwargs):
    def run(lib):
        rng = np.random.default_rng(2)
        p = lib.tensor(rng.standard_normal((300, 301)), dtype=getattr(lib, dtype), requires_grad=True)
        q = lib.tensor(rng.standard_normal((301, 300)), dtype=getattr(lib, dtype)).T.detach().requires_grad_()
        opt = _make_opt(lib, "SGD", [p, q], kwargs)
        for _ in range(3):
            for t in (p, q):
                t.grad = lib.tensor(rng.standard_normal(tuple(t.shape)), dtype=getattr(lib, dtype))
            opt.step()
        return [p.detach().numpy().copy(), q.detach().numpy().copy()], opt

    (ours, opt), (ref, _) = run(bw), run(torch)
    assert not any(key[0] in ((16384,), (32768,)) for key in opt._scratch)  # p skipped the chunked NumPy path
    # the contiguous one: axpy fuses the multiply-add as add_(alpha=) does (bit for bit on AVX2/AVX-512 machines)
    np.testing.assert_allclose(ours[0], ref[0], rtol=2.5e-7 if dtype == "float32" else 5e-16, atol=0)
    tol = {"rtol": 1e-6, "atol": 1e-7} if dtype == "float32" else {"rtol": 1e-14, "atol": 1e-15}
    np.testing.assert_allclose(ours[1], ref[1], **tol)  # the non-contiguous one: NumPy's two passes


def test_blas_axpy_declines_what_it_cannot_do():
    from brickwork.backends._numpy import axpy

    y = np.ones(4, np.float32)
    assert not axpy(1.0, np.ones(4, np.float64), y)  # mixed dtypes
    assert not axpy(1.0, np.ones(4, np.float16), np.ones(4, np.float16))  # no half-precision axpy
    assert not axpy(1.0, np.ones((2, 2), np.float32).T, np.ones((2, 2), np.float32))  # not C-contiguous
    assert not axpy(1.0, np.ones(4, np.float32), np.ones(4, np.float32)[::-1])
    assert not axpy(1.0, np.ones(3, np.float32), y)  # shapes differ
    ro = np.ones(4, np.float32)
    ro.flags.writeable = False
    assert not axpy(1.0, np.ones(4, np.float32), ro)
    assert (y == 1).all() and (ro == 1).all()
    x = np.full(4, 2.0, np.float32)
    x.flags.writeable = False  # a read-only gradient is fine: only y is written
    assert axpy(-0.5, x, y) is bool(_numpy_backend.BLAS_AXPY) and (y == (0 if _numpy_backend.BLAS_AXPY else 1)).all()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_repr_matches_torch(name):
    b = getattr(bw.optim, name)(_params(bw, bw.float32))
    t = getattr(torch.optim, name)(_params(torch, torch.float32))
    assert repr(b) == repr(t)


def test_param_groups_with_options_match_torch():
    def run(lib):
        ps = _params(lib, lib.float64)
        opt = lib.optim.SGD([{"params": ps[:2], "lr": 0.2, "momentum": 0.9}, {"params": ps[2:]}], lr=0.05,
                            weight_decay=0.01)
        return _trajectory(lib, "SGD", {}, "float64", params=ps, opt=opt)

    (ours, bopt, _), (ref, topt, _) = run(bw), run(torch)
    for a, b in zip(ours[-1], ref[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-11)
    assert bopt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


def test_named_parameters_are_accepted():
    ps = _params(bw, bw.float32)
    opt = bw.optim.Adam([(f"p{i}", p) for i, p in enumerate(ps)])
    assert opt.param_groups[0]["param_names"] == ["p0", "p1", "p2", "p3"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["p0", "p1", "p2", "p3"]


# -- state dicts -------------------------------------------------------------------------------------------------

STATEFUL = [("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}), ("Adam", {"lr": 0.01, "amsgrad": True}),
            ("AdamW", {"lr": 0.01}), ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
            ("Adagrad", {"lr": 0.1, "lr_decay": 0.01})]


@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[c[0] for c in STATEFUL])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_state_dict_round_trip_continues_bit_identically(name, kwargs, dtype):
    _, opt_a, ps_a = _trajectory(bw, name, kwargs, dtype, steps=5)
    saved = copy.deepcopy(opt_a.state_dict())
    ps_b = [bw.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ps_a]
    opt_b = getattr(bw.optim, name)(ps_b, lr=123.0)  # options come back from the state dict
    opt_b.load_state_dict(saved)
    assert opt_b.param_groups[0]["lr"] == opt_a.param_groups[0]["lr"]
    cont_a, _, _ = _trajectory(bw, name, kwargs, dtype, steps=5, params=ps_a, opt=opt_a)
    cont_b, _, _ = _trajectory(bw, name, kwargs, dtype, steps=5, params=ps_b, opt=opt_b)
    for a, b in zip(cont_a, cont_b):
        for x, y in zip(a, b):
            assert np.array_equal(x, y)


def test_loaded_state_does_not_alias_the_state_dict():
    _, opt, ps = _trajectory(bw, "Adam", {"lr": 0.01}, "float32", steps=2)
    sd = opt.state_dict()
    other = bw.optim.Adam(ps, lr=0.01)
    other.load_state_dict(sd)
    assert other.state[ps[0]]["exp_avg"] is not opt.state[ps[0]]["exp_avg"]
    assert not np.shares_memory(other.state[ps[0]]["exp_avg"].numpy(), opt.state[ps[0]]["exp_avg"].numpy())
    assert other.state[ps[0]]["step"] is not opt.state[ps[0]]["step"]


@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[c[0] for c in STATEFUL])
def test_loads_torch_state_dict_and_continues_like_torch(name, kwargs):
    _, topt, tps = _trajectory(torch, name, kwargs, "float64", steps=4)
    tsd = topt.state_dict()
    bsd = {"param_groups": copy.deepcopy(tsd["param_groups"]),
           "state": {i: {k: bw.tensor(v.numpy().copy()) for k, v in s.items()} for i, s in tsd["state"].items()}}
    bps = [bw.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tps]
    bopt = getattr(bw.optim, name)(bps)
    bopt.load_state_dict(bsd)
    ours, _, _ = _trajectory(bw, name, kwargs, "float64", steps=4, params=bps, opt=bopt)
    ref, _, _ = _trajectory(torch, name, kwargs, "float64", steps=4, params=tps, opt=topt)
    for a, b in zip(ours, ref):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-11, atol=1e-13)


def test_load_state_dict_errors():
    ps = _params(bw, bw.float32)
    opt = bw.optim.SGD(ps, lr=0.1)
    two = bw.optim.SGD([{"params": ps[:2]}, {"params": ps[2:]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups: it has 2 but the optimizer has 1"):
        opt.load_state_dict(two.state_dict())
    short = bw.optim.SGD(ps[:3], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group: group 0 has 3"):
        opt.load_state_dict(short.state_dict())


def test_state_is_keyed_by_parameter_and_step_counter_matches_torch():
    _, opt, ps = _trajectory(bw, "Adam", {}, "float32", steps=3)
    assert set(map(id, opt.state)) == set(map(id, ps))
    st = opt.state[ps[0]]
    assert st["step"].item() == 3.0 and st["step"].dtype == bw.float32 and st["step"].shape == ()
    assert st["exp_avg"].device == ps[0].device and st["exp_avg"].requires_grad is False


def test_optimizer_deepcopy_and_pickle():
    _, opt, ps = _trajectory(bw, "Adam", {"lr": 0.01}, "float64", steps=2)
    clone = copy.deepcopy(opt)
    cps = clone.param_groups[0]["params"]
    assert cps[0] is not ps[0] and np.array_equal(cps[0].detach().numpy(), ps[0].detach().numpy())
    a, _, _ = _trajectory(bw, "Adam", {}, "float64", steps=2, params=ps, opt=opt)
    b, _, _ = _trajectory(bw, "Adam", {}, "float64", steps=2, params=cps, opt=clone)
    assert all(np.array_equal(x, y) for x, y in zip(a[-1], b[-1]))


# -- the base class: groups, zero_grad, closure, hooks -------------------------------------------------------------

def test_zero_grad():
    ps = _params(bw, bw.float32)
    opt = bw.optim.SGD(ps, lr=0.1)
    _loss(bw, ps, bw.float32).backward()
    g0 = ps[0].grad
    opt.zero_grad(set_to_none=False)
    assert ps[0].grad is g0 and not g0.numpy().any() and g0.requires_grad is False
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def test_step_returns_closure_loss_and_runs_it_with_grad_enabled():
    ps = _params(bw, bw.float64)
    opt = bw.optim.SGD(ps, lr=0.1)
    seen = []

    def closure():
        seen.append(bw.is_grad_enabled())
        opt.zero_grad()
        loss = _loss(bw, ps, bw.float64)
        loss.backward()
        return loss

    with bw.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and isinstance(loss, bw.Tensor) and loss.grad_fn is not None
    assert opt.step() is None


def test_params_without_grad_are_skipped_and_frozen_params_allowed():
    a = bw.zeros(3, requires_grad=True)
    frozen = bw.ones(2)
    opt = bw.optim.Adam([a, frozen], lr=0.1)
    a.grad = bw.ones(3)
    opt.step()
    assert frozen.tolist() == [1.0, 1.0] and frozen not in opt.state
    assert [id(k) for k in opt.state] == [id(a)]


def test_update_is_in_place_bumps_version_and_reuses_buffers():
    for name, kwargs in STATEFUL:
        ps = _params(bw, bw.float32)
        opt = getattr(bw.optim, name)(ps, **kwargs)
        _trajectory(bw, name, kwargs, "float32", steps=1, params=ps, opt=opt)
        arrays = [p._data for p in ps]
        states = [{k: v._data for k, v in opt.state[p].items()} for p in ps]
        scratch = {k: id(v) for k, v in opt._scratch.items()}
        versions = [p._version for p in ps]
        _trajectory(bw, name, kwargs, "float32", steps=2, params=ps, opt=opt)
        assert all(p._data is a for p, a in zip(ps, arrays)), name
        assert all(opt.state[p][k]._data is v for p, s in zip(ps, states) for k, v in s.items()), name
        assert {k: id(v) for k, v in opt._scratch.items()} == scratch, name
        assert all(p._version == v + 2 for p, v in zip(ps, versions)), name


def test_step_records_nothing():
    ps = _params(bw, bw.float32)
    opt = bw.optim.AdamW(ps, lr=0.1)
    _loss(bw, ps, bw.float32).backward()
    opt.step()
    assert all(p.is_leaf and p.grad_fn is None and p.requires_grad for p in ps)


def test_step_hooks():
    ps = _params(bw, bw.float32)
    opt = bw.optim.SGD(ps, lr=0.1)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt)))
    h2 = opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", o is opt)))
    hg = bw.optim.optimizer.register_optimizer_step_pre_hook(lambda o, a, k: calls.append(("global", True)))
    opt.step()
    assert calls == [("global", True), ("pre", True), ("post", True)]
    h1.remove(), h2.remove(), hg.remove()
    opt.step()
    assert len(calls) == 3

    def swap_closure(o, args, kwargs):
        assert args[0] is o  # as in PyTorch, args include the optimizer
        return args, {"closure": lambda: 42}

    opt.register_step_pre_hook(swap_closure)
    assert opt.step() == 42


def test_subclass_calling_super_step_runs_hooks_once():
    class MySGD(bw.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    opt = MySGD(_params(bw, bw.float32), lr=0.1)
    calls = []
    opt.register_step_pre_hook(lambda o, a, k: calls.append(1))
    opt.step()
    assert calls == [1]


def test_custom_optimizer_subclass_like_torch():
    class Sign(bw.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        @bw.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.sub_(p.grad.sign() * group["lr"])

    w = bw.zeros(2, requires_grad=True)
    opt = Sign([w], lr=0.5)
    w.grad = bw.tensor([1.0, -2.0])
    opt.step()
    assert w.tolist() == [-0.5, 0.5]
    assert "Sign (" in repr(opt)


# -- errors ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make,exc,match", [
    (lambda p: bw.optim.SGD(p, lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda p: bw.optim.Adam(p, lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    (lambda p: bw.optim.SGD(p, lr=0.1, nesterov=True), ValueError, "Nesterov momentum requires a momentum"),
    (lambda p: bw.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "zero dampening"),
    (lambda p: bw.optim.SGD(p, momentum=-1), ValueError, "Invalid momentum value: -1"),
    (lambda p: bw.optim.SGD(p, weight_decay=-1), ValueError, "Invalid weight_decay value: -1"),
    (lambda p: bw.optim.Adam(p, betas=(1.0, 0.999)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    (lambda p: bw.optim.Adam(p, betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    (lambda p: bw.optim.Adam(p, eps=-1e-8), ValueError, "Invalid epsilon value"),
    (lambda p: bw.optim.Adam(p, betas=(0, 0.999)), ValueError, "betas must be either both floats or both Tensors"),
    (lambda p: bw.optim.AdamW(p, weight_decay=-0.1), ValueError, "Invalid weight_decay value"),
    (lambda p: bw.optim.RMSprop(p, alpha=-0.5), ValueError, "Invalid alpha value: -0.5"),
    (lambda p: bw.optim.Adagrad(p, lr_decay=-1), ValueError, "Invalid lr_decay value: -1"),
    (lambda p: bw.optim.Adagrad(p, initial_accumulator_value=-1), ValueError,
     "Invalid initial_accumulator_value value"),
    (lambda p: bw.optim.Adam(p, foreach=True, fused=True), RuntimeError, "cannot be `True` together"),
    (lambda p: bw.optim.SGD(p, differentiable=True), RuntimeError, "differentiable=True\\) is not supported"),
    (lambda p: bw.optim.SGD(p[0]), TypeError, "should be an iterable of Tensors or dicts"),
    (lambda p: bw.optim.SGD([]), ValueError, "optimizer got an empty parameter list"),
    (lambda p: bw.optim.SGD([{"params": set(p)}]), TypeError, "ordered collections"),
    (lambda p: bw.optim.SGD([p[0], 3.0]), TypeError, "optimizer can only optimize Tensors, but one of the params is "
                                                    "builtins.float"),
    (lambda p: bw.optim.SGD([p[0] * 2]), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda p: bw.optim.SGD([{"params": p[:2]}, {"params": p[1:]}]), ValueError,
     "some parameters appear in more than one parameter group: parameter 1 of group 0"),
])
def test_constructor_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make(_params(bw, bw.float32))


def test_torch_raises_the_same_constructor_errors():
    # the messages above start with PyTorch's own wording
    tp = _params(torch, torch.float32)
    for make, match in [(lambda: torch.optim.SGD(tp, lr=-0.1), "Invalid learning rate: -0.1"),
                        (lambda: torch.optim.SGD(tp, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
                        (lambda: torch.optim.Adam(tp, betas=(0, 0.999)), "betas must be either both floats"),
                        (lambda: torch.optim.SGD([{"params": tp[:2]}, {"params": tp[1:]}]),
                         "some parameters appear in more than one parameter group")]:
        with pytest.raises(ValueError, match=match):
            make()


def test_add_param_group_rejects_a_parameter_already_optimized():
    ps = _params(bw, bw.float32)
    opt = bw.optim.SGD(ps[:2], lr=0.1)
    opt.add_param_group({"params": ps[2], "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="more than one parameter group: parameter 0 of group 1"):
        opt.add_param_group({"params": [ps[3], ps[2]]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([ps[3]])
    assert len(opt.param_groups) == 2


def test_required_default():
    from brickwork.optim.optimizer import required

    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        bw.optim.Optimizer(_params(bw, bw.float32), {"lr": required})


def test_gradient_on_another_device_is_reported():
    p = bw.zeros(3, requires_grad=True)
    opt = bw.optim.SGD([p], lr=0.1)
    g = bw.ones(3)
    p._grad = g
    p._device = object()  # stands in for another device
    with pytest.raises(RuntimeError, match="but its gradient is on cpu"):
        opt.step()


# -- state follows its parameter's dtype and device ------------------------------------------------------------------

@pytest.mark.parametrize("name,kwargs", STATEFUL, ids=[c[0] for c in STATEFUL])
def test_state_follows_parameter_dtype(name, kwargs):
    def run(lib):
        ps = _params(lib, lib.float32)
        _, opt, _ = _trajectory(lib, name, kwargs, "float32", steps=3, params=ps)
        for p in ps:
            p.data = p.data.double()
            p.grad = None
        if lib is torch:  # torch leaves the state behind; cast it the way brickwork does automatically
            for st in opt.state.values():
                for k, v in st.items():
                    if k != "step":
                        st[k] = v.double()
        return _trajectory(lib, name, kwargs, "float64", steps=3, params=ps, opt=opt)

    (ours, opt, ps), (ref, _, _) = run(bw), run(torch)
    for st in opt.state.values():
        for k, v in st.items():
            assert v.dtype == (bw.float32 if k == "step" else bw.float64), k
    for a, b in zip(ours, ref):
        for x, y in zip(a, b):
            assert x.dtype == np.float64
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_state_follows_parameter_device():
    # two virtual CPU devices with real copies between them: the state must move with the parameter
    code = textwrap.dedent("""
        import numpy as np, brickwork as bw
        def run(move):
            p = bw.tensor([1.0, -2.0, 3.0], device="cpu:0", requires_grad=True)
            opt = bw.optim.Adam([p], lr=0.1, amsgrad=True)
            out = []
            for i in range(6):
                if move and i == 3:
                    p.data = p.data.to("cpu:1")
                p.grad = None
                ((p - 0.5) ** 2).sum().backward()
                opt.step()
                out.append(p.detach().cpu().numpy().copy())
            return out, opt, p
        a, opt, p = run(True)
        b, _, _ = run(False)
        assert str(p.device) == "cpu:1", p.device
        st = opt.state[p]
        assert all(str(st[k].device) == "cpu:1" for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")), st
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
        print("ok")
    """)
    env = dict(os.environ, BRICKWORK_CPU_DEVICES="2")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_nn_parameters_follow_module_to_double():
    try:
        Module, Parameter = bw.nn.Module, bw.nn.Parameter
    except (ImportError, AttributeError) as e:  # brickwork.nn is written alongside; skip until it imports
        pytest.skip(f"brickwork.nn not available: {e}")

    def run(lib, Module, Parameter):
        m = Module()
        m.w = Parameter(lib.tensor(_INIT[0], dtype=lib.float32))
        m.b = Parameter(lib.tensor(_INIT[1], dtype=lib.float32))
        opt = lib.optim.Adam(m.parameters(), lr=0.01, amsgrad=True)
        out = []
        for i in range(6):
            if i == 3:
                m.double()
                if lib is torch:
                    for st in opt.state.values():
                        for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
                            st[k] = st[k].double()
            dt = m.w.dtype
            x = lib.tensor(_X, dtype=dt)
            opt.zero_grad()
            ((x @ m.w.T + m.b).tanh() ** 2).mean().backward()
            opt.step()
            out.append(m.w.detach().numpy().copy())
        return out, opt, m

    ours, opt, m = run(bw, Module, Parameter)
    ref, _, _ = run(torch, torch.nn.Module, torch.nn.Parameter)
    assert isinstance(m.w, Parameter) and opt.state[m.w]["exp_avg"].dtype == bw.float64
    for x, y in zip(ours, ref):
        assert x.dtype == y.dtype
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


# -- learning-rate schedulers ----------------------------------------------------------------------------------

def _sched_opt(lib, kind="SGD"):
    ps = _params(lib, lib.float32)
    groups = [{"params": ps[:2], "lr": 0.1}, {"params": ps[2:], "lr": 0.05}]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1)
    return lib.optim.Adagrad(groups, lr=0.1)


SCHEDULERS = {
    "StepLR": (lambda L, o: L.StepLR(o, step_size=7, gamma=0.5), "SGD"),
    "MultiStepLR": (lambda L, o: L.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3), "SGD"),
    "ExponentialLR": (lambda L, o: L.ExponentialLR(o, gamma=0.9), "SGD"),
    "CosineAnnealingLR": (lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=0.01), "SGD"),
    "CosineAnnealingLR-odd": (lambda L, o: L.CosineAnnealingLR(o, T_max=13), "Adam"),
    "LambdaLR": (lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e), "SGD"),
    "LambdaLR-per-group": (lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: e % 4 + 1]), "SGD"),
    "MultiplicativeLR": (lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97), "SGD"),
    "ConstantLR": (lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=4), "SGD"),
    "LinearLR": (lambda L, o: L.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=8), "SGD"),
    "PolynomialLR": (lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0), "SGD"),
    "OneCycleLR-cos": (lambda L, o: L.OneCycleLR(o, max_lr=0.5, total_steps=40), "SGD"),
    "OneCycleLR-linear": (lambda L, o: L.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=40,
                                                   anneal_strategy="linear", pct_start=0.25), "SGD"),
    "OneCycleLR-three-phase": (lambda L, o: L.OneCycleLR(o, max_lr=0.5, epochs=4, steps_per_epoch=10,
                                                        three_phase=True), "SGD"),
    "OneCycleLR-adam-betas": (lambda L, o: L.OneCycleLR(o, max_lr=0.01, total_steps=40, div_factor=10.0), "Adam"),
    "OneCycleLR-no-momentum": (lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=40, cycle_momentum=False),
                               "Adagrad"),
    "SequentialLR": (lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=5),
                                                     L.CosineAnnealingLR(o, T_max=20)], milestones=[5]), "SGD"),
    "SequentialLR-three": (lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, 0.5, 3), L.ExponentialLR(o, 0.9),
                                                           L.StepLR(o, 4)], milestones=[3, 15]), "SGD"),
    "ChainedScheduler": (lambda L, o: L.ChainedScheduler([L.ExponentialLR(o, 0.95), L.StepLR(o, 5, 0.5)]), "SGD"),
    "CyclicLR-triangular": (lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=5), "SGD"),
    "CyclicLR-triangular2": (lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=4, step_size_down=6,
                                                     mode="triangular2"), "SGD"),
    "CyclicLR-exp-range": (lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.9),
                           "Adam"),
    "CosineAnnealingWarmRestarts": (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001),
                                    "SGD"),
}


def _lr_sequence(lib, L, factory, kind, steps=40):
    opt = _sched_opt(lib, kind)
    sched = factory(L, opt)
    seq = []
    for _ in range(steps):
        opt.step()
        sched.step()
        groups = [{k: g[k] for k in ("lr", "momentum", "betas") if k in g} for g in opt.param_groups]
        seq.append((list(sched.get_last_lr()), groups))
    return seq, sched, opt


@pytest.mark.parametrize("key", list(SCHEDULERS))
def test_scheduler_sequence_matches_torch_exactly(key):
    factory, kind = SCHEDULERS[key]
    ours, bsched, bopt = _lr_sequence(bw, bw_sched, factory, kind)
    ref, tsched, topt = _lr_sequence(torch, torch.optim.lr_scheduler, factory, kind)
    assert ours == ref  # exact float equality, lr and momentum/betas of every group at every step
    assert [g.get("initial_lr") for g in bopt.param_groups] == [g.get("initial_lr") for g in topt.param_groups]
    assert set(bsched.state_dict()) == set(tsched.state_dict())


@pytest.mark.parametrize("key", ["StepLR", "CosineAnnealingLR", "OneCycleLR-cos", "SequentialLR", "ChainedScheduler",
                                 "CyclicLR-triangular2", "CosineAnnealingWarmRestarts", "LinearLR"])
def test_scheduler_state_dict_round_trip(key):
    factory, kind = SCHEDULERS[key]
    full, _, _ = _lr_sequence(bw, bw_sched, factory, kind, steps=30)
    _, sched, opt = _lr_sequence(bw, bw_sched, factory, kind, steps=12)
    assert "optimizer" not in sched.state_dict()
    opt_sd, sched_sd = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = _sched_opt(bw, kind)
    sched2 = factory(bw_sched, opt2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    rest = []
    for _ in range(18):
        opt2.step()
        sched2.step()
        rest.append(list(sched2.get_last_lr()))
    assert rest == [lr for lr, _ in full[12:]]


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7] * 2
    configs = [dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=1),
               dict(patience=1, threshold=0.05, threshold_mode="abs", min_lr=[0.02, 0.001]),
               dict(patience=0, factor=0.5, min_lr=0.01, eps=1e-3)]
    for cfg in configs:
        seqs = []
        for lib, L in ((bw, bw_sched), (torch, torch.optim.lr_scheduler)):
            opt = _sched_opt(lib)
            sched = L.ReduceLROnPlateau(opt, **cfg)
            seq = []
            for m in metrics:
                opt.step()
                sched.step(m)
                seq.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter, sched.best))
            seqs.append(seq)
        assert seqs[0] == seqs[1], cfg


def test_scheduler_sets_initial_lr_and_resumes():
    opt = _sched_opt(bw)
    bw_sched.StepLR(opt, 3)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.05]
    fresh = _sched_opt(bw)
    with pytest.raises(KeyError, match="initial_lr"):
        bw_sched.StepLR(fresh, 3, last_epoch=5)


def test_scheduler_warnings_and_errors():
    opt = _sched_opt(bw)
    sched = bw_sched.StepLR(opt, 3)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    opt = _sched_opt(bw)
    sched = bw_sched.StepLR(opt, 3)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        bw_sched.StepLR(object(), 3)
    with pytest.raises(ValueError, match="cycle_momentum"):
        bw_sched.OneCycleLR(_sched_opt(bw, "Adagrad"), max_lr=0.1, total_steps=10)
    with pytest.raises(ValueError, match="total_steps"):
        bw_sched.OneCycleLR(_sched_opt(bw), max_lr=0.1)
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        s = bw_sched.OneCycleLR(_sched_opt(bw), max_lr=0.1, total_steps=2)
        for _ in range(3):
            s.optimizer.step()
            s.step()
    with pytest.raises(ValueError, match="number of milestones"):
        o = _sched_opt(bw)
        bw_sched.SequentialLR(o, [bw_sched.StepLR(o, 2)], milestones=[3])
    with pytest.raises(ValueError, match="same optimizer"):
        o1, o2 = _sched_opt(bw), _sched_opt(bw)
        bw_sched.ChainedScheduler([bw_sched.StepLR(o1, 2), bw_sched.StepLR(o2, 2)])


def test_tensor_lr_is_filled_in_place_by_schedulers():
    for lib, L in ((bw, bw_sched), (torch, torch.optim.lr_scheduler)):
        p = lib.zeros(2, requires_grad=True)
        lr = lib.tensor(0.1)
        opt = lib.optim.SGD([p], lr=lr)
        sched = L.ExponentialLR(opt, 0.5)
        opt.step()
        sched.step()
        assert opt.param_groups[0]["lr"] is lr and abs(float(lr) - 0.05) < 1e-8
