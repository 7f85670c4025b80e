"""``torch.cpu.amp``: ``autocast`` (bfloat16 by default) and ``GradScaler`` for the CPU.

Example:
    >>> import brickwork as torch
    >>> with torch.cpu.amp.autocast():
    ...     (torch.ones(2, 2) @ torch.ones(2, 2)).dtype
    brickwork.bfloat16
"""

from __future__ import annotations

from ..amp._device import autocast_for, grad_scaler_for

__all__ = ["autocast", "GradScaler"]

autocast = autocast_for("cpu", "bfloat16")
GradScaler = grad_scaler_for("cpu")
