"""The gamma family of special functions: ``lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``, ``igamma``,
``igammac``, and the gamma sampler behind ``torch.distributions`` (``_standard_gamma``).

The kernels at the top work on raw arrays through the array module ``xp`` (NumPy or CuPy) and compute in
float64 whatever the input dtype; the ops below them give each kernel PyTorch's dtype rules, its inf/nan
conventions and its gradient, written beside it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE
from ._core import binary_arrays, record, sum_to, like, xp_of

__all__ = ["lgamma", "digamma", "polygamma", "mvlgamma", "igamma", "igammac"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# Stirling's series for lgamma(z), the coefficients B_2k / (2k (2k - 1)) of z^-(2k-1); accurate to 1e-16 for z >= 10
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)
# digamma's asymptotic series, the coefficients B_2k / (2k) of z^-2k
_DIGAMMA = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
# B_2k / (2k)! for the Euler-Maclaurin tail of the Hurwitz zeta function
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330,
              854513 / 138, -236364091 / 2730)
_ZETA_TAIL = tuple(b / math.factorial(2 * k + 2) for k, b in enumerate(_BERNOULLI))
_EPS = 2.0 ** -53
_MAX_ITER = 100_000  # series and continued-fraction steps for igamma: enough for a up to about 1e8


# -- kernels on float64 arrays ---------------------------------------------------------------------------

def _poles(x: Any, xp: Any) -> Any:
    """Where ``x`` is a nonpositive integer (or -inf)."""
    return (x <= 0) & (xp.floor(x) == x)


def _sin_cos_pi(x: Any, xp: Any) -> tuple[Any, Any]:
    """``sin(pi x)`` and ``cos(pi x)``, exact zeros at integers and half-integers (reduced to ``|f| <= 1/2``)."""
    n = xp.round(x)
    f = x - n
    sign = 1.0 - 2.0 * xp.remainder(n, 2.0)  # (-1)^n
    return sign * xp.sin(math.pi * f), sign * xp.cos(math.pi * f)


def _shift_up(x: Any, bound: float, xp: Any, term: Any) -> tuple[Any, Any]:
    """``(z, acc)``: ``z = x + k`` for the least ``k >= 0`` with ``z >= bound``, ``acc`` the sum of ``term(x + i)``
    for ``i < k`` (the recurrences of lgamma, digamma and zeta)."""
    z, acc = x.copy(), xp.zeros_like(x)
    finite = xp.isfinite(x)
    steps = xp.ceil(bound - x[finite]) if bool(finite.any()) else xp.zeros(0)
    for _ in range(int(min(max(float(steps.max()), 0.0), _MAX_ITER)) if steps.size else 0):
        small = finite & (z < bound)
        acc += xp.where(small, term(xp.where(small, z, 1.0)), 0.0)
        z += small
    return z, acc


def _stirling_tail(z: Any, xp: Any) -> Any:
    """``lgamma(z) - ((z - 1/2) log z - z + log sqrt(2 pi))`` for ``z >= 10``."""
    r, w = xp.zeros_like(z), 1.0 / (z * z)
    for c in reversed(_STIRLING):
        r = r * w + c
    return r / z


def _lgamma_positive(x: Any, xp: Any) -> Any:
    """``log Gamma(x)`` for ``x >= 1/2``: the recurrence up to 10, then Stirling's series."""
    z, log_prod = _shift_up(x, 10.0, xp, xp.log)
    with np.errstate(invalid="ignore", over="ignore"):
        return (z - 0.5) * xp.log(z) - z + _LOG_SQRT_2PI + _stirling_tail(z, xp) - log_prod


def lgamma_array(x: Any) -> Any:
    """``log |Gamma(x)|`` of a float64 array; ``inf`` at the poles (nonpositive integers) and at ``+-inf``."""
    xp = xp_of(x)
    neg = x < 0.5
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        y = _lgamma_positive(xp.where(neg, 1.0 - x, x), xp)
        s, _ = _sin_cos_pi(xp.where(neg, x, 0.5), xp)
        r = xp.where(neg, math.log(math.pi) - xp.log(xp.abs(s)) - y, y)  # reflection: Gamma(x) Gamma(1-x) = pi/sin
    return xp.where(_poles(x, xp) | (x == math.inf), math.inf, r)


