"""``Independent``: reinterpret batch dims of a distribution as event dims; and the ``Geometric`` distribution."""

from __future__ import annotations

from typing import Any

from .. import Tensor, finfo, no_grad, rand
from . import constraints
from .discrete import _clamp_probs, _softplus
from .distribution import Distribution, broadcast_all

__all__ = ["Independent", "Geometric"]


class Independent(Distribution):
    """``base_distribution`` with its rightmost ``reinterpreted_batch_ndims`` batch dims treated as event dims.

    Like ``torch.distributions.Independent``: ``log_prob`` and ``entropy`` sum over those dims.

    Args:
        base_distribution: the distribution to wrap.
        reinterpreted_batch_ndims: how many batch dims become event dims.
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import Independent, Normal
        >>> d = Independent(Normal(torch.zeros(3), torch.ones(3)), 1)
        >>> d.batch_shape, d.event_shape, d.log_prob(torch.zeros(3))
        (brickwork.Size([]), brickwork.Size([3]), tensor(-2.7568))
    """

    arg_constraints: dict[str, Any] = {}

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool | None = None) -> None:
        nb = len(base_distribution.batch_shape)
        if reinterpreted_batch_ndims > nb:
            raise ValueError("Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                             f"actual {reinterpreted_batch_ndims} vs {nb}")
        shape = tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        super().__init__(shape[:len(shape) - event_dim], shape[len(shape) - event_dim:], validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base distribution can be reparameterised."""
        return self.base_dist.has_rsample

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The base support, constrained jointly over the reinterpreted dims."""
        return constraints.independent(self.base_dist.support, self.reinterpreted_batch_ndims)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Independent":
        extra = tuple(self._event_shape[:self.reinterpreted_batch_ndims])
        return Independent(self.base_dist.expand(tuple(batch_shape) + extra), self.reinterpreted_batch_ndims,
                           validate_args=False)

    @property
    def mean(self) -> Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.base_dist.rsample(sample_shape)

    def _sum_rightmost(self, t: Tensor) -> Tensor:
        for _ in range(self.reinterpreted_batch_ndims):
            t = t.sum(-1)
        return t

    def log_prob(self, value: Tensor) -> Tensor:
        return self._sum_rightmost(self.base_dist.log_prob(value))

    def entropy(self) -> Tensor:
        return self._sum_rightmost(self.base_dist.entropy())

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"


class Geometric(Distribution):
    """The number of failures before the first success, with success probability ``probs`` (or ``logits``).

    Like ``torch.distributions.Geometric``.

    Args:
        probs: the success probability (in ``(0, 1]``).
        logits: the log-odds of success.
        validate_args: check the arguments.

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.Geometric(torch.tensor([0.5]))
        >>> d.log_prob(torch.tensor([2.0])), d.mean
        (tensor([-2.0794]), tensor([1.]))
    """

    arg_constraints = {"probs": constraints.interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

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
        if self._validate_args and probs is not None and not bool((self.probs > 0).all()):
            raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                             f"{tuple(self.probs.shape)}) of distribution {self!r} to satisfy the constraint "
                             f"Interval(lower_bound=0.0, upper_bound=1.0) with probs > 0, but found invalid "
                             f"values:\n{self.probs}")

    def __getattr__(self, name: str) -> Any:
        if name == "probs":
            return self.__dict__["logits"].sigmoid()
        if name == "logits":
            p = _clamp_probs(self.__dict__["probs"])
            return p.log() - (-p).log1p()
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Geometric":
        name = "probs" if "probs" in self.__dict__ else "logits"
        return Geometric(**{name: self.__dict__[name].expand(tuple(batch_shape))}, validate_args=False)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return self.probs * 0

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        probs = self.probs.detach()
        with no_grad():
            u = rand(*shape, dtype=probs.dtype, device=probs.device).clamp(min=finfo(probs.dtype).tiny)
            return (u.log() / (-probs).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        probs = probs.masked_fill((probs == 1) & (value == 0), 0.0)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        logits, p = self.logits, self.probs
        return (_softplus(logits) - p * logits) / p
