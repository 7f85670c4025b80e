"""brickwork.distributions against torch.distributions: densities, moments, gradients, sampling, validation, KL."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import distributions as bd

_r = np.random.default_rng(0)
LOC = _r.standard_normal(4)
SCALE = _r.uniform(0.5, 2.0, 4)
PROBS = _r.uniform(0.05, 0.95, 4)
CPROBS = _r.uniform(0.1, 1.0, (3, 4))
X = _r.standard_normal(4)
POS = _r.uniform(0.1, 3.0, 4)
U = _r.uniform(0.05, 0.95, 4)


def _make(lib, name):
    leaves = []

    def t(a):
        leaves.append(lib.tensor(a, dtype=lib.float64, requires_grad=True))
        return leaves[-1]

    D = lib.distributions
    d = {
        "Normal": lambda: D.Normal(t(LOC), t(SCALE)),
        "Uniform": lambda: D.Uniform(t(LOC - 1), t(LOC + SCALE)),
        "Exponential": lambda: D.Exponential(t(SCALE)),
        "Laplace": lambda: D.Laplace(t(LOC), t(SCALE)),
        "Cauchy": lambda: D.Cauchy(t(LOC), t(SCALE)),
        "LogNormal": lambda: D.LogNormal(t(LOC), t(SCALE)),
        "Bernoulli": lambda: D.Bernoulli(probs=t(PROBS)),
        "BernoulliLogits": lambda: D.Bernoulli(logits=t(LOC)),
        "Categorical": lambda: D.Categorical(probs=t(CPROBS)),
        "CategoricalLogits": lambda: D.Categorical(logits=t(CPROBS * 3)),
        "OneHotCategorical": lambda: D.OneHotCategorical(probs=t(CPROBS)),
        "Geometric": lambda: D.Geometric(probs=t(PROBS)),
        "GeometricLogits": lambda: D.Geometric(logits=t(LOC)),
        "Independent": lambda: D.Independent(D.Normal(t(CPROBS), t(CPROBS + 0.5)), 1),
    }[name]()
    d._test_leaves = leaves  # the parameters as created (the distributions may hold broadcast views)
    return d


def _value(name):
    return {"Normal": X, "Uniform": LOC - 1 + SCALE * U, "Exponential": POS, "Laplace": X, "Cauchy": X,
            "LogNormal": POS, "Bernoulli": (PROBS > 0.5) * 1.0, "BernoulliLogits": (LOC > 0) * 1.0,
            "Categorical": np.array([0, 3, 2]), "CategoricalLogits": np.array([1, 0, 2]),
            "OneHotCategorical": np.eye(4)[[0, 3, 2]], "Geometric": np.array([0.0, 1.0, 3.0, 2.0]),
            "GeometricLogits": np.array([2.0, 0.0, 1.0, 5.0]), "Independent": CPROBS[::-1].copy()}[name]


NAMES = ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal", "Bernoulli", "BernoulliLogits",
         "Categorical", "CategoricalLogits", "OneHotCategorical", "Geometric", "GeometricLogits", "Independent"]


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("name", NAMES)
def test_log_prob_entropy_moments_and_grads_match_torch(name):
    b, t = _make(bw, name), _make(torch, name)
    assert tuple(b.batch_shape) == tuple(t.batch_shape) and tuple(b.event_shape) == tuple(t.event_shape)
    v = _value(name)
    bv = bw.tensor(v, dtype=bw.int64 if v.dtype.kind == "i" else bw.float64)
    tv = torch.tensor(v, dtype=torch.int64 if v.dtype.kind == "i" else torch.float64)
    bl, tl = b.log_prob(bv), t.log_prob(tv)
    np.testing.assert_allclose(_np(bl), _np(tl), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(b.entropy()), _np(t.entropy()), rtol=1e-10, atol=1e-12)
    for attr in ("mean", "mode", "variance", "stddev"):
        np.testing.assert_allclose(_np(getattr(b, attr)), _np(getattr(t, attr)), rtol=1e-10, atol=1e-12,
                                   err_msg=attr)
    # gradients of log_prob + entropy with respect to the parameters
    (bl.sum() + b.entropy().sum()).backward()
    (tl.sum() + t.entropy().sum()).backward()
    for bp, tp in zip(b._test_leaves, t._test_leaves):
        assert bp.grad is not None
        np.testing.assert_allclose(_np(bp.grad), _np(tp.grad), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal"])
def test_cdf_icdf_match_torch(name):
    b, t = _make(bw, name), _make(torch, name)
    v = _value(name)
    np.testing.assert_allclose(_np(b.cdf(bw.tensor(v))), _np(t.cdf(torch.tensor(v))), rtol=1e-10, atol=1e-12)
    if name != "LogNormal":  # torch's TransformedDistribution icdf
        np.testing.assert_allclose(_np(b.icdf(bw.tensor(U))), _np(t.icdf(torch.tensor(U))), rtol=1e-9, atol=1e-12)


def _grad_of_rsample(lib, name, draw):
    d = _make(lib, name)
    x = draw(d)
    x.sum().backward()
    return x, [p.grad for p in d._test_leaves]


@pytest.mark.parametrize("name", ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal"])
def test_rsample_gradients_are_the_reparameterisation_derivatives(name):
    # draw through icdf(u) on both sides for the same u: rsample's derivative equals icdf's at u
    u = U
    bx, bg = _grad_of_rsample(bw, name, lambda d: d.icdf(bw.tensor(u)))
    tx, tg = _grad_of_rsample(torch, name, lambda d: d.icdf(torch.tensor(u)) if name != "LogNormal" else
                              d.base_dist.icdf(torch.tensor(u)).exp())
    for a, c in zip(bg, tg):
        np.testing.assert_allclose(_np(a), _np(c), rtol=1e-9)
    # rsample itself: gradient flows, and d x / d loc = 1 for location families
    d = _make(bw, name)
    x = d.rsample((3,))
    assert x.shape == (3, 4) and x.requires_grad
    x.sum().backward()
    if name in ("Normal", "Laplace", "Cauchy"):
        loc, scale = d._test_leaves
        np.testing.assert_allclose(loc.grad.numpy(), np.full(4, 3.0))
        eps = (x.detach() - loc.detach()) / scale.detach()
        np.testing.assert_allclose(scale.grad.numpy(), eps.numpy().sum(0), rtol=1e-10)


@pytest.mark.parametrize("name,tol", [("Normal", 0.05), ("Uniform", 0.05), ("Exponential", 0.1),
                                      ("Laplace", 0.1), ("Bernoulli", 0.03), ("Categorical", 0.03),
                                      ("OneHotCategorical", 0.03), ("Geometric", 0.1), ("Independent", 0.05)])
def test_sample_moments_and_reproducibility(name, tol):
    bw.manual_seed(0)
    d = _make(bw, name)
    s = d.sample((4000,))
    assert not s.requires_grad
    assert tuple(s.shape) == (4000,) + tuple(d.batch_shape) + tuple(d.event_shape)
    if name == "Categorical":
        freq = np.stack([(s.numpy() == k).mean(0) for k in range(4)], -1)
        np.testing.assert_allclose(freq, d.probs.detach().numpy(), atol=tol)
    else:
        np.testing.assert_allclose(s.numpy().mean(0), d.mean.detach().numpy(),
                                   atol=tol * (1 + np.abs(d.stddev.detach().numpy()).max()))
    bw.manual_seed(0)
    np.testing.assert_array_equal(_make(bw, name).sample((4000,)).numpy(), s.numpy())


@pytest.mark.parametrize("make,value", [
    (lambda D, t: D.Normal(t([0.0]), t([-1.0])), None),
    (lambda D, t: D.Exponential(t([0.0])), None),
    (lambda D, t: D.Bernoulli(probs=t([1.5])), None),
    (lambda D, t: D.Categorical(probs=t([[-0.1, 1.0]])), None),
    (lambda D, t: D.Uniform(t([1.0]), t([0.0])), None),
    (lambda D, t: D.Normal(t([0.0]), t([1.0])), [float("nan")]),
    (lambda D, t: D.Exponential(t([1.0])), [-1.0]),
    (lambda D, t: D.Bernoulli(probs=t([0.5])), [0.5]),
    (lambda D, t: D.Uniform(t([0.0]), t([1.0])), [2.0]),
])
def test_validation_errors_match_torch(make, value):
    for lib in (torch, bw):
        D, t = lib.distributions, lambda a: lib.tensor(a)
        with pytest.raises(ValueError, match="Expected (parameter|value argument)"):
            make(D, t).log_prob(t(value if value is not None else [0.0]))
    d = bd.Normal(bw.tensor([0.0]), bw.tensor([-1.0]), validate_args=False)  # validation off: no error
    assert d.scale.item() == -1.0
    with pytest.raises(ValueError, match="not both"):
        bd.Bernoulli(probs=bw.tensor(0.5), logits=bw.tensor(0.0))


def test_set_default_validate_args():
    bd.Distribution.set_default_validate_args(False)
    try:
        bd.Normal(bw.tensor(0.0), bw.tensor(-1.0))
    finally:
        bd.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        bd.Normal(bw.tensor(0.0), bw.tensor(-1.0))


def test_expand_and_batch_shapes():
    d = bd.Normal(bw.tensor(0.0), bw.tensor(1.0)).expand((2, 3))
    assert tuple(d.batch_shape) == (2, 3) and tuple(d.sample((5,)).shape) == (5, 2, 3)
    c = bd.Categorical(probs=bw.tensor([0.2, 0.8])).expand((3,))
    assert tuple(c.batch_shape) == (3,) and tuple(c.sample((2,)).shape) == (2, 3)
    o = bd.OneHotCategorical(probs=bw.tensor([0.2, 0.8])).expand((3,))
    assert tuple(o.sample().shape) == (3, 2)
    assert tuple(bd.Bernoulli(probs=bw.tensor([0.3])).expand((4, 1)).batch_shape) == (4, 1)
    assert tuple(bd.Bernoulli(probs=bw.tensor([0.3, 0.6])).enumerate_support().shape) == (2, 2)


KL_PAIRS = [("Normal", "Normal"), ("Bernoulli", "Bernoulli"), ("Categorical", "Categorical"),
            ("OneHotCategorical", "OneHotCategorical"), ("Exponential", "Exponential"), ("Laplace", "Laplace"),
            ("Normal", "Laplace"), ("Uniform", "Normal"), ("Uniform", "Uniform")]


@pytest.mark.parametrize("pname,qname", KL_PAIRS)
def test_kl_divergence_matches_torch(pname, qname):
    def pair(lib):
        p = _make(lib, pname)
        D, t = lib.distributions, lambda a: lib.tensor(a, dtype=lib.float64)
        q = {"Normal": D.Normal(t(LOC[::-1].copy()), t(POS)), "Laplace": D.Laplace(t(X), t(POS)),
             "Bernoulli": D.Bernoulli(probs=t(U)), "Categorical": D.Categorical(probs=t(CPROBS[::-1].copy())),
             "OneHotCategorical": D.OneHotCategorical(probs=t(CPROBS[::-1].copy())),
             "Exponential": D.Exponential(t(POS)), "Uniform": D.Uniform(t(LOC - 2), t(LOC + 3))}[qname]
        return p, q

    bk = bd.kl_divergence(*pair(bw))
    tk = torch.distributions.kl_divergence(*pair(torch))
    np.testing.assert_allclose(_np(bk), _np(tk), rtol=1e-10, atol=1e-12)


def test_kl_unregistered_pair_raises_like_torch():
    with pytest.raises(NotImplementedError):
        torch.distributions.kl_divergence(torch.distributions.Cauchy(0.0, 1.0), torch.distributions.Normal(0.0, 1.0))
    with pytest.raises(NotImplementedError, match="register_kl"):
        bd.kl_divergence(bd.Cauchy(0.0, 1.0), bd.Normal(0.0, 1.0))
