"""Recurrent layers as single graph nodes: one direction of one LSTM or GRU layer over a whole sequence.

The composed recurrence (``nn._functional_rnn``) records ~15 ops per time step, and its weight-gradient GEMMs
have the batch as inner dimension. Here the forward runs the whole sequence (one input GEMM for all steps, then
the recurrence: per step one ``h @ W_hh^T`` GEMM and the gate arithmetic, `brickwork.kernels.rnn.lstm_forward`
for LSTM, one compiled loop on the CPU) and records one node. Its backward is backprop through time (per step
the gate gradients and one ``dgates @ W_hh`` GEMM, `brickwork.kernels.rnn.lstm_backward`), then the weight
gradients as GEMMs over the whole sequence at once (inner dimension seq * batch) and the input gradient as one
GEMM.

Sigmoid gates are computed as ``sigmoid(x) = tanh(x / 2) / 2 + 1 / 2``: the sigmoid gates' rows of the weights and
biases are halved up front (exact in binary floating point), so one ``tanh`` call covers every gate.

The node's output packs the per-step hidden states and, for LSTM, the last cell state: ``(L + 1, N, H)`` (LSTM)
or ``(L, N, H)`` (GRU); the returned ``output``, ``h_n`` and ``c_n`` are views of it. Higher derivatives
(``create_graph=True``) re-run the layer through the composed tensor-op recurrence and differentiate that.
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..kernels import linear as _klinear
from ..kernels import rnn as _k
from ._core import needs_grad, record, wrap

__all__ = ["lstm_layer", "gru_layer"]


def _check(op: str, x: Tensor, h0: Tensor, weights: tuple, gates: int) -> None:
    w_ih, w_hh = weights[0], weights[1]
    hs = w_hh.shape[1]
    if x.ndim != 3 or w_ih.shape != (gates * hs, x.shape[2]) or w_hh.shape != (gates * hs, hs):
        raise RuntimeError(f"{op}: expected input (L, N, H_in) with weight_ih ({gates}*H, H_in) and weight_hh "
                           f"({gates}*H, H); got input {tuple(x.shape)}, weight_ih {tuple(w_ih.shape)}, weight_hh "
                           f"{tuple(w_hh.shape)}")
    if tuple(h0.shape) != (x.shape[1], hs):
        raise RuntimeError(f"{op}: expected the initial state of shape (N, H) = {(x.shape[1], hs)}, got "
                           f"{tuple(h0.shape)}")
    if x.shape[0] == 0:
        raise RuntimeError(f"{op}: expected a sequence of at least one step, got input {tuple(x.shape)}")
    for t in weights[2:]:
        if t is not None and tuple(t.shape) != (gates * hs,):
            raise RuntimeError(f"{op}: expected biases of shape ({gates * hs},), got {tuple(t.shape)}")


def _halved(xp: Any, a: Any, hs: int, sigmoid_gates: tuple) -> Any:
    """A copy of ``a`` (gate-major first axis) with the sigmoid gates' blocks halved."""
    out = a.copy()
    for k in sigmoid_gates:
        out[k * hs:(k + 1) * hs] *= 0.5
    return out


def _order(n: int, reverse: bool) -> range:
    return range(n - 1, -1, -1) if reverse else range(n)


def _previous(xp: Any, h0: Any, hs: Any, reverse: bool) -> Any:
    """The hidden state each step started from, for every step: (L, N, H)."""
    prev = xp.empty_like(hs)
    if reverse:
        prev[-1] = h0
        prev[:-1] = hs[1:]
    else:
        prev[0] = h0
        prev[1:] = hs[:-1]
    return prev


# -- LSTM ----------------------------------------------------------------------------------------------------

