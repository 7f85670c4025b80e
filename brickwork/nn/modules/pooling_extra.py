"""Power-average and un-pooling layers: ``LPPool1d/2d/3d`` and ``MaxUnpool1d/2d/3d``."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class LPPool1d(Module):
    """Power-average pooling ``(sum over the window of x**p)**(1/p)`` (p = inf: max pooling).

    Args: norm_type: ``p``. kernel_size: the window. stride: the step (default ``kernel_size``).
    ceil_mode: round the output size up. Shape: input (N, C, L) or (C, L); output (N, C, L_out).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LPPool1d(2, 2)(torch.tensor([[[3.0, 4.0]]]))
        tensor([[[5.]]])
    """

    _nd = 1

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride, self.ceil_mode = norm_type, kernel_size, stride, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        fn = (F.lp_pool1d, F.lp_pool2d, F.lp_pool3d)[self._nd - 1]
        return fn(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool2d(LPPool1d):
    """Power-average pooling over 2-d windows (arguments as `LPPool1d`).

    Shape: input (N, C, H, W) or (C, H, W).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LPPool2d(1, 2)(torch.ones(1, 1, 2, 2)).flatten()
        tensor([4.])
    """

    _nd = 2


class LPPool3d(LPPool1d):
    """Power-average pooling over 3-d windows (arguments as `LPPool1d`).

    Shape: input (N, C, D, H, W) or (C, D, H, W).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LPPool3d(1, 2)(torch.ones(1, 1, 2, 2, 2)).flatten()
        tensor([8.])
    """

    _nd = 3


class MaxUnpool1d(Module):
    """The partial inverse of max pooling: values put back at their ``indices``, zeros elsewhere.

    Args: kernel_size, stride (default ``kernel_size``), padding: those of the pooling being undone.

    Shape: input and indices (N, C, L_in) or (C, L_in); output (N, C, L_out) with
    ``L_out = (L_in - 1) * stride - 2 * padding + kernel_size``, or ``output_size`` given to ``forward``.

    Example:
        >>> import brickwork as torch
        >>> y, i = torch.nn.MaxPool1d(2, return_indices=True)(torch.tensor([[[1.0, 3.0, 2.0, 0.0]]]))
        >>> torch.nn.MaxUnpool1d(2)(y, i)
        tensor([[[0., 3., 2., 0.]]])
    """

    _nd = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        nd = self._nd
        tup = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd  # noqa: E731
        self.kernel_size = tup(kernel_size)
        self.stride = tup(stride if stride is not None else kernel_size)
        self.padding = tup(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        fn = (F.max_unpool1d, F.max_unpool2d, F.max_unpool3d)[self._nd - 1]
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(MaxUnpool1d):
    """The partial inverse of `MaxPool2d` (arguments as `MaxUnpool1d`).

    Example:
        >>> import brickwork as torch
        >>> y, i = torch.nn.MaxPool2d(2, return_indices=True)(torch.arange(4.0).reshape(1, 1, 2, 2))
        >>> torch.nn.MaxUnpool2d(2)(y, i).flatten()
        tensor([0., 0., 0., 3.])
    """

    _nd = 2


class MaxUnpool3d(MaxUnpool1d):
    """The partial inverse of `MaxPool3d` (arguments as `MaxUnpool1d`).

    Example:
        >>> import brickwork as torch
        >>> y, i = torch.nn.MaxPool3d(2, return_indices=True)(torch.arange(8.0).reshape(1, 1, 2, 2, 2))
        >>> torch.nn.MaxUnpool3d(2)(y, i).flatten()
        tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """

    _nd = 3
