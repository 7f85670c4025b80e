"""Transformer encoder: ``TransformerEncoderLayer`` (self-attention and feed-forward blocks, post- or pre-norm)
and ``TransformerEncoder`` (a stack of copies of one layer), with PyTorch's submodule names.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from ..containers import ModuleList
from ..module import Module
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerEncoder"]


def _activation(activation: str | Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise op_error(RuntimeError, "TransformerEncoderLayer",
                   f"activation should be 'relu', 'gelu' or a callable, not "
                   f"{activation!r}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward network, each in a residual block with dropout and layer norm.

    ``norm_first=False`` (post-norm): ``x = norm1(x + sa(x))``, ``x = norm2(x + ff(x))``;
    ``norm_first=True`` (pre-norm): ``x = x + sa(norm1(x))``, ``x = x + ff(norm2(x))``.

    Args:
        d_model: model width. nhead: attention heads. dim_feedforward: hidden width of the feed-forward network.
        dropout: dropout probability. activation: ``'relu'``, ``'gelu'`` or a callable. layer_norm_eps: eps of
            the layer norms. batch_first: ``(N, L, E)`` inputs. norm_first: pre-norm. bias: biases in the linear
            layers and layer norms.

    Shape:
        src ``(L, N, E)`` (``(N, L, E)`` with batch_first, or unbatched ``(L, E)``); ``src_mask`` ``(L, L)`` or
        ``(N * nhead, L, L)``; ``src_key_padding_mask`` ``(N, L)``. Output: like src.

    Example:
        >>> import brickwork as torch
        >>> layer = torch.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True)
        >>> layer(torch.randn(2, 5, 16)).shape
        brickwork.Size([2, 5, 16])
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, src: Tensor, src_mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                  is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, with an optional final ``norm``.

    Args:
        encoder_layer: the layer to copy (each copy starts from its weights). num_layers: depth.
        norm: a module applied to the output (e.g. a LayerNorm for pre-norm stacks).
        enable_nested_tensor, mask_check: accepted for PyTorch compatibility; brickwork always runs the
            padded computation (so padded positions hold computed values rather than PyTorch's fast-path zeros).

    Example:
        >>> import brickwork as torch
        >>> layer = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
        >>> torch.nn.TransformerEncoder(layer, num_layers=2)(torch.randn(5, 3, 8)).shape
        brickwork.Size([5, 3, 8])
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
