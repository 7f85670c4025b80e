"""Layers against PyTorch through one helper, :func:`check_layer` (STYLE principle 14), applied to a table of
configurations; then the behaviours the helper cannot show (initial distributions, error messages, lazy reprs,
``ConvTranspose2d(output_size=...)``)."""

from __future__ import annotations

import copy
import doctest
import importlib
import math

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import nn

R = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def _to_bw(sd):
    return {k: bw.tensor(v.detach().numpy().copy()) for k, v in sd.items()}


def _numpy_state(module):
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def _inputs(shapes, dtype=np.float32, device="cpu"):
    """Brickwork and torch inputs: shapes give float inputs (requiring grad); arrays are used as they are."""
    arrays = [R.standard_normal(s).astype(dtype) if isinstance(s, tuple) else s for s in shapes]
    floats = [a.dtype.kind == "f" for a in arrays]
    return ([bw.tensor(a, requires_grad=f, device=device) for a, f in zip(arrays, floats)],
            [torch.tensor(a, requires_grad=f) for a, f in zip(arrays, floats)])


def _close(a, b, tol=1e-4, what=""):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol, err_msg=what)


def check_layer(make, make_torch, shapes, *, lazy=None, train_steps=0, modes=("train", "eval"), tol=1e-4,
                device="cpu"):
    """Check a brickwork layer against PyTorch's on inputs of ``shapes`` (a list; an array is used as is).

    Compares the repr, state-dict keys and shapes, parameter counts; copies torch's weights across and compares
    outputs, input gradients and parameter gradients in each of ``modes``; after ``train_steps`` training
    forwards compares the buffers (running statistics); round-trips the state dict into a fresh layer; and,
    given ``lazy`` (a constructor of the lazy form), checks the lazy layer materializes to the eager layer's
    initial weights and shapes. Brickwork's layer and inputs live on ``device``.
    """
    bm, tm = make(), make_torch()
    assert repr(bm) == repr(tm)
    tsd = tm.state_dict()
    assert [(k, tuple(v.shape)) for k, v in bm.state_dict().items()] == [(k, tuple(v.shape)) for k, v in tsd.items()]
    assert sum(p.numel() for p in bm.parameters()) == sum(p.numel() for p in tm.parameters())
    bm.load_state_dict(_to_bw(tsd))
    bm.to(device)

    for step in range(train_steps):  # running statistics follow torch's
        bx, tx = _inputs(shapes, device=device)
        bm.train()(*bx)
        tm.train()(*tx)
    for k, v in tm.state_dict().items():
        _close(bm.state_dict()[k].cpu().numpy(), v.numpy(), tol, f"buffer {k} after {train_steps} training steps")

    for mode in modes:
        bm.train(mode == "train")
        tm.train(mode == "train")
        bx, tx = _inputs(shapes, device=device)
        yb, yt = bm(*bx), tm(*tx)
        assert yb.device == bw.device(device)
        _close(yb.detach().cpu().numpy(), yt.detach().numpy(), tol, f"{mode} output")
        if not yt.requires_grad:
            continue
        g = R.standard_normal(tuple(yt.shape)).astype(np.float32)
        yb.backward(bw.tensor(g, device=device))
        yt.backward(torch.tensor(g))
        for i, (b, t) in enumerate(zip(bx, tx)):
            if t.requires_grad:
                _close(b.grad.cpu().numpy(), t.grad.numpy(), tol * 10, f"{mode} gradient of input {i}")
        tparams = dict(tm.named_parameters())
        for name, p in bm.named_parameters():
            assert (p.grad is None) == (tparams[name].grad is None), name
            if p.grad is not None:
                _close(p.grad.cpu().numpy(), tparams[name].grad.numpy(), tol * 10, f"{mode} gradient of {name}")
            p.grad = None
        tm.zero_grad()

    fresh = make().to(device)
    fresh.load_state_dict(bm.state_dict())
    for k, v in _numpy_state(bm).items():
        np.testing.assert_array_equal(fresh.state_dict()[k].cpu().numpy(), v, err_msg=f"round trip of {k}")
    fresh.eval(), bm.eval()
    bx, _ = _inputs(shapes, device=device)
    np.testing.assert_array_equal(fresh(*bx).detach().cpu().numpy(), bm(*bx).detach().cpu().numpy())

    if lazy is not None:
        bw.manual_seed(7)
        eager = make()
        bw.manual_seed(7)
        lz = lazy().to(device)
        assert "None" in repr(lz)
        bx, _ = _inputs(shapes, device=device)
        lz.eval()(*bx)  # eval: a training pass would move the running statistics
        assert repr(lz) == repr(eager)
        assert type(lz) is type(eager)
        lazy_sd, eager_sd = _numpy_state(lz), _numpy_state(eager)
        assert list(lazy_sd) == list(eager_sd)
        for k in eager_sd:
            np.testing.assert_array_equal(lazy_sd[k], eager_sd[k], err_msg=f"lazy {k}")


