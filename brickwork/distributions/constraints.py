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
           "independent", "real_vector", "one_hot", "dependent", "positive_integer", "less_than", "lower_triangular",
           "lower_cholesky", "corr_cholesky", "positive_definite", "positive_semidefinite", "square", "symmetric",
           "cat", "stack", "multinomial"]


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


class _LessThan(Constraint):
    """Values below ``upper_bound`` (``constraints.less_than``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.less_than(1.0).check(torch.tensor([0.0, 2.0]))
        tensor([ True, False])
    """

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        """True where ``value`` is below the bound."""
        return value < self.upper_bound

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Matrix(Constraint):
    """A property of each square matrix in the last two dims, named by ``kind``."""

    event_dim = 2
    kind = ""

    def check(self, value: Tensor) -> Tensor:
        """True for each matrix with the property."""
        from .. import linalg
        k = self.kind
        if k == "square":
            return value.new_ones(value.shape[:-2], dtype=__import__("brickwork").bool) & (
                value.shape[-1] == value.shape[-2])
        if k == "lower_triangular":
            return (value.tril() == value).flatten(-2).all(-1)
        if k == "symmetric":
            return (value - value.mT).abs().le(1e-6).flatten(-2).all(-1)
        if k in ("positive_definite", "positive_semidefinite"):
            sym = (value - value.mT).abs().le(1e-6).flatten(-2).all(-1)
            ev = linalg.eigvalsh(value)
            return sym & ((ev > 0) if k == "positive_definite" else (ev >= 0)).all(-1)
        diag = value.diagonal(dim1=-2, dim2=-1)
        tril = (value.tril() == value).flatten(-2).all(-1)
        if k == "lower_cholesky":
            return tril & (diag > 0).all(-1)
        # corr_cholesky: lower Cholesky factors with rows of unit norm
        eps = __import__("brickwork").finfo(value.dtype).eps * value.shape[-1] * 10
        unit = ((value * value).sum(-1).sqrt() - 1).abs().le(eps).all(-1)
        return tril & (diag > 0).all(-1) & unit

    def __repr__(self) -> str:
        return "".join(w.capitalize() for w in self.kind.split("_")) + "()"


class _Cat(Constraint):
    """Each of ``cseq`` on its ``lengths`` slice of dim ``dim`` (``constraints.cat``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.cat([constraints.positive, constraints.real], lengths=[1, 1]).check(torch.tensor([-1.0, -1.0]))
        tensor([False,  True])
    """

    def __init__(self, cseq: Any, dim: int = 0, lengths: Any = None) -> None:
        self.cseq, self.dim = list(cseq), dim
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.cseq)
        self.event_dim = max(c.event_dim for c in self.cseq)

    def check(self, value: Tensor) -> Tensor:
        """The constraints' checks on their slices, concatenated."""
        from .. import cat
        parts, start = [], 0
        for c, n in zip(self.cseq, self.lengths):
            parts.append(c.check(value.narrow(self.dim, start, n)))
            start += n
        return cat(parts, self.dim)


class _Stack(Constraint):
    """Each of ``cseq`` on its index of dim ``dim`` (``constraints.stack``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.stack([constraints.positive, constraints.real]).check(torch.tensor([-1.0, -1.0]))
        tensor([False,  True])
    """

    def __init__(self, cseq: Any, dim: int = 0) -> None:
        self.cseq, self.dim = list(cseq), dim
        self.event_dim = max(c.event_dim for c in self.cseq)
        if self.dim + self.event_dim < 0:  # stacking along an event dim adds one
            self.event_dim += 1

    def check(self, value: Tensor) -> Tensor:
        """The constraints' checks on their slices, stacked."""
        from .. import stack
        return stack([c.check(value.select(self.dim, i)) for i, c in enumerate(self.cseq)], self.dim)


class _Multinomial(Constraint):
    """Nonnegative integer vectors summing to at most ``upper_bound`` (``constraints.multinomial``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.distributions import constraints
        >>> constraints.multinomial(3).check(torch.tensor([[1.0, 2.0], [2.0, 2.0]]))
        tensor([ True, False])
    """

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: int) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        """True for each last-dim vector of nonnegative counts with sum at most the bound."""
        return (value >= 0).all(-1) & (value.sum(-1) <= self.upper_bound)


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
less_than = _LessThan


def _matrix_kind(kind: str) -> Constraint:
    """The one instance of a `_Matrix` subclass of its own (so constraint registries can key on the class)."""
    name = "_" + "".join(w.capitalize() for w in kind.split("_"))
    return type(name, (_Matrix,), {"kind": kind, "__doc__": f"Square matrices that are {kind.replace('_', ' ')}."})()


lower_triangular = _matrix_kind("lower_triangular")
lower_cholesky = _matrix_kind("lower_cholesky")
corr_cholesky = _matrix_kind("corr_cholesky")
positive_definite = _matrix_kind("positive_definite")
positive_semidefinite = _matrix_kind("positive_semidefinite")
square = _matrix_kind("square")
symmetric = _matrix_kind("symmetric")
cat = _Cat
stack = _Stack
multinomial = _Multinomial
