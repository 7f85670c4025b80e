"""``brickwork.nn.functional`` against PyTorch: one table of calls checked for values and gradients (float64 and
float32), float64 finite differences (first and second order), and the behaviours a table cannot show:
running statistics, dropout masks, embedding padding, pooling indices and the error messages.

The primitives (linear, conv, pools, norms, pad, embedding, gelu/softplus/hardtanh, cross entropy, binary cross
entropy, attention) are in tests/test_op_table.py's table; the cases here are the composites and variants it
does not hold."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
import torch

import brickwork as bw
import brickwork.nn.functional as F
from brickwork.autograd import gradcheck, gradgradcheck
from brickwork.nn.functional import _activation, _distance, _linear, _norm
from brickwork.ops import activation, attention, conv, dropout, embedding, linear, loss, normalization, pad, pool

TF = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")
R = np.random.default_rng(0)


def randn(*shape, scale=1.0):
    return lambda: R.standard_normal(shape) * scale


class Const:
    """An array input that is a plain (non-differentiable) tensor, e.g. running statistics."""

    def __init__(self, make):
        self.make = make


def apart(*shape):
    """Values at least 0.05 apart (in random order), so max pooling has no near-ties for finite differences."""
    def make():
        n = int(np.prod(shape))
        return (R.permutation(n) * 0.05 - n * 0.025).reshape(shape)
    return make


# name -> (function name, input makers (float arrays become differentiable tensors), keyword arguments)
CASES = {
    "bilinear": ("bilinear", [randn(2, 3), randn(2, 4), randn(5, 3, 4), randn(5)], {}),
    "conv1d-same": ("conv1d", [randn(2, 3, 8), randn(4, 3, 4)], dict(padding="same")),
    "conv2d-stride": ("conv2d", [randn(2, 3, 9, 8), randn(4, 3, 3, 2)], dict(stride=2)),
    "conv2d-depthwise": ("conv2d", [randn(2, 3, 6, 6), randn(6, 1, 3, 3)], dict(groups=3, padding=1)),
    "conv2d-same-even": ("conv2d", [randn(2, 2, 6, 7), randn(3, 2, 4, 2)], dict(padding="same")),
    "conv2d-same-dilated": ("conv2d", [randn(1, 2, 7, 7), randn(3, 2, 3, 3)], dict(padding="same", dilation=2)),
    "conv2d-valid": ("conv2d", [randn(1, 2, 5, 5), randn(3, 2, 2, 2)], dict(padding="valid")),
    "conv2d-1x1": ("conv2d", [randn(2, 3, 4, 4), randn(5, 3, 1, 1)], {}),
    "conv2d-stride-exceeds-kernel": ("conv2d", [randn(1, 2, 9, 9), randn(2, 2, 2, 2)], dict(stride=3)),
    "conv_transpose2d-stride-outpad": ("conv_transpose2d", [randn(2, 4, 3, 4), randn(4, 2, 3, 3)],
                                       dict(stride=(2, 3), padding=1, output_padding=(1, 2))),
    "adaptive_avg_pool2d-global": ("adaptive_avg_pool2d", [randn(2, 3, 5, 5)], dict(output_size=1)),
    "normalize": ("normalize", [randn(3, 4)], dict(p=3.0, dim=0)),
    "cosine_similarity": ("cosine_similarity", [randn(3, 4), randn(3, 4)], {}),
    "pairwise_distance": ("pairwise_distance", [randn(3, 4), randn(3, 4)], {}),
    "relu": ("relu", [randn(4, 5)], {}),
    "leaky_relu": ("leaky_relu", [randn(4, 5)], dict(negative_slope=0.2)),
    "elu": ("elu", [randn(4, 5, scale=3)], dict(alpha=0.7)),
    "selu": ("selu", [randn(4, 5, scale=3)], {}),
    "celu": ("celu", [randn(4, 5, scale=3)], dict(alpha=1.3)),
    "silu": ("silu", [randn(4, 5, scale=3)], {}),
    "mish": ("mish", [randn(4, 5, scale=3)], {}),
    "sigmoid": ("sigmoid", [randn(4, 5, scale=3)], {}),
    "tanh": ("tanh", [randn(4, 5, scale=3)], {}),
    "softmax": ("softmax", [randn(4, 5, scale=3)], dict(dim=1)),
    "log_softmax": ("log_softmax", [randn(4, 5, scale=3)], dict(dim=0)),
    "softmin": ("softmin", [randn(4, 5)], dict(dim=1)),
    "relu6": ("relu6", [randn(4, 5, scale=5)], {}),
    "hardsigmoid": ("hardsigmoid", [randn(4, 5, scale=4)], {}),
    "hardswish": ("hardswish", [randn(4, 5, scale=4)], {}),
    "logsigmoid": ("logsigmoid", [randn(4, 5, scale=3)], {}),
    "softsign": ("softsign", [randn(4, 5)], {}),
    "tanhshrink": ("tanhshrink", [randn(4, 5)], {}),
    "threshold": ("threshold", [randn(4, 5), 0.1, -2.0], {}),
    "glu": ("glu", [randn(4, 6)], dict(dim=1)),
    "prelu": ("prelu", [randn(4, 3, 2), lambda: R.uniform(0.1, 0.5, 3)], {}),
}

# PyTorch computes these float64 gradients with a float32 constant (1/6, 1/alpha), good to about 1e-8.
FLOAT32_CONSTANTS = {"celu", "hardsigmoid", "hardswish"}

# Smooth in their float inputs: checked by float64 finite differences to second order.
SECOND_ORDER = {"bilinear", "conv2d-same-even", "elu", "selu", "celu", "silu", "mish", "sigmoid", "tanh", "softmax",
                "log_softmax", "logsigmoid", "normalize", "cosine_similarity"}


def _materialize(name):
    fn, makers, kwargs = CASES[name]
    args = [Const(m.make()) if isinstance(m, Const) else m() if callable(m) else m for m in makers]
    return fn, args, kwargs


def _pair(args, dtype):
    """The same arguments for brickwork and torch; float arrays become differentiable tensors."""
    bargs, targs = [], []
    for a in args:
        if isinstance(a, Const):
            bargs.append(bw.tensor(a.make.astype(dtype)))
            targs.append(torch.tensor(a.make.astype(dtype)))
        elif isinstance(a, np.ndarray):
            floating = a.dtype.kind == "f"
            a = a.astype(dtype) if floating else a
            bargs.append(bw.tensor(a, requires_grad=floating))
            targs.append(torch.tensor(a, requires_grad=floating))
        else:
            bargs.append(a)
            targs.append(a)
    return bargs, targs


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-5)], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, dtype, tol):
    fn, args, kwargs = _materialize(name)
    if name in FLOAT32_CONSTANTS:
        tol = max(tol, 1e-7)
    bargs, targs = _pair(args, dtype)
    yb, yt = getattr(F, fn)(*bargs, **kwargs), getattr(TF, fn)(*targs, **kwargs)
    assert tuple(yb.shape) == tuple(yt.shape)
    assert yb.dtype.name == str(yt.dtype).replace("torch.", "")
    np.testing.assert_allclose(yb.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    g = R.standard_normal(tuple(yt.shape)).astype(dtype)
    yb.backward(bw.tensor(g))
    yt.backward(torch.tensor(g))
    for b, t in zip(bargs, targs):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert (b.grad is None) == (t.grad is None)
            if t.grad is not None:
                np.testing.assert_allclose(b.grad.numpy(), t.grad.numpy(), rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_finite_differences(name):
    fn, args, kwargs = _materialize(name)
    bargs, _ = _pair(args, np.float64)
    f = lambda *xs: getattr(F, fn)(*xs, **kwargs)  # noqa: E731
    assert gradcheck(f, tuple(bargs))
    assert gradgradcheck(f, tuple(bargs))


@pytest.mark.parametrize("name", ["relu", "relu6", "threshold", "conv2d-stride"])
def test_first_order_finite_differences(name):
    fn, args, kwargs = _materialize(name)
    bargs, _ = _pair(args, np.float64)
    assert gradcheck(lambda *xs: getattr(F, fn)(*xs, **kwargs), tuple(bargs))


def test_conv_lenet_shapes_float32():
    # the benchmark's shapes, wide-column path included, at float32 tolerance
    x, w, b = R.standard_normal((8, 6, 12, 12)), R.standard_normal((16, 6, 5, 5)), R.standard_normal(16)
    (bx, bw_, bb), (tx, tw, tb) = _pair([x, w, b], np.float32)
    yb, yt = F.conv2d(bx, bw_, bb), TF.conv2d(tx, tw, tb)
    np.testing.assert_allclose(yb.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    yb.square().sum().backward()
    yt.square().sum().backward()
    for b_, t_ in ((bx, tx), (bw_, tw), (bb, tb)):
        np.testing.assert_allclose(b_.grad.numpy(), t_.grad.numpy(), rtol=1e-4, atol=1e-2)


def test_conv_double_backward_matches_torch():
    x, w = R.standard_normal((2, 3, 6, 5)), R.standard_normal((4, 3, 3, 2))
    (bx, bw_), (tx, tw) = _pair([x, w], np.float64)
    res = []
    for f, xx, ww in ((F.conv2d, bx, bw_), (TF.conv2d, tx, tw)):
        y = f(xx, ww, stride=2, padding=1)
        gx, gw = (bw.autograd.grad if f is F.conv2d else torch.autograd.grad)((y * y).sum(), (xx, ww),
                                                                              create_graph=True)
        (gx.sum() + (gw * gw).sum()).backward()
        res.append((xx.grad.numpy(), ww.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_max_pool_indices_match_torch():
    x = apart(2, 3, 9, 10)()
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
               dict(kernel_size=(2, 3), dilation=2)):
        _, ib = F.max_pool2d(bw.tensor(x), return_indices=True, **kw)
        _, it = TF.max_pool2d(torch.tensor(x), return_indices=True, **kw)
        assert ib.dtype == bw.int64 and np.array_equal(ib.numpy(), it.numpy())
    for size in ((4, 5), 3):
        _, ib = F.adaptive_max_pool2d(bw.tensor(x), size, return_indices=True)
        _, it = TF.adaptive_max_pool2d(torch.tensor(x), size, return_indices=True)
        assert np.array_equal(ib.numpy(), it.numpy())


def test_max_pool_ties_and_nan_follow_torch():
    x = np.array([[[[1.0, 1.0, 0.0], [np.nan, 2.0, 2.0], [0.0, 0.0, 0.0]]]])
    for kw in (dict(kernel_size=2, stride=1), dict(kernel_size=2, stride=1, padding=1)):
        (yb, ib), (yt, it) = (F.max_pool2d(bw.tensor(x), return_indices=True, **kw),
                              TF.max_pool2d(torch.tensor(x), return_indices=True, **kw))
        np.testing.assert_array_equal(yb.numpy(), yt.numpy())
        np.testing.assert_array_equal(ib.numpy(), it.numpy())


def test_batch_norm_updates_running_statistics_like_torch():
    x = R.standard_normal((6, 3, 4))
    stats = [(bw.zeros(3, dtype=bw.float64), bw.ones(3, dtype=bw.float64)),
             (torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64))]
    for _ in range(3):
        F.batch_norm(bw.tensor(x), *stats[0], training=True, momentum=0.3)
        TF.batch_norm(torch.tensor(x), *stats[1], training=True, momentum=0.3)
    for b, t in zip(stats[0], stats[1]):
        np.testing.assert_allclose(b.numpy(), t.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(bw.ones(1, 3), None, None, training=True)


@pytest.mark.parametrize("affine", [False, True])
def test_norm_output_changed_in_place_still_differentiates(affine):
    # a following ReLU(inplace=True) modifies the output; the gradient must still be PyTorch's
    x, w, b = R.standard_normal((4, 3, 5)), R.standard_normal(3), R.standard_normal(3)
    grads = []
    for lib, fn in ((bw, F), (torch, TF)):
        t = lib.tensor(x, requires_grad=True)
        params = (lib.tensor(w), lib.tensor(b)) if affine else (None, None)
        y = fn.batch_norm(t, None, None, *params, training=True)
        y.relu_()
        (y * y).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, atol=1e-12)


def test_dropout_masks_scale_and_modes():
    bw.manual_seed(0)
    x = bw.ones(200, 50, requires_grad=True)
    y = F.dropout(x, 0.3)
    vals = y.detach().numpy()
    assert set(np.unique(vals)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((vals == 0).mean() - 0.3) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), vals)  # the gradient is the mask itself
    assert F.dropout(x, 0.3, training=False) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0.0
    z = F.dropout2d(bw.ones(4, 8, 3, 3), 0.5).numpy()
    assert np.all(z.min(axis=(2, 3)) == z.max(axis=(2, 3)))  # whole channels
    t = bw.ones(10, 10)
    assert F.dropout(t, 0.5, inplace=True) is t and set(np.unique(t.numpy())) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


def test_embedding_padding_row_gets_no_gradient_and_max_norm():
    w = bw.tensor(R.standard_normal((5, 3)), requires_grad=True)
    F.embedding(bw.tensor([[0, 2, 2], [4, 2, 1]]), w, padding_idx=2).sum().backward()
    g = w.grad.numpy()
    assert np.all(g[2] == 0) and np.all(g[0] == 1) and np.all(g[3] == 0)
    wb, wt = bw.tensor(R.standard_normal((5, 3)) * 3), None
    wt = torch.tensor(wb.numpy().copy())
    F.embedding(bw.tensor([1, 3]), wb, max_norm=1.0)
    TF.embedding(torch.tensor([1, 3]), wt, max_norm=1.0)
    np.testing.assert_allclose(wb.numpy(), wt.numpy(), rtol=1e-6)


def test_one_hot():
    idx = R.integers(0, 5, (3, 4))
    np.testing.assert_array_equal(F.one_hot(bw.tensor(idx)).numpy(), TF.one_hot(torch.tensor(idx)).numpy())
    assert F.one_hot(bw.tensor(idx), 7).shape == (3, 4, 7)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(bw.tensor([-1, 0]), 3)


def test_inplace_activations_modify_input():
    for fn, kw in (("relu", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {}), ("hardtanh", {}),
                   ("silu", {})):
        x = bw.tensor([-1.0, 0.5, 2.0])
        expected = getattr(TF, fn)(torch.tensor([-1.0, 0.5, 2.0]), **kw).numpy()
        y = getattr(F, fn)(x, inplace=True, **kw)
        assert y is x
        np.testing.assert_allclose(x.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(bw.ones(3, 8, 8), bw.ones(4, 2, 3, 3)), r"to have 2 channels, but got 3"),
    (lambda: F.conv2d(bw.ones(1, 2, 8, 8), bw.ones(4, 2, 3, 3), stride=2, padding="same"), "strided"),
])
def test_error_messages(call, match):
    with pytest.raises((RuntimeError, ValueError, IndexError), match=match):
        call()


@pytest.mark.parametrize("module", [_activation, _distance, _linear, _norm, activation, attention, conv, dropout,
                                    embedding, linear, loss, normalization, pad, pool],
                         ids=lambda m: m.__name__.removeprefix("brickwork."))
def test_docstring_examples(module):
    assert doctest.testmod(module, raise_on_error=False).failed == 0
