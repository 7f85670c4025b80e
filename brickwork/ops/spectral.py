"""Short-time Fourier transforms (``torch.stft`` / ``torch.istft``), composed from framing, FFTs and overlap-add.

Gradients come from the parts (``unfold`` views, the FFT ops, ``fold`` for the overlap-add), so both transforms
differentiate wherever their pieces do.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import dtypes as _dt
from .._tensor import Tensor
from . import fft as _fft
from .complex_numbers import complex as _complex, view_as_real
from .conv import fold
from .creation import ones
from .pad import pad as _pad

__all__ = ["stft", "istft"]


def _window(window: Tensor | None, n_fft: int, win_length: int, like: Tensor, what: str) -> Tensor:
    """The window, zero-padded on both sides to ``n_fft`` (PyTorch centres a shorter window)."""
    if window is None:
        warnings.warn(f"A window was not provided. A rectangular window will be applied. {what}To suppress this "
                      "warning and use a rectangular window, explicitly set `window=torch.ones(n_fft, "
                      "device=<device>)`.", UserWarning, stacklevel=3)
        window = ones(win_length, dtype=like.real.dtype if like.is_complex() else like.dtype, device=like.device)
    if window.dim() != 1 or window.shape[0] != win_length:
        raise RuntimeError(f"expected a 1D window tensor of size equal to win_length={win_length}, but got window "
                           f"with size {tuple(window.shape)}")
    if win_length < n_fft:
        left = (n_fft - win_length) // 2
        window = _pad(window, (left, n_fft - win_length - left))
    return window


def _lengths(n_fft: int, hop_length: int | None, win_length: int | None, name: str) -> tuple[int, int]:
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if n_fft <= 0 or hop <= 0 or not 0 < win <= n_fft:
        raise RuntimeError(f"{name}: expected 0 < n_fft, 0 < hop_length and 0 < win_length <= n_fft, got "
                           f"n_fft={n_fft}, hop_length={hop}, win_length={win}")
    return hop, win


def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None, align_to_window: bool | None = None
         ) -> Tensor:
    """The short-time Fourier transform: windowed frames of ``input``, each Fourier-transformed.

    Args:
        input: a 1-D signal ``(L,)`` or a batch ``(B, L)``.
        n_fft: frame length (and FFT size).
        hop_length: step between frames (default ``n_fft // 4``).
        win_length: window length, zero-padded to ``n_fft`` (default ``n_fft``).
        window: the window (default rectangular, with PyTorch's warning).
        center: pad ``n_fft // 2`` on both sides with ``pad_mode`` so frame ``t`` centres on sample ``t * hop``.
        normalized: multiply by ``n_fft ** -0.5``.
        onesided: keep only the ``n_fft // 2 + 1`` non-negative frequencies (default for real input and window).
        return_complex: required for real input; ``False`` (deprecated) returns ``view_as_real`` of the result.

    Shape: ``(B?, n_freqs, n_frames)``, complex.

    Example:
        >>> import brickwork as torch
        >>> tuple(torch.stft(torch.ones(8), 4, window=torch.ones(4), return_complex=True).shape)
        (3, 9)
    """
    if return_complex is None and not input.is_complex() and not (window is not None and window.is_complex()):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if align_to_window is not None and center:
        raise ValueError("stft: align_to_window should only be set when center = false")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, got shape {tuple(input.shape)}")
    hop, win = _lengths(n_fft, hop_length, win_length, "stft")
    x = input.unsqueeze(0) if input.dim() == 1 else input
    if center:
        x = _pad(x.unsqueeze(1), (n_fft // 2, n_fft // 2), mode=pad_mode).squeeze(1)
    elif align_to_window:
        x = x[..., (n_fft - win) // 2:]
    if not 0 < n_fft <= x.shape[-1]:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {x.shape[-1]} (the padded signal's length), got "
                           f"n_fft={n_fft}")
    w = _window(window, n_fft, win, input, "")
    frames = x.unfold(-1, n_fft, hop) * w  # (B, n_frames, n_fft)
    complex_in = input.is_complex() or w.is_complex()
    if onesided is None:
        onesided = not complex_in
    if onesided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    spec = _fft.rfft(frames, dim=-1) if onesided else _fft.fft(frames, dim=-1)
    if normalized:
        spec = spec * n_fft ** -0.5
    spec = spec.transpose(-1, -2)
    if input.dim() == 1:
        spec = spec.squeeze(0)
    if not return_complex and return_complex is not None:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will "
                      "return complex tensors for all inputs, and return_complex=False will raise an error.\n"
                      "Note: you can still call torch.view_as_real on the complex output to recover the old "
                      "return format.", UserWarning, stacklevel=2)
        return view_as_real(spec)
    return spec


def istft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Tensor | None = None, center: bool = True, normalized: bool = False,
          onesided: bool | None = None, length: int | None = None, return_complex: bool = False) -> Tensor:
    """The inverse of `stft`: frames inverse-transformed, windowed, overlap-added and divided by the window envelope.

    Args:
        input: the complex spectrogram ``(B?, n_freqs, n_frames)`` from ``stft(..., return_complex=True)``.
        n_fft, hop_length, win_length, window, center, normalized: as given to `stft`.
        onesided: whether ``input`` holds only the non-negative frequencies (default: when
            ``n_freqs == n_fft // 2 + 1``).
        length: trim or zero-pad the signal to this length.
        return_complex: return the complex signal (a two-sided input); otherwise a real one.

    Example:
        >>> import brickwork as torch
        >>> x = torch.arange(16.0)
        >>> w = torch.hann_window(8)
        >>> y = torch.istft(torch.stft(x, 8, window=w, return_complex=True), 8, window=w, length=16)
        >>> bool(torch.allclose(x, y, atol=1e-5))
        True
    """
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"istft: expected a tensor with 2 or 3 dimensions of complex values, got shape "
                           f"{tuple(input.shape)}")
    hop, win = _lengths(n_fft, hop_length, win_length, "istft")
    spec = input.unsqueeze(0) if input.dim() == 2 else input
    n_freqs, n_frames = spec.shape[-2], spec.shape[-1]
    if onesided is None:
        onesided = n_freqs != n_fft
    if onesided and n_freqs != n_fft // 2 + 1:
        raise RuntimeError(f"istft: expected the frequency dimension (2nd from last) of a one-sided input to equal "
                           f"n_fft / 2 + 1 = {n_fft // 2 + 1}, got {n_freqs}")
    if not onesided and n_freqs != n_fft:
        raise RuntimeError(f"istft: expected the frequency dimension (2nd from last) of a two-sided input to equal "
                           f"n_fft = {n_fft}, got {n_freqs}")
    w = _window(window, n_fft, win, spec, "Please provide the same window used by stft to make the inversion "
                                          "lossless.")
    if normalized:
        spec = spec * n_fft ** 0.5
    spec = spec.transpose(-1, -2)  # (B, n_frames, n_freqs)
    if return_complex:
        if onesided:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
        frames = _fft.ifft(spec, n_fft, dim=-1)
    else:
        if w.is_complex():
            raise RuntimeError("Complex windows are incompatible with return_complex=False")
        frames = _fft.irfft(spec[..., :n_fft // 2 + 1] if not onesided else spec, n_fft, dim=-1)
    frames = frames * w
    total = n_fft + hop * (n_frames - 1)
    y = _overlap_add(frames, total, n_fft, hop)
    envelope = _overlap_add((w * w).abs().to(_dt.float64 if frames.dtype in (_dt.float64, _dt.complex128)
                                             else _dt.float32).expand(1, n_frames, n_fft), total, n_fft, hop)
    start = n_fft // 2 if center else 0
    end = total - n_fft // 2 if center else total
    if length is not None:
        end = start + length
    y, envelope = y[..., start:min(end, total)], envelope[..., start:min(end, total)]
    if envelope.numel() and float(envelope.abs().min()) < 1e-11:
        raise RuntimeError(f"istft: window overlap add min: {float(envelope.abs().min()):g} (the squared window "
                           "overlap-added at this hop_length is zero somewhere, so the signal cannot be recovered: "
                           "use a window with overlap, e.g. hann_window with hop_length <= n_fft // 2)")
    y = y / envelope
    if length is not None and end > total:
        warnings.warn("The length of signal is shorter than the length parameter. Result is being padded with zeros "
                      "in the tail. Please check your center and hop_length settings.", UserWarning, stacklevel=2)
        y = _pad(y, (0, end - total))
    return y.squeeze(0) if input.dim() == 2 else y


def _overlap_add(frames: Tensor, total: int, n_fft: int, hop: int) -> Tensor:
    """Sum frames ``(B, n_frames, n_fft)`` into a signal ``(B, total)``, frame ``t`` starting at ``t * hop``."""
    if frames.is_complex():
        return _complex(_overlap_add(frames.real, total, n_fft, hop), _overlap_add(frames.imag, total, n_fft, hop))
    cols = frames.transpose(-1, -2)  # (B, n_fft, n_frames): fold's columns
    return fold(cols, (1, total), (1, n_fft), stride=(1, hop)).reshape(frames.shape[0], total)
