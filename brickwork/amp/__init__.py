"""Automatic mixed precision with ``torch.amp``'s names: `autocast` and `GradScaler`.

Example:
    >>> import brickwork as torch
    >>> with torch.amp.autocast("cpu"):
    ...     y = torch.randn(2, 3) @ torch.randn(3, 2)
    >>> y.dtype
    brickwork.bfloat16
"""

from __future__ import annotations

from .autocast_mode import (autocast, clear_autocast_cache, get_autocast_dtype, get_autocast_gpu_dtype,
                            is_autocast_available, is_autocast_cache_enabled, is_autocast_enabled,
                            set_autocast_cache_enabled, set_autocast_dtype, set_autocast_enabled,
                            set_autocast_gpu_dtype)
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler", "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype",
           "set_autocast_enabled", "set_autocast_dtype", "get_autocast_gpu_dtype", "set_autocast_gpu_dtype",
           "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache"]
