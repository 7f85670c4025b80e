"""``torch.special``'s own functions: the normal distribution (``ndtr``, ``log_ndtr``, ``ndtri``), ``erfcx``,
``entr``, ``xlog1py``, the Hurwitz ``zeta``, the Bessel family and the classical orthogonal polynomials.

The kernels work on float64 arrays through the array module ``xp`` (NumPy or CuPy) and are cast back to the input's
float dtype by `gamma._unary`; each differentiable op's gradient is written beside it from brickwork ops, so it can
be differentiated again. The Bessel functions and polynomials have no gradient in PyTorch either.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor
from ._core import xp_of
from ._special import erf as _erf, erfinv as _erfinv
from .elementwise import exp, log, log1p, sign, where
from .elementwise_extra import _bessel_i, _i1
from .gamma import _BERNOULLI, _shift_up, _unary

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "entr", "erfcx",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log_ndtr", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
           "modified_bessel_k1", "ndtr", "ndtri", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "spherical_bessel_j0", "xlog1py", "zeta"]

_SQRT2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2 * math.pi)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_EULER = 0.57721566490153286061


# -- the error function, scaled, and the normal distribution ------------------------------------------------

def _erfcx_array(x: Any) -> Any:
    """``exp(x^2) erfc(x)``: ``exp(x^2) (1 - erf(x))`` below 1 (no cancellation there), then the Laplace continued
    fraction ``1 / (sqrt(pi) (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))))``, evaluated bottom up; 200 levels
    reach full float64 accuracy from x = 1."""
    xp = xp_of(x)
    low = x < 1
    with np.errstate(over="ignore", invalid="ignore"):
        a = xp.where(low, x, 0.0)
        near = xp.exp(a * a) * (1 - _erf(a))
        z = xp.where(low, 1.0, x)
        f = z
        for k in range(200, 0, -1):
            f = z + (k / 2) / f
        far = 1 / (math.sqrt(math.pi) * f)
    return xp.where(low, near, far)


def _erfc_array(x: Any) -> Any:
    """``erfc(x)`` with full relative accuracy in the upper tail (where ``1 - erf(x)`` cancels)."""
    xp = xp_of(x)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        return xp.where(x < 1, 1 - _erf(x), _erfcx_array(x) * xp.exp(-x * x))


def _log_ndtr_array(x: Any) -> Any:
    xp = xp_of(x)
    t = -x / _SQRT2
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = xp.log(0.5 * _erfcx_array(xp.where(x < -1, t, 1.0))) - t * t
        body = xp.log1p(-0.5 * _erfc_array(xp.where(x < -1, 0.0, -t)))
    return xp.where(x < -1, tail, body)


def _ndtri_array(p: Any) -> Any:
    """The normal quantile: a start from ``erfinv`` (or, below 1e-3, Abramowitz & Stegun 26.2.23), then Newton
    steps on ``log_ndtr(x) = log(q)`` for the lower half ``q = min(p, 1 - p)`` and the sign flipped above 1/2."""
    xp = xp_of(p)
    q = xp.minimum(p, 1 - p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        qs = xp.where((q > 0) & (q <= 0.5), q, 0.25)
        t = xp.sqrt(-2 * xp.log(qs))
        tail = -(t - (2.515517 + t * (0.802853 + 0.010328 * t)) / (1 + t * (1.432788 + t * (0.189269 + 0.001308 * t))))
        x = xp.where(qs < 1e-3, tail, _SQRT2 * _erfinv(2 * qs - 1))
        target = xp.log(qs)
        for _ in range(4):
            lnd = _log_ndtr_array(x)
            x = x - (lnd - target) * xp.exp(lnd + 0.5 * x * x) * _SQRT_2PI
        x = xp.where(p > 0.5, -x, x)
        x = xp.where(p == 0.5, 0.0, x)
    x = xp.where(p == 0, -math.inf, xp.where(p == 1, math.inf, x))
    return xp.where((p < 0) | (p > 1) | xp.isnan(p), math.nan, x)


def erfcx(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The scaled complementary error function ``exp(x^2) erfc(x)``, finite where ``erfc`` underflows.

    Example:
        >>> import brickwork as torch
        >>> torch.special.erfcx(torch.tensor([0.0, 1.0, 100.0]))
        tensor([1.0000, 0.4276, 0.0056])
    """
    return _unary(input, "erfcx", _erfcx_array, _erfcx_backward, out)


