"""The recurrences behind ``nn.RNN``, ``nn.GRU``, ``nn.LSTM`` and their cells, written with tensor ops.

Each layer projects the inputs of all time steps with one matmul, then loops over time with one small matmul
per step. Gate order and parameter layout are PyTorch's (GRU ``r, z, n``; LSTM ``i, f, g, o``), so weights
load from PyTorch state dicts unchanged.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import kernels
from .._errors import op_error
from .._tensor import Tensor
from ..ops.linalg import addmm
from ..ops.multi_output import unstack
from ..ops.rnn import gru_layer, lstm_layer

__all__ = ["rnn_step", "gru_step", "lstm_step", "recurrent_layer", "activation_for"]


def activation_for(nonlinearity: str, where: str) -> Callable[[Tensor], Tensor]:
    """The elementwise activation of a plain RNN: ``'tanh'`` or ``'relu'``."""
    if nonlinearity == "tanh":
        return Tensor.tanh  # type: ignore[attr-defined]  # installed on Tensor by brickwork.ops
    if nonlinearity == "relu":
        return Tensor.relu  # type: ignore[attr-defined]  # installed on Tensor by brickwork.ops
    raise op_error(ValueError, where, f"unknown nonlinearity {nonlinearity!r}; expected 'tanh' or 'relu'")


def rnn_step(gi: Tensor, h: Tensor, w_hh_t: Tensor, act: Callable[[Tensor], Tensor]) -> Tensor:
    """One step of an Elman RNN: ``act(gi + h @ W_hh^T)``; ``gi`` already holds both biases."""
    return act(gi + h @ w_hh_t)


def gru_step(gi: Tensor, h: Tensor, w_hh_t: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step; ``gi`` holds ``x @ W_ih^T + b_ih`` for the gates ``r, z, n``.

    ``r = σ(gi_r + gh_r)``, ``z = σ(gi_z + gh_z)``, ``n = tanh(gi_n + r * gh_n)``, ``h' = n + z * (h - n)``.
    """
    # one addmm, as torch's linear(h, W_hh, b_hh): under autocast the bias joins the low-precision product
    gh = h @ w_hh_t if b_hh is None else addmm(b_hh, h, w_hh_t)
    n_, hs = gh.shape[-1] // 3, tuple(gh.shape[:-1])
    ir, iz, in_ = unstack(gi.reshape(hs + (3, n_)), -2)
    hr, hz, hn = unstack(gh.reshape(hs + (3, n_)), -2)
    r = (ir + hr).sigmoid()
    z = (iz + hz).sigmoid()
    n = (in_ + r * hn).tanh()
    return n + z * (h - n)


def lstm_step(gi: Tensor, h: Tensor, c: Tensor, w_hh_t: Tensor, w_hr_t: Tensor | None) -> tuple[Tensor, Tensor]:
    """One LSTM step; ``gi`` holds ``x @ W_ih^T + b_ih + b_hh`` for the gates ``i, f, g, o``.

    ``c' = σ(f) * c + σ(i) * tanh(g)``, ``h' = σ(o) * tanh(c')`` (times ``W_hr^T`` with a projection).
    """
    gates = gi + h @ w_hh_t
    n_, hs = gates.shape[-1] // 4, tuple(gates.shape[:-1])
    i, f, g, o = unstack(gates.reshape(hs + (4, n_)), -2)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    return (h if w_hr_t is None else h @ w_hr_t), c


def _one_node(x: Tensor, h0: Tensor, c0: Tensor | None, weights: tuple) -> bool:
    """Whether the one-node layer of `brickwork.ops.rnn` runs this layer: kernels on (the composed
    recurrence is the reference), a non-empty float32/float64 sequence, one dtype and one device throughout."""
    if kernels.mode() == "reference" or x.shape[0] == 0 or x._data.dtype.kind != "f" or x._data.itemsize < 4:
        return False  # half precision takes the composed path, which computes in float32
    ts = [t for t in (x, h0, c0) + tuple(weights) if t is not None]
    return all(t._data.dtype == x._data.dtype and t._device is x._device for t in ts)


def recurrent_layer(mode: str, x: Tensor, h0: Tensor, c0: Tensor | None, weights: tuple, reverse: bool,
                    act: Callable[[Tensor], Tensor] | None = None) -> tuple[Tensor, Tensor, Tensor | None]:
    """Run one direction of one layer over a ``(L, N, H_in)`` sequence.

    ``weights`` is ``(w_ih, w_hh, b_ih, b_hh[, w_hr])`` as PyTorch names them (biases may be None). Returns the
    outputs ``(L, N, H_out)``, the last hidden state and, for LSTM, the last cell state.
    """
    from ..ops.movement import stack
    from . import functional as F

    w_ih, w_hh, b_ih, b_hh = weights[:4]
    w_hr = weights[4] if len(weights) > 4 else None
    if mode in ("LSTM", "GRU") and w_hr is None and _one_node(x, h0, c0, weights):
        if mode == "LSTM":
            return lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse)  # type: ignore[arg-type]
        out, h = gru_layer(x, h0, w_ih, w_hh, b_ih, b_hh, reverse)
        return out, h, None
    fold = mode != "GRU" and b_ih is not None  # GRU keeps b_hh inside r * (h @ W_hn^T + b_hn)
    gi_all = F.linear(x, w_ih, (b_ih + b_hh) if fold else b_ih)
    steps = unstack(gi_all, 0)
    w_hh_t = w_hh.t()
    w_hr_t = None if w_hr is None else w_hr.t()
    h, c = h0, c0
    outs: list[Any] = [None] * len(steps)
    for t in (range(len(steps) - 1, -1, -1) if reverse else range(len(steps))):
        if mode == "LSTM":
            h, c = lstm_step(steps[t], h, c, w_hh_t, w_hr_t)  # type: ignore[arg-type]  # LSTM callers pass c0
        elif mode == "GRU":
            h = gru_step(steps[t], h, w_hh_t, b_hh)
        else:
            h = rnn_step(steps[t], h, w_hh_t, act)  # type: ignore[arg-type]  # RNN callers pass act
        outs[t] = h
    out = stack(outs, 0) if outs else x.new_zeros((0,) + tuple(h0.shape))
    return out, h, c