# name -> (brickwork constructor, torch constructor, input shapes, options for check_layer)
LAYERS = {
    "Identity": (lambda: nn.Identity(3, x=1), lambda: torch.nn.Identity(3, x=1), [(2, 3)], {}),
    "Linear": (lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), [(4, 5)],
               dict(lazy=lambda: nn.LazyLinear(3))),
    "Linear-3d-nobias": (lambda: nn.Linear(5, 3, bias=False), lambda: torch.nn.Linear(5, 3, bias=False),
                         [(2, 4, 5)], dict(lazy=lambda: nn.LazyLinear(3, bias=False))),
    "Bilinear": (lambda: nn.Bilinear(3, 4, 5), lambda: torch.nn.Bilinear(3, 4, 5), [(2, 3), (2, 4)], {}),
    "Flatten": (lambda: nn.Flatten(), lambda: torch.nn.Flatten(), [(2, 3, 4, 5)], {}),
    "Flatten-range": (lambda: nn.Flatten(0, 2), lambda: torch.nn.Flatten(0, 2), [(2, 3, 4, 5)], {}),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), lambda: torch.nn.Unflatten(1, (2, 3)), [(4, 6)], {}),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3), lambda: torch.nn.Conv1d(3, 4, 3), [(2, 3, 9)],
               dict(lazy=lambda: nn.LazyConv1d(4, 3))),
    "Conv1d-stride-pad-dil-groups": (lambda: nn.Conv1d(4, 6, 3, 2, 2, 2, 2),
                                     lambda: torch.nn.Conv1d(4, 6, 3, 2, 2, 2, 2), [(2, 4, 11)],
                                     dict(lazy=lambda: nn.LazyConv1d(6, 3, 2, 2, 2, 2))),
    "Conv1d-same-reflect": (lambda: nn.Conv1d(2, 3, 4, padding="same", padding_mode="reflect"),
                            lambda: torch.nn.Conv1d(2, 3, 4, padding="same", padding_mode="reflect"), [(2, 2, 8)], {}),
    "Conv2d": (lambda: nn.Conv2d(3, 6, 5), lambda: torch.nn.Conv2d(3, 6, 5), [(2, 3, 12, 12)],
               dict(lazy=lambda: nn.LazyConv2d(6, 5))),
    "Conv2d-stride-pad": (lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1),
                          lambda: torch.nn.Conv2d(3, 4, 3, stride=2, padding=1), [(2, 3, 9, 8)],
                          dict(lazy=lambda: nn.LazyConv2d(4, 3, stride=2, padding=1))),
    "Conv2d-rect-dilation-nobias": (lambda: nn.Conv2d(2, 4, (3, 2), dilation=(2, 1), bias=False),
                                    lambda: torch.nn.Conv2d(2, 4, (3, 2), dilation=(2, 1), bias=False),
                                    [(2, 2, 9, 7)], {}),
    "Conv2d-groups": (lambda: nn.Conv2d(4, 8, 3, groups=4, padding=1),
                      lambda: torch.nn.Conv2d(4, 8, 3, groups=4, padding=1), [(2, 4, 6, 6)],
                      dict(lazy=lambda: nn.LazyConv2d(8, 3, groups=4, padding=1))),
    "Conv2d-same": (lambda: nn.Conv2d(3, 4, 4, padding="same"), lambda: torch.nn.Conv2d(3, 4, 4, padding="same"),
                    [(2, 3, 7, 6)], {}),
    "Conv2d-valid-unbatched": (lambda: nn.Conv2d(3, 4, 3, padding="valid"),
                               lambda: torch.nn.Conv2d(3, 4, 3, padding="valid"), [(3, 6, 6)], {}),
    "Conv2d-circular": (lambda: nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="circular"),
                        lambda: torch.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="circular"), [(2, 2, 5, 6)], {}),
    "Conv2d-replicate": (lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"),
                         lambda: torch.nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"), [(2, 2, 5, 6)], {}),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(3, 2, 3, stride=2), lambda: torch.nn.ConvTranspose1d(3, 2, 3, 2),
                        [(2, 3, 5)], dict(lazy=lambda: nn.LazyConvTranspose1d(2, 3, stride=2))),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(4, 3, 3), lambda: torch.nn.ConvTranspose2d(4, 3, 3),
                        [(2, 4, 4, 5)], dict(lazy=lambda: nn.LazyConvTranspose2d(3, 3))),
    "ConvTranspose2d-full": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                                                        dilation=2),
                             lambda: torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                                              groups=2, dilation=2),
                             [(2, 4, 3, 4)], dict(lazy=lambda: nn.LazyConvTranspose2d(6, 3, 2, 1, 1, 2, True, 2))),
    "MaxPool1d": (lambda: nn.MaxPool1d(3, 2, 1, ceil_mode=True), lambda: torch.nn.MaxPool1d(3, 2, 1, ceil_mode=True),
                  [(2, 3, 10)], {}),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2), [(2, 3, 8, 8)], {}),
    "MaxPool2d-ceil-pad-dil": (lambda: nn.MaxPool2d(3, 2, 1, dilation=(1, 2), ceil_mode=True),
                               lambda: torch.nn.MaxPool2d(3, 2, 1, dilation=(1, 2), ceil_mode=True),
                               [(2, 3, 9, 10)], {}),
    "AvgPool1d": (lambda: nn.AvgPool1d(3, 2, 1), lambda: torch.nn.AvgPool1d(3, 2, 1), [(2, 3, 10)], {}),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), lambda: torch.nn.AvgPool2d(2), [(2, 3, 8, 8)], {}),
    "AvgPool2d-ceil-nopad-count": (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                                   lambda: torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
                                   [(2, 3, 8, 9)], {}),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, 4)), lambda: torch.nn.AdaptiveAvgPool2d((3, 4)),
                          [(2, 3, 7, 9)], {}),
    "AdaptiveAvgPool2d-global": (lambda: nn.AdaptiveAvgPool2d(1), lambda: torch.nn.AdaptiveAvgPool2d(1),
                                 [(2, 3, 5, 5)], {}),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d((3, 4)), lambda: torch.nn.AdaptiveMaxPool2d((3, 4)),
                          [(2, 3, 7, 9)], {}),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(4), lambda: torch.nn.BatchNorm1d(4), [(8, 4)],
                    dict(lazy=lambda: nn.LazyBatchNorm1d(), train_steps=3)),
    "BatchNorm1d-3d-momentum": (lambda: nn.BatchNorm1d(3, momentum=0.3, eps=1e-3),
                                lambda: torch.nn.BatchNorm1d(3, momentum=0.3, eps=1e-3), [(4, 3, 5)],
                                dict(lazy=lambda: nn.LazyBatchNorm1d(momentum=0.3, eps=1e-3), train_steps=3)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda: torch.nn.BatchNorm2d(3), [(4, 3, 5, 5)],
                    dict(lazy=lambda: nn.LazyBatchNorm2d(), train_steps=3)),
    "BatchNorm2d-cumulative": (lambda: nn.BatchNorm2d(3, momentum=None), lambda: torch.nn.BatchNorm2d(3, momentum=None),
                               [(4, 3, 2, 2)], dict(train_steps=4)),
    "BatchNorm2d-no-affine-no-stats": (lambda: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
                                       lambda: torch.nn.BatchNorm2d(3, affine=False, track_running_stats=False),
                                       [(4, 3, 2, 2)], dict(train_steps=1)),
    "LayerNorm": (lambda: nn.LayerNorm(5), lambda: torch.nn.LayerNorm(5), [(2, 3, 5)], {}),
    "LayerNorm-2d-nobias": (lambda: nn.LayerNorm((3, 5), eps=1e-3, bias=False),
                            lambda: torch.nn.LayerNorm((3, 5), eps=1e-3, bias=False), [(2, 3, 5)], {}),
    "LayerNorm-no-affine": (lambda: nn.LayerNorm(5, elementwise_affine=False),
                            lambda: torch.nn.LayerNorm(5, elementwise_affine=False), [(2, 5)], {}),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), [(3, 4, 5, 2)], {}),
    "Dropout-eval": (lambda: nn.Dropout(0.3), lambda: torch.nn.Dropout(0.3), [(4, 5)], dict(modes=("eval",))),
    "Dropout2d-eval": (lambda: nn.Dropout2d(0.3, inplace=True), lambda: torch.nn.Dropout2d(0.3, inplace=True),
                       [(2, 4, 3, 3)], dict(modes=("eval",))),
    "Embedding": (lambda: nn.Embedding(10, 3, padding_idx=1), lambda: torch.nn.Embedding(10, 3, padding_idx=1),
                  [R.integers(0, 10, (2, 5))], {}),
    "Embedding-max-norm": (lambda: nn.Embedding(10, 3, max_norm=1.0, norm_type=1.5),
                           lambda: torch.nn.Embedding(10, 3, max_norm=1.0, norm_type=1.5),
                           [R.integers(0, 10, (7,))], dict(modes=("train",))),
    "ReLU": (lambda: nn.ReLU(), lambda: torch.nn.ReLU(), [(3, 4)], {}),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2), [(3, 4)], {}),
    "ELU": (lambda: nn.ELU(0.5), lambda: torch.nn.ELU(0.5), [(3, 4)], {}),
    "GELU": (lambda: nn.GELU(), lambda: torch.nn.GELU(), [(3, 4)], {}),
    "GELU-tanh": (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh"), [(3, 4)], {}),
    "SiLU": (lambda: nn.SiLU(), lambda: torch.nn.SiLU(), [(3, 4)], {}),
    "Sigmoid": (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid(), [(3, 4)], {}),
    "Tanh": (lambda: nn.Tanh(), lambda: torch.nn.Tanh(), [(3, 4)], {}),
    "Softmax": (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1), [(3, 4)], {}),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0), [(3, 4)], {}),
    "Softplus": (lambda: nn.Softplus(2.0, 1.0), lambda: torch.nn.Softplus(2.0, 1.0), [(3, 4)], {}),
    "Mish": (lambda: nn.Mish(), lambda: torch.nn.Mish(), [(3, 4)], {}),
    "LeNet": (lambda: nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                                    nn.MaxPool2d(2), nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 10)),
              lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 6, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                          torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                          torch.nn.Flatten(), torch.nn.Linear(256, 120), torch.nn.ReLU(),
                                          torch.nn.Linear(120, 10)),
              [(3, 1, 28, 28)],
              dict(lazy=lambda: nn.Sequential(nn.LazyConv2d(6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.LazyConv2d(16, 5),
                                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.LazyLinear(120), nn.ReLU(),
                                              nn.LazyLinear(10)))),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer(name, device):
    make, make_torch, shapes, options = LAYERS[name]
    check_layer(make, make_torch, shapes, device=device, **options)


