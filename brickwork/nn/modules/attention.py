"""``nn.MultiheadAttention`` with PyTorch's parameters (``in_proj_weight``, ``in_proj_bias``, ``out_proj``) and
forward signature; the math is `brickwork.nn.functional.multi_head_attention_forward` (run in the
module's own layout, so ``batch_first`` inputs are never transposed).
"""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from .. import init
from ...ops.attention import multi_head_attention
from ..module import Module
from ..parameter import Parameter
from .linear import Linear

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection of `MultiheadAttention`: a `Linear` under PyTorch's class name."""


class MultiheadAttention(Module):
    """Attention over ``num_heads`` learned projections of query, key and value, concatenated and projected.

    Args:
        embed_dim: model width ``E`` (split evenly across heads). num_heads: number of heads.
        dropout: dropout on the attention weights (training only). bias: biases in the in/out projections.
        add_bias_kv: learn an extra key and value appended to the sequence. add_zero_attn: append a zero key
            and value. kdim, vdim: feature sizes of key and value (default ``E``; other sizes use separate
            ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``). batch_first: inputs as ``(N, L, E)``.

    Shape:
        query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)`` (batch first with ``batch_first``, or
        unbatched without ``N``); ``key_padding_mask`` ``(N, S)``; ``attn_mask`` ``(L, S)`` or
        ``(N * num_heads, L, S)``. Bool masks are True where attention is NOT allowed; float masks are added.
        Returns output ``(L, N, E)`` and, with ``need_weights``, weights ``(N, L, S)`` averaged over heads
        (``(N, num_heads, L, S)`` with ``average_attn_weights=False``).

    Example:
        >>> import brickwork as torch
        >>> mha = torch.nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = torch.randn(2, 5, 16)
        >>> out, w = mha(x, x, x); out.shape, w.shape
        (brickwork.Size([2, 5, 16]), brickwork.Size([2, 5, 5]))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise op_error(ValueError, "MultiheadAttention",
                           f"embed_dim ({embed_dim}) must be a positive multiple of "
                           f"num_heads ({num_heads})")
        kw = {"device": device, "dtype": dtype}
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(ops.empty((3 * embed_dim, embed_dim), **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(ops.empty((embed_dim, embed_dim), **kw))
            self.k_proj_weight = Parameter(ops.empty((embed_dim, self.kdim), **kw))
            self.v_proj_weight = Parameter(ops.empty((embed_dim, self.vdim), **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ops.empty((3 * embed_dim,), **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k: Parameter | None = Parameter(ops.empty((1, 1, embed_dim), **kw))
            self.bias_v: Parameter | None = Parameter(ops.empty((1, 1, embed_dim), **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, Xavier-normal ``bias_k``/``bias_v`` (as PyTorch)."""
        gen = self._init_generator()
        for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
            if getattr(self, name) is not None:
                init.xavier_uniform_(getattr(self, name), generator=gen)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        for p in (self.bias_k, self.bias_v):
            if p is not None:
                init.xavier_normal_(p, generator=gen)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        return multi_head_attention(
            query, key, value, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
            self.out_proj.bias, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight, self.bias_k, self.bias_v,
            self.add_zero_attn, self.dropout if self.training else 0.0, key_padding_mask, need_weights, attn_mask,
            average_attn_weights, is_causal, self.batch_first, self.embed_dim)