def digamma_array(x: Any) -> Any:
    """``psi(x) = d/dx log Gamma(x)`` of a float64 array with PyTorch's conventions: ``psi(+-0) = -+inf``,
    nan at negative integers and ``-inf``."""
    xp = xp_of(x)
    neg = x < 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z, acc = _shift_up(xp.where(neg, 1.0 - x, x), 10.0, xp, lambda t: -1.0 / t)
        w, r = 1.0 / (z * z), xp.zeros_like(z)
        for c in reversed(_DIGAMMA):
            r = r * w + c
        y = xp.log(z) - 0.5 / z - r * w + acc
        s, c = _sin_cos_pi(xp.where(neg, x, 0.5), xp)
        y = xp.where(neg, y - math.pi * c / s, y)  # reflection: psi(1-x) - psi(x) = pi cot(pi x)
    y = xp.where(_poles(x, xp), math.nan, y)
    return xp.where(x == 0, xp.copysign(math.inf, -x), y)


def zeta_array(s: int, q: Any) -> Any:
    """The Hurwitz zeta function ``sum_k (q + k)^-s`` for an integer ``s >= 2`` over a float64 array ``q``.

    The direct sum up to ``q + k >= s + 10``, then the Euler-Maclaurin tail; ``inf`` at the poles (nonpositive
    integers ``q``) and nan at ``q = +inf``, as Cephes' ``zeta`` (which PyTorch uses) gives.
    """
    xp = xp_of(q)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z, head = _shift_up(q, s + 10.0, xp, lambda t: t ** -s)
        tail = z ** (1 - s) / (s - 1) + 0.5 * z ** -s
        rising, power = float(s), z ** (-s - 1)  # s (s+1) ... (s+2j-2) and z^-(s+2j-1)
        for j, b in enumerate(_ZETA_TAIL):
            tail += b * rising * power
            rising *= (s + 2 * j + 1) * (s + 2 * j + 2)
            power = power / (z * z)
        r = head + tail
    return xp.where(_poles(q, xp), math.inf, xp.where(q == math.inf, math.nan, r))


def _cot_derivative(n: int) -> list[float]:
    """Coefficients (lowest degree first) of ``P_n`` with ``d^n/dy^n cot(y) = P_n(cot y)``: ``P_0 = c`` and
    ``P_{k+1} = -(1 + c^2) P_k'``, since ``d cot / dy = -(1 + cot^2)``."""
    p = [0.0, 1.0]
    for _ in range(n):
        dp = [k * p[k] for k in range(1, len(p))]
        p = [-((dp[k] if k < len(dp) else 0.0) + (dp[k - 2] if 2 <= k < len(dp) + 2 else 0.0))
             for k in range(len(dp) + 2)]
    return p


def polygamma_array(n: int, x: Any) -> Any:
    """``psi^(n)(x)``, the n-th derivative of digamma, of a float64 array: ``(-1)^(n+1) n! zeta(n + 1, x)`` for
    ``x >= 1/2``, and below it the reflection ``psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))``
    (``P_n`` from `_cot_derivative`)."""
    if n == 0:
        return digamma_array(x)
    xp = xp_of(x)
    try:
        scale = float(math.factorial(n))
    except OverflowError:
        scale = math.inf
    low = x < 0.5
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = (scale if n % 2 else -scale) * zeta_array(n + 1, xp.where(low, 1.0 - x, x))
        s, c = _sin_cos_pi(xp.where(low, x, 0.25), xp)
        cot, poly = c / s, xp.zeros_like(x)
        for coef in reversed(_cot_derivative(n)):
            poly = poly * cot + coef
        r = xp.where(low, (-1.0) ** n * r - math.pi ** (n + 1) * poly, r)
    r = xp.where(_poles(x, xp), math.inf if n % 2 else -math.inf, r)
    if n == 1:  # PyTorch's trigamma has its own conventions at infinity
        return xp.where(x == math.inf, 0.0, xp.where(x == -math.inf, math.nan, r))
    return xp.where(x == math.inf, math.nan, r)


def _igamma_series(a: Any, x: Any, xp: Any) -> Any:
    """``sum_n x^n / ((a+1) ... (a+n))``, which times ``x^a e^-x / Gamma(a+1)`` is the lower ratio P(a, x)."""
    out = xp.full_like(a, math.nan)
    live = xp.arange(a.size)
    r, c, s = a.copy(), xp.ones_like(a), xp.ones_like(a)
    for _ in range(_MAX_ITER):
        r += 1.0
        c *= x / r
        s += c
        done = c <= _EPS * s
        if bool(done.any()):
            out[live[done]] = s[done]
            keep = ~done
            live, a, x, r, c, s = live[keep], a[keep], x[keep], r[keep], c[keep], s[keep]
            if live.size == 0:
                break
    return out


