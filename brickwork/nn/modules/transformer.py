"""Transformer encoder: ``TransformerEncoderLayer`` (self-attention and feed-forward blocks, post- or pre-norm)
and ``TransformerEncoder`` (a stack of copies of one layer), with PyTorch's submodule names.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any, Callable

from ..._errors import op_error
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from .. import functional as F
from ..containers import ModuleList
from ..module import Module
from .activation import GELU, ReLU
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
        # PyTorch's flag for its fused path (1 relu, 2 gelu, 0 other); TransformerEncoder reads it
        self.activation_relu_or_gelu = (1 if self.activation is F.relu or isinstance(activation, ReLU) else
                                        2 if self.activation is F.gelu or isinstance(activation, GELU) else 0)

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


def _why_no_nested_tensor(layer: Module) -> str:
    """Why PyTorch's TransformerEncoder would not use nested tensors with ``layer`` ('' when it would)."""
    if not isinstance(layer, TransformerEncoderLayer):
        return "encoder_layer was not TransformerEncoderLayer"
    if layer.norm_first:
        return "encoder_layer.norm_first was True"
    if not layer.self_attn.batch_first:
        return "encoder_layer.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not layer.self_attn._qkv_same_embed_dim:
        return "encoder_layer.self_attn._qkv_same_embed_dim was not True"
    if layer.self_attn.in_proj_bias is None:
        return "encoder_layer.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return "encoder_layer.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return "encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps"
    if layer.self_attn.num_heads % 2 == 1:
        return "encoder_layer.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer``, with an optional final ``norm``.

    Args:
        encoder_layer: the layer to copy (each copy starts from its weights). num_layers: depth.
        norm: a module applied to the output (e.g. a LayerNorm for pre-norm stacks).
        enable_nested_tensor: as in PyTorch, when the layer allows its fast path (post-norm, batch_first, relu
            or gelu, an even number of heads, biases), an inference call (eval mode, no gradient to record) with a
            right-padded ``src_key_padding_mask`` and no ``mask`` returns zeros at the padded positions (before
            ``norm``), where PyTorch's nested tensors have no entries. brickwork computes the same values without
            nested tensors. mask_check: whether to check that the padding is on the right (else no zeros).

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
        why_not = _why_no_nested_tensor(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why_not}",
                          stacklevel=2)
        self.use_nested_tensor = enable_nested_tensor and not why_not

    def forward(self, src: Tensor, mask: Tensor | None = None, src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        padded = self._nested_padding(src, mask, src_key_padding_mask)
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        if padded is not None:
            x = x.masked_fill(padded.unsqueeze(-1), 0.0)
        return x if self.norm is None else self.norm(x)

    def _nested_padding(self, src: Tensor, mask: Tensor | None, key_padding_mask: Tensor | None) -> Tensor | None:
        """The ``(N, L)`` positions that PyTorch's nested-tensor fast path would return as zeros, or None."""
        first = self.layers[0]
        if (not self.use_nested_tensor or first.training or src.ndim != 3 or key_padding_mask is None
                or mask is not None):
            return None
        padded = key_padding_mask.bool()  # a float mask pads where it is non-zero (-inf), as in PyTorch
        if self.mask_check and bool((padded[:, :-1] & ~padded[:, 1:]).any()):
            return None  # not right-padded: PyTorch runs the padded computation
        weights = [src, *first.parameters()]
        if is_grad_enabled() and any(w.requires_grad for w in weights):
            return None
        return padded

