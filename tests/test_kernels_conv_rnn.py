"""Convolution and recurrent kernels: each compiled kernel against its reference and PyTorch, gradients
included; the one-node LSTM/GRU layers against the composed recurrence (their reference) and PyTorch, with
double backward; and which path ``nn.LSTM``/``nn.GRU`` take.

Shapes stay small: Numba compiles each kernel once per dtype (cached on disk).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import kernels
from brickwork.kernels import conv as kconv
from brickwork.kernels import rnn as krnn
from brickwork.nn._functional_rnn import recurrent_layer
from brickwork.ops.conv import _geometry
from brickwork.ops.rnn import gru_layer, lstm_layer

TESTED = {"conv2d_forward", "conv2d_input", "conv2d_weight", "lstm_cell_forward", "lstm_hidden",
          "lstm_cell_backward", "gru_gates", "gru_candidate", "gru_hidden", "gru_cell_backward", "lstm_forward",
          "lstm_backward", "input_gates", "weight_grads"}
_TOL = {np.float32: 3e-5, np.float64: 1e-11}
_rng = np.random.default_rng(0)


def _close(a, b, dtype, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs {b.shape}"
    tol = _TOL[dtype] * max(1.0, float(np.abs(b).max(initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=0, atol=tol, err_msg=what)


# -- convolution ----------------------------------------------------------------------------------------------

# (N, C, H, W), out channels, kernel, stride, padding, dilation, groups
CONV_CASES = [
    pytest.param((2, 3, 7, 6), 4, (3, 3), 1, 1, 1, 1, id="3x3-pad1"),
    pytest.param((2, 3, 7, 6), 4, (3, 3), 1, "same", 1, 1, id="3x3-same"),
    pytest.param((2, 2, 6, 7), 3, (2, 2), 1, "same", 1, 1, id="2x2-same-odd-split"),
    pytest.param((2, 4, 9, 8), 6, (3, 2), (2, 1), (1, 0), (1, 2), 2, id="strided-dilated-grouped"),
    pytest.param((3, 4, 5, 5), 4, (1, 1), 1, 0, 1, 1, id="pointwise"),
    pytest.param((2, 4, 8, 8), 4, (1, 1), 2, 0, 1, 1, id="pointwise-stride2"),
    pytest.param((2, 6, 9, 9), 6, (3, 3), 1, 1, 1, 6, id="depthwise"),
    pytest.param((2, 3, 11, 10), 5, (5, 5), (2, 3), 2, 1, 1, id="5x5-stride23"),
    pytest.param((2, 3, 9, 9), 4, (7, 7), 2, 3, 1, 1, id="7x7-stride2-pad3"),
    pytest.param((20, 2, 3, 3), 3, (2, 2), 1, 1, 1, 1, id="many-small-samples"),
    pytest.param((2, 2, 6, 6), 3, (3, 3), 1, 1, 2, 1, id="dilated"),
    pytest.param((3, 8, 2, 2), 32, (3, 3), 1, 1, 1, 2, id="more-channels-than-columns"),
    pytest.param((2, 3, 11, 9), 4, (3, 3), (2, 1), 0, (1, 2), 1, id="unpadded-strided-dilated"),
    # the direct forward's row tiles (float32, up to 16 output channels): 5, 7 and 8 pixels, and single pixels
    pytest.param((2, 6, 14, 14), 16, (5, 5), 1, 0, 1, 1, id="lenet-conv2"),
    pytest.param((2, 1, 28, 28), 6, (5, 5), 1, 2, 1, 1, id="lenet-conv1"),
    pytest.param((1, 2, 12, 19), 16, (3, 3), 1, 0, 1, 1, id="direct-8-and-singles"),
    pytest.param((1, 3, 6, 6), 17, (3, 3), 1, 1, 1, 1, id="17-channels-im2col"),
    # the direct weight gradient (stride 1, 64+ taps): kernel rows of 4 (single taps) and 7 (a tile + singles)
    pytest.param((2, 8, 9, 10), 7, (3, 4), 1, (1, 2), (2, 1), 1, id="direct-weight-dilated-padded"),
    pytest.param((1, 4, 12, 12), 16, (5, 7), 1, 2, 1, 1, id="direct-weight-5x7"),
    pytest.param((2, 5, 10, 9), 5, (3, 3), 2, 1, 1, 5, id="depthwise-stride2"),
    pytest.param((2, 3, 8, 7), 6, (3, 2), (1, 2), (2, 0), (2, 1), 3, id="depthwise-multiplier2-dilated"),
    pytest.param((3, 4, 4, 4), 4, (5, 5), 1, 2, 1, 4, id="depthwise-5x5-wider-than-the-map"),
    # strided im2col/col2im through phase planes (output rows of 8+), and float32 GEMMs in `_gemm`'s tiles
    # (64+ columns per sample; the weight gradient's with 256+ pixels and 64+ output channels per group)
    pytest.param((2, 5, 18, 16), 70, (4, 4), 2, 1, 1, 1, id="4x4-stride2-phases-tiles"),
    pytest.param((2, 3, 10, 30), 4, (1, 2), 3, (0, 1), 1, 1, id="phases-kernel-below-stride"),
    pytest.param((2, 4, 9, 20), 6, (3, 3), (1, 2), 1, 1, 2, id="phases-unequal-strides-grouped"),
    pytest.param((2, 3, 17, 17), 6, (2, 2), 2, 0, 1, 1, id="phases-last-column-unread"),
    pytest.param((2, 3, 34, 34), 64, (4, 4), 2, 1, 1, 1, id="tiled-weight-grad"),
    pytest.param((1, 4, 16, 16), 128, (3, 3), 1, 1, 1, 2, id="tiled-grouped"),
    # pointwise on small maps: samples side by side in one GEMM (weight gradient; all three with a 1 MB+ weight)
    pytest.param((3, 8, 3, 3), 6, (1, 1), 1, 0, 1, 2, id="pointwise-small-map-grouped"),
    pytest.param((3, 512, 3, 2), 520, (1, 1), 1, 0, 1, 1, id="pointwise-small-map-large-weight"),
]


def _torch_conv(x, w, stride, padding, dilation, groups):
    return torch.nn.functional.conv2d(x, w, None, stride, padding, dilation, groups)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,o,k,stride,padding,dilation,groups", CONV_CASES)
def test_conv_kernels_match_reference_and_torch(shape, o, k, stride, padding, dilation, groups, dtype):
    x = _rng.standard_normal(shape).astype(dtype)
    w = _rng.standard_normal((o, shape[1] // groups) + k).astype(dtype)
    b = _rng.standard_normal(o).astype(dtype)
    g = _geometry("conv2d", x.shape, w.shape, stride, padding, dilation, groups, 2)
    fwd, dx_k, dw_k = (kernels.get(n).compiled() for n in ("conv2d_forward", "conv2d_input", "conv2d_weight"))
    assert fwd is not None and dx_k is not None and dw_k is not None, "conv kernels did not load"
    y, _ = fwd(x, w, b, g, True)
    y_ref, cols = kconv.conv2d_forward.reference(np, x, w, b, g, True)
    gy = _rng.standard_normal(y.shape).astype(dtype)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = _torch_conv(xt, wt, stride, padding, dilation, groups) + torch.tensor(b).reshape(-1, 1, 1)
    gxt, gwt = torch.autograd.grad(yt, (xt, wt), torch.tensor(gy))
    _close(y, y_ref, dtype, "forward vs reference")
    _close(y, yt.detach().numpy(), dtype, "forward vs torch")
    dx = dx_k(gy, w, g)
    _close(dx, kconv.conv2d_input.reference(np, gy, w, g), dtype, "input grad vs reference")
    _close(dx, gxt.numpy(), dtype, "input grad vs torch")
    dw = dw_k(x, gy, g, None)
    dw_ref = kconv.conv2d_weight.reference(np, x, gy, g, cols)
    _close(dw, dw_ref, dtype, "weight grad vs reference")
    # a view would be copied again by the engine when it becomes the weight's .grad
    assert dw.base is None and dw_ref.base is None, "weight grads must own their memory"
    _close(dw, gwt.numpy(), dtype, "weight grad vs torch")


def test_direct_conv_forward_without_bias_matches_torch():
    from brickwork.kernels._cpu import conv as cpu_conv

    x = _rng.standard_normal((3, 4, 10, 13)).astype(np.float32)[:, :, :, 1:]  # not contiguous
    w = _rng.standard_normal((9, 4, 3, 4)).astype(np.float32)
    g = _geometry("conv2d", x.shape, w.shape, (1, 2), (2, 1), 1, 1, 2)
    if not cpu_conv._direct.applies(x.dtype, g.groups, g.o):
        pytest.skip("the direct convolution needs AVX-512 (16-float vectors)")
    y, _ = cpu_conv.conv2d_forward(x, w, None, g, False)
    want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), None, (1, 2), (2, 1)).numpy()
    _close(y, want, np.float32, "direct forward, no bias, vs torch")


@pytest.mark.parametrize("case", [2, 3, 11], ids=["strided-dilated-grouped", "pointwise", "more-channels"])
def test_conv_weight_kernel_adds_chunks(case, monkeypatch):
    from brickwork.kernels._cpu import conv as cpu_conv

    shape, o, k, stride, padding, dilation, groups = CONV_CASES[case].values
    monkeypatch.setattr(cpu_conv, "_BUFFER_BYTES", 1)  # one sample per chunk
    monkeypatch.setattr(cpu_conv, "_WEIGHT_BUFFER_BYTES", 1)
    x = _rng.standard_normal(shape)
    w = _rng.standard_normal((o, shape[1] // groups) + k)
    g = _geometry("conv2d", x.shape, w.shape, stride, padding, dilation, groups, 2)
    gy = _rng.standard_normal(kconv.conv2d_forward.reference(np, x, w, None, g, False)[0].shape)
    _close(cpu_conv.conv2d_weight(x, gy, g, None), kconv.conv2d_weight.reference(np, x, gy, g, None), np.float64,
           "weight grad, one sample per chunk, vs reference")


@pytest.mark.parametrize("mode", ["auto", "reference"])
def test_conv2d_of_an_empty_batch(mode):
    with kernels.use_mode(mode):
        x = bw.zeros(0, 3, 5, 5, requires_grad=True)
        w = bw.ones(4, 3, 3, 3, requires_grad=True)
        b = bw.ones(4, requires_grad=True)
        y = bw.nn.functional.conv2d(x, w, b, padding=1)
        y.sum().backward()
    assert tuple(y.shape) == (0, 4, 5, 5) and tuple(x.grad.shape) == (0, 3, 5, 5)
    assert float(w.grad.abs().sum()) == 0.0 and tuple(w.grad.shape) == (4, 3, 3, 3)


def test_conv_kernel_takes_the_reference_for_half_precision():
    x = _rng.standard_normal((1, 2, 5, 5)).astype(np.float16)
    w = _rng.standard_normal((3, 2, 3, 3)).astype(np.float16)
    g = _geometry("conv2d", x.shape, w.shape, 1, 1, 1, 1, 2)
    y, _ = kernels.get("conv2d_forward").compiled()(x, w, None, g, False)
    assert y.dtype == np.float16
    _close(y.astype(np.float32), kconv.conv2d_forward.reference(np, x, w, None, g, False)[0].astype(np.float32),
           np.float32, "float16 forward")


def test_conv2d_double_backward_with_kernels():
    x = bw.randn(2, 2, 5, 5, dtype=bw.float64, requires_grad=True)
    w = bw.randn(3, 2, 3, 3, dtype=bw.float64, requires_grad=True)
    assert bw.autograd.gradgradcheck(lambda x, w: bw.nn.functional.conv2d(x, w, stride=2, padding=1), (x, w))


# (N, C, H, W), out channels, padding: 3x3 stride-1 convolutions for the Winograd kernels; odd sizes leave partial
# tiles at the bottom and right, padding 0 and 3 make the input gradient's padding 2 and -1
WINOGRAD_CASES = [
    pytest.param((2, 3, 7, 9), 4, 1, id="partial-tiles"),
    pytest.param((2, 3, 5, 6), 4, 0, id="no-padding"),
    pytest.param((2, 3, 5, 6), 5, 2, id="padding-2"),
    pytest.param((1, 2, 6, 5), 3, 3, id="padding-3"),
    pytest.param((1, 2, 1, 1), 3, 1, id="one-pixel"),
]


@pytest.mark.parametrize("chunked", [False, True], ids=["one-chunk", "sample-chunks"])
@pytest.mark.parametrize("shape,o,padding", WINOGRAD_CASES)
def test_winograd_matches_reference_and_torch(shape, o, padding, chunked, monkeypatch):
    from brickwork.kernels._cpu import winograd

    if chunked:
        monkeypatch.setattr(winograd, "_TILE_BYTES", 1)  # one sample per chunk: the weight gradient adds them
    x = _rng.standard_normal(shape).astype(np.float32)
    w = _rng.standard_normal((o, shape[1], 3, 3)).astype(np.float32)
    b = _rng.standard_normal(o).astype(np.float32)
    g = _geometry("conv2d", x.shape, w.shape, 1, padding, 1, 1, 2)
    assert winograd.applies(g)
    y = winograd.forward(x, w, b, g)
    gy = _rng.standard_normal(y.shape).astype(np.float32)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, torch.tensor(b), 1, padding)
    gxt, gwt = torch.autograd.grad(yt, (xt, wt), torch.tensor(gy))
    _close(y, kconv.conv2d_forward.reference(np, x, w, b, g, False)[0], np.float32, "forward vs reference")
    _close(y, yt.detach().numpy(), np.float32, "forward vs torch")
    dx = winograd.input_grad(gy, w, g)
    _close(dx, kconv.conv2d_input.reference(np, gy, w, g), np.float32, "input grad vs reference")
    _close(dx, gxt.numpy(), np.float32, "input grad vs torch")
    dw = winograd.weight_grad(x, gy, g)
    _close(dw, kconv.conv2d_weight.reference(np, x, gy, g, None), np.float32, "weight grad vs reference")
    _close(dw, gwt.numpy(), np.float32, "weight grad vs torch")
    assert dw.base is None, "weight grads must own their memory"


def test_winograd_is_taken_where_it_wins(monkeypatch):
    """The dispatch: Winograd for float32 3x3 stride-1 convolutions with 16+ channels and 128+ well-filled tiles
    in the batch, im2col otherwise; values within float32 rounding of PyTorch either way."""
    from brickwork.kernels._cpu import conv as cpu_conv
    from brickwork.kernels._cpu import winograd

    calls = []
    for name in ("forward", "input_grad", "weight_grad"):
        monkeypatch.setattr(winograd, name, lambda *a, _f=getattr(winograd, name), _n=name: calls.append(_n) or _f(*a))
    for shape, o, dtype, taken in [((8, 16, 16, 15), 16, np.float32, True), ((8, 3, 16, 16), 16, np.float32, False),
                                   ((2, 16, 16, 16), 16, np.float32, False), ((8, 16, 13, 13), 16, np.float32, False),
                                   ((8, 16, 16, 16), 16, np.float64, False)]:
        calls.clear()
        x = _rng.standard_normal(shape).astype(dtype)
        w = (_rng.standard_normal((o, shape[1], 3, 3)) / np.sqrt(9 * shape[1])).astype(dtype)
        g = _geometry("conv2d", x.shape, w.shape, 1, 1, 1, 1, 2)
        y, _ = cpu_conv.conv2d_forward(x, w, None, g, True)
        gy = _rng.standard_normal(y.shape).astype(dtype)
        dx, dw = cpu_conv.conv2d_input(gy, w, g), cpu_conv.conv2d_weight(x, gy, g, None)
        assert calls == (["forward", "input_grad", "weight_grad"] if taken else []), (shape, dtype, calls)
        xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        yt = torch.nn.functional.conv2d(xt, wt, None, 1, 1)
        gxt, gwt = torch.autograd.grad(yt, (xt, wt), torch.tensor(gy))
        for a, t, what in ((y, yt.detach(), "forward"), (dx, gxt, "input grad"), (dw, gwt, "weight grad")):
            _close(a, t.numpy(), dtype, f"{what} {shape} {dtype.__name__}")


# -- recurrent cell kernels --------------------------------------------------------------------------------------

def _squashed(shape, dtype):
    return np.tanh(_rng.standard_normal(shape)).astype(dtype)


def _cell_cases(dtype):
    n, h = 3, 5
    z4, z2, tc = _squashed((n, 4 * h), dtype), _squashed((n, 2 * h), dtype), _squashed((n, h), dtype)
    c, dh, dc = (_rng.standard_normal((n, h)).astype(dtype) for _ in range(3))
    gi, gh = (_rng.standard_normal((n, 3 * h)).astype(dtype) for _ in range(2))
    nn_ = _squashed((n, h), dtype)
    e = np.empty
    return {  # name: (inputs, outputs written by the kernel)
        "lstm_cell_forward": ((z4, c), (e((n, h), dtype),)),
        "lstm_hidden": ((z4, tc), (e((n, h), dtype),)),
        "lstm_cell_backward": ((z4, tc, c, dh), (dc, e((n, 4 * h), dtype))),
        "gru_gates": ((gi, gh), (e((n, 2 * h), dtype),)),
        "gru_candidate": ((gi, gh, z2), (e((n, h), dtype),)),
        "gru_hidden": ((z2, nn_, c), (e((n, h), dtype),)),
        "gru_cell_backward": ((z2, nn_, c[:, ::-1].copy(), c, dh), tuple(e(s, dtype) for s in
                                                                         ((n, 3 * h), (n, 3 * h), (n, h)))),
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(TESTED - {"conv2d_forward", "conv2d_input", "conv2d_weight", "lstm_forward",
                                                  "lstm_backward", "input_gates", "weight_grads"}))
def test_rnn_cell_kernel_matches_reference(name, dtype):
    kernel = kernels.get(name)
    compiled = kernel.compiled()
    assert compiled is not None, f"{name}: Numba kernel did not load"
    inputs, outputs = _cell_cases(dtype)[name]
    ref_out = tuple(o.copy() for o in outputs)
    kernel.reference(np, *inputs, *ref_out)
    got = tuple(o.copy() for o in outputs)
    compiled(*inputs, *got)
    for i, (a, b) in enumerate(zip(got, ref_out)):
        _close(a, b, dtype, f"{name} output {i}")


# the compiled GEMM's cases: whole register tiles (64 columns, 5 rows with AVX-512), narrower tiles for the
# remaining rows and vectors, and a plain loop for the last columns; (L, N, H) for the sequence kernels
GEMM_SHAPES = [(20, 256, 1024), (7, 37, 148), (5, 64, 64), (3, 5, 24), (1, 1, 1), (6, 0, 20), (12, 9, 1000), (4, 3, 17)]
SEQUENCE_SHAPES = [(4, 7, 37), (3, 5, 64), (2, 1, 3)]


@pytest.mark.parametrize("n, k, m", GEMM_SHAPES)
def test_compiled_gemm_matches_numpy(n, k, m):
    from brickwork.kernels._cpu._gemm import gemm, gemm_acc, gemm_bias, transpose_into

    a = _rng.standard_normal((n, 2 * k + 1)).astype(np.float32)[:, 1:k + 1]  # row strides not the width
    b = _rng.standard_normal((k, m + 3)).astype(np.float32)[:, 3:]
    c = _rng.standard_normal((n, m + 2)).astype(np.float32)
    want = c[:, 1:-1] + a.astype(np.float64) @ b.astype(np.float64)
    gemm_acc(c[:, 1:-1], a, b)
    np.testing.assert_allclose(c[:, 1:-1], want, rtol=0, atol=3e-6 * max(1, k))
    # overwriting (C not read: NaN there must not leak), from a bias, and with A read transposed in place
    bias = _rng.standard_normal(m).astype(np.float32)
    for fn, extra, start in ((gemm, (), 0.0), (gemm_bias, (bias,), bias)):
        for a_in in (a, np.asfortranarray(a)):
            out = np.full((n, m), np.nan, np.float32)
            fn(out, a_in, b, *extra)
            np.testing.assert_allclose(out, start + a.astype(np.float64) @ b.astype(np.float64), rtol=0,
                                       atol=3e-6 * max(1, k))
    scale = _rng.standard_normal(m).astype(np.float32)
    t = np.empty((k, m), np.float32)
    transpose_into(np.ascontiguousarray(b.T), scale, t)
    np.testing.assert_array_equal(t, b * scale)


@pytest.mark.parametrize("n, k, m", [(16, 784, 256), (5, 17, 3), (7, 3, 9), (9, 40, 13), (3, 0, 2), (1, 1, 1),
                                     (21, 263, 13)])
def test_compiled_nt_gemm_matches_numpy(n, k, m):
    from brickwork.kernels._cpu._gemm import gemm_nt

    a = _rng.standard_normal((n, 2 * k + 1)).astype(np.float32)[:, 1:k + 1]  # row strides not the width
    b = _rng.standard_normal((m, k + 3)).astype(np.float32)[:, 3:]
    want = a.astype(np.float64) @ b.astype(np.float64).T
    c = np.full((n, m + 2), np.nan, np.float32)
    gemm_nt(c[:, 1:-1], a, b, 0)
    np.testing.assert_allclose(c[:, 1:-1], want, rtol=0, atol=3e-6 * max(1, k))
    assert np.isnan(c[:, 0]).all() and np.isnan(c[:, -1]).all()
    c = np.ones((n, m), np.float32)
    gemm_nt(c, a, b, 1)
    np.testing.assert_allclose(c, want + 1, rtol=0, atol=3e-6 * max(1, k))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("rows, h_in, gates", [(7, 37, 148), (20, 128, 1024), (1, 3, 12)])
def test_input_gates_kernel_matches_reference(rows, h_in, gates, bias, dtype):
    x = _rng.standard_normal((rows, 2 * h_in)).astype(dtype)[:, ::2]  # not contiguous
    w = _rng.standard_normal((gates, h_in)).astype(dtype)
    b = _rng.standard_normal(gates).astype(dtype) if bias else None
    scale = np.where(np.arange(gates) % 3 == 0, 1.0, 0.5).astype(dtype)
    compiled = krnn.input_gates.compiled()
    assert compiled is not None
    got = compiled(x, w, b, scale)
    want = krnn.input_gates.reference(np, x, w, b, scale)
    _close(got, want, dtype, f"input gates {(rows, h_in, gates)}")
    _close(got, x @ w.T * scale + (0 if b is None else b * scale), dtype, "input gates vs the formula")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("which", ["both", "x", "h"])
@pytest.mark.parametrize("rows, gates, h_in, hs", [(28, 148, 5, 37), (700, 1024, 128, 256), (1, 12, 3, 3)])
def test_weight_grads_kernel_matches_reference(rows, gates, h_in, hs, which, dtype):
    dg = _rng.standard_normal((rows, gates)).astype(dtype)
    x = None if which == "h" else _rng.standard_normal((rows, h_in)).astype(dtype)
    h = None if which == "x" else _rng.standard_normal((rows, 2 * hs)).astype(dtype)[:, ::2]  # not contiguous
    compiled = krnn.weight_grads.compiled()
    assert compiled is not None
    got, want = compiled(dg, x, h), krnn.weight_grads.reference(np, dg, x, h)
    for a, b, name in zip(got, want, ("dW_ih", "dW_hh")):
        assert (a is None) == (b is None), name
        if b is not None:
            _close(a, b, dtype, f"weight grads {name} {(rows, gates, h_in, hs)}")


@pytest.mark.parametrize("rows, vecs, lanes", [(4, 3, 8), (1, 1, 8), (5, 4, 16)])
def test_gemm_tiles_of_every_width_match_numpy(rows, vecs, lanes):
    """The tile shapes of both targets (8-float vectors without AVX-512), and ``A`` read transposed."""
    from numba import njit

    from brickwork.kernels._cpu._gemm import _tile

    tile = _tile(rows, vecs, lanes)

    @njit
    def run(c, a, a_row, a_k, b):
        tile(c.ctypes.data, a.ctypes.data, b.ctypes.data, b.shape[0], a_row, a_k, b.strides[0] // 4,
             c.strides[0] // 4, c.ctypes.data, c.strides[0] // 4)

    k, m = 23, vecs * lanes
    a = _rng.standard_normal((rows, k)).astype(np.float32)
    b = _rng.standard_normal((k, m + 5)).astype(np.float32)
    for layout in (a, np.asfortranarray(a)):  # rows of A contiguous, then its columns
        c = _rng.standard_normal((rows, m + 3)).astype(np.float32)
        want = c.copy()
        want[:, :m] += a @ b[:, :m]
        run(c, layout, layout.strides[0] // 4, layout.strides[1] // 4, b)
        np.testing.assert_allclose(c, want, rtol=0, atol=1e-4)


def _sequence_case(shape, dtype):
    L, N, H = shape
    z = (_rng.standard_normal((L, N, 4 * H)) * 0.8).astype(dtype)
    w = (_rng.standard_normal((4 * H, H)) / np.sqrt(H)).astype(dtype)
    h0, c0 = ((_rng.standard_normal((N, H)) * 0.5).astype(dtype) for _ in range(2))
    g_h, dc = _rng.standard_normal((L, N, H)).astype(dtype), _rng.standard_normal((N, H)).astype(dtype)
    return z, w, h0, c0, g_h, dc


def _run_sequence(fwd, bwd, case, reverse):
    z, w, h0, c0, g_h, dc = (a.copy() for a in case)
    L, N, H = g_h.shape
    h, c, tc = (np.empty((L, N, H), z.dtype) for _ in range(3))
    fwd(z, w, h0, c0, h, c, tc, reverse)
    dz, dh = np.empty_like(z), np.empty((N, H), z.dtype)
    bwd(z, tc, c, c0, w, g_h, dc, dz, dh, reverse)
    return {"squashed gates": z, "h": h, "c": c, "tanh(c)": tc, "dgates": dz, "dh0": dh, "dc0": dc}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("shape", SEQUENCE_SHAPES)
def test_lstm_sequence_kernels_match_reference(shape, reverse, dtype):
    fwd, bwd = krnn.lstm_forward.compiled(), krnn.lstm_backward.compiled()
    assert fwd is not None and bwd is not None, "Numba LSTM sequence kernels did not load"
    case = _sequence_case(shape, dtype)
    got = _run_sequence(fwd, bwd, case, reverse)
    with kernels.use_mode("reference"):  # the cell kernels inside the reference run theirs too
        want = _run_sequence(lambda *a: krnn.lstm_forward(np, *a), lambda *a: krnn.lstm_backward(np, *a), case,
                             reverse)
    for name in want:
        _close(got[name], want[name], dtype, f"lstm sequence {shape} reverse={reverse}: {name}")


def test_compiled_tanh_is_close_to_numpy():
    from brickwork.kernels._cpu import rnn as crnn

    x = np.concatenate([np.linspace(-12, 12, 4001), [0.0, -0.0, 1e-30, -1e-20, 8.999, 9.0, 9.001, 100.0, -100.0]])
    x = x.astype(np.float32)
    out = np.empty_like(x)
    _tanh(crnn, x, out)
    np.testing.assert_allclose(out, np.tanh(x.astype(np.float64)), rtol=4e-7, atol=0)


def _tanh(crnn, x, out):
    from numba import njit

    @njit
    def run(x, out):
        for i in range(x.size):
            out[i] = crnn._tanh(x[i])

    run(x, out)


# -- the one-node layers ------------------------------------------------------------------------------------

def _layer_inputs(gates, dtype, bias):
    L, N, I, H = 4, 3, 5, 6
    shapes = [(L, N, I), (N, H), (N, H), (gates * H, I), (gates * H, H), (gates * H,), (gates * H,)]
    arrays = [_rng.standard_normal(s).astype(dtype) * 0.6 for s in shapes]
    if not bias:
        arrays[5] = arrays[6] = None
    if gates == 3:
        arrays[2] = None
    return arrays


def _leaves(arrays, lib):
    return [None if a is None else lib.tensor(a, requires_grad=True) for a in arrays]


def _torch_layer(mode, arrays, reverse):
    """PyTorch's layer on the same numbers: its outputs, and the tensors holding the gradients of each input."""
    cls = torch.nn.LSTM if mode == "LSTM" else torch.nn.GRU
    m = cls(arrays[0].shape[2], arrays[1].shape[1], bias=arrays[5] is not None).double()
    names = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
    with torch.no_grad():
        for name, a in zip(names, arrays[3:]):
            if a is not None:
                getattr(m, name).copy_(torch.tensor(a))
    m = m.to(torch.from_numpy(arrays[0]).dtype)
    x, h0, c0 = (None if a is None else torch.tensor(a, requires_grad=True) for a in arrays[:3])
    hx = (h0[None], c0[None]) if mode == "LSTM" else h0[None]
    out, hn = m(x.flip(0) if reverse else x, hx)
    out = out.flip(0) if reverse else out
    outs = (out, hn[0][0], hn[1][0]) if mode == "LSTM" else (out, hn[0])
    return outs, [x, h0, c0] + [getattr(m, n) if a is not None else None for n, a in zip(names, arrays[3:])]


