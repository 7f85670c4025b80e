"""The rest of ``torch.nn``'s layers against PyTorch through :func:`test_layers.check_layer`: activations,
padding, instance normalization, distances, channel rearranging, folding, dropout variants, 3-D layers,
upsampling, the transformer decoder and recurrent cells; then what the helper cannot show (random layers'
statistics, warnings and exception types)."""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import nn
from test_layers import R, check_layer

T = torch.nn


def _same(name, *args, shapes, **kwargs):
    """A case building ``nn.name(*args, **kwargs)`` on both sides."""
    opts = kwargs.pop("_opts", {})
    return (lambda: getattr(nn, name)(*args, **kwargs), lambda: getattr(T, name)(*args, **kwargs), shapes, opts)


LAYERS = {
    "ReLU6": _same("ReLU6", shapes=[(3, 4)]),
    "Hardtanh": _same("Hardtanh", -0.5, 0.7, shapes=[(3, 4)]),
    "Hardsigmoid": _same("Hardsigmoid", shapes=[(3, 4)]),
    "Hardswish": _same("Hardswish", shapes=[(3, 4)]),
    "Threshold": _same("Threshold", 0.1, -2.0, shapes=[(3, 4)]),
    "Hardshrink": _same("Hardshrink", 0.3, shapes=[(3, 4)]),
    "Softshrink": _same("Softshrink", 0.3, shapes=[(3, 4)]),
    "PReLU": _same("PReLU", shapes=[(3, 4)]),
    "PReLU-channels": _same("PReLU", 3, 0.1, shapes=[(2, 3, 4)]),
    "RReLU-eval": _same("RReLU", 0.1, 0.3, shapes=[(3, 4)], _opts=dict(modes=("eval",))),
    "SELU": _same("SELU", shapes=[(3, 4)]),
    "CELU": _same("CELU", 0.7, shapes=[(3, 4)]),
    "GLU": _same("GLU", 0, shapes=[(4, 3)]),
    "Softsign": _same("Softsign", shapes=[(3, 4)]),
    "Tanhshrink": _same("Tanhshrink", shapes=[(3, 4)]),
    "LogSigmoid": _same("LogSigmoid", shapes=[(3, 4)]),
    "Softmin": _same("Softmin", 1, shapes=[(3, 4)]),
    "Softmax2d": _same("Softmax2d", shapes=[(2, 3, 2, 2)]),
    "ReflectionPad1d": _same("ReflectionPad1d", (2, 1), shapes=[(2, 3, 5)]),
    "ReflectionPad2d": _same("ReflectionPad2d", (1, 2, 2, 0), shapes=[(2, 3, 4, 4)]),
    "ReflectionPad3d": _same("ReflectionPad3d", 1, shapes=[(1, 2, 3, 3, 3)]),
    "ReplicationPad1d": _same("ReplicationPad1d", 2, shapes=[(3, 4)]),
    "ReplicationPad2d": _same("ReplicationPad2d", (1, 0, 2, 3), shapes=[(2, 3, 4, 4)]),
    "ReplicationPad3d": _same("ReplicationPad3d", (1, 0, 2, 1, 0, 1), shapes=[(1, 2, 3, 3, 3)]),
    "CircularPad1d": _same("CircularPad1d", (1, 2), shapes=[(2, 3, 5)]),
    "CircularPad2d": _same("CircularPad2d", 1, shapes=[(2, 3, 4, 4)]),
    "CircularPad3d": _same("CircularPad3d", 1, shapes=[(2, 3, 3, 3)]),
    "ConstantPad1d": _same("ConstantPad1d", (2, 1), 3.5, shapes=[(2, 3, 4)]),
    "ConstantPad2d": _same("ConstantPad2d", (1, 0, 2, 1), -1.0, shapes=[(2, 3, 4)]),
    "ConstantPad3d": _same("ConstantPad3d", 1, 0.5, shapes=[(1, 2, 2, 2, 2)]),
    "ZeroPad1d": _same("ZeroPad1d", (0, 2), shapes=[(2, 3)]),
    "ZeroPad2d": _same("ZeroPad2d", (1, 2, 3, 4), shapes=[(2, 3, 4, 4)]),
    "ZeroPad3d": _same("ZeroPad3d", 1, shapes=[(1, 2, 2, 2, 2)]),
    "InstanceNorm1d": _same("InstanceNorm1d", 3, shapes=[(2, 3, 5)]),
    "InstanceNorm1d-unbatched": _same("InstanceNorm1d", 3, affine=True, shapes=[(3, 5)]),
    "InstanceNorm2d-stats": _same("InstanceNorm2d", 3, affine=True, track_running_stats=True, shapes=[(2, 3, 4, 4)],
                                  _opts=dict(train_steps=2, lazy=lambda: nn.LazyInstanceNorm2d())),
    "InstanceNorm3d": _same("InstanceNorm3d", 2, momentum=0.3, shapes=[(2, 2, 3, 2, 2)]),
    "CosineSimilarity": _same("CosineSimilarity", 0, shapes=[(4, 3), (4, 3)]),
    "PairwiseDistance": _same("PairwiseDistance", 1.5, keepdim=True, shapes=[(4, 3), (4, 3)]),
    "PixelShuffle": _same("PixelShuffle", 2, shapes=[(2, 8, 3, 3)]),
    "PixelUnshuffle": _same("PixelUnshuffle", 2, shapes=[(2, 3, 4, 6)]),
    "ChannelShuffle": _same("ChannelShuffle", 3, shapes=[(2, 6, 2, 2)]),
    "Unfold": _same("Unfold", (2, 3), padding=1, stride=2, shapes=[(2, 3, 5, 6)]),
    "Fold": _same("Fold", (4, 5), (2, 2), shapes=[(2, 12, 12)]),
    "Dropout3d-eval": _same("Dropout3d", 0.3, shapes=[(2, 3, 2, 2, 2)], _opts=dict(modes=("eval",))),
    "FeatureAlphaDropout-eval": _same("FeatureAlphaDropout", 0.3, shapes=[(2, 3, 4)], _opts=dict(modes=("eval",))),
    "Upsample-nearest": _same("Upsample", scale_factor=2, shapes=[(2, 3, 4, 5)]),
    "Upsample-bicubic-size": _same("Upsample", (5, 7), mode="bicubic", shapes=[(2, 3, 4, 4)]),
    "Upsample-trilinear-corners": _same("Upsample", scale_factor=(1.5, 2, 1), mode="trilinear", align_corners=True,
                                        shapes=[(1, 2, 2, 3, 3)]),
    "UpsamplingNearest2d": _same("UpsamplingNearest2d", size=(5, 3), shapes=[(2, 3, 2, 2)]),
    "UpsamplingBilinear2d": _same("UpsamplingBilinear2d", scale_factor=2, shapes=[(2, 3, 3, 2)]),
    "Conv3d": _same("Conv3d", 4, 6, 3, shapes=[(2, 4, 5, 6, 5)], _opts=dict(lazy=lambda: nn.LazyConv3d(6, 3))),
    "Conv3d-stride-pad-groups": _same("Conv3d", 4, 6, (3, 2, 3), stride=(2, 1, 1), padding=1, dilation=(1, 2, 1),
                                      groups=2, shapes=[(2, 4, 5, 6, 5)]),
    "Conv3d-same-reflect-unbatched": _same("Conv3d", 2, 3, 2, padding="same", padding_mode="reflect",
                                           shapes=[(2, 4, 4, 4)]),
    "ConvTranspose3d": _same("ConvTranspose3d", 4, 2, 3, stride=2, padding=1, output_padding=1, shapes=[(2, 4, 3, 2, 3)],
                             _opts=dict(lazy=lambda: nn.LazyConvTranspose3d(2, 3, 2, 1, 1))),
    "MaxPool3d": _same("MaxPool3d", 3, 2, 1, ceil_mode=True, shapes=[(2, 3, 5, 6, 7)]),
    "AvgPool3d": _same("AvgPool3d", (2, 3, 2), (1, 2, 2), (1, 1, 0), count_include_pad=False, shapes=[(2, 3, 5, 6, 7)]),
    "AdaptiveAvgPool3d": _same("AdaptiveAvgPool3d", (2, None, 3), shapes=[(2, 3, 5, 4, 7)]),
    "AdaptiveMaxPool3d": _same("AdaptiveMaxPool3d", 2, shapes=[(2, 3, 5, 4, 7)]),
    "BatchNorm3d": _same("BatchNorm3d", 3, shapes=[(2, 3, 2, 3, 2)],
                         _opts=dict(train_steps=2, lazy=lambda: nn.LazyBatchNorm3d())),
    "SyncBatchNorm": _same("SyncBatchNorm", 3, shapes=[(4, 3, 5)], _opts=dict(train_steps=2)),
    "LPPool1d": _same("LPPool1d", 2, 3, 2, shapes=[(2, 3, 9)]),
    "LPPool2d": _same("LPPool2d", 3, (2, 3), ceil_mode=True, shapes=[(2, 3, 5, 7)]),
    "LPPool3d": _same("LPPool3d", 1, 2, shapes=[(1, 2, 4, 4, 4)]),
    "EmbeddingBag": _same("EmbeddingBag", 10, 3, shapes=[R.integers(0, 10, (4, 3))]),
    "EmbeddingBag-sum-offsets-padding": (lambda: nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2),
                                         lambda: T.EmbeddingBag(10, 3, mode="sum", padding_idx=2),
                                         [np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array([0, 3, 3, 6])], {}),
    "EmbeddingBag-max-last-offset": (lambda: nn.EmbeddingBag(10, 3, mode="max", include_last_offset=True),
                                     lambda: T.EmbeddingBag(10, 3, mode="max", include_last_offset=True),
                                     [np.array([1, 2, 4, 5, 7, 3]), np.array([0, 2, 6])], {}),
    "RMSNorm": _same("RMSNorm", [2, 3], shapes=[(4, 2, 3)]),
    "RMSNorm-eps-noaffine": _same("RMSNorm", 3, 1e-3, False, shapes=[(4, 3)]),
    "LocalResponseNorm": _same("LocalResponseNorm", 3, shapes=[(2, 5, 3, 3)]),
    "LocalResponseNorm-3d": _same("LocalResponseNorm", 2, 0.1, 0.5, 2.0, shapes=[(2, 4, 3)]),
    "CrossMapLRN2d-eval": _same("CrossMapLRN2d", 3, 0.5, shapes=[(2, 4, 3, 3)], _opts=dict(modes=())),
    "TransformerDecoderLayer": _same("TransformerDecoderLayer", 8, 2, 16, 0.0, shapes=[(5, 2, 8), (4, 2, 8)]),
    "TransformerDecoderLayer-prenorm-gelu": _same("TransformerDecoderLayer", 8, 2, 16, 0.0, "gelu", batch_first=True,
                                                  norm_first=True, shapes=[(2, 5, 8), (2, 3, 8)]),
    "TransformerDecoder": (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0), 2, nn.LayerNorm(8)),
                           lambda: T.TransformerDecoder(T.TransformerDecoderLayer(8, 2, 16, 0.0), 2, T.LayerNorm(8)),
                           [(5, 2, 8), (4, 2, 8)], {}),
    "Transformer": _same("Transformer", 8, 2, 1, 2, 16, 0.0, shapes=[(4, 2, 8), (3, 2, 8)]),
    "Transformer-unbatched-nobias": _same("Transformer", 8, 2, 1, 1, 16, 0.0, bias=False, shapes=[(4, 8), (3, 8)]),
    "LinearCrossEntropyLoss": _same("LinearCrossEntropyLoss", 5, 4, shapes=[(3, 5), np.array([0, 3, 1])]),
    "LinearCrossEntropyLoss-kdim-bias-smoothing": _same("LinearCrossEntropyLoss", 5, 4, out_features=(2,), bias=True,
                                                        label_smoothing=0.1, reduction="sum",
                                                        shapes=[(3, 5), np.array([[0, 1], [3, 3], [2, 0]])]),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer(name, device):
    make, make_torch, shapes, options = LAYERS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_layer(make, make_torch, shapes, device=device, **options)


