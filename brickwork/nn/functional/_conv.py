"""Convolutions (``conv1d/2d``, ``conv_transpose1d/2d``, ``unfold``, ``fold``): in `brickwork.ops.conv`; and
``conv_tbc``, the time-batch-channel layout of ``conv1d`` (composed here)."""

from __future__ import annotations

from ..._errors import op_error
from ..._tensor import Tensor
from ...ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold", "conv_tbc"]


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """A 1-d convolution in the time-batch-channel layout, zero-padded by ``pad`` on both ends of time.

    ``input`` is ``(time, batch, in_channels)``, ``weight`` ``(width, in_channels, out_channels)`` and ``bias``
    ``(out_channels,)``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.conv_tbc(torch.ones(4, 1, 2), torch.ones(3, 2, 1), torch.zeros(1), 1).flatten()
        tensor([4., 6., 6., 4.])
    """
    if input.dim() != 3 or weight.dim() != 3 or bias.dim() != 1:
        raise op_error(RuntimeError, "conv_tbc", f"expected a 3-d input, a 3-d weight and a 1-d bias, got shapes "
                       f"{tuple(input.shape)}, {tuple(weight.shape)} and {tuple(bias.shape)}")
    if input.shape[2] != weight.shape[1] or bias.shape[0] != weight.shape[2]:
        raise op_error(RuntimeError, "conv_tbc", f"input channels {input.shape[2]}, weight {tuple(weight.shape)} and "
                       f"bias {tuple(bias.shape)} disagree: expected weight (width, {input.shape[2]}, C_out) and "
                       "bias (C_out,)")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)
