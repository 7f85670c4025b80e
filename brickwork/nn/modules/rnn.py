"""Recurrent layers: ``RNN``, ``GRU``, ``LSTM`` (multi-layer, bidirectional) and the single-step cells.

Parameter names, shapes, gate order and initialisation are PyTorch's, so state dicts load both ways. The
recurrence math lives in `brickwork.nn._functional_rnn`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from .. import init
from ...ops.multi_output import unstack
from .._functional_rnn import activation_for, gru_step, lstm_step, recurrent_layer, rnn_step
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ._rnn_packed import packed_forward

__all__ = ["RNNBase", "RNN", "GRU", "LSTM", "RNNCellBase", "RNNCell", "GRUCell", "LSTMCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


class RNNBase(Module):
    """Shared state of `RNN`, `GRU` and `LSTM`.

    Per layer and direction it holds the parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (``weight_hr_l{k}`` with an LSTM projection), suffixed ``_reverse`` for the backward
    direction.

    Example:
        >>> import brickwork as torch
        >>> [name for name, _ in torch.nn.GRU(4, 3).named_parameters()]
        ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = "RNN" if mode.startswith("RNN") else mode
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise op_error(ValueError, name, f"dropout should be a number in range [0, 1], got {dropout}")
        if hidden_size <= 0 or num_layers <= 0 or input_size <= 0:
            raise op_error(ValueError, name,
                           f"input_size, hidden_size and num_layers must be positive, got {input_size}, "
                           f"{hidden_size} and {num_layers}")
        if proj_size < 0 or (proj_size and (mode != "LSTM" or proj_size >= hidden_size)):
            raise op_error(ValueError, name,
                           f"proj_size must be 0, or (LSTM only) positive and smaller than hidden_size "
                           f"{hidden_size}; got {proj_size}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout={dropout} applies between layers, so it has no effect with "
                          "num_layers=1", stacklevel=3)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size, out_size = _GATES[mode] * hidden_size, proj_size or hidden_size
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:2 if bidirectional else 1]:
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gate_size, input_size if layer == 0 else out_size * self._dirs),
                    "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update({"bias_ih": (gate_size,), "bias_hh": (gate_size,)})
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = []
                for kind, shape in shapes.items():
                    names.append(f"{kind}_l{layer}{suffix}")
                    setattr(self, names[-1], Parameter(ops.empty(shape, device=device, dtype=dtype)))
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _dirs(self) -> int:
        return 2 if self.bidirectional else 1

    def reset_parameters(self) -> None:
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as in PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        gen = self._init_generator()
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv, generator=gen)

    def flatten_parameters(self) -> None:
        """Nothing to do: kept so PyTorch code that calls it (for cuDNN's weight layout) runs unchanged."""

    @property
    def _flat_weights_names(self) -> list[str]:
        """Every parameter name, layer by layer and direction by direction, in PyTorch's order."""
        return [n for names in self._all_weights for n in names]

    @property
    def _flat_weights(self) -> list[Parameter]:
        """The parameters named by ``_flat_weights_names``, in that order."""
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped per layer and direction, in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def _weights(self, idx: int) -> tuple:
        names = self._all_weights[idx]
        get = self._parameters.__getitem__
        w = {n.split("_l")[0]: get(n) for n in names}
        return (w["weight_ih"], w["weight_hh"], w.get("bias_ih"), w.get("bias_hh")) + (
            (w["weight_hr"],) if self.proj_size else ())

    def _check(self, input: Tensor) -> tuple[Tensor, bool]:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise op_error(TypeError, name, f"expected a Tensor or a PackedSequence input, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise op_error(ValueError, name,
                           f"expected input of shape (L, N, H_in), (N, L, H_in) with batch_first, or "
                           f"unbatched (L, H_in); got {input.ndim}-d shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise op_error(RuntimeError, name,
                           f"expected input with last dimension input_size={self.input_size}, got "
                           f"shape {tuple(input.shape)}")
        batched = input.ndim == 3
        x = input if not batched else input.transpose(0, 1) if self.batch_first else input
        return (x if batched else x.unsqueeze(1)), batched

    def _state(self, h: Tensor | None, x: Tensor, batched: bool, size: int, what: str) -> tuple:
        n = x.shape[1]
        want = (self.num_layers * self._dirs, n, size)
        if h is None:
            z = x.new_zeros(want[1:])
            return (z,) * want[0]
        if h.ndim != (3 if batched else 2):
            raise op_error(RuntimeError, type(self).__name__,
                           f"for {'batched 3' if batched else 'unbatched 2'}-D input, "
                           f"{what} should be {'3' if batched else '2'}-D, got shape {tuple(h.shape)}")
        if not batched:
            h = h.unsqueeze(1)
        if tuple(h.shape) != want:
            raise op_error(RuntimeError, type(self).__name__,
                           f"expected {what} of shape (num_layers * num_directions, N, "
                           f"{'H_out' if what == 'hx' else 'H_cell'}) = {want}, got {tuple(h.shape)}")
        return unstack(h, 0)

    def _run(self, x: Tensor, h0: tuple, c0: tuple | None) -> tuple[Tensor, list, list]:
        from .. import functional as F

        act = activation_for("relu" if self.mode == "RNN_RELU" else "tanh", "RNN")
        mode = "RNN" if self.mode.startswith("RNN") else self.mode
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(self._dirs):
                i = layer * self._dirs + d
                out, h, c = recurrent_layer(mode, x, h0[i], None if c0 is None else c0[i], self._weights(i), d == 1,
                                            act)
                outs.append(out)
                hs.append(h)
                cs.append(c)
            x = outs[0] if len(outs) == 1 else ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, hs, cs

    def _finish(self, out: Tensor, states: list, batched: bool) -> tuple[Tensor, Tensor]:
        h = ops.stack(states, 0)
        if not batched:
            return out.squeeze(1), h.squeeze(1)
        return (out.transpose(0, 1) if self.batch_first else out), h

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        for key, default in (("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        return s


class RNN(RNNBase):
    """Elman RNN, stacked and optionally bidirectional.

    ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu).

    Args:
        input_size, hidden_size: feature sizes of the input and the hidden state.
        num_layers: stacked layers (default 1). nonlinearity: ``'tanh'`` or ``'relu'``.
        bias: use ``b_ih``/``b_hh``. batch_first: input and output as ``(N, L, H)``.
        dropout: dropout between layers (training only). bidirectional: also run backwards in time.

    Shape:
        input ``(L, N, H_in)`` (``(N, L, H_in)`` with batch_first) or unbatched ``(L, H_in)``; optional
        ``h_0`` ``(D * num_layers, N, H)``. Returns ``output`` ``(L, N, D * H)`` and ``h_n`` like ``h_0``.

    Example:
        >>> import brickwork as torch
        >>> rnn = torch.nn.RNN(10, 20, num_layers=2)
        >>> out, h = rnn(torch.randn(5, 3, 10)); out.shape, h.shape
        (brickwork.Size([5, 3, 20]), brickwork.Size([2, 3, 20]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        activation_for(nonlinearity, "RNN")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        if isinstance(input, PackedSequence):
            return packed_forward(self, input, hx)
        x, batched = self._check(input)
        out, hs, _ = self._run(x, self._state(hx, x, batched, self.hidden_size, "hx"), None)
        return self._finish(out, hs, batched)


class GRU(RNNBase):
    """Gated recurrent unit, gates ``r, z, n`` as in PyTorch.

    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    Args: as `RNN`, without ``nonlinearity``.

    Shape: as `RNN`.

    Example:
        >>> import brickwork as torch
        >>> gru = torch.nn.GRU(4, 6, batch_first=True, bidirectional=True)
        >>> out, h = gru(torch.randn(2, 7, 4)); out.shape, h.shape
        (brickwork.Size([2, 7, 12]), brickwork.Size([2, 2, 6]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                         device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: Tensor | None = None) -> tuple[Any, Tensor]:
        if isinstance(input, PackedSequence):
            return packed_forward(self, input, hx)
        x, batched = self._check(input)
        out, hs, _ = self._run(x, self._state(hx, x, batched, self.hidden_size, "hx"), None)
        return self._finish(out, hs, batched)


class LSTM(RNNBase):
    """Long short-term memory, gates ``i, f, g, o`` as in PyTorch, with an optional output projection.

    Args: as `GRU`, plus ``proj_size``: project ``h`` to this size with ``weight_hr_l{k}`` (0 = off).

    Shape:
        input as `RNN`; optional ``(h_0, c_0)`` of shapes ``(D * num_layers, N, H_out)`` and
        ``(D * num_layers, N, H)``. Returns ``output`` ``(L, N, D * H_out)`` and ``(h_n, c_n)``.

    Example:
        >>> import brickwork as torch
        >>> lstm = torch.nn.LSTM(3, 5)
        >>> out, (h, c) = lstm(torch.randn(4, 2, 3)); out.shape, h.shape, c.shape
        (brickwork.Size([4, 2, 5]), brickwork.Size([1, 2, 5]), brickwork.Size([1, 2, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def forward(self, input: Tensor | PackedSequence, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Any, tuple]:
        if isinstance(input, PackedSequence):
            return packed_forward(self, input, hx)
        x, batched = self._check(input)
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise op_error(TypeError, "LSTM", f"hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        out, hs, cs = self._run(x, self._state(h0, x, batched, self.proj_size or self.hidden_size, "hx"),
                                self._state(c0, x, batched, self.hidden_size, "cx"))
        out, h = self._finish(out, hs, batched)
        c = ops.stack(cs, 0)
        return out, (h, c if batched else c.squeeze(1))


class RNNCellBase(Module):
    """Shared state of the cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.

    Example:
        >>> import brickwork as torch
        >>> cell = torch.nn.LSTMCell(4, 3); [name for name, _ in cell.named_parameters()]
        ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(ops.empty((g, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(ops.empty((g, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ops.empty((g,), device=device, dtype=dtype))
            self.bias_hh = Parameter(ops.empty((g,), device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()  # type: ignore[misc]  # RNNBase's, shared: it only reads hidden_size

    reset_parameters = RNNBase.reset_parameters

    def _check(self, input: Tensor, hx: Tensor | None) -> tuple[Tensor, Tensor | None, bool]:
        name = type(self).__name__
        if input.ndim not in (1, 2):  # PyTorch's exception types: ValueError for the rank, RuntimeError for sizes
            raise op_error(ValueError, name,
                           f"Expected input to be 1D or 2D, got {input.ndim}D instead (shape "
                           f"{tuple(input.shape)}; expected (N, {self.input_size}) or ({self.input_size},))")
        if hx is not None and hx.ndim not in (1, 2):
            raise op_error(ValueError, name, f"Expected hidden to be 1D or 2D, got {hx.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise op_error(RuntimeError, name,
                           f"input has inconsistent input_size: got {input.shape[-1]} expected "
                           f"{self.input_size} (input shape {tuple(input.shape)})")
        batched = input.ndim == 2
        if hx is not None and hx.ndim != input.ndim:
            raise op_error(RuntimeError, name,
                           f"hidden state must be {input.ndim}-D like the input, got shape "
                           f"{tuple(hx.shape)}")
        if not batched:
            return input.unsqueeze(0), None if hx is None else hx.unsqueeze(0), False
        return input, hx, True

    def _zeros(self, x: Tensor) -> Tensor:
        return x.new_zeros((x.shape[0], self.hidden_size))

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.RNNCell(3, 4)(torch.randn(2, 3)).shape
        brickwork.Size([2, 4])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        # as in PyTorch, an unknown nonlinearity is reported by forward
        act = activation_for(nonlinearity, "RNNCell") if nonlinearity in ("tanh", "relu") else None
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity, self._act = nonlinearity, act

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        from .. import functional as F

        if self._act is None:
            raise op_error(RuntimeError, "RNNCell",
                           f"Unknown nonlinearity: {self.nonlinearity}; expected 'tanh' or 'relu'")
        x, h, batched = self._check(input, hx)
        b = None if self.bias_ih is None else self.bias_ih + self.bias_hh
        h = rnn_step(F.linear(x, self.weight_ih, b), self._zeros(x) if h is None else h, self.weight_hh.t(),
                     self._act)
        return h if batched else h.squeeze(0)


class GRUCell(RNNCellBase):
    """One GRU step, gates ``r, z, n`` as in `GRU`.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.GRUCell(3, 4)(torch.randn(3)).shape
        brickwork.Size([4])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        from .. import functional as F

        x, h, batched = self._check(input, hx)
        h = gru_step(F.linear(x, self.weight_ih, self.bias_ih), self._zeros(x) if h is None else h,
                     self.weight_hh.t(), self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, gates ``i, f, g, o`` as in `LSTM`; returns ``(h', c')``.

    Example:
        >>> import brickwork as torch
        >>> h, c = torch.nn.LSTMCell(3, 4)(torch.randn(2, 3)); h.shape, c.shape
        (brickwork.Size([2, 4]), brickwork.Size([2, 4]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        from .. import functional as F

        h0, c0 = (None, None) if hx is None else hx
        x, h, batched = self._check(input, h0)
        c = None if c0 is None else c0 if batched else c0.unsqueeze(0)
        b = None if self.bias_ih is None else self.bias_ih + self.bias_hh
        h, c = lstm_step(F.linear(x, self.weight_ih, b), self._zeros(x) if h is None else h,
                         self._zeros(x) if c is None else c, self.weight_hh.t(), None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
