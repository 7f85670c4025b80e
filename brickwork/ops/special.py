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

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ._core import binary_arrays, like, record, sum_to, xp_of
from ._special import erf as _erf, erfinv as _erfinv
from .elementwise import exp, log, log1p, sign, where
from .elementwise_extra import _bessel_i, _i1
from .gamma import _ZETA_TAIL, _shift_up, _unary as _gamma_unary

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


def _unary(input: Tensor, name: str, kernel: Any, backward: Any, out: Tensor | None) -> Tensor:
    """`gamma._unary` with ``kernel`` run on a flat array, so that 0-d inputs stay arrays (not NumPy scalars)."""
    return _gamma_unary(input, name, lambda x: kernel(x.reshape(-1)).reshape(x.shape), backward, out)


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
        >>> torch.special.log_ndtr(torch.tensor([-10.0, 0.0]))
        tensor([-53.2313,  -0.6931])
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
        tensor([0.0000, 0.3466, -0.0000])
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
    def quiet(x: Any) -> Any:
        with np.errstate(all="ignore"):  # the branches not taken see out-of-range arguments
            return kernel(x)

    def op(input: Tensor, *, out: Tensor | None = None) -> Tensor:
        return _unary(input, name, quiet, None, out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""``{name}(x)``, elementwise in float64; no gradient (as in PyTorch).

    Example:
        >>> import brickwork as torch
        >>> torch.special.{name}(torch.tensor([1.0, 3.0])).shape
        brickwork.Size([2])
    """
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


def _bessel_k(nu: float, x: Any, scaled: bool) -> Any:
    """``K_nu(x)`` for ``nu`` in (0, 1) (and, above x = 2, any real ``nu``): the trapezoidal rule on
    ``integral_0^inf exp(-x cosh t) cosh(nu t) dt``, whose integrand is even and analytic in a strip, so the rule
    converges geometrically (step 1/16: 1e-16), up to
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
        rule = (xp.exp(-z * (xp.cosh(t) - 1) - lead * z) * xp.cosh(nu * t) * w).sum(-1)
        r = xp.where(near, small, xp.where(far, asym, rule))
    return xp.where(xp.isnan(x) | (x < 0), math.nan, xp.where(x == 0, math.inf, r))


def _finite(kernel: Any) -> Any:
    """``kernel`` with nan at +-inf, as PyTorch's ``modified_bessel_i0``/``i1`` give."""
    return lambda x: xp_of(x).where(xp_of(x).isinf(x), math.nan, kernel(x))


modified_bessel_i0 = _no_grad("modified_bessel_i0", _finite(lambda x: _bessel_i(0, x)))
modified_bessel_i1 = _no_grad("modified_bessel_i1", _finite(lambda x: _bessel_i(1, x)))
modified_bessel_k0 = _no_grad("modified_bessel_k0", lambda x: _bessel_k(0, x, False))
modified_bessel_k1 = _no_grad("modified_bessel_k1", lambda x: _bessel_k(1, x, False))
scaled_modified_bessel_k0 = _no_grad("scaled_modified_bessel_k0", lambda x: _bessel_k(0, x, True))
scaled_modified_bessel_k1 = _no_grad("scaled_modified_bessel_k1", lambda x: _bessel_k(1, x, True))


# -- Bessel functions of the first and second kind ----------------------------------------------------------

_FFT_NODES = 128  # J_m(x) for |x| <= 25 and m < 64 from 128 nodes: the aliased J_(128 - m)(x) is below 1e-18


def _bessel_jy(x: Any) -> tuple[Any, Any, Any, Any]:
    """``(J0, J1, Y0, Y1)`` at float64 ``x >= 0``. Up to x = 25 all ``J_m(x)`` come at once from the Jacobi-Anger
    expansion ``exp(-i x sin t) = sum_m J_m(x) exp(-i m t)`` sampled at 128 points (an inverse FFT; the error falls
    geometrically), and ``Y0``, ``Y1`` from Neumann's series ``Y0 = (2/pi)(log(x/2) + gamma) J0 - (4/pi) sum_k
    (-1)^k J_2k / k`` and its derivative; beyond, Hankel's asymptotic expansion."""
    xp = xp_of(x)
    near = x <= 25
    a = xp.where(near, x, 1.0)
    t = 2 * math.pi * xp.arange(_FFT_NODES) / _FFT_NODES
    j = xp.fft.ifft(xp.exp(-1j * a[..., None] * xp.sin(t)), axis=-1).real
    k = xp.arange(1, 31)
    sign = (-1.0) ** k
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = xp.log(a / 2) + _EULER
        y0 = 2 / math.pi * log_term * j[..., 0] - 4 / math.pi * (sign * j[..., 2 * k] / k).sum(-1)
        y1 = (-(2 / math.pi) * (j[..., 0] / a - log_term * j[..., 1])
              + 4 / math.pi * (sign * (j[..., 2 * k - 1] - j[..., 2 * k + 1]) / (2 * k)).sum(-1))
    z = xp.where(near, 26.0, x)
    far = []
    for nu in (0, 1):
        mu = 4 * nu * nu
        p, q, term = xp.ones_like(z), xp.zeros_like(z), xp.ones_like(z)
        for m in range(1, 40):  # the terms fall below 1e-17 relative by m = 40 for x > 25
            term = term * (mu - (2 * m - 1) ** 2) / (m * 8 * z)
            if m % 2:
                q = q + (term if m % 4 == 1 else -term)
            else:
                p = p + (-term if m % 4 == 2 else term)
        chi = z - (nu / 2 + 0.25) * math.pi
        amp = xp.sqrt(2 / (math.pi * z))
        far.append((amp * (p * xp.cos(chi) - q * xp.sin(chi)), amp * (p * xp.sin(chi) + q * xp.cos(chi))))
    return (xp.where(near, j[..., 0], far[0][0]), xp.where(near, j[..., 1], far[1][0]),
            xp.where(near, y0, far[0][1]), xp.where(near, y1, far[1][1]))


def _j(nu: int) -> Any:
    def kernel(x: Any) -> Any:
        xp = xp_of(x)
        r = _bessel_jy(xp.abs(xp.where(xp.isfinite(x), x, 0.0)))[nu]
        r = r * xp.sign(x) if nu else r
        return xp.where(xp.isfinite(x), r, math.nan)  # nan at +-inf too, as PyTorch (Cephes) gives

    return kernel


def _y(nu: int) -> Any:
    def kernel(x: Any) -> Any:
        xp = xp_of(x)
        r = _bessel_jy(xp.where((x > 0) & xp.isfinite(x), x, 1.0))[2 + nu]
        return xp.where(x == 0, -math.inf, xp.where((x < 0) | ~xp.isfinite(x), math.nan, r))

    return kernel


def _sinc_unnormalised(x: Any) -> Any:
    xp = xp_of(x)
    with np.errstate(invalid="ignore"):
        xs = xp.where(x == 0, 1.0, x)
        r = xp.sin(xs) / xs
    return xp.where(x == 0, 1.0, xp.where(xp.isinf(x), 0.0, r))


bessel_j0 = _no_grad("bessel_j0", _j(0))
bessel_j1 = _no_grad("bessel_j1", _j(1))
bessel_y0 = _no_grad("bessel_y0", _y(0))
bessel_y1 = _no_grad("bessel_y1", _y(1))
spherical_bessel_j0 = _no_grad("spherical_bessel_j0", _sinc_unnormalised)


# -- functions of two arguments: the Hurwitz zeta function and the orthogonal polynomials -------------------

def _binary(input: Any, other: Any, name: str, kernel: Any, out: Tensor | None) -> Tensor:
    """``kernel(x, y)`` on float64 arrays, in the promoted float dtype of ``input`` and ``other`` (either may be a
    number); no gradient, as in PyTorch."""
    from .._tensor import _make
    from .elementwise import _out

    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): expected a Tensor for input or n/other, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    da, db, dev = binary_arrays(input, other, name)
    xp = dev.xp
    # dtypes only (NumPy's result_type on device arrays would need CuPy's)
    kinds = [d.dtype if hasattr(d, "dtype") else d for d in (da, db)]
    kind = np.result_type(*kinds) if hasattr(db, "dtype") or not hasattr(da, "dtype") else da.dtype
    dtype = _dt.get_default_dtype().np if np.dtype(kind).kind in "biu" else np.dtype(kind)
    a, b = xp.broadcast_arrays(xp.asarray(da, dtype=np.float64), xp.asarray(db, dtype=np.float64))
    with np.errstate(all="ignore"):
        r = kernel(a.reshape(-1), b.reshape(-1)).reshape(a.shape).astype(dtype, copy=False)
    return _out(_make(r, dev), out)


