"""Constraints on distribution parameters and supports (the basics of ``torch.distributions.constraints``).

Example:
    >>> import brickwork as torch
    >>> from brickwork.distributions import constraints
    >>> constraints.positive.check(torch.tensor([1.0, -1.0]))
    tensor([ True, False])
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor

__all__ = ["Constraint", "boolean", "real", "positive", "nonnegative", "unit_interval", "simplex", "integer_interval",
           "nonnegative_integer", "greater_than", "greater_than_eq", "interval", "half_open_interval",
           "independent", "real_vector", "one_hot", "dependent", "positive_integer"]


class Constraint:
    """A region of values; ``check(value)`` gives a boolean tensor saying which entries (or events) lie in it.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.unit_interval.check(torch.tensor(0.5))
        tensor(True)
    """

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        """A boolean tensor: True where ``value`` satisfies the constraint."""
        raise NotImplementedError(f"{type(self).__name__} does not define check(); subclasses of Constraint do")

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """The support depends on other parameters; ``check`` cannot be evaluated."""

    def check(self, value: Tensor) -> Tensor:
        """Raise: a dependent constraint has no fixed region."""
        raise ValueError("Cannot determine validity of dependent constraint")


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        """True where ``value`` is 0 or 1."""
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        """True for each last-dim vector that is one-hot."""
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _IntegerInterval(Constraint):
    """Integers in ``[lower_bound, upper_bound]`` (``constraints.integer_interval``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.integer_interval(0, 2).check(torch.tensor([1.0, 1.5, 3.0]))
        tensor([ True, False, False])
    """

    is_discrete = True

    def __init__(self, lower_bound: int, upper_bound: int) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value: Tensor) -> Tensor:
        """True where ``value`` is an integer within the bounds."""
        return (value % 1 == 0) & (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: int) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        """True where ``value`` is an integer at least the bound."""
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Real(Constraint):
    def check(self, value: Tensor) -> Tensor:
        """True where ``value`` is not NaN."""
        return value == value


class _GreaterThan(Constraint):
    """Values above ``lower_bound`` (``constraints.greater_than``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.greater_than(1.0).check(torch.tensor([1.0, 2.0]))
        tensor([False,  True])
    """

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        """True where ``value`` exceeds the bound."""
        return self.lower_bound < value

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    """Values at least ``lower_bound`` (``constraints.greater_than_eq``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.greater_than_eq(1.0).check(torch.tensor([1.0, 0.0]))
        tensor([ True, False])
    """

    def check(self, value: Tensor) -> Tensor:
        """True where ``value`` is at least the bound."""
        return self.lower_bound <= value

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _Interval(Constraint):
    """Values in the closed interval ``[lower_bound, upper_bound]`` (``constraints.interval``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.interval(0.0, 1.0).check(torch.tensor([1.0, 2.0]))
        tensor([ True, False])
    """

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value: Tensor) -> Tensor:
        """True where ``lower <= value <= upper``."""
        return (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _HalfOpenInterval(_Interval):
    """Values in ``[lower_bound, upper_bound)`` (``constraints.half_open_interval``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.half_open_interval(0.0, 1.0).check(torch.tensor([0.0, 1.0]))
        tensor([ True, False])
    """

    def check(self, value: Tensor) -> Tensor:
        """True where ``lower <= value < upper``."""
        return (self.lower_bound <= value) & (value < self.upper_bound)

    def __repr__(self) -> str:
        return f"HalfOpenInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        """True for each last-dim vector that is nonnegative and sums to 1 (within 1e-6)."""
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _Independent(Constraint):
    """A constraint over ``reinterpreted_batch_ndims`` more rightmost dims (all must hold).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.independent(constraints.positive, 1).check(torch.tensor([[1.0, 2.0], [1.0, -1.0]]))
        tensor([ True, False])
    """

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint, self.reinterpreted_batch_ndims = base_constraint, reinterpreted_batch_ndims
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + reinterpreted_batch_ndims

    def check(self, value: Tensor) -> Tensor:
        """The base check, reduced with ``all`` over the reinterpreted dims."""
        r = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            r = r.all(-1)
        return r

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


dependent = _Dependent()
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = _Independent(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
independent = _Independent
