"""Fractional max pooling layers: ``FractionalMaxPool2d`` and ``FractionalMaxPool3d``; and the deprecated
``Container`` (a Module built from keyword arguments)."""

from __future__ import annotations

import warnings
from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d", "Container"]


class FractionalMaxPool2d(Module):
    """Max pooling over windows of ``kernel_size`` at pseudo-random offsets (a non-integer shrink).

    The output has ``output_size``, or a fraction ``output_ratio`` (in (0, 1)) of the input size.

    Args: kernel_size, output_size, output_ratio (exactly one of the two), return_indices, _random_samples (fixed
    samples (N, C, 2) in [0, 1) for reproducible offsets; drawn per call otherwise).

    Shape: input (N, C, H, W) or (C, H, W); output (N, C, H_out, W_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))(torch.randn(20, 16, 50, 32)).shape
        brickwork.Size([20, 16, 25, 16])
    """

    _nd = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Tensor | None = None) -> None:
        super().__init__()
        nd, name = self._nd, type(self).__name__
        tup = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd  # noqa: E731
        self.kernel_size, self.return_indices = tup(kernel_size), return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = tup(output_size) if output_size is not None else None
        self.output_ratio = tup(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor) -> Any:
        fn = F.fractional_max_pool2d if self._nd == 2 else F.fractional_max_pool3d
        return fn(input, self.kernel_size, self.output_size, self.output_ratio, self.return_indices,
                  _random_samples=self._random_samples)


class FractionalMaxPool3d(FractionalMaxPool2d):
    """3-d fractional max pooling (arguments as `FractionalMaxPool2d`, with triples).

    Shape: input (N, C, D, H, W) or (C, D, H, W); output (N, C, D_out, H_out, W_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.FractionalMaxPool3d(3, output_size=(13, 12, 11))(torch.randn(2, 4, 20, 16, 14)).shape
        brickwork.Size([2, 4, 13, 12, 11])
    """

    _nd = 3


class Container(Module):
    """Deprecated: a Module whose children are the keyword arguments (subclass `Module` instead).

    Example:
        >>> import brickwork as torch, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     c = torch.nn.Container(fc=torch.nn.Linear(2, 2))
        >>> [name for name, _ in c.named_children()]
        ['fc']
    """

    def __init__(self, **kwargs: Any) -> None:
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now implemented in `nn.Module`. "
                      "Subclass that instead.", FutureWarning, stacklevel=2)
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)
