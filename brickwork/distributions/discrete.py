"""Discrete distributions: Bernoulli, Categorical, OneHotCategorical."""

from __future__ import annotations

from typing import Any

from .. import Size, Tensor, bernoulli, finfo, multinomial, no_grad
from . import constraints
from .distribution import Distribution, broadcast_all

__all__ = ["Bernoulli", "Categorical", "OneHotCategorical"]


def _softplus(x: Tensor) -> Tensor:
    return x.clamp(min=0) + (-x.abs()).exp().log1p()


def _clamp_probs(p: Tensor) -> Tensor:
    eps = finfo(p.dtype).eps
    return p.clamp(min=eps, max=1 - eps)


class Bernoulli(Distribution):
    """The Bernoulli distribution given ``probs`` or ``logits`` (not both), like ``torch.distributions.Bernoulli``.

    Args:
        probs: the probability of 1.
        logits: the log-odds of 1.
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.Bernoulli(probs=torch.tensor([0.25, 0.5]))
        >>> d.log_prob(torch.tensor([1.0, 0.0])), d.variance
        (tensor([-1.3863, -0.6931]), tensor([0.1875, 0.2500]))
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        super().__init__(self._param.shape, (), validate_args=validate_args)

    def __getattr__(self, name: str) -> Any:
        if name == "probs":
            return self.__dict__["logits"].sigmoid()
        if name == "logits":
            p = _clamp_probs(self.__dict__["probs"])
            return p.log() - (-p).log1p()
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _param_names(self) -> tuple[str, ...]:
        return ("probs",) if "probs" in self.__dict__ else ("logits",)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Bernoulli":
        name = self._param_names()[0]
        return Bernoulli(**{name: self.__dict__[name].expand(tuple(batch_shape))}, validate_args=False)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        p = self.probs
        m = (p >= 0.5).to(p.dtype)
        return m.masked_fill(p == 0.5, float("nan"))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            return bernoulli(self.probs.expand(tuple(shape)).detach())

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return value * logits - _softplus(logits)

    def entropy(self) -> Tensor:
        logits, p = self.logits, self.probs
        return _softplus(logits) - p * logits

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The values 0 and 1, shaped ``(2,) + (1,) * len(batch_shape)`` (expanded over the batch by default)."""
        from .. import arange
        values = arange(2, dtype=self._param.dtype).reshape((2,) + (1,) * len(self._batch_shape))
        return values.expand((2,) + tuple(self._batch_shape)) if expand else values


class Categorical(Distribution):
    """A distribution over ``{0, ..., K-1}`` given ``probs`` or ``logits`` along the last dim.

    Like ``torch.distributions.Categorical``: ``probs`` are normalised to sum to 1, ``logits`` to log-sum-exp 0.

    Args:
        probs: nonnegative weights (last dim: the categories).
        logits: unnormalised log-probabilities.
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.Categorical(probs=torch.tensor([1.0, 3.0]))
        >>> d.probs, d.log_prob(torch.tensor(1))
        (tensor([0.2500, 0.7500]), tensor(-0.2877))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], (), validate_args=validate_args)

    def __getattr__(self, name: str) -> Any:
        if name == "probs":
            return self.__dict__["logits"].softmax(-1)
        if name == "logits":
            return _clamp_probs(self.__dict__["probs"]).log()
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The integers ``0 .. K-1``."""
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> Any:
        """The shape of ``probs``/``logits``."""
        return self._param.shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Categorical":
        shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            return type(self)(probs=self.probs.expand(shape), validate_args=False)
        return type(self)(logits=self.logits.expand(shape), validate_args=False)

    @property
    def mean(self) -> Tensor:
        return self._param.new_full(tuple(self._extended_shape()), float("nan"))

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return self._param.new_full(tuple(self._extended_shape()), float("nan"))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = Size(tuple(sample_shape))
        n = 1
        for s in shape:
            n *= s
        with no_grad():
            probs_2d = self.probs.detach().reshape(-1, self._num_events)
            draws = multinomial(probs_2d, n, True).T
        return draws.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_all_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The values ``0 .. K-1``, shaped ``(K,) + (1,) * len(batch_shape)`` (expanded over the batch by default)."""
        from .. import arange
        values = arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


def broadcast_all_tensors(value: Tensor, logits: Tensor) -> tuple[Tensor, Tensor]:
    """``value`` (with a trailing size-1 dim) and ``logits`` broadcast over their leading dims."""
    from .. import broadcast_shapes
    lead = broadcast_shapes(tuple(value.shape[:-1]), tuple(logits.shape[:-1]))
    return value.expand(tuple(lead) + (1,)), logits.expand(tuple(lead) + (logits.shape[-1],))


class OneHotCategorical(Distribution):
    """A categorical distribution whose samples are one-hot vectors, like ``torch.distributions.OneHotCategorical``.

    Args:
        probs: nonnegative weights (last dim: the categories).
        logits: unnormalised log-probabilities.
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.OneHotCategorical(probs=torch.tensor([0.25, 0.75]))
        >>> d.log_prob(torch.tensor([0.0, 1.0])), d.event_shape
        (tensor(-0.2877), brickwork.Size([2]))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:], validate_args=False)
        if validate_args is not None:
            self._validate_args = validate_args
        else:
            self._validate_args = Distribution._validate_args

    @property
    def probs(self) -> Tensor:
        """The normalised probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        """The normalised log-probabilities."""
        return self._categorical.logits

    def expand(self, batch_shape: Any, _instance: Any = None) -> "OneHotCategorical":
        new = type(self).__new__(type(self))
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, new._categorical.batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        probs = self._categorical.probs
        idx = probs.argmax(-1, keepdim=True)
        return (probs * 0).scatter(-1, idx, 1.0)

    @property
    def variance(self) -> Tensor:
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        idx = self._categorical.sample(sample_shape)
        probs = self._categorical.probs.detach()
        out = probs.new_zeros(tuple(self._extended_shape(sample_shape)))
        return out.scatter(-1, idx.unsqueeze(-1), 1.0)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The ``K`` one-hot vectors, shaped ``(K,) + (1,) * len(batch_shape) + (K,)`` (expanded by default)."""
        from .. import eye
        n = self._event_shape[0]
        values = eye(n, dtype=self._categorical._param.dtype).reshape((n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand((n,) + tuple(self._batch_shape) + (n,)) if expand else values
