"""``torch.fft``: discrete Fourier transforms, sample frequencies and shifts (see `brickwork.ops.fft`).

Example:
    >>> import brickwork as torch
    >>> x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    >>> torch.allclose(torch.fft.irfft(torch.fft.rfft(x), n=4), x)
    True
"""

from __future__ import annotations

from .._tensor import Tensor
from ..ops.fft import (fft, fft2, fftfreq, fftn, fftshift, hfft, hfft2, hfftn, ifft, ifft2, ifftn, ifftshift, ihfft,
                       ihfft2, ihfftn, irfft, irfft2, irfftn, rfft, rfft2, rfftfreq, rfftn)

__all__ = ["Tensor", "fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "hfft2", "hfftn", "ifft", "ifft2", "ifftn",
           "ifftshift", "ihfft", "ihfft2", "ihfftn", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn"]
