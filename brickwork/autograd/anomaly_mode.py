"""Anomaly detection: with it on, the backward pass checks every node's gradients and raises at the first NaN,
naming the node (``Function 'DivBackward0' returned nan values in its 1th output.``), as PyTorch does.

PyTorch also records each node's forward stack trace while the mode is on and prints it with the error;
brickwork names the node only.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, TypeVar

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_anomaly_enabled"]

# [enabled, check_nan]; the engine reads STATE[0] once per node, so off costs one list lookup
STATE = [False, True]

_F = TypeVar("_F", bound=Callable[..., Any])


def is_anomaly_enabled() -> bool:
    """Whether anomaly detection is on.

    Example:
        >>> import brickwork as torch
        >>> torch.is_anomaly_enabled()
        False
    """
    return STATE[0]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection, when on, checks gradients for NaN.

    Example:
        >>> import brickwork as torch
        >>> torch.is_anomaly_check_nan_enabled()
        True
    """
    return STATE[1]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off (the function behind `detect_anomaly` and `set_detect_anomaly`).

    Example:
        >>> import brickwork as torch
        >>> torch.set_anomaly_enabled(False); torch.is_anomaly_enabled()
        False
    """
    STATE[0], STATE[1] = bool(enabled), bool(check_nan)


def check_gradients(node: Any, grads: Any) -> None:
    """Raise PyTorch's error when one of ``node``'s input gradients holds a NaN (called by the engine)."""
    if not STATE[1]:
        return
    for k, g in enumerate(grads):
        if g is not None and g._data.dtype.kind == "f" and bool(g._device.xp.isnan(g._data).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {k}th output.")


class detect_anomaly:  # noqa: N801  (PyTorch's name)
    """A context manager (or decorator) that turns anomaly detection on inside it, with a warning that it is slow.

    Example:
        >>> import brickwork as torch, warnings
        >>> x = torch.zeros(1, requires_grad=True)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     with torch.autograd.detect_anomaly():
        ...         try:
        ...             (x / x).sum().backward()
        ...         except RuntimeError as e:
        ...             print(e)
        Function 'DivBackward0' returned nan values in its 1th output.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.prev = STATE[:]
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        self.prev = STATE[:]
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc: object) -> None:
        STATE[:] = self.prev

    def __call__(self, fn: _F) -> _F:
        import functools

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return run  # type: ignore[return-value]


class set_detect_anomaly:  # noqa: N801
    """Set anomaly detection on or off: at once, and restored at the end when used as a context manager.

    Example:
        >>> import brickwork as torch
        >>> with torch.autograd.set_detect_anomaly(True):
        ...     torch.is_anomaly_enabled()
        True
        >>> torch.is_anomaly_enabled()
        False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = STATE[:]
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        STATE[:] = self.prev
