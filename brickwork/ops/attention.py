"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``, with PyTorch's semantics.

The attention core is one primitive: ``softmax(q @ k^T * scale + mask) @ v`` with the softmax computed in
place on the score matrix and the probabilities saved for backward. The first-order backward updates fresh
temporaries in place; under ``create_graph`` the same formulas run as tensor ops so they differentiate again.
Rows whose keys are all masked give zeros (as PyTorch's ``scaled_dot_product_attention`` does), not NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._errors import op_error
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._core import needs_grad, sum_to, wrap, computed_in_float32
from .linear import linear
from .multi_output import record_outputs, unstack

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward", "multi_head_attention"]


# -- scaled dot-product attention ---------------------------------------------------------------------------

@computed_in_float32
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(query @ key^T * scale + mask) @ value``, with dropout on the attention weights.

    ``attn_mask`` is a bool mask (True = may attend) or a float mask added to the scores, broadcast to
    ``(..., L, S)``; ``is_causal`` applies a lower-triangular mask instead. ``scale`` defaults to
    ``1/sqrt(E)``. With ``enable_gqa`` the key/value heads (dimension -3) are repeated to match the query's.

    Shape:
        query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)`` -> ``(..., L, Ev)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> q = torch.ones(2, 4, 3, 8)
        >>> F.scaled_dot_product_attention(q, q, q, is_causal=True).shape
        brickwork.Size([2, 4, 3, 8])
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise op_error(TypeError, op, f"expected {name} to be a Tensor, got {type(t).__name__}")
        if t._data.ndim < 2:
            raise op_error(RuntimeError, op,
                           f"expected {name} with at least 2 dimensions (..., seq, features), got "
                           f"shape {tuple(t.shape)}")
    qs, ks, vs = tuple(query.shape), tuple(key.shape), tuple(value.shape)
    if qs[-1] != ks[-1] or ks[-2] != vs[-2]:
        raise op_error(RuntimeError, op,
                       f"expected query (..., L, E), key (..., S, E) and value (..., S, Ev), got "
                       f"query {qs}, key {ks} and value {vs}")
    if not query._data.dtype == key._data.dtype == value._data.dtype or query._data.dtype.kind != "f":
        raise op_error(RuntimeError, op,
                       f"expected query, key and value of one floating dtype, got {query.dtype}, "
                       f"{key.dtype} and {value.dtype}")
    if enable_gqa and len(qs) >= 3 and qs[-3] != ks[-3]:
        if qs[-3] % ks[-3] or ks[-3] != vs[-3]:
            raise op_error(RuntimeError, op,
                           f"with enable_gqa the query heads ({qs[-3]}) must be a multiple of the "
                           f"key/value heads ({ks[-3]}, {vs[-3]})")
        key = key.repeat_interleave(qs[-3] // ks[-3], -3)
        value = value.repeat_interleave(qs[-3] // vs[-3], -3)
    L, S = qs[-2], ks[-2]
    xp = query._device.xp
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise op_error(RuntimeError, op, "pass either attn_mask or is_causal=True, not both")
        mask = wrap(xp.where(xp.tri(L, S, dtype=bool), 0.0, -np.inf).astype(query._data.dtype), query._device)
    elif attn_mask is not None:
        mask = _additive_mask(op, attn_mask, query, "attn_mask")
    scale = 1.0 / math.sqrt(qs[-1]) if scale is None else float(scale)
    return _attention(query, key, value, mask, dropout_p, scale, False)[0]


def _additive_mask(op: str, mask: Tensor, query: Tensor, name: str) -> Tensor:
    """A bool mask (True = keep) as 0/-inf in the query's dtype; a float mask as it is."""
    if not isinstance(mask, Tensor):
        raise op_error(TypeError, op, f"expected {name} to be a Tensor, got {type(mask).__name__}")
    d = mask._data
    if d.dtype == np.bool_:
        return wrap(query._device.xp.where(d, 0.0, -np.inf).astype(query._data.dtype), query._device)
    if d.dtype.kind != "f":
        raise op_error(RuntimeError, op, f"{name} must be bool or floating point, got {mask.dtype}")
    return mask if d.dtype == query._data.dtype else mask.to(query.dtype)


def _attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, dropout_p: float, scale: float,
               need_weights: bool) -> tuple[Tensor, Tensor | None]:
    """The primitive: attention output and (optionally) the attention weights after dropout.

    Scores are kept transposed, ``(..., S, L)``: NumPy reduces across rows (axis -2) with vectorised
    elementwise passes, while its reductions along a short last axis run one row at a time, several times
    slower. Every matmul reads the transposed operands through strides, without copies.
    """
    xp = q._device.xp
    dev = q._device
    st = k._data @ xp.swapaxes(q._data, -1, -2)
    st *= scale
    if mask is not None:
        m = xp.swapaxes(mask._data, -1, -2)
        if np.broadcast_shapes(st.shape, m.shape) == st.shape:
            st += m
        else:
            st = st + m
    if st.size:
        col_max = st.max(axis=-2, keepdims=True)
        if mask is not None:  # queries with every key masked: keep exp() finite, then give them zero weight
            col_max[~xp.isfinite(col_max)] = 0.0
        st -= col_max
        xp.exp(st, out=st)
        den = st.sum(axis=-2, keepdims=True)
        if mask is not None:
            den[den == 0] = 1.0
        st *= 1.0 / den
    pt = st
    keep = None
    if dropout_p > 0.0:
        if dropout_p >= 1.0:
            keep = xp.zeros_like(pt)
        else:
            from .random import rand

            keep = (rand(pt.shape, dtype=q.dtype, device=dev)._data >= dropout_p).astype(pt.dtype)
            keep *= 1.0 / (1.0 - dropout_p)
        pt = pt * keep
    out = wrap(xp.swapaxes(pt, -1, -2) @ v._data, dev)
    weights = wrap(xp.swapaxes(pt, -1, -2), dev) if need_weights else None
    if needs_grad(q, k, v, mask):
        record_outputs((out,) if weights is None else (out, weights), "ScaledDotProductAttentionBackward0",
                       _attention_backward, (q, k, v, mask), saved=(q, k, v) if mask is None else (q, k, v, mask),
                       probs_t=st, keep=keep, scale=scale)
    return out, weights


def _attention_backward(node: Any, g: Tensor | None, g_weights: Tensor | None = None) -> tuple:
    """With ``P^T`` the saved (key-major) probabilities and ``D`` the dropout scaling:
    ``dv = (P^T D) g``, ``dP^T = D (v g^T)``, ``dS^T = P^T (dP^T - colsum(dP^T P^T))``,
    ``dq = scale dS k``, ``dk = scale dS^T q``, and the float mask gets ``dS``.
    """
    saved = node.saved_tensors
    q, k, v = saved[:3]
    mask = saved[3] if len(saved) > 3 else None
    need = node.needs_input_grad
    probs_t, keep, scale = node.probs_t, node.keep, node.scale
    if not STATE.enabled:
        return _attention_backward_arrays(q, k, v, mask, need, probs_t, keep, scale, g, g_weights)
    # create_graph: the same formulas in tensor ops, with the probabilities recomputed from q and k
    scores = (k @ q.mT) * scale
    pt = (scores if mask is None else scores + mask.mT).softmax(-2)
    keep_t = None if keep is None else wrap(keep, q._device)
    pdt = pt if keep_t is None else pt * keep_t
    dpt = None
    gv = None
    if g is not None:
        gv = sum_to(pdt @ g, v) if need[2] else None
        dpt = v @ g.mT
    if g_weights is not None:
        dpt = g_weights.mT if dpt is None else dpt + g_weights.mT
    if keep_t is not None:
        dpt = dpt * keep_t
    dst = pt * (dpt - (dpt * pt).sum(-2, keepdim=True))
    gmask = sum_to(dst.mT, mask) if need[3] else None
    if need[0] or need[1]:
        dst = dst * scale
    gq = sum_to(dst.mT @ k, q) if need[0] else None
    gk = sum_to(dst @ q, k) if need[1] else None
    return gq, gk, gv, gmask


def _attention_backward_arrays(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, need: tuple, pt: Any, keep: Any,
                               scale: float, g: Tensor | None, g_weights: Tensor | None) -> tuple:
    """First-order backward on arrays: the formulas of `_attention_backward`, updating fresh
    temporaries in place (three fewer full-size passes and allocations than the tensor-op form)."""
    xp = q._device.xp
    dev = q._device
    pdt = pt if keep is None else pt * keep
    gv = dpt = None
    if g is not None:
        gd = g._data
        gv = wrap(pdt @ gd, dev) if need[2] else None
        dpt = v._data @ xp.swapaxes(gd, -1, -2)
    if g_weights is not None:
        gw = xp.swapaxes(g_weights._data, -1, -2)
        dpt = gw.copy() if dpt is None else dpt + gw
    if keep is not None:
        dpt *= keep
    dpt -= (dpt * pt).sum(axis=-2, keepdims=True)
    dpt *= pt
    gmask = sum_to(wrap(xp.swapaxes(dpt, -1, -2), dev), mask) if need[3] else None
    if gmask is not None:
        gmask = wrap(gmask._data.copy(), dev)  # dpt is scaled in place below
    gq = gk = None
    if need[0] or need[1]:
        dpt *= scale
        gq = sum_to(wrap(xp.swapaxes(dpt, -1, -2) @ k._data, dev), q) if need[0] else None
        gk = sum_to(wrap(dpt @ q._data, dev), k) if need[1] else None
    return gq, gk, None if gv is None else sum_to(gv, v), gmask


# -- multi-head attention ------------------------------------------------------------------------------------

@computed_in_float32
def multi_head_attention_forward(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int,
                                 num_heads: int, in_proj_weight: Tensor | None, in_proj_bias: Tensor | None,
                                 bias_k: Tensor | None, bias_v: Tensor | None, add_zero_attn: bool,
                                 dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                                 training: bool = True, key_padding_mask: Tensor | None = None,
                                 need_weights: bool = True, attn_mask: Tensor | None = None,
                                 use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
                                 k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
                                 static_k: Tensor | None = None, static_v: Tensor | None = None,
                                 average_attn_weights: bool = True,
                                 is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on sequence-first inputs, as `MultiheadAttention` runs it.

    Masks: ``key_padding_mask`` ``(N, S)`` and ``attn_mask`` ``(L, S)`` or ``(N * num_heads, L, S)``; bool
    masks mark positions that may NOT be attended (True = masked), float masks are added to the scores.
    Returns ``(output, weights)``: output ``(L, N, E)`` and, with ``need_weights``, the attention weights
    ``(N, L, S)`` averaged over heads (``(N, num_heads, L, S)`` with ``average_attn_weights=False``).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> x, w, b = torch.randn(5, 2, 8), torch.randn(24, 8), torch.zeros(24)
        >>> out, attn = F.multi_head_attention_forward(x, x, x, 8, 2, w, b, None, None, False, 0.0,
        ...                                            torch.randn(8, 8), None)
        >>> out.shape, attn.shape
        (brickwork.Size([5, 2, 8]), brickwork.Size([2, 5, 5]))
    """
    if not use_separate_proj_weight:
        q_proj_weight = k_proj_weight = v_proj_weight = None
    return multi_head_attention(query, key, value, num_heads, in_proj_weight, in_proj_bias, out_proj_weight,
                                out_proj_bias, q_proj_weight, k_proj_weight, v_proj_weight, bias_k, bias_v,
                                add_zero_attn, dropout_p if training else 0.0, key_padding_mask, need_weights,
                                attn_mask, average_attn_weights, is_causal, False, embed_dim_to_check, static_k,
                                static_v)


@computed_in_float32
def multi_head_attention(query: Tensor, key: Tensor, value: Tensor, num_heads: int, in_proj_weight: Tensor | None,
                         in_proj_bias: Tensor | None, out_proj_weight: Tensor, out_proj_bias: Tensor | None,
                         q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
                         v_proj_weight: Tensor | None = None, bias_k: Tensor | None = None,
                         bias_v: Tensor | None = None, add_zero_attn: bool = False, dropout_p: float = 0.0,
                         key_padding_mask: Tensor | None = None, need_weights: bool = True,
                         attn_mask: Tensor | None = None, average_attn_weights: bool = True, is_causal: bool = False,
                         batch_first: bool = False, embed_dim: int | None = None, static_k: Tensor | None = None,
                         static_v: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
    """`multi_head_attention_forward` in either layout: ``(N, L, E)`` with ``batch_first``, else
    ``(L, N, E)``, without transposing the inputs (projections run as single 2-D matmuls on the given layout).

    ``q_proj_weight`` (with ``k_``/``v_``) replaces the packed ``in_proj_weight`` when given.

    Example:
        >>> import brickwork as torch
        >>> x, w = torch.randn(2, 5, 8), torch.randn(24, 8)
        >>> multi_head_attention(x, x, x, 2, w, None, torch.randn(8, 8), None, batch_first=True)[0].shape
        brickwork.Size([2, 5, 8])
    """
    op = "MultiheadAttention"
    nd = query._data.ndim
    if nd not in (2, 3) or key._data.ndim != nd or value._data.ndim != nd:
        raise op_error(RuntimeError, op,
                       f"expected query, key and value all batched (3-d) or all unbatched (2-d), got "
                       f"shapes {tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}")
    bdim = 0 if batch_first else 1
    if nd == 2:
        query, key, value = (query.unsqueeze(bdim), key.unsqueeze(bdim), value.unsqueeze(bdim)) \
            if not (query is key and key is value) else (query.unsqueeze(bdim),) * 3
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    E = query.shape[2]
    bsz, tgt_len, src_len = query.shape[bdim], query.shape[1 - bdim], key.shape[1 - bdim]
    if embed_dim is not None and E != embed_dim:
        raise op_error(RuntimeError, op,
                       f"expected query with embedding dimension {embed_dim}, got shape "
                       f"{tuple(query.shape)}")
    hd = E // num_heads
    if hd * num_heads != E:
        raise op_error(RuntimeError, op, f"embed_dim {E} is not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2] or key.shape[bdim] != bsz:
        raise op_error(RuntimeError, op,
                       f"key {tuple(key.shape)} and value {tuple(value.shape)} must share sequence "
                       f"length and batch size {bsz} with query {tuple(query.shape)}")
    if is_causal and attn_mask is None:
        raise op_error(RuntimeError, op,
                       f"is_causal=True is only a hint and needs the causal attn_mask too; pass "
                       "e.g. attn_mask=torch.full((L, L), float('-inf')).triu(1)")

    def project(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
        y = linear(x.reshape(-1, x.shape[-1]), w, b)
        return y.reshape(tuple(x.shape[:2]) + (-1,))

    def heads(x: Tensor) -> Tensor:  # (N, S, E) or (S, N, E) -> (N, H, S, hd), a view
        x = x.reshape(tuple(x.shape[:2]) + (num_heads, hd))
        return x.permute(0, 2, 1, 3) if batch_first else x.permute(1, 2, 0, 3)

    b_q = b_k = b_v = None
    if q_proj_weight is None and query is key and key is value:  # self-attention: one matmul, split as views
        proj = project(query, in_proj_weight, in_proj_bias)  # type: ignore[arg-type]
        q, k, v = unstack(proj.reshape(tuple(proj.shape[:2]) + (3, num_heads, hd)), 2)
        q, k, v = (t.permute(0, 2, 1, 3) if batch_first else t.permute(1, 2, 0, 3) for t in (q, k, v))
    else:
        if in_proj_bias is not None:
            b_q, b_k, b_v = unstack(in_proj_bias.reshape(3, E), 0)
        # in_proj_weight is None only where the caller gives q_proj_weight, k_proj_weight and v_proj_weight
        w_q, w_k, w_v = (q_proj_weight, k_proj_weight, v_proj_weight) if q_proj_weight is not None else \
            unstack(in_proj_weight.reshape(3, E, E), 0)  # type: ignore[union-attr]
        q = heads(project(query, w_q, b_q))
        k = heads(project(key, w_k, b_k))  # type: ignore[arg-type]
        v = heads(project(value, w_v, b_v))  # type: ignore[arg-type]
    if static_k is not None:
        k = static_k.reshape(bsz, num_heads, -1, hd)
    if static_v is not None:
        v = static_v.reshape(bsz, num_heads, -1, hd)
    mask = _mha_mask(op, attn_mask, key_padding_mask, query, bsz, num_heads, tgt_len, src_len)
    extra = []
    if bias_k is not None and bias_v is not None:
        extra.append((bias_k.reshape(1, num_heads, 1, hd).expand(bsz, num_heads, 1, hd),
                      bias_v.reshape(1, num_heads, 1, hd).expand(bsz, num_heads, 1, hd)))
    if add_zero_attn:
        z = k.new_zeros((bsz, num_heads, 1, hd))
        extra.append((z, z))
    if extra:
        from .movement import cat

        k = cat([k] + [e[0] for e in extra], 2)
        v = cat([v] + [e[1] for e in extra], 2)
        if mask is not None:
            mask = cat([mask, mask.new_zeros(tuple(mask.shape[:-1]) + (len(extra),))], -1)
    out, weights = _attention(q, k, v, mask, dropout_p, 1.0 / math.sqrt(hd), need_weights)
    out = out.permute(0, 2, 1, 3) if batch_first else out.permute(2, 0, 1, 3)
    out = linear(out.reshape(-1, E), out_proj_weight, out_proj_bias).reshape(tuple(out.shape[:2]) + (E,))
    if weights is not None and average_attn_weights:
        weights = weights.mean(1)
    if nd == 2:
        out = out.squeeze(bdim)
        weights = weights.squeeze(0) if weights is not None else None
    return out, weights


def _mha_mask(op: str, attn_mask: Tensor | None, key_padding_mask: Tensor | None, query: Tensor, bsz: int,
              num_heads: int, tgt_len: int, src_len: int) -> Tensor | None:
    """The attention and key-padding masks merged into one additive mask broadcastable to (N, H, L, S)."""
    mask = None
    if attn_mask is not None:
        if attn_mask._data.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise op_error(RuntimeError, op,
                               f"the 2-D attn_mask has shape {tuple(attn_mask.shape)}, but should be "
                               f"(L, S) = {(tgt_len, src_len)}")
            mask = _flip_bool(attn_mask, query)
        elif attn_mask._data.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise op_error(RuntimeError, op,
                               f"the 3-D attn_mask has shape {tuple(attn_mask.shape)}, but should be "
                               f"(N * num_heads, L, S) = {(bsz * num_heads, tgt_len, src_len)}")
            mask = _flip_bool(attn_mask, query).reshape(bsz, num_heads, tgt_len, src_len)
        else:
            raise op_error(RuntimeError, op,
                           f"attn_mask must be 2-D (L, S) or 3-D (N * num_heads, L, S), got shape "
                           f"{tuple(attn_mask.shape)}")
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise op_error(RuntimeError, op,
                           f"expected key_padding_mask of shape (N, S) = {(bsz, src_len)}, got "
                           f"{tuple(key_padding_mask.shape)}")
        kpm = _flip_bool(key_padding_mask, query).reshape(bsz, 1, 1, src_len)
        mask = kpm if mask is None else mask + kpm
    return mask


def _flip_bool(mask: Tensor, query: Tensor) -> Tensor:
    """MultiheadAttention's convention: a bool True means masked out (-inf); floats are added as they are."""
    d = mask._data
    if d.dtype == np.bool_:
        return wrap(query._device.xp.where(d, -np.inf, 0.0).astype(query._data.dtype), query._device)
    if d.dtype.kind != "f":
        raise op_error(RuntimeError, "MultiheadAttention",
                       f"only bool and floating masks are supported, got {mask.dtype}")
    return mask if d.dtype == query._data.dtype else mask.to(query.dtype)