def test_dropout_layers_train_and_eval():
    bw.manual_seed(0)
    m = nn.Dropout(0.25)
    y = m(bw.ones(100, 100)).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)} and abs((y == 0).mean() - 0.25) < 0.02
    y2 = nn.Dropout2d(0.5)(bw.ones(8, 16, 3, 3)).numpy()
    assert np.all(y2.min(axis=(2, 3)) == y2.max(axis=(2, 3)))
    assert np.array_equal(m.eval()(bw.ones(3)).numpy(), np.ones(3))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(-0.1)


@pytest.mark.parametrize("make,fan_in,weight_name", [
    (lambda: nn.Linear(300, 200), 300, "weight"),
    (lambda: nn.Conv2d(16, 64, 5), 16 * 25, "weight"),
    (lambda: nn.Conv2d(16, 64, 3, groups=4), 4 * 9, "weight"),
    (lambda: nn.ConvTranspose2d(64, 16, 5), 16 * 25, "weight"),
])
def test_default_initialization_follows_torch(make, fan_in, weight_name):
    # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound
    m = make()
    bound = 1 / math.sqrt(fan_in)
    for p in (getattr(m, weight_name), m.bias):
        v = p.detach().numpy()
        assert v.min() >= -bound and v.max() <= bound
        assert abs(v.std() - bound / math.sqrt(3)) < 0.1 * bound
    e = nn.Embedding(1000, 64).weight.detach().numpy()
    assert abs(e.mean()) < 0.01 and abs(e.std() - 1) < 0.01
    assert nn.Embedding(5, 3, padding_idx=-1).weight.detach().numpy()[4].tolist() == [0.0, 0.0, 0.0]


