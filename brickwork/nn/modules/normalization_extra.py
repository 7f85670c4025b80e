"""More normalization layers: ``RMSNorm`` (root-mean-square, learned scale), ``LocalResponseNorm`` (across
channels) and the legacy ``CrossMapLRN2d``."""

from __future__ import annotations

from typing import Any, Sequence

from ... import ops
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..functional._norm_extra import cross_map_lrn2d
from ..module import Module
from ..parameter import Parameter

__all__ = ["RMSNorm", "LocalResponseNorm", "CrossMapLRN2d"]


class RMSNorm(Module):
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last dimensions ``normalized_shape``.

    Args: normalized_shape: the trailing shape to normalize. eps: added inside the root (default: the dtype's
    machine epsilon). elementwise_affine: learn ``weight`` (ones). device, dtype.

    Shape: input (N, *, *normalized_shape); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.RMSNorm([2, 3])(torch.randn(4, 2, 3)).shape
        brickwork.Size([4, 2, 3])
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ops.empty(shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """The weight to ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """Normalize each channel by the squares of ``size`` neighbouring channels (AlexNet's LRN).

    Args: size: the channel window. alpha (1e-4), beta (0.75), k (1.0): ``x / (k + alpha * mean(x**2))**beta``.

    Shape: input (N, C, *); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.LocalResponseNorm(2)(torch.randn(2, 4, 3, 3)).shape
        brickwork.Size([2, 4, 3, 3])
    """

    def __init__(self, size: int, alpha: float = 0.0001, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(LocalResponseNorm):
    """The legacy cross-map local response normalization of (N, C, H, W) inputs, with its original windows.

    The output is PyTorch's; the gradient is the exact derivative of it (PyTorch's hand-written backward assumes
    symmetric windows and fails its own ``gradcheck``).

    Args: size, alpha (1e-4), beta (0.75), k (1): ``x * (k + alpha / size * sum of x**2 over the window)**-beta``.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.CrossMapLRN2d(3)(torch.randn(2, 4, 3, 3)).shape
        brickwork.Size([2, 4, 3, 3])
    """

    def __init__(self, size: int, alpha: float = 0.0001, beta: float = 0.75, k: float = 1) -> None:
        super().__init__(size, alpha, beta, k)

    def forward(self, input: Tensor) -> Tensor:
        return cross_map_lrn2d(input, self.size, self.alpha, self.beta, self.k)
