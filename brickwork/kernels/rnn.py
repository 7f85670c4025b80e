"""Recurrent-cell kernels: the elementwise part of one LSTM or GRU time step, forward and backward.

The layer primitives of `brickwork.ops.rnn` run each time step as one GEMM (``h @ W_hh^T``), NumPy's SIMD
``tanh`` and these kernels, which do the gate arithmetic in one pass over the step's ``(N, gates * H)`` block.

Sigmoid gates arrive *halved and squashed*: the layer scales the sigmoid gates' rows of ``W_ih``, ``W_hh`` and the
biases by 0.5 (exact in binary floating point) and applies one ``tanh`` to all gates, so a sigmoid gate holds
``a = tanh(x / 2)`` and its value is ``sigmoid(x) = a / 2 + 1 / 2``. Gate order is PyTorch's: LSTM ``i, f, g, o``,
GRU ``r, z, n``. Every kernel writes its results into the arrays it is given (the last arguments).

`input_gates` is the input projection of every step at once (one GEMM, the gate scaling folded into the weight),
`weight_grads` the weight gradients over the whole sequence (``dgates^T @ inputs``, one GEMM each);
`lstm_forward` and `lstm_backward` run a whole LSTM sequence (the recurrence and backprop through time): their
reference loops over the steps with one GEMM and the cell kernels above per step; the CPU kernel (float32) is one
compiled loop with its own register-tiled GEMM that reads the recurrent weight in place (`._cpu._gemm`).

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.rnn import lstm_cell_forward
    >>> z = np.zeros((1, 4)); c = np.ones((1, 1)); out = np.empty((1, 1))
    >>> lstm_cell_forward(np, z, c, out); out.tolist()  # i = f = 1/2, g = 0: c' = c / 2
    [[0.5]]
"""

from __future__ import annotations

from typing import Any

from . import kernel

__all__ = ["input_gates", "weight_grads", "lstm_forward", "lstm_backward", "lstm_cell_forward", "lstm_hidden",
           "lstm_cell_backward", "gru_gates", "gru_candidate", "gru_hidden", "gru_cell_backward"]

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


def _order(n: int, reverse: bool) -> range:
    return range(n - 1, -1, -1) if reverse else range(n)


def _input_gates(xp: Any, x: Any, w_ih: Any, bias: Any, scale: Any) -> Any:
    """``(x @ W_ih^T + bias) * scale`` for the rows ``x`` (R, H_in) of every step: (R, gates * H). ``scale``
    (gates * H,) holds 0.5 for the sigmoid gates and 1 elsewhere, so scaling the weight first is exact."""
    gi = xp.matmul(x, (w_ih * scale[:, None]).T)
    if bias is not None:
        gi += bias * scale
    return gi


def _weight_grads(xp: Any, dg: Any, x: Any, h: Any) -> tuple[Any, Any]:
    """``(dg^T @ x, dg^T @ h)`` for the gate gradients ``dg`` (R, G) of every step and the layer's inputs ``x``
    (R, H_in) and previous states ``h`` (R, H); a product whose matrix is None is None."""
    return (None if x is None else xp.matmul(dg.T, x)), (None if h is None else xp.matmul(dg.T, h))


def _halve_sigmoid_gates(xp: Any, w: Any) -> Any:
    """A copy of an LSTM weight or bias (gate-major first axis) with the sigmoid gates ``i, f, o`` halved."""
    hs = w.shape[0] // 4
    out = w.copy()
    out[:2 * hs] *= 0.5
    out[3 * hs:] *= 0.5
    return out


def _lstm_forward(xp: Any, z: Any, w_hh: Any, h0: Any, c0: Any, h_out: Any, c_out: Any, tc_out: Any,
                  reverse: bool) -> None:
    """The LSTM recurrence over a sequence. ``z`` (L, N, 4H) holds the input gates ``x W_ih^T + b`` with the
    sigmoid gates halved, and receives the squashed gates; ``w_hh`` (4H, H) is the plain recurrent weight
    (halved here). Writes every step's ``h`` into ``h_out``, ``c`` into ``c_out`` and ``tanh(c)`` into
    ``tc_out`` (each (L, N, H)); ``reverse`` runs from the last step to the first."""
    whh = _halve_sigmoid_gates(xp, w_hh)
    rec = xp.empty((whh.shape[0], h0.shape[0]), z.dtype)
    h, c = h0, c0
    for t in _order(z.shape[0], reverse):
        xp.matmul(whh, h.T, out=rec)  # for a small batch OpenBLAS is faster in this orientation
        z[t] += rec.T
        xp.tanh(z[t], out=z[t])
        lstm_cell_forward(xp, z[t], c, c_out[t])
        xp.tanh(c_out[t], out=tc_out[t])
        lstm_hidden(xp, z[t], tc_out[t], h_out[t])
        h, c = h_out[t], c_out[t]


def _lstm_backward(xp: Any, z: Any, tc: Any, c_all: Any, c0: Any, w_hh: Any, g_h: Any, dc: Any, dz_out: Any,
                   dh_out: Any, reverse: bool) -> None:
    """Backprop through time of `lstm_forward` (``z``, ``tc``, ``c_all`` as it left them): ``g_h`` (L, N, H) is
    the gradient reaching each step's output, ``dc`` (N, H) the gradient of the last cell state, which becomes
    that of ``c0``. Writes the gate gradients (before the activations) into ``dz_out`` (L, N, 4H) and the
    gradient of ``h0`` into ``dh_out`` (N, H)."""
    seq = z.shape[0]
    dh_out[...] = 0
    for t in _order(seq, not reverse):
        dh_out += g_h[t]
        prev = t + 1 if reverse else t - 1
        c_prev = c0 if prev < 0 or prev >= seq else c_all[prev]
        lstm_cell_backward(xp, z[t], tc[t], c_prev, dh_out, dc, dz_out[t])
        xp.matmul(dz_out[t], w_hh, out=dh_out)


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


input_gates = kernel("input_gates", _input_gates, cpu=_CPU + "input_gates")
weight_grads = kernel("weight_grads", _weight_grads, cpu=_CPU + "weight_grads")
lstm_forward = kernel("lstm_forward", _lstm_forward, cpu=_CPU + "lstm_forward")
lstm_backward = kernel("lstm_backward", _lstm_backward, cpu=_CPU + "lstm_backward")
lstm_cell_forward = kernel("lstm_cell_forward", _lstm_cell_forward, cpu=_CPU + "lstm_cell_forward")
lstm_hidden = kernel("lstm_hidden", _lstm_hidden, cpu=_CPU + "lstm_hidden")
lstm_cell_backward = kernel("lstm_cell_backward", _lstm_cell_backward, cpu=_CPU + "lstm_cell_backward")
gru_gates = kernel("gru_gates", _gru_gates, cpu=_CPU + "gru_gates")
gru_candidate = kernel("gru_candidate", _gru_candidate, cpu=_CPU + "gru_candidate")
gru_hidden = kernel("gru_hidden", _gru_hidden, cpu=_CPU + "gru_hidden")
gru_cell_backward = kernel("gru_cell_backward", _gru_cell_backward, cpu=_CPU + "gru_cell_backward")
