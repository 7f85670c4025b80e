"""Padding layers, each a fixed call of ``F.pad``: reflection, replication, circular, constant and zero padding
for 1, 2 and 3 spatial dimensions. ``padding`` is an int (every side) or a tuple ``(left, right, top, bottom,
front, back)`` up to the layer's number of sides, last dimension first."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]


def _sides(padding: Any, nd: int) -> tuple[int, ...]:
    if isinstance(padding, int):
        return (padding,) * (2 * nd)
    padding = tuple(padding)
    if len(padding) != 2 * nd:
        raise ValueError(f"expected padding to be an int or a tuple of {2 * nd} ints, got {padding}")
    return padding


class _PadNd(Module):
    """``nd``: the spatial dimensions; ``mode``: the ``F.pad`` mode."""

    nd = 1
    mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _sides(padding, self.nd)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _doc(kind: str, nd: int, example: str) -> str:
    shape = ("(N, C, W) or (C, W)", "(N, C, H, W) or (C, H, W)", "(N, C, D, H, W) or (C, D, H, W)")[nd - 1]
    return f"""Pad the last {nd} dimension{'s' if nd > 1 else ''} {kind}.

    Args:
        padding: an int for every side, or a tuple of {2 * nd} ints (left, right{', top, bottom' if nd > 1 else ''}
            {', front, back' if nd > 2 else ''}).

    Shape: input {shape}; output with each padded dimension grown by its two amounts.

    Example:
        >>> import brickwork as torch
        {example}
    """


class ReflectionPad1d(_PadNd):
    __doc__ = _doc("by mirroring the input at its edges (without repeating them)", 1,
                   ">>> torch.nn.ReflectionPad1d(2)(torch.arange(4.0).reshape(1, 1, 4))\n"
                   "        tensor([[[2., 1., 0., 1., 2., 3., 2., 1.]]])")
    mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    __doc__ = _doc("by mirroring the input at its edges", 2,
                   ">>> torch.nn.ReflectionPad2d(1)(torch.zeros(1, 1, 3, 3)).shape\n"
                   "        brickwork.Size([1, 1, 5, 5])")
    nd = 2


class ReflectionPad3d(ReflectionPad1d):
    __doc__ = _doc("by mirroring the input at its edges", 3,
                   ">>> torch.nn.ReflectionPad3d(1)(torch.zeros(1, 1, 2, 2, 2)).shape\n"
                   "        brickwork.Size([1, 1, 4, 4, 4])")
    nd = 3


class ReplicationPad1d(_PadNd):
    __doc__ = _doc("by repeating the edge values", 1,
                   ">>> torch.nn.ReplicationPad1d((1, 2))(torch.tensor([[[1.0, 2.0]]]))\n"
                   "        tensor([[[1., 1., 2., 2., 2.]]])")
    mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    __doc__ = _doc("by repeating the edge values", 2,
                   ">>> torch.nn.ReplicationPad2d(1)(torch.zeros(1, 1, 3, 3)).shape\n"
                   "        brickwork.Size([1, 1, 5, 5])")
    nd = 2


class ReplicationPad3d(ReplicationPad1d):
    __doc__ = _doc("by repeating the edge values", 3,
                   ">>> torch.nn.ReplicationPad3d(1)(torch.zeros(1, 1, 2, 2, 2)).shape\n"
                   "        brickwork.Size([1, 1, 4, 4, 4])")
    nd = 3


class CircularPad1d(_PadNd):
    __doc__ = _doc("by wrapping around (the input seen as periodic)", 1,
                   ">>> torch.nn.CircularPad1d(1)(torch.tensor([[[1.0, 2.0, 3.0]]]))\n"
                   "        tensor([[[3., 1., 2., 3., 1.]]])")
    mode = "circular"

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (self.nd + 1, self.nd + 2):
            raise op_error(ValueError, type(self).__name__,
                           f"expected {self.nd + 1}D or {self.nd + 2}D input (got "
                           f"{input.dim()}D input of shape {tuple(input.shape)})")
        return super().forward(input)


class CircularPad2d(CircularPad1d):
    __doc__ = _doc("by wrapping around (the input seen as periodic)", 2,
                   ">>> torch.nn.CircularPad2d(1)(torch.zeros(1, 1, 3, 3)).shape\n"
                   "        brickwork.Size([1, 1, 5, 5])")
    nd = 2


class CircularPad3d(CircularPad1d):
    __doc__ = _doc("by wrapping around (the input seen as periodic)", 3,
                   ">>> torch.nn.CircularPad3d(1)(torch.zeros(1, 1, 2, 2, 2)).shape\n"
                   "        brickwork.Size([1, 1, 4, 4, 4])")
    nd = 3


class ConstantPad1d(_PadNd):
    __doc__ = _doc("with the constant ``value`` (an extra argument)", 1,
                   ">>> torch.nn.ConstantPad1d(1, 3.5)(torch.zeros(1, 2))\n"
                   "        tensor([[3.5000, 0.0000, 0.0000, 3.5000]])")

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad2d(ConstantPad1d):
    __doc__ = _doc("with the constant ``value`` (an extra argument)", 2,
                   ">>> torch.nn.ConstantPad2d((1, 0, 0, 1), 1.0)(torch.zeros(1, 1, 1))\n"
                   "        tensor([[[1., 0.],\n                 [1., 1.]]])")
    nd = 2


class ConstantPad3d(ConstantPad1d):
    __doc__ = _doc("with the constant ``value`` (an extra argument)", 3,
                   ">>> torch.nn.ConstantPad3d(1, 2.0)(torch.zeros(1, 1, 1, 1)).shape\n"
                   "        brickwork.Size([1, 3, 3, 3])")
    nd = 3


class ZeroPad1d(ConstantPad1d):
    __doc__ = _doc("with zeros", 1,
                   ">>> torch.nn.ZeroPad1d((1, 2))(torch.ones(1, 2))\n"
                   "        tensor([[0., 1., 1., 0., 0.]])")

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    __doc__ = _doc("with zeros", 2,
                   ">>> torch.nn.ZeroPad2d((1, 1, 2, 0))(torch.ones(1, 1, 1)).shape\n"
                   "        brickwork.Size([1, 3, 3])")
    nd = 2


class ZeroPad3d(ZeroPad1d):
    __doc__ = _doc("with zeros", 3,
                   ">>> torch.nn.ZeroPad3d(1)(torch.ones(1, 1, 1, 1)).shape\n"
                   "        brickwork.Size([1, 3, 3, 3])")
    nd = 3
