"""More elementwise number functions: ``hypot``, ``copysign``, ``heaviside``, ``gcd``/``lcm``, ``ldexp``/``frexp``,
``nextafter``, ``signbit``, ``sinc``, ``logit``, ``xlogy``, degree conversions, the Bessel function ``i0``,
and the predicates ``isposinf``/``isneginf``/``isreal``.

Each op is its forward and, right below it, its backward, in tensor ops so that it differentiates again; the
in-place variants (``x.hypot_(y)``) close the file. Dtypes and errors follow PyTorch: the float-only ops raise
`NotImplementedError` (a `RuntimeError`) for integer tensors, as PyTorch's CPU kernels do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import return_types
from .._tensor import Tensor
from ._core import binary_arrays, like, needs_grad, record, renamed, sum_to, wrap, xp_of
from ..autograd.record import record_binary
from .elementwise import (_operands, _tensor_inputs, _unary, cos, exp2, make_inplace, mul, pow, sin,
                          where)

# PyTorch's names for dtypes in "not implemented for 'Long'"
_C_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _not_implemented(op: str, d: Any, needs: str) -> NotImplementedError:
    name = str(_dt.from_np(d.dtype)).split(".")[-1]
    return NotImplementedError(f"\"{op}_cpu\" not implemented for '{_C_NAMES.get(name, name)}': {op} needs {needs}; "
                               "convert the tensor first (x.float() or x.long())")


def _tensor_arg(op: str, value: Any, name: str = "other") -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be Tensor, not {type(value).__name__}")


def _floats(op: str, a: Tensor, b: Tensor) -> tuple[Any, Any, Any]:
    """The promoted arrays of a float-only binary op (PyTorch has no integer kernel for these)."""
    da, db, dev = binary_arrays(a, b, op)
    if not _dt.from_np(da.dtype).is_floating_point:
        raise _not_implemented(op, da, "floating point tensors")
    return da, db, dev


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow, elementwise with broadcasting.

    Example:
        >>> import brickwork as torch
        >>> torch.hypot(torch.tensor([3.0, 5.0]), torch.tensor([4.0, 12.0]))
        tensor([ 5., 13.])
    """
    _tensor_arg("hypot", other)
    da, db, dev = _floats("hypot", input, other)
    r = wrap(dev.xp.hypot(da, db), dev)
    if needs_grad(input, other):
        record(r, "HypotBackward0", _hypot_backward, (input, other), (input, other), save_output=True)
    return r


def _hypot_backward(node: Any, g: Tensor) -> tuple:
    a, b = node.saved_tensors
    ea, eb = node.edges
    gr = g / node.output()
    return (None if ea is None else sum_to(gr * a, a), None if eb is None else sum_to(gr * b, b))


def copysign(input: Tensor, other: Any) -> Tensor:
    """The magnitude of ``input`` with the sign of ``other`` (a tensor or number; ``-0.0`` counts as negative).

    Example:
        >>> import brickwork as torch
        >>> torch.copysign(torch.tensor([1, -2, 3]), torch.tensor([-0.0, 1.0, -1.0]))
        tensor([-1.,  2., -3.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"copysign(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    da, db, dev = binary_arrays(input, other, "copysign", true_div=True)  # integers give floats
    r = wrap(dev.xp.copysign(da, db), dev)
    if needs_grad(input, other):
        name = "CopysignBackward0" if isinstance(other, Tensor) else "CopysignBackward1"
        record(r, name, _copysign_backward, _tensor_inputs(input, other), (input,), save_output=True,
               likes=(like(input), like(other)))
    return r


def _copysign_backward(node: Any, g: Tensor) -> tuple:
    (a,), (la, lb), (ea, eb) = node.saved_tensors, node.likes, node.edges
    ga = None if ea is None else sum_to(g * where(a == 0, 0.0, node.output() / a), la)
    return ga, None if eb is None else sum_to(g * 0, lb)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where ``input < 0``, 1 where ``input > 0``, ``values`` where it is 0 (no gradient).

    Example:
        >>> import brickwork as torch
        >>> torch.heaviside(torch.tensor([-1.5, 0.0, 2.0]), torch.tensor([0.5]))
        tensor([0.0000, 0.5000, 1.0000])
    """
    _tensor_arg("heaviside", values, "values")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes (got {input.dtype} "
                           f"and {values.dtype}); convert one, e.g. values.to(input.dtype)")
    da, db, dev = binary_arrays(input, values, "heaviside")
    xp = dev.xp
    r = wrap(xp.where(da == 0, db, (da > 0).astype(da.dtype)), dev)
    if needs_grad(input, values):  # PyTorch records the op and refuses its backward
        record(r, "HeavisideBackward0", _heaviside_backward, (input, values))
    return r


