"""Continuous distributions with reparameterised sampling: Normal, Uniform, Exponential, Laplace, Cauchy.

Normal, Laplace and Cauchy are location-scale families: `_LocScale` holds what they share (parameters,
mode, ``rsample`` through the inverse cdf or a standard draw, the change of variables in ``log_prob``,
``cdf`` and ``icdf``), and each gives only its standard density, cdf and inverse cdf.
"""

from __future__ import annotations

import math
from typing import Any

from .. import Tensor, finfo, rand, randn
from . import constraints
from .distribution import Distribution, broadcast_all

__all__ = ["Normal", "Uniform", "Exponential", "Laplace", "Cauchy"]


def _like(t: Tensor, shape: Any, kind: str) -> Tensor:
    """Standard uniform (``kind='rand'``) or normal draws shaped ``shape`` on ``t``'s dtype and device."""
    fn = rand if kind == "rand" else randn
    return fn(*tuple(shape), dtype=t.dtype, device=t.device)


class _LocScale(Distribution):
    """A location-scale family: ``loc + scale * Z`` for a standard variable ``Z`` given by the subclass's
    ``_std_log_prob``, ``_std_cdf`` and ``_std_icdf`` (and ``_std_sample``, by default ``_std_icdf`` of a
    uniform draw)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, (), validate_args=validate_args)

    @property
    def mode(self) -> Tensor:
        return self.loc

    def _std_sample(self, shape: Any) -> Tensor:
        u = _like(self.loc, shape, "rand")
        return self._std_icdf(u.clamp(min=finfo(u.dtype).eps))  # 0 would map to -inf

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.loc + self.scale * self._std_sample(self._extended_shape(sample_shape))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._std_log_prob((value - self.loc) / self.scale) - self.scale.log()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._std_cdf((value - self.loc) / self.scale)

    def icdf(self, value: Tensor) -> Tensor:
        return self.loc + self.scale * self._std_icdf(value)

    def _std_log_prob(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def _std_cdf(self, z: Tensor) -> Tensor:
        raise NotImplementedError

    def _std_icdf(self, u: Tensor) -> Tensor:
        raise NotImplementedError


class Normal(_LocScale):
    """The normal distribution with mean ``loc`` and standard deviation ``scale``, like ``torch.distributions.Normal``.

    Args:
        loc: the mean.
        scale: the standard deviation (positive).
        validate_args: check the arguments (see ``Distribution.set_default_validate_args``).

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
        >>> d.log_prob(torch.tensor([0.0, 1.0]))
        tensor([-0.9189, -1.6121])
    """

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    def _std_sample(self, shape: Any) -> Tensor:
        return _like(self.loc, shape, "randn")

    def _std_log_prob(self, z: Tensor) -> Tensor:
        return -(z * z) / 2 - math.log(math.sqrt(2 * math.pi))

    def _std_cdf(self, z: Tensor) -> Tensor:
        return 0.5 * (1 + (z / math.sqrt(2)).erf())

    def _std_icdf(self, u: Tensor) -> Tensor:
        return (2 * u - 1).erfinv() * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)``, like ``torch.distributions.Uniform``.

    Args:
        low: the lower bound (inclusive).
        high: the upper bound (exclusive; larger than ``low``).
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Uniform(0.0, 4.0).entropy()
        tensor(1.3863)
    """

    arg_constraints = {"low": constraints.dependent, "high": constraints.dependent}
    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        super().__init__(self.low.shape, (), validate_args=validate_args)
        if self._validate_args and not bool((self.low < self.high).all()):
            raise ValueError(f"Expected parameter low ({type(self.low).__name__} of shape {tuple(self.low.shape)}) "
                             f"of distribution {self!r} to satisfy the constraint LessThan(upper_bound=high), but "
                             f"found invalid values:\n{self.low}")

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The interval ``[low, high)``."""
        return constraints.half_open_interval(self.low, self.high)

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return float("nan") * self.high

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = _like(self.low, self._extended_shape(sample_shape), "rand")
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        lb = (self.low <= value).to(self.low.dtype)
        ub = (self.high > value).to(self.low.dtype)
        return (lb * ub).log() - (self.high - self.low).log()

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()

    def _param_names(self) -> tuple[str, ...]:
        return ("low", "high")


class Exponential(Distribution):
    """The exponential distribution with rate ``rate``, like ``torch.distributions.Exponential``.

    Args:
        rate: the rate (positive; the mean is ``1 / rate``).
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Exponential(torch.tensor([2.0])).log_prob(torch.tensor([1.0]))
        tensor([-1.3069])
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, (), validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return self.rate * 0

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = _like(self.rate, self._extended_shape(sample_shape), "rand")
        return -(1 - u).log() / self.rate  # 1 - u lies in (0, 1]: the draw is finite

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        return -(1 - value).log() / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()


class Laplace(_LocScale):
    """The Laplace distribution with location ``loc`` and scale ``scale``, like ``torch.distributions.Laplace``.

    Args:
        loc: the location (mean).
        scale: the scale (positive).
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Laplace(0.0, 1.0).log_prob(torch.tensor(1.0))
        tensor(-1.6931)
    """

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return 2 ** 0.5 * self.scale

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    def _std_log_prob(self, z: Tensor) -> Tensor:
        return -math.log(2) - z.abs()

    def _std_cdf(self, z: Tensor) -> Tensor:
        return 0.5 - 0.5 * z.sign() * (-z.abs()).expm1()

    def _std_icdf(self, u: Tensor) -> Tensor:
        term = u - 0.5
        return -term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()


class Cauchy(_LocScale):
    """The Cauchy distribution with median ``loc`` and scale ``scale``, like ``torch.distributions.Cauchy``.

    Args:
        loc: the median.
        scale: the half width at half maximum (positive).
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Cauchy(0.0, 1.0).cdf(torch.tensor(1.0))
        tensor(0.7500)
    """

    @property
    def mean(self) -> Tensor:
        return self.loc * float("nan")

    @property
    def variance(self) -> Tensor:
        return self.loc * 0 + float("inf")

    def _std_log_prob(self, z: Tensor) -> Tensor:
        return -math.log(math.pi) - (z * z).log1p()

    def _std_cdf(self, z: Tensor) -> Tensor:
        return z.atan() / math.pi + 0.5

    def _std_icdf(self, u: Tensor) -> Tensor:
        return (math.pi * (u - 0.5)).tan()

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()