@pytest.mark.parametrize("shape,mask_shape", [((6, 5), (6, 5)), ((4, 6, 5), (4, 6, 1)), ((2, 3, 4, 5), (2, 3, 1, 1))])
def test_dropout2d_reads_ranks_as_torch(shape, mask_shape):
    """3-D input is (N, C, L) and 2-D input is dropped elementwise, both with PyTorch's warning."""
    bw.manual_seed(0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = nn.Dropout2d(0.5)(bw.ones(*shape)).numpy()
        torch.nn.Dropout2d(0.5)(torch.ones(*shape))
    assert (len(caught) > 0) == (len(shape) != 4)
    axes = tuple(i for i, n in enumerate(mask_shape) if n == 1 and shape[i] != 1)
    assert np.all(y.min(axis=axes) == y.max(axis=axes)) and 0 < (y == 0).mean() < 1


def test_dropout_unbatched_and_errors():
    bw.manual_seed(1)
    y = nn.Dropout3d(0.5)(bw.ones(8, 2, 2, 2)).numpy()  # unbatched (C, D, H, W): one draw per channel
    assert np.all(y.reshape(8, -1).min(1) == y.reshape(8, -1).max(1))
    y = nn.Dropout1d(0.5)(bw.ones(8, 5)).numpy()
    assert np.all(y.min(1) == y.max(1))
    for make, x in ((nn.Dropout1d, (2, 3, 4, 5)), (nn.Dropout2d, (4,)), (nn.FeatureAlphaDropout, (4,))):
        with pytest.raises(RuntimeError):
            getattr(T, make.__name__)()(torch.ones(x))
        with pytest.raises(RuntimeError):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make()(bw.ones(*x))
    with pytest.raises(ValueError):
        nn.Dropout3d(1.5)
    y = nn.FeatureAlphaDropout(0.5)(bw.randn(16, 32, 30)).numpy()
    dropped = y.std(axis=2) == 0  # a dropped channel is one constant, SELU's scaled saturation value
    assert 0.4 < dropped.mean() < 0.6 and len(np.unique(y[dropped])) == 1


def test_random_activation_statistics():
    bw.manual_seed(0)
    x = -bw.ones(20000)
    y = nn.RReLU(0.1, 0.3)(x).numpy()
    assert y.min() >= -0.3 and y.max() <= -0.1 and abs(y.mean() + 0.2) < 0.01
    x = bw.tensor([-1.0, 2.0], requires_grad=True)
    y = nn.RReLU()(x)
    y.sum().backward()
    assert x.grad.numpy()[1] == 1.0 and -x.grad.numpy()[0] == y.detach().numpy()[0]


@pytest.mark.parametrize("make,x", [
    (lambda m: m.Hardtanh(1.0, 0.5), None),
    (lambda m: m.Softshrink(-1.0), (2,)),
    (lambda m: m.PixelShuffle(2), (1, 3, 2, 2)),
    (lambda m: m.PixelShuffle(2), (3, 2)),
    (lambda m: m.PixelUnshuffle(2), (1, 1, 3, 2)),
    (lambda m: m.ChannelShuffle(4), (1, 6, 2)),
    (lambda m: m.Softmax2d(), (2, 3)),
    (lambda m: m.CircularPad2d(1), (2, 2)),
    (lambda m: m.InstanceNorm1d(3, affine=True), (2, 4, 5)),
    (lambda m: m.InstanceNorm2d(3), (2, 3)),
    (lambda m: m.GLU(), (2, 3)),
    (lambda m: m.PReLU(3), (2, 4)),
    (lambda m: m.RReLU(0.5, 0.1), (2,)),
    (lambda m: m.ReflectionPad1d(5), (1, 2, 3)),
])
def test_errors_as_torch(make, x):
    def run(m, lib):
        layer = make(m)
        if x is not None:
            layer(lib.ones(*x))
    with pytest.raises(Exception) as te:
        run(T, torch)
    with pytest.raises(type(te.value)):
        run(nn, bw)


def test_hardtanh_deprecated_keywords():
    with pytest.warns(FutureWarning):
        m = nn.Hardtanh(min_value=-2.0)
    assert m.min_val == -2.0 and repr(m) == repr(torch.nn.Hardtanh(-2.0))


@pytest.mark.parametrize("shape,mode", [((2, 3, 5), "nearest"), ((2, 3, 5), "linear"), ((2, 3, 5), "area"),
                                        ((1, 2, 5, 4), "nearest-exact"), ((1, 2, 5, 4), "bilinear"),
                                        ((1, 2, 5, 4), "bicubic"), ((1, 2, 5, 4), "area"),
                                        ((1, 2, 3, 4, 5), "trilinear"), ((1, 2, 3, 4, 5), "nearest")])
@pytest.mark.parametrize("how", [dict(size=7), dict(size=3), dict(scale_factor=1.7), dict(scale_factor=0.6),
                                 dict(scale_factor=2.5, recompute_scale_factor=True)])
def test_interpolate_matches_torch(shape, mode, how):
    """Values and gradients for each mode, size or scale factor, aligned corners and antialiasing."""
    x = R.standard_normal(shape).astype(np.float32)
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for align in corners:
        for aa in ([False, True] if mode in ("bilinear", "bicubic") else [False]):
            tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
            yt = torch.nn.functional.interpolate(tx, mode=mode, align_corners=align, antialias=aa, **how)
            yb = nn.functional.interpolate(bx, mode=mode, align_corners=align, antialias=aa, **how)
            assert tuple(yb.shape) == tuple(yt.shape)
            np.testing.assert_allclose(yb.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
            g = R.standard_normal(tuple(yt.shape)).astype(np.float32)
            yt.backward(torch.tensor(g))
            yb.backward(bw.tensor(g))
            np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_interpolate_gradcheck_and_errors():
    x = bw.tensor(R.standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert bw.autograd.gradcheck(lambda t: nn.functional.interpolate(t, size=(5, 3), mode="bicubic"), (x,))
    for call in (lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), size=3, scale_factor=2),
                 lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4)),
                 lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), size=3, align_corners=True),
                 lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), size=(3, 3)),
                 lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), size=3, mode="bilinear"),
                 lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), size=3, mode="linear", antialias=True),
                 lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), size=2.5)):
        with pytest.raises(Exception) as te:
            call(torch)
        with pytest.raises(type(te.value)):
            call(bw)