def _heaviside_backward(node: Any, g: Tensor) -> tuple:
    raise RuntimeError("the derivative for heaviside is not implemented (as in PyTorch); detach its inputs, or use "
                       "a smooth step such as sigmoid(k * x)")


def _integer_op(name: str, f: str) -> Any:
    def op(input: Tensor, other: Tensor) -> Tensor:
        _tensor_arg(name, other)
        da, db, dev = binary_arrays(input, other, name)
        if da.dtype.kind not in "iu":
            raise _not_implemented(name, da, "integer tensors")
        return wrap(getattr(dev.xp, f)(da, db), dev)

    op.__name__ = op.__qualname__ = name
    what = "greatest common divisor" if name == "gcd" else "least common multiple"
    shown = "tensor([4, 6, 5])" if name == "gcd" else "tensor([24, 36,  0])"
    op.__doc__ = (f"The {what} of integer tensors, elementwise (non-negative; no gradient).\n\n"
                  f"    Example:\n        >>> import brickwork as torch\n"
                  f"        >>> torch.{name}(torch.tensor([12, -18, 0]), torch.tensor([8, 12, 5]))\n"
                  f"        {shown}\n")
    return op


gcd = _integer_op("gcd", "gcd")
lcm = _integer_op("lcm", "lcm")


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """``input * 2 ** other``: a float tensor (integers become the default float dtype).

    Example:
        >>> import brickwork as torch
        >>> torch.ldexp(torch.tensor([1.0, 3.0]), torch.tensor([3, -1]))
        tensor([8.0000, 1.5000])
    """
    _tensor_arg("ldexp", other)
    x = input.to(_dt.get_default_dtype()) if input._data.dtype.kind in "biu" else input
    e = other.to(x.dtype) if other._data.dtype.kind in "biu" else other  # 2 ** e in input's precision
    return renamed(mul(x, pow(2.0, e)), "LdexpBackward0", input, other)


def frexp(input: Tensor) -> Any:
    """Split into ``(mantissa, exponent)`` with ``input == mantissa * 2 ** exponent``, ``0.5 <= |mantissa| < 1``.

    The exponent is int32 and has no gradient; the mantissa's gradient is ``grad / 2 ** exponent``.

    Example:
        >>> import brickwork as torch
        >>> m, e = torch.frexp(torch.tensor([8.0, 0.3, -5.0]))
        >>> m, e
        (tensor([ 0.5000,  0.6000, -0.6250]), tensor([ 4, -1,  3], dtype=brickwork.int32))
    """
    d = input._data
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"torch.frexp() only supports floating-point dtypes, got {input.dtype}; convert the "
                           "tensor first, e.g. x.float()")
    m, e = input._device.xp.frexp(d)
    mantissa, exponent = wrap(m.astype(d.dtype, copy=False), input._device), wrap(e.astype(np.int32), input._device)
    if needs_grad(input):
        record(mantissa, "FrexpBackward0", _frexp_backward, (input,), (exponent,))
    return return_types.frexp(mantissa, exponent)


def _frexp_backward(node: Any, g: Tensor) -> tuple:
    (e,) = node.saved_tensors
    return (g / exp2(e.to(g.dtype)),)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """The next floating point value after ``input`` towards ``other``.

    Example:
        >>> import brickwork as torch
        >>> (torch.nextafter(torch.tensor([1.0]), torch.tensor([2.0])) - 1).item() == torch.finfo().eps
        True
    """
    _tensor_arg("nextafter", other)
    da, db, dev = _floats("nextafter", input, other)
    r = wrap(dev.xp.nextafter(da, db), dev)
    if needs_grad(input, other):  # PyTorch: the gradient passes to input where it moves, none to other
        record(r, "NextafterBackward0", _nextafter_backward, (input, other), (input, other),
               likes=(like(input), like(other)))
    return r


def _nextafter_backward(node: Any, g: Tensor) -> tuple:
    (a, b), (la, lb), (ea, eb) = node.saved_tensors, node.likes, node.edges
    return (None if ea is None else sum_to(g * (a != b), la), None if eb is None else sum_to(g * 0, lb))


def signbit(input: Tensor) -> Tensor:
    """Where the sign bit is set (negative numbers and ``-0.0``), as a bool tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.signbit(torch.tensor([-0.0, 0.0, -2.0, 3.0]))
        tensor([ True, False,  True, False])
    """
    d = input._data
    xp = input._device.xp
    return wrap(xp.signbit(d) if d.dtype.kind == "f" else d < 0 if d.dtype.kind == "i" else xp.zeros(d.shape, bool),
                input._device)


