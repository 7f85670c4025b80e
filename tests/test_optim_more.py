"""Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, LBFGS and Muon against torch.optim: trajectories, state dicts,
errors; and swap_in_optimizer_params_and_state."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import brickwork as bw
from tests.test_optim import _loss, _params, _trajectory

CASES = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.01, "weight_decay": 0.1, "maximize": True, "betas": (0.3, 0.5)}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True, "betas": (0.5, 0.6)}),
    ("ASGD", {}),
    ("ASGD", {"lr": 0.05, "t0": 3, "lambd": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Rprop", {}),
    ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.1), "maximize": True}),
    ("Adafactor", {}),
    ("Adafactor", {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-6, 1e-2), "d": 1.5, "weight_decay": 0.1,
                   "maximize": True}),
]
_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for n, kw in CASES]


def _check_same_state(bsd, tsd, rtol, atol):
    assert bsd["param_groups"] == tsd["param_groups"]
    assert list(bsd["state"]) == list(tsd["state"])
    for idx, tstate in tsd["state"].items():
        assert list(bsd["state"][idx]) == list(tstate)
        for key, tval in tstate.items():
            bval = bsd["state"][idx][key]
            assert isinstance(bval, bw.Tensor) and bval.dtype.name == str(tval.dtype).split(".")[1], key
            np.testing.assert_allclose(bval.numpy(), tval.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,kwargs", CASES, ids=_IDS)
@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-10, 1e-12), ("float32", 1e-4, 1e-5)],
                         ids=["float64", "float32"])
def test_trajectory_and_state_dict_match_torch(name, kwargs, dtype, rtol, atol):
    ours, bopt, bps = _trajectory(bw, name, kwargs, dtype, steps=6)
    ref, topt, tps = _trajectory(torch, name, kwargs, dtype, steps=6)
    _check_same_state(bopt.state_dict(), topt.state_dict(), rtol * 10, atol * 10)
    # save mid-run, load into a fresh optimizer, continue: still torch's trajectory
    fresh = getattr(bw.optim, name)(bps, **kwargs)
    fresh.load_state_dict(copy.deepcopy(bopt.state_dict()))
    more, _, _ = _trajectory(bw, name, kwargs, dtype, steps=6, params=bps, opt=fresh)
    tfresh = getattr(torch.optim, name)(tps, **kwargs)
    tfresh.load_state_dict(copy.deepcopy(topt.state_dict()))  # torch casts some state to the param dtype here
    more_ref, _, _ = _trajectory(torch, name, kwargs, dtype, steps=6, params=tps, opt=tfresh)
    for step, (a, b) in enumerate(zip(ours + more, ref + more_ref)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f"step {step}, param {i}")


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS", "Adafactor"])
def test_defaults_and_repr_match_torch(name):
    b = getattr(bw.optim, name)([bw.zeros(2, requires_grad=True)])
    t = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert b.defaults == t.defaults
    assert repr(b) == repr(t)


@pytest.mark.parametrize("name,kwargs", [
    ("Adadelta", {"lr": -1}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"eps": -1}),
    ("Adadelta", {"weight_decay": -1}), ("Adamax", {"betas": (1.0, 0.9)}), ("Adamax", {"betas": (0.9, -0.1)}),
    ("Adamax", {"eps": -1}), ("NAdam", {"momentum_decay": -1}), ("NAdam", {"betas": (0.9, 1.0)}),
    ("RAdam", {"weight_decay": -1}), ("ASGD", {"weight_decay": -1}), ("ASGD", {"lr": -0.1}),
    ("Rprop", {"etas": (1.2, 0.5)}), ("Rprop", {"lr": -1}), ("LBFGS", {"lr": -1}),
    ("Adafactor", {"beta2_decay": 0.5}), ("Adafactor", {"d": 0.5}), ("Adafactor", {"eps": (-1.0, 1e-3)}),
])
def test_constructor_errors_match_torch(name, kwargs):
    with pytest.raises(ValueError) as te:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as be:
        getattr(bw.optim, name)([bw.zeros(1, requires_grad=True)], **kwargs)
    assert str(be.value).startswith(str(te.value).split(" (")[0])


def _lbfgs_run(lib, kwargs, dtype, steps):
    ps = _params(lib, getattr(lib, dtype))
    opt = lib.optim.LBFGS(ps, **kwargs)

    def closure():
        opt.zero_grad()
        loss = _loss(lib, ps, getattr(lib, dtype))
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    return losses, [p.detach().numpy().copy() for p in ps], opt


@pytest.mark.parametrize("kwargs", [{}, {"lr": 0.5, "max_iter": 5, "history_size": 3},
                                    {"line_search_fn": "strong_wolfe"},
                                    {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 7}],
                         ids=["defaults", "history3", "strong_wolfe", "strong_wolfe-history2"])
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-8), ("float32", 1e-4)], ids=["float64", "float32"])
def test_lbfgs_matches_torch(kwargs, dtype, rtol):
    if dtype == "float32":  # float32 rounding differences grow over many iterations: compare a few
        kwargs = {**kwargs, "max_iter": 4}
    bl, bp, bopt = _lbfgs_run(bw, kwargs, dtype, 3)
    tl, tp, topt = _lbfgs_run(torch, kwargs, dtype, 3)
    np.testing.assert_allclose(bl, tl, rtol=rtol, atol=rtol)
    for x, y in zip(bp, tp):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol)
    bst, tst = bopt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert sorted(bst) == sorted(tst)
    assert bst["func_evals"] == tst["func_evals"] and bst["n_iter"] == tst["n_iter"]
    assert len(bst["old_dirs"]) == len(tst["old_dirs"])


def test_lbfgs_errors_like_torch():
    w = bw.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="per-parameter options"):
        bw.optim.LBFGS([{"params": [w]}, {"params": [bw.zeros(1, requires_grad=True)]}])
    opt = bw.optim.LBFGS([w], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


# -- Muon (2-d parameters only) and swap_in_optimizer_params_and_state ---------------------------------------

_MR = np.random.default_rng(7)
_MW = [_MR.standard_normal((6, 4)), _MR.standard_normal((3, 6))]
_MX, _MY = _MR.standard_normal((10, 4)), _MR.standard_normal((10, 3))


def _muon_run(lib, kwargs, dtype, steps=8):
    dt = getattr(lib, dtype)
    ps = [lib.tensor(w, dtype=dt, requires_grad=True) for w in _MW]
    opt = lib.optim.Muon(ps, **kwargs)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        h = (lib.tensor(_MX, dtype=dt) @ ps[0].T).tanh()
        ((h @ ps[1].T - lib.tensor(_MY, dtype=dt)) ** 2).mean().backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out, opt


@pytest.mark.parametrize("kwargs", [{}, {"lr": 0.02, "nesterov": False, "momentum": 0.5},
                                    {"lr": 0.05, "adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.01},
                                    {"lr": 0.03, "adjust_lr_fn": "original", "ns_steps": 3, "eps": 1e-3}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_muon_trajectory_matches_torch(kwargs, dtype):
    # the Newton-Schulz iteration runs in bfloat16 in both libraries, so this is close to bit-exact
    ours, bopt = _muon_run(bw, kwargs, dtype)
    ref, topt = _muon_run(torch, kwargs, dtype)
    for a, b in zip(ours, ref):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    assert sorted(bopt.state_dict()["param_groups"][0]) == sorted(topt.state_dict()["param_groups"][0])
    assert repr(bopt) == repr(topt)


@pytest.mark.parametrize("kwargs", [{"lr": -1.0}, {"momentum": -0.1}, {"weight_decay": -1.0},
                                    {"adjust_lr_fn": "sqrt"}])
def test_muon_constructor_errors_match_torch(kwargs):
    for lib in (torch, bw):
        with pytest.raises(ValueError):
            lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)], **kwargs)
        with pytest.raises(ValueError, match="2D parameters"):
            lib.optim.Muon([lib.zeros(2, requires_grad=True)])


def test_swap_in_optimizer_params_and_state_matches_torch():
    seen = []
    for lib in (torch, bw):
        w = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1, momentum=0.9)
        w.grad = lib.ones(2)
        with pytest.raises(RuntimeError, match="initialized optimizer state"):
            with lib.optim.swap_in_optimizer_params_and_state(opt, {"w": w}, opt.state_dict()):
                pass
        opt.step()
        other = lib.zeros(2, requires_grad=True)
        other.grad = lib.ones(2)
        sd = opt.state_dict()
        sd["param_groups"][0]["lr"] = 0.5
        with lib.optim.swap_in_optimizer_params_and_state(opt, {"w": other}, sd):
            opt.step()
            inner = (opt.param_groups[0]["lr"], opt.param_groups[0]["params"][0] is other)
        seen.append((w.tolist(), other.tolist(), opt.state[w]["momentum_buffer"].tolist(), inner,
                     opt.param_groups[0]["lr"], opt.param_groups[0]["params"][0] is w))
        bad = opt.state_dict()
        bad["param_groups"][0]["extra"] = 1
        with pytest.raises(RuntimeError, match="exactly match"):
            with lib.optim.swap_in_optimizer_params_and_state(opt, {"w": other}, bad):
                pass
    assert seen[0] == seen[1]
