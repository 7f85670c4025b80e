"""Complex tensors: building them (`complex`, `polar`, `view_as_complex`), taking them apart (``.real``,
``.imag``, `view_as_real`, `angle`) and conjugation.

NumPy does the complex arithmetic, so the elementwise ops, ``matmul`` and ``torch.fft`` work on complex64 and
complex128 tensors as they are. Gradients follow PyTorch's convention (for a real loss L and z = x + iy, the
gradient is dL/dx + i dL/dy) through the ops listed in `brickwork.autograd.record.COMPLEX_SAFE`: the FFTs,
`complex`, `view_as_complex`/`view_as_real`, ``.real``/``.imag``, `abs`, `angle`, `conj`, ``+``, ``-``, ``*``,
sums, means and the reshaping and indexing ops; any other op whose complex result would need a gradient raises,
and a complex tensor cannot itself be a leaf that requires grad (make the leaf a real (real, imag) pair).
``conj`` copies (PyTorch's is a lazy view with a conjugate bit), so `is_conj` and `is_neg` are always False and
`resolve_conj`/`resolve_neg` return their input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ._core import make_view, needs_grad, record, same_device, sum_to, wrap
from .elementwise import make_inplace
from .movement import _mT, _T

__all__ = ["real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg", "angle",
           "complex", "polar", "view_as_real", "view_as_complex", "is_complex", "adjoint", "conj_physical_"]


def _check(x: Any, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def is_complex(input: Tensor) -> bool:
    """Whether ``input`` has a complex dtype.

    Example:
        >>> import brickwork as torch
        >>> torch.is_complex(torch.tensor([1j])), torch.tensor([1.0]).is_complex()
        (True, False)
    """
    return _check(input, "is_complex")._data.dtype.kind == "c"


def real(input: Tensor) -> Tensor:
    """The real parts of a complex tensor, as a writable view; a real tensor is returned as it is.

    Example:
        >>> import brickwork as torch
        >>> z = torch.tensor([1 + 2j, 3 - 1j]); z.real[0] = 5; z
        tensor([5.+2.j, 3.-1.j])
    """
    if _check(input, "real")._data.dtype.kind != "c":
        return input
    out = make_view(wrap(input._data.real, input._device), input)
    if needs_grad(input):
        record(out, "RealBackward0", lambda node, g: (g.to(node.dtype),), (input,), dtype=input.dtype)
    return out


def imag(input: Tensor) -> Tensor:
    """The imaginary parts of a complex tensor, as a writable view.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1 + 2j, 3 - 1j]).imag
        tensor([ 2., -1.])
    """
    if _check(input, "imag")._data.dtype.kind != "c":
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes (got {input.dtype}); "
                           "build a complex tensor first, e.g. torch.complex(x, torch.zeros_like(x))")
    out = make_view(wrap(input._data.imag, input._device), input)
    if needs_grad(input):  # d/d(imag): the gradient i g
        record(out, "ImagBackward0", lambda node, g: (g.to(node.dtype) * 1j,), (input,), dtype=input.dtype)
    return out


def _set_part(which: str) -> Any:
    def setter(self: Tensor, value: Any) -> None:
        (real if which == "real" else imag)(self).copy_(value if isinstance(value, Tensor) else
                                                        wrap(np.asarray(value), self._device))

    setter.__name__ = f"_set_{which}"
    return setter


def conj(input: Tensor) -> Tensor:
    """The complex conjugate (a copy; a real tensor is returned as it is).

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([1 + 2j]).conj()
        tensor([1.-2.j])
    """
    if _check(input, "conj")._data.dtype.kind != "c":
        return input
    out = wrap(input._device.xp.conj(input._data), input._device)
    if needs_grad(input):
        record(out, "ConjBackward0", lambda node, g: (conj(g),), (input,))
    return out


def conj_physical(input: Tensor) -> Tensor:
    """The complex conjugate, computed now (as brickwork's ``conj`` always is); a real tensor is copied.

    Example:
        >>> import brickwork as torch
        >>> torch.conj_physical(torch.tensor([2 - 1j]))
        tensor([2.+1.j])
    """
    if _check(input, "conj_physical")._data.dtype.kind != "c":
        return input.clone()
    return conj(input)


conj_physical_ = make_inplace(conj_physical, "conj_physical_")
conj_physical_.__doc__ = """Conjugate ``input`` in place; returns it.

    Example:
        >>> import brickwork as torch
        >>> z = torch.tensor([1 + 1j]); _ = torch.conj_physical_(z); z
        tensor([1.-1.j])
    """


def resolve_conj(input: Tensor) -> Tensor:
    """``input`` with a pending conjugation applied; brickwork's ``conj`` is never lazy, so ``input`` itself.

    Example:
        >>> import brickwork as torch
        >>> z = torch.tensor([1j]); torch.resolve_conj(z) is z
        True
    """
    return _check(input, "resolve_conj")


def resolve_neg(input: Tensor) -> Tensor:
    """``input`` with a pending negation applied; brickwork has no lazy negation, so ``input`` itself.

    Example:
        >>> import brickwork as torch
        >>> z = torch.tensor([1j]); torch.resolve_neg(z) is z
        True
    """
    return _check(input, "resolve_neg")


def is_conj(input: Tensor) -> bool:
    """Whether ``input`` carries a lazy conjugate bit: never in brickwork (``conj`` copies).

    Example:
        >>> import brickwork as torch
        >>> torch.is_conj(torch.tensor([1j]).conj())
        False
    """
    _check(input, "is_conj")
    return False


def is_neg(input: Tensor) -> bool:
    """Whether ``input`` carries a lazy negative bit: never in brickwork.

    Example:
        >>> import brickwork as torch
        >>> torch.is_neg(torch.tensor([1j]))
        False
    """
    _check(input, "is_neg")
    return False


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of (a batch of) matrices: the last two dimensions swapped, then conjugated.

    Example:
        >>> import brickwork as torch
        >>> torch.adjoint(torch.tensor([[1 + 1j, 2j]]))
        tensor([[1.-1.j],
                [0.-2.j]])
    """
    if _check(input, "adjoint")._data.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got "
                           f"{input._data.ndim}-D tensor.")
    return conj(_mT(input))


