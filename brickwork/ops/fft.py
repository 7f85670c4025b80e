"""``torch.fft``: discrete Fourier transforms (complex, real-input ``r*`` and Hermitian ``h*`` forms), the sample
frequencies and the shifts, on the array module's ``fft`` (NumPy's pocketfft, CuPy's cuFFT).

Dtypes follow PyTorch: float32 (and integer or bool) inputs give complex64 results, float64 gives complex128;
the inverse real transforms give the matching real dtype. ``norm`` is ``"backward"`` (the default: no scaling
forward, ``1/n`` inverse), ``"ortho"`` (``1/sqrt(n)`` both ways) or ``"forward"`` (``1/n`` forward).

Every transform has a gradient (the adjoint of a DFT is the opposite-sign DFT with the normalization swapped;
the one-sided ones pad or double the half spectrum), with PyTorch's convention for complex tensors; see
`brickwork.autograd.record.COMPLEX_SAFE` for the ops a complex tensor may pass through while needing a gradient.
`fftshift` and `ifftshift` are rolls and differentiate as such.

Example:
    >>> import brickwork as torch
    >>> torch.fft.fft(torch.tensor([1.0, 0.0, 0.0, 0.0]))
    tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..backends import canonical
from ._core import needs_grad, record, wrap, wrap_dim
from .movement import cat, roll

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
           "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = ("backward", "ortho", "forward")
_SWAP = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _prepare(x: Any, op: str, real_only: bool = False) -> tuple[Any, _dt.dtype]:
    """``x``'s array, promoted as PyTorch does (integers and bools to the default float), and its complex dtype."""
    if not isinstance(x, Tensor):
        raise TypeError(f"fft_{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    d = x._data
    if d.dtype.kind in "biu":
        d = d.astype(_dt.get_default_dtype().np)
    dt = _dt.from_np(d.dtype)
    if dt in (_dt.float16, _dt.bfloat16):
        raise RuntimeError(f"fft_{op}: Unsupported dtype {dt.name.capitalize()}; convert to float32 first "
                           "(x.float())")
    if real_only and d.dtype.kind == "c":
        raise RuntimeError(f"{op} expects a real input tensor, but got {dt.name.capitalize()}; use fft for "
                           "complex inputs (or take .real)")
    return d, dt.to_complex()


def _norm(norm: str | None, op: str) -> str:
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise RuntimeError(f'fft_{op}: Invalid normalization mode: "{norm}"; expected "backward", "ortho" or '
                           '"forward" (or None)')
    return norm


def _check_n(n: Any, op: str) -> None:
    if n is not None and n < 1:
        raise RuntimeError(f"fft_{op}: Invalid number of data points ({n}) specified; n must be at least 1")


def _dims(x: Tensor, s: Sequence[int] | None, dim: Any, op: str,
          half_last: bool = False) -> tuple[list[int] | None, list[int]]:
    """PyTorch's (s, dim) for an n-dimensional transform: ``dim`` defaults to the last ``len(s)`` dimensions,
    or every dimension; ``-1`` in ``s`` keeps that dimension's size (the last one's default output size
    ``2 * (m - 1)`` for the inverse real transforms, ``half_last``)."""
    nd = x._data.ndim
    if isinstance(dim, int):
        dim = [dim]
    if s is not None:
        s = [int(v) for v in s]
        if dim is None:
            if len(s) > nd:
                raise RuntimeError(f"fft_{op}: Got shape with {len(s)} values but input tensor only has {nd} "
                                   "dimensions.")
            dim = list(range(nd - len(s), nd))
        elif len(s) != len(dim):
            raise RuntimeError(f"fft_{op}: When given, dim and shape arguments must have the same length, got "
                               f"s={tuple(s)} and dim={tuple(dim)}")
    dims = list(range(nd)) if dim is None else [wrap_dim(d, nd, f"fft_{op}") for d in dim]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"fft_{op}: FFT dims must be unique, got {tuple(dim or ())}")
    if s is not None:
        for i, v in enumerate(s):
            if v == -1:
                m = x._data.shape[dims[i]]
                s[i] = 2 * (m - 1) if half_last and i == len(s) - 1 else m
            _check_n(s[i], op)
    return s, dims


