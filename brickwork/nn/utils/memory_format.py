"""Converting convolution weights to a memory format (``channels_last``...), as PyTorch's helpers do."""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]

M = TypeVar("M")


def _convert(module: Any, memory_format: Any, kinds: tuple) -> Any:
    if isinstance(module, kinds):
        module.weight.data = module.weight.detach().contiguous(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module: M, memory_format: Any) -> M:
    """Give every ``Conv2d``/``ConvTranspose2d`` weight in ``module`` (recursively) ``memory_format``.

    brickwork's convolutions compute the same in every layout (the values and shapes do not change); this exists so
    that code tuned for NHWC kernels runs unchanged.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 1))
        >>> torch.nn.utils.convert_conv2d_weight_memory_format(m, torch.channels_last)[0].weight.shape
        brickwork.Size([4, 3, 1, 1])
    """
    from ..modules.conv import Conv2d
    from ..modules.conv_transpose import ConvTranspose2d

    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))  # type: ignore[no-any-return]


def convert_conv3d_weight_memory_format(module: M, memory_format: Any) -> M:
    """Give every ``Conv3d``/``ConvTranspose3d`` weight in ``module`` (recursively) ``memory_format``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Conv3d(2, 2, 1)
        >>> torch.nn.utils.convert_conv3d_weight_memory_format(m, torch.channels_last_3d).weight.shape
        brickwork.Size([2, 2, 1, 1, 1])
    """
    from ..modules.conv3d import Conv3d, ConvTranspose3d

    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))  # type: ignore[no-any-return]