def _H(input: Tensor) -> Tensor:
    if input._data.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {input._data.ndim}-D tensor.")
    return conj(_T(input))


def angle(input: Tensor) -> Tensor:
    """The argument of each element in radians: ``atan2(imag, real)``; for real tensors 0, or pi where negative.

    Example:
        >>> import brickwork as torch
        >>> torch.angle(torch.tensor([1j, -1.0]))
        tensor([1.5708, 3.1416])
    """
    d = _check(input, "angle")._data
    if d.dtype.kind in "biu":
        d = d.astype(_dt.get_default_dtype().np)
    r = wrap(input._device.xp.angle(d).astype(d.real.dtype, copy=False), input._device)
    if needs_grad(input):
        record(r, "AngleBackward0", _angle_backward, (input,), (input,))
    return r


def _angle_backward(node: Any, g: Tensor) -> tuple:
    (z,) = node.saved_tensors
    if z._data.dtype.kind != "c":  # a real input: the angle is piecewise constant
        return (g * 0,)
    sq = z.abs().square()
    return (g * wrap((z._data * 1j) / z._device.xp.where(sq._data > 0, sq._data, 1), z._device),)


def _refuse_grad(op: str, *ts: Tensor) -> None:
    """Raise where a complex result would need a gradient this op cannot give."""
    if needs_grad(*ts):
        raise RuntimeError(f"{op}: the result is complex and an input requires grad, but brickwork does not "
                           "differentiate through complex tensors yet; pass x.detach() or work under "
                           "torch.no_grad()")


def _component_dtypes(a: Tensor, b: Tensor, op: str) -> None:
    for t in (a, b):
        _check(t, op)
    if a.dtype not in (_dt.float32, _dt.float64) or b.dtype is not a.dtype:
        raise RuntimeError(f"{op}: expected both inputs to be float32 or float64 with the same dtype, got "
                           f"{a.dtype} and {b.dtype}; convert them with .float() or .double()")


