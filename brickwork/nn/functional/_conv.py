"""Convolutions (``conv1d/2d``, ``conv_transpose1d/2d``, ``unfold``, ``fold``): in `brickwork.ops.conv`."""

from __future__ import annotations

from ...ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]