def sinc(input: Tensor) -> Tensor:
    """The normalized sinc function ``sin(pi x) / (pi x)``, 1 at 0.

    Example:
        >>> import brickwork as torch
        >>> torch.sinc(torch.tensor([0.0, 0.5]))
        tensor([1.0000, 0.6366])
    """
    return _unary(input, _sinc_array, "SincBackward0", _sinc_backward)


def _sinc_array(d: Any) -> Any:
    if d.dtype.itemsize == 2:  # half precision: computed in float32 and rounded once, as PyTorch's CPU kernel
        return xp_of(d).sinc(d.astype(np.float32)).astype(d.dtype)
    return xp_of(d).sinc(d)


def _sinc_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    xs = where(x == 0, 1.0, x)  # a safe divisor: the gradient at 0 is 0, and so are its own derivatives' inputs
    px = xs * math.pi
    d = (cos(px) * px - sin(px)) / (px * xs)
    return (g * where(x == 0, 0.0, d),)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(p / (1 - p))``, the inverse of `sigmoid`; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``.

    Example:
        >>> import brickwork as torch
        >>> torch.logit(torch.tensor([0.25, 0.5, 1.0]), eps=1e-6)
        tensor([-1.0986,  0.0000, 13.8023])
    """
    def f(d: Any) -> Any:
        xp = xp_of(d)
        if eps is not None:
            d = xp.clip(d, eps, 1 - eps)
        with np.errstate(divide="ignore"):
            return xp.log(d / (1 - d))

    r = _unary(input, f, "LogitBackward0", None)
    if needs_grad(input):
        record(r, "LogitBackward0", _logit_backward, (input,), (input,), eps=eps)
    return r


def _logit_backward(node: Any, g: Tensor) -> tuple:
    (x,), eps = node.saved_tensors, node.eps
    gx = g / (x * (1 - x))
    if eps is not None:  # the clamped region has zero gradient (its bounds included in the slope)
        gx = where((x < eps) | (x > 1 - eps), 0.0, gx)
    return (gx,)


def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN); either may be a number.

    Example:
        >>> import brickwork as torch
        >>> torch.xlogy(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.0, 2.0, 3.0]))
        tensor([0.0000, 0.6931, 2.1972])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"xlogy(): expected a Tensor for input or other, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    da, db, dev = binary_arrays(input, other, "xlogy", true_div=True)
    xp = dev.xp
    if not hasattr(db, "dtype"):  # a number: its log in input's dtype, not NumPy's float64
        db = xp.asarray(db, dtype=da.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        prod = da * xp.log(db)
    r = wrap(xp.where((da == 0) & ~xp.isnan(db), xp.zeros((), prod.dtype), prod), dev)
    if needs_grad(input, other):
        name = "XlogyBackward1" if not isinstance(input, Tensor) else "XlogyBackward0" if isinstance(
            other, Tensor) else "XlogyBackward2"
        record_binary(r, name, _xlogy_backward, input, other, True)
    return r


def _xlogy_backward(node: Any, g: Tensor) -> tuple:
    a, b = _operands(node)
    (la, lb), (ea, eb) = node.likes, node.edges
    ga = gb = None
    if ea is not None:
        ga = sum_to(where((a == 0) & (b <= 0), 0.0, xlogy(g, b)), la)
    if eb is not None:
        gb = sum_to(g * a / b, lb)
    return ga, gb


def _degrees(name: str, factor: float, backward_name: str) -> Any:
    def op(input: Tensor) -> Tensor:
        x = input.to(_dt.get_default_dtype()) if input._data.dtype.kind in "biu" else input
        return renamed(mul(x, factor), backward_name, input)

    op.__name__ = op.__qualname__ = name
    shown = "tensor([3.1416, 1.5708])" if name == "deg2rad" else "tensor([180.,  90.])"
    arg = "[180, 90]" if name == "deg2rad" else "[math.pi, math.pi / 2]"
    op.__doc__ = (f"Convert angles {'from degrees to radians' if name == 'deg2rad' else 'from radians to degrees'}.\n\n"
                  f"    Example:\n        >>> import math\n        >>> import brickwork as torch\n"
                  f"        >>> torch.{name}(torch.tensor({arg}))\n        {shown}\n")
    return op


deg2rad = _degrees("deg2rad", math.pi / 180, "Deg2RadBackward0")
rad2deg = _degrees("rad2deg", 180 / math.pi, "Rad2DegBackward0")


# -- the modified Bessel functions of the first kind, orders 0 and 1 -------------------------------------------

def _bessel_i(nu: int, d: Any, scaled: bool = False) -> Any:
    """``I_nu(d)`` (times ``exp(-|d|)`` if ``scaled``) for ``nu`` in (0, 1), computed in float64: the power series up to |x| = 30, and above it the
    asymptotic expansion ``e^x / sqrt(2 pi x) * sum_k (-1)^k prod_j (4 nu^2 - (2j - 1)^2) / (k! (8x)^k)``, whose
    terms fall below 1e-20 relative by k = 30 there."""
    xp = xp_of(d)
    x = d.astype(np.float64)
    ax = xp.abs(x)
    small = ax <= 30
    half = xp.where(small, ax, 0.0) / 2
    q = half * half
    term = half if nu else xp.ones_like(half)
    total = term
    for k in range(1, 60):  # terms peak near k = |x| / 2 and are below 1e-30 of the sum by k = 60
        term = term * q / (k * (k + nu))
        total = total + term
    big = xp.where(small, 31.0, ax)
    mu, t, s = 4 * nu * nu, xp.ones_like(big), xp.ones_like(big)
    for k in range(1, 31):
        t = t * (-(mu - (2 * k - 1) ** 2)) / (k * 8 * big)
        s = s + t
    if scaled:
        total = total * xp.exp(-half * 2)
    with np.errstate(over="ignore"):
        asym = xp.exp((0.0 if scaled else big) - 0.5 * xp.log(2 * math.pi * big)) * s
    r = xp.where(small, total, asym)
    return r * xp.sign(x) if nu else r


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0.

    Example:
        >>> import brickwork as torch
        >>> torch.i0(torch.tensor([0.0, 1.0, -2.0]))
        tensor([1.0000, 1.2661, 2.2796])
    """
    return _unary(input, lambda d: _bessel_i(0, d).astype(d.dtype), "I0Backward0",
                  lambda n, g: (g * _i1(n.saved_tensors[0]),))