def lstm_layer(x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
               b_hh: Tensor | None = None, reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """One direction of one LSTM layer over a ``(L, N, H_in)`` sequence, as one graph node.

    Gates ``i, f, g, o`` and parameters are PyTorch's (``weight_ih`` (4H, H_in), ``weight_hh`` (4H, H), biases
    (4H,) or None). ``reverse`` runs from the last step to the first. Returns ``(output, h_n, c_n)``: the hidden
    state of every step ``(L, N, H)`` (in input order) and the final states ``(N, H)``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.ops.rnn import lstm_layer
        >>> x, h0 = torch.ones(5, 2, 3), torch.zeros(2, 4)
        >>> out, h, c = lstm_layer(x, h0, h0, torch.full((16, 3), 0.1), torch.full((16, 4), -0.1))
        >>> out.shape, bool((out[-1] == h).all())
        (brickwork.Size([5, 2, 4]), True)
    """
    weights = (w_ih, w_hh, b_ih, b_hh)
    _check("lstm_layer", x, h0, weights, 4)
    if tuple(c0.shape) != tuple(h0.shape):
        raise RuntimeError(f"lstm_layer: expected c0 of shape {tuple(h0.shape)} like h0, got {tuple(c0.shape)}")
    xp = x._device.xp
    seq, n = x.shape[0], x.shape[1]
    hs = w_hh.shape[1]
    z_all = _input_gates(xp, x._data, w_ih._data, _bias(b_ih, b_hh), hs, (0, 1, 3))
    packed = xp.empty((seq + 1, n, hs), x._data.dtype)
    cs = xp.empty((seq, n, hs), x._data.dtype)
    tcs = xp.empty_like(cs)
    _k.lstm_forward(xp, z_all, w_hh._data, h0._data, c0._data, packed[:seq], cs, tcs, reverse)
    c = cs[0 if reverse else seq - 1]
    packed[seq] = c
    out = wrap(packed, x._device)
    inputs = (x, h0, c0, w_ih, w_hh, b_ih, b_hh)
    if needs_grad(*[t for t in inputs if t is not None]):
        record(out, "LstmLayerBackward0", _lstm_backward, inputs, saved=_present(inputs), save_output=True,
               present=tuple(t is not None for t in inputs), z=z_all, cs=cs, tcs=tcs, reverse=reverse)
    return out[:seq], out[0 if reverse else seq - 1], out[seq]


def _present(inputs: tuple) -> tuple:
    return tuple(t for t in inputs if t is not None)


def _saved(node: Any) -> list:
    """The node's inputs from its saved tensors (None where an input was None)."""
    saved = iter(node.saved_tensors)
    return [next(saved) if p else None for p in node.present]


def _bias(b_ih: Tensor | None, b_hh: Tensor | None) -> Any:
    present = [b._data for b in (b_ih, b_hh) if b is not None]
    return None if not present else present[0] if len(present) == 1 else present[0] + present[1]


def _input_gates(xp: Any, x: Any, w_ih: Any, bias: Any, hs: int, sigmoid_gates: tuple) -> Any:
    """``x @ W_ih^T + bias`` for every step at once, sigmoid gates halved: (L, N, gates * H)."""
    seq, n = x.shape[0], x.shape[1]
    scale = xp.ones(w_ih.shape[0], x.dtype)
    for k in sigmoid_gates:
        scale[k * hs:(k + 1) * hs] = 0.5
    return _k.input_gates(xp, x.reshape(seq * n, -1), w_ih, bias, scale).reshape(seq, n, -1)


def _lstm_backward(node: Any, g: Tensor) -> tuple:
    from ..autograd.grad_mode import STATE

    inputs = _saved(node)
    x, h0, c0, w_ih, w_hh = inputs[:5]
    packed = node.output()._data  # (checks that it was not modified in place)
    if STATE.enabled:  # create_graph: differentiate the composed recurrence instead
        return _composed_grads(node, g, inputs, _lstm_composed)
    xp = x._device.xp
    gd = g._data
    z_all, cs, tcs, reverse = node.z, node.cs, node.tcs, node.reverse
    seq, n, hs = cs.shape
    hs_out = packed[:seq]
    dz_all = xp.empty_like(z_all)
    dh = xp.empty((n, hs), gd.dtype)
    dc = gd[seq].copy()
    _k.lstm_backward(xp, z_all, tcs, cs, c0._data, w_hh._data, gd[:seq], dc, dz_all, dh, reverse)
    return _gate_grads(node, xp, x._data, h0._data, hs_out, w_ih._data, dz_all, dz_all, dh, dc, reverse, g)


def _gate_grads(node: Any, xp: Any, x: Any, h0: Any, hs_out: Any, w_ih: Any, dgi: Any, dgh: Any, dh0: Any,
                dc0: Any, reverse: bool, g: Tensor) -> tuple:
    """The gradients of a layer from its per-step gate gradients: one GEMM over the whole sequence each."""
    need = node.needs_input_grad
    seq, n = x.shape[0], x.shape[1]
    dev = g._device
    gi_flat = dgi.reshape(seq * n, -1)
    gh_flat = dgh.reshape(seq * n, -1)
    dx = wrap(_klinear.linear_input_grad(xp, gi_flat, w_ih).reshape(x.shape), dev) if need[0] else None
    x_flat = x.reshape(seq * n, -1) if need[3] else None
    prev = _previous(xp, h0, hs_out, reverse).reshape(seq * n, -1) if need[4] else None
    if dgh is dgi:  # LSTM: both weights from the same gate gradients
        dw_ih, dw_hh = _k.weight_grads(xp, gi_flat, x_flat, prev)
    else:
        dw_ih = _k.weight_grads(xp, gi_flat, x_flat, None)[0]
        dw_hh = _k.weight_grads(xp, gh_flat, None, prev)[1]
    dw_ih, dw_hh = (None if d is None else wrap(d, dev) for d in (dw_ih, dw_hh))
    db_ih = gi_flat.sum(0) if need[5] else None
    db_hh = None
    if need[6]:
        db_hh = db_ih.copy() if dgh is dgi and db_ih is not None else gh_flat.sum(0)  # LSTM: the same gradient
    db_ih, db_hh = (None if d is None else wrap(d, dev) for d in (db_ih, db_hh))
    grads = [dx, wrap(dh0, dev) if need[1] else None, None, dw_ih, dw_hh, db_ih, db_hh]
    if dc0 is not None and need[2]:
        grads[2] = wrap(dc0, dev)
    return tuple(grads)


def _lstm_composed(x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                   b_hh: Tensor | None, reverse: bool) -> Tensor:
    """The same layer in recorded tensor ops (the packed output), for higher derivatives."""
    from .movement import stack

    hs = w_hh.shape[1]
    gi = x @ w_ih.t()
    for b in (b_ih, b_hh):
        if b is not None:
            gi = gi + b
    h, c = h0, c0
    outs: list[Any] = [None] * x.shape[0]
    for t in _order(x.shape[0], reverse):
        z = gi[t] + h @ w_hh.t()
        c = z[:, hs:2 * hs].sigmoid() * c + z[:, :hs].sigmoid() * z[:, 2 * hs:3 * hs].tanh()
        h = z[:, 3 * hs:].sigmoid() * c.tanh()
        outs[t] = h
    return stack(outs + [c], 0)


def _composed_grads(node: Any, g: Tensor, inputs: list, composed: Any) -> tuple:
    from ..autograd import grad

    need = node.needs_input_grad
    wanted = [t for t, k in zip(inputs, need) if k]
    out = composed(*inputs, node.reverse)
    got = iter(grad(out, wanted, g, create_graph=True, allow_unused=True))
    return tuple(next(got) if k else None for k in need)


# -- GRU -----------------------------------------------------------------------------------------------------

def gru_layer(x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None, reverse: bool = False) -> tuple[Tensor, Tensor]:
    """One direction of one GRU layer over a ``(L, N, H_in)`` sequence, as one graph node.

    Gates ``r, z, n`` and parameters are PyTorch's: ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``,
    ``h' = (1 - z) * n + z * h``. Returns ``(output, h_n)``: every step's hidden state ``(L, N, H)`` and the last.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.ops.rnn import gru_layer
        >>> w_ih, w_hh = torch.full((12, 3), 0.1), torch.full((12, 4), -0.1)
        >>> out, h = gru_layer(torch.ones(5, 2, 3), torch.zeros(2, 4), w_ih, w_hh)
        >>> out.shape, h.shape
        (brickwork.Size([5, 2, 4]), brickwork.Size([2, 4]))
    """
    weights = (w_ih, w_hh, b_ih, b_hh)
    _check("gru_layer", x, h0, weights, 3)
    xp = x._device.xp
    seq, n = x.shape[0], x.shape[1]
    hs = w_hh.shape[1]
    dt = x._data.dtype
    gi = _input_gates(xp, x._data, w_ih._data, None if b_ih is None else b_ih._data, hs, (0, 1))
    whh_t = xp.ascontiguousarray(_halved(xp, w_hh._data, hs, (0, 1)).T)
    bhh = None if b_hh is None else _halved(xp, b_hh._data, hs, (0, 1))
    packed = xp.empty((seq, n, hs), dt)
    rz_all = xp.empty((seq, n, 2 * hs), dt)
    n_all = xp.empty((seq, n, hs), dt)
    ghn_all = xp.empty((seq, n, hs), dt)
    gh = xp.empty((n, 3 * hs), dt)
    h = h0._data
    for t in _order(seq, reverse):
        xp.matmul(h, whh_t, out=gh)
        if bhh is not None:
            gh += bhh
        _k.gru_gates(xp, gi[t], gh, rz_all[t])
        xp.tanh(rz_all[t], out=rz_all[t])
        _k.gru_candidate(xp, gi[t], gh, rz_all[t], n_all[t])
        xp.tanh(n_all[t], out=n_all[t])
        ghn_all[t] = gh[:, 2 * hs:]
        _k.gru_hidden(xp, rz_all[t], n_all[t], h, packed[t])
        h = packed[t]
    out = wrap(packed, x._device)
    inputs = (x, h0, None, w_ih, w_hh, b_ih, b_hh)  # the same slots as LSTM's, with no cell state
    if needs_grad(*[t for t in inputs if t is not None]):
        record(out, "GruLayerBackward0", _gru_backward, inputs, saved=_present(inputs), save_output=True,
               present=tuple(t is not None for t in inputs), rz=rz_all, n=n_all, ghn=ghn_all, reverse=reverse)
    return out, out[0 if reverse else seq - 1]


def _gru_backward(node: Any, g: Tensor) -> tuple:
    from ..autograd.grad_mode import STATE

    inputs = _saved(node)
    x, h0, _, w_ih, w_hh = inputs[:5]
    hs_out = node.output()._data
    if STATE.enabled:
        return _composed_grads(node, g, inputs, _gru_composed)
    xp = x._device.xp
    gd = g._data
    rz_all, n_all, ghn_all, reverse = node.rz, node.n, node.ghn, node.reverse
    seq, n, hs = n_all.shape
    dgi = xp.empty((seq, n, 3 * hs), gd.dtype)
    dgh = xp.empty_like(dgi)
    dh = xp.zeros((n, hs), gd.dtype)
    direct = xp.empty_like(dh)
    whh = w_hh._data
    for t in _order(seq, not reverse):
        dh += gd[t]
        prev = t + 1 if reverse else t - 1
        h_prev = h0._data if prev < 0 or prev >= seq else hs_out[prev]
        _k.gru_cell_backward(xp, rz_all[t], n_all[t], ghn_all[t], h_prev, dh, dgi[t], dgh[t], direct)
        xp.matmul(dgh[t], whh, out=dh)
        dh += direct
    return _gate_grads(node, xp, x._data, h0._data, hs_out, w_ih._data, dgi, dgh, dh, None, reverse, g)


def _gru_composed(x: Tensor, h0: Tensor, c0: None, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None,
                  b_hh: Tensor | None, reverse: bool) -> Tensor:
    from .movement import stack

    hs = w_hh.shape[1]
    gi = x @ w_ih.t()
    if b_ih is not None:
        gi = gi + b_ih
    h = h0
    outs: list[Any] = [None] * x.shape[0]
    for t in _order(x.shape[0], reverse):
        gh = h @ w_hh.t()
        if b_hh is not None:
            gh = gh + b_hh
        r = (gi[t][:, :hs] + gh[:, :hs]).sigmoid()
        z = (gi[t][:, hs:2 * hs] + gh[:, hs:2 * hs]).sigmoid()
        nn_ = (gi[t][:, 2 * hs:] + r * gh[:, 2 * hs:]).tanh()
        h = nn_ + z * (h - nn_)
        outs[t] = h
    return stack(outs, 0)
