"""Parametrizations and weight/spectral normalization against PyTorch: state-dict keys, reprs, values and
gradients with copied originals (and power-iteration vectors), training updates, removal."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork.nn.utils import parametrize

R = np.random.default_rng(0)


def _load(bm, tm):
    bm.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def _compare(bm, tm, shape, steps=2):
    for _ in range(steps):  # training passes move spectral norm's u, v
        x = R.standard_normal(shape).astype(np.float32)
        tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
        yt, yb = tm(tx), bm(bx)
        np.testing.assert_allclose(yb.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
        yt.square().sum().backward()
        yb.square().sum().backward()
        np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
        tparams = dict(tm.named_parameters())
        for name, p in bm.named_parameters():
            np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-3, atol=1e-5, err_msg=name)
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(bm.state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("make,shape", [(lambda nn: nn.Linear(3, 4), (2, 3)), (lambda nn: nn.Conv2d(2, 3, 3), (1, 2, 5, 5)),
                                        (lambda nn: nn.ConvTranspose2d(2, 3, 3), (1, 2, 4, 4))])
@pytest.mark.parametrize("kind", ["weight_norm", "weight_norm-dim1", "spectral_norm", "old_weight_norm",
                                  "old_spectral_norm"])
def test_normalizations_match_torch(make, shape, kind):
    def apply(nn, m):
        if kind.startswith("old_"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return getattr(nn.utils, kind[4:])(m)
        fn = getattr(nn.utils.parametrizations, kind.split("-")[0])
        return fn(m, dim=1) if kind.endswith("dim1") else fn(m)
    tm, bm = apply(torch.nn, make(torch.nn)), apply(bw.nn, make(bw.nn))
    assert list(bm.state_dict()) == list(tm.state_dict())
    assert [n for n, _ in bm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert repr(bm) == repr(tm)
    _load(bm, tm)
    _compare(bm, tm, shape)
    tm.eval(), bm.eval()
    _compare(bm, tm, shape, 1)


def test_register_and_remove_parametrization():
    class Symmetric(bw.nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

    class Scale(bw.nn.Module):
        def forward(self, x):
            return 2 * x

        def right_inverse(self, x):
            return x / 2

    m = bw.nn.Linear(3, 3)
    parametrize.register_parametrization(m, "weight", Symmetric())
    parametrize.register_parametrization(m, "weight", Scale())
    assert parametrize.is_parametrized(m) and parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "bias")
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    m(bw.randn(2, 3)).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    m.weight = bw.eye(3)
    np.testing.assert_allclose(m.weight.detach().numpy(), np.eye(3), atol=1e-6)
    with pytest.raises(ValueError):
        parametrize.register_parametrization(m, "nothing", Scale())
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is bw.nn.Linear and list(m.state_dict()) == ["bias", "weight"]  # as PyTorch
    np.testing.assert_allclose(m.weight.detach().numpy(), np.eye(3), atol=1e-6)
    with pytest.raises(ValueError):
        parametrize.remove_parametrizations(m, "weight")


def test_old_style_removal_and_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = bw.nn.utils.weight_norm(bw.nn.Linear(3, 4))
        w = m(bw.ones(1, 3)).detach().numpy()
        bw.nn.utils.remove_weight_norm(m)
        np.testing.assert_allclose(m(bw.ones(1, 3)).detach().numpy(), w, rtol=1e-6)
        with pytest.raises(ValueError):
            bw.nn.utils.remove_weight_norm(m)
    m = bw.nn.utils.spectral_norm(bw.nn.Linear(3, 4)).eval()
    w = m(bw.ones(1, 3)).detach().numpy()
    bw.nn.utils.remove_spectral_norm(m)
    np.testing.assert_allclose(m(bw.ones(1, 3)).detach().numpy(), w, rtol=1e-5)
    for lib in (torch, bw):
        with pytest.raises(ValueError):
            lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0)


def test_docstring_examples():
    import doctest
    import importlib
    for name in ("parametrize", "parametrizations", "weight_norm"):
        assert doctest.testmod(importlib.import_module(f"brickwork.nn.utils.{name}"), raise_on_error=False).failed == 0
