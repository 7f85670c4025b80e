"""Dropout: ``dropout`` (elementwise), ``dropout1d/2d/3d`` (whole channels, PyTorch's rank rules), plus
``alpha_dropout`` and ``feature_alpha_dropout``.

The mask is drawn from the default generator on the host (so one seed gives the same masks on every device)
and scaled by ``1 / (1 - p)``; the output is ``input * mask``, whose gradient is ``grad * mask``.
"""

from __future__ import annotations

import warnings

from .._errors import op_error
from .._tensor import Tensor
from ._core import inplace as _inplace, computed_in_float32
from ._core import wrap
from .random import rand

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
           "feature_dropout"]


def _check_p(op: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise op_error(ValueError, op, f"dropout probability has to be between 0 and 1, but got {p}")


def _mask(input: Tensor, shape: tuple, p: float) -> Tensor:
    u = rand(*shape, dtype=input.dtype, device=input.device)._data
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return wrap(((u >= p) * scale).astype(input._data.dtype, copy=False), input._device)


def _apply(op: str, input: Tensor, p: float, training: bool, inplace: bool, shape: tuple) -> Tensor:
    _check_p(op, p)
    if not training or p == 0.0:
        return input
    if not input.is_floating_point():
        raise op_error(RuntimeError, op, f"expected a floating point input, got {input.dtype}")
    m = _mask(input, shape, p)
    return _inplace(input, op + "_", lambda x: x * m, m) if inplace else input * m


@computed_in_float32
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (identity if not training).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.dropout(torch.ones(4), 0.5, training=False)
        tensor([1., 1., 1., 1.])
    """
    return _apply("dropout", input, p, training, inplace, tuple(input.shape))


def _feature_shape(op: str, input: Tensor, training: bool) -> tuple:
    """PyTorch's feature dropout: one mask entry per (dimension 0, dimension 1) pair."""
    if input.ndim < 2 and training:
        raise op_error(RuntimeError, op,
                       f"Feature dropout requires at least 2 dimensions in the input, got shape "
                       f"{tuple(input.shape)}")
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


def _channel_dropout(op: str, nd: int, input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """PyTorch's rules: 1-D dropout needs (C, L) or (N, C, L); 2-D and 3-D dropout warn on other ranks and then
    drop along dimensions 0 and 1 (3-D dropout adds a batch dimension first when the input is not 5-D; 2-D
    dropout reads a 3-D input as (N, C, L))."""
    if nd == 1 and input.ndim not in (2, 3):
        raise op_error(RuntimeError, op,
                       f"Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d "
                       "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                       "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if nd > 1 and input.ndim not in (nd + 1, nd + 2):
        warnings.warn(f"{op}: Received a {input.ndim}-D input to {op}, which is deprecated and will result in an "
                      f"error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that {op} exists to provide channel-wise dropout on inputs with {nd} "
                      f"spatial dimensions, a channel dimension, and an optional batch dimension (i.e. {nd + 1}D or "
                      f"{nd + 2}D inputs).", stacklevel=3)
    if nd == 2 and input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=3)
    unbatched = input.ndim < nd + 2 and nd != 2
    shape = (1,) + tuple(input.shape) if unbatched else tuple(input.shape)
    mask = _feature_shape(op, input.reshape(shape), training)
    return _apply(op, input, p, training, inplace, mask[1:] if unbatched else mask)


@computed_in_float32
def feature_dropout(input: Tensor, p: float, training: bool, inplace: bool = False) -> Tensor:
    """`dropout` of whole channels, one draw per (dimension 0, dimension 1) entry, at any rank from 2 up.

    Example:
        >>> import brickwork as torch
        >>> y = torch.feature_dropout(torch.ones(2, 8, 3), 0.5, True)
        >>> bool((y.amax(2) == y.amin(2)).all())
        True
    """
    return _apply("feature_dropout", input, p, training, inplace, _feature_shape("feature_dropout", input, training))


@computed_in_float32
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.dropout1d(torch.ones(2, 3, 4), 0.5, training=False).shape
        brickwork.Size([2, 3, 4])
    """
    return _channel_dropout("dropout1d", 1, input, p, training, inplace)


@computed_in_float32
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels (feature maps) of (N, C, H, W) or (C, H, W) inputs with probability ``p``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> y = F.dropout2d(torch.ones(2, 8, 3, 3), 0.5)
        >>> bool(((y == 0) | (y == 2)).all()), bool((y.amax((2, 3)) == y.amin((2, 3))).all())
        (True, True)
    """
    return _channel_dropout("dropout2d", 2, input, p, training, inplace)


@computed_in_float32
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> _ = torch.manual_seed(0); y = F.dropout3d(torch.ones(1, 4, 2, 2, 2), p=0.5)
        >>> [set(channel.flatten().tolist()) for channel in y[0]]
        [{2.0}, {2.0}, {2.0}, {0.0}]
        >>> F.dropout3d(torch.ones(1, 2, 1, 1, 1), training=False).flatten()
        tensor([1., 1.])
    """
    return _channel_dropout("dropout3d", 3, input, p, training, inplace)


@computed_in_float32
def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps a SELU network's mean and variance: dropped values become the SELU saturation value.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.alpha_dropout(torch.ones(3), 0.5, training=False)
        tensor([1., 1., 1.])
    """
    _check_p("alpha_dropout", p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    alpha_p = -1.7580993408473766  # -scale * alpha of SELU
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    keep = (rand(*input.shape, dtype=input.dtype, device=input.device) >= p).to(input.dtype)
    b = (keep - 1.0) * (a * alpha_p) + a * alpha_p * p
    fn = lambda x: x * (keep * a) + b  # noqa: E731
    return _inplace(input, "alpha_dropout_", fn) if inplace else fn(input)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """`alpha_dropout` of whole channels: one draw per (dimension 0, dimension 1) entry.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> y = F.feature_alpha_dropout(torch.ones(2, 8, 3), 0.5, training=True)
        >>> bool((y.amax(2) == y.amin(2)).all())
        True
    """
    _check_p("feature_alpha_dropout", p)
    if not training or p == 0.0:
        return input
    shape = _feature_shape("feature_alpha_dropout", input, training)
    if p == 1.0:
        return input * 0.0
    alpha_p = -1.7580993408473766
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    keep = (rand(*shape, dtype=input.dtype, device=input.device) >= p).to(input.dtype)
    b = (keep - 1.0) * (a * alpha_p) + a * alpha_p * p
    fn = lambda x: x * (keep * a) + b  # noqa: E731
    return _inplace(input, "feature_alpha_dropout_", fn) if inplace else fn(input)
