"""Recurrent-cell kernels: the elementwise part of one LSTM or GRU time step, forward and backward.

The layer primitives of `brickwork.ops.rnn` run each time step as one GEMM (``h @ W_hh^T``), NumPy's SIMD
``tanh`` and these kernels, which do the gate arithmetic in one pass over the step's ``(N, gates * H)`` block.

Sigmoid gates arrive *halved and squashed*: the layer scales the sigmoid gates' rows of ``W_ih``, ``W_hh`` and the
biases by 0.5 (exact in binary floating point) and applies one ``tanh`` to all gates, so a sigmoid gate holds
``a = tanh(x / 2)`` and its value is ``sigmoid(x) = a / 2 + 1 / 2``. Gate order is PyTorch's: LSTM ``i, f, g, o``,
GRU ``r, z, n``. Every kernel writes its results into the arrays it is given (the last arguments).

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.rnn import lstm_cell_forward
    >>> z = np.zeros((1, 4)); c = np.ones((1, 1)); out = np.empty((1, 1))
    >>> lstm_cell_forward(np, z, c, out); out.tolist()  # i = f = 1/2, g = 0: c' = c / 2
    [[0.5]]
"""

from __future__ import annotations

from typing import Any

from . import Kernel

__all__ = ["lstm_cell_forward", "lstm_hidden", "lstm_cell_backward", "gru_gates", "gru_candidate", "gru_hidden",
           "gru_cell_backward"]

_CPU = "brickwork.kernels._cpu.rnn:"


def _lstm_cell_forward(xp: Any, z: Any, c_prev: Any, c_out: Any) -> None:
    """``c' = f * c + i * g`` from the squashed gates ``z`` (N, 4H)."""
    hs = c_prev.shape[1]
    i = z[:, :hs] * 0.5 + 0.5
    f = z[:, hs:2 * hs] * 0.5 + 0.5
    xp.multiply(f, c_prev, out=c_out)
    c_out += i * z[:, 2 * hs:3 * hs]


def _lstm_hidden(xp: Any, z: Any, tc: Any, h_out: Any) -> None:
    """``h' = o * tanh(c')`` (``tc`` holds ``tanh(c')``)."""
    hs = tc.shape[1]
    xp.multiply(z[:, 3 * hs:] * 0.5 + 0.5, tc, out=h_out)


def _lstm_cell_backward(xp: Any, z: Any, tc: Any, c_prev: Any, dh: Any, dc: Any, dz_out: Any) -> None:
    """Gate gradients ``dz_out`` (N, 4H, with respect to the gates before their activations) from ``dh``
    and ``dc`` (the gradients reaching ``h'`` and ``c'``); ``dc`` becomes the gradient reaching ``c``."""
    hs = tc.shape[1]
    i, f = z[:, :hs] * 0.5 + 0.5, z[:, hs:2 * hs] * 0.5 + 0.5
    g, o = z[:, 2 * hs:3 * hs], z[:, 3 * hs:] * 0.5 + 0.5
    dct = dc + dh * o * (1 - tc * tc)
    dz_out[:, :hs] = dct * g * i * (1 - i)
    dz_out[:, hs:2 * hs] = dct * c_prev * f * (1 - f)
    dz_out[:, 2 * hs:3 * hs] = dct * i * (1 - g * g)
    dz_out[:, 3 * hs:] = dh * tc * o * (1 - o)
    xp.multiply(dct, f, out=dc)


def _gru_gates(xp: Any, gi: Any, gh: Any, rz_out: Any) -> None:
    """The halved pre-activations of ``r`` and ``z``: ``gi[:, :2H] + gh[:, :2H]`` into ``rz_out`` (N, 2H)."""
    k = rz_out.shape[1]
    xp.add(gi[:, :k], gh[:, :k], out=rz_out)


def _gru_candidate(xp: Any, gi: Any, gh: Any, rz: Any, n_out: Any) -> None:
    """The candidate's pre-activation ``gi_n + r * gh_n`` into ``n_out`` (N, H); ``rz`` holds squashed r, z."""
    hs = n_out.shape[1]
    xp.multiply(rz[:, :hs] * 0.5 + 0.5, gh[:, 2 * hs:], out=n_out)
    n_out += gi[:, 2 * hs:]


def _gru_hidden(xp: Any, rz: Any, n: Any, h_prev: Any, h_out: Any) -> None:
    """``h' = n + z * (h - n)``."""
    hs = n.shape[1]
    xp.subtract(h_prev, n, out=h_out)
    h_out *= rz[:, hs:] * 0.5 + 0.5
    h_out += n


def _gru_cell_backward(xp: Any, rz: Any, n: Any, ghn: Any, h_prev: Any, dh: Any, dgi_out: Any, dgh_out: Any,
                       dh_out: Any) -> None:
    """Gradients of one GRU step from ``dh`` (reaching ``h'``): ``dgi_out`` and ``dgh_out`` (N, 3H, with
    respect to ``x W_ih^T + b_ih`` and ``h W_hh^T + b_hh``) and the direct part ``dh * z`` of ``dh_out``."""
    hs = n.shape[1]
    r, z = rz[:, :hs] * 0.5 + 0.5, rz[:, hs:] * 0.5 + 0.5
    dn = dh * (1 - z) * (1 - n * n)
    dgi_out[:, :hs] = dn * ghn * r * (1 - r)
    dgi_out[:, hs:2 * hs] = dh * (h_prev - n) * z * (1 - z)
    dgi_out[:, 2 * hs:] = dn
    dgh_out[:, :2 * hs] = dgi_out[:, :2 * hs]
    xp.multiply(dn, r, out=dgh_out[:, 2 * hs:])
    xp.multiply(dh, z, out=dh_out)


lstm_cell_forward = Kernel("lstm_cell_forward", _lstm_cell_forward, cpu=_CPU + "lstm_cell_forward")
lstm_hidden = Kernel("lstm_hidden", _lstm_hidden, cpu=_CPU + "lstm_hidden")
lstm_cell_backward = Kernel("lstm_cell_backward", _lstm_cell_backward, cpu=_CPU + "lstm_cell_backward")
gru_gates = Kernel("gru_gates", _gru_gates, cpu=_CPU + "gru_gates")
gru_candidate = Kernel("gru_candidate", _gru_candidate, cpu=_CPU + "gru_candidate")
gru_hidden = Kernel("gru_hidden", _gru_hidden, cpu=_CPU + "gru_hidden")
gru_cell_backward = Kernel("gru_cell_backward", _gru_cell_backward, cpu=_CPU + "gru_cell_backward")
