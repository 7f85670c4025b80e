"""Upsampling layers: ``Upsample`` (any ``F.interpolate`` mode) and the fixed-mode ``UpsamplingNearest2d`` and
``UpsamplingBilinear2d`` (align_corners=True)."""

from __future__ import annotations

from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resize (N, C, *spatial) inputs to ``size`` or by ``scale_factor`` with `F.interpolate`.

    Args:
        size: the output's spatial size (an int or a tuple). scale_factor: the multiplier (a float or a tuple).
        mode: 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'bicubic' | 'trilinear' (default 'nearest').
        align_corners: align the corner pixels' centers (interpolating modes only).
        recompute_scale_factor: compute the coordinates from the output size rather than ``scale_factor``.

    Shape: input (N, C, W), (N, C, H, W) or (N, C, D, H, W); output with the new spatial size.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Upsample(scale_factor=2)(torch.tensor([[[1.0, 2.0]]]))
        tensor([[[1., 1., 2., 2.]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of (N, C, H, W) inputs (``Upsample(mode='nearest')``).

    Args: size: the output's (H, W). scale_factor: the multiplier.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.UpsamplingNearest2d(scale_factor=2)(torch.ones(1, 1, 2, 2)).shape
        brickwork.Size([1, 1, 4, 4])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling of (N, C, H, W) inputs with aligned corners.

    Args: size: the output's (H, W). scale_factor: the multiplier.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.UpsamplingBilinear2d(size=3)(torch.tensor([[[[0.0, 1.0]]]]))
        tensor([[[[0.0000, 0.5000, 1.0000],
                  [0.0000, 0.5000, 1.0000],
                  [0.0000, 0.5000, 1.0000]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
