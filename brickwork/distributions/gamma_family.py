"""Distributions built on the gamma function: ``ExponentialFamily`` and Gamma, Chi2, InverseGamma, Beta,
Dirichlet, StudentT, FisherSnedecor, Poisson, Binomial, NegativeBinomial, Multinomial; and VonMises,
ContinuousBernoulli, GeneralizedPareto.

Gamma draws are reparameterized (`brickwork.ops.gamma._standard_gamma`: NumPy's Marsaglia-Tsang sampler with
the implicit reparameterization gradient); Beta and Dirichlet draws are normalized gammas, so their
gradients flow through that normalization.
"""

from __future__ import annotations

import math
from typing import Any

from .. import Tensor, autograd, binomial, finfo, full_like, no_grad, ones_like, poisson, rand, randn, stack, zeros
from ..ops.gamma import _standard_gamma, digamma, igamma, lgamma
from . import constraints
from .discrete import Categorical, _clamp_probs, _softplus
from .distribution import Distribution, broadcast_all
from .transformed import TransformedDistribution
from .transforms import PowerTransform

__all__ = ["ExponentialFamily", "Gamma", "Chi2", "InverseGamma", "Beta", "Dirichlet", "StudentT", "FisherSnedecor",
           "Poisson", "Binomial", "NegativeBinomial", "Multinomial", "VonMises", "ContinuousBernoulli",
           "GeneralizedPareto"]


def _xlogy(x: Any, y: Tensor) -> Tensor:
    """``x * log(y)``, 0 where ``x == 0`` (as ``torch.xlogy``)."""
    r = x * y.log()
    return r.masked_fill(x == 0, 0.0) if isinstance(x, Tensor) else (r * 0 if x == 0 else r)


def _logits(p: Tensor) -> Tensor:
    p = _clamp_probs(p)
    return p.log() - (-p).log1p()


def _logsigmoid(x: Tensor) -> Tensor:
    return -_softplus(-x)


def _rebuilt(d: Distribution, batch_shape: Any, **params: Any) -> Any:
    """``d``'s class rebuilt from ``params`` expanded to ``batch_shape`` (plus each one's event shape)."""
    shape = tuple(batch_shape)
    kw = {k: (v.expand(shape + tuple(v.shape[v.ndim - e:]) if e else shape) if isinstance(v, Tensor) and e is not None
              else v) for k, (v, e) in params.items()}
    new = type(d)(**kw, validate_args=False)
    new._validate_args = d._validate_args
    return new


class ExponentialFamily(Distribution):
    """Base class of exponential-family distributions ``p(x) = h(x) exp(<t(x), theta> - F(theta))``.

    Subclasses give ``_natural_params``, ``_log_normalizer`` (``F``) and ``_mean_carrier_measure``; the
    entropy then follows from the Bregman divergence of ``F``, by autograd.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Poisson(torch.tensor([2.0]))._log_normalizer(torch.tensor([0.0]))
        tensor([1.])
    """

    @property
    def _natural_params(self) -> tuple:
        """The _natural_params."""
        raise NotImplementedError(f"{type(self).__name__} does not define _natural_params")

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define _log_normalizer")

    @property
    def _mean_carrier_measure(self) -> Any:
        """The _mean_carrier_measure."""
        raise NotImplementedError(f"{type(self).__name__} does not define _mean_carrier_measure")

    def entropy(self) -> Tensor:
        result: Any = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = autograd.grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for p, g in zip(nparams, gradients):
            result = result - (p * g).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result


