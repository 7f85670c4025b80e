"""``TransformedDistribution`` and the distributions PyTorch builds from it: a base distribution pushed
through transforms (Gumbel, Weibull, Pareto, HalfNormal, HalfCauchy, Kumaraswamy, LogisticNormal, and the
relaxed Bernoulli / one-hot categorical)."""

from __future__ import annotations

import math
from typing import Any

from .. import Tensor, finfo, full_like, rand, zeros_like
from ..ops.gamma import digamma, lgamma
from . import constraints
from .continuous import Cauchy, Exponential, Normal, Uniform
from .discrete import Categorical, _clamp_probs, _softplus
from .distribution import Distribution, broadcast_all
from .independent import Independent
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                         SigmoidTransform, StickBreakingTransform, Transform, _sum_rightmost)

__all__ = ["TransformedDistribution", "LogNormal", "Gumbel", "Weibull", "Pareto", "HalfNormal", "HalfCauchy", "Kumaraswamy",
           "LogisticNormal", "RelaxedBernoulli", "RelaxedOneHotCategorical"]

_EULER = 0.57721566490153286060


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (applied in order), like PyTorch's.

    ``log_prob`` changes variables with the transforms' log-Jacobians; ``cdf``/``icdf`` need monotone
    transforms and a base with ``cdf``/``icdf``.

    Args:
        base_distribution: the distribution of the input.
        transforms: a `Transform` or a list of them.
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import Normal, TransformedDistribution
        >>> from brickwork.distributions.transforms import ExpTransform
        >>> d = TransformedDistribution(Normal(0.0, 1.0), [ExpTransform()])
        >>> d.log_prob(torch.tensor(1.0))
        tensor(-0.9189)
    """

    arg_constraints: dict[str, Any] = {}

    def __init__(self, base_distribution: Distribution, transforms: Any, validate_args: bool | None = None) -> None:
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list) and all(isinstance(t, Transform) for t in transforms):
            self.transforms = list(transforms)
        else:
            raise ValueError(f"transforms must be a Transform or a list of Transforms, but was {transforms}")
        base_shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ValueError(f"base_distribution needs to have shape with size at least {transform.domain.event_dim},"
                             f" but got {base_shape}.")
        forward_shape = tuple(transform.forward_shape(base_shape))
        expanded_base_shape = tuple(transform.inverse_shape(forward_shape))
        if base_shape != expanded_base_shape:
            base_batch_shape = expanded_base_shape[:len(expanded_base_shape) - base_event_dim]
            base_distribution = base_distribution.expand(base_batch_shape)
        reinterpreted_batch_ndims = transform.domain.event_dim - base_event_dim
        if reinterpreted_batch_ndims > 0:
            base_distribution = Independent(base_distribution, reinterpreted_batch_ndims)
        self.base_dist: Any = base_distribution
        change = transform.codomain.event_dim - transform.domain.event_dim
        event_dim = max(transform.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "TransformedDistribution":
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        shape = tuple(batch_shape) + tuple(self.event_shape)
        base_shape = tuple(ComposeTransform(self.transforms).inverse_shape(shape))
        base_batch = base_shape[:len(base_shape) - len(self.base_dist.event_shape)]
        new.base_dist = self.base_dist.expand(base_batch)
        for name in self.arg_constraints:
            value = self.__dict__.get(name)
            if isinstance(value, Tensor):
                new.__dict__[name] = value.expand(tuple(batch_shape) + tuple(self._param_event_shape(name)))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The last transform's codomain, over the event dims."""
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self.event_shape) > support.event_dim:
            support = constraints.independent(support, len(self.event_shape) - support.event_dim)
        return support

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base distribution can be reparameterised."""
        return self.base_dist.has_rsample

    def sample(self, sample_shape: Any = ()) -> Tensor:
        from .. import no_grad
        with no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self.event_shape)
        log_prob: Any = 0.0
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            log_prob = log_prob - _sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.domain.event_dim)
            y = x
        return log_prob + _sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value: Tensor) -> Tensor:
        sign: Any = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Tensor) -> Tensor:
        for t in self.transforms[::-1]:
            value = t.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Tensor) -> Tensor:
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for t in self.transforms:
            value = t(value)
        return value


class LogNormal(TransformedDistribution):
    """The distribution of ``exp(X)`` for ``X ~ Normal(loc, scale)``, like ``torch.distributions.LogNormal``.

    Args:
        loc: the mean of the log.
        scale: the standard deviation of the log (positive).
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.LogNormal(0.0, 1.0).mean
        tensor(1.6487)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "LogNormal":
        new = LogNormal(self.loc.expand(tuple(batch_shape)), self.scale.expand(tuple(batch_shape)),
                        validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def loc(self) -> Tensor:
        """The mean of the log."""
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """The standard deviation of the log."""
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.pow(2)).exp()

    @property
    def variance(self) -> Tensor:
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc


