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

from . import constraints
from .continuous import Cauchy, Exponential, Laplace, LogNormal, Normal, Uniform
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .independent import Geometric, Independent
from .kl import kl_divergence, register_kl

__all__ = ["Distribution", "Normal", "Uniform", "Exponential", "Laplace", "Cauchy", "LogNormal", "Bernoulli",
           "Categorical", "OneHotCategorical", "Independent", "Geometric", "kl_divergence", "register_kl", "constraints"]