def _out(r: Any, dt: _dt.dtype, x: Tensor) -> Tensor:
    return wrap(r.astype(dt.np, copy=False), x._device)


def fft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
        out: Tensor | None = None) -> Tensor:
    """The one-dimensional discrete Fourier transform over ``dim`` (zero-padded or trimmed to ``n`` points).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.fft(torch.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    """
    d, dt = _prepare(input, "fft")
    _check_n(n, "fft")
    dim = wrap_dim(dim, d.ndim, "fft_fft")
    norm = _norm(norm, "fft")
    out = _out(input._device.xp.fft.fft(d, n, dim, norm), dt, input)
    return _record(out, input, "FftC2CBackward0", _c2c_backward, [dim], norm, inverse=False)


def ifft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The one-dimensional inverse discrete Fourier transform over ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.ifft(torch.tensor([4.0, 0.0, 0.0, 0.0]))
        tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    d, dt = _prepare(input, "ifft")
    _check_n(n, "ifft")
    dim = wrap_dim(dim, d.ndim, "fft_ifft")
    norm = _norm(norm, "ifft")
    out = _out(input._device.xp.fft.ifft(d, n, dim, norm), dt, input)
    return _record(out, input, "FftC2CBackward0", _c2c_backward, [dim], norm, inverse=True)