class Gumbel(TransformedDistribution):
    """The Gumbel (type-I extreme value) distribution with location ``loc`` and scale ``scale``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Gumbel(0.0, 1.0).mean
        tensor(0.5772)
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        fi = finfo(self.loc.dtype)
        base = Uniform(full_like(self.loc, fi.tiny), full_like(self.loc, 1 - fi.eps), validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, -1), ExpTransform().inv,
                      AffineTransform(self.loc, -self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (self.loc - value) / self.scale
        return (z - z.exp()) - self.scale.log()

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * _EULER

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + _EULER)


class Weibull(TransformedDistribution):
    """The Weibull distribution with ``scale`` and shape ``concentration``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Weibull(1.0, 1.0).mean
        tensor(1.)
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base = Exponential(self.scale.new_ones(tuple(self.scale.shape)), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration_reciprocal), AffineTransform(0, self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.scale * lgamma(1 + self.concentration_reciprocal).exp()

    @property
    def mode(self) -> Tensor:
        c = self.concentration
        return self.scale * ((c - 1) / c).pow(1 / c)

    @property
    def variance(self) -> Tensor:
        r = self.concentration_reciprocal
        return self.scale.pow(2) * (lgamma(1 + 2 * r).exp() - (2 * lgamma(1 + r)).exp())

    def entropy(self) -> Tensor:
        return _EULER * (1 - self.concentration_reciprocal) + (self.scale * self.concentration_reciprocal).log() + 1


class Pareto(TransformedDistribution):
    """The Pareto (type I) distribution with minimum ``scale`` and tail index ``alpha``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Pareto(1.0, 3.0).mean
        tensor(1.5000)
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base, [ExpTransform(), AffineTransform(0, self.scale)], validate_args=validate_args)

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The constraint on the values taken."""
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self) -> Tensor:
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = self.alpha.clamp(min=2)
        return self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2))

    def entropy(self) -> Tensor:
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


