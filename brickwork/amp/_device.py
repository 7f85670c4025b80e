"""The device-specific spellings ``brickwork.cpu.amp`` and ``brickwork.cuda.amp`` (PyTorch's older names)."""

from __future__ import annotations

from typing import Any

from .. import dtypes as _dt
from .autocast_mode import autocast as _autocast
from .grad_scaler import GradScaler as _GradScaler


def autocast_for(device: str, default: str) -> type:
    """``autocast`` with ``device_type`` fixed: ``brickwork.cpu.amp.autocast(dtype=..., enabled=...)``."""

    class autocast(_autocast):
        __doc__ = (f"``brickwork.autocast('{device}', ...)``, as ``torch.{device}.amp.autocast``.\n\n"
                   f"    Example:\n        >>> import brickwork as torch\n"
                   f"        >>> torch.{device}.amp.autocast().device\n        '{device}'\n")

        def __init__(self, enabled: bool = True, dtype: Any = _dt.BY_NAME[default],
                     cache_enabled: bool = True) -> None:
            super().__init__(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    autocast.__qualname__ = autocast.__name__ = "autocast"
    return autocast


def grad_scaler_for(device: str) -> type:
    """``GradScaler`` with ``device`` fixed: ``brickwork.cuda.amp.GradScaler(init_scale=...)``."""

    class GradScaler(_GradScaler):
        __doc__ = (f"``brickwork.amp.GradScaler('{device}', ...)``, as ``torch.{device}.amp.GradScaler``.\n\n"
                   f"    Example:\n        >>> import brickwork as torch\n"
                   f"        >>> torch.{device}.amp.GradScaler(enabled=False).get_scale()\n        1.0\n")

        def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                     growth_interval: int = 2000, enabled: bool = True) -> None:
            super().__init__(device, init_scale, growth_factor, backoff_factor, growth_interval, enabled)

    return GradScaler
