"""Lookups (``embedding``, ``one_hot``): in `brickwork.ops.embedding`."""

from __future__ import annotations

from ...ops.embedding import embedding, one_hot

__all__ = ["embedding", "one_hot"]