def fftn(input: Tensor, s: Sequence[int] | None = None, dim: Any = None, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The n-dimensional discrete Fourier transform over ``dim`` (every dimension by default), sizes ``s``.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.fftn(torch.ones(2, 2))
        tensor([[4.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j]])
    """
    d, dt = _prepare(input, "fftn")
    s, dims = _dims(input, s, dim, "fftn")
    norm = _norm(norm, "fftn")
    out = _out(input._device.xp.fft.fftn(d, s, dims, norm), dt, input)
    return _record(out, input, "FftC2CBackward0", _c2c_backward, dims, norm, inverse=False)


def ifftn(input: Tensor, s: Sequence[int] | None = None, dim: Any = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The n-dimensional inverse discrete Fourier transform over ``dim`` (every dimension by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.ifftn(torch.tensor([[4.0, 0.0], [0.0, 0.0]]))
        tensor([[1.+0.j, 1.+0.j],
                [1.+0.j, 1.+0.j]])
    """
    d, dt = _prepare(input, "ifftn")
    s, dims = _dims(input, s, dim, "ifftn")
    norm = _norm(norm, "ifftn")
    out = _out(input._device.xp.fft.ifftn(d, s, dims, norm), dt, input)
    return _record(out, input, "FftC2CBackward0", _c2c_backward, dims, norm, inverse=True)


def fft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The two-dimensional discrete Fourier transform over ``dim`` (the last two by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.fft2(torch.ones(1, 2))
        tensor([[2.+0.j, 0.+0.j]])
    """
    return fftn(input, s, dim, norm)


def ifft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The two-dimensional inverse discrete Fourier transform over ``dim`` (the last two by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.ifft2(torch.tensor([[2.0, 0.0]]))
        tensor([[1.+0.j, 1.+0.j]])
    """
    return ifftn(input, s, dim, norm)


def rfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The Fourier transform of a real signal: only the ``n // 2 + 1`` non-negative frequencies.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.rfft(torch.tensor([1.0, 2.0, 3.0, 4.0]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j])
    """
    d, dt = _prepare(input, "rfft", real_only=True)
    _check_n(n, "rfft")
    dim = wrap_dim(dim, d.ndim, "fft_rfft")
    norm = _norm(norm, "rfft")
    out = _out(input._device.xp.fft.rfft(d, n, dim, norm), dt, input)
    return _record(out, input, "FftR2CBackward0", _r2c_backward, [dim], norm, conj_out=False,
                   full_last=d.shape[dim] if n is None else n)


def irfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The inverse of `rfft`: a real signal of ``n`` points (``2 * (m - 1)`` by default) from its one-sided
    spectrum of ``m`` frequencies.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.irfft(torch.fft.rfft(torch.tensor([1.0, 2.0, 3.0, 4.0])))
        tensor([1., 2., 3., 4.])
    """
    d, dt = _prepare(input, "irfft")
    dim = wrap_dim(dim, d.ndim, "fft_irfft")
    _check_n(2 * (d.shape[dim] - 1) if n is None else n, "irfft")
    norm = _norm(norm, "irfft")
    out = _out(input._device.xp.fft.irfft(d, n, dim, norm), dt.to_real(), input)
    return _record(out, input, "FftC2RBackward0", _c2r_backward, [dim], norm, conj_in=False)


def _last_size(d: Any, s: list[int] | None, dims: list[int], op: str) -> list[int]:
    """``s`` for an inverse real transform: the last dimension defaults to ``2 * (m - 1)`` points."""
    if s is None:
        s = [d.shape[i] for i in dims[:-1]] + [2 * (d.shape[dims[-1]] - 1)]
    _check_n(s[-1] if s else 1, op)
    return s


def rfftn(input: Tensor, s: Sequence[int] | None = None, dim: Any = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The n-dimensional Fourier transform of a real signal; the last of ``dim`` keeps the non-negative
    frequencies only.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.rfftn(torch.ones(2, 4)).shape
        brickwork.Size([2, 3])
    """
    d, dt = _prepare(input, "rfftn", real_only=True)
    s, dims = _dims(input, s, dim, "rfftn")
    norm = _norm(norm, "rfftn")
    out = _out(input._device.xp.fft.rfftn(d, s, dims, norm), dt, input)
    return _record(out, input, "FftR2CBackward0", _r2c_backward, dims, norm, conj_out=False,
                   full_last=d.shape[dims[-1]] if s is None else s[-1])


def irfftn(input: Tensor, s: Sequence[int] | None = None, dim: Any = None, norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """The inverse of `rfftn` (the last of ``dim`` has ``2 * (m - 1)`` output points unless ``s`` says).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.irfftn(torch.fft.rfftn(torch.ones(2, 4)))
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.]])
    """
    d, dt = _prepare(input, "irfftn")
    s, dims = _dims(input, s, dim, "irfftn", half_last=True)
    s = _last_size(d, s, dims, "irfftn")
    norm = _norm(norm, "irfftn")
    out = _out(input._device.xp.fft.irfftn(d, s, dims, norm), dt.to_real(), input)
    return _record(out, input, "FftC2RBackward0", _c2r_backward, dims, norm, conj_in=False)


def rfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The two-dimensional `rfftn` over ``dim`` (the last two by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.rfft2(torch.ones(2, 4)).shape
        brickwork.Size([2, 3])
    """
    return rfftn(input, s, dim, norm)


def irfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """The two-dimensional `irfftn` over ``dim`` (the last two by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.irfft2(torch.ones(2, 3)).shape
        brickwork.Size([2, 4])
    """
    return irfftn(input, s, dim, norm)


def hfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
         out: Tensor | None = None) -> Tensor:
    """The Fourier transform of a Hermitian-symmetric signal given by its first half: a real spectrum of ``n``
    points (``2 * (m - 1)`` by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.hfft(torch.tensor([1.0, 0.0, 0.0]))
        tensor([1., 1., 1., 1.])
    """
    d, dt = _prepare(input, "hfft")
    dim = wrap_dim(dim, d.ndim, "fft_hfft")
    _check_n(2 * (d.shape[dim] - 1) if n is None else n, "hfft")
    norm = _norm(norm, "hfft")
    out = _out(input._device.xp.fft.hfft(d, n, dim, norm), dt.to_real(), input)
    return _record(out, input, "FftC2RBackward0", _c2r_backward, [dim], norm, conj_in=True)


