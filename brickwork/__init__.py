"""brickwork: a small deep learning library with PyTorch's API, on NumPy (CPU) and CuPy (NVIDIA GPUs).

Code written for ``torch`` runs with ``import brickwork as torch`` for everything brickwork covers.

Example:
    >>> import brickwork as torch
    >>> x = torch.ones(2, 2, requires_grad=True)
    >>> (x * 3).sum().backward()
    >>> x.grad
    tensor([[3., 3.],
            [3., 3.]])
"""

from __future__ import annotations

__version__ = "0.1.0"

import builtins as _builtins  # `bool`, `int` and `float` below are brickwork dtypes
import typing as _typing
import warnings as _warnings

# NumPy warns when an array op meets an IEEE special (1/0, log(0), overflow, 0 * inf); PyTorch computes the inf or
# nan silently. This filter drops exactly those warnings when NumPy raises them inside brickwork's own modules: the
# user's own NumPy calls warn as before, and no NumPy error state is changed. (A filter the user installs after
# importing brickwork, e.g. warnings.simplefilter("error"), comes first and still turns them into errors; pytest
# restores the filters around each test, dropping this one. Silencing them at the source, a NumPy error-state
# switch around every op, would cost each op ~0.2 us.)
_warnings.filterwarnings("ignore", message=r"(divide by zero|invalid value|overflow|underflow) encountered in ",
                         category=RuntimeWarning, module=r"brickwork\.")

from ._dlpack import from_dlpack
from ._printing import set_printoptions
from ._tensor import Size, Tensor
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                                 no_grad, set_grad_enabled)
from .backends import device, get_default_device, set_default_device
from .dtypes import (bfloat16, bool_ as bool, cdouble, cfloat, complex128, complex64, double, dtype, finfo, float,
float16, float32, float64,  # noqa: A004
                     can_cast, get_default_dtype, half, iinfo, int, int8, int16, int32, int64, is_floating_point, long,
                     promote_types, result_type, set_default_dtype, short, uint8)
from .ops import (
    Generator, abs, abs_, absolute, acos, acos_, acosh, acosh_, add, addbmm, addcdiv, addcmul, addmm, addmv, addmv_, addr, adjoint, all, allclose,
    amax,
    amin, aminmax, angle, any, arange,
    arccos, arccos_, arccosh, arccosh_, arcsin, arcsin_, arcsinh, arcsinh_, arctan, arctan2, arctan_, arctanh,
    arctanh_, argmax, argmin, argsort, argwhere, as_tensor, asarray, asin, asin_, asinh, asinh_, atan, atan2, atan_,
    atanh, atanh_, baddbmm, bernoulli, bernoulli_,
    bincount, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor, bmm,
    broadcast_shapes, broadcast_tensors, broadcast_to, bucketize, cartesian_prod, cat, cdist, ceil, ceil_, cholesky,
    cholesky_inverse, cholesky_solve, chunk, clamp,
    clamp_, clamp_max, clamp_max_, clamp_min, clamp_min_, clip, clip_, clone, combinations, complex, concat,
    concatenate,
    conj, conj_physical, conj_physical_, copysign, cos,
    cos_, cosh, cosh_, count_nonzero, cross, cummax,
    cummin, cumprod, cumsum, default_generator, deg2rad, deg2rad_, det, diag, diagflat, diagonal, div, divide, dot,
    einsum, empty,
    empty_like, eq, equal, erf, erf_, erfc, erfc_, erfinv, exp, exp2, exp2_, exp_, expand, expand_as, expm1, expm1_,
    exponential_, eye, fill, fill_, fix, fix_, flatten,
    flip, fliplr, flipud, float_power, floor, floor_, floor_divide, fmax, fmin, fmod, frac, frac_, frexp,
    frobenius_norm, from_numpy,
    full,
    full_like, gather,
    gcd, gcd_, ge, geqrf, ger, get_rng_state, getitem, greater, greater_equal, gt, heaviside, histc, hstack, hypot,
    i0, i0_,
    imag, index_add, index_fill, index_reduce,
    index_select, initial_seed, inner, inverse, is_complex, is_conj, is_neg, isclose, isfinite, isinf, isnan,
    isneginf, isposinf, isreal, kron, kthvalue, lcm, lcm_, ldexp, ldexp_, le, lerp, less,
    less_equal, linspace, log, log10, log10_, log1p, log1p_, log2, log2_, log_, log_softmax, logaddexp, logaddexp2,
    logcumsumexp, logdet,
    logical_and, logical_not, logical_or, logical_xor, logit, logit_, logspace, logsumexp, lt, lu, lu_solve,
    lu_unpack, manual_seed, masked_fill,
    masked_scatter, masked_select, matmul, matrix_exp, matrix_power, max, maximum, mean, median, meshgrid, min,
    minimum, mm,
    moveaxis, movedim, mul, multinomial, multiply, mv, nan_to_num, nan_to_num_, nanmean, nanquantile, nansum, narrow,
    ne, neg,
    neg_, negative, negative_, nextafter, nonzero, norm, normal, normal_, not_equal, nuclear_norm, ones, ones_like,
    orgqr, ormqr, outer, pca_lowrank, permute,
    pinverse,
    polar, positive, pow, prod, qr, quantile,
    rad2deg, rad2deg_, rand, rand_like, randint, randint_like, randn, randn_like, random_, randperm, ravel,
    real, reciprocal, reciprocal_,
    relu, relu_, remainder,
    repeat, repeat_interleave, reshape, reshape_as, resolve_conj, resolve_neg, roll, round, round_, rsqrt, rsqrt_,
    rsub, scatter, scatter_add,
    scatter_reduce,
    searchsorted, seed, select, set_rng_state, setitem, sgn, sigmoid, sigmoid_, sign, signbit, sin, sin_, sinc, sinc_,
    sinh, sinh_, slogdet,
    softmax, sort,
    sparse_coo_tensor, split, spmm, sqrt, sqrt_, square, square_, squeeze, stack, std, std_mean, stft, istft, sub, subtract, sum,
    svd, svd_lowrank, swapaxes, swapdims,
    t, take, take_along_dim, tan, tan_, tanh, tanh_, tensor, tensor_split, tensordot, tile, topk, trace, transpose,
    triangular_solve, tril,
    tril_indices, triu, triu_indices, true_divide, trunc, trunc_, unbind, unflatten, uniform_, unique,
    unique_consecutive,
    unsqueeze, vander, var, var_mean, vdot, view, view_as, view_as_complex, view_as_real, vstack, where, xlogy,
    xlogy_, zero_, zeros, zeros_like)