def _igammac_fraction(a: Any, x: Any, xp: Any) -> Any:
    """The continued fraction (Cephes' ``igamc``) that times ``x^a e^-x / Gamma(a)`` is the upper ratio Q(a, x);
    it converges for ``x > a``."""
    out = xp.full_like(a, math.nan)
    live = xp.arange(a.size)
    y, z, c = 1.0 - a, x + 2.0 - a, xp.zeros_like(a)
    pkm2, qkm2, pkm1, qkm1 = xp.ones_like(a), x.copy(), x + 1.0, z * x
    ans = pkm1 / qkm1
    for _ in range(_MAX_ITER):
        c += 1.0
        y += 1.0
        z += 2.0
        yc = y * c
        pk, qk = pkm1 * z - pkm2 * yc, qkm1 * z - qkm2 * yc
        nz = qk != 0
        r = xp.where(nz, pk / xp.where(nz, qk, 1.0), ans)
        done = nz & (xp.abs(ans - r) <= _EPS * xp.abs(r))
        ans = r
        pkm2, pkm1, qkm2, qkm1 = pkm1, pk, qkm1, qk
        big = xp.abs(pk) > 2.0 ** 500  # rescale before the convergents overflow
        if bool(big.any()):
            f = xp.where(big, 2.0 ** -500, 1.0)
            pkm2, pkm1, qkm2, qkm1 = pkm2 * f, pkm1 * f, qkm2 * f, qkm1 * f
        if bool(done.any()):
            out[live[done]] = ans[done]
            keep = ~done
            live, y, z, c, ans = live[keep], y[keep], z[keep], c[keep], ans[keep]
            pkm2, pkm1, qkm2, qkm1 = pkm2[keep], pkm1[keep], qkm2[keep], qkm1[keep]
            if live.size == 0:
                break
    return out


def _log_igamma_front(a: Any, x: Any, xp: Any) -> Any:
    """``log(x^a e^-x / Gamma(a))``; for ``a >= 10`` as ``a (log1p(t) - t) + log(a)/2 - log sqrt(2 pi) - tail(a)``
    with ``t = (x - a) / a``, which avoids the cancellation of terms of size ``a log a``."""
    big = a >= 10.0
    ab = xp.where(big, a, 10.0)
    t = (x - ab) / ab
    near = ab * (xp.log1p(t) - t) + 0.5 * xp.log(ab) - _LOG_SQRT_2PI - _stirling_tail(ab, xp)
    return xp.where(big, near, a * xp.log(x) - x - lgamma_array(xp.where(big, 1.0, a)))


def igamma_array(a: Any, x: Any, upper: bool) -> Any:
    """The regularized lower (``upper=False``) or upper incomplete gamma function of float64 arrays ``a``, ``x``
    (broadcast), with PyTorch's conventions at zero, infinity and outside the domain (nan)."""
    xp = xp_of(a)
    a, x = xp.broadcast_arrays(a, x)
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    lower = xp.full(a.shape, math.nan)
    ok = (a > 0) & (x > 0) & (a < math.inf) & (x < math.inf)
    lower = xp.where((x == 0) & (a > 0), 0.0, lower)
    lower = xp.where((a == 0) & (x > 0), 1.0, lower)
    lower = xp.where((x == math.inf) & (a < math.inf) & (a >= 0), 1.0, lower)
    lower = xp.where((a == math.inf) & (x < math.inf) & (x >= 0), 0.0, lower)
    result = 1.0 - lower if upper else lower
    idx = xp.flatnonzero(ok)
    if idx.size:
        ai, xi = a[idx], x[idx]
        with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
            log_front = _log_igamma_front(ai, xi, xp)
            use_cf = (xi > 1.0) & (xi > ai)  # Cephes' split: the fraction for Q beyond, the series for P inside
            val = xp.empty_like(ai)
            cf, ser = xp.flatnonzero(use_cf), xp.flatnonzero(~use_cf)
            if cf.size:
                q = _igammac_fraction(ai[cf], xi[cf], xp) * xp.exp(log_front[cf])
                val[cf] = q if upper else 1.0 - q
            if ser.size:
                p = _igamma_series(ai[ser], xi[ser], xp) * xp.exp(log_front[ser]) / ai[ser]
                val[ser] = 1.0 - p if upper else p
        result[idx] = val
    return result.reshape(shape)


