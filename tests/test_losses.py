"""Loss functions and loss modules against PyTorch: values, input and target gradients for every option that
changes the math, float64 finite differences for cross entropy, and the error messages."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
import brickwork.nn.functional as F

TF = torch.nn.functional
R = np.random.default_rng(0)


def randn(*shape):
    return lambda: R.standard_normal(shape).astype(np.float32)


def uniform(*shape, lo=0.02, hi=0.98):
    return lambda: R.uniform(lo, hi, shape).astype(np.float32)


def ints(hi, *shape, ignore=None):
    def make():
        t = R.integers(0, hi, shape)
        if ignore is not None:
            t.reshape(-1)[:: 3] = ignore
        return t
    return make


def probs(*shape, dim=1):
    def make():
        e = np.exp(R.standard_normal(shape))
        return (e / e.sum(axis=dim, keepdims=True)).astype(np.float32)
    return make


# name -> (function, input maker, target maker, extra kwargs (numpy arrays become tensors))
CASES = {
    "mse": ("mse_loss", randn(3, 4), randn(3, 4), {}),
    "mse-weight": ("mse_loss", randn(3, 4), randn(3, 4), {"weight": uniform(3, 4)}),
    "l1": ("l1_loss", randn(3, 4), randn(3, 4), {}),
    "l1-weight": ("l1_loss", randn(3, 4), randn(3, 4), {"weight": uniform(3, 4)}),
    "smooth_l1": ("smooth_l1_loss", randn(3, 4), randn(3, 4), {}),
    "smooth_l1-beta": ("smooth_l1_loss", randn(3, 4), randn(3, 4), {"beta": 0.5}),
    "smooth_l1-beta0": ("smooth_l1_loss", randn(3, 4), randn(3, 4), {"beta": 0.0}),
    "huber": ("huber_loss", randn(3, 4), randn(3, 4), {}),
    "huber-delta": ("huber_loss", randn(3, 4), randn(3, 4), {"delta": 0.3}),
    "huber-weight": ("huber_loss", randn(3, 4), randn(3, 4), {"delta": 0.7, "weight": uniform(3, 4)}),
    "ce": ("cross_entropy", randn(6, 5), ints(5, 6), {}),
    "ce-unbatched": ("cross_entropy", randn(5), ints(5), {}),
    "ce-spatial": ("cross_entropy", randn(2, 4, 3, 2), ints(4, 2, 3, 2), {}),
    "ce-weight": ("cross_entropy", randn(6, 5), ints(5, 6), {"weight": uniform(5)}),
    "ce-ignore": ("cross_entropy", randn(6, 5), ints(5, 6, ignore=-100), {}),
    "ce-ignore-custom": ("cross_entropy", randn(6, 5), ints(5, 6), {"ignore_index": 2}),
    "ce-weight-ignore": ("cross_entropy", randn(6, 5), ints(5, 6, ignore=-100), {"weight": uniform(5)}),
    "ce-smooth": ("cross_entropy", randn(6, 5), ints(5, 6), {"label_smoothing": 0.2}),
    "ce-smooth-weight-ignore": ("cross_entropy", randn(2, 5, 3), ints(5, 2, 3, ignore=-100),
                                {"weight": uniform(5), "label_smoothing": 0.3}),
    "ce-all-ignored": ("cross_entropy", randn(3, 4), ints(4, 3, ignore=-100), {"ignore_index": -100}),
    "ce-probs": ("cross_entropy", randn(6, 5), probs(6, 5), {}),
    "ce-probs-unbatched": ("cross_entropy", randn(5), probs(5, dim=0), {}),
    "ce-probs-spatial-weight": ("cross_entropy", randn(2, 5, 3), probs(2, 5, 3), {"weight": uniform(5)}),
    "ce-probs-smooth": ("cross_entropy", randn(6, 5), probs(6, 5), {"label_smoothing": 0.1}),
    "nll": ("nll_loss", randn(6, 5), ints(5, 6), {}),
    "nll-unbatched": ("nll_loss", randn(5), ints(5), {}),
    "nll-spatial-weight-ignore": ("nll_loss", randn(2, 5, 3), ints(5, 2, 3, ignore=4),
                                  {"weight": uniform(5), "ignore_index": 4}),
    "bce": ("binary_cross_entropy", uniform(3, 4), uniform(3, 4, lo=0, hi=1), {}),
    "bce-weight": ("binary_cross_entropy", uniform(3, 4), uniform(3, 4, lo=0, hi=1), {"weight": uniform(4)}),
    "bce-hard-labels": ("binary_cross_entropy", uniform(8), lambda: (R.random(8) > 0.5).astype(np.float32), {}),
    "bce_logits": ("binary_cross_entropy_with_logits", randn(3, 4), uniform(3, 4, lo=0, hi=1), {}),
    "bce_logits-weight": ("binary_cross_entropy_with_logits", randn(3, 4), uniform(3, 4, lo=0, hi=1),
                          {"weight": uniform(3, 1)}),
    "bce_logits-pos_weight": ("binary_cross_entropy_with_logits", randn(3, 4), uniform(3, 4, lo=0, hi=1),
                              {"pos_weight": uniform(4, lo=0.5, hi=3)}),
    "bce_logits-extreme": ("binary_cross_entropy_with_logits",
                           lambda: np.array([-120.0, -30.0, 0.0, 0.0, 30.0, 120.0], np.float32),
                           lambda: np.array([1.0, 0.0, 1.0, 0.0, 0.3, 1.0], np.float32),
                           {"pos_weight": lambda: np.array([1.5], np.float32)}),
    "kl": ("kl_div", lambda: np.log(probs(4, 5)()), probs(4, 5), {}),
    "kl-zeros": ("kl_div", lambda: np.log(probs(4, 5)()),
                 lambda: np.where(R.random((4, 5)) > 0.5, probs(4, 5)(), 0).astype(np.float32), {}),
    "kl-log_target": ("kl_div", lambda: np.log(probs(4, 5)()), lambda: np.log(probs(4, 5)()),
                      {"log_target": True}),
}
REDUCTIONS = {"kl_div": ("none", "sum", "mean", "batchmean")}


def _params():
    for name, (fn, *_rest) in CASES.items():
        for red in REDUCTIONS.get(fn, ("none", "mean", "sum")):
            yield pytest.param(name, red, id=f"{name}-{red}")


def _pair(a: np.ndarray, grad: bool):
    t = torch.tensor(a, requires_grad=grad)
    b = bw.tensor(a, requires_grad=grad)
    return t, b


@pytest.mark.parametrize("name,reduction", list(_params()))
def test_loss_matches_torch(name: str, reduction: str) -> None:
    fn, make_x, make_t, extra = CASES[name]
    x = make_x()
    t = make_t()
    float_target = t.dtype.kind == "f"
    tx, bx = _pair(x, True)
    tt, bt = _pair(t, float_target)
    tk, bk = {}, {}
    for k, v in extra.items():
        if callable(v):
            a = v()
            tk[k], bk[k] = torch.tensor(a), bw.tensor(a)
        else:
            tk[k] = bk[k] = v
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(TF, fn)(tx, tt, reduction=reduction, **tk)
        got = getattr(F, fn)(bx, bt, reduction=reduction, **bk)
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-5)
    if not np.isfinite(expected.detach().numpy()).all():
        return
    up = R.standard_normal(tuple(expected.shape)).astype(np.float32)
    expected.backward(torch.tensor(up))
    got.backward(bw.tensor(up))
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    if float_target and tt.grad is not None:
        # PyTorch's kl_div gives NaN target gradients at target == 0 (where t*log(t) has slope -inf); ours are finite
        finite = np.isfinite(tt.grad.numpy())
        np.testing.assert_allclose(bt.grad.numpy()[finite], tt.grad.numpy()[finite], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls,kwargs", [
    ("MSELoss", {}), ("L1Loss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
    ("HuberLoss", {"delta": 0.5, "reduction": "none"}), ("KLDivLoss", {"reduction": "batchmean"}),
    ("BCELoss", {}), ("BCEWithLogitsLoss", {"pos_weight": np.array([2.0, 0.5, 1.0], np.float32)}),
    ("CrossEntropyLoss", {"weight": np.array([0.2, 1.0, 3.0], np.float32), "label_smoothing": 0.1,
                          "ignore_index": 1}),
    ("NLLLoss", {"weight": np.array([0.2, 1.0, 3.0], np.float32)}),
    ("CrossEntropyLoss", {"size_average": False}),
])
def test_loss_modules(cls: str, kwargs: dict) -> None:
    tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    bk = {k: bw.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, bm = getattr(torch.nn, cls)(**tk), getattr(bw.nn, cls)(**bk)
    assert list(bm.state_dict()) == list(tm.state_dict())
    assert bm.reduction == tm.reduction and repr(bm) == repr(tm)
    x = R.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    if cls in ("CrossEntropyLoss", "NLLLoss"):
        t = R.integers(0, 3, 4)
    else:
        t = R.uniform(0, 1, (4, 3)).astype(np.float32)
    tx, bx = _pair(x, True)
    expected, got = tm(tx, torch.tensor(t)), bm(bx, bw.tensor(t))
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_cross_entropy_gradcheck_float64() -> None:
    x = bw.tensor(R.standard_normal((4, 3, 2)), dtype=bw.float64, requires_grad=True)
    t = bw.tensor([[0, 2], [1, -100], [2, 2], [0, 1]])
    w = bw.tensor([0.5, 1.0, 2.0], dtype=bw.float64)
    for kw in ({}, {"weight": w}, {"weight": w, "label_smoothing": 0.2}, {"label_smoothing": 0.4}):
        for red in ("none", "mean", "sum"):
            assert bw.autograd.gradcheck(lambda a: F.cross_entropy(a, t, reduction=red, **kw), (x,))
    p = bw.tensor(probs(4, 3, 2)(), dtype=bw.float64, requires_grad=True)
    assert bw.autograd.gradcheck(lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1), (x, p))


def test_cross_entropy_double_backward() -> None:
    x = bw.tensor(R.standard_normal((3, 4)), dtype=bw.float64, requires_grad=True)
    t = bw.tensor([0, 3, 1])
    w = bw.tensor([0.5, 1.0, 2.0, 1.5], dtype=bw.float64)
    assert bw.autograd.gradgradcheck(lambda a: F.cross_entropy(a, t, weight=w, label_smoothing=0.1), (x,))
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    (g,) = torch.autograd.grad(TF.cross_entropy(tx, torch.tensor([0, 3, 1])), tx, create_graph=True)
    (bg,) = bw.autograd.grad(F.cross_entropy(x, t), x, create_graph=True)
    (g * g).sum().backward()
    (bg * bg).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_bce_boundaries_match_torch() -> None:
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.5], np.float32)
    tx, bx = _pair(x, True)
    expected, got = TF.binary_cross_entropy(tx, torch.tensor(t)), F.binary_cross_entropy(bx, bw.tensor(t))
    np.testing.assert_allclose(got.item(), expected.item(), rtol=1e-6)
    expected.backward()
    got.backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-5)


def test_cross_entropy_errors() -> None:
    x = bw.zeros(4, 5)
    with pytest.raises(RuntimeError, match=r"expected target of shape \(N,\) = \(4,\) with class indices.*got "
                                           r"\(4, 3\) of dtype float32; for class probabilities pass a float "
                                           r"target of the input's shape \(4, 5\)"):
        F.cross_entropy(x, bw.zeros(4, 3))
    with pytest.raises(RuntimeError, match=r"CrossEntropyLoss: expected target of shape \(N,\) = \(4,\)"):
        bw.nn.CrossEntropyLoss()(x, bw.zeros(4, 3))
    with pytest.raises(RuntimeError, match=r"integer dtype.*target.long\(\)"):
        F.cross_entropy(x, bw.zeros(4))
    with pytest.raises(RuntimeError, match=r"\(N, d1\) = \(2, 3\).*got \(2, 4\)"):
        F.cross_entropy(bw.zeros(2, 5, 3), bw.zeros(2, 4, dtype=bw.int64))
    with pytest.raises(IndexError, match=r"target 7 is out of bounds for 5 classes"):
        F.cross_entropy(x, bw.tensor([0, 7, 1, 1]))
    with pytest.raises(RuntimeError, match=r"weight must be a tensor of shape \(5,\)"):
        F.cross_entropy(x, bw.tensor([0, 1, 1, 1]), weight=bw.ones(3))
    with pytest.raises(RuntimeError, match="must be floating point"):
        F.cross_entropy(x, bw.zeros(4, 5, dtype=bw.int64))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(x, bw.tensor([0, 1, 1, 1]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, bw.tensor([0, 1, 1, 1]), label_smoothing=1.5)


def test_binary_losses_errors() -> None:
    with pytest.raises(RuntimeError, match="between 0 and 1.*binary_cross_entropy_with_logits"):
        F.binary_cross_entropy(bw.tensor([0.5, 1.5]), bw.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"target shape \(2, 1\) must equal the input shape \(2,\)"):
        F.binary_cross_entropy(bw.tensor([0.5, 0.5]), bw.zeros(2, 1))
    with pytest.raises(ValueError, match=r"target size \(3,\) must be the same as input size \(2,\)"):
        F.binary_cross_entropy_with_logits(bw.zeros(2), bw.zeros(3))
    with pytest.raises(ValueError, match="weights and input must have the same size"):
        F.mse_loss(bw.zeros(2, 2), bw.zeros(2, 2), weight=bw.ones(2))


def test_broadcast_warning_like_torch() -> None:
    with pytest.warns(UserWarning, match="different to the input size"):
        out = F.mse_loss(bw.zeros(3, 1), bw.ones(3))
    assert out.item() == 1.0