from .ops import digamma, igamma, igammac, lgamma, mvlgamma, polygamma
from .kernels import get_num_threads, set_num_threads
from .ops import (  # issue 10's wider API: movement, statistics, indexing, creation, random
    as_strided, as_strided_, atleast_1d, atleast_2d, atleast_3d, bartlett_window, binomial, blackman_window,
    block_diag, column_stack, corrcoef, cov, cumulative_trapezoid, diag_embed, diff, dist, dsplit, dstack,
    empty_permuted, empty_strided, from_file, frombuffer, gradient, hamming_window, hann_window, histogram,
    histogramdd, hsplit, index_copy, index_put, isin, kaiser_window, mode, msort, nanmedian, nonzero_static,
    poisson, put, range, renorm, rot90, row_stack, scalar_tensor, split_with_sizes, trapezoid, trapz, unravel_index,
    unsafe_chunk, unsafe_split, unsafe_split_with_sizes, vsplit)
from ._errors import AcceleratorError, FatalError, OutOfMemoryError
from ._layouts import (channels_last, channels_last_3d, contiguous_format, layout, memory_format,
                       preserve_format, strided)
from .func import vmap
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled
from ._glue import _assert, compile, get_float32_matmul_precision, set_float32_matmul_precision  # noqa: A004
from ._legacy_tensors import (BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor,
                              HalfTensor, IntTensor, LongTensor, ShortTensor)

from . import autograd, backends, cuda, dtypes, func, kernels, ops, return_types  # noqa: E402

# Process-wide, done once here: keep freed memory in the process rather than returning every large temporary to
# the kernel (glibc's mallopt; a NumPy training step up to 1.7x faster). BRICKWORK_NO_MALLOPT=1 leaves the
# allocator alone; see "Performance settings" in docs/index.md.
backends.tune_allocator()

