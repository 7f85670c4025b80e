"""Converters for the layers that run as one op: a fused LSTM/GRU layer, ``embedding_bag``, ``unfold``/``fold``.

The recurrent layers map one direction of one layer to one ONNX ``LSTM`` or ``GRU`` node; stacking, the second
direction, ``batch_first`` and the initial states are the layer module's own traced ops around it. The gate
blocks are reordered inside the graph (a ``Gather`` of the weight rows), so the initializers stay the
parameters under their ``state_dict`` names.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ._nn_ops import _lookup, _with_batch
from ._ops import _BIG, _dt, _pair, converts

# gate blocks in ONNX's order, as indexes of PyTorch's blocks: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h
_LSTM_GATES = (0, 3, 1, 2)
_GRU_GATES = (1, 0, 2)


def _gate_rows(g: Any, name: str, blocks: tuple, hs: int) -> str:
    """``name``'s gate blocks (rows of ``hs``) in ONNX's order, with the leading direction axis ONNX wants."""
    rows = np.concatenate([np.arange(b * hs, (b + 1) * hs) for b in blocks])
    return g.op("Unsqueeze", g.op("Gather", name, g.ints(rows), axis=0), g.ints([0]))


def _recurrent(g: Any, op_type: str, blocks: tuple, x: Tensor, states: list[Tensor], w_ih: Tensor, w_hh: Tensor,
               b_ih: Tensor | None, b_hh: Tensor | None, reverse: bool, **attrs: Any) -> tuple:
    hs = int(w_hh.shape[1])
    w = _gate_rows(g, g.name(w_ih), blocks, hs)
    r = _gate_rows(g, g.name(w_hh), blocks, hs)
    b = None
    if b_ih is not None or b_hh is not None:
        zeros = g.const(np.zeros(len(blocks) * hs, _dt(w_ih)))
        parts = [zeros if t is None else g.name(t) for t in (b_ih, b_hh)]
        b = g.op("Concat", *[_gate_rows(g, p, blocks, hs) for p in parts], axis=1)
    init = [g.op("Unsqueeze", g.name(s), g.ints([0])) for s in states]
    outs = g.op(op_type, g.name(x), w, r, b, None, *init, outputs=1 + len(states), hidden_size=hs,
                direction="reverse" if reverse else "forward", **attrs)
    y = g.op("Squeeze", outs[0], g.ints([1]))  # (L, directions=1, N, H) -> (L, N, H)
    return (y,) + tuple(g.op("Squeeze", o, g.ints([0])) for o in outs[1:])


@converts("brickwork.ops.rnn.lstm_layer")
def _lstm_layer(g: Any, out: tuple, x: Tensor, h0: Tensor, c0: Tensor, w_ih: Tensor, w_hh: Tensor,
                b_ih: Tensor | None = None, b_hh: Tensor | None = None, reverse: bool = False) -> tuple:
    return _recurrent(g, "LSTM", _LSTM_GATES, x, [h0, c0], w_ih, w_hh, b_ih, b_hh, reverse)


@converts("brickwork.ops.rnn.gru_layer")
def _gru_layer(g: Any, out: tuple, x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
               b_hh: Tensor | None = None, reverse: bool = False) -> tuple:
    # linear_before_reset=1 is PyTorch's n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    return _recurrent(g, "GRU", _GRU_GATES, x, [h0], w_ih, w_hh, b_ih, b_hh, reverse, linear_before_reset=1)


# -- embedding bags --------------------------------------------------------------------------------------------

@converts("F.embedding_bag")
def _embedding_bag(g: Any, out: Tensor, input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                   max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                   mode: str = "mean", sparse: bool = False, per_sample_weights: Tensor | None = None,
                   include_last_offset: bool = False, padding_idx: int | None = None) -> str:
    """Bags of a 2-D input reduce along its rows; bags given by ``offsets`` become a (bags, indices) membership
    mask built in the graph from the offsets, so both the number of bags and their lengths stay dynamic."""
    dt = _dt(weight)
    idx = g.name(input)
    rows = _lookup(g, weight, idx, max_norm, norm_type)  # (B, N, D) or (n, D)
    if per_sample_weights is not None:
        rows = g.op("Mul", rows, g.op("Unsqueeze", g.name(per_sample_weights), g.ints([-1])))
    keep = None
    if padding_idx is not None:
        pad = int(padding_idx) % int(weight.shape[0])
        keep = g.op("Not", g.op("Equal", idx, g.const(np.asarray(pad, _dt(input)))))
    if input.ndim == 2:  # (B, N): every bag is one row
        member, axis = keep, 1
        if member is not None:
            member = g.op("Unsqueeze", member, g.ints([-1]))
        values = rows
    else:  # (n,) with offsets: member[b, j] = starts[b] <= j < ends[b]
        off = g.name(offsets)
        n = g.op("Shape", idx)
        if include_last_offset:
            starts = g.op("Slice", off, g.ints([0]), g.ints([-1]), g.ints([0]))
            ends = g.op("Slice", off, g.ints([1]), g.ints([_BIG]), g.ints([0]))
        else:
            starts = off
            ends = g.op("Concat", g.op("Slice", off, g.ints([1]), g.ints([_BIG]), g.ints([0])),
                        g.cast(n, np.int64, _dt(offsets)), axis=0)
        pos = g.cast(g.op("Range", g.scalar(0, np.int64), g.op("Squeeze", n, g.ints([0])), g.scalar(1, np.int64)),
                     np.int64, _dt(offsets))
        pos = g.op("Unsqueeze", pos, g.ints([0]))  # (1, n)
        member = g.op("And", g.op("GreaterOrEqual", pos, g.op("Unsqueeze", starts, g.ints([1]))),
                      g.op("Less", pos, g.op("Unsqueeze", ends, g.ints([1]))))  # (B, n)
        if keep is not None:
            member = g.op("And", member, g.op("Unsqueeze", keep, g.ints([0])))
        member, axis = g.op("Unsqueeze", member, g.ints([-1])), 1  # (B, n, 1)
        values = g.op("Unsqueeze", rows, g.ints([0]))  # (1, n, D)
    zero = g.scalar(0.0, dt)
    if member is None:  # fixed-length bags, nothing left out
        reduce_op = {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax"}[mode]
        return g.reduce(reduce_op, values, [axis], False)
    counts = g.reduce("ReduceSum", g.cast(member, np.bool_, dt), [axis], False)  # (B, 1)
    if mode == "max":
        best = g.reduce("ReduceMax", g.op("Where", member, values, g.scalar(-np.inf, dt)), [axis], False)
        return g.op("Where", g.op("Greater", counts, zero), best, zero)  # an empty bag gives zeros
    total = g.reduce("ReduceSum", g.op("Where", member, values, zero), [axis], False)
    if mode == "sum":
        return total
    return g.op("Div", total, g.op("Max", counts, g.scalar(1.0, dt)))


# -- sliding blocks ----------------------------------------------------------------------------------------------

def _block_geometry(size: tuple, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    k, d, p, s = (_pair(v, 2) for v in (kernel_size, dilation, padding, stride))
    blocks = [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
    return k, d, p, s, blocks


@converts("F.unfold")
def _unfold(g: Any, out: Tensor, input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
            stride: Any = 1) -> str:
    """im2col as one ``Gather``: every block's elements, read from the padded image flattened per channel."""
    c, h, w = (int(v) for v in input.shape[-3:])
    k, d, p, s, (oh, ow) = _block_geometry((h, w), kernel_size, dilation, padding, stride)
    wp = w + 2 * p[1]
    ki, kj = np.meshgrid(np.arange(k[0]), np.arange(k[1]), indexing="ij")
    bi, bj = np.meshgrid(np.arange(oh), np.arange(ow), indexing="ij")
    rows = bi.reshape(1, -1) * s[0] + ki.reshape(-1, 1) * d[0]  # (K, L)
    cols = bj.reshape(1, -1) * s[1] + kj.reshape(-1, 1) * d[1]
    where = (rows * wp + cols).astype(np.int64)

    def body(x: str) -> str:
        if any(p):
            x = g.op("Pad", x, g.ints([0, 0, p[0], p[1], 0, 0, p[0], p[1]]), g.scalar(0.0, input))
        flat = g.op("Reshape", x, g.ints([0, 0, -1]))
        picked = g.op("Gather", flat, g.const(where), axis=2)  # (N, C, K, L)
        return g.op("Reshape", picked, g.ints([0, c * k[0] * k[1], oh * ow]))
    return _with_batch(g, input, 2, body)


@converts("F.fold")
def _fold(g: Any, out: Tensor, input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
          padding: Any = 0, stride: Any = 1) -> str:
    k, d, p, s, _ = _block_geometry(tuple(_pair(output_size, 2)), kernel_size, dilation, padding, stride)
    return _with_batch(g, input, 1, lambda x: g.op("Col2Im", x, g.ints(_pair(output_size, 2)), g.ints(k),
                                                   dilations=d, pads=p + p, strides=s))
