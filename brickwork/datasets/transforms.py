"""Image transforms with torchvision's names: `Compose`, `ToTensor`, `Normalize`,
`Lambda`.

``ToTensor`` and ``Normalize`` also work on a whole batch ``(N, C, H, W)``; transforms that do say so with
``batchable = True``, which lets the DataLoader transform a batch at once instead of image by image.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .._tensor import Tensor, _make
from ..backends import CPU

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda"]


class Compose:
    """Apply transforms one after another.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.datasets import transforms as T
        >>> t = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
        >>> t(torch.ones(1, 2, 2)).tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    @property
    def batchable(self) -> bool:
        """Whether every transform works on batches."""
        return all(getattr(t, "batchable", False) for t in self.transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """A NumPy image ``(H, W)`` or ``(H, W, C)`` (or a PIL image) to a float tensor ``(C, H, W)``; uint8 values
    are scaled to [0, 1], other dtypes kept. A tensor passes through unchanged (brickwork's datasets already
    return float tensors in [0, 1], so torchvision-style pipelines that start with ``ToTensor()`` still work).

    Example:
        >>> import numpy as np
        >>> from brickwork.datasets.transforms import ToTensor
        >>> x = ToTensor()(np.full((2, 3, 1), 255, np.uint8)); x.shape, x.max().item()
        (brickwork.Size([1, 2, 3]), 1.0)
    """

    batchable = True

    def __call__(self, pic: Any) -> Tensor:
        if isinstance(pic, Tensor):
            return pic
        if not isinstance(pic, np.ndarray):
            if not hasattr(pic, "__array_interface__"):
                raise TypeError(f"ToTensor: pic should be a NumPy array, a PIL image or a tensor, got "
                                f"{type(pic).__name__}")
            pic = np.asarray(pic)
        if pic.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H, W[, C]), got shape {pic.shape}")
        chw = np.ascontiguousarray((pic[:, :, None] if pic.ndim == 2 else pic).transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            return _make(np.divide(chw, np.float32(255), dtype=np.float32), CPU)
        return _make(chw, CPU)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean) / std`` per channel of a float tensor ``(..., C, H, W)``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.datasets.transforms import Normalize
        >>> Normalize((0.5,), (0.25,))(torch.ones(1, 1, 1)).item()
        2.0
    """

    batchable = True

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = list(np.atleast_1d(np.asarray(mean, dtype=np.float64)))
        self.std = list(np.atleast_1d(np.asarray(std, dtype=np.float64)))
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Normalize: expected a tensor, got {type(tensor).__name__}; put ToTensor() first")
        if not tensor.is_floating_point():
            raise TypeError(f"Normalize: input tensor should be a float tensor, got {tensor.dtype}; convert with "
                            ".float() or ToTensor() first")
        if tensor.ndim < 3:
            raise ValueError(f"Normalize: expected a tensor image of shape (..., C, H, W), got shape "
                             f"{tuple(tensor.shape)}")
        np_dtype = tensor._data.dtype
        mean = np.asarray(self.mean, dtype=np_dtype)
        std = np.asarray(self.std, dtype=np_dtype)
        if (std == 0).any():
            raise ValueError(f"Normalize: std evaluated to zero after conversion to {tensor.dtype}, leading to "
                             "division by zero")
        c = tensor.shape[-3]
        if len(mean) not in (1, c) or len(std) not in (1, c):
            raise ValueError(f"Normalize: got {len(mean)} means and {len(std)} stds for an image with {c} channels")
        xp = tensor._device.xp
        m, s = xp.asarray(mean.reshape(-1, 1, 1)), xp.asarray(std.reshape(-1, 1, 1))
        if self.inplace:
            return tensor.sub_(_make(m, tensor._device)).div_(_make(s, tensor._device))
        return (tensor - _make(m, tensor._device)) / _make(s, tensor._device)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """A user function as a transform.

    Example:
        >>> from brickwork.datasets.transforms import Lambda
        >>> Lambda(lambda x: x * 2)(3)
        6
    """

    def __init__(self, lambd: Callable[[Any], Any]) -> None:
        if not callable(lambd):
            raise TypeError(f"Lambda: argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"