if _typing.TYPE_CHECKING:  # loaded on first use by __getattr__ below, so that `import brickwork` stays fast
    from . import (accelerator, datasets, distributed, fft, futures, io, jit, linalg, nn, optim, sparse, special,
                   testing, train, utils)
    from .io import FormatError, load, save
    from .nn.utils.summary import summary
    from .utils.dlpack import to_dlpack
    from ._nn_aliases import (
        adaptive_avg_pool1d, adaptive_max_pool1d, affine_grid_generator, alpha_dropout, alpha_dropout_, avg_pool1d,
        batch_norm, bilinear, binary_cross_entropy_with_logits, celu, celu_, channel_shuffle, constant_pad_nd,
        conv1d, conv2d, conv3d, conv_tbc, conv_transpose1d, conv_transpose2d, conv_transpose3d, convolution,
        cosine_embedding_loss, cosine_similarity, ctc_loss, dropout, dropout_, embedding, feature_alpha_dropout,
        feature_alpha_dropout_, feature_dropout, feature_dropout_, grid_sampler, grid_sampler_2d, grid_sampler_3d,
        group_norm, gru, gru_cell, hardshrink, hinge_embedding_loss, instance_norm, kl_div, layer_norm, lstm,
        lstm_cell, margin_ranking_loss, max_pool1d, max_pool1d_with_indices, max_pool2d, max_pool3d, norm_except_dim,
        pairwise_distance, pdist, pixel_shuffle, pixel_unshuffle, poisson_nll_loss, prelu, rms_norm, rnn_relu,
        rnn_relu_cell, rnn_tanh, rnn_tanh_cell, rrelu, rrelu_, selu, selu_, threshold, threshold_, triplet_margin_loss)

