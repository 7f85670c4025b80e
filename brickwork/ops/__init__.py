"""The differentiable primitives, grouped by family, and their installation as ``Tensor`` methods."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._tensor import Tensor
from . import combine, creation, elementwise, indexing, linalg, linalg_extra, movement, random, reduce, scan, stats
from ._core import renamed as _renamed
from .creation import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .random import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .combine import *  # noqa: F401,F403
from .scan import *  # noqa: F401,F403
from .stats import *  # noqa: F401,F403

_E, _R, _M, _I, _L, _C = elementwise, reduce, movement, indexing, linalg, creation

# Methods that are the module function of the same name, with the tensor as first argument.
_SAME_NAME = {
    _E: "add sub mul div true_divide divide multiply subtract floor_divide remainder fmod pow float_power maximum "
        "minimum fmax fmin lerp clamp clip clamp_min clamp_max exp exp2 expm1 log log2 log10 log1p sqrt rsqrt "
        "reciprocal square abs absolute sign sgn neg negative sin cos tan asin acos atan atan2 arctan2 sinh cosh "
        "tanh sigmoid relu erf erfc erfinv floor ceil trunc fix round frac nan_to_num eq ne lt le gt ge greater "
        "greater_equal less less_equal not_equal logical_and logical_or logical_xor logical_not bitwise_and "
        "bitwise_or bitwise_xor bitwise_not isnan isinf isfinite isclose allclose equal rsub",
    _R: "sum nansum mean nanmean prod max min amax amin aminmax argmax argmin var std norm logsumexp softmax "
        "log_softmax cumsum cumprod all any count_nonzero",
    _M: "reshape view view_as reshape_as permute transpose swapaxes swapdims t movedim moveaxis squeeze unsqueeze "
        "flatten ravel unflatten expand expand_as broadcast_to repeat tile narrow split chunk tensor_split unbind "
        "flip fliplr flipud roll triu tril diagonal",
    _I: "gather scatter scatter_add index_select index_add index_fill masked_fill masked_select masked_scatter take "
        "take_along_dim sort argsort topk kthvalue median nonzero argwhere repeat_interleave unique",
    _L: "matmul mm bmm mv dot outer inner addmm baddbmm",
    _C: "to cpu cuda type_as clone contiguous copy_ new_tensor new_zeros new_ones new_empty new_full fill_ zero_",
    random: "uniform_ normal_ bernoulli_ random_ exponential_",
    combine: "select diag diagflat trace kron cross",
    scan: "cummax cummin logcumsumexp logaddexp logaddexp2 bitwise_left_shift bitwise_right_shift",
    stats: "scatter_reduce index_reduce quantile nanquantile histc bincount unique_consecutive",
}
for _mod, _names in _SAME_NAME.items():
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_mod, _name))

Tensor.type = _C.type_  # type: ignore[method-assign]
for _name, _dt in (("float", "float32"), ("double", "float64"), ("half", "float16"), ("bfloat16", "bfloat16"),
                   ("long", "int64"), ("int", "int32"), ("short", "int16"), ("char", "int8"), ("byte", "uint8"),
                   ("bool", "bool")):
    from .. import dtypes as _dts

    setattr(Tensor, _name, _C._cast_method(_name, _dts.BY_NAME[_dt]))

Tensor.T = property(movement._T, doc="All dimensions reversed.")  # type: ignore[assignment]
Tensor.mT = property(movement._mT, doc="The last two dimensions swapped.")  # type: ignore[assignment]
Tensor.H = Tensor.T
Tensor.mH = Tensor.mT
Tensor.__getitem__ = indexing.getitem  # type: ignore[assignment]
Tensor.__setitem__ = indexing.setitem  # type: ignore[assignment]


def _bernoulli(self: Tensor, p: Any = None, *, generator: random.Generator | None = None) -> Tensor:
    """0/1 samples drawn with probability ``p`` (by default the tensor's own values).

    Example:
        >>> import brickwork as torch
        >>> torch.ones(3).bernoulli()
        tensor([1., 1., 1.])
    """
    return random.bernoulli(self, p, generator=generator)


Tensor.bernoulli = _bernoulli  # type: ignore[attr-defined]


def _rev(fn: Any) -> Any:
    def r(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    return r


_OPERATORS = {
    "__add__": _E.add, "__radd__": _rev(_E.add), "__sub__": _E.sub, "__rsub__": _E.rsub,
    "__mul__": _E.mul, "__rmul__": _rev(_E.mul), "__truediv__": _E.div, "__rtruediv__": _rev(_E.div),
    "__floordiv__": _E.floor_divide, "__rfloordiv__": _rev(_E.floor_divide), "__mod__": _E.remainder,
    "__rmod__": _rev(_E.remainder), "__pow__": _E.pow, "__rpow__": _rev(_E.pow), "__matmul__": _L.matmul,
    "__rmatmul__": _rev(_L.matmul), "__eq__": _E.eq, "__ne__": _E.ne, "__lt__": _E.lt, "__le__": _E.le,
    "__gt__": _E.gt, "__ge__": _E.ge, "__and__": _E.bitwise_and, "__or__": _E.bitwise_or,
    "__xor__": _E.bitwise_xor, "__rand__": _rev(_E.bitwise_and), "__ror__": _rev(_E.bitwise_or),
    "__rxor__": _rev(_E.bitwise_xor), "__lshift__": scan.bitwise_left_shift, "__rshift__": scan.bitwise_right_shift,
    "__rlshift__": _rev(scan.bitwise_left_shift), "__rrshift__": _rev(scan.bitwise_right_shift),
}
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _fn)
Tensor.__neg__ = _E.neg  # type: ignore[assignment]
Tensor.__pos__ = lambda self: self  # type: ignore[assignment]
Tensor.__abs__ = _E.abs  # type: ignore[assignment]
Tensor.__invert__ = _E.bitwise_not  # type: ignore[assignment]
Tensor.__hash__ = object.__hash__  # type: ignore[assignment]  # __eq__ above would otherwise unset it
Tensor.__eq__ = lambda self, other: False if other is None else _E.eq(self, other)  # type: ignore[assignment]
Tensor.__ne__ = lambda self, other: True if other is None else _E.ne(self, other)  # type: ignore[assignment]


def _contains(self: Tensor, element: Any) -> bool:
    """Whether a number or tensor ``element`` equals any element of the tensor (``element in x``)."""
    if not isinstance(element, (Tensor, int, float, bool)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                           f"{type(element)}.")
    return bool((self == element).any())


Tensor.__contains__ = _contains  # type: ignore[method-assign, operator]

# In-place variants: the out-of-place op run through the in-place protocol (leaf check, version bump).
_INPLACE = {
    "add_": _E.add, "sub_": _E.sub, "mul_": _E.mul, "div_": _E.div, "pow_": _E.pow, "clamp_": _E.clamp,
    "clip_": _E.clamp, "clamp_min_": _E.clamp_min, "clamp_max_": _E.clamp_max, "exp_": _E.exp, "log_": _E.log,
    "sqrt_": _E.sqrt, "rsqrt_": _E.rsqrt, "abs_": _E.abs, "neg_": _E.neg, "sigmoid_": _E.sigmoid,
    "tanh_": _E.tanh, "relu_": _E.relu, "floor_": _E.floor, "ceil_": _E.ceil, "round_": _E.round,
    "trunc_": _E.trunc, "sign_": _E.sign, "sin_": _E.sin, "cos_": _E.cos, "reciprocal_": _E.reciprocal,
    "lerp_": _E.lerp, "masked_fill_": _I.masked_fill, "scatter_": _I.scatter, "scatter_add_": _I.scatter_add,
    "index_add_": _I.index_add, "index_fill_": _I.index_fill, "remainder_": _E.remainder, "fmod_": _E.fmod,
    "square_": _E.square, "log1p_": _E.log1p, "expm1_": _E.expm1, "erf_": _E.erf, "maximum_": _E.maximum,
    "minimum_": _E.minimum, "nan_to_num_": _E.nan_to_num, "tril_": _M.tril, "triu_": _M.triu,
    "masked_scatter_": _I.masked_scatter, "floor_divide_": _E.floor_divide,
    "bitwise_left_shift_": scan.bitwise_left_shift, "bitwise_right_shift_": scan.bitwise_right_shift,
    "scatter_reduce_": stats.scatter_reduce, "index_reduce_": stats.index_reduce,
}
for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, _E.make_inplace(_fn, _name))
for _op, _name in (("__iadd__", "add_"), ("__isub__", "sub_"), ("__imul__", "mul_"), ("__itruediv__", "div_"),
                   ("__ipow__", "pow_"), ("__imod__", "remainder_"), ("__ifloordiv__", "floor_divide_"),
                   ("__ilshift__", "bitwise_left_shift_"), ("__irshift__", "bitwise_right_shift_")):
    setattr(Tensor, _op, getattr(Tensor, _name))


def _addcmul(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``self + value * tensor1 * tensor2``.

    Example:
        >>> import brickwork as torch
        >>> torch.addcmul(torch.ones(2), torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]), value=0.5)
        tensor([2.5000, 5.0000])
    """
    return _renamed(self + value * tensor1 * tensor2, "AddcmulBackward0", self, tensor1, tensor2)


def _addcdiv(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``self + value * tensor1 / tensor2``.

    Example:
        >>> import brickwork as torch
        >>> torch.addcdiv(torch.ones(2), torch.tensor([1.0, 2.0]), torch.tensor([4.0, 8.0]), value=2)
        tensor([1.5000, 1.5000])
    """
    return _renamed(self + value * tensor1 / tensor2, "AddcdivBackward0", self, tensor1, tensor2)


addcmul, addcdiv = _addcmul, _addcdiv
Tensor.addcmul, Tensor.addcdiv = _addcmul, _addcdiv  # type: ignore[attr-defined]
Tensor.addcmul_ = _E.make_inplace(_addcmul, "addcmul_")  # type: ignore[attr-defined]
Tensor.addcdiv_ = _E.make_inplace(_addcdiv, "addcdiv_")  # type: ignore[attr-defined]


def _split_with_sizes(self: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of the given sizes along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> [p.tolist() for p in torch.arange(5).split_with_sizes([2, 3])]
        [[0, 1], [2, 3, 4]]
    """
    return movement.split(self, list(split_sizes), dim)


Tensor.split_with_sizes = _split_with_sizes  # type: ignore[attr-defined]
Tensor.expm1 = _E.expm1

# -- the linear algebra that PyTorch also offers at the top level and as Tensor methods --------------------------

def det(input: Tensor) -> Tensor:
    """The determinant of a square matrix (or a batch), as ``brickwork.linalg.det``.

    Example:
        >>> import brickwork as torch
        >>> torch.det(torch.tensor([[1.0, 2.0], [3.0, 4.0]])).round()
        tensor(-2.)
    """
    return linalg_extra.det(input)


def logdet(input: Tensor) -> Tensor:
    """The log of the determinant (nan for a negative determinant, -inf for zero).

    Example:
        >>> import brickwork as torch
        >>> torch.logdet(torch.eye(2) * 2).item() == 2 * 0.6931471824645996
        True
    """
    s = linalg_extra.slogdet(input)
    return _E.where(s.sign < 0, float("nan"), _E.where(s.sign == 0, float("-inf"), s.logabsdet))


def slogdet(input: Tensor) -> Any:
    """``(sign, logabsdet)`` of the determinant, as ``brickwork.linalg.slogdet``.

    Example:
        >>> import brickwork as torch
        >>> torch.slogdet(torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sign
        tensor(-1.)
    """
    return linalg_extra.slogdet(input)


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of a square matrix (or a batch), as ``brickwork.linalg.inv``.

    Example:
        >>> import brickwork as torch
        >>> torch.inverse(torch.eye(2) * 2)
        tensor([[0.5000, 0.0000],
                [0.0000, 0.5000]])
    """
    return linalg_extra.inv(input)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, dropping singular values below ``rcond`` times the largest.

    Example:
        >>> import brickwork as torch
        >>> torch.pinverse(torch.eye(2) * 2)
        tensor([[0.5000, 0.0000],
                [0.0000, 0.5000]])
    """
    return linalg_extra.pinv(input, rtol=rcond)


def matrix_power(input: Tensor, n: int) -> Tensor:
    """``input`` multiplied by itself ``n`` times, as ``brickwork.linalg.matrix_power``.

    Example:
        >>> import brickwork as torch
        >>> torch.matrix_power(torch.eye(2) * 2, 3)
        tensor([[8., 0.],
                [0., 8.]])
    """
    return linalg_extra.matrix_power(input, n)


for _name in ("det", "logdet", "slogdet", "inverse", "pinverse", "matrix_power"):
    setattr(Tensor, _name, globals()[_name])


# What `from brickwork.ops import *` (and so `import brickwork`) exports: the ops the family modules define.
# The helpers they share (wrap, record, sum_to... from _core) and the few below stay importable from their
# modules but are not public API.
_INTERNAL = {"make_inplace", "index_put_new", "xp_isfinite"}
_FAMILIES = {m.__name__ for m in (_E, _R, _M, _I, _L, _C, random, combine, scan, stats)} | {__name__}
__all__ = sorted(n for n, v in list(globals().items()) if not n.startswith("_") and n not in _INTERNAL
                 and getattr(v, "__module__", None) in _FAMILIES)
