"""The ``Distribution`` base class (``torch.distributions.Distribution``) and shared helpers."""

from __future__ import annotations

from typing import Any

from .. import Size, broadcast_shapes, broadcast_tensors, no_grad, tensor
from .._tensor import Tensor
from ..dtypes import get_default_dtype
from . import constraints

__all__ = ["Distribution"]


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Broadcast tensors and numbers to one shape (numbers become tensors of the tensors' dtype)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    dtype = like.dtype if like is not None else get_default_dtype()
    device = like.device if like is not None else None
    ts = [v if isinstance(v, Tensor) else tensor(float(v), dtype=dtype, device=device) for v in values]
    return tuple(broadcast_tensors(*ts))


def _size(shape: Any) -> Any:
    return Size(tuple(shape))


class Distribution:
    """Base class of probability distributions, like ``torch.distributions.Distribution``.

    A distribution has a ``batch_shape`` (independent, differently parameterised copies) and an ``event_shape``
    (the shape of one draw). ``sample``/``rsample`` draw with brickwork's generators (so ``manual_seed`` makes
    draws reproducible); ``rsample`` keeps the graph to the parameters (the reparameterisation trick).

    Args:
        batch_shape: the batch shape.
        event_shape: the event shape.
        validate_args: check parameters and ``log_prob`` values (default: ``Distribution`` 's class setting, on).

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.Normal(torch.zeros(3), 1.0)
        >>> d.batch_shape, d.event_shape
        (brickwork.Size([3]), brickwork.Size([]))
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    arg_constraints: dict[str, Any] = {}
    support: Any = None

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions created afterwards (default on).

        Example:
            >>> import brickwork as torch
            >>> torch.distributions.Distribution.set_default_validate_args(True)
        """
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: Any = (), event_shape: Any = (), validate_args: bool | None = None) -> None:
        self._batch_shape = _size(batch_shape)
        self._event_shape = _size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if constraint is constraints.dependent or param not in self.__dict__ and isinstance(
                        getattr(type(self), param, None), property):
                    continue
                value = getattr(self, param)
                valid = constraint.check(value)
                if not bool(valid.all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                        f"distribution {self!r} to satisfy the constraint {constraint!r}, but found invalid "
                        f"values:\n{value}")

    @property
    def batch_shape(self) -> Any:
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> Any:
        """The shape of a single sample (without batching)."""
        return self._event_shape

    @property
    def mean(self) -> Tensor:
        """The mean of the distribution."""
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def mode(self) -> Tensor:
        """The mode of the distribution."""
        raise NotImplementedError(f"{type(self).__name__} has no mode")

    @property
    def variance(self) -> Tensor:
        """The variance of the distribution."""
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self) -> Tensor:
        """The standard deviation (the square root of the variance)."""
        return self.variance.sqrt()

    def _extended_shape(self, sample_shape: Any = ()) -> Any:
        return _size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Draw a sample of shape ``sample_shape + batch_shape + event_shape`` (no graph)."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Draw a reparameterised sample whose graph leads back to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no rsample (has_rsample is False); use sample()")

    def sample_n(self, n: int) -> Tensor:
        """``sample((n,))`` (deprecated in PyTorch)."""
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        """The log of the density (or mass) at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} has no log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        """The cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} has no cdf")

    def icdf(self, value: Tensor) -> Tensor:
        """The inverse cumulative distribution function at ``value``."""
        raise NotImplementedError(f"{type(self).__name__} has no icdf")

    def entropy(self) -> Tensor:
        """The entropy, one value per batch entry."""
        raise NotImplementedError(f"{type(self).__name__} has no entropy")

    def perplexity(self) -> Tensor:
        """``exp(entropy())``."""
        return self.entropy().exp()

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Distribution":
        """A distribution with the parameters broadcast to ``batch_shape``."""
        new = type(self).__new__(type(self))
        shape = _size(batch_shape)
        for name in self._param_names():
            setattr(new, name, getattr(self, name).expand(tuple(shape) + tuple(self._param_event_shape(name))))
        Distribution.__init__(new, shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _param_names(self) -> tuple[str, ...]:
        return tuple(self.arg_constraints)

    def _param_event_shape(self, name: str) -> tuple:
        return ()

    def _validate_sample(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise ValueError(f"The value argument to log_prob must be a Tensor, got {type(value).__name__}")
        ev = len(self._event_shape)
        if ev and tuple(value.shape[value.ndim - ev:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: {tuple(value.shape)} vs "
                             f"{tuple(self._event_shape)}.")
        try:
            broadcast_shapes(tuple(value.shape), tuple(self._batch_shape) + tuple(self._event_shape))
        except (RuntimeError, ValueError):
            raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {tuple(value.shape)} vs "
                             f"{tuple(self._batch_shape) + tuple(self._event_shape)}.") from None
        support = self.support
        if support is None or support is constraints.dependent:
            return
        valid = support.check(value)
        if not bool(valid.all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be "
                             f"within the support ({support!r}) of the distribution {self!r}, but found invalid "
                             f"values:\n{value}")

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        args = ", ".join(f"{k}: {self.__dict__[k].size() if self.__dict__[k].numel() != 1 else self.__dict__[k]}"
                         for k in names)
        return f"{type(self).__name__}({args})"
