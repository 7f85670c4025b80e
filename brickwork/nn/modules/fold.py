"""Sliding-block layers: ``Unfold`` (im2col: blocks to columns) and ``Fold`` (col2im: columns summed back)."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["Fold", "Unfold"]


class Unfold(Module):
    """Extract sliding blocks of a (N, C, H, W) input as columns.

    Args: kernel_size: the block size. dilation, padding, stride: as in convolution (defaults 1, 0, 1).

    Shape: input (N, C, H, W) or (C, H, W); output (N, C * prod(kernel_size), L), L the number of blocks.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Unfold(kernel_size=(2, 3))(torch.randn(2, 5, 3, 4)).shape
        brickwork.Size([2, 30, 4])
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """Sum columns of sliding blocks back into a (N, C, H, W) tensor (the adjoint of `Unfold`).

    Args: output_size: (H, W) of the output. kernel_size, dilation, padding, stride: as in `Unfold`.

    Shape: input (N, C * prod(kernel_size), L) or (C * prod(kernel_size), L); output (N, C, H, W) or (C, H, W).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Fold(output_size=(4, 5), kernel_size=(2, 2))(torch.randn(1, 12, 12)).shape
        brickwork.Size([1, 3, 4, 5])
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