def _erfcx_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    return (g * (2 * x * erfcx(x) - _TWO_OVER_SQRT_PI),)


def ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The standard normal distribution function ``(1 + erf(x / sqrt(2))) / 2``, accurate in both tails.

    Example:
        >>> import brickwork as torch
        >>> torch.special.ndtr(torch.tensor([-1.0, 0.0, 1.0]))
        tensor([0.1587, 0.5000, 0.8413])
    """
    return _unary(input, "ndtr", lambda x: 0.5 * _erfc_array(-x / _SQRT2), _ndtr_backward, out)


def _ndtr_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    return (g * exp(-0.5 * x * x) / _SQRT_2PI,)


def log_ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(ndtr(x))``, finite far into the lower tail (through `erfcx`).

    Example:
        >>> import brickwork as torch
        >>> torch.special.log_ndtr(torch.tensor([-40.0, 0.0]))
        tensor([-804.6084,   -0.6931])
    """
    return _unary(input, "log_ndtr", _log_ndtr_array, _log_ndtr_backward, out)


def _log_ndtr_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    return (g * exp(-0.5 * x * x - log_ndtr(x)) / _SQRT_2PI,)


def ndtri(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of `ndtr`, the standard normal quantile function (``-inf`` at 0, ``inf`` at 1).

    Example:
        >>> import brickwork as torch
        >>> torch.special.ndtri(torch.tensor([0.025, 0.5, 0.975]))
        tensor([-1.9600,  0.0000,  1.9600])
    """
    return _unary(input, "ndtri", _ndtri_array, _ndtri_backward, out)


def _ndtri_backward(node: Any, g: Tensor) -> tuple:
    (p,) = node.saved_tensors
    x = ndtri(p)
    return (g * _SQRT_2PI * exp(0.5 * x * x),)


# -- entropy terms -----------------------------------------------------------------------------------------

def entr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise entropy term ``-x log(x)``: 0 at 0 and ``-inf`` below it.

    Example:
        >>> import brickwork as torch
        >>> torch.special.entr(torch.tensor([0.0, 0.5, 1.0]))
        tensor([0.0000, 0.3466, 0.0000])
    """
    def f(x: Any) -> Any:
        xp = xp_of(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = -x * xp.log(xp.where(x > 0, x, 1.0))
        return xp.where(x < 0, -math.inf, xp.where(x == 0, 0.0, r))

    return _unary(input, "entr", f, _entr_backward, out)


def _entr_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    return (g * -(log(x) + 1),)


def xlog1py(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is NaN); either may be a number.

    Example:
        >>> import brickwork as torch
        >>> torch.special.xlog1py(torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 1.0]))
        tensor([0.0000, 1.3863])
    """
    from .creation import tensor
    from .elementwise import _out, isnan

    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"xlog1py(): expected a Tensor for input or other, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    ref = input if isinstance(input, Tensor) else other
    a = input if isinstance(input, Tensor) else tensor(input, device=ref.device)
    b = other if isinstance(other, Tensor) else tensor(float(other), dtype=a.dtype, device=ref.device)
    zero = (a == 0) & ~isnan(b)
    safe = where(zero, 0.0, b)  # so that the masked branch's gradient stays finite
    return _out(where(zero, 0.0, a * log1p(safe)), out)


# -- modified Bessel functions -------------------------------------------------------------------------------

def _no_grad(name: str, kernel: Any) -> Any:
    """A function without a gradient (as in PyTorch): ``kernel`` on float64 arrays, in ``input``'s float dtype."""
    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        return _unary(input, name, kernel, None, out)

    op.__name__ = op.__qualname__ = name
    return op


def i0e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I_0(x)``.

    Example:
        >>> import brickwork as torch
        >>> torch.special.i0e(torch.tensor([0.0, 1.0, 1e4]))
        tensor([1.0000, 0.4658, 0.0040])
    """
    return _unary(input, "i0e", lambda x: _bessel_i(0, x, scaled=True), _i0e_backward, out)


def _i0e_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    return (g * (i1e(x) - sign(x) * i0e(x)),)


def i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1, ``I_1(x)``.

    Example:
        >>> import brickwork as torch
        >>> torch.special.i1(torch.tensor([0.0, 1.0, -2.0]))
        tensor([ 0.0000,  0.5652, -1.5906])
    """
    from .elementwise import _out

    return _out(_i1(input), out)