# the names `from brickwork import *` gives; the lazily loaded ones above are left out so that it stays fast
__all__ = [
    "AcceleratorError",
    "BFloat16Tensor", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "Generator",
    "FatalError",
    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor", "Size", "Tensor", "abs", "abs_", "absolute", "acos",
    "OutOfMemoryError",
    "acos_", "acosh", "acosh_", "add",
    "addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addmv_", "addr", "adjoint", "all", "allclose", "amax", "amin", "aminmax", "angle", "any", "arange",
    "arccos", "arccos_",
    "arccosh", "arccosh_", "arcsin", "arcsin_", "arcsinh", "arcsinh_", "arctan", "arctan2", "arctan_", "arctanh",
    "arctanh_", "argmax",
    "argmin", "argsort", "argwhere", "as_tensor", "asarray", "asin", "asin_", "asinh", "asinh_", "atan", "atan2",
    "as_strided", "as_strided_",
    "atan_", "atanh", "atanh_", "autograd", "backends", "baddbmm",
    "atleast_1d", "atleast_2d", "atleast_3d", "bartlett_window",
    "bernoulli", "bernoulli_", "bfloat16", "bincount", "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
    "binomial",
    "bitwise_right_shift", "bitwise_xor", "bmm", "bool", "broadcast_shapes", "broadcast_tensors", "broadcast_to",
    "blackman_window", "block_diag",
    "bucketize", "cartesian_prod", "cat", "cdist", "cdouble", "ceil", "ceil_", "cfloat", "cholesky",
    "cholesky_inverse", "cholesky_solve", "chunk", "clamp", "clamp_", "clamp_max",
    "can_cast", "channels_last", "channels_last_3d",
    "clamp_max_", "clamp_min", "clamp_min_", "clip",
    "clip_", "clone", "column_stack", "combinations", "compile", "complex", "complex128", "complex64", "concat",
    "concatenate", "conj", "conj_physical", "conj_physical_", "contiguous_format",
    "copysign", "corrcoef", "cos", "cos_", "cosh", "cosh_", "count_nonzero", "cov", "cross", "cuda", "cummax", "cummin",
    "cumprod", "cumsum", "cumulative_trapezoid", "default_generator", "deg2rad", "deg2rad_", "det", "detach", "detach_",
    "device", "diag", "diag_embed", "diagflat", "diagonal", "diff", "digamma", "dist",
    "div", "divide", "dot", "double", "dtype", "dtypes", "einsum", "empty", "empty_like", "enable_grad", "eq", "equal",
    "dsplit", "dstack", "empty_permuted", "empty_strided",
    "erf", "erf_", "erfc", "erfc_", "erfinv", "exp", "exp2", "exp2_", "exp_", "expand", "expand_as", "expm1",
    "expm1_", "exponential_", "eye", "fill", "fill_", "finfo", "fix",
    "fix_", "flatten", "flip", "fliplr", "flipud", "float", "float16", "float32", "float64", "float_power", "floor",
    "floor_", "floor_divide", "fmax", "fmin", "fmod", "frac", "frac_", "frexp", "frobenius_norm", "from_dlpack",
    "from_file",
    "from_numpy", "frombuffer", "full", "full_like", "gather", "gcd", "gcd_", "ge", "geqrf", "ger",
    "get_default_device",
    "get_default_dtype", "get_device", "get_float32_matmul_precision", "get_num_threads", "get_rng_state", "getitem",
    "gradient", "greater", "greater_equal", "gt", "half", "hamming_window", "hann_window", "heaviside", "histc",
    "histogram", "histogramdd", "hsplit", "hstack", "hypot", "i0", "i0_", "igamma", "igammac", "iinfo", "imag",
    "index_add",
    "index_copy", "index_fill", "index_put", "index_put_", "index_reduce", "index_select", "inference_mode",
    "initial_seed", "inner", "int", "int16", "int32", "int64", "int8", "inverse", "is_complex", "is_conj",
    "is_distributed", "is_floating_point",
    "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
    "is_grad_enabled", "is_inference", "is_inference_mode_enabled", "is_neg", "is_nonzero", "is_same_size", "is_signed",
    "is_tensor", "isclose", "isfinite", "isin", "isinf", "isnan", "isneginf", "isposinf", "isreal", "kaiser_window",
    "kernels", "kron", "kthvalue", "layout", "lcm", "lcm_", "ldexp", "ldexp_", "le", "lerp", "less", "less_equal",
    "lgamma",
    "linspace", "log", "log10", "log10_", "log1p", "log1p_", "log2", "log2_", "log_", "log_softmax", "logaddexp",
    "logaddexp2", "logcumsumexp", "logdet",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logit", "logit_", "logspace", "logsumexp", "long",
    "lt", "lu", "lu_solve", "lu_unpack", "manual_seed",
    "masked_fill", "masked_scatter", "masked_select", "matmul", "matrix_exp", "matrix_power", "max", "maximum",
    "mean", "median",
    "memory_format",
    "meshgrid", "min", "minimum", "mm", "moveaxis", "movedim", "mul", "multinomial", "multiply", "mv", "mvlgamma",
    "nan_to_num",
    "mode", "msort",
    "nan_to_num_", "nanmean", "nanquantile", "nansum", "narrow", "ne", "neg", "neg_", "negative", "negative_",
    "nanmedian", "nextafter", "no_grad", "nonzero", "nonzero_static", "norm", "normal",
    "normal_", "not_equal", "nuclear_norm", "numel", "ones", "ones_like", "ops", "orgqr", "ormqr", "outer",
    "pca_lowrank", "permute", "pinverse", "polar", "positive", "pow",
    "poisson", "polygamma", "preserve_format",
    "prod",
    "promote_types", "put", "qr", "quantile", "rad2deg", "rad2deg_", "rand", "rand_like", "randint", "randint_like",
    "randn",
    "randn_like", "random_", "randperm", "range", "ravel", "real", "reciprocal", "reciprocal_", "relu", "relu_",
    "remainder",
    "renorm",
    "repeat", "repeat_interleave",
    "reshape", "reshape_as",
    "resolve_conj", "resolve_neg", "result_type", "return_types", "roll", "round", "round_", "rsqrt", "rsqrt_",
    "rsub", "scatter", "scatter_add",
    "rot90", "row_stack", "scalar_tensor",
    "scatter_reduce",
    "searchsorted", "seed", "select", "set_default_device", "set_default_dtype", "set_float32_matmul_precision",
    "set_anomaly_enabled",
    "set_grad_enabled", "set_num_threads", "set_printoptions", "set_rng_state", "setitem", "sgn", "short", "sigmoid",
    "sigmoid_", "sign", "signbit", "sin", "sin_", "sinc", "sinc_", "sinh", "sinh_", "slogdet", "softmax", "sort",
    "sparse_coo_tensor", "split", "split_with_sizes",
    "spmm", "sqrt", "sqrt_", "square",
    "square_", "squeeze", "stack", "std", "std_mean", "stft", "istft", "sub", "subtract", "sum", "svd", "svd_lowrank", "swapaxes",
    "swapdims", "t", "take",
    "strided",
    "take_along_dim", "tan", "tan_", "tanh", "tanh_", "tensor", "tensor_split", "tensordot", "tile", "topk", "trace",
    "thread_safe_generator",
    "transpose",
    "trapezoid", "trapz",
    "triangular_solve", "tril", "tril_indices", "triu", "triu_indices", "true_divide", "trunc", "trunc_", "uint8",
    "unbind", "unflatten",
    "uniform_",
    "unique", "unique_consecutive", "unsqueeze", "vander", "var", "var_mean", "vdot", "view", "view_as",
    "view_as_complex", "view_as_real", "vstack", "where",
    "unravel_index", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes", "vmap", "vsplit", "xlogy", "xlogy_",
    "zero_", "zeros", "zeros_like"]


def is_tensor(obj: object, /) -> _builtins.bool:
    """Whether ``obj`` is a brickwork tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.is_tensor(torch.ones(1)), torch.is_tensor([1])
        (True, False)
    """
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> _builtins.int:
    """Number of elements of ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.numel(torch.zeros(2, 3))
        6
    """
    return input.numel()


