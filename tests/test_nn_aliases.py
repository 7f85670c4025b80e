"""Issue 10's nn surface against PyTorch: the nn ops under torch's top-level names and ATen signatures
(``torch.dropout(x, p, train)``, ``torch.batch_norm(...)``, reductions as numbers, ``torch.lstm`` from flat
weights), ``gumbel_softmax``, ``grouped_mm``'s gradients, and ``LinearCrossEntropyLoss``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork.autograd import gradcheck

R = np.random.default_rng(0)
W4, B3, W_BIL, W_TBC = (R.standard_normal(s) for s in [(3, 3, 3, 2), (3,), (3, 10, 4), (3, 5, 3)])
SIGNS = np.where(R.random(12) > 0.5, 1.0, -1.0)

# name -> fn(lib, x) with x of shape (2, 3, 4, 5), written once for both libraries
CASES = {
    "convolution": lambda L, a: L.convolution(a, L.tensor(W4), None, [1, 1], [1, 0], [1, 1], False, [0, 0], 1),
    "convolution_transposed": lambda L, a: L.convolution(a, L.tensor(W4), L.tensor(B3), [2, 1], [0, 1], [1, 1], True,
                                                         [1, 0], 1),
    "conv2d": lambda L, a: L.conv2d(a, L.tensor(W4), None, 1, 1),
    "conv_tbc": lambda L, a: L.conv_tbc(a.reshape(4, 6, 5), L.tensor(W_TBC), L.tensor(B3), 1),
    "dropout_eval": lambda L, a: L.dropout(a, 0.3, False),
    "feature_dropout_eval": lambda L, a: L.feature_dropout(a, 0.3, False),
    "alpha_dropout_eval": lambda L, a: L.alpha_dropout(a, 0.3, False),
    "feature_alpha_dropout_eval": lambda L, a: L.feature_alpha_dropout(a, 0.3, False),
    "batch_norm": lambda L, a: L.batch_norm(a, None, None, None, None, True, 0.1, 1e-5, False),
    "batch_norm_running": lambda L, a: L.batch_norm(a, L.tensor(B3), L.tensor(B3), L.zeros(3, dtype=a.dtype),
                                                    L.ones(3, dtype=a.dtype), False, 0.1, 1e-5, False),
    "instance_norm": lambda L, a: L.instance_norm(a, None, None, None, None, True, 0.1, 1e-5, False),
    "layer_norm": lambda L, a: L.layer_norm(a, [4, 5]),
    "group_norm": lambda L, a: L.group_norm(a, 3),
    "rms_norm": lambda L, a: L.rms_norm(a, [5]),
    "embedding_padding": lambda L, a: L.embedding(a.reshape(-1, 5), L.tensor([[0, 3], [7, 1]]), 3),
    "embedding": lambda L, a: L.embedding(a.reshape(-1, 5), L.tensor([[0, 3], [7, 1]])),
    "max_pool1d": lambda L, a: L.max_pool1d(a.reshape(2, 3, 20), 3),
    "max_pool2d": lambda L, a: L.max_pool2d(a, [2, 2], [1, 2]),
    "max_pool3d": lambda L, a: L.max_pool3d(a.reshape(2, 3, 2, 2, 5), 2, padding=1),
    "max_pool1d_with_indices": lambda L, a: L.max_pool1d_with_indices(a.reshape(2, 3, 20), 3, 2),
    "avg_pool1d": lambda L, a: L.avg_pool1d(a.reshape(2, 3, 20), 4, padding=1),
    "adaptive_avg_pool1d": lambda L, a: L.adaptive_avg_pool1d(a.reshape(2, 3, 20), 6),
    "adaptive_max_pool1d": lambda L, a: L.adaptive_max_pool1d(a.reshape(2, 3, 20), 6),
    "pixel_shuffle": lambda L, a: L.pixel_shuffle(a.reshape(1, 4, 6, 5), 2),
    "pixel_unshuffle": lambda L, a: L.pixel_unshuffle(a.reshape(2, 3, 2, 10), 2),
    "channel_shuffle": lambda L, a: L.channel_shuffle(a, 3),
    "prelu": lambda L, a: L.prelu(a, L.tensor(B3)),
    "selu": lambda L, a: L.selu(a),
    "celu": lambda L, a: L.celu(a, 0.5),
    "rrelu_eval": lambda L, a: L.rrelu(a),
    "threshold": lambda L, a: L.threshold(a, 0.1, -2.0),
    "hardshrink": lambda L, a: L.hardshrink(a, 0.3),
    "relu_": lambda L, a: L.relu_(a * 1),
    "selu_": lambda L, a: L.selu_(a * 1),
    "celu_": lambda L, a: L.celu_(a * 1, 2.0),
    "threshold_": lambda L, a: L.threshold_(a * 1, 0.0, 5.0),
    "rrelu_": lambda L, a: L.rrelu_(a * 1),
    "bilinear": lambda L, a: L.bilinear(a.reshape(12, 10), a.reshape(12, 10)[:, :4], L.tensor(W_BIL), None),
    "bce_with_logits": lambda L, a: L.binary_cross_entropy_with_logits(a, L.sigmoid(a * 2)),
    "bce_with_logits_sum": lambda L, a: L.binary_cross_entropy_with_logits(a, L.sigmoid(a * 2), None, None, 2),
    "cosine_similarity": lambda L, a: L.cosine_similarity(a, a.flip(0)),
    "pairwise_distance": lambda L, a: L.pairwise_distance(a, a.flip(0)),
    "pdist": lambda L, a: L.pdist(a.reshape(12, 10), 3),
    "kl_div": lambda L, a: L.kl_div(a.log_softmax(-1), a.flip(0).softmax(-1)),
    "kl_div_mean_log_target": lambda L, a: L.kl_div(a, a.flip(0), 1, log_target=True),
    "margin_ranking_loss": lambda L, a: L.margin_ranking_loss(a, a.flip(0), L.sign(a.flip(1)), 0.2),
    "hinge_embedding_loss": lambda L, a: L.hinge_embedding_loss(a, L.sign(a.flip(1)), 0.5, 2),
    "triplet_margin_loss": lambda L, a: L.triplet_margin_loss(a.reshape(12, 10), a.reshape(12, 10).flip(0),
                                                              a.reshape(12, 10).flip(1), 0.3, 2, 1e-6, True),
    "triplet_margin_loss_mean": lambda L, a: L.triplet_margin_loss(a.reshape(12, 10), a.reshape(12, 10).flip(0),
                                                                   a.reshape(12, 10).flip(1), reduction=1),
    "poisson_nll_loss": lambda L, a: L.poisson_nll_loss(a, a.abs(), True, True, 1e-8, 1),
    "cosine_embedding_loss": lambda L, a: L.cosine_embedding_loss(a.reshape(12, 10), a.reshape(12, 10).flip(0),
                                                                  L.tensor(SIGNS, dtype=a.dtype), 0.1),
    "ctc_loss": lambda L, a: L.ctc_loss(a.reshape(5, 2, 12).log_softmax(-1), L.tensor([[1, 2], [3, 3]]), [5, 4],
                                        [2, 2]),
    "ctc_loss_mean": lambda L, a: L.ctc_loss(a.reshape(5, 2, 12).log_softmax(-1), L.tensor([[1, 2], [3, 3]]), [5, 4],
                                             [2, 2], 0, 1, False),
    "constant_pad_nd": lambda L, a: L.constant_pad_nd(a, [1, 2, 0, 1], 0.5),
    "grid_sampler": lambda L, a: L.grid_sampler(a, L.tanh(a[:, :2].permute(0, 2, 3, 1)) * 1.2, 2, 2, False),
    "grid_sampler_2d": lambda L, a: L.grid_sampler_2d(a, L.tanh(a[:, :2].permute(0, 2, 3, 1)) * 1.2, 0, 1, True),
    "grid_sampler_3d": lambda L, a: L.grid_sampler_3d(a.reshape(2, 3, 2, 2, 5), L.tanh(a.reshape(2, 2, 2, 5, 3)) * 1.2,
                                                      0, 2, False),
    "affine_grid_generator": lambda L, a: L.affine_grid_generator(a.reshape(-1)[:12].reshape(2, 2, 3), [2, 3, 4, 5],
                                                                  False),
    "norm_except_dim": lambda L, a: L.norm_except_dim(a, 2, 1),
    "norm_except_dim_whole": lambda L, a: L.norm_except_dim(a, 3, -1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_top_level_alias_matches_torch(name: str) -> None:
    x = R.standard_normal((2, 3, 4, 5))
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, got = CASES[name](torch, tx), CASES[name](bw, bx)
    want, got = (want, got) if isinstance(want, tuple) else ((want,), (got,))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape) and g.dtype.name == str(w.dtype).split(".")[-1]
        np.testing.assert_allclose(g.detach().numpy(), w.detach().numpy(), rtol=1e-10, atol=1e-10)
    if name.endswith("_") or not want[0].requires_grad:
        return
    up = R.standard_normal(tuple(want[0].shape))
    want[0].backward(torch.tensor(up))
    got[0].backward(bw.tensor(up))
    # celu: PyTorch rounds 1 / alpha to float32 inside its backward (relative 1e-8)
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-7 if "celu" in name else 1e-10,
                               atol=1e-10)


def test_training_dropout_aliases_drop_like_torch() -> None:
    y = bw.feature_dropout(bw.ones(4, 6, 3), 0.5, True)
    assert bool((y.amax(2) == y.amin(2)).all()) and set(np.unique(y.numpy())) <= {0.0, 2.0}
    x = bw.ones(100)
    assert bw.dropout_(x, 0.5, True) is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="between 0 and 1"):
        bw.dropout(bw.ones(2), 1.5, True)
    with pytest.raises(RuntimeError, match="reduction"):
        bw.kl_div(bw.ones(2), bw.ones(2), 3)


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("bias,bidirectional,batch_first", [(True, False, False), (False, True, True)])
def test_flat_weight_rnns_match_torch(mode: str, bias: bool, bidirectional: bool, batch_first: bool) -> None:
    kw = dict(num_layers=2, bias=bias, bidirectional=bidirectional, batch_first=batch_first)
    make = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(mode)
    tm = make(3, 4, **kw) if make else torch.nn.RNN(3, 4, nonlinearity=mode[4:], **kw)
    weights = [p.detach().double().numpy() for p in tm._flat_weights]
    dirs = 2 if bidirectional else 1
    x, h0, c0 = R.standard_normal((2, 5, 3)), R.standard_normal((2 * dirs, 2 if batch_first else 5, 4)), None
    c0 = R.standard_normal(h0.shape)
    args = (bias, 2, 0.0, False, bidirectional, batch_first)
    outs = []
    for L in (torch, bw):
        ws = [L.tensor(w, requires_grad=True) for w in weights]
        xt = L.tensor(x, requires_grad=True)
        hx = [L.tensor(h0), L.tensor(c0)] if mode == "lstm" else L.tensor(h0)
        out = getattr(L, mode)(xt, hx, ws, *args)
        sum((o * (k + 1)).sum() for k, o in enumerate(out)).backward()
        outs.append(([o.detach().numpy() for o in out], [w.grad.numpy() for w in ws + [xt]]))
    (tv, tg), (bv, bg) = outs
    assert len(bv) == len(tv) == (3 if mode == "lstm" else 2)
    for a, b in zip(bv + bg, tv + tg):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_flat_weight_rnn_rejects_a_wrong_weight_count() -> None:
    with pytest.raises(RuntimeError, match="weights"):
        bw.gru(bw.ones(2, 1, 3), bw.zeros(1, 1, 4), [bw.ones(12, 3)] * 3, True, 1, 0.0, False, False, False)


def test_gumbel_softmax_samples_the_softmax_and_goes_straight_through() -> None:
    bw.manual_seed(0)
    logits = bw.tensor([[1.0, 0.0, -1.0]]).log_softmax(-1)
    soft = bw.nn.functional.gumbel_softmax(logits.expand(4000, 3), tau=0.5)
    assert np.allclose(soft.sum(-1).numpy(), 1.0)
    freq = np.bincount(soft.argmax(-1).numpy(), minlength=3) / 4000
    np.testing.assert_allclose(freq, logits.exp()[0].numpy(), atol=0.03)  # argmax of Gumbel-perturbed logits
    x = bw.zeros(5, 3, requires_grad=True)
    hard = bw.nn.functional.gumbel_softmax(x, hard=True, dim=1)
    assert set(np.unique(hard.detach().numpy())) == {0.0, 1.0} and np.all(hard.detach().sum(1).numpy() == 1)
    (hard * bw.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0  # the soft sample's gradient
    with pytest.warns(UserWarning, match="deprecated"):
        bw.nn.functional.gumbel_softmax(x, eps=1e-3)


@pytest.mark.parametrize("shapes,offs", [(((3, 4), (2, 4, 5)), [1, 3]), (((2, 3, 4), (4, 5)), [2, 5]),
                                         (((2, 3), (3, 4)), [1, 3]), (((4, 4), (2, 4, 2)), [1, 3])])
def test_grouped_mm_gradients_by_finite_differences(shapes: tuple, offs: list) -> None:
    a, b = (bw.tensor(R.standard_normal(s), requires_grad=True) for s in shapes)
    o = bw.tensor(offs, dtype=bw.int32)
    assert gradcheck(lambda a, b: bw.nn.functional.grouped_mm(a, b, offs=o), (a, b))
    if shapes[0] == (4, 4):  # rows after the last group are 0
        assert float(bw.nn.functional.grouped_mm(a, b, offs=o)[3].abs().sum()) == 0.0


@pytest.mark.parametrize("kw", [{}, dict(out_features=(4, 3), bias=True),
                                dict(bias=True, label_smoothing=0.2, reduction="sum", ignore_index=1)])
def test_linear_cross_entropy_loss_matches_torch(kw: dict) -> None:
    torch.manual_seed(0)
    tm = torch.nn.LinearCrossEntropyLoss(5, 10, **kw).double()
    bm = bw.nn.LinearCrossEntropyLoss(5, 10, **kw).double()
    assert repr(bm) == repr(tm) and list(bm.state_dict()) == list(tm.state_dict())
    bm.load_state_dict({k: bw.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x, target = R.standard_normal((3, 5)), R.integers(0, 10, (3,) + kw.get("out_features", ()))
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    want, got = tm(tx, torch.tensor(target)), bm(bx, bw.tensor(target))
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)
    want.backward()
    got.backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bm.linear.weight.grad.numpy(), tm.linear.weight.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_linear_cross_entropy_options_are_checked_like_torch() -> None:
    for L in (torch, bw):
        assert L.nn.LinearCrossEntropyOptions(batch_chunk_size=8, chunking_method=None).batch_chunk_size == 8
        for bad in [dict(acc_policy="fast"), dict(chunking_method="rows"), dict(batch_chunk_size=0)]:
            with pytest.raises(ValueError):
                L.nn.LinearCrossEntropyOptions(**bad)
        with pytest.raises(RuntimeError, match="label_smoothing"):
            L.nn.LinearCrossEntropyLoss(3, 4, label_smoothing=1.5)
    with pytest.warns(UserWarning, match="options"):  # options that the chunked path could not take: reference
        bw.nn.functional.linear_cross_entropy(bw.ones(2, 3), bw.ones(4, 3), bw.tensor([0, 1]), label_smoothing=0.1,
                                              options=bw.nn.LinearCrossEntropyOptions())


@pytest.mark.parametrize("cell", ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"])
@pytest.mark.parametrize("bias", [True, False])
def test_single_step_cells_match_torch(cell: str, bias: bool) -> None:
    gates = {"lstm_cell": 4, "gru_cell": 3}.get(cell, 1)
    arrays = [R.standard_normal(s) for s in [(3, 4), (3, 5), (3, 5), (gates * 5, 4), (gates * 5, 5), (gates * 5,),
                                              (gates * 5,)]]
    results = []
    for L in (torch, bw):
        x, h, c, w_ih, w_hh, b_ih, b_hh = (L.tensor(a, requires_grad=True) for a in arrays)
        hx = [h, c] if cell == "lstm_cell" else h
        out = getattr(L, cell)(x, hx, w_ih, w_hh, *((b_ih, b_hh) if bias else ()))
        out = out if isinstance(out, tuple) else (out,)
        sum((o * (k + 1)).sum() for k, o in enumerate(out)).backward()
        used = [x, h, w_ih, w_hh] + ([c] if cell == "lstm_cell" else []) + ([b_ih, b_hh] if bias else [])
        results.append([o.detach().numpy() for o in out] + [t.grad.numpy() for t in used])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
