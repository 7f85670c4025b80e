"""RNN/GRU/LSTM over a `PackedSequence`: at step ``t`` only the first ``batch_sizes[t]`` sequences
advance (they are sorted longest first), the others keep their hidden state, so each final state is taken at
its own sequence's end and the backward direction starts at each sequence's last step."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from .. import functional as F
from .._functional_rnn import activation_for, gru_step, lstm_step, rnn_step
from ..utils.rnn import PackedSequence


def _direction(mode: str, steps: list, h: Tensor, c: Tensor | None, weights: tuple, reverse: bool,
               act: Any) -> tuple[list, Tensor, Tensor | None]:
    w_ih, w_hh, b_ih, b_hh = weights[:4]
    w_hr_t = weights[4].t() if len(weights) > 4 else None
    w_hh_t = w_hh.t()
    outs: list[Any] = [None] * len(steps)
    for t in (range(len(steps) - 1, -1, -1) if reverse else range(len(steps))):
        gi = steps[t]
        b = gi.shape[0]
        if c is not None:  # LSTM: the cell state advances with the hidden state
            hn, cn = lstm_step(gi, h[:b], c[:b], w_hh_t, w_hr_t)
            c = cn if b == c.shape[0] else ops.cat([cn, c[b:]], 0)
        elif mode == "GRU":
            hn = gru_step(gi, h[:b], w_hh_t, b_hh)
        else:
            hn = rnn_step(gi, h[:b], w_hh_t, act)
        h = hn if b == h.shape[0] else ops.cat([hn, h[b:]], 0)
        outs[t] = hn
    return outs, h, c


def packed_forward(module: Any, input: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
    """``module`` (an RNNBase) run on ``input``; returns the packed output and ``h_n`` (``(h_n, c_n)``)."""
    name = type(module).__name__
    data, sizes = input.data, [int(s) for s in input.batch_sizes.cpu().numpy()]
    if data.dim() != 2 or data.shape[-1] != module.input_size:
        raise op_error(RuntimeError, name,
                       f"expected packed data of shape (sum of lengths, input_size="
                       f"{module.input_size}), got {tuple(data.shape)}")
    mode = "RNN" if module.mode.startswith("RNN") else module.mode
    act = activation_for("relu" if module.mode == "RNN_RELU" else "tanh", "RNN")
    n, dirs = sizes[0], module._dirs
    lstm = mode == "LSTM"
    h0, c0 = (hx if lstm else (hx, None)) if hx is not None else (None, None)

    def initial(state: Tensor | None, size: int) -> list:
        if state is None:
            return [data.new_zeros((n, size))] * (module.num_layers * dirs)
        if tuple(state.shape) != (module.num_layers * dirs, n, size):
            raise op_error(RuntimeError, name,
                           f"expected hidden state of shape {(module.num_layers * dirs, n, size)}, got "
                           f"{tuple(state.shape)}")
        if input.sorted_indices is not None:
            state = state.index_select(1, input.sorted_indices)
        return list(state.unbind(0))

    hs0 = initial(h0, module.proj_size or module.hidden_size)
    cs0 = initial(c0, module.hidden_size) if lstm else [None] * len(hs0)
    x, hs, cs = data, [], []
    for layer in range(module.num_layers):
        per_dir = []
        for d in range(dirs):
            i = layer * dirs + d
            weights = module._weights(i)
            w_ih, b_ih, b_hh = weights[0], weights[2], weights[3]
            fold = mode != "GRU" and b_ih is not None
            gi = F.linear(x, w_ih, (b_ih + b_hh) if fold else b_ih)
            outs, h, c = _direction(mode, list(ops.split(gi, sizes, 0)), hs0[i], cs0[i], weights, d == 1, act)
            per_dir.append(outs)
            hs.append(h)
            cs.append(c)
        steps = [o[0] if dirs == 1 else ops.cat([o[0], o[1]], -1) for o in zip(*per_dir)]
        x = ops.cat(steps, 0)
        if module.dropout and module.training and layer < module.num_layers - 1:
            x = F.dropout(x, module.dropout, True)

    def final(states: list) -> Tensor:
        s = ops.stack(states, 0)
        return s if input.unsorted_indices is None else s.index_select(1, input.unsorted_indices)

    out = PackedSequence(x, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
    return out, ((final(hs), final(cs)) if lstm else final(hs))