def __getattr__(name: str) -> _typing.Any:
    # the larger subpackages load on first use, so `import brickwork` stays fast
    import importlib

    if name in ("nn", "optim", "utils", "io", "datasets", "train", "distributed", "onnx", "amp", "cpu",
                "distributions", "jit", "testing", "accelerator", "linalg", "sparse", "futures", "fft",
                "special"):
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load", "FormatError"):
        return getattr(importlib.import_module(".io", __name__), name)
    if name in ("autocast", "is_autocast_enabled", "get_autocast_dtype", "set_autocast_enabled", "set_autocast_dtype",
                "get_autocast_gpu_dtype", "set_autocast_gpu_dtype", "is_autocast_cache_enabled",
                "set_autocast_cache_enabled", "clear_autocast_cache", "GradScaler"):
        return getattr(importlib.import_module(".amp", __name__), name)
    if name == "to_dlpack":
        return importlib.import_module(".utils.dlpack", __name__).to_dlpack
    if name == "summary":
        return importlib.import_module(".nn.utils", __name__).summary
    if not name.startswith("__"):  # torch.conv2d, torch.dropout...: nn ops under torch's top-level signatures
        aliases = importlib.import_module("._nn_aliases", __name__)
        if name in aliases.__all__:
            return getattr(aliases, name)
    raise AttributeError(f"module 'brickwork' has no attribute {name!r}")


def detach(input: Tensor) -> Tensor:
    """``input.detach()``: the same data, cut from the autograd graph.

    Example:
        >>> import brickwork as torch
        >>> torch.detach(torch.ones(1, requires_grad=True)).requires_grad
        False
    """
    return input.detach()


def detach_(input: Tensor) -> Tensor:
    """``input.detach_()``: cut ``input`` itself from the graph.

    Example:
        >>> import brickwork as torch
        >>> torch.detach_(torch.ones(1) * 2).requires_grad
        False
    """
    return input.detach_()


def get_device(input: Tensor) -> _builtins.int:
    """``input.get_device()``: the CUDA device index, or -1 on a CPU device.

    Example:
        >>> import brickwork as torch
        >>> torch.get_device(torch.ones(1))
        -1
    """
    return input.get_device()


def is_inference(input: Tensor) -> _builtins.bool:
    """``input.is_inference()`` (always False: see `Tensor.is_inference`).

    Example:
        >>> import brickwork as torch
        >>> torch.is_inference(torch.ones(1))
        False
    """
    return input.is_inference()


def is_distributed(input: Tensor) -> _builtins.bool:
    """``input.is_distributed()``, a legacy query (always False).

    Example:
        >>> import brickwork as torch
        >>> torch.is_distributed(torch.ones(1))
        False
    """
    return input.is_distributed()


def is_nonzero(input: Tensor) -> _builtins.bool:
    """The truth value of a one-element tensor (an error for any other size).

    Example:
        >>> import brickwork as torch
        >>> torch.is_nonzero(torch.tensor([0.0]))
        False
    """
    return input.is_nonzero()


def is_same_size(input: Tensor, other: Tensor) -> _builtins.bool:
    """Whether the two tensors have the same shape.

    Example:
        >>> import brickwork as torch
        >>> torch.is_same_size(torch.ones(2, 3), torch.zeros(2, 3))
        True
    """
    return input.is_same_size(other)


def is_signed(input: Tensor) -> _builtins.bool:
    """Whether ``input``'s dtype is signed.

    Example:
        >>> import brickwork as torch
        >>> torch.is_signed(torch.ones(1, dtype=torch.uint8))
        False
    """
    return input.is_signed()


def index_put_(input: Tensor, indices: _typing.Any, values: _typing.Any, accumulate: _builtins.bool = False) -> Tensor:
    """``input.index_put_(indices, values, accumulate)``: write (or add) ``values`` at ``input[indices]`` in place.

    Example:
        >>> import brickwork as torch
        >>> torch.index_put_(torch.zeros(3), (torch.tensor([1]),), torch.tensor(5.0))
        tensor([0., 5., 0.])
    """
    return input.index_put_(indices, values, accumulate)


def thread_safe_generator() -> Generator | None:
    """The running DataLoader worker thread's own generator, or None outside worker threads (the global one).

    Pass it as ``generator=`` so that random transforms in workers draw from per-worker streams.

    Example:
        >>> import brickwork as torch
        >>> torch.thread_safe_generator() is None
        True
    """
    from .utils.data import get_worker_info

    info = get_worker_info()
    return None if info is None or info.rng is None else info.rng.torch_generator