def standard_gamma_grad_array(x: Any, a: Any) -> Any:
    """``dx/da`` for a Gamma(a, 1) sample ``x`` held at a fixed CDF value (implicit reparameterization):
    ``-(dP/da) / p(x)``, with ``dP/da`` by a central difference of the directly computed tail (``P`` where
    ``x <= a``, ``Q`` beyond, so tails keep their relative precision) and ``p`` the density."""
    xp = xp_of(x)
    h = 1e-5 * xp.maximum(a, 1.0)
    h = xp.minimum(h, 0.5 * a)
    upper = x > a
    with np.errstate(divide="ignore", over="ignore", under="ignore", invalid="ignore"):
        dp = (igamma_array(a + h, x, False) - igamma_array(a - h, x, False)) / (2 * h)
        dq = (igamma_array(a + h, x, True) - igamma_array(a - h, x, True)) / (2 * h)
        d_lower = xp.where(upper, -dq, dp)
        log_density = (a - 1.0) * xp.log(x) - x - lgamma_array(a)
        return -d_lower * xp.exp(-log_density)


# -- the ops -------------------------------------------------------------------------------------------------

def _float_data(x: Tensor) -> Any:
    d = x._data
    return d.astype(_dt.get_default_dtype().np) if d.dtype.kind in "biu" else d


def _unary(input: Tensor, name: str, kernel: Any, backward: Any, out: Tensor | None, **attrs: Any) -> Tensor:
    """``kernel`` (float64 arrays in and out) applied to ``input`` in its float dtype (ints give the default)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    d = _float_data(input)
    with np.errstate(over="ignore"):  # float64 results beyond float32's range become inf, as PyTorch gives
        r = _make(kernel(d.astype(np.float64)).astype(d.dtype, copy=False), input._device)
    if backward is not None and input._requires_grad and STATE.enabled:
        record(r, backward.__name__.strip("_").replace("_backward", "").capitalize() + "Backward0", backward,
               (input,), (input,), **attrs)
    from .elementwise import _out
    return _out(r, out)


def lgamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log |Gamma(input)|``; ``inf`` at the poles (``0, -1, -2, ...``) and at ``+-inf``.

    float64 is accurate to about 1e-15 (absolute near the zeros at 1 and 2, relative elsewhere).

    Example:
        >>> import brickwork as torch
        >>> torch.lgamma(torch.tensor([0.5, 1.0, 10.0, -0.5]))
        tensor([ 0.5724,  0.0000, 12.8018,  1.2655])
    """
    return _unary(input, "lgamma", lgamma_array, _lgamma_backward, out)


