"""Attention (``scaled_dot_product_attention``, ``multi_head_attention_forward``): in `brickwork.ops.attention`."""

from __future__ import annotations

from ...ops.attention import multi_head_attention_forward, scaled_dot_product_attention

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]
