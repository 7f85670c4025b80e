"""``torch.special``: special functions under SciPy-style names (see `brickwork.ops.special` for the new ones).

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

expit = sigmoid
gammaln = lgamma
psi = digamma
multigammaln = mvlgamma
gammainc = igamma
gammaincc = igammac

__all__ = ["Tensor", "digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc",
           "gammaln", "i0", "log1p", "log_softmax", "logit", "logsumexp", "multigammaln", "polygamma", "psi",
           "round", "sinc", "softmax", "xlogy"]