@pytest.mark.parametrize("nd,shape", [(1, (2, 3, 8)), (2, (2, 3, 6, 4)), (3, (1, 2, 4, 4, 6))])
def test_max_unpool_matches_torch(nd, shape):
    x = R.standard_normal(shape).astype(np.float32)
    pool, unpool = getattr(nn, f"MaxPool{nd}d")(2, return_indices=True), getattr(nn, f"MaxUnpool{nd}d")(2)
    tpool, tunpool = getattr(T, f"MaxPool{nd}d")(2, return_indices=True), getattr(T, f"MaxUnpool{nd}d")(2)
    assert repr(unpool) == repr(tunpool)
    bx, tx = bw.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (yb, ib), (yt, it) = pool(bx), tpool(tx)
    np.testing.assert_array_equal(ib.numpy(), it.numpy())
    size = [n + 1 for n in shape]
    ub, ut = unpool(yb, ib, output_size=size), tunpool(yt, it, output_size=size)
    np.testing.assert_array_equal(ub.detach().numpy(), ut.detach().numpy())
    g = R.standard_normal(tuple(ut.shape)).astype(np.float32)
    ub.backward(bw.tensor(g))
    ut.backward(torch.tensor(g))
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.conv3d(L.ones(1, 2, 3, 3, 3), L.ones(4, 3, 2, 2, 2)),
    lambda L: L.nn.functional.conv3d(L.ones(2, 3, 3, 3), L.ones(4, 2, 2, 2)),
    lambda L: L.nn.functional.conv_transpose3d(L.ones(1, 2, 3, 3, 3), L.ones(3, 2, 2, 2, 2)),
    lambda L: L.nn.functional.max_pool3d(L.ones(1, 1, 2, 2), 2),
    lambda L: L.nn.functional.max_pool3d(L.ones(1, 1, 2, 2, 2), 2, padding=2),
    lambda L: L.nn.functional.avg_pool3d(L.ones(1, 1, 1, 2, 2), 2),
    lambda L: L.nn.functional.max_unpool2d(L.ones(1, 1, 2, 2), L.zeros(1, 1, 2, 2, dtype=L.int64), 2, output_size=(9, 9)),
    lambda L: L.nn.BatchNorm3d(3)(L.ones(2, 3, 4)),
])
def test_3d_errors_as_torch(call):
    with pytest.raises(Exception) as te:
        call(torch)
    with pytest.raises(type(te.value)):
        call(bw)