def _run_layer(mode, ins, reverse, lib):
    if mode == "LSTM":
        return lstm_layer(*ins, reverse=reverse)
    return gru_layer(ins[0], ins[1], *ins[3:], reverse=reverse)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_layer_matches_composed_recurrence_and_torch(mode, bias, reverse, dtype):
    arrays = _layer_inputs(4 if mode == "LSTM" else 3, dtype, bias)
    fused, composed = _leaves(arrays, bw), _leaves(arrays, bw)
    with kernels.use_mode("auto"):
        outs = _run_layer(mode, fused, reverse, bw)
    with kernels.use_mode("reference"):  # the composed recurrence, the layer's reference
        ref = recurrent_layer(mode, composed[0], composed[1], composed[2], tuple(composed[3:]), reverse)
    assert outs[0].grad_fn.name() != ref[0].grad_fn.name()
    touts, theirs = _torch_layer(mode, arrays, reverse)
    gs = [_rng.standard_normal(tuple(o.shape)).astype(dtype) for o in outs]
    sum(((o * bw.tensor(g)).sum() for o, g in zip(outs, gs)), bw.tensor(0.0, dtype=outs[0].dtype)).backward()
    sum(((o * bw.tensor(g)).sum() for o, g in zip(ref, gs) if o is not None),
        bw.tensor(0.0, dtype=outs[0].dtype)).backward()
    torch.autograd.backward(list(touts), [torch.tensor(g) for g in gs])
    for k, (a, r, t) in enumerate(zip(outs, ref, touts)):
        _close(a.detach().numpy(), r.detach().numpy(), dtype, f"{mode} output {k} vs composed")
        _close(a.detach().numpy(), t.detach().numpy(), dtype, f"{mode} output {k} vs torch")
    for k, (a, r, t) in enumerate(zip(fused, composed, theirs)):
        if a is not None and t is not None:
            _close(a.grad.numpy(), r.grad.numpy(), dtype, f"{mode} grad of input {k} vs composed")
            _close(a.grad.numpy(), t.grad.numpy(), dtype, f"{mode} grad of input {k} vs torch")


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_layer_double_backward(mode):
    gates = 4 if mode == "LSTM" else 3
    x = bw.randn(3, 2, 3, dtype=bw.float64, requires_grad=True)
    h0 = bw.randn(2, 4, dtype=bw.float64, requires_grad=True)
    w_ih = bw.randn(gates * 4, 3, dtype=bw.float64, requires_grad=True)
    w_hh = bw.randn(gates * 4, 4, dtype=bw.float64, requires_grad=True)

    def f(x, h0, w_ih, w_hh):
        if mode == "LSTM":
            out, _, c = lstm_layer(x, h0, h0 * 0.5, w_ih, w_hh, reverse=True)
            return out.sum(0) + c
        return gru_layer(x, h0, w_ih, w_hh)[0]

    assert bw.autograd.gradcheck(f, (x, h0, w_ih, w_hh))
    assert bw.autograd.gradgradcheck(f, (x, h0, w_ih, w_hh))


def test_nn_lstm_takes_one_node_and_reference_mode_the_composed_path():
    lstm = bw.nn.LSTM(3, 4)
    x = bw.randn(5, 2, 3)
    with kernels.use_mode("auto"):
        out, _ = lstm(x)
    assert out.grad_fn is not None and "Lstm" in out.grad_fn.next_functions[0][0].name()
    with kernels.use_mode("reference"):
        ref, _ = lstm(x)
    assert "Lstm" not in ref.grad_fn.name()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=0, atol=1e-6)


def test_layer_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match="weight_ih"):
        lstm_layer(bw.randn(2, 1, 3), bw.zeros(1, 4), bw.zeros(1, 4), bw.randn(16, 5), bw.randn(16, 4))
    with pytest.raises(RuntimeError, match="at least one step"):
        gru_layer(bw.randn(0, 1, 3), bw.zeros(1, 4), bw.randn(12, 3), bw.randn(12, 4))


def test_rnn_kernels_have_references_for_other_backends():
    for name in TESTED:
        assert kernels.get(name).reference is not None
    assert krnn.lstm_cell_forward.has_cpu
