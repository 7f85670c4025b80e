"""``pad`` (constant, reflect, replicate, circular): in `brickwork.ops.pad`."""

from __future__ import annotations

from ...ops.pad import pad

__all__ = ["pad"]
