"""Pooling (max, average and adaptive, 1-d and 2-d): primitives in `brickwork.ops.pool`."""

from __future__ import annotations

from ...ops.pool import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
                         avg_pool1d, avg_pool2d, max_pool1d, max_pool2d)

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d"]
