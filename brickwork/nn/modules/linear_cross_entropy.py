"""``LinearCrossEntropyLoss``: a ``Linear`` head and the cross-entropy of its logits, in one loss module."""

from __future__ import annotations

import math
from typing import Any

from ..._tensor import Tensor
from ..functional._linear_cross_entropy import LinearCrossEntropyOptions, linear_cross_entropy
from .linear import Linear
from .loss import _WeightedLoss

__all__ = ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross entropy of the logits ``self.linear(input)`` against class indices or class probabilities.

    The weight is stored flat, ``self.linear.weight`` of shape ``(C * prod(out_features), in_features)``, and
    reshaped to ``(C, *out_features, in_features)`` for `brickwork.nn.functional.linear_cross_entropy`.

    Args:
        in_features: size of each input sample.
        num_classes: number of classes ``C``.
        out_features: ``(d_1, ..., d_K)`` for a K-dimensional loss (default ``()``).
        bias: give the linear head a bias (default False).
        device, dtype: of the linear head's parameters.
        reduction: 'none' | 'mean' | 'sum'.
        weight: per-class rescaling weights of shape ``(C,)``.
        ignore_index: a class index that contributes neither loss nor gradient (None: -100 for index targets).
        label_smoothing: in [0, 1].
        options: a `LinearCrossEntropyOptions` (accepted; brickwork computes the full logits).

    Shape:
        input ``(in_features)`` or ``(N, in_features)``; target ``()``, ``(N)`` or ``(N, *out_features)`` class
        indices, or probabilities ``(C)`` / ``(N, C, *out_features)``; output scalar, or the target's shape with
        ``reduction='none'``.

    Example:
        >>> import brickwork as torch
        >>> loss = torch.nn.LinearCrossEntropyLoss(5, 10, out_features=(4, 3))
        >>> loss(torch.randn(2, 5), torch.randint(0, 10, (2, 4, 3))).shape
        brickwork.Size([])
    """

    def __init__(self, in_features: int, num_classes: int, *, out_features: tuple[int, ...] = (), bias: bool = False,
                 device: Any = None, dtype: Any = None, reduction: str = "mean", weight: Tensor | None = None,
                 ignore_index: int | None = None, label_smoothing: float = 0.0,
                 options: LinearCrossEntropyOptions | None = None) -> None:
        if weight is not None and tuple(weight.shape) != (num_classes,):
            raise RuntimeError(f"expected weight shape to be {(num_classes,)}, got {tuple(weight.shape)}")
        if label_smoothing < 0 or label_smoothing > 1.0:
            raise RuntimeError(f"expected label_smoothing to be in range [0, 1], got {label_smoothing}")
        super().__init__(weight, None, None, reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.linear = Linear(in_features, math.prod(out_features, start=num_classes), bias=bias, device=device,
                             dtype=dtype)
        self.options = options

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        shape = (self.num_classes, *self.out_features)
        bias = None if self.linear.bias is None else self.linear.bias.reshape(shape)
        return linear_cross_entropy(input, self.linear.weight.reshape(*shape, self.linear.in_features), target,
                                    linear_bias=bias, weight=self.weight, reduction=self.reduction,
                                    ignore_index=self.ignore_index, label_smoothing=self.label_smoothing,
                                    options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, reduction={self.reduction}, "
                f"ignore_index={self.ignore_index}, label_smoothing={self.label_smoothing}, options={self.options}")
