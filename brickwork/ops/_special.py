"""Special functions on raw arrays: the error function and its inverse, for NumPy and CuPy alike.

NumPy has no ``erf``; these are vectorised over whole arrays (no per-element Python) from published
approximations. On NumPy, large arrays are processed in blocks so the temporaries stay in cache, which makes
these long chains of elementwise ops about a third faster.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, Callable

import numpy

__all__ = ["erf", "erfinv"]

_BLOCK = 1 << 16  # elements per block on NumPy

# Polynomial coefficients, highest degree first. ``*_MONIC`` polynomials have an implicit leading 1.
# float64 erf, Cephes ndtr.c (S. L. Moshier, Cephes Math Library 2.2, 1992):
#   erf(x) = x T(x^2) / U(x^2) for |x| < 1, and erfc(x) = exp(-x^2) P(x) / Q(x) for 1 <= x < 8.
_T = (9.60497373987051638749e0, 9.00260197203842689217e1, 2.23200534594684319226e3,
      7.00332514112805075473e3, 5.55923013010394962768e4)
_U_MONIC = (3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
            2.26290000613890934246e4, 4.92673942608635921086e4)
_P = (2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687e0,
      4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
      9.34528527171957607540e2, 1.02755188689515710272e3, 5.57535335369399327526e2)
_Q_MONIC = (1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
            9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
            1.65666309194161350182e3, 5.57535340817727675546e2)
# float32 erf, Arm Optimized Routines erff (minimax, 2019-2020):
#   erf(x) = x + x A(x^2) for |x| < 0.875, and erf(x) = 1 - exp(-(x + x B(x))) for 0.875 <= x < 4.
_A = tuple(float.fromhex(h) for h in (
    "-0x1.3a1a82p-11", "0x1.473f48p-08", "-0x1.b68bd2p-06", "0x1.ce1a46p-04", "-0x1.8126e0p-02",
    "0x1.06eba6p-03"))
_NEG_B = tuple(-float.fromhex(h) for h in (  # B negated, saving a negation before exp
    "0x1.222900p-16", "-0x1.91d2ccp-12", "0x1.fd1336p-9", "-0x1.8d6300p-6", "0x1.b55cb0p-4",
    "0x1.450aa0p-1", "0x1.079d0cp-3"))
# Initial guess for erfinv, M. Giles, "Approximating the erfinv function", GPU Computing Gems Jade (2011):
#   erfinv(y) ~ y G(w - 2.5) for w = -log(1 - y^2) < 5, and y H(sqrt(w) - 3) beyond.
_G = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
      -0.00417768164, 0.246640727, 1.50140941)
_H = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
      0.00943887047, 1.00167406, 2.83297682)
_TWO_OVER_SQRT_PI = 1.1283791670955126
_LOG2 = 0.6931471805599453


def _array_module(x: Any) -> ModuleType:
    """NumPy, or CuPy for a CuPy array (never importing CuPy: a CuPy array means it is loaded)."""
    if isinstance(x, (numpy.ndarray, numpy.generic)):
        return numpy
    root = type(x).__module__.partition(".")[0]
    return sys.modules[root] if root == "cupy" else numpy


def _poly(z: Any, coeffs: tuple[float, ...], monic: bool = False) -> Any:
    """``coeffs`` as a polynomial in ``z`` (highest degree first, after a leading 1 if ``monic``), by Horner."""
    r = z + coeffs[0] if monic else z * coeffs[0] + coeffs[1]
    for c in coeffs[1 if monic else 2:]:
        r *= z
        r += c
    return r


def _select(xp: ModuleType, mask: Any, a: Any, b: Any) -> Any:
    """``where(mask, a, b)`` for finite ``a`` and ``b``, by arithmetic: NumPy's ``where`` is slow on random masks."""
    m = mask.astype(a.dtype)
    a *= m
    m -= 1
    b *= m
    a -= b
    return a


def _erf_f32(x: Any, xp: ModuleType) -> Any:
    """erf of a 1-d float32 array (Arm's erff; about 1.4 ulp without fused multiply-adds)."""
    a = xp.minimum(xp.abs(x), 4.0)  # erf(4) rounds to 1 in float32; also makes inf finite, keeps nan
    near = a < 0.875
    p = _poly(a * a, _A)
    p *= a
    p += a
    q = _poly(a, _NEG_B)
    q *= a
    q -= a
    xp.exp(q, out=q)
    xp.subtract(1.0, q, out=q)
    return xp.copysign(_select(xp, near, p, q), x)


def _erf_small(a: Any) -> Any:
    """erf for float64 ``0 <= a <= 1`` (Cephes' T/U)."""
    z = a * a
    r = _poly(z, _T)
    r /= _poly(z, _U_MONIC, monic=True)
    r *= a
    return r


def _erfc_big(a: Any, xp: ModuleType) -> Any:
    """erfc for float64 ``1 <= a <= 6`` (Cephes' P/Q), with full relative accuracy."""
    r = _poly(a, _P)
    r /= _poly(a, _Q_MONIC, monic=True)
    r *= xp.exp(-(a * a))
    return r


def _erf_f64(x: Any, xp: ModuleType) -> Any:
    """erf of a 1-d float64 array (Cephes)."""
    a = xp.minimum(xp.abs(x), 6.0)  # 1 - erf(6) < 2**-54, so erf rounds to 1 beyond
    big = _erfc_big(a, xp)
    xp.subtract(1.0, big, out=big)
    return xp.copysign(_select(xp, a < 1.0, _erf_small(a), big), x)


