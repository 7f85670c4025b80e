"""Folding an eval-mode batch norm into the convolution or linear layer before it (for inference)."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from ... import ops
from ..._tensor import Tensor
from ..parameter import Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights"]

M = TypeVar("M")


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor, bn_eps: float,
                         bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """The weight and bias of one convolution equal to a convolution followed by an eval-mode batch norm.

    ``w' = w * gamma / sqrt(var + eps)`` (per output channel: dimension 0, or 1 for a transposed convolution)
    and ``b' = (b - mean) * gamma / sqrt(var + eps) + beta``.

    Example:
        >>> import brickwork as torch
        >>> w, b = torch.nn.utils.fuse_conv_bn_weights(torch.ones(2, 1, 1), None, torch.zeros(2), torch.ones(2),
        ...                                            0.0, torch.tensor([2.0, 3.0]), None)
        >>> w.flatten().tolist(), b.tolist()
        ([2.0, 3.0], [0.0, 0.0])
    """
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    conv_b = ops.zeros_like(bn_rm) if conv_b is None else conv_b
    bn_w = ops.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = ops.zeros_like(bn_rm) if bn_b is None else bn_b
    rsqrt = ops.rsqrt(bn_rv + bn_eps)
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.dim() - 2)
    fused_w = (conv_w * (bn_w * rsqrt).reshape(shape)).to(dtype=w_dtype)
    fused_b = ((conv_b - bn_rm) * rsqrt * bn_w + bn_b).to(dtype=b_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, conv_b.requires_grad)


def fuse_conv_bn_eval(conv: M, bn: Any, transpose: bool = False) -> M:
    """A copy of the eval-mode ``conv`` with the eval-mode batch norm ``bn`` that follows it folded in.

    Example:
        >>> import brickwork as torch
        >>> conv, bn = torch.nn.Conv2d(2, 3, 1).eval(), torch.nn.BatchNorm2d(3).eval()
        >>> x = torch.randn(1, 2, 4, 4)
        >>> torch.allclose(torch.nn.utils.fuse_conv_bn_eval(conv, bn)(x), bn(conv(x)), atol=1e-6)
        True
    """
    _check_eval(conv, bn)
    fused: Any = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                    bn.eps, bn.weight, bn.bias, transpose)
    return fused  # type: ignore[no-any-return]


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                           bn_eps: float, bn_w: Tensor, bn_b: Tensor) -> tuple[Parameter, Parameter]:
    """The weight and bias of one linear layer equal to a linear layer followed by an eval-mode batch norm.

    Example:
        >>> import brickwork as torch
        >>> w, b = torch.nn.utils.fuse_linear_bn_weights(torch.eye(2), None, torch.ones(2), torch.ones(2), 0.0,
        ...                                              torch.ones(2), torch.zeros(2))
        >>> b.tolist()
        [-1.0, -1.0]
    """
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    linear_b = ops.zeros_like(bn_rm) if linear_b is None else linear_b
    scale = bn_w * ops.rsqrt(bn_rv + bn_eps)
    fused_w = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
    fused_b = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)


def fuse_linear_bn_eval(linear: M, bn: Any) -> M:
    """A copy of the eval-mode ``linear`` with the eval-mode batch norm ``bn`` that follows it folded in.

    Example:
        >>> import brickwork as torch
        >>> lin, bn = torch.nn.Linear(2, 3).eval(), torch.nn.BatchNorm1d(3).eval()
        >>> x = torch.randn(4, 2)
        >>> torch.allclose(torch.nn.utils.fuse_linear_bn_eval(lin, bn)(x), bn(lin(x)), atol=1e-6)
        True
    """
    _check_eval(linear, bn)
    fused: Any = copy.deepcopy(linear)
    if not (fused.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features == bn.num_features or bn.num_features == 1")
    fused.weight, fused.bias = fuse_linear_bn_weights(fused.weight, fused.bias, bn.running_mean, bn.running_var,
                                                      bn.eps, bn.weight, bn.bias)
    return fused  # type: ignore[no-any-return]


def _check_eval(layer: Any, bn: Any) -> None:
    # AssertionError, as PyTorch raises
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval! Call .eval() on both layers first")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("Fusion needs the batch norm's running statistics (track_running_stats=True)")
