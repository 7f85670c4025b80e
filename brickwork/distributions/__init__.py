"""Probability distributions with PyTorch's API (``torch.distributions``), composed from brickwork ops.

``rsample`` and ``log_prob`` are differentiable in the parameters; sampling uses brickwork's generators, so
``brickwork.manual_seed`` makes draws reproducible.

Example:
    >>> import brickwork as torch
    >>> from brickwork.distributions import Normal, kl_divergence
    >>> p, q = Normal(0.0, 1.0), Normal(0.0, 2.0)
    >>> p.entropy(), kl_divergence(p, q)
    (tensor(1.4189), tensor(0.3181))
"""

from __future__ import annotations

from . import constraints, transforms
from .constraint_registry import biject_to, transform_to
from .continuous import Cauchy, Exponential, Laplace, Normal, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .gamma_family import (Beta, Binomial, Chi2, ContinuousBernoulli, Dirichlet, ExponentialFamily, FisherSnedecor,
                           Gamma, GeneralizedPareto, InverseGamma, Multinomial, NegativeBinomial, Poisson, StudentT,
                           VonMises)
from .independent import Geometric, Independent
from .kl import kl_divergence, register_kl
from .multivariate import (LKJCholesky, LowRankMultivariateNormal, MixtureSameFamily, MultivariateNormal,
                           OneHotCategoricalStraightThrough, Wishart)
from .transformed import (Gumbel, HalfCauchy, HalfNormal, Kumaraswamy, LogisticNormal, LogNormal, Pareto,
                          RelaxedBernoulli, RelaxedOneHotCategorical, TransformedDistribution, Weibull)
from .transforms import (AbsTransform, AffineTransform, CatTransform, ComposeTransform, CorrCholeskyTransform,
                         CumulativeDistributionTransform, ExpTransform, IndependentTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, PowerTransform, ReshapeTransform, SigmoidTransform,
                         SoftmaxTransform, SoftplusTransform, StackTransform, StickBreakingTransform, TanhTransform,
                         Transform, identity_transform)

__all__ = ["Distribution", "Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal", "Bernoulli",
           "Categorical", "OneHotCategorical", "Independent", "Geometric", "kl_divergence", "register_kl", "constraints",
           "transforms", "biject_to", "transform_to", "ExponentialFamily", "Gamma", "Chi2", "InverseGamma", "Beta",
           "Dirichlet", "StudentT", "FisherSnedecor", "Poisson", "Binomial", "NegativeBinomial", "Multinomial",
           "VonMises", "ContinuousBernoulli", "GeneralizedPareto", "TransformedDistribution", "Gumbel", "Weibull",
           "Pareto", "HalfNormal", "HalfCauchy", "Kumaraswamy", "LogisticNormal", "RelaxedBernoulli",
           "RelaxedOneHotCategorical", "Transform", "ComposeTransform", "ExpTransform", "AffineTransform",
           "SigmoidTransform", "TanhTransform", "SoftmaxTransform", "SoftplusTransform", "PowerTransform",
           "AbsTransform", "StickBreakingTransform", "LowerCholeskyTransform", "CorrCholeskyTransform",
           "PositiveDefiniteTransform", "ReshapeTransform", "IndependentTransform", "CatTransform", "StackTransform",
           "CumulativeDistributionTransform", "identity_transform", "MultivariateNormal", "LowRankMultivariateNormal",
           "Wishart", "LKJCholesky", "MixtureSameFamily", "OneHotCategoricalStraightThrough"]