def _zeta_array(s: Any, q: Any) -> Any:
    """``sum_k (q + k)^-s``: the direct sum up to ``q + k >= s + 10``, then the Euler-Maclaurin tail (as
    `gamma.zeta_array`, for real ``s``); inf at ``s = 1`` and at the poles, nan for ``s < 1``, as Cephes gives."""
    xp = xp_of(q)
    finite = s[xp.isfinite(s)]
    bound = float(min(max(float(finite.max()) if finite.size else 2.0, 2.0), 60.0)) + 10.0
    z, head = _shift_up(q, bound, xp, lambda t: t ** -s)
    tail = z ** (1 - s) / (s - 1) + 0.5 * z ** -s
    rising, power = s.copy(), z ** (-s - 1)
    for j, c in enumerate(_ZETA_TAIL):
        tail = tail + c * rising * power
        rising = rising * (s + 2 * j + 1) * (s + 2 * j + 2)
        power = power / (z * z)
    r = head + tail
    pole = (q <= 0) & (q == xp.floor(q))
    r = xp.where(pole, math.inf, xp.where((q < 0) & (s != xp.floor(s)), math.nan, r))
    r = xp.where(s == 1, math.inf, xp.where((s < 1) | (q == math.inf), math.nan, r))
    return xp.where(xp.isnan(s) | xp.isnan(q), math.nan, r)


