"""Normalization layers other than batch norm: ``LayerNorm`` and ``GroupNorm``."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from ..module import Module
from ._layer import affine_parameters, reset_affine

__all__ = ["LayerNorm", "GroupNorm"]


class LayerNorm(Module):
    """Normalize over the last dimensions (``normalized_shape``): ``(x - mean) / sqrt(var + eps) * weight + bias``.

    Args:
        normalized_shape: the trailing shape to normalize over (an int for the last dimension).
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``.
        bias: learn the bias too (default True; needs ``elementwise_affine``).
        device, dtype: where and in which dtype to create the parameters.

    Shape: input (*, *normalized_shape); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LayerNorm(10)(torch.randn(20, 5, 10)).shape
        brickwork.Size([20, 5, 10])
    """

    def __init__(self, normalized_shape: Any, eps: float = 1e-05, elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        affine_parameters(self, shape, elementwise_affine, bias, False, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones and bias to zeros."""
        reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Split the channels into ``num_groups`` groups and normalize each over its channels and positions.

    Args:
        num_groups: number of groups (must divide ``num_channels``).
        num_channels: channels C of the input.
        eps: added to the variance (default 1e-5).
        affine: learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        device, dtype: where and in which dtype to create the parameters.
        bias (keyword): learn the bias when ``affine`` (default True).

    Shape: input (N, C, *); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.GroupNorm(3, 6)(torch.randn(20, 6, 10, 10)).shape
        brickwork.Size([20, 6, 10, 10])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-05, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise op_error(ValueError, "GroupNorm",
                           f"num_channels ({num_channels}) must be divisible by num_groups "
                           f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        affine_parameters(self, (num_channels,), affine, bias, False, device, dtype)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight to ones and bias to zeros."""
        reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            got = input.shape[1] if input.ndim > 1 else "?"
            raise op_error(RuntimeError, "GroupNorm",
                           f"expected input with {self.num_channels} channels (dimension 1), got "
                           f"shape {tuple(input.shape)}; set num_channels={got} or check the input layout")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