def _lgamma_backward(node: Any, g: Tensor) -> tuple:
    return (g * digamma(node.saved_tensors[0]),)


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The logarithmic derivative of the gamma function, ``psi(x) = Gamma'(x) / Gamma(x)``.

    As PyTorch: ``-inf`` at ``0``, ``inf`` at ``-0.0``, nan at the negative integers.

    Example:
        >>> import brickwork as torch
        >>> torch.digamma(torch.tensor([1.0, 0.5, -0.5]))
        tensor([-0.5772, -1.9635,  0.0365])
    """
    return _unary(input, "digamma", digamma_array, _digamma_backward, out)


def _digamma_backward(node: Any, g: Tensor) -> tuple:
    return (g * polygamma(1, node.saved_tensors[0]),)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of `digamma`: ``psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x)`` for ``n >= 1``.

    The poles (``0, -1, -2, ...``) give ``+-inf`` with the sign of ``(-1)^(n+1)`` (PyTorch's trigamma prints
    huge finite values at the negative integers instead).

    Example:
        >>> import brickwork as torch
        >>> torch.polygamma(1, torch.tensor([1.0, 2.0]))
        tensor([1.6449, 0.6449])
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n; got n={n}. n=0 is digamma")
    n = int(n)
    return _unary(input, "polygamma", lambda d: polygamma_array(n, d), _polygamma_backward, out, n=n)


def _polygamma_backward(node: Any, g: Tensor) -> tuple:
    return (g * polygamma(node.n + 1, node.saved_tensors[0]),)


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``.

    ``p (p-1)/4 log(pi) + sum_{i<p} lgamma(input - i/2)``, finite where every element exceeds ``(p - 1) / 2``
    (PyTorch 2 no longer checks the domain: ``inf`` at the poles of a term, as here).

    Example:
        >>> import brickwork as torch
        >>> torch.mvlgamma(torch.tensor([2.5, 3.0]), 3)
        tensor([1.8810, 2.6949])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"mvlgamma(): argument 'input' must be Tensor, not {type(input).__name__}")
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got p={p}")
    x = input if input.is_floating_point() else input.to(_dt.get_default_dtype())
    from .movement import unsqueeze
    from .reduce import sum as _sum
    from .creation import arange
    steps = arange(p, dtype=x.dtype, device=x.device) / 2
    r = _sum(lgamma(unsqueeze(x, -1) - steps), -1) + p * (p - 1) / 4 * math.log(math.pi)
    from .elementwise import _out
    return _out(r, out)


def _igamma(input: Any, other: Any, upper: bool, out: Tensor | None) -> Tensor:
    name = "igammac" if upper else "igamma"
    da, dx, dev = binary_arrays(input, other, name)
    dt = da.dtype if hasattr(da, "dtype") else dx.dtype
    if dt.kind not in "fV":
        raise NotImplementedError(f"{name}: not implemented for {dt} inputs; convert them to a floating dtype "
                                  "first (e.g. input.double())")
    xp = dev.xp
    r = _make(igamma_array(xp.asarray(da, np.float64), xp.asarray(dx, np.float64), upper).astype(dt, copy=False), dev)
    if STATE.enabled and any(isinstance(t, Tensor) and t._requires_grad for t in (input, other)):
        a_t, x_t = (t if isinstance(t, Tensor) else None for t in (input, other))
        record(r, "IgammacBackward0" if upper else "IgammaBackward0", _igamma_backward, (a_t, x_t),
               tuple(t for t in (a_t, x_t) if t is not None), likes=(like(input), like(other)), upper=upper,
               a_scalar=None if a_t is not None else input)
    from .elementwise import _out
    return _out(r, out)


def _igamma_backward(node: Any, g: Tensor) -> tuple:
    ea, ex = node.edges
    name = "igammac" if node.upper else "igamma"
    if ea is not None:
        raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
    saved = node.saved_tensors
    a = saved[0] if node.a_scalar is None else node.a_scalar
    x = saved[-1]
    from .elementwise import exp, log
    dens = exp((a - 1) * log(x) - x - lgamma(a if isinstance(a, Tensor) else x.new_tensor(a)))
    return (None, sum_to(-g * dens if node.upper else g * dens, node.likes[1]))


def igamma(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized lower incomplete gamma function ``P(a, x) = 1/Gamma(a) int_0^x t^(a-1) e^-t dt``.

    ``a = input``, ``x = other`` (broadcast); differentiable in ``other`` only, as in PyTorch.

    Computed by Cephes' series (``x <= a`` or ``x <= 1``) or continued fraction for ``Q = 1 - P``, in float64.

    Example:
        >>> import brickwork as torch
        >>> torch.igamma(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
        tensor([0.6321, 0.5940])
    """
    return _igamma(input, other, False, out)


def igammac(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)`` (see `igamma`).

    Example:
        >>> import brickwork as torch
        >>> torch.igammac(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))
        tensor([0.3679, 0.4060])
    """
    return _igamma(input, other, True, out)


def _standard_gamma(concentration: Tensor) -> Tensor:
    """Gamma(concentration, 1) samples, reparameterized: differentiable in ``concentration``.

    Drawn by NumPy's Marsaglia-Tsang sampler on brickwork's default generator; the gradient is the implicit
    reparameterization one (`standard_gamma_grad_array`), as PyTorch's ``_standard_gamma``. Samples are
    clamped to the dtype's smallest normal number, as PyTorch's ``Gamma.rsample`` does.
    """
    from .random import _gen
    a = concentration._data
    xs = _gen(None).standard_gamma(np.asarray(concentration._host(), np.float64))
    tiny = float(np.finfo(a.dtype).tiny) if a.dtype.kind == "f" else 0.0
    d = xp_of(a).asarray(np.maximum(xs, tiny)).astype(a.dtype, copy=False)
    r = _make(d, concentration._device)
    if concentration._requires_grad and STATE.enabled:
        record(r, "StandardGammaBackward0", _standard_gamma_backward, (concentration,), (concentration,),
               save_output=True)
    return r


def _standard_gamma_backward(node: Any, g: Tensor) -> tuple:
    a, x = node.saved_tensors[0], node.output()
    dxda = standard_gamma_grad_array(x._data.astype(np.float64), a._data.astype(np.float64))
    return (g * _make(dxda.astype(a._data.dtype, copy=False), a._device),)