def zeta(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The Hurwitz zeta function ``zeta(x, q) = sum_k (k + q)^-x`` (``q = 1`` is Riemann's).

    Differentiable in ``other`` only (``d/dq zeta(x, q) = -x zeta(x + 1, q)``), as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.special.zeta(torch.tensor([2.0, 4.0]), 1.0)
        tensor([1.6449, 1.0823])
    """
    r = _binary(input, other, "zeta", _zeta_array, None)
    if STATE.enabled and any(isinstance(t, Tensor) and t._requires_grad for t in (input, other)):
        x_t, q_t = (t if isinstance(t, Tensor) else None for t in (input, other))
        record(r, "SpecialZetaBackward0" if x_t is not None and q_t is not None else "SpecialZetaBackward1"
               if q_t is not None else "SpecialZetaBackward2", _zeta_backward, (x_t, q_t),
               tuple(t for t in (x_t, q_t) if t is not None), likes=(like(input), like(other)),
               x_scalar=None if x_t is not None else input)
    from .elementwise import _out
    return _out(r, out)


def _zeta_backward(node: Any, g: Tensor) -> tuple:
    ex, eq = node.edges
    if ex is not None:
        raise NotImplementedError("the derivative for 'zeta' is not implemented.")
    saved = node.saved_tensors
    x = saved[0] if node.x_scalar is None else node.x_scalar
    return (None, sum_to(-g * x * zeta(x + 1, saved[-1]), node.likes[1]))


def _recurrence(p1: Any, step: Any) -> Any:
    """A polynomial kernel ``(x, n)``: ``P_0 = 1``, ``P_1 = p1(x)``, ``P_(k+1) = step(k, x, P_k, P_(k-1))``, read at
    the degree ``n`` (truncated to an integer, as PyTorch does; 0 for ``n < 0``)."""
    def kernel(x: Any, n: Any) -> Any:
        xp = xp_of(x)
        n = xp.trunc(xp.where(xp.isfinite(n), n, -1.0))
        prev, cur = xp.ones_like(x), p1(x)
        r = xp.where(n == 0, prev, xp.where(n == 1, cur, 0.0))
        for k in range(1, int(n.max()) if n.size else 0):
            prev, cur = cur, step(k, x, cur, prev)
            r = xp.where(n == k + 1, cur, r)
        return r

    return kernel


def _polynomial(name: str, summary: str, example: str, kernel: Any) -> Any:
    def op(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
        return _binary(input, n, name, kernel, out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""{summary}; no gradient.

    Example:
        >>> import brickwork as torch
        >>> torch.special.{name}(torch.tensor([0.5, 2.0]), 3)
        {example}
    """
    return op


def _chebyshev(p1: Any, shifted: bool) -> Any:
    inner = _recurrence(p1, lambda k, x, cur, prev: 2 * x * cur - prev)
    return (lambda x, n: inner(2 * x - 1, n)) if shifted else inner


_CHEBYSHEV = {"t": lambda x: x, "u": lambda x: 2 * x, "v": lambda x: 2 * x - 1, "w": lambda x: 2 * x + 1}
_KIND = {"t": "first", "u": "second", "v": "third", "w": "fourth"}
_EXAMPLES = {"t": "tensor([-1., 26.])", "u": "tensor([-1., 56.])", "v": "tensor([-1., 41.])",
             "w": "tensor([-1., 71.])", "shifted_t": "tensor([-0., 99.])", "shifted_u": "tensor([ -0., 204.])",
             "shifted_v": "tensor([  1., 169.])", "shifted_w": "tensor([ -1., 239.])"}
chebyshev_polynomial_t = _polynomial("chebyshev_polynomial_t", "The Chebyshev polynomial of the first kind T_n(x)",
                                     _EXAMPLES["t"], _chebyshev(_CHEBYSHEV["t"], False))
chebyshev_polynomial_u = _polynomial("chebyshev_polynomial_u", "The Chebyshev polynomial of the second kind U_n(x)",
                                     _EXAMPLES["u"], _chebyshev(_CHEBYSHEV["u"], False))
chebyshev_polynomial_v = _polynomial("chebyshev_polynomial_v", "The Chebyshev polynomial of the third kind V_n(x)",
                                     _EXAMPLES["v"], _chebyshev(_CHEBYSHEV["v"], False))
chebyshev_polynomial_w = _polynomial("chebyshev_polynomial_w", "The Chebyshev polynomial of the fourth kind W_n(x)",
                                     _EXAMPLES["w"], _chebyshev(_CHEBYSHEV["w"], False))
shifted_chebyshev_polynomial_t = _polynomial(
    "shifted_chebyshev_polynomial_t", "The shifted Chebyshev polynomial of the first kind T_n(2x - 1)",
    _EXAMPLES["shifted_t"], _chebyshev(_CHEBYSHEV["t"], True))
shifted_chebyshev_polynomial_u = _polynomial(
    "shifted_chebyshev_polynomial_u", "The shifted Chebyshev polynomial of the second kind U_n(2x - 1)",
    _EXAMPLES["shifted_u"], _chebyshev(_CHEBYSHEV["u"], True))
shifted_chebyshev_polynomial_v = _polynomial(
    "shifted_chebyshev_polynomial_v", "The shifted Chebyshev polynomial of the third kind V_n(2x - 1)",
    _EXAMPLES["shifted_v"], _chebyshev(_CHEBYSHEV["v"], True))
shifted_chebyshev_polynomial_w = _polynomial(
    "shifted_chebyshev_polynomial_w", "The shifted Chebyshev polynomial of the fourth kind W_n(2x - 1)",
    _EXAMPLES["shifted_w"], _chebyshev(_CHEBYSHEV["w"], True))
hermite_polynomial_h = _polynomial(
    "hermite_polynomial_h", "The physicists' Hermite polynomial H_n(x)", "tensor([-5., 40.])",
    _recurrence(lambda x: 2 * x, lambda k, x, cur, prev: 2 * x * cur - 2 * k * prev))
hermite_polynomial_he = _polynomial(
    "hermite_polynomial_he", "The probabilists' Hermite polynomial He_n(x)", "tensor([-1.3750,  2.0000])",
    _recurrence(lambda x: x, lambda k, x, cur, prev: x * cur - k * prev))
laguerre_polynomial_l = _polynomial(
    "laguerre_polynomial_l", "The Laguerre polynomial L_n(x)", "tensor([-0.1458, -0.3333])",
    _recurrence(lambda x: 1 - x, lambda k, x, cur, prev: ((2 * k + 1 - x) * cur - k * prev) / (k + 1)))
legendre_polynomial_p = _polynomial(
    "legendre_polynomial_p", "The Legendre polynomial P_n(x)", "tensor([-0.4375, 17.0000])",
    _recurrence(lambda x: x, lambda k, x, cur, prev: ((2 * k + 1) * x * cur - k * prev) / (k + 1)))


_AI0, _AIP0 = 0.355028053887817239, 0.258819403792806798  # Ai(0) and -Ai'(0)


def _airy_ai_array(x: Any) -> Any:
    """Ai(x): the Maclaurin series ``Ai(0) f(x) + Ai'(0) g(x)`` on [-7, 2.08], above it ``sqrt(x/3) K_1/3(z) / pi``
    with ``z = 2/3 x^1.5``, below it the oscillating asymptotic expansion (DLMF 9.7.9)."""
    xp = xp_of(x)
    mid = (x >= -7) & (x <= 2.08)
    a = xp.where(mid, x, 0.0)
    cube = a * a * a
    f, g = xp.ones_like(a), a.copy()
    tf, tg = xp.ones_like(a), a.copy()
    for k in range(60):
        tf = tf * cube / ((3 * k + 2) * (3 * k + 3))
        tg = tg * cube / ((3 * k + 3) * (3 * k + 4))
        f, g = f + tf, g + tg
    series = _AI0 * f - _AIP0 * g
    right = xp.where(x > 2.08, x, 3.0)
    zr = 2 / 3 * right ** 1.5
    decaying = xp.sqrt(right / 3) / math.pi * _bessel_k(1 / 3, zr, False)
    left = xp.where(x < -7, -x, 8.0)
    zl = 2 / 3 * left ** 1.5
    u, even, odd = 1.0, xp.ones_like(zl), xp.zeros_like(zl)
    power = xp.ones_like(zl)
    for k in range(1, 30):
        u = u * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k)
        power = power / zl
        sign = (-1.0) ** (k // 2)
        if k % 2:
            odd = odd + sign * u * power
        else:
            even = even + sign * u * power
    phase = zl + math.pi / 4
    oscillating = (xp.sin(phase) * even - xp.cos(phase) * odd) / (math.sqrt(math.pi) * left ** 0.25)
    r = xp.where(mid, series, xp.where(x > 2.08, decaying, oscillating))
    return xp.where(xp.isfinite(x), r, math.nan)


airy_ai = _no_grad("airy_ai", _airy_ai_array)
