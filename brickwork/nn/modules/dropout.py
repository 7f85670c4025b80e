"""Dropout layers: ``Dropout`` (elements), ``Dropout1d/2d/3d`` (whole channels), ``AlphaDropout`` and
``FeatureAlphaDropout`` (for SELU networks)."""

from __future__ import annotations

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise op_error(ValueError, type(self).__name__,
                           f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training, scaling the others by ``1 / (1 - p)``.

    In evaluation mode it is the identity.

    Args:
        p: probability of zeroing an element (default 0.5).
        inplace: modify the input in place.

    Shape: input (*); output the same.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Dropout(p=0.2).eval()
        >>> m(torch.ones(3))
        tensor([1., 1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p`` in training.

    Args:
        p: probability of zeroing a channel (default 0.5).
        inplace: modify the input in place.

    Shape: input (N, C, L) or (C, L); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Dropout1d(0.2)(torch.randn(20, 16, 32)).shape
        brickwork.Size([20, 16, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels (feature maps) of (N, C, H, W) inputs with probability ``p`` in training.

    As in PyTorch, a 3-D input is read as (N, C, L) and other ranks are dropped along dimensions 0 and 1, each
    with PyTorch's warning.

    Args:
        p: probability of zeroing a channel (default 0.5).
        inplace: modify the input in place.

    Shape: input (N, C, H, W); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Dropout2d(0.2)(torch.randn(20, 16, 32, 32)).shape
        brickwork.Size([20, 16, 32, 32])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p`` in training.

    Other ranks are accepted with PyTorch's deprecation warning (dropped along dimensions 0 and 1 after adding a
    batch dimension).

    Args:
        p: probability of zeroing a channel (default 0.5).
        inplace: modify the input in place.

    Shape: input (N, C, D, H, W) or (C, D, H, W); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Dropout3d(0.2)(torch.randn(2, 4, 3, 3, 3)).shape
        brickwork.Size([2, 4, 3, 3, 3])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: keeps zero mean and unit variance (dropped values take SELU's saturation).

    Args:
        p: probability of dropping an element (default 0.5).
        inplace: modify the input in place.

    Shape: input (*); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.AlphaDropout(0.2).eval()(torch.ones(2))
        tensor([1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    """`AlphaDropout` of whole channels: each (sample, channel) is kept or set to SELU's saturation value.

    Args:
        p: probability of dropping a channel (default 0.5).
        inplace: modify the input in place.

    Shape: input (N, C, *); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.FeatureAlphaDropout(0.2).eval()(torch.ones(1, 2))
        tensor([[1., 1.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)
