"""Automatic mixed precision with ``torch.amp``'s names: `autocast` and `GradScaler`.

Example:
    >>> import brickwork as torch
    >>> with torch.amp.autocast("cpu"):
    ...     y = torch.randn(2, 3) @ torch.randn(3, 2)
    >>> y.dtype
    brickwork.bfloat16
"""

from __future__ import annotations

from .autocast_mode import autocast, get_autocast_dtype, is_autocast_available, is_autocast_enabled
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype"]