def test_same_seed_same_weights_and_reset():
    bw.manual_seed(3)
    a = nn.Conv2d(3, 4, 3)
    bw.manual_seed(3)
    b = nn.Conv2d(3, 4, 3)
    assert np.array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    before = a.weight.detach().numpy().copy()
    a.weight.data.mul_(0.0)
    a.reset_parameters()
    assert np.array_equal(a.weight.detach().numpy(), before)


def test_conv_transpose_output_size():
    up, tup = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    up.load_state_dict(_to_bw(tup.state_dict()))
    x = R.standard_normal((1, 4, 5, 5)).astype(np.float32)
    yb, yt = up(bw.tensor(x), output_size=[10, 10]), tup(torch.tensor(x), output_size=[10, 10])
    assert yb.shape == (1, 2, 10, 10)
    _close(yb.detach().numpy(), yt.detach().numpy())
    with pytest.raises(ValueError, match="valid sizes range from 9 to 10"):
        up(bw.tensor(x), output_size=[12, 12])


def test_lazy_layers_with_optimizer_and_deepcopy():
    m = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    opt = bw.optim.SGD(m.parameters(), lr=0.1)
    m(bw.randn(2, 3, 6, 6))
    before = m[0].weight.detach().numpy().copy()
    m(bw.randn(2, 3, 6, 6)).sum().backward()
    opt.step()
    assert not np.array_equal(m[0].weight.detach().numpy(), before)
    assert m[1].num_features == 4 and m[4].in_features == 64
    c = copy.deepcopy(m)
    assert repr(c) == repr(m)