def test_sync_batchnorm_conversion():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(4)))
    net[1].running_mean.fill_(0.5)
    out = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert type(out[1]) is nn.SyncBatchNorm and type(out[2][0]) is nn.SyncBatchNorm
    assert out[1].running_mean.tolist() == [0.5, 0.5]


def test_cross_map_lrn_exact_gradient():
    """Forward values are PyTorch's (checked above); the gradient is the true derivative of them."""
    for size, channels in ((2, 4), (3, 7), (6, 4)):
        a = R.standard_normal((2, channels, 3, 2)).astype(np.float32)
        np.testing.assert_allclose(nn.CrossMapLRN2d(size, 0.5)(bw.tensor(a)).numpy(),
                                   torch.nn.CrossMapLRN2d(size, 0.5)(torch.tensor(a)).numpy(), rtol=1e-6, atol=1e-6)
    x = bw.tensor(R.standard_normal((1, 5, 2, 2)), requires_grad=True)
    assert bw.autograd.gradcheck(lambda t: nn.CrossMapLRN2d(3, 0.5, 0.75, 1.0)(t), (x,))
    assert bw.autograd.gradcheck(lambda t: nn.functional.rms_norm(t, [2, 2]), (x,))


@pytest.mark.parametrize("unbatched", [False, True])
def test_adaptive_log_softmax_matches_torch(unbatched):
    tm, bm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], 2.0, True), nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6],
                                                                                                          2.0, True)
    assert repr(bm) == repr(tm) and list(bm.state_dict()) == list(tm.state_dict())
    bm.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x, t = R.standard_normal((6, 8)).astype(np.float32), np.array([0, 4, 9, 2, 7, 5])
    if unbatched:
        x, t = x[1], t[1]
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    (to, tl), (bo, bl) = tm(tx, torch.tensor(t)), bm(bx, bw.tensor(t))
    np.testing.assert_allclose(bo.detach().numpy(), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bl.detach().numpy(), tl.detach().numpy(), rtol=1e-5, atol=1e-6)
    tl.backward()
    bl.backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    for (name, p), q in zip(tm.named_parameters(), bm.parameters()):  # unused clusters get no gradient
        assert (q.grad is None) == (p.grad is None), name
        if p.grad is not None:
            np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    x = x.reshape(-1, 8)
    np.testing.assert_allclose(bm.log_prob(bw.tensor(x)).detach().numpy(), tm.log_prob(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert bm.predict(bw.tensor(x)).tolist() == tm.predict(torch.tensor(x)).tolist()
    for lib in (torch, bw):
        with pytest.raises(ValueError):
            lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3])
        with pytest.raises(RuntimeError):
            lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4])(lib.zeros(2, 8), lib.tensor([1, 10]))