def complex(real: Tensor, imag: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A001 - PyTorch's name
    """The complex tensor ``real + imag * 1j`` (inputs broadcast; float32 gives complex64, float64 complex128).

    Example:
        >>> import brickwork as torch
        >>> torch.complex(torch.tensor([1.0, 2.0]), torch.tensor([3.0, -1.0]))
        tensor([1.+3.j, 2.-1.j])
    """
    _component_dtypes(real, imag, "complex")
    re, im, dev = same_device("complex", real, imag)
    out = wrap((re + 1j * im).astype(real.dtype.to_complex().np, copy=False), dev)
    if needs_grad(real, imag):
        record(out, "ComplexBackward0", _complex_backward, (real, imag), (real, imag))
    return out


def _complex_backward(node: Any, g: Tensor) -> tuple:
    re, im = node.saved_tensors
    xp = g._device.xp
    return (sum_to(wrap(xp.ascontiguousarray(g._data.real), g._device), re),
            sum_to(wrap(xp.ascontiguousarray(g._data.imag), g._device), im))


def polar(abs: Tensor, angle: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The complex tensor with magnitudes ``abs`` and arguments ``angle``: ``abs * (cos(angle) + 1j sin(angle))``.

    Example:
        >>> import brickwork as torch
        >>> torch.polar(torch.tensor([2.0]), torch.tensor([0.0]))
        tensor([2.+0.j])
    """
    _component_dtypes(abs, angle, "polar")
    _refuse_grad("polar", abs, angle)
    r, t, dev = same_device("polar", abs, angle)
    xp = dev.xp
    return wrap((r * xp.cos(t) + 1j * (r * xp.sin(t))).astype(abs.dtype.to_complex().np, copy=False), dev)


def view_as_real(input: Tensor) -> Tensor:
    """A real view of a complex tensor with a new last dimension of size 2 holding (real, imag).

    Example:
        >>> import brickwork as torch
        >>> torch.view_as_real(torch.tensor([1 + 2j]))
        tensor([[1., 2.]])
    """
    d = _check(input, "view_as_real")._data
    if d.dtype.kind != "c":
        raise RuntimeError(f"view_as_real is only supported for complex tensors, got {input.dtype}; "
                           "torch.complex(x, y) builds one")
    flat = d.reshape(d.shape + (1,)).view(d.real.dtype)  # a view: the trailing unit dimension holds both parts
    out = make_view(wrap(flat, input._device), input)
    if needs_grad(input):
        record(out, "ViewAsRealBackward0", lambda node, g: (view_as_complex(g.contiguous()),), (input,))
    return out


def view_as_complex(input: Tensor) -> Tensor:
    """A complex view of a float32/float64 tensor whose last dimension has size 2 and stride 1 (real, imag).

    Example:
        >>> import brickwork as torch
        >>> torch.view_as_complex(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([1.+2.j, 3.+4.j])
    """
    d = _check(input, "view_as_complex")._data
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"view_as_complex is only supported for float32 and float64 tensors, but got a tensor "
                           f"of scalar type: {input.dtype}")
    if d.ndim == 0 or d.shape[-1] != 2:
        raise RuntimeError(f"Tensor must have a last dimension of size 2, got shape {tuple(d.shape)}")
    if d.size == 0:  # no elements: the strides say nothing
        return make_view(wrap(input._device.xp.empty(d.shape[:-1], input.dtype.to_complex().np), input._device), input)
    if d.strides[-1] != d.itemsize or any(s % (2 * d.itemsize) for s, n in zip(d.strides[:-1], d.shape) if n > 1):
        raise RuntimeError("Tensor must have a last dimension with stride 1 and other strides divisible by 2; "
                           "call .contiguous() first")
    c = d.view(input.dtype.to_complex().np)[..., 0]
    out = make_view(wrap(c, input._device), input)
    if needs_grad(input):
        record(out, "ViewAsComplexBackward0", lambda node, g: (view_as_real(g),), (input,))
    return out

