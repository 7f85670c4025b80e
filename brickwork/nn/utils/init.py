"""``skip_init``: build a module without caring for its initial parameter values."""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

from ..module import Module

__all__ = ["skip_init"]

M = TypeVar("M", bound=Module)


def skip_init(module_cls: type[M], *args: Any, **kwargs: Any) -> M:
    """``module_cls(*args, **kwargs)`` on ``device`` (default cpu), its parameters to be treated as uninitialized.

    PyTorch builds the module on the meta device and allocates it empty; brickwork has no meta device, so the module
    is built where it will live and its initializer still runs. Either way the values are not to be relied on:
    set them (e.g. from a checkpoint) before use. The class must take a ``device`` argument, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.utils.skip_init(torch.nn.Linear, 5, 1).weight.shape
        brickwork.Size([1, 5])
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    return module_cls(*args, **kwargs)
