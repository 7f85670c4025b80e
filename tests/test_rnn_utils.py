"""``nn.utils.rnn`` against PyTorch: packing and padding layouts, RNN/GRU/LSTM on packed batches (outputs,
final states, gradients), ``_flat_weights``, the cells, and ``F.embedding_bag``'s options and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as trnn

import brickwork as bw
from brickwork.nn.utils import rnn as brnn

R = np.random.default_rng(0)


def _copy(tm, bm):
    bm.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_pad_layouts(batch_first, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = R.standard_normal((4, 5, 2) if batch_first else (5, 4, 2)).astype(np.float32)
    tp = trnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first, enforce_sorted)
    bp = brnn.pack_padded_sequence(bw.tensor(x), lengths, batch_first, enforce_sorted)
    np.testing.assert_array_equal(bp.data.numpy(), tp.data.numpy())
    assert bp.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for a, b in ((bp.sorted_indices, tp.sorted_indices), (bp.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    (tpad, tl), (bpad, bl) = trnn.pad_packed_sequence(tp, batch_first, -1.0, 7), \
        brnn.pad_packed_sequence(bp, batch_first, -1.0, 7)
    np.testing.assert_array_equal(bpad.numpy(), tpad.numpy())
    assert bl.tolist() == tl.tolist() and bl.dtype == bw.int64
    seqs = [R.standard_normal((n, 3)).astype(np.float32) for n in lengths]
    for side in ("right", "left"):
        np.testing.assert_array_equal(
            brnn.pad_sequence([bw.tensor(s) for s in seqs], batch_first, 0.5, side).numpy(),
            trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 0.5, side).numpy())
    tps = trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted)
    bps = brnn.pack_sequence([bw.tensor(s) for s in seqs], enforce_sorted)
    np.testing.assert_array_equal(bps.data.numpy(), tps.data.numpy())
    for a, b in zip(brnn.unpack_sequence(bps), trnn.unpack_sequence(tps)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_pack_errors_as_torch():
    for lib, mod in ((torch, trnn), (bw, brnn)):
        with pytest.raises(RuntimeError):
            mod.pack_padded_sequence(lib.zeros(4, 2, 1), [2, 3])
        with pytest.raises(RuntimeError):
            mod.pack_padded_sequence(lib.zeros(4, 2, 1), [2, 0])
        with pytest.raises(ValueError):
            mod.pad_packed_sequence(mod.pack_sequence([lib.zeros(3)]), total_length=2)
        with pytest.raises(RuntimeError):
            mod.pad_sequence([lib.zeros(3)], padding_side="middle")


@pytest.mark.parametrize("cls,kw", [("LSTM", dict(num_layers=2, bidirectional=True)), ("GRU", dict(bidirectional=True)),
                                    ("RNN", dict(num_layers=2, nonlinearity="relu")), ("LSTM", dict(proj_size=2)),
                                    ("GRU", dict(batch_first=True))])
def test_rnn_on_packed_batches(cls, kw):
    tm, bm = getattr(torch.nn, cls)(3, 4, **kw), getattr(bw.nn, cls)(3, 4, **kw)
    _copy(tm, bm)
    bf = kw.get("batch_first", False)
    x = R.standard_normal((3, 5, 3) if bf else (5, 3, 3)).astype(np.float32)
    lengths = [3, 5, 2]
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    dirs, layers = 2 if kw.get("bidirectional") else 1, kw.get("num_layers", 1)
    h0 = R.standard_normal((dirs * layers, 3, kw.get("proj_size") or 4)).astype(np.float32)
    th0, bh0 = torch.tensor(h0, requires_grad=True), bw.tensor(h0, requires_grad=True)
    if cls == "LSTM":
        c0 = R.standard_normal((dirs * layers, 3, 4)).astype(np.float32)
        th0, bh0 = (th0, torch.tensor(c0)), (bh0, bw.tensor(c0))
    to, th = tm(trnn.pack_padded_sequence(tx, lengths, bf, enforce_sorted=False), th0)
    bo, bh = bm(brnn.pack_padded_sequence(bx, lengths, bf, enforce_sorted=False), bh0)
    assert isinstance(bo, brnn.PackedSequence)
    (tpad, _), (bpad, _) = trnn.pad_packed_sequence(to, bf), brnn.pad_packed_sequence(bo, bf)
    np.testing.assert_allclose(bpad.detach().numpy(), tpad.detach().numpy(), rtol=1e-5, atol=1e-6)
    for t, b in zip(th if cls == "LSTM" else (th,), bh if cls == "LSTM" else (bh,)):
        np.testing.assert_allclose(b.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    first = (lambda h: h[0]) if cls == "LSTM" else (lambda h: h)
    (tpad.sum() + first(th).square().sum()).backward()
    (bpad.sum() + first(bh).square().sum()).backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), q in zip(tm.named_parameters(), bm.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_flat_weights_as_torch():
    tm, bm = torch.nn.LSTM(2, 3, 2, bidirectional=True, proj_size=2), bw.nn.LSTM(2, 3, 2, bidirectional=True, proj_size=2)
    assert bm._flat_weights_names == tm._flat_weights_names
    assert [tuple(p.shape) for p in bm._flat_weights] == [tuple(p.shape) for p in tm._flat_weights]
    for name, p in zip(bm._flat_weights_names, bm._flat_weights):  # the init idiom of public model code
        if "weight" in name:
            bw.nn.init.orthogonal_(p) if p.shape[0] >= p.shape[1] else bw.nn.init.xavier_uniform_(p)
        else:
            bw.nn.init.zeros_(p)
    assert float(bm.bias_ih_l0.abs().sum()) == 0.0 and bm._flat_weights[0] is bm.weight_ih_l0


@pytest.mark.parametrize("cls", ["RNNCell", "GRUCell", "LSTMCell"])
@pytest.mark.parametrize("batched,bias,hidden", [(True, True, True), (False, False, True), (True, True, False)])
def test_cells_match_torch(cls, batched, bias, hidden):
    tm, bm = getattr(torch.nn, cls)(3, 4, bias), getattr(bw.nn, cls)(3, 4, bias)
    _copy(tm, bm)
    assert repr(bm) == repr(tm)
    shape = (2, 3) if batched else (3,)
    x = R.standard_normal(shape).astype(np.float32)
    h = R.standard_normal(shape[:-1] + (4,)).astype(np.float32)
    tx, bx = torch.tensor(x, requires_grad=True), bw.tensor(x, requires_grad=True)
    targs, bargs = [], []
    if hidden:
        th, bh = torch.tensor(h, requires_grad=True), bw.tensor(h, requires_grad=True)
        targs, bargs = ([(th, th * 0.5)], [(bh, bh * 0.5)]) if cls == "LSTMCell" else ([th], [bh])
    to, bo = tm(tx, *targs), bm(bx, *bargs)
    to, bo = (to if cls == "LSTMCell" else (to,)), (bo if cls == "LSTMCell" else (bo,))
    for t, b in zip(to, bo):
        np.testing.assert_allclose(b.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    sum(t.sum() for t in to).backward()
    sum(b.sum() for b in bo).backward()
    np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    for (name, p), q in zip(tm.named_parameters(), bm.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


def test_cell_errors_as_torch():
    for lib in (torch, bw):
        for call, error in ((lambda: lib.nn.GRUCell(3, 4)(lib.zeros(2, 5)), RuntimeError),
                            (lambda: lib.nn.LSTMCell(3, 4)(lib.zeros(2, 2, 3)), ValueError),
                            (lambda: lib.nn.RNNCell(3, 4)(lib.zeros(3), lib.zeros(1, 1, 4)), ValueError),
                            (lambda: lib.nn.RNNCell(3, 4, nonlinearity="sigmoid")(lib.zeros(3)), RuntimeError)):
            with pytest.raises(error):
                call()


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_matches_torch(mode):
    w = R.standard_normal((8, 3)).astype(np.float32)
    idx, off = np.array([1, 2, 4, 5, 4, 3, 2, 7, 0]), np.array([0, 4, 4, 7])
    psw = R.standard_normal(9).astype(np.float32) if mode == "sum" else None
    tw, bwt = torch.tensor(w, requires_grad=True), bw.tensor(w, requires_grad=True)
    kw = dict(mode=mode, padding_idx=4)
    t = torch.nn.functional.embedding_bag(torch.tensor(idx), tw, torch.tensor(off), per_sample_weights=None if psw is None
                                          else torch.tensor(psw), **kw)
    b = bw.nn.functional.embedding_bag(bw.tensor(idx), bwt, bw.tensor(off), per_sample_weights=None if psw is None
                                       else bw.tensor(psw), **kw)
    np.testing.assert_allclose(b.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = R.standard_normal(tuple(t.shape)).astype(np.float32)
    t.backward(torch.tensor(g))
    b.backward(bw.tensor(g))
    np.testing.assert_allclose(bwt.grad.numpy(), tw.grad.numpy(), rtol=1e-5, atol=1e-6)
    for lib in (torch, bw):
        F = lib.nn.functional
        with pytest.raises(ValueError):
            F.embedding_bag(lib.tensor([[1, 2]]), lib.zeros(3, 2), lib.tensor([0]))
        with pytest.raises(ValueError):
            F.embedding_bag(lib.tensor([1, 2]), lib.zeros(3, 2))
        with pytest.raises(NotImplementedError):
            F.embedding_bag(lib.tensor([[1, 2]]), lib.zeros(3, 2), mode="max", per_sample_weights=lib.ones(1, 2))
    tb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode=mode)
    bb = bw.nn.EmbeddingBag.from_pretrained(bw.tensor(w), mode=mode)
    assert repr(bb) == repr(tb) and not bb.weight.requires_grad


def test_docstring_examples():
    import doctest
    assert doctest.testmod(brnn, raise_on_error=False).failed == 0
