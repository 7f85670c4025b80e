"""RNN, GRU, LSTM and their cells against PyTorch with the same weights: outputs, final states, and the
gradients of the input, the initial state and every parameter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw

R = np.random.default_rng(0)
TOL = dict(rtol=1e-4, atol=2e-5)


def _copy_weights(tm: torch.nn.Module, bm: bw.nn.Module) -> None:
    assert list(bm.state_dict()) == list(tm.state_dict())
    bm.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def _leaf(a: np.ndarray) -> tuple[torch.Tensor, bw.Tensor]:
    return torch.tensor(a, requires_grad=True), bw.tensor(a, requires_grad=True)


def _close(got: bw.Tensor, expected: torch.Tensor) -> None:
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), **TOL)


CONFIGS = [
    pytest.param("RNN", {}, False, False, id="rnn"),
    pytest.param("RNN", {"nonlinearity": "relu", "num_layers": 2}, True, False, id="rnn-relu-2layers-h0"),
    pytest.param("RNN", {"bidirectional": True, "batch_first": True, "bias": False}, True, False,
                 id="rnn-bidir-batchfirst-nobias-h0"),
    pytest.param("GRU", {}, False, False, id="gru"),
    pytest.param("GRU", {"num_layers": 2, "bidirectional": True}, True, False, id="gru-2layers-bidir-h0"),
    pytest.param("GRU", {"batch_first": True, "num_layers": 3}, False, False, id="gru-3layers-batchfirst"),
    pytest.param("GRU", {"bidirectional": True}, True, True, id="gru-bidir-unbatched-h0"),
    pytest.param("LSTM", {}, False, False, id="lstm"),
    pytest.param("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}, True, False,
                 id="lstm-2layers-bidir-batchfirst-h0"),
    pytest.param("LSTM", {"num_layers": 2}, False, True, id="lstm-2layers-unbatched"),
    pytest.param("LSTM", {"bias": False, "bidirectional": True}, True, True, id="lstm-nobias-bidir-unbatched-h0"),
    pytest.param("LSTM", {"proj_size": 3, "num_layers": 2, "bidirectional": True}, True, False,
                 id="lstm-proj-2layers-bidir-h0"),
]


@pytest.mark.parametrize("mode,kwargs,with_h0,unbatched", CONFIGS)
def test_recurrent_matches_torch(mode: str, kwargs: dict, with_h0: bool, unbatched: bool) -> None:
    L, N, H_in, H = 5, 3, 4, 6
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = getattr(torch.nn, mode)(H_in, H, **kwargs)
    bm = getattr(bw.nn, mode)(H_in, H, **kwargs)
    _copy_weights(tm, bm)
    shape = (L, H_in) if unbatched else (N, L, H_in) if kwargs.get("batch_first") else (L, N, H_in)
    tx, bx = _leaf(R.standard_normal(shape).astype(np.float32))
    D = 2 if kwargs.get("bidirectional") else 1
    layers = D * kwargs.get("num_layers", 1)
    state_shape = lambda size: (layers, size) if unbatched else (layers, N, size)  # noqa: E731
    t_state = b_state = None
    leaves = []
    if with_h0:
        th, bh = _leaf(R.standard_normal(state_shape(kwargs.get("proj_size") or H)).astype(np.float32))
        leaves.append((th, bh))
        t_state, b_state = th, bh
        if mode == "LSTM":
            tc, bc = _leaf(R.standard_normal(state_shape(H)).astype(np.float32))
            leaves.append((tc, bc))
            t_state, b_state = (th, tc), (bh, bc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_out, t_h = tm(tx, t_state)
    b_out, b_h = bm(bx, b_state)
    t_parts = [t_out] + (list(t_h) if mode == "LSTM" else [t_h])
    b_parts = [b_out] + (list(b_h) if mode == "LSTM" else [b_h])
    t_loss, b_loss = 0, 0
    for t, b in zip(t_parts, b_parts):
        _close(b, t)
        w = R.standard_normal(tuple(t.shape)).astype(np.float32)
        t_loss = t_loss + (t * torch.tensor(w)).sum()
        b_loss = b_loss + (b * bw.tensor(w)).sum()
    t_loss.backward()
    b_loss.backward()
    _close(bx.grad, tx.grad)
    for t, b in leaves:
        _close(b.grad, t.grad)
    for (name, tp), bp in zip(tm.named_parameters(), bm.parameters()):
        assert bp.grad is not None, name
        _close(bp.grad, tp.grad)


@pytest.mark.parametrize("cls,kwargs", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
                                        ("GRUCell", {}), ("GRUCell", {"bias": False}), ("LSTMCell", {})])
@pytest.mark.parametrize("unbatched", [False, True])
@pytest.mark.parametrize("with_h0", [False, True])
def test_cells_match_torch(cls: str, kwargs: dict, unbatched: bool, with_h0: bool) -> None:
    tm, bm = getattr(torch.nn, cls)(4, 5, **kwargs), getattr(bw.nn, cls)(4, 5, **kwargs)
    _copy_weights(tm, bm)
    tx, bx = _leaf(R.standard_normal((4,) if unbatched else (3, 4)).astype(np.float32))
    sshape = (5,) if unbatched else (3, 5)
    leaves, t_state, b_state = [], None, None
    if with_h0:
        leaves = [_leaf(R.standard_normal(sshape).astype(np.float32)) for _ in range(2 if cls == "LSTMCell" else 1)]
        t_state = tuple(t for t, _ in leaves) if cls == "LSTMCell" else leaves[0][0]
        b_state = tuple(b for _, b in leaves) if cls == "LSTMCell" else leaves[0][1]
    t_out, b_out = tm(tx, t_state), bm(bx, b_state)
    t_parts = list(t_out) if cls == "LSTMCell" else [t_out]
    b_parts = list(b_out) if cls == "LSTMCell" else [b_out]
    for i, (t, b) in enumerate(zip(t_parts, b_parts)):
        _close(b, t)
        ((t * (i + 1)).sum()).backward(retain_graph=True)
        ((b * (i + 1)).sum()).backward(retain_graph=True)
    _close(bx.grad, tx.grad)
    for t, b in leaves:
        _close(b.grad, t.grad)
    for tp, bp in zip(tm.parameters(), bm.parameters()):
        _close(bp.grad, tp.grad)


def test_parameters_init_and_repr() -> None:
    bw.manual_seed(0)
    m = bw.nn.LSTM(8, 16, num_layers=2, bidirectional=True, dropout=0.1)
    names = [n for n, _ in m.named_parameters()]
    t = torch.nn.LSTM(8, 16, num_layers=2, bidirectional=True, dropout=0.1)
    assert names == [n for n, _ in t.named_parameters()]
    bound = 1 / 4
    for p in m.parameters():
        assert float(p.abs().max()) <= bound and float(p.std()) > bound / 3
    assert repr(m) == repr(t)
    assert repr(bw.nn.GRUCell(3, 4, bias=False)) == repr(torch.nn.GRUCell(3, 4, bias=False))
    assert repr(bw.nn.RNN(3, 4, nonlinearity="relu", batch_first=True)) == repr(
        torch.nn.RNN(3, 4, nonlinearity="relu", batch_first=True))
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 4


def test_dropout_between_layers_only_in_training() -> None:
    m = bw.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = bw.randn(6, 2, 3)
    m.eval()
    a, b = m(x)[0], m(x)[0]
    assert bw.equal(a, b)
    m.train()
    outs = [m(x)[0] for _ in range(4)]
    assert any(not bw.equal(outs[0], o) for o in outs[1:])


def test_errors() -> None:
    m = bw.nn.LSTM(4, 5, num_layers=2)
    with pytest.raises(RuntimeError, match=r"input_size=4, got shape \(3, 2, 7\)"):
        m(bw.zeros(3, 2, 7))
    with pytest.raises(RuntimeError, match=r"expected hx of shape .* = \(2, 2, 5\), got \(1, 2, 5\)"):
        m(bw.zeros(3, 2, 4), (bw.zeros(1, 2, 5), bw.zeros(2, 2, 5)))
    with pytest.raises(ValueError, match="got 4-d shape"):
        m(bw.zeros(3, 2, 4, 1))
    with pytest.raises(ValueError, match="unknown nonlinearity 'gelu'"):
        bw.nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="proj_size"):
        bw.nn.LSTM(3, 4, proj_size=4)
    with pytest.warns(UserWarning, match="no effect with num_layers=1"):
        bw.nn.GRU(3, 4, dropout=0.2)
    with pytest.raises(RuntimeError, match=r"GRUCell: input has inconsistent input_size: got 5 expected 3"):
        bw.nn.GRUCell(3, 4)(bw.zeros(2, 5))


@pytest.mark.parametrize("mode", ["RNN", "GRU", "LSTM"])
def test_gradcheck_float64(mode: str) -> None:
    m = getattr(bw.nn, mode)(2, 3, bidirectional=True).double()
    x = bw.tensor(R.standard_normal((3, 2, 2)), dtype=bw.float64, requires_grad=True)
    h = bw.tensor(R.standard_normal((2, 2, 3)), dtype=bw.float64, requires_grad=True)

    def run(a: bw.Tensor, b: bw.Tensor) -> bw.Tensor:
        out, hn = m(a, (b, b * 0.5) if mode == "LSTM" else b)
        return out.sum() + (hn[0] if mode == "LSTM" else hn).square().sum()

    assert bw.autograd.gradcheck(run, (x, h))
