"""The methods of `Tensor`: every op that is also a method, declared in one class body.

``Tensor`` inherits `TensorMethods` for type checkers and readers (``x.sum()`` is ``reduce.sum(x)``, found
here). At run time `install` copies this class body into ``Tensor`` itself once, when
`brickwork.ops` is imported (``_tensor.py`` cannot import the ops it would inherit from: they import it), so
a method call finds the op function in ``Tensor.__dict__`` directly, with no wrapper and no extra lookup.

A method that is an op of the same name is that op, with the tensor as its first argument. In-place
variants (``add_``) run the out-of-place op through the in-place protocol (leaf check, version bump).

Example:
    >>> import brickwork as torch
    >>> x = torch.tensor([1.0, -2.0])
    >>> x.abs().sum(), torch.Tensor.sum is torch.sum
    (tensor(3.), True)
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar, cast

from .. import dtypes
from .._tensor import Tensor
from . import (activation, combine, complex_numbers, creation, elementwise, elementwise_extra, gamma, indexing, linalg,
               linalg_extra, linalg_factor, linalg_legacy, movement, random, reduce, scan, sparse, spectral, stats)

__all__ = ["TensorMethods", "install"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _inplace(fn: _F, name: str) -> _F:
    """The in-place method ``name`` of the op ``fn``: the same arguments, the result written into ``self``."""
    return elementwise.make_inplace(fn, name)


def _cast(name: str, dtype: dtypes.dtype) -> Callable[..., Tensor]:
    """The conversion method ``name`` (``x.float()``): ``x.to(dtype)``."""
    return cast("Callable[..., Tensor]", creation._cast_method(name, dtype))


# Operators whose tensor is the right operand, and the few methods that are not an op of the same name.

def _reflected(op: Callable[[Any, Any], Tensor]) -> Callable[[Tensor, Any], Tensor]:
    """The reflected operator of ``op`` (``__radd__`` of ``add``): ``other <op> self``."""
    def method(self: Tensor, other: Any) -> Tensor:
        return op(other, self)

    method.__name__ = method.__qualname__ = f"_r{op.__name__}"
    return method


def _eq(self: Tensor, other: Any) -> Any:
    return False if other is None else elementwise.eq(self, other)


def _ne(self: Tensor, other: Any) -> Any:
    return True if other is None else elementwise.ne(self, other)


def _contains(self: Tensor, element: Any) -> bool:
    """Whether a number or tensor ``element`` equals any element of the tensor (``element in x``)."""
    if not isinstance(element, (Tensor, int, float, bool)):
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                           f"{type(element)}.")
    return bool((self == element).any())


def _bernoulli(self: Tensor, p: Any = None, *, generator: random.Generator | None = None) -> Tensor:
    """0/1 samples drawn with probability ``p`` (by default the tensor's own values).

    Example:
        >>> import brickwork as torch
        >>> torch.ones(3).bernoulli()
        tensor([1., 1., 1.])
    """
    return random.bernoulli(self, p, generator=generator)


def _split(self: Tensor, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of ``split_size`` (the last may be smaller) or of the listed sizes, along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> [p.tolist() for p in torch.arange(5).split(2)]
        [[0, 1], [2, 3], [4]]
    """
    return movement.split(self, split_size, dim)


def _norm(self: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """Vector p-norm over ``dim`` (all elements by default); `brickwork.norm` without ``out``.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([3.0, 4.0]).norm()
        tensor(5.)
    """
    return reduce.norm(self, p, dim, keepdim, dtype=dtype)


def _where(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``self`` where ``condition`` holds, else ``other`` (``torch.where(condition, self, other)``).

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([1.0, -2.0]); x.where(x > 0, 0.0)
        tensor([1., 0.])
    """
    return elementwise.where(condition, self, other)


def _polygamma(self: Tensor, n: int) -> Tensor:
    """``x.polygamma(n)`` is ``polygamma(n, x)``: the tensor is the second argument."""
    return gamma.polygamma(n, self)


class TensorMethods:
    """Every method of `Tensor` that is an op (see the module docstring)."""

    __slots__ = ()

    # -- operators -----------------------------------------------------------------------------------------
    __add__ = elementwise._add_operator
    __radd__ = _reflected(elementwise._add_operator)
    __sub__ = elementwise._sub_operator
    __rsub__ = elementwise.rsub
    __mul__ = elementwise._mul_operator
    __rmul__ = _reflected(elementwise._mul_operator)
    __truediv__ = elementwise._div_operator
    __rtruediv__ = _reflected(elementwise._div_operator)
    __floordiv__ = elementwise.floor_divide
    __rfloordiv__ = _reflected(elementwise.floor_divide)
    __mod__ = elementwise.remainder
    __rmod__ = _reflected(elementwise.remainder)
    __pow__ = elementwise.pow
    __rpow__ = _reflected(elementwise.pow)
    __matmul__ = linalg.matmul
    __rmatmul__ = _reflected(linalg.matmul)
    __and__ = elementwise.bitwise_and
    __rand__ = _reflected(elementwise.bitwise_and)
    __or__ = elementwise.bitwise_or
    __ror__ = _reflected(elementwise.bitwise_or)
    __xor__ = elementwise.bitwise_xor
    __rxor__ = _reflected(elementwise.bitwise_xor)
    __lshift__ = scan.bitwise_left_shift
    __rlshift__ = _reflected(scan.bitwise_left_shift)
    __rshift__ = scan.bitwise_right_shift
    __rrshift__ = _reflected(scan.bitwise_right_shift)
    __eq__ = _eq  # type: ignore[assignment]  # elementwise, as in PyTorch; ``x == None`` is False
    __ne__ = _ne  # type: ignore[assignment]
    __lt__ = elementwise.lt
    __le__ = elementwise.le
    __gt__ = elementwise.gt
    __ge__ = elementwise.ge
    __neg__ = elementwise.neg
    __pos__ = elementwise.positive
    __abs__ = elementwise.abs
    __invert__ = elementwise.bitwise_not
    __contains__ = _contains
    __getitem__ = indexing.getitem
    __setitem__ = indexing.setitem

    # -- attributes computed on access -----------------------------------------------------------------
    T: Tensor = property(movement._T, doc="All dimensions reversed.")  # type: ignore[assignment]
    mT: Tensor = property(movement._mT, doc="The last two dimensions swapped.")  # type: ignore[assignment]
    H: Tensor = property(complex_numbers._H, doc="The conjugate transpose of a matrix.")  # type: ignore[assignment]
    mH: Tensor = property(complex_numbers.adjoint,  # type: ignore[assignment]
                          doc="The last two dimensions swapped and conjugated.")
    real: Tensor = property(complex_numbers.real, complex_numbers._set_part("real"),  # type: ignore[assignment]
                            doc="The real parts (a writable view); a real tensor itself.")
    imag: Tensor = property(complex_numbers.imag, complex_numbers._set_part("imag"),  # type: ignore[assignment]
                            doc="The imaginary parts of a complex tensor (a writable view).")

    # -- the ops of the same name ----------------------------------------------------------------------
    # elementwise
    add = elementwise.add
    sub = elementwise.sub
    mul = elementwise.mul
    div = elementwise.div
    true_divide = elementwise.true_divide
    divide = elementwise.divide
    multiply = elementwise.multiply
    subtract = elementwise.subtract
    floor_divide = elementwise.floor_divide
    remainder = elementwise.remainder
    fmod = elementwise.fmod
    pow = elementwise.pow
    float_power = elementwise.float_power
    maximum = elementwise.maximum
    minimum = elementwise.minimum
    fmax = elementwise.fmax
    fmin = elementwise.fmin
    lerp = elementwise.lerp
    clamp = elementwise.clamp
    clip = elementwise.clip
    clamp_min = elementwise.clamp_min
    clamp_max = elementwise.clamp_max
    exp = elementwise.exp
    exp2 = elementwise.exp2
    expm1 = elementwise.expm1
    log = elementwise.log
    log2 = elementwise.log2
    log10 = elementwise.log10
    log1p = elementwise.log1p
    sqrt = elementwise.sqrt
    rsqrt = elementwise.rsqrt
    reciprocal = elementwise.reciprocal
    square = elementwise.square
    abs = elementwise.abs
    absolute = elementwise.absolute
    sign = elementwise.sign
    sgn = elementwise.sgn
    neg = elementwise.neg
    negative = elementwise.negative
    positive = elementwise.positive
    sin = elementwise.sin
    cos = elementwise.cos
    tan = elementwise.tan
    asin = elementwise.asin
    acos = elementwise.acos
    atan = elementwise.atan
    atan2 = elementwise.atan2
    arctan2 = elementwise.arctan2
    arcsin = elementwise.arcsin
    arccos = elementwise.arccos
    arctan = elementwise.arctan
    asinh = elementwise.asinh
    acosh = elementwise.acosh
    atanh = elementwise.atanh
    arcsinh = elementwise.arcsinh
    arccosh = elementwise.arccosh
    arctanh = elementwise.arctanh
    sinh = elementwise.sinh
    cosh = elementwise.cosh
    tanh = elementwise.tanh
    sigmoid = elementwise.sigmoid
    relu = elementwise.relu
    prelu = activation.prelu
    hardshrink = activation.hardshrink
    erf = elementwise.erf
    erfc = elementwise.erfc
    erfinv = elementwise.erfinv
    lgamma = gamma.lgamma
    digamma = gamma.digamma
    polygamma = _polygamma
    mvlgamma = gamma.mvlgamma
    igamma = gamma.igamma
    igammac = gamma.igammac
    floor = elementwise.floor
    ceil = elementwise.ceil
    trunc = elementwise.trunc
    fix = elementwise.fix
    round = elementwise.round
    frac = elementwise.frac
    nan_to_num = elementwise.nan_to_num
    eq = elementwise.eq
    ne = elementwise.ne
    lt = elementwise.lt
    le = elementwise.le
    gt = elementwise.gt
    ge = elementwise.ge
    greater = elementwise.greater
    greater_equal = elementwise.greater_equal
    less = elementwise.less
    less_equal = elementwise.less_equal
    not_equal = elementwise.not_equal
    logical_and = elementwise.logical_and
    logical_or = elementwise.logical_or
    logical_xor = elementwise.logical_xor
    logical_not = elementwise.logical_not
    bitwise_and = elementwise.bitwise_and
    bitwise_or = elementwise.bitwise_or
    bitwise_xor = elementwise.bitwise_xor
    bitwise_not = elementwise.bitwise_not
    isnan = elementwise.isnan
    isinf = elementwise.isinf
    isfinite = elementwise.isfinite
    isclose = elementwise.isclose
    allclose = elementwise.allclose
    equal = elementwise.equal
    rsub = elementwise.rsub
    copysign = elementwise_extra.copysign
    deg2rad = elementwise_extra.deg2rad
    frexp = elementwise_extra.frexp
    gcd = elementwise_extra.gcd
    heaviside = elementwise_extra.heaviside
    hypot = elementwise_extra.hypot
    i0 = elementwise_extra.i0
    isneginf = elementwise_extra.isneginf
    isposinf = elementwise_extra.isposinf
    isreal = elementwise_extra.isreal
    lcm = elementwise_extra.lcm
    ldexp = elementwise_extra.ldexp
    logit = elementwise_extra.logit
    nextafter = elementwise_extra.nextafter
    rad2deg = elementwise_extra.rad2deg
    signbit = elementwise_extra.signbit
    sinc = elementwise_extra.sinc
    xlogy = elementwise_extra.xlogy
    # reduce
    sum = reduce.sum
    nansum = reduce.nansum
    mean = reduce.mean
    nanmean = reduce.nanmean
    prod = reduce.prod
    max = reduce.max
    min = reduce.min
    amax = reduce.amax
    amin = reduce.amin
    aminmax = reduce.aminmax
    argmax = reduce.argmax
    argmin = reduce.argmin
    var = reduce.var
    std = reduce.std
    norm = _norm  # torch.Tensor.norm has no out=
    logsumexp = reduce.logsumexp
    softmax = reduce.softmax
    log_softmax = reduce.log_softmax
    cumsum = reduce.cumsum
    cumprod = reduce.cumprod
    all = reduce.all
    any = reduce.any
    count_nonzero = reduce.count_nonzero
    # movement
    reshape = movement.reshape
    view = movement.view
    view_as = movement.view_as
    reshape_as = movement.reshape_as
    permute = movement.permute
    transpose = movement.transpose
    swapaxes = movement.swapaxes
    swapdims = movement.swapdims
    t = movement.t
    movedim = movement.movedim
    moveaxis = movement.moveaxis
    squeeze = movement.squeeze
    unsqueeze = movement.unsqueeze
    flatten = movement.flatten
    ravel = movement.ravel
    unflatten = movement.unflatten
    expand = movement.expand
    expand_as = movement.expand_as
    broadcast_to = movement.broadcast_to
    repeat = movement.repeat
    tile = movement.tile
    narrow = movement.narrow
    split = _split  # the method names its argument split_size, as torch.Tensor.split does
    chunk = movement.chunk
    tensor_split = movement.tensor_split
    unbind = movement.unbind
    flip = movement.flip
    fliplr = movement.fliplr
    flipud = movement.flipud
    roll = movement.roll
    triu = movement.triu
    tril = movement.tril
    diagonal = movement.diagonal
    # indexing
    gather = indexing.gather
    scatter = indexing.scatter
    scatter_add = indexing.scatter_add
    index_select = indexing.index_select
    index_add = indexing.index_add
    index_fill = indexing.index_fill
    masked_fill = indexing.masked_fill
    masked_select = indexing.masked_select
    masked_scatter = indexing.masked_scatter
    take = indexing.take
    take_along_dim = indexing.take_along_dim
    sort = indexing.sort
    argsort = indexing.argsort
    topk = indexing.topk
    kthvalue = indexing.kthvalue
    median = indexing.median
    nonzero = indexing.nonzero
    argwhere = indexing.argwhere
    repeat_interleave = indexing.repeat_interleave
    unique = indexing.unique
    # linalg
    matmul = linalg.matmul
    mm = linalg.mm
    bmm = linalg.bmm
    mv = linalg.mv
    dot = linalg.dot
    outer = linalg.outer
    inner = linalg.inner
    addmm = linalg.addmm
    stft = spectral.stft
    istft = spectral.istft
    addmm_ = _inplace(linalg.addmm, "addmm_")
    addbmm = linalg.addbmm
    addbmm_ = _inplace(linalg.addbmm, "addbmm_")
    addmv = linalg.addmv
    addmv_ = linalg.addmv_
    addr = linalg.addr
    addr_ = _inplace(linalg.addr, "addr_")
    baddbmm = linalg.baddbmm
    baddbmm_ = _inplace(linalg.baddbmm, "baddbmm_")
    # creation
    to = creation.to
    cpu = creation.cpu
    cuda = creation.cuda
    type_as = creation.type_as
    clone = creation.clone
    contiguous = creation.contiguous
    copy_ = creation.copy_
    new_tensor = creation.new_tensor
    new_zeros = creation.new_zeros
    new_ones = creation.new_ones
    new_empty = creation.new_empty
    new_full = creation.new_full
    fill_ = creation.fill_
    zero_ = creation.zero_
    # random
    uniform_ = random.uniform_
    normal_ = random.normal_
    bernoulli_ = random.bernoulli_
    random_ = random.random_
    exponential_ = random.exponential_
    bernoulli = _bernoulli
    addcmul = elementwise.addcmul
    addcdiv = elementwise.addcdiv
    split_with_sizes = movement.split_with_sizes
    # combine, scan, stats, linalg_extra (issue 10's core API)
    select = combine.select
    diag = combine.diag
    diagflat = combine.diagflat
    trace = combine.trace
    kron = combine.kron
    cross = combine.cross
    cummax = scan.cummax
    cummin = scan.cummin
    logcumsumexp = scan.logcumsumexp
    logaddexp = scan.logaddexp
    logaddexp2 = scan.logaddexp2
    bitwise_left_shift = scan.bitwise_left_shift
    bitwise_right_shift = scan.bitwise_right_shift
    scatter_reduce = stats.scatter_reduce
    index_reduce = stats.index_reduce
    quantile = stats.quantile
    nanquantile = stats.nanquantile
    histc = stats.histc
    bincount = stats.bincount
    unique_consecutive = stats.unique_consecutive
    det = linalg_extra.det
    logdet = linalg_extra.logdet
    slogdet = linalg_extra.slogdet
    inverse = linalg_extra.inverse
    pinverse = linalg_extra.pinverse
    matrix_power = linalg_extra.matrix_power
    cholesky = linalg_legacy.cholesky
    cholesky_inverse = linalg_legacy.cholesky_inverse
    cholesky_solve = linalg_legacy.cholesky_solve
    geqrf = linalg_factor.geqrf
    lu = linalg_legacy.lu
    lu_solve = linalg_legacy.lu_solve
    matrix_exp = linalg_factor.matrix_exp
    orgqr = linalg_legacy.orgqr
    ormqr = linalg_factor.ormqr
    qr = linalg_legacy.qr
    svd = linalg_legacy.svd
    triangular_solve = linalg_legacy.triangular_solve
    to_sparse = sparse.to_sparse
    to_dense = sparse.to_dense
    # complex
    adjoint = complex_numbers.adjoint
    angle = complex_numbers.angle
    conj = complex_numbers.conj
    conj_physical = complex_numbers.conj_physical
    is_complex = complex_numbers.is_complex
    is_conj = complex_numbers.is_conj
    is_neg = complex_numbers.is_neg
    resolve_conj = complex_numbers.resolve_conj
    resolve_neg = complex_numbers.resolve_neg

    # movement, statistics, indexing and creation beyond the core (issue 10, api-tensor)
    hsplit = movement.hsplit
    vsplit = movement.vsplit
    dsplit = movement.dsplit
    unsafe_split = movement.unsafe_split
    unsafe_split_with_sizes = movement.unsafe_split_with_sizes
    unsafe_chunk = movement.unsafe_chunk
    rot90 = movement.rot90
    diag_embed = movement.diag_embed
    unfold = movement.unfold
    as_strided = movement.as_strided
    sum_to_size = movement.sum_to_size
    diff = stats.diff
    msort = stats.msort
    mode = stats.mode
    nanmedian = stats.nanmedian
    cov = stats.cov
    corrcoef = stats.corrcoef
    dist = stats.dist
    renorm = stats.renorm
    histogram = stats.histogram
    index_copy = indexing.index_copy
    index_put = indexing.index_put
    put = indexing.put
    nonzero_static = indexing.nonzero_static
    vdot = linalg.vdot
    ger = linalg.ger
    where = _where
    multinomial = random.multinomial
    new = creation.new
    new_empty_strided = creation.new_empty_strided
    resize = creation.resize
    resize_as = creation.resize_as
    module_load = creation.module_load

    # -- in place ------------------------------------------------------------------------------------------
    add_ = elementwise.add_
    sub_ = elementwise.sub_
    mul_ = elementwise.mul_
    div_ = elementwise.div_
    pow_ = elementwise.pow_
    clamp_ = elementwise.clamp_
    clip_ = elementwise.clip_
    clamp_min_ = elementwise.clamp_min_
    clamp_max_ = elementwise.clamp_max_
    exp_ = elementwise.exp_
    log_ = elementwise.log_
    sqrt_ = elementwise.sqrt_
    rsqrt_ = elementwise.rsqrt_
    abs_ = elementwise.abs_
    neg_ = elementwise.neg_
    sigmoid_ = elementwise.sigmoid_
    tanh_ = elementwise.tanh_
    relu_ = elementwise.relu_
    floor_ = elementwise.floor_
    ceil_ = elementwise.ceil_
    round_ = elementwise.round_
    trunc_ = elementwise.trunc_
    sign_ = elementwise.sign_
    sin_ = elementwise.sin_
    cos_ = elementwise.cos_
    reciprocal_ = elementwise.reciprocal_
    absolute_ = elementwise.absolute_
    acos_ = elementwise.acos_
    arccos_ = elementwise.arccos_
    acosh_ = elementwise.acosh_
    arccosh_ = elementwise.arccosh_
    asin_ = elementwise.asin_
    arcsin_ = elementwise.arcsin_
    asinh_ = elementwise.asinh_
    arcsinh_ = elementwise.arcsinh_
    atan_ = elementwise.atan_
    arctan_ = elementwise.arctan_
    atanh_ = elementwise.atanh_
    arctanh_ = elementwise.arctanh_
    atan2_ = elementwise.atan2_
    arctan2_ = elementwise.arctan2_
    bitwise_and_ = elementwise.bitwise_and_
    bitwise_not_ = elementwise.bitwise_not_
    bitwise_or_ = elementwise.bitwise_or_
    bitwise_xor_ = elementwise.bitwise_xor_
    cosh_ = elementwise.cosh_
    divide_ = elementwise.divide_
    eq_ = elementwise.eq_
    erfc_ = elementwise.erfc_
    erfinv_ = elementwise.erfinv_
    exp2_ = elementwise.exp2_
    fix_ = elementwise.fix_
    float_power_ = elementwise.float_power_
    frac_ = elementwise.frac_
    ge_ = elementwise.ge_
    greater_ = elementwise.greater_
    greater_equal_ = elementwise.greater_equal_
    gt_ = elementwise.gt_
    le_ = elementwise.le_
    less_ = elementwise.less_
    less_equal_ = elementwise.less_equal_
    log10_ = elementwise.log10_
    log2_ = elementwise.log2_
    logical_and_ = elementwise.logical_and_
    logical_not_ = elementwise.logical_not_
    logical_or_ = elementwise.logical_or_
    logical_xor_ = elementwise.logical_xor_
    lt_ = elementwise.lt_
    multiply_ = elementwise.multiply_
    ne_ = elementwise.ne_
    negative_ = elementwise.negative_
    not_equal_ = elementwise.not_equal_
    sgn_ = elementwise.sgn_
    sinh_ = elementwise.sinh_
    subtract_ = elementwise.subtract_
    tan_ = elementwise.tan_
    true_divide_ = elementwise.true_divide_
    copysign_ = elementwise_extra.copysign_
    deg2rad_ = elementwise_extra.deg2rad_
    gcd_ = elementwise_extra.gcd_
    heaviside_ = elementwise_extra.heaviside_
    hypot_ = elementwise_extra.hypot_
    i0_ = elementwise_extra.i0_
    lcm_ = elementwise_extra.lcm_
    ldexp_ = elementwise_extra.ldexp_
    logit_ = elementwise_extra.logit_
    nextafter_ = elementwise_extra.nextafter_
    rad2deg_ = elementwise_extra.rad2deg_
    sinc_ = elementwise_extra.sinc_
    xlogy_ = elementwise_extra.xlogy_
    lerp_ = elementwise.lerp_
    masked_fill_ = _inplace(indexing.masked_fill, "masked_fill_")
    scatter_ = _inplace(indexing.scatter, "scatter_")
    scatter_add_ = _inplace(indexing.scatter_add, "scatter_add_")
    index_add_ = _inplace(indexing.index_add, "index_add_")
    index_fill_ = _inplace(indexing.index_fill, "index_fill_")
    remainder_ = elementwise.remainder_
    fmod_ = elementwise.fmod_
    square_ = elementwise.square_
    log1p_ = elementwise.log1p_
    expm1_ = elementwise.expm1_
    erf_ = elementwise.erf_
    lgamma_ = _inplace(gamma.lgamma, "lgamma_")
    digamma_ = _inplace(gamma.digamma, "digamma_")
    polygamma_ = _inplace(_polygamma, "polygamma_")
    mvlgamma_ = _inplace(gamma.mvlgamma, "mvlgamma_")
    igamma_ = _inplace(gamma.igamma, "igamma_")
    igammac_ = _inplace(gamma.igammac, "igammac_")
    maximum_ = elementwise.maximum_
    minimum_ = elementwise.minimum_
    nan_to_num_ = elementwise.nan_to_num_
    tril_ = _inplace(movement.tril, "tril_")
    triu_ = _inplace(movement.triu, "triu_")
    masked_scatter_ = _inplace(indexing.masked_scatter, "masked_scatter_")
    floor_divide_ = elementwise.floor_divide_
    addcmul_ = elementwise.addcmul_
    addcdiv_ = elementwise.addcdiv_
    bitwise_left_shift_ = _inplace(scan.bitwise_left_shift, "bitwise_left_shift_")
    bitwise_right_shift_ = _inplace(scan.bitwise_right_shift, "bitwise_right_shift_")
    scatter_reduce_ = _inplace(stats.scatter_reduce, "scatter_reduce_")
    index_reduce_ = _inplace(stats.index_reduce, "index_reduce_")
    conj_physical_ = complex_numbers.conj_physical_
    squeeze_ = movement.squeeze_
    unsqueeze_ = movement.unsqueeze_
    transpose_ = movement.transpose_
    swapaxes_ = movement.swapaxes_
    swapdims_ = movement.swapdims_
    t_ = movement.t_
    as_strided_ = movement.as_strided_
    cumsum_ = _inplace(reduce.cumsum, "cumsum_")
    cumprod_ = _inplace(reduce.cumprod, "cumprod_")
    renorm_ = _inplace(stats.renorm, "renorm_")
    index_copy_ = _inplace(indexing.index_copy, "index_copy_")
    index_put_ = _inplace(indexing.index_put, "index_put_")
    put_ = _inplace(indexing.put, "put_")
    fill_diagonal_ = creation.fill_diagonal_
    resize_ = creation.resize_
    apply_ = creation.apply_
    map_ = creation.map_
    map2_ = creation.map2_
    cauchy_ = random.cauchy_
    log_normal_ = random.log_normal_
    geometric_ = random.geometric_
    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_
    __ipow__ = pow_
    __imod__ = remainder_
    __ifloordiv__ = floor_divide_
    __ilshift__ = bitwise_left_shift_
    __irshift__ = bitwise_right_shift_

    # -- conversions (last: these names shadow builtins in the rest of a class body) -------------------
    float = _cast("float", dtypes.float32)
    double = _cast("double", dtypes.float64)
    half = _cast("half", dtypes.float16)
    bfloat16 = _cast("bfloat16", dtypes.bfloat16)
    long = _cast("long", dtypes.int64)
    int = _cast("int", dtypes.int32)
    short = _cast("short", dtypes.int16)
    char = _cast("char", dtypes.int8)
    byte = _cast("byte", dtypes.uint8)
    bool = _cast("bool", dtypes.bool_)
    cfloat = _cast("cfloat", dtypes.complex64)
    cdouble = _cast("cdouble", dtypes.complex128)
    type = creation.type_


# class machinery, not methods; ``__hash__`` is None here only because the class defines ``__eq__``
_NOT_METHODS = frozenset({"__module__", "__qualname__", "__doc__", "__slots__", "__dict__", "__weakref__",
                          "__hash__", "__annotations__", "__firstlineno__", "__static_attributes__"})


def install(cls: type = Tensor) -> None:
    """Copy `TensorMethods`' body into ``cls`` (done once, by `brickwork.ops`).

    Example:
        >>> import brickwork as torch
        >>> torch.Tensor.__dict__["sum"] is torch.sum
        True
    """
    for name, value in vars(TensorMethods).items():
        if name in _NOT_METHODS:
            continue
        if name in vars(cls) and vars(cls)[name] is not value:
            raise RuntimeError(f"Tensor.{name} is defined both in _tensor.py and in TensorMethods; keep one")
        setattr(cls, name, value)