def i1e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I_1(x)``.

    Example:
        >>> import brickwork as torch
        >>> torch.special.i1e(torch.tensor([0.0, 1.0, -3.0]))
        tensor([ 0.0000,  0.2079, -0.1968])
    """
    return _unary(input, "i1e", lambda x: _bessel_i(1, x, scaled=True), _i1e_backward, out)


def _i1e_backward(node: Any, g: Tensor) -> tuple:
    (x,) = node.saved_tensors
    xs = where(x == 0, 1.0, x)
    return (g * where(x == 0, 0.5, i0e(x) - i1e(x) * (sign(x) + 1 / xs)),)


def _bessel_k(nu: int, x: Any, scaled: bool) -> Any:
    """``K_nu(x)`` for ``nu`` in (0, 1): the trapezoidal rule on ``integral_0^inf exp(-x cosh t) cosh(nu t) dt``,
    whose integrand is even and analytic in a strip, so the rule converges geometrically (step 1/16: 1e-16), up to
    x = 20; beyond, the asymptotic series ``sqrt(pi / 2x) e^-x sum_k prod_j (4 nu^2 - (2j - 1)^2) / (j 8x)``, whose
    30th term is below 1e-16 there. ``scaled`` leaves out the factor ``e^-x``; nan below 0, inf at 0."""
    xp = xp_of(x)
    far = x > 20
    big = xp.where(far, x, 21.0)
    term, series = xp.ones_like(big), xp.ones_like(big)
    for j in range(1, 31):
        term = term * (4 * nu * nu - (2 * j - 1) ** 2) / (j * 8 * big)
        series = series + term
    with np.errstate(under="ignore"):
        asym = xp.sqrt(math.pi / (2 * big)) * series * (1.0 if scaled else xp.exp(-big))
    near = x <= 2  # the power series (DLMF 10.31.1), with psi(k + 1) = H_k - gamma
    a = xp.where(near & (x > 0), x, 1.0)
    q = a * a / 4
    log_half = xp.log(a / 2)
    term = xp.ones_like(a) if nu == 0 else a / 4
    psi_k, psi_nk, acc = -_EULER, -_EULER + nu, xp.zeros_like(a)
    for k in range(30):
        acc = acc + (psi_k + psi_nk) * term
        term = term * q / ((k + 1) * (k + 1 + nu))
        psi_k, psi_nk = psi_k + 1 / (k + 1), psi_nk + 1 / (k + 1 + nu)
    if nu == 0:
        small = -log_half * _bessel_i(0, a) + acc / 2
    else:
        small = 1 / a + log_half * _bessel_i(1, a) - acc
    if scaled:
        small = small * xp.exp(a)
    z = xp.where(~(x > 0) | far | near, 3.0, x)[..., None]
    h = 1 / 16
    t = xp.arange(0, 128) * h  # for x > 2 the integrand is below 1e-300 of its peak by t = 8
    w = xp.full(t.shape, h)
    w[0] = h / 2
    with np.errstate(over="ignore", under="ignore"):
        lead = 0.0 if scaled else 1.0
        r = xp.where(near, small, xp.where(far, asym, (xp.exp(-z * (xp.cosh(t) - 1) - lead * z) * xp.cosh(nu * t) * w).sum(-1)))
    return xp.where(xp.isnan(x) | (x < 0), math.nan, xp.where(x == 0, math.inf, r))


modified_bessel_i0 = _no_grad("modified_bessel_i0", lambda x: _bessel_i(0, x))
modified_bessel_i1 = _no_grad("modified_bessel_i1", lambda x: _bessel_i(1, x))
modified_bessel_k0 = _no_grad("modified_bessel_k0", lambda x: _bessel_k(0, x, False))
modified_bessel_k1 = _no_grad("modified_bessel_k1", lambda x: _bessel_k(1, x, False))
scaled_modified_bessel_k0 = _no_grad("scaled_modified_bessel_k0", lambda x: _bessel_k(0, x, True))
scaled_modified_bessel_k1 = _no_grad("scaled_modified_bessel_k1", lambda x: _bessel_k(1, x, True))