@pytest.mark.parametrize("nd,shape,kernel,how", [(2, (2, 3, 9, 8), (2, 3), dict(output_size=(4, 3))),
                                                 (2, (3, 7, 7), 2, dict(output_ratio=0.5)),
                                                 (3, (2, 2, 6, 7, 5), (2, 2, 3), dict(output_size=(3, 2, 2)))])
def test_fractional_max_pool_matches_torch(nd, shape, kernel, how):
    """With the same ``_random_samples`` the windows, values, indices and gradients are PyTorch's."""
    x = R.standard_normal(shape).astype(np.float32)
    samples = R.random((1 if len(shape) == nd + 1 else shape[0], shape[-nd - 1], nd)).astype(np.float32)
    tm = getattr(T, f"FractionalMaxPool{nd}d")(kernel, return_indices=True, _random_samples=torch.tensor(samples), **how)
    bm = getattr(nn, f"FractionalMaxPool{nd}d")(kernel, return_indices=True, _random_samples=bw.tensor(samples), **how)
    assert repr(bm) == repr(tm) and list(bm.state_dict()) == list(tm.state_dict())
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    (yt, it), (yb, ib) = tm(tx), bm(bx)
    np.testing.assert_array_equal(yb.detach().numpy(), yt.detach().numpy())
    np.testing.assert_array_equal(ib.numpy(), it.numpy())
    yt.sum().backward()
    yb.sum().backward()
    np.testing.assert_array_equal(bx.grad.numpy(), tx.grad.numpy())
    assert bm.__class__(kernel, **how)(bw.tensor(x)).shape == yt.shape  # fresh samples each call
    for lib in (torch, bw):
        with pytest.raises(ValueError):
            getattr(lib.nn, f"FractionalMaxPool{nd}d")(2)
        with pytest.raises(ValueError):
            getattr(lib.nn, f"FractionalMaxPool{nd}d")(2, output_ratio=1.5)
    with pytest.warns(FutureWarning):
        assert list(dict(nn.Container(a=nn.ReLU()).named_children())) == ["a"]


