"""Batch normalization: ``BatchNorm1d``, ``BatchNorm2d`` and their lazy forms (``num_features=None``)."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ... import ops
from ...dtypes import int64
from ..._tensor import Tensor
from .. import functional as F
from ..module import Module
from ..lazy import LazyModuleMixin
from ._layer import affine_parameters, buffer, reset_affine

__all__ = ["BatchNorm1d", "BatchNorm2d", "LazyBatchNorm1d", "LazyBatchNorm2d"]


class _BatchNorm(Module):
    """Parameters ``weight``/``bias`` (if ``affine``), buffers ``running_mean``/``running_var``/
    ``num_batches_tracked`` (if ``track_running_stats``), and the train/eval logic of PyTorch's BatchNorm."""

    _dims: tuple = ()
    _layout = ""

    def __init__(self, num_features: int | None, eps: float = 1e-05, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        lazy, shape = num_features is None, (num_features,)
        affine_parameters(self, shape, affine, bias, lazy, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", buffer(shape, lazy, device, dtype, 0.0))
            self.register_buffer("running_var", buffer(shape, lazy, device, dtype, 1.0))
            self.register_buffer("num_batches_tracked", ops.tensor(0, dtype=int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        if not lazy:
            self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean to 0, running variance to 1 and the batch count to 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to ones and the bias to zeros."""
        self.reset_running_stats()
        reset_affine(self)

    def _lazy_shapes(self, input: Tensor) -> dict[str, tuple]:
        self._check(input)
        return dict.fromkeys(("weight", "bias", "running_mean", "running_var"), (input.shape[1],))

    def _sizes_from_params(self) -> None:
        self.num_features = (self.weight if self.affine else self.running_mean).shape[0]

    def _check(self, input: Tensor) -> None:
        name = type(self).__name__
        if input.ndim not in self._dims:
            raise op_error(ValueError, name,
                           f"expected {' or '.join(f'{d}D' for d in self._dims)} input {self._layout}, "
                           f"got {input.ndim}D input of shape {tuple(input.shape)}")
        if self.num_features is not None and input.shape[1] != self.num_features:
            raise op_error(RuntimeError, name,
                           f"expected input with {self.num_features} channels (dimension 1), got shape "
                           f"{tuple(input.shape)}; set num_features={input.shape[1]} or check the input layout")

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L): ``(x - mean) / sqrt(var + eps) * weight + bias`` per channel.

    Training normalizes with the batch's statistics and updates the running ones
    (``running = (1 - momentum) * running + momentum * batch``, or a cumulative average if ``momentum`` is None);
    evaluation uses the running statistics.

    Args:
        num_features: channels C (``None``: lazy, set by the first input).
        eps: added to the variance (default 1e-5). momentum: running-statistics update (default 0.1).
        affine: learn ``weight`` (ones) and ``bias`` (zeros). track_running_stats: keep running statistics.
        device, dtype: where and in which dtype to create parameters and buffers.
        bias (keyword): learn the bias when ``affine`` (default True).

    Shape: input (N, C) or (N, C, L); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.BatchNorm1d(100)(torch.randn(20, 100)).shape
        brickwork.Size([20, 100])
    """

    _dims, _layout = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W), per channel, as in `BatchNorm1d`.

    Args:
        num_features: channels C (``None``: lazy, set by the first input).
        eps: added to the variance (default 1e-5). momentum: running-statistics update (default 0.1).
        affine: learn ``weight`` (ones) and ``bias`` (zeros). track_running_stats: keep running statistics.
        device, dtype: where and in which dtype to create parameters and buffers.
        bias (keyword): learn the bias when ``affine`` (default True).

    Shape: input (N, C, H, W); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.BatchNorm2d(100)(torch.randn(20, 100, 35, 45)).shape
        brickwork.Size([20, 100, 35, 45])
    """

    _dims, _layout = (4,), "(N, C, H, W)"


class LazyBatchNorm1d(LazyModuleMixin, BatchNorm1d):
    """A `BatchNorm1d` whose ``num_features`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyBatchNorm1d(); _ = m(torch.randn(4, 3)); m.running_mean.shape
        brickwork.Size([3])
    """

    _eager = BatchNorm1d

    def __init__(self, eps: float = 1e-05, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        BatchNorm1d.__init__(self, None, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)


class LazyBatchNorm2d(LazyModuleMixin, BatchNorm2d):
    """A `BatchNorm2d` whose ``num_features`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyBatchNorm2d(); _ = m(torch.randn(4, 3, 2, 2)); m.weight.shape
        brickwork.Size([3])
    """

    _eager = BatchNorm2d

    def __init__(self, eps: float = 1e-05, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        BatchNorm2d.__init__(self, None, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