class _Folded(TransformedDistribution):
    """``|X|`` for ``X`` of the location-0 family `_base` at ``scale``: twice the base's density on ``[0, inf)``."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    _base: type

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        base = self._base(0, scale, validate_args=False)
        self.scale = base.scale
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value if isinstance(value, Tensor) else self.scale.new_tensor(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        return lp.masked_fill(value < 0, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Tensor) -> Tensor:
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Folded):
    """The distribution of ``|X|`` for ``X ~ Normal(0, scale)``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.HalfNormal(1.0).log_prob(torch.tensor(1.0))
        tensor(-0.7258)
    """

    _base = Normal

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """The distribution of ``|X|`` for ``X ~ Cauchy(0, scale)``.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.HalfCauchy(1.0).log_prob(torch.tensor(1.0))
        tensor(-1.1447)
    """

    _base = Cauchy

    @property
    def mean(self) -> Tensor:
        return full_like(self.scale, math.inf)

    @property
    def variance(self) -> Tensor:
        return full_like(self.scale, math.inf)


def _kumaraswamy_moment(a: Tensor, b: Tensor, n: int) -> Tensor:
    """``E[X^n]`` of Kumaraswamy(a, b): ``b B(1 + n/a, b)``."""
    arg1 = 1 + n / a
    return b * (lgamma(arg1) + lgamma(b) - lgamma(arg1 + b)).exp()


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution on ``(0, 1)``, density ``a b x^(a-1) (1 - x^a)^(b-1)``.

    Args:
        concentration1: ``a`` (positive).
        concentration0: ``b`` (positive).
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Kumaraswamy(1.0, 1.0).mean
        tensor(0.5000)
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        c1 = self.concentration1
        base = Uniform(zeros_like(c1), c1.new_ones(tuple(c1.shape)), validate_args=validate_args)
        transforms = [PowerTransform(exponent=self.concentration0.reciprocal()), AffineTransform(loc=1.0, scale=-1.0),
                      PowerTransform(exponent=self.concentration1.reciprocal())]
        super().__init__(base, transforms, validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        log_mode = ((a - 1).log() - (a * b - 1).log()) / a
        return log_mode.masked_fill((a < 1) | (b < 1), math.nan).exp()

    @property
    def variance(self) -> Tensor:
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 2) - self.mean.pow(2)

    def entropy(self) -> Tensor:
        t1 = 1 - self.concentration1.reciprocal()
        t0 = 1 - self.concentration0.reciprocal()
        h0 = digamma(self.concentration0 + 1) + _EULER
        return t0 + t1 * h0 - self.concentration1.log() - self.concentration0.log()


class LogisticNormal(TransformedDistribution):
    """The logistic-normal distribution on the simplex: stick-breaking of ``Normal(loc, scale)`` vectors.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.LogisticNormal(torch.zeros(2), torch.ones(2)).event_shape
        brickwork.Size([3])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base: Distribution = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand((1,))
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "LogisticNormal":
        new = type(self).__new__(type(self))
        TransformedDistribution.__init__(new, self.base_dist.base_dist.expand(tuple(batch_shape) +
                                                                               tuple(self.base_dist.event_shape)),
                                         StickBreakingTransform(), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def loc(self) -> Tensor:
        """The location of the underlying normal."""
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """The scale of the underlying normal."""
        return self.base_dist.base_dist.scale


class _LogitRelaxedBernoulli(Distribution):
    """The logit of a relaxed Bernoulli (Concrete) variable; `RelaxedBernoulli` is its sigmoid."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        param = probs if probs is not None else logits
        (p,) = broadcast_all(param)
        self.temperature = p.new_tensor(temperature) if not isinstance(temperature, Tensor) else temperature
        if probs is not None:
            self.probs = p
        else:
            self.logits = p
        super().__init__(p.shape, (), validate_args=validate_args)

    def __getattr__(self, name: str) -> Any:
        if name == "probs":
            return self.__dict__["logits"].sigmoid()
        if name == "logits":
            p = _clamp_probs(self.__dict__["probs"])
            return p.log() - (-p).log1p()
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def expand(self, batch_shape: Any, _instance: Any = None) -> "_LogitRelaxedBernoulli":
        name = "probs" if "probs" in self.__dict__ else "logits"
        return type(self)(self.temperature, **{name: self.__dict__[name].expand(tuple(batch_shape))},
                          validate_args=False)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        probs = _clamp_probs(self.probs.expand(shape))
        u = _clamp_probs(rand(*shape, dtype=probs.dtype, device=probs.device))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * _softplus(diff)


class _Relaxed(TransformedDistribution):
    """A relaxed discrete distribution: its relaxed base (class `_base`) through the transform `_transform`, with
    the base's temperature, logits and probs."""

    _base: type
    _transform: type

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        super().__init__(self._base(temperature, probs, logits, validate_args=validate_args), self._transform(),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Any:
        new = type(self).__new__(type(self))
        TransformedDistribution.__init__(new, self.base_dist.expand(batch_shape), self._transform(),
                                         validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def temperature(self) -> Tensor:
        """The relaxation temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """The log-odds."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return self.base_dist.probs


class RelaxedBernoulli(_Relaxed):
    """The relaxed Bernoulli (binary Concrete) distribution on ``(0, 1)`` at ``temperature``; reparameterized.

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.RelaxedBernoulli(torch.tensor(0.5), probs=torch.tensor([0.3]))
        >>> d.log_prob(torch.tensor([0.5]))
        tensor([-0.8675])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    _base, _transform = _LogitRelaxedBernoulli, SigmoidTransform


class _ExpRelaxedCategorical(Distribution):
    """The log of a relaxed one-hot categorical (Concrete) variable; `RelaxedOneHotCategorical` is its exp."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        lg = self._categorical.logits
        self.temperature = lg.new_tensor(temperature) if not isinstance(temperature, Tensor) else temperature
        super().__init__(self._categorical.batch_shape, lg.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "_ExpRelaxedCategorical":
        shape = tuple(batch_shape) + tuple(self.event_shape)
        return type(self)(self.temperature, logits=self.logits.expand(shape), validate_args=False)

    @property
    def logits(self) -> Tensor:
        """The log-odds."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return self._categorical.probs

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        lg = self.logits
        u = _clamp_probs(rand(*shape, dtype=lg.dtype, device=lg.device))
        gumbels = -((-(u.log())).log())
        scores = (lg + gumbels) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        k = self.event_shape[-1]
        if self._validate_args:
            self._validate_sample(value)
        from .. import broadcast_tensors
        logits, value = broadcast_tensors(self.logits, value)
        log_scale = lgamma(full_like(self.temperature, float(k))) - self.temperature.log() * (-(k - 1))
        score = logits - value * self.temperature
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_Relaxed):
    """The relaxed one-hot categorical (Concrete / Gumbel-softmax) distribution at ``temperature``.

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.RelaxedOneHotCategorical(torch.tensor(1.0), probs=torch.tensor([0.2, 0.8]))
        >>> d.log_prob(torch.tensor([0.5, 0.5]))
        tensor(-0.4463)
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    _base, _transform = _ExpRelaxedCategorical, ExpTransform
