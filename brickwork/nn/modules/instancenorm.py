"""Instance normalization: ``InstanceNorm1d/2d/3d`` and their lazy forms; each (sample, channel) is normalized
over its own spatial positions. The parameters and buffers are BatchNorm's (off by default)."""

from __future__ import annotations

import warnings
from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from ..lazy import LazyModuleMixin
from .. import functional as F
from .batchnorm import _BatchNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """``nd``: the spatial dimensions; the input is (N, C, *spatial) or unbatched (C, *spatial)."""

    nd = 1

    def __init__(self, num_features: int | None, eps: float = 1e-05, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check(self, input: Tensor) -> None:
        if input.dim() not in (self.nd + 1, self.nd + 2):
            raise op_error(ValueError, type(self).__name__,
                           f"expected {self.nd + 1}D or {self.nd + 2}D input (got "
                           f"{input.dim()}D input of shape {tuple(input.shape)})")

    def _lazy_shapes(self, input: Tensor) -> dict[str, tuple]:
        self._check(input)
        return dict.fromkeys(("weight", "bias", "running_mean", "running_var"), (input.shape[-self.nd - 1],))

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        dim = input.dim() - self.nd - 1
        if input.shape[dim] != self.num_features:
            if self.affine:
                raise op_error(ValueError, type(self).__name__,
                               f"expected input's size at dim={dim} to match num_features "
                               f"({self.num_features}), but got: {input.shape[dim]}.")
            warnings.warn(f"input's size at dim={dim} does not match num_features. You can silence this warning by "
                          "not passing in num_features, which is not used because affine=False", stacklevel=2)
        batched = input.unsqueeze(0) if dim == 0 else input
        y = F.instance_norm(batched, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            self.momentum if self.momentum is not None else 0.0, self.eps)
        return y.squeeze(0) if dim == 0 else y


class InstanceNorm1d(_InstanceNorm):
    """Normalize each channel of each sample over its length: ``(x - mean) / sqrt(var + eps)``.

    Args:
        num_features: channels C. eps: added to the variance (default 1e-5).
        momentum: running-statistics update (default 0.1). affine: learn ``weight``/``bias`` (default False).
        track_running_stats: keep running statistics and use them in evaluation (default False).
        device, dtype: where and in which dtype to create parameters and buffers.
        bias (keyword): learn the bias when ``affine`` (default True).

    Shape: input (N, C, L) or (C, L); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.InstanceNorm1d(2)(torch.tensor([[[1.0, 3.0], [0.0, 2.0]]]))
        tensor([[[-1.0000,  1.0000],
                 [-1.0000,  1.0000]]])
    """


class InstanceNorm2d(_InstanceNorm):
    """Normalize each channel of each sample over its H x W positions (arguments as in `InstanceNorm1d`).

    Shape: input (N, C, H, W) or (C, H, W); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.InstanceNorm2d(3, affine=True)(torch.randn(2, 3, 4, 4)).shape
        brickwork.Size([2, 3, 4, 4])
    """

    nd = 2


class InstanceNorm3d(_InstanceNorm):
    """Normalize each channel of each sample over its D x H x W positions.

    Arguments as in `InstanceNorm1d`.

    Shape: input (N, C, D, H, W) or (C, D, H, W); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.InstanceNorm3d(3)(torch.randn(2, 3, 2, 2, 2)).shape
        brickwork.Size([2, 3, 2, 2, 2])
    """

    nd = 3


class LazyInstanceNorm1d(LazyModuleMixin, InstanceNorm1d):
    """An `InstanceNorm1d` whose ``num_features`` comes from the first input.

    PyTorch's defaults for the lazy form: ``affine`` and ``track_running_stats`` on.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyInstanceNorm1d(); _ = m(torch.randn(4, 3, 5)); m.weight.shape
        brickwork.Size([3])
    """

    _eager = InstanceNorm1d

    def __init__(self, eps: float = 1e-05, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        InstanceNorm1d.__init__(self, None, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)


class LazyInstanceNorm2d(LazyModuleMixin, InstanceNorm2d):
    """An `InstanceNorm2d` whose ``num_features`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyInstanceNorm2d(); _ = m(torch.randn(4, 3, 2, 2)); m.weight.shape
        brickwork.Size([3])
    """

    _eager = InstanceNorm2d

    def __init__(self, eps: float = 1e-05, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        InstanceNorm2d.__init__(self, None, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)


class LazyInstanceNorm3d(LazyModuleMixin, InstanceNorm3d):
    """An `InstanceNorm3d` whose ``num_features`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyInstanceNorm3d(); _ = m(torch.randn(1, 3, 2, 2, 2)); m.weight.shape
        brickwork.Size([3])
    """

    _eager = InstanceNorm3d

    def __init__(self, eps: float = 1e-05, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        InstanceNorm3d.__init__(self, None, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)