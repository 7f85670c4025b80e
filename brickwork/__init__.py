"""brickwork: a small deep learning library with PyTorch's API, on NumPy (CPU) and CuPy (NVIDIA GPUs).

Code written for ``torch`` runs with ``import brickwork as torch`` for everything brickwork covers.

Example:
    >>> import brickwork as torch
    >>> x = torch.ones(2, 2, requires_grad=True)
    >>> (x * 3).sum().backward()
    >>> x.grad
    tensor([[3., 3.],
            [3., 3.]])
"""

from __future__ import annotations

__version__ = "0.1.0"

import builtins as _builtins  # `bool`, `int` and `float` below are brickwork dtypes
import typing as _typing

from . import _alloc  # noqa: F401  (tunes the allocator once; see PERFORMANCE notes in the README)
from ._dlpack import from_dlpack
from ._printing import set_printoptions
from ._tensor import Size, Tensor
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                                 no_grad, set_grad_enabled)
from .backends import device, get_default_device, set_default_device
from .dtypes import (bfloat16, bool_ as bool, double, dtype, finfo, float, float16, float32, float64,  # noqa: A004
                     get_default_dtype, half, iinfo, int, int8, int16, int32, int64, is_floating_point, long,
                     promote_types, result_type, set_default_dtype, short, uint8)
from .ops import *  # noqa: F401,F403
from .ops import addcdiv, addcmul
from .ops.random import Generator, default_generator
from .kernels import get_num_threads, set_num_threads
from . import autograd, cuda, return_types  # noqa: E402

cfloat = None  # brickwork has no complex dtypes


def is_tensor(obj: object) -> _builtins.bool:
    """Whether ``obj`` is a brickwork tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.is_tensor(torch.ones(1)), torch.is_tensor([1])
        (True, False)
    """
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> _builtins.int:
    """Number of elements of ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.numel(torch.zeros(2, 3))
        6
    """
    return input.numel()


def __getattr__(name: str) -> _typing.Any:
    # the larger subpackages load on first use, so `import brickwork` stays fast
    import importlib

    if name in ("nn", "optim", "utils", "io", "datasets", "train", "distributed", "onnx", "amp", "cpu"):
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load", "FormatError"):
        return getattr(importlib.import_module(".io", __name__), name)
    if name in ("autocast", "is_autocast_enabled", "get_autocast_dtype"):
        return getattr(importlib.import_module(".amp", __name__), name)
    if name == "summary":
        return importlib.import_module(".nn.utils", __name__).summary
    raise AttributeError(f"module 'brickwork' has no attribute {name!r}")