class Gamma(ExponentialFamily):
    """The gamma distribution with shape ``concentration`` and ``rate``; ``rsample`` is reparameterized.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Gamma(2.0, 1.0).log_prob(torch.tensor(1.0))
        tensor(-1.)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Gamma":
        return _rebuilt(self, batch_shape, concentration=(self.concentration, 0), rate=(self.rate, 0))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return value.clamp(min=finfo(value.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        value = value if isinstance(value, Tensor) else self.rate.new_tensor(value)
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return _xlogy(c, r) + _xlogy(c - 1, value) - r * value - lgamma(c)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + lgamma(c) + (1.0 - c) * digamma(c)

    @property
    def _natural_params(self) -> tuple:
        """The _natural_params."""
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        return lgamma(x + 1) + (x + 1) * (-y.reciprocal()).log()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return igamma(self.concentration, self.rate * value)


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Chi2(torch.tensor([2.0])).mean
        tensor([2.])
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Chi2":
        return _rebuilt(self, batch_shape, df=(self.df, 0))

    @property
    def df(self) -> Tensor:
        """The degrees of freedom."""
        return self.concentration * 2


class InverseGamma(TransformedDistribution):
    """The distribution of ``1 / X`` for ``X ~ Gamma(concentration, rate)``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.InverseGamma(3.0, 2.0).mean
        tensor(1.)
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        base = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base.rate.new_ones(())
        super().__init__(base, PowerTransform(neg_one), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "InverseGamma":
        return _rebuilt(self, batch_shape, concentration=(self.concentration, 0), rate=(self.rate, 0))

    @property
    def concentration(self) -> Tensor:
        """The shape parameter."""
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        """The rate parameter."""
        return self.base_dist.rate

    @property
    def mean(self) -> Tensor:
        c = self.concentration
        return (self.rate / (c - 1)).masked_fill(c <= 1, math.inf)

    @property
    def mode(self) -> Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        return (self.rate.pow(2) / ((c - 1).pow(2) * (c - 2))).masked_fill(c <= 2, math.inf)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c + self.rate.log() + lgamma(c) - (1 + c) * digamma(c)


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution on the simplex with ``concentration`` (last dim: the categories).

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Dirichlet(torch.tensor([1.0, 1.0, 1.0])).log_prob(torch.tensor([0.2, 0.3, 0.5]))
        tensor(0.6931)
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Dirichlet":
        return _rebuilt(self, batch_shape, concentration=(self.concentration, 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        g = _standard_gamma(self.concentration.expand(shape))
        return (g / g.sum(-1, keepdim=True)).clamp(min=finfo(g.dtype).tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return _xlogy(c - 1.0, value).sum(-1) + lgamma(c.sum(-1)) - lgamma(c).sum(-1)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        cm1 = (self.concentration - 1).clamp(min=0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        first = zeros(mode.shape[-1], dtype=mode.dtype, device=mode.device)
        first[0] = 1.0
        from .. import where
        return where((self.concentration < 1).all(-1, keepdim=True), first, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        c0 = c.sum(-1, keepdim=True)
        return c * (c0 - c) / (c0.pow(2) * (c0 + 1))

    def entropy(self) -> Tensor:
        c = self.concentration
        k, a0 = c.shape[-1], c.sum(-1)
        return lgamma(c).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0) - ((c - 1.0) * digamma(c)).sum(-1)

    @property
    def _natural_params(self) -> tuple:
        """The _natural_params."""
        return (self.concentration,)

    def _log_normalizer(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return lgamma(x).sum(-1) - lgamma(x.sum(-1))


class Beta(ExponentialFamily):
    """The beta distribution on ``(0, 1)`` with ``concentration1`` (alpha) and ``concentration0`` (beta).

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Beta(2.0, 2.0).log_prob(torch.tensor(0.5))
        tensor(0.4055)
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None) -> None:
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Beta":
        return _rebuilt(self, batch_shape, concentration1=(self.concentration1, 0),
                        concentration0=(self.concentration0, 0))

    @property
    def concentration1(self) -> Tensor:
        """The first concentration (alpha)."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        """The second concentration (beta)."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Tensor) -> Tensor:
        value = value if isinstance(value, Tensor) else self.concentration1.new_tensor(value)
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()

    @property
    def _natural_params(self) -> tuple:
        """The _natural_params."""
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        return lgamma(x) + lgamma(y) - lgamma(x + y)


class StudentT(Distribution):
    """Student's t-distribution with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.StudentT(3.0).log_prob(torch.tensor(0.0))
        tensor(-1.0009)
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "StudentT":
        return _rebuilt(self, batch_shape, df=(self.df, 0), loc=(self.loc, 0), scale=(self.scale, 0))

    @property
    def mean(self) -> Tensor:
        return self.loc.masked_fill(self.df <= 1, math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        v = self.scale.pow(2) * df / (df - 2)
        return v.masked_fill((df <= 2) & (df > 1), math.inf).masked_fill(df <= 1, math.nan)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        x = randn(*shape, dtype=self.df.dtype, device=self.df.device)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * x * (z / self.df).rsqrt()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi) + lgamma(0.5 * self.df) -
             lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * (y.pow(2) / self.df).log1p() - z

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = lgamma(0.5 * df) + math.lgamma(0.5) - lgamma(0.5 * (df + 1))
        return (self.scale.log() + 0.5 * (df + 1) * (digamma(0.5 * (df + 1)) - digamma(0.5 * df)) +
                0.5 * df.log() + lbeta)


class FisherSnedecor(Distribution):
    """The F-distribution with ``df1`` and ``df2`` degrees of freedom.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.FisherSnedecor(4.0, 6.0).mean
        tensor(1.5000)
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1: Any, df2: Any, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        super().__init__(self.df1.shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "FisherSnedecor":
        return _rebuilt(self, batch_shape, df1=(self.df1, 0), df2=(self.df2, 0))

    @property
    def mean(self) -> Tensor:
        return (self.df2 / (self.df2 - 2)).masked_fill(self.df2 <= 2, math.nan)

    @property
    def mode(self) -> Tensor:
        m = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return m.masked_fill(self.df1 <= 2, math.nan)

    @property
    def variance(self) -> Tensor:
        d1, d2 = self.df1, self.df2
        v = 2 * d2.pow(2) * (d1 + d2 - 2) / (d1 * (d2 - 2).pow(2) * (d2 - 4))
        return v.masked_fill(d2 <= 4, math.nan)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        tiny = finfo(self.df1.dtype).tiny
        x1 = self._gamma1.rsample(sample_shape)
        x2 = self._gamma2.rsample(sample_shape).clamp(min=tiny)
        return (x1 / x2).clamp(min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        ct1, ct2 = self.df1 * 0.5, self.df2 * 0.5
        ct3 = self.df1 / self.df2
        t1 = lgamma(ct1 + ct2) - lgamma(ct1) - lgamma(ct2)
        t2 = ct1 * ct3.log() + (ct1 - 1) * value.log()
        t3 = (ct1 + ct2) * (ct3 * value).log1p()
        return t1 + t2 - t3


class Poisson(ExponentialFamily):
    """The Poisson distribution with ``rate``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Poisson(torch.tensor([2.0])).log_prob(torch.tensor([1.0]))
        tensor([-1.3069])
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Poisson":
        return _rebuilt(self, batch_shape, rate=(self.rate, 0))

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return poisson(self.rate.expand(tuple(self._extended_shape(sample_shape))))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return _xlogy(value, rate) - rate - lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple:
        """The _natural_params."""
        return (self.rate.log(),)

    def _log_normalizer(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return x.exp()


def _clamp_by_zero(x: Tensor) -> Tensor:
    """``max(x, 0)`` with gradient 1/2 at 0, as PyTorch's Binomial uses."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class _ProbsOrLogits(Distribution):
    """Holds ``probs`` or ``logits`` (exactly one given) and derives the other on first use."""

    def _set_param(self, probs: Any, logits: Any, *others: Any) -> tuple:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name = "probs" if probs is not None else "logits"
        out = broadcast_all(*others, probs if probs is not None else logits)
        self.__dict__[name] = out[-1]
        return out[:-1]

    def __getattr__(self, name: str) -> Any:
        if name == "probs" and "logits" in self.__dict__:
            return self.__dict__["logits"].sigmoid()
        if name == "logits" and "probs" in self.__dict__:
            return _logits(self.__dict__["probs"])
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _param(self) -> tuple[str, Tensor]:
        name = "probs" if "probs" in self.__dict__ else "logits"
        return name, self.__dict__[name]


class Binomial(_ProbsOrLogits):
    """The binomial distribution: successes in ``total_count`` trials of probability ``probs`` (or ``logits``).

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Binomial(10, torch.tensor([0.5])).log_prob(torch.tensor([5.0]))
        tensor([-1.4020])
    """

    arg_constraints = {"total_count": constraints.nonnegative_integer, "probs": constraints.unit_interval,
                       "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        (self.total_count,) = self._set_param(probs, logits, total_count)
        self.total_count = self.total_count.type_as(self._param()[1])
        super().__init__(self._param()[1].shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Binomial":
        name, p = self._param()
        return _rebuilt(self, batch_shape, total_count=(self.total_count, 0), **{name: (p, 0)})

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The constraint on the values taken."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            return binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_factorial_n = lgamma(n + 1)
        log_factorial_k = lgamma(value + 1)
        log_factorial_nmk = lgamma(n - value + 1)
        normalize_term = n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p() - log_factorial_n
        return value * logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self) -> Tensor:
        n = int(self.total_count.max())
        if not bool((self.total_count == n).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        lp = self.log_prob(self.enumerate_support(False))
        return -(lp.exp() * lp).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The values ``0 .. total_count`` along a new leading dim (total_count must be homogeneous)."""
        from .. import arange
        n = int(self.total_count.max())
        if not bool((self.total_count == n).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        p = self._param()[1]
        values = arange(1 + n, dtype=p.dtype, device=p.device).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


class NegativeBinomial(_ProbsOrLogits):
    """Failures before ``total_count`` successes, each trial succeeding with probability ``1 - probs``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.NegativeBinomial(3.0, torch.tensor([0.5])).mean
        tensor([3.])
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0), "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        (self.total_count,) = self._set_param(probs, logits, total_count)
        self.total_count = self.total_count.type_as(self._param()[1])
        super().__init__(self._param()[1].shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "NegativeBinomial":
        name, p = self._param()
        return _rebuilt(self, batch_shape, total_count=(self.total_count, 0), **{name: (p, 0)})

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False).sample(sample_shape)
            return poisson(rate)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        log_unnormalized = n * _logsigmoid(-logits) + value * _logsigmoid(logits)
        log_normalization = -lgamma(n + value) + lgamma(1.0 + value) + lgamma(n)
        log_normalization = log_normalization.masked_fill(n + value == 0.0, 0.0)
        return log_unnormalized - log_normalization


class Multinomial(Distribution):
    """Counts of ``total_count`` draws from ``Categorical(probs)`` (or ``logits``), last dim the categories.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Multinomial(4, torch.tensor([0.5, 0.5])).log_prob(torch.tensor([2.0, 2.0]))
        tensor(-0.9808)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        p = self._categorical.probs
        self._binomial = Binomial(total_count=total_count, probs=p, validate_args=False)
        super().__init__(self._categorical.batch_shape, p.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Multinomial":
        new = Multinomial(self.total_count, logits=self.logits.expand(tuple(batch_shape) + tuple(self.event_shape)),
                          validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The constraint on the values taken."""
        return constraints.multinomial(self.total_count)

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The log-odds."""
        return self._categorical.logits

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        sample_shape = tuple(sample_shape)
        with no_grad():
            samples = self._categorical.sample((self.total_count,) + sample_shape)
            samples = samples.movedim(0, -1)
            counts = zeros(*self._extended_shape(sample_shape), dtype=self.probs.dtype, device=self.probs.device)
            return counts.scatter_add(-1, samples, ones_like(samples, dtype=counts.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        logits = logits.masked_fill((value == 0) & (logits == -math.inf), 0.0)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = lgamma(support + 1)
        return term1 + (binomial_probs * weights).sum(0).sum(-1)


# Abramowitz & Stegun 9.8.1-9.8.4: log I_0 and log I_1 by polynomials in (x/3.75)^2 below 3.75, 3.75/x above
_I0_SMALL = (1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2)
_I0_LARGE = (0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2, -0.2057706e-1, 0.2635537e-1,
             -0.1647633e-1, 0.392377e-2)
_I1_SMALL = (0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2, 0.32411e-3)
_I1_LARGE = (0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1, 0.2282967e-1, -0.2895312e-1,
             0.1787654e-1, -0.420059e-2)


def _poly(y: Tensor, coefs: tuple) -> Tensor:
    r = y * 0 + coefs[-1]
    for c in reversed(coefs[:-1]):
        r = r * y + c
    return r


def _log_bessel_i(x: Tensor, order: int) -> Tensor:
    """``log I_order(x)`` for ``x > 0``, order 0 or 1."""
    from .. import where
    y = (x / 3.75).pow(2)
    small = _poly(y, _I0_SMALL if order == 0 else _I1_SMALL)
    if order == 1:
        small = x.abs() * small
    small = small.log()
    large = x - 0.5 * x.log() + _poly(3.75 / x, _I0_LARGE if order == 0 else _I1_LARGE).log()
    return where(x < 3.75, small, large)


class VonMises(Distribution):
    """The von Mises (circular normal) distribution with mean angle ``loc`` and ``concentration``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.VonMises(0.0, 1.0).log_prob(torch.tensor(0.0))
        tensor(-1.0738)
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "VonMises":
        return _rebuilt(self, batch_shape, loc=(self.loc, 0), concentration=(self.concentration, 0))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        lp = self.concentration * (value - self.loc).cos()
        return lp - math.log(2 * math.pi) - _log_bessel_i(self.concentration, 0)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Best and Fisher's (1979) rejection sampler, on float64."""
        from .. import float64, where
        shape = tuple(self._extended_shape(sample_shape))
        with no_grad():
            k = self.concentration.to(float64).expand(shape)
            tau = 1 + (1 + 4 * k * k).sqrt()
            rho = (tau - (2 * tau).sqrt()) / (2 * k)
            r = where(k < 1e-5, 1 / k + k, (1 + rho * rho) / (2 * rho))
            x = zeros(*shape, dtype=float64)
            done = x > 1
            while not bool(done.all()):
                u1, u2, u3 = rand(*shape, dtype=float64), rand(*shape, dtype=float64), rand(*shape, dtype=float64)
                z = (math.pi * u1).cos()
                f = (1 + r * z) / (r + z)
                c = k * (r - f)
                accept = ~done & (((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0))
                x = where(accept, (u3 - 0.5).sign() * f.clamp(-1, 1).acos(), x)
                done = done | accept
            x = (x + math.pi + self.loc.to(float64)) % (2 * math.pi) - math.pi
            return x.to(self.loc.dtype)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        k = self.concentration
        return 1 - (_log_bessel_i(k, 1) - _log_bessel_i(k, 0)).exp()


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution on ``[0, 1]`` (Loaiza-Ganem & Cunningham, 2019).

    Near ``probs = 0.5`` (inside ``lims``) the normalizer, mean and variance use their Taylor expansions.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.ContinuousBernoulli(torch.tensor([0.3])).mean
        tensor([0.4302])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, probs: Any = None, logits: Any = None, lims: tuple = (0.499, 0.501),
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (p,) = broadcast_all(probs)
            if validate_args is not False and self._validate_args and not bool(constraints.unit_interval.check(p).all()):
                raise ValueError("The parameter probs has invalid values")
            self._probs: Any = _clamp_probs(p)
            self._logits: Any = None
        else:
            (lg,) = broadcast_all(logits)
            self._probs, self._logits = None, lg
        self._lims = lims
        super().__init__((self._probs if self._probs is not None else self._logits).shape, (),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "ContinuousBernoulli":
        shape = tuple(batch_shape)
        kw = {"probs": self._probs.expand(shape)} if self._probs is not None else {"logits": self._logits.expand(shape)}
        new = ContinuousBernoulli(**kw, lims=self._lims, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return self._probs if self._probs is not None else _clamp_probs(self._logits.sigmoid())

    @property
    def logits(self) -> Tensor:
        """The log-odds."""
        return self._logits if self._logits is not None else _logits(self._probs)

    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs >= self._lims[1])

    def _cut_probs(self) -> Tensor:
        from .. import where
        return where(self._outside_unstable_region(), self.probs, self._lims[0] * ones_like(self.probs))

    def _cont_bern_log_norm(self) -> Tensor:
        from .. import where
        cut = self._cut_probs()
        below = where(cut <= 0.5, cut, cut * 0)
        above = where(cut >= 0.5, cut, ones_like(cut))
        log_norm = ((-cut).log1p() - cut.log()).abs().log() - where(
            cut <= 0.5, (-2.0 * below).log1p(), (2.0 * above - 1.0).log())
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        from .. import where
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    @property
    def variance(self) -> Tensor:
        from .. import where
        cut = self._cut_probs()
        vs = cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2) + 1.0 / ((-cut).log1p() - cut.log()).pow(2)
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return where(self._outside_unstable_region(), vs, taylor)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        p = self.probs
        return self.icdf(rand(*shape, dtype=p.dtype, device=p.device))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return value * logits - _softplus(logits) + self._cont_bern_log_norm()

    def cdf(self, value: Tensor) -> Tensor:
        from .. import where
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        cdfs = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = where(self._outside_unstable_region(), cdfs, value)
        return where(value <= 0.0, value * 0, where(value >= 1.0, ones_like(unbounded), unbounded))

    def icdf(self, value: Tensor) -> Tensor:
        from .. import where
        cut = self._cut_probs()
        inv = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) / (cut.log() - (-cut).log1p())
        return where(self._outside_unstable_region(), inv, value)

    def entropy(self) -> Tensor:
        log_probs0 = (-self.probs).log1p()
        log_probs1 = self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    @property
    def _natural_params(self) -> tuple:
        """The _natural_params."""
        return (self.logits,)

    def _log_normalizer(self, x: Tensor) -> Tensor:  # type: ignore[override]
        from .. import where
        out_unst_reg = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut = where(out_unst_reg, x, x * 0 + (self._lims[0] - 0.5))
        log_norm = (cut.exp() - 1.0).abs().log() - cut.abs().log()
        taylor = 0.5 * x + x.pow(2) / 24.0 - x.pow(4) / 2880.0
        return where(out_unst_reg, log_norm, taylor)


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution with ``loc``, ``scale`` and shape ``concentration``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.GeneralizedPareto(0.0, 1.0, 0.0).log_prob(torch.tensor(1.0))
        tensor(-1.)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(self.loc.shape, (), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "GeneralizedPareto":
        return _rebuilt(self, batch_shape, loc=(self.loc, 0), scale=(self.scale, 0),
                        concentration=(self.concentration, 0))

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The constraint on the values taken."""
        from .. import where
        upper = where(self.concentration < 0, self.loc - self.scale / self.concentration,
                      full_like(self.loc, math.inf))
        return constraints.interval(self.loc, upper)

    def _z(self, value: Tensor) -> Tensor:
        return (value - self.loc) / self.scale

    def _safe_conc(self) -> Tensor:
        return self.concentration.masked_fill(self.concentration == 0, 1.0)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        return self.icdf(rand(*shape, dtype=self.loc.dtype, device=self.loc.device))

    def log_prob(self, value: Tensor) -> Tensor:
        from .. import where
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        c = self._safe_conc()
        y = 1 / c + 1
        nonzero = where(y == 0, y, y * (c * z).log1p())
        return -self.scale.log() - where(self.concentration == 0, z, nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        """``log(1 - cdf(value))``."""
        from .. import where
        z = self._z(value)
        c = self._safe_conc()
        return where(self.concentration == 0, -z, -(c * z).log1p() / c)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (-self.log_survival_function(value).exp()).log1p().exp()

    def icdf(self, value: Tensor) -> Tensor:
        from .. import where
        c = self._safe_conc()
        log1mu = (-value).log1p()
        z = where(self.concentration == 0, -log1mu, ((-c * log1mu).expm1()) / c)
        return self.loc + self.scale * z

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale / (1 - self.concentration)).masked_fill(self.concentration >= 1, math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        return (self.scale.pow(2) / ((1 - c).pow(2) * (1 - 2 * c))).masked_fill(c >= 0.5, math.nan)

    def entropy(self) -> Tensor:
        return self.scale.log() + self.concentration + 1