def ihfft(input: Tensor, n: int | None = None, dim: int = -1, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The inverse of `hfft`: the first half (``n // 2 + 1`` points) of the inverse transform of a real signal.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.ihfft(torch.tensor([1.0, 2.0, 3.0, 4.0]))[1]
        tensor(-0.5000-0.5000j)
    """
    d, dt = _prepare(input, "ihfft", real_only=True)
    _check_n(n, "ihfft")
    dim = wrap_dim(dim, d.ndim, "fft_ihfft")
    norm = _norm(norm, "ihfft")
    out = _out(input._device.xp.fft.ihfft(d, n, dim, norm), dt, input)
    return _record(out, input, "FftR2CBackward0", _r2c_backward, [dim], norm, conj_out=True,
                   full_last=d.shape[dim] if n is None else n)


def hfftn(input: Tensor, s: Sequence[int] | None = None, dim: Any = None, norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The n-dimensional `hfft`: the last of ``dim`` holds half of a Hermitian-symmetric signal.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.hfftn(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
        tensor([[1., 1.],
                [1., 1.]])
    """
    d, dt = _prepare(input, "hfftn")
    s, dims = _dims(input, s, dim, "hfftn", half_last=True)
    s = _last_size(d, s, dims, "hfftn")
    xp = input._device.xp
    # hfftn is irfftn of the conjugate with the normalization swapped (NumPy has only the 1-d hfft)
    r = xp.fft.irfftn(xp.conj(d), s, dims, _SWAP[_norm(norm, "hfftn")])
    out = _out(r, dt.to_real(), input)
    return _record(out, input, "FftC2RBackward0", _c2r_backward, dims, _norm(norm, "hfftn"), conj_in=True)


def ihfftn(input: Tensor, s: Sequence[int] | None = None, dim: Any = None, norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """The inverse of `hfftn`: the conjugate of `rfftn` with the normalization swapped.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.ihfftn(torch.tensor([[1.0, 2.0], [3.0, 5.0]])).real
        tensor([[ 2.7500, -0.7500],
                [-1.2500,  0.2500]])
    """
    d, dt = _prepare(input, "ihfftn", real_only=True)
    s, dims = _dims(input, s, dim, "ihfftn")
    xp = input._device.xp
    out = _out(xp.conj(xp.fft.rfftn(d, s, dims, _SWAP[_norm(norm, "ihfftn")])), dt, input)
    return _record(out, input, "FftR2CBackward0", _r2c_backward, dims, _norm(norm, "ihfftn"), conj_out=True,
                   full_last=d.shape[dims[-1]] if s is None else s[-1])


def hfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The two-dimensional `hfftn` over ``dim`` (the last two by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.hfft2(torch.ones(2, 3)).shape
        brickwork.Size([2, 4])
    """
    return hfftn(input, s, dim, norm)


def ihfft2(input: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1), norm: str | None = None, *,
           out: Tensor | None = None) -> Tensor:
    """The two-dimensional `ihfftn` over ``dim`` (the last two by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.ihfft2(torch.ones(2, 4)).shape
        brickwork.Size([2, 3])
    """
    return ihfftn(input, s, dim, norm)


# -- gradients: the adjoint of a DFT is the DFT of the opposite sign with the normalization swapped ----------

def _resize(t: Tensor, dims: list[int], shape: tuple) -> Tensor:
    """``t`` trimmed or zero-padded at the end of each of ``dims`` to ``shape`` (undoing a transform's ``n``)."""
    for d in dims:
        have, want = t.shape[d], shape[d]
        if have > want:
            t = t.narrow(d, 0, want)
        elif have < want:
            pad = list(t.shape)
            pad[d] = want - have
            t = cat([t, t.new_zeros(tuple(pad))], d)
    return t


def _grad_like(g: Tensor, node: Any) -> Tensor:
    """The gradient for the transform's input: its shape restored, its real part for a real input."""
    g = _resize(g, node.dims, node.in_shape)
    return g.real.contiguous() if node.real_in else g


def _record(out: Tensor, x: Tensor, name: str, backward: Any, dims: list[int], norm: str, **attrs: Any) -> Tensor:
    if needs_grad(x):
        record(out, name, backward, (x,), dims=dims, norm=norm, in_shape=tuple(x.shape),
               real_in=x._data.dtype.kind != "c", **attrs)
    return out


def _c2c_backward(node: Any, g: Tensor) -> tuple:
    adjoint = fftn if node.inverse else ifftn
    return (_grad_like(adjoint(g, None, node.dims, _SWAP[node.norm]), node),)


def _r2c_backward(node: Any, g: Tensor) -> tuple:
    # the one-sided spectrum is the full one with the negative frequencies dropped: pad them back as zeros
    if node.conj_out:  # ihfft: conj(rfft(x)), so the gradient of rfft's output is conj(g)
        g = g.conj()
    last, n = node.dims[-1], node.full_last
    pad = list(g.shape)
    pad[last] = n - g.shape[last]
    full = cat([g, g.new_zeros(tuple(pad))], last) if pad[last] > 0 else g
    norm = _SWAP[node.norm] if node.conj_out else node.norm
    return (_grad_like(ifftn(full, None, node.dims, _SWAP[norm]), node),)


def _c2r_backward(node: Any, g: Tensor) -> tuple:
    # irfft reads each of the frequencies 1 .. ceil(n/2) - 1 twice (itself and its conjugate mirror)
    norm = _SWAP[node.norm] if node.conj_in else node.norm
    spec = rfftn(g, None, node.dims, _SWAP[norm])
    last, n = node.dims[-1], g.shape[node.dims[-1]]
    m = spec.shape[last]
    xp = g._device.xp
    twice = xp.where((xp.arange(m) > 0) & (2 * xp.arange(m) != n), 2.0, 1.0).astype(g._data.dtype)
    shape = [1] * spec.ndim
    shape[last] = m
    spec = spec * wrap(twice.reshape(shape), g._device)
    return (_grad_like(spec.conj() if node.conj_in else spec, node),)


def _freq(values: np.ndarray, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    dt = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    dev = canonical(device)
    arr = values.astype(dt.np)
    t = wrap(arr if dev.type == "cpu" else dev.backend.from_host(arr, dev.index), dev)
    return t.requires_grad_() if requires_grad else t


def fftfreq(n: int, d: float = 1.0, *, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point `fft` with sample spacing ``d``: ``[0, 1, ..., -1] / (d * n)``.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.fftfreq(4)
        tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    return _freq(np.fft.fftfreq(n, d), dtype, device, requires_grad)


def rfftfreq(n: int, d: float = 1.0, *, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point `rfft`: ``[0, 1, ..., n // 2] / (d * n)``.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.rfftfreq(5, 0.1)
        tensor([0., 2., 4.])
    """
    return _freq(np.fft.rfftfreq(n, d), dtype, device, requires_grad)


def _shift(input: Tensor, dim: Any, sign: int, op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"fft_{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    nd = input._data.ndim
    dims = list(range(nd)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [wrap_dim(d, nd, f"fft_{op}") for d in dims]
    if not dims:
        return input
    return roll(input, [sign * (input._data.shape[d] // 2) for d in dims], dims)


def fftshift(input: Tensor, dim: Any = None) -> Tensor:
    """The zero frequency moved to the centre: a roll by ``n // 2`` along ``dim`` (every dimension by default).

    Example:
        >>> import brickwork as torch
        >>> torch.fft.fftshift(torch.fft.fftfreq(4))
        tensor([-0.5000, -0.2500,  0.0000,  0.2500])
    """
    return _shift(input, dim, 1, "fftshift")


def ifftshift(input: Tensor, dim: Any = None) -> Tensor:
    """The inverse of `fftshift`: a roll by ``-(n // 2)`` along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.fft.ifftshift(torch.fft.fftshift(torch.arange(5)))
        tensor([0, 1, 2, 3, 4])
    """
    return _shift(input, dim, -1, "ifftshift")
