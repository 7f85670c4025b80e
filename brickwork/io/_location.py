"""``map_location``: where loaded tensors go, decided once per stored buffer exactly as ``torch.load`` does."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from .._tensor import Tensor, _make
from ..backends import CPU, MissingBackend
from ..backends import device as _device
from ._errors import FormatError

__all__ = ["Placer", "place", "view"]

_LOCATION = re.compile(r"[a-z_]{1,20}(:[0-9]{1,6})?")  # what torch and brickwork write: 'cpu', 'cuda:0'



class Placer:
    """Turns a saved location string (``'cpu'``, ``'cuda:0'``) into a device, following ``map_location``.

    ``map_location`` may be None (the saved device), a device or string (everything there), a dict from saved
    location strings to new ones, or a callable ``fn(storage, location)`` like PyTorch's: it gets the stored
    buffer as a CPU tensor and the saved location, and the device of the tensor it returns (or the device or
    string it returns) is used; returning None keeps the saved device.

    Example:
        >>> Placer("cpu").device("cuda:1", None)
        device(type='cpu')
    """

    def __init__(self, map_location: Any) -> None:
        m = map_location
        if m is not None and not isinstance(m, (str, dict, _device)) and not callable(m) \
                and not isinstance(getattr(m, "type", None), str):
            raise TypeError(f"load: map_location must be None, a device, a string, a dict or a callable, "
                            f"got {type(m).__name__}")
        self.map = m
        self._fixed = None if m is None or isinstance(m, dict) or callable(m) else _device(m)
        self._cache: dict[str, _device] = {}

    def device(self, location: Any, storage: np.ndarray | None = None, src: Any = None) -> _device:
        """The device for a buffer saved at ``location``; ``storage`` (the buffer) is what a callable receives.

        A location that is not a device name (``cuda:0``) is a FormatError naming ``src``; a device this
        machine lacks is a RuntimeError suggesting ``map_location``.
        """
        if self._fixed is not None:
            return self._fixed
        if not (isinstance(location, str) and _LOCATION.fullmatch(location)):
            what = f"{src.name}: " if src is not None else ""
            raise FormatError(f"{what}malformed device location {location!r:.40}")
        m = self.map
        if isinstance(m, dict):
            r = m.get(location, location)
            location = r if isinstance(r, str) else str(_device(r))
        elif m is not None:
            r = m(_make(storage if storage is not None else np.empty(0, np.uint8), CPU), location)
            if r is not None:
                return r.device if isinstance(r, Tensor) else _device(r)
        d = self._cache.get(location)
        if d is None:
            try:
                d = _device(location)
                if isinstance(d.backend, MissingBackend):  # a CUDA device named where CuPy is missing
                    raise RuntimeError(d.backend.message)
            except (RuntimeError, ValueError, TypeError) as e:
                raise RuntimeError(f"load: the file holds tensors saved on {location!r}, which is not available "
                                   f"here ({e}); pass map_location='cpu' (or another device) to load them "
                                   "elsewhere") from None
            self._cache[location] = d
        return d


def place(array: np.ndarray, dev: _device) -> Any:
    """A host array moved to ``dev`` (the array itself for the CPU)."""
    return array if dev.type == "cpu" else dev.backend.from_host(array, dev.index)


def view(base: Any, offset: int, shape: tuple[int, ...], strides: tuple[int, ...], dtype: np.dtype) -> Any:
    """A strided view of ``base`` (a contiguous array on any backend) starting ``offset`` bytes in."""
    if isinstance(base, np.ndarray):
        return np.ndarray(shape, dtype, buffer=base.reshape(-1).view(np.uint8), offset=offset, strides=strides)
    import cupy  # only reached for arrays already on a CUDA device

    return cupy.ndarray(shape, dtype, memptr=base.data + offset, strides=strides)