def _halley(x: Any, c: Any, xp: ModuleType) -> Any:
    """One Halley step for ``erf(x) = c`` (float64, ``0 <= c < 1``): cubic convergence."""
    small = _erf_small(xp.minimum(x, 1.0))
    comp = _select(xp, x < 1.0, 1.0 - small, _erfc_big(xp.maximum(x, 1.0), xp))
    # erf(x) - c, taken as (1 - c) - erfc(x) above 0.5, where 1 - c is exact and erf(x) would round to 1 - tiny
    r = _select(xp, c > 0.5, (1.0 - c) - comp, small - c)
    # f = erf(x) - c has f' = 2/sqrt(pi) exp(-x^2) and f'' = -2x f', so Halley's step is u / (1 + x u), u = f/f'
    u = r / (_TWO_OVER_SQRT_PI * xp.exp(-(x * x)))
    return x - u / (1.0 + x * u)


def _erfinv_f64(y: Any, xp: ModuleType) -> Any:
    """erfinv of a 1-d float64 array: Giles' guess and one Halley step (three from an asymptote near +-1)."""
    a = xp.abs(y)
    c = xp.minimum(a, 1.0 - 2.0**-53)  # keeps every step finite; 1 -> inf and > 1 -> nan are patched in last
    w = -xp.log((1.0 - c) * (1.0 + c))
    x = _select(xp, w < 5.0, _poly(w - 2.5, _G), _poly(xp.sqrt(w) - 3.0, _H))
    x *= c
    x = _halley(x, c, xp)  # Giles' guess is within 1e-7 for w < 16, so one step reaches float64 precision
    far = xp.flatnonzero(w >= 16.0)
    if far.size:  # 1 - |y| < 1e-7 is beyond Giles' range: start from erfc(x) ~ exp(-x^2) / (x sqrt(pi))
        cf, log_tail = c[far], w[far] + _LOG2  # log_tail = -log(1 - c)
        xf = xp.sqrt(log_tail - 0.5 * xp.log(numpy.pi * log_tail))
        for _ in range(3):
            xf = _halley(xf, cf, xp)
        x[far] = xf
    x[a == 1.0] = numpy.inf
    x[a > 1.0] = numpy.nan
    return xp.copysign(x, y)


def _apply(kernel: Callable[[Any, ModuleType], Any], x: Any, low: bool) -> Any:
    """Run ``kernel`` on ``x`` as a flat float32 (``low``) or float64 array; return ``x``'s shape and float dtype."""
    xp = _array_module(x)
    x = xp.asarray(x)
    work = numpy.dtype(numpy.float32 if low else numpy.float64)
    flat = xp.ascontiguousarray(x, dtype=work).reshape(-1)
    if xp is numpy and flat.size > _BLOCK:
        out = numpy.empty_like(flat)
        for i in range(0, flat.size, _BLOCK):
            out[i:i + _BLOCK] = kernel(flat[i:i + _BLOCK], xp)
    else:
        out = kernel(flat, xp)
    dtype = x.dtype if x.dtype.kind not in "biu" else work
    return out.reshape(x.shape).astype(dtype, copy=False)


def erf(x: numpy.ndarray) -> numpy.ndarray:
    """The error function ``erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt``, elementwise.

    float64 uses Cephes' ``ndtr.c`` (Moshier, 1992): ``erf(x) = x T(x^2)/U(x^2)`` for ``|x| < 1`` and
    ``1 - exp(-x^2) P(|x|)/Q(|x|)`` for ``1 <= |x| < 6``, relative error below 1e-15. float32, float16 and
    bfloat16 are computed in float32 with Arm Optimized Routines' ``erff`` (2020): ``x + x A(x^2)`` for
    ``|x| < 0.875`` and ``1 - exp(-|x| - |x| B(|x|))`` for ``0.875 <= |x| < 4``, within 1.5 ulp. Beyond,
    ``+-1``; nan stays nan. The result has ``x``'s dtype (integers and bools give float64).

    Example:
        >>> import numpy as np
        >>> erf(np.array([-np.inf, 0.0, 0.5, 3.0]))
        array([-1.        ,  0.        ,  0.52049988,  0.99997791])
    """
    dtype = getattr(x, "dtype", numpy.dtype(numpy.float64))
    low = dtype.itemsize <= 4 and dtype.kind not in "biu"
    return _apply(_erf_f32 if low else _erf_f64, x, low)


def erfinv(x: numpy.ndarray) -> numpy.ndarray:
    """The inverse error function: ``erfinv(erf(y)) = y``, elementwise; ``+-1 -> +-inf``, ``|x| > 1 -> nan``.

    Computed in float64 for every dtype: Giles' single-precision approximation ("Approximating the erfinv
    function", GPU Computing Gems Jade, 2011) as a start, then one Halley step ``y -= u / (1 + y u)`` with
    ``u = (erf(y) - x) / (2/sqrt(pi) exp(-y^2))`` on `erf`'s float64 formulas, ``erf(y) - x`` taken as
    ``(1 - x) - erfc(y)`` for ``x > 0.5`` so that it stays accurate near ``+-1``. Within 1e-7 of ``+-1``,
    beyond Giles' range, three steps from the asymptote ``erfc(y) ~ exp(-y^2) / (y sqrt(pi))``. Relative error
    about 1e-15. The result has ``x``'s dtype (integers and bools give float64).

    Example:
        >>> import numpy as np
        >>> erfinv(np.array([-1.0, 0.0, 0.5, 0.999]))
        array([      -inf, 0.        , 0.47693628, 2.32675377])
    """
    return _apply(_erfinv_f64, x, False)