@pytest.mark.parametrize("call,match", [
    (lambda: nn.Linear(20, 10)(bw.ones(2, 30)), r"^Linear: expected input with last dimension 20, got shape \(2, 30\)"),
    (lambda: nn.Conv2d(3, 6, 5)(bw.ones(2, 1, 28, 28)),
     r"^Conv2d: expected input with 3 channels \(dimension 1\), got shape \(2, 1, 28, 28\); set in_channels=1"),
    (lambda: nn.Conv2d(3, 6, 5)(bw.ones(2, 3, 4, 4)), r"^Conv2d: calculated padded input size .* smaller than"),
    (lambda: nn.Conv1d(3, 6, 5)(bw.ones(2, 3, 4, 4)), r"^Conv1d: expected a 2-D \(unbatched\) or 3-D"),
    (lambda: nn.MaxPool2d(3)(bw.ones(1, 1, 2, 2)), r"^MaxPool2d: given input size \(1, 2, 2\), .* too small"),
    (lambda: nn.AvgPool2d(5)(bw.ones(1, 1, 4, 8)), r"^AvgPool2d: .* too small"),
    (lambda: nn.BatchNorm2d(3)(bw.ones(2, 3, 4)), r"^BatchNorm2d: expected 4D input"),
    (lambda: nn.BatchNorm1d(3)(bw.ones(2, 4)), r"^BatchNorm1d: expected input with 3 channels"),
    (lambda: nn.LayerNorm(4)(bw.ones(2, 3)), r"^LayerNorm: given normalized_shape=\[4\]"),
    (lambda: nn.GroupNorm(2, 4)(bw.ones(2, 3, 5)), r"^GroupNorm: expected input with 4 channels"),
    (lambda: nn.Embedding(5, 2)(bw.tensor([5])), r"^embedding: index 5 is out of range"),
    (lambda: nn.Conv2d(3, 6, 5, groups=2), "in_channels \\(3\\) must be divisible by groups"),
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding="same"), "not supported for strided"),
    (lambda: nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect"), 'Only "zeros" padding mode'),
    (lambda: nn.GroupNorm(3, 4), "divisible by num_groups"),
])
def test_errors_name_the_layer(call, match):
    with pytest.raises((RuntimeError, ValueError, IndexError), match=match):
        call()


@pytest.mark.parametrize("name", ["_layer", "_convnd", "conv", "conv_transpose", "linear", "flatten", "pooling",
                                  "adaptive_pooling", "batchnorm", "normalization", "dropout", "sparse", "activation",
                                  "softmax"])
def test_docstring_examples(name):
    module = importlib.import_module(f"brickwork.nn.modules.{name}")
    assert doctest.testmod(module, raise_on_error=False).failed == 0