def _i1(x: Tensor) -> Tensor:
    """``I_1(x)``, the derivative of `i0`, itself differentiable: ``I_1'(x) = I_0(x) - I_1(x) / x`` (1/2 at 0)."""
    return _unary(x, lambda d: _bessel_i(1, d).astype(d.dtype), "SpecialI1Backward0", _i1_backward)


def _i1_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    xs = where(x == 0, 1.0, x)
    return (g * where(x == 0, 0.5, i0(x) - _i1(x) / xs),)


# -- predicates ----------------------------------------------------------------------------------------------

def isposinf(input: Tensor) -> Tensor:
    """Where elements are positive infinity.

    Example:
        >>> import brickwork as torch
        >>> torch.isposinf(torch.tensor([float("-inf"), 1.0, float("inf")]))
        tensor([False, False,  True])
    """
    d = input._data
    return wrap(d == np.inf if d.dtype.kind == "f" else input._device.xp.zeros(d.shape, bool), input._device)


def isneginf(input: Tensor) -> Tensor:
    """Where elements are negative infinity.

    Example:
        >>> import brickwork as torch
        >>> torch.isneginf(torch.tensor([float("-inf"), 1.0, float("inf")]))
        tensor([ True, False, False])
    """
    d = input._data
    return wrap(d == -np.inf if d.dtype.kind == "f" else input._device.xp.zeros(d.shape, bool), input._device)


def isreal(input: Tensor) -> Tensor:
    """Where elements are real: everywhere for a real dtype, where the imaginary part is 0 for a complex one.

    Example:
        >>> import brickwork as torch
        >>> torch.isreal(torch.tensor([1.0, 2.0])), torch.isreal(torch.tensor([1 + 0j, 1j]))
        (tensor([True, True]), tensor([ True, False]))
    """
    d = input._data
    return wrap(d.imag == 0 if d.dtype.kind == "c" else input._device.xp.ones(d.shape, bool), input._device)


# -- in-place variants (see `make_inplace`) ------------------------------------------------------------------

copysign_ = make_inplace(copysign, "copysign_", "-1")
deg2rad_ = make_inplace(deg2rad, "deg2rad_")
gcd_ = make_inplace(gcd, "gcd_", "torch.tensor([4, 9])", "[6, 6]")
heaviside_ = make_inplace(heaviside, "heaviside_", "torch.tensor([0.5])")
hypot_ = make_inplace(hypot, "hypot_", "x")
i0_ = make_inplace(i0, "i0_")
lcm_ = make_inplace(lcm, "lcm_", "torch.tensor([4, 9])", "[6, 6]")
ldexp_ = make_inplace(ldexp, "ldexp_", "torch.tensor([2, 3])")
logit_ = make_inplace(logit, "logit_")
nextafter_ = make_inplace(nextafter, "nextafter_", "x + 1")
rad2deg_ = make_inplace(rad2deg, "rad2deg_")
sinc_ = make_inplace(sinc, "sinc_")
xlogy_ = make_inplace(xlogy, "xlogy_", "2")