class _Seq2Seq(nn.Transformer):
    """A subclass of ``nn.Transformer`` as public model code writes it."""

    def __init__(self, vocab: int, d: int) -> None:
        super().__init__(d_model=d, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                         dropout=0.0)
        self.embed = nn.Embedding(vocab, d)
        self.head = nn.Linear(d, vocab)

    def forward(self, src, tgt):
        mask = self.generate_square_subsequent_mask(tgt.shape[0])
        return self.head(super().forward(self.embed(src), self.embed(tgt), tgt_mask=mask))


def test_transformer_subclass_and_masks():
    m = _Seq2Seq(11, 8)
    y = m(bw.randint(0, 11, (5, 2)), bw.randint(0, 11, (4, 2)))
    assert y.shape == (4, 2, 11)
    y.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    tm = torch.nn.Transformer(8, 2, 1, 1, 16, 0.0)
    bm = nn.Transformer(8, 2, 1, 1, 16, 0.0)
    bm.load_state_dict({k: bw.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    src, tgt = R.standard_normal((5, 2, 8)).astype(np.float32), R.standard_normal((4, 2, 8)).astype(np.float32)
    pad = np.array([[False, False, True, True], [False, False, False, True]])
    kw = lambda lib: dict(tgt_mask=lib.nn.Transformer.generate_square_subsequent_mask(4),  # noqa: E731
                          tgt_key_padding_mask=lib.tensor(pad), memory_key_padding_mask=lib.tensor(pad[:, :1].repeat(5, 1)))
    want = tm(torch.tensor(src), torch.tensor(tgt), **kw(torch)).detach().numpy()
    got = bm(bw.tensor(src), bw.tensor(tgt), **kw(bw)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(3).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())
    for lib in (torch, bw):
        with pytest.raises(RuntimeError):
            lib.nn.Transformer(8, 2, 1, 1, 16)(lib.zeros(5, 2, 8), lib.zeros(4, 3, 8))
        with pytest.raises(RuntimeError):
            lib.nn.Transformer(8, 2, 1, 1, 16)(lib.zeros(5, 2, 8), lib.zeros(4, 2, 6))


@pytest.mark.parametrize("name", ["activation_piecewise", "activation_smooth", "padding", "instancenorm", "distance",
                                  "pixelshuffle", "fold", "dropout", "softmax", "transformer_decoder",
                                  "transformer_model", "upsampling", "conv3d", "pooling3d",
                                  "pooling_extra", "batchnorm3d", "embedding_bag",
                                  "normalization_extra", "adaptive_softmax", "fractional_pooling"])
def test_docstring_examples(name):
    module = importlib.import_module(f"brickwork.nn.modules.{name}")
    assert doctest.testmod(module, raise_on_error=False).failed == 0
