"""The margin, embedding and likelihood losses against PyTorch: values and gradients for every reduction,
float64 finite differences, the layers' reprs and state, and exception types."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
import brickwork.nn.functional as F
from brickwork.autograd import gradcheck

TF = torch.nn.functional
R = np.random.default_rng(0)


def randn(*shape):
    return lambda: R.standard_normal(shape)


def signs(*shape):
    return lambda: np.where(R.random(shape) > 0.5, 1.0, -1.0)


def ints(lo, hi, *shape):
    return lambda: R.integers(lo, hi, shape)


def labels(n, c):
    def make():  # each row: some classes, then -1, then anything
        t = np.stack([R.permutation(c) for _ in range(n)])
        for row in t:
            row[R.integers(1, c):] = -1
        t[0, -1] = 2  # a value after the first -1 is ignored
        return t
    return make


# name -> (function, positional argument makers (float ones get gradients), keyword arguments)
CASES = {
    "triplet": ("triplet_margin_loss", [randn(4, 5), randn(4, 5), randn(4, 5)], {}),
    "triplet-swap-p1": ("triplet_margin_loss", [randn(4, 5), randn(4, 5), randn(4, 5)],
                        {"swap": True, "p": 1.0, "margin": 0.5}),
    "triplet-unbatched": ("triplet_margin_loss", [randn(5), randn(5), randn(5)], {"margin": 2.0}),
    "cosine_embedding": ("cosine_embedding_loss", [randn(6, 3), randn(6, 3), signs(6)], {"margin": 0.2}),
    "cosine_embedding-1d": ("cosine_embedding_loss", [randn(3), randn(3), lambda: np.array(-1.0)], {}),
    "margin_ranking": ("margin_ranking_loss", [randn(6), randn(6), signs(6)], {"margin": 0.3}),
    "hinge_embedding": ("hinge_embedding_loss", [randn(3, 4), signs(3, 4)], {"margin": 0.7}),
    "multi_margin": ("multi_margin_loss", [randn(5, 4), ints(0, 4, 5)], {}),
    "multi_margin-p2-weight": ("multi_margin_loss", [randn(5, 4), ints(0, 4, 5)],
                               {"p": 2, "margin": 0.5, "weight": lambda: R.uniform(0.5, 2, 4)}),
    "multi_margin-unbatched": ("multi_margin_loss", [randn(4), lambda: np.array(2)], {}),
    "multilabel_margin": ("multilabel_margin_loss", [randn(4, 5), labels(4, 5)], {}),
    "multilabel_margin-1d": ("multilabel_margin_loss", [randn(5), lambda: np.array([3, 1, -1, 0, 0])], {}),
    "soft_margin": ("soft_margin_loss", [randn(3, 4), signs(3, 4)], {}),
    "multilabel_soft_margin": ("multilabel_soft_margin_loss", [randn(3, 4), lambda: R.integers(0, 2, (3, 4)) * 1.0],
                               {"weight": lambda: R.uniform(0.5, 2, 4)}),
    "poisson": ("poisson_nll_loss", [randn(3, 4), lambda: R.poisson(2.0, (3, 4)) * 1.0], {}),
    "poisson-full-rate": ("poisson_nll_loss", [lambda: R.uniform(0.2, 3, (3, 4)), lambda: R.poisson(2.0, (3, 4)) * 1.0],
                          {"log_input": False, "full": True}),
    "gaussian": ("gaussian_nll_loss", [randn(3, 4), randn(3, 4), lambda: R.uniform(0.1, 2, (3, 4))], {}),
    "gaussian-homoscedastic-full": ("gaussian_nll_loss", [randn(3, 4), randn(3, 4), lambda: R.uniform(0.1, 2, (3,))],
                                    {"full": True}),
    "gaussian-shared-dim": ("gaussian_nll_loss", [randn(3, 4), randn(3, 4), lambda: R.uniform(0.1, 2, (3, 1))], {}),
    "gaussian-eps-clamped": ("gaussian_nll_loss", [randn(3, 2), randn(3, 2), lambda: np.array([[1e-9, 1.0]] * 3)], {}),
}


# the positional arguments PyTorch differentiates (the others are targets)
GRAD_ARGS = {"triplet_margin_loss": (0, 1, 2), "cosine_embedding_loss": (0, 1), "margin_ranking_loss": (0, 1, 2),
             "gaussian_nll_loss": (0, 1, 2)}


def _params():
    for name in CASES:
        for red in ("none", "mean", "sum"):
            yield pytest.param(name, red, id=f"{name}-{red}")


def _make(name, dtype):
    fn, makers, extra = CASES[name]
    arrays = [m() for m in makers]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    kw = {k: (v().astype(dtype) if callable(v) else v) for k, v in extra.items()}
    return fn, arrays, kw


@pytest.mark.parametrize("name,reduction", list(_params()))
def test_loss_matches_torch(name, reduction):
    fn, arrays, kw = _make(name, np.float32)
    grads = GRAD_ARGS.get(fn, (0,))
    ts = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    bs = [bw.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    bk = {k: bw.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    expected = getattr(TF, fn)(*ts, reduction=reduction, **tk)
    got = getattr(F, fn)(*bs, reduction=reduction, **bk)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    up = R.standard_normal(tuple(expected.shape)).astype(np.float32)
    expected.backward(torch.tensor(up))
    got.backward(bw.tensor(up))
    for t, b in zip(ts, bs):
        if t.requires_grad:
            np.testing.assert_allclose(b.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", [n for n in CASES if "eps-clamped" not in n])
def test_loss_gradcheck_float64(name):
    fn, arrays, kw = _make(name, np.float64)
    bk = {k: bw.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    floats = list(GRAD_ARGS.get(fn, (0,)))
    bs = [bw.tensor(a, requires_grad=i in floats) for i, a in enumerate(arrays)]

    def f(*xs):
        args = list(bs)
        for i, x in zip(floats, xs):
            args[i] = x
        return getattr(F, fn)(*args, reduction="sum", **bk)
    assert gradcheck(f, tuple(bs[i] for i in floats))


def _ctc_case(batched=True, concatenated=False, impossible=False):
    t_len, n, c = 12, 3, 5
    x = R.standard_normal((t_len, n, c))
    tl = np.array([4, 2, 3])
    il = np.array([12, 9, 3 if impossible else 10])
    tg = R.integers(1, c, (n, 4))
    tg[0, 1] = tg[0, 2]  # a repeated label needs a blank between
    if concatenated:
        tg = np.concatenate([tg[i, :tl[i]] for i in range(n)])
    if not batched:
        x, tg, il, tl = x[:, 0], tg[0, :tl[0]], il[:1], tl[:1]
    return x, tg, il, tl


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("form", ["padded", "concatenated", "unbatched", "lists", "zero_infinity"])
def test_ctc_matches_torch(form, reduction):
    x, tg, il, tl = _ctc_case(form != "unbatched", form == "concatenated", form == "zero_infinity")
    zi = form == "zero_infinity"
    lens = (list(il), list(tl)) if form == "lists" else None
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    targs = lens or (torch.tensor(il), torch.tensor(tl))
    bargs = lens or (bw.tensor(il), bw.tensor(tl))
    expected = TF.ctc_loss(tx.log_softmax(-1), torch.tensor(tg), *targs, reduction=reduction, zero_infinity=zi)
    got = F.ctc_loss(bx.log_softmax(-1), bw.tensor(tg), *bargs, reduction=reduction, zero_infinity=zi)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-7, atol=1e-8)
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_ctc_gradcheck_and_no_double_backward():
    x, tg, il, tl = _ctc_case()
    x = x[:6]
    il = np.minimum(il, 6)
    tl = np.array([2, 2, 1])
    f = lambda z: F.ctc_loss(z.log_softmax(-1), bw.tensor(tg), bw.tensor(il), bw.tensor(tl))  # noqa: E731
    assert gradcheck(f, (bw.tensor(x, requires_grad=True),))
    z = bw.tensor(x, requires_grad=True)
    lp = z.log_softmax(-1)
    (g,) = bw.autograd.grad(F.ctc_loss(lp, bw.tensor(tg), bw.tensor(il), bw.tensor(tl)), lp, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        g.sum().backward()
    assert bw.nn.CTCLoss()(bw.tensor(x).log_softmax(-1), bw.tensor(tg), il, tl).shape == ()


@pytest.mark.parametrize("call", [
    lambda m, F: F.triplet_margin_loss(m.ones(2, 3), m.ones(2, 3), m.ones(2, 3), margin=0.0),
    lambda m, F: F.triplet_margin_loss(m.ones(2, 3), m.ones(3), m.ones(2, 3)),
    lambda m, F: F.cosine_embedding_loss(m.ones(2, 3), m.ones(2, 3), m.ones(2, 1)),
    lambda m, F: F.cosine_embedding_loss(m.ones(2, 3), m.ones(3), m.ones(2)),
    lambda m, F: F.margin_ranking_loss(m.ones(2), m.ones(2, 1), m.ones(2)),
    lambda m, F: F.multi_margin_loss(m.ones(2, 3), m.tensor([0, 1]), p=3),
    lambda m, F: F.multi_margin_loss(m.ones(2, 3), m.tensor([0, 1]), weight=m.ones(3, 1)),
    lambda m, F: F.multi_margin_loss(m.ones(2, 3), m.tensor([0, 1, 1])),
    lambda m, F: F.multilabel_margin_loss(m.ones(2, 3), m.tensor([0, 1])),
    lambda m, F: F.soft_margin_loss(m.ones(2), m.ones(2), reduction="avg"),
    lambda m, F: F.gaussian_nll_loss(m.ones(2, 3), m.ones(2, 3), m.ones(2, 3) * -1.0),
    lambda m, F: F.gaussian_nll_loss(m.ones(2, 3), m.ones(2, 3), m.ones(3, 2)),
    lambda m, F: F.ctc_loss(m.zeros(4, 1, 3), m.tensor([[1, 2]]), [5], [2]),
    lambda m, F: F.ctc_loss(m.zeros(4, 1, 3), m.tensor([[1]]), [4], [2]),
])
def test_errors_as_torch(call):
    with pytest.raises(Exception) as te:
        call(torch, TF)
    with pytest.raises(type(te.value)):
        call(bw, F)


@pytest.mark.parametrize("cls,args,kwargs,n_inputs", [
    ("TripletMarginLoss", (), {"margin": 0.5, "swap": True}, 3),
    ("TripletMarginWithDistanceLoss", (), {"margin": 0.5}, 3),
    ("CosineEmbeddingLoss", (0.1,), {}, 2),
    ("MarginRankingLoss", (0.1,), {"reduction": "sum"}, 2),
    ("HingeEmbeddingLoss", (), {"size_average": False}, 1),
    ("MultiMarginLoss", (2, 0.5), {"weight": np.array([1.0, 2.0, 0.5], np.float32)}, 1),
    ("MultiLabelMarginLoss", (), {}, 1),
    ("SoftMarginLoss", (), {}, 1),
    ("MultiLabelSoftMarginLoss", (), {"weight": np.array([1.0, 2.0, 0.5], np.float32)}, 1),
    ("PoissonNLLLoss", (False, True), {}, 1),
    ("GaussianNLLLoss", (), {"full": True}, 1),
    ("CTCLoss", (), {"blank": 2, "zero_infinity": True}, 1),
    ("NLLLoss2d", (), {"ignore_index": 1}, 1),
])
def test_loss_modules(cls, args, kwargs, n_inputs):
    tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    bk = {k: bw.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, bm = getattr(torch.nn, cls)(*args, **tk), getattr(bw.nn, cls)(*args, **bk)
    assert repr(bm) == repr(tm) and bm.reduction == tm.reduction
    assert list(bm.state_dict()) == list(tm.state_dict())
    x = R.uniform(0.1, 1.0, (4, 3)).astype(np.float32)
    rest = {
        "CosineEmbeddingLoss": [x[::-1].copy(), signs(4)().astype(np.float32)],
        "MarginRankingLoss": [x[::-1].copy(), signs(4, 3)().astype(np.float32)],
        "HingeEmbeddingLoss": [signs(4, 3)().astype(np.float32)],
        "MultiMarginLoss": [R.integers(0, 3, 4)], "NLLLoss2d": [R.integers(0, 3, 4)],
        "MultiLabelMarginLoss": [np.array([[0, -1, 0], [1, 2, -1], [2, 0, 1], [-1, 0, 0]])],
        "SoftMarginLoss": [signs(4, 3)().astype(np.float32)],
        "MultiLabelSoftMarginLoss": [R.integers(0, 2, (4, 3)).astype(np.float32)],
        "PoissonNLLLoss": [R.poisson(1.0, (4, 3)).astype(np.float32)],
        "GaussianNLLLoss": [x[::-1].copy(), x.copy()],
        "CTCLoss": [np.array([[0, 1], [1, 1]]), np.array([3, 4]), np.array([2, 1])],
    }.get(cls, [x[::-1].copy(), x * 2])
    if cls == "CTCLoss":
        x = np.log(R.dirichlet(np.ones(3), (4, 2))).astype(np.float32)
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    expected, got = tm(tx, *map(torch.tensor, rest)), bm(bx, *map(bw.tensor, rest))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_docstring_examples():
    import doctest
    import importlib
    for name in ("brickwork.nn.modules.loss_embedding", "brickwork.nn.modules.loss_likelihood",
                 "brickwork.nn.functional._loss_margin", "brickwork.nn.functional._loss_likelihood"):
        assert doctest.testmod(importlib.import_module(name), raise_on_error=False).failed == 0
