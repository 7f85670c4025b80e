"""``biject_to`` and ``transform_to``: the transform from unconstrained reals onto a constraint's region.

``biject_to(c)`` is a bijection (for HMC-style reparameterization), ``transform_to(c)`` any map onto the
region (softmax for the simplex, ``L L^T`` for positive-definite matrices), as in PyTorch.

Example:
    >>> import brickwork as torch
    >>> from brickwork.distributions import biject_to, constraints
    >>> biject_to(constraints.positive)(torch.tensor([0.0]))
    tensor([1.])
"""

from __future__ import annotations

from typing import Any, Callable

from . import constraints, transforms

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """A registry from constraint classes to functions ``factory(constraint) -> Transform``.

    Example:
        >>> from brickwork.distributions import constraints
        >>> from brickwork.distributions.constraint_registry import ConstraintRegistry
        >>> from brickwork.distributions.transforms import ExpTransform
        >>> r = ConstraintRegistry()
        >>> _ = r.register(constraints.positive, lambda c: ExpTransform())
        >>> r(constraints.positive)
        ExpTransform()
    """

    def __init__(self) -> None:
        self._registry: dict[type, Callable] = {}

    def register(self, constraint: Any, factory: Callable | None = None) -> Any:
        """Register ``factory`` for ``constraint`` (a Constraint subclass or instance); usable as a decorator."""
        if factory is None:
            return lambda f: self.register(constraint, f)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not (isinstance(constraint, type) and issubclass(constraint, constraints.Constraint)):
            raise TypeError(f"Expected constraint to be either a Constraint subclass or instance, but got {constraint}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: Any) -> transforms.Transform:
        for cls in type(constraint).__mro__:
            if cls in self._registry:
                return self._registry[cls](constraint)
        raise NotImplementedError(f"Cannot transform {type(constraint).__name__} constraints; register a factory "
                                  "with .register(constraint_class, factory)")


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _shifted_exp(c: Any) -> transforms.Transform:
    if isinstance(c, constraints._GreaterThan) and not isinstance(c.lower_bound, (int, float)) or \
            getattr(c, "lower_bound", 0) != 0:
        return transforms.ComposeTransform([transforms.ExpTransform(), transforms.AffineTransform(c.lower_bound, 1)])
    return transforms.ExpTransform()


def _less_than(c: Any) -> transforms.Transform:
    return transforms.ComposeTransform([transforms.ExpTransform(), transforms.AffineTransform(c.upper_bound, -1)])


def _interval(c: Any) -> transforms.Transform:
    lb, ub = c.lower_bound, c.upper_bound
    if isinstance(lb, (int, float)) and isinstance(ub, (int, float)) and lb == 0 and ub == 1:
        return transforms.SigmoidTransform()
    return transforms.ComposeTransform([transforms.SigmoidTransform(), transforms.AffineTransform(lb, ub - lb)])


def _independent(registry: ConstraintRegistry) -> Callable:
    return lambda c: transforms.IndependentTransform(registry(c.base_constraint), c.reinterpreted_batch_ndims)


for _reg in (biject_to, transform_to):
    _reg.register(constraints._Real, lambda c: transforms.identity_transform)
    _reg.register(constraints._GreaterThan, _shifted_exp)
    _reg.register(constraints._LessThan, _less_than)
    _reg.register(constraints._Interval, _interval)
    _reg.register(constraints._Independent, _independent(_reg))
    _reg.register(constraints.corr_cholesky, lambda c: transforms.CorrCholeskyTransform())
    _reg.register(constraints._Cat, lambda c, r=_reg: transforms.CatTransform([r(x) for x in c.cseq], c.dim,
                                                                              c.lengths))
    _reg.register(constraints._Stack, lambda c, r=_reg: transforms.StackTransform([r(x) for x in c.cseq], c.dim))
biject_to.register(constraints._Simplex, lambda c: transforms.StickBreakingTransform())
transform_to.register(constraints._Simplex, lambda c: transforms.SoftmaxTransform())
transform_to.register(constraints.lower_cholesky, lambda c: transforms.LowerCholeskyTransform())
transform_to.register(constraints.positive_definite, lambda c: transforms.PositiveDefiniteTransform())
transform_to.register(constraints.positive_semidefinite, lambda c: transforms.PositiveDefiniteTransform())
