"""``torch.special``: special functions under SciPy-style names (those found only here: `brickwork.ops.special`).

Most are brickwork's torch-namespace ops under a second name (``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``,
``psi`` is ``digamma``, ``multigammaln`` is ``mvlgamma``, ``gammainc``/``gammaincc`` are ``igamma``/``igammac``).

Example:
    >>> import brickwork as torch
    >>> torch.special.expit(torch.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

from .._tensor import Tensor
from ..ops.elementwise import erf, erfc, erfinv, exp2, expm1, log1p, round, sigmoid  # noqa: A004
from ..ops.elementwise_extra import i0, logit, sinc, xlogy
from ..ops.gamma import digamma, igamma, igammac, lgamma, mvlgamma, polygamma
from ..ops.reduce import log_softmax, logsumexp, softmax
from ..ops.special import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, chebyshev_polynomial_t,
                           chebyshev_polynomial_u, chebyshev_polynomial_v, chebyshev_polynomial_w, entr, erfcx,
                           hermite_polynomial_h, hermite_polynomial_he, i0e, i1, i1e, laguerre_polynomial_l,
                           legendre_polynomial_p, log_ndtr, modified_bessel_i0, modified_bessel_i1,
                           modified_bessel_k0, modified_bessel_k1, ndtr, ndtri, scaled_modified_bessel_k0,
                           scaled_modified_bessel_k1, shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
                           shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w, spherical_bessel_j0,
                           xlog1py, zeta)

expit = sigmoid
gammaln = lgamma
psi = digamma
multigammaln = mvlgamma
gammainc = igamma
gammaincc = igammac

__all__ = ["Tensor", "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
