"""The differentiable primitives, grouped by family (each op's forward and backward side by side in its family's
file); ``brickwork`` re-exports every name in ``__all__``.

Importing this package also gives `Tensor` its op methods (``x.sum()``), declared in
`TensorMethods`.
"""

from __future__ import annotations

from . import (_tensor_methods, combine, complex_numbers, creation, elementwise, fft, indexing, linalg, linalg_extra,
               linalg_factor, linalg_legacy, movement, random, reduce, scan, sparse, stats)
from .combine import (cartesian_prod, cdist, combinations, cross, diag, diagflat, kron, meshgrid, select, tensordot,
                      trace, tril_indices, triu_indices)
from .complex_numbers import (adjoint, angle, complex, conj, conj_physical, conj_physical_, imag, is_complex,
                              is_conj, is_neg, polar, real, resolve_conj, resolve_neg, view_as_complex, view_as_real)
from .creation import (
    arange, as_tensor, asarray, clone, empty, empty_like, eye, fill, fill_, from_numpy, full, full_like, linspace,
    logspace, ones,
    ones_like, tensor, zero_, zeros, zeros_like)
from .elementwise import (
    abs, abs_, absolute, acos, acos_, acosh, acosh_, add, addcdiv, addcmul, allclose, arccos, arccos_, arccosh,
    arccosh_, arcsin, arcsin_, arcsinh, arcsinh_, arctan, arctan2, arctan_, arctanh, arctanh_, asin, asin_, asinh,
    asinh_, atan, atan2, atan_, atanh, atanh_, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, ceil_, clamp,
    clamp_, clamp_max, clamp_max_, clamp_min, clamp_min_, clip, clip_, cos, cos_, cosh, cosh_, div, divide, eq, equal,
    erf, erf_, erfc, erfc_, erfinv, exp, exp2, exp2_, exp_, expm1, expm1_, fix, fix_, float_power, floor, floor_,
    floor_divide, fmax, fmin, fmod, frac, frac_, ge, greater, greater_equal, gt, isclose, isfinite, isinf, isnan, le,
    lerp, less, less_equal, log, log10, log10_, log1p, log1p_, log2, log2_, log_, logical_and, logical_not, logical_or,
    logical_xor, lt, maximum, minimum, mul, multiply, nan_to_num, nan_to_num_, ne, neg, neg_, negative, negative_,
    not_equal, positive, pow, reciprocal, reciprocal_, relu, relu_, remainder, round, round_, rsqrt, rsqrt_, rsub, sgn,
    sigmoid, sigmoid_, sign, sin, sin_, sinh, sinh_, sqrt, sqrt_, square, square_, sub, subtract, tan, tan_, tanh,
    tanh_, true_divide, trunc, trunc_, where)
from .elementwise_extra import (
    copysign, deg2rad, deg2rad_, frexp, gcd, gcd_, heaviside, hypot, i0, i0_, isneginf, isposinf, isreal, lcm, lcm_,
    ldexp, ldexp_, logit, logit_, nextafter, rad2deg, rad2deg_, signbit, sinc, sinc_, xlogy, xlogy_)
from .gamma import digamma, igamma, igammac, lgamma, mvlgamma, polygamma
from .indexing import (
    argsort, argwhere, bucketize, gather, getitem, index_add, index_fill, index_select, kthvalue, masked_fill,
    masked_scatter, masked_select, median, nonzero, repeat_interleave, scatter, scatter_add, searchsorted, setitem,
    sort, take, take_along_dim, topk, unique)
from .spectral import istft, stft
from .linalg import addbmm, addmm, addmv, addmv_, addr, baddbmm, bmm, dot, einsum, ger, inner, matmul, mm, mv, outer, vdot
from .linalg_extra import det, inverse, logdet, matrix_power, pinverse, slogdet
from .linalg_factor import geqrf, lu_unpack, matrix_exp, ormqr
from .linalg_legacy import (cholesky, cholesky_inverse, cholesky_solve, frobenius_norm, lu, lu_solve, nuclear_norm,
                            orgqr, pca_lowrank, qr, svd, svd_lowrank, triangular_solve, vander)
from .movement import (
    broadcast_shapes, broadcast_tensors, broadcast_to, cat, chunk, concat, concatenate, diagonal, expand, expand_as,
    flatten, flip, fliplr, flipud, hstack, moveaxis, movedim, narrow, permute, ravel, repeat, reshape, reshape_as, roll,
    split, squeeze, stack, swapaxes, swapdims, t, tensor_split, tile, transpose, tril, triu, unbind, unflatten,
    unsqueeze, view, view_as, vstack)
from .random import (
    Generator, bernoulli, bernoulli_, default_generator, exponential_, get_rng_state, initial_seed, manual_seed,
    multinomial, normal, normal_, rand, rand_like, randint, randint_like, randn, randn_like, random_, randperm, seed,
    set_rng_state, uniform_)
from .reduce import (
    all, amax, amin, aminmax, any, argmax, argmin, count_nonzero, cumprod, cumsum, log_softmax, logsumexp, max, mean,
    min, nanmean, nansum, norm, prod, softmax, std, std_mean, sum, var, var_mean)
from .scan import bitwise_left_shift, bitwise_right_shift, cummax, cummin, logaddexp, logaddexp2, logcumsumexp
from .sparse import SparseCOOTensor, sparse_coo_tensor, spmm
from .stats import bincount, histc, index_reduce, nanquantile, quantile, scatter_reduce, unique_consecutive
from .movement import (  # issue 10's wider API
    as_strided, as_strided_, atleast_1d, atleast_2d, atleast_3d, block_diag, column_stack, diag_embed, dsplit,
    dstack, hsplit, rot90, row_stack, split_with_sizes, unsafe_chunk, unsafe_split, unsafe_split_with_sizes, vsplit)
from .stats import (  # issue 10's wider API
    corrcoef, cov, cumulative_trapezoid, diff, dist, gradient, histogram, histogramdd, mode, msort, nanmedian,
    renorm, trapezoid, trapz)
from .indexing import index_copy, index_put, isin, nonzero_static, put, unravel_index  # issue 10's wider API
from .creation import (  # issue 10's wider API
    bartlett_window, blackman_window, empty_permuted, empty_strided, from_file, frombuffer, hamming_window,
    hann_window, kaiser_window, range, scalar_tensor)
from .random import binomial, poisson  # issue 10's wider API

__all__ = [
    "Generator", "abs", "abs_", "absolute", "acos", "acos_", "acosh", "acosh_", "add", "addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addmv_", "addr",
    "adjoint", "all", "allclose", "amax", "amin",
    "aminmax", "angle", "any", "arange", "arccos", "arccos_", "arccosh", "arccosh_", "arcsin", "arcsin_", "arcsinh",
    "arcsinh_", "arctan", "arctan2", "arctan_", "arctanh", "arctanh_", "argmax", "argmin", "argsort", "argwhere",
    "as_strided", "as_strided_",
    "as_tensor", "asarray", "asin",
    "asin_", "asinh", "asinh_", "atan", "atan2", "atan_", "atanh", "atanh_", "baddbmm", "bernoulli", "bernoulli_",
    "atleast_1d", "atleast_2d", "atleast_3d", "bartlett_window",
    "bincount", "bitwise_and", "bitwise_left_shift",
    "binomial",
    "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "bmm", "broadcast_shapes", "broadcast_tensors",
    "blackman_window", "block_diag",
    "broadcast_to", "bucketize", "cartesian_prod", "cat", "cdist", "ceil", "ceil_", "cholesky", "cholesky_inverse",
    "cholesky_solve", "chunk", "clamp", "clamp_",
    "clamp_max", "clamp_max_", "clamp_min",
    "clamp_min_", "clip", "clip_", "clone", "column_stack", "combinations", "complex", "concat", "concatenate",
    "conj", "conj_physical", "conj_physical_", "copysign",
    "corrcoef", "cos", "cos_", "cosh", "cosh_", "count_nonzero", "cov", "cross", "cummax", "cummin", "cumprod",
    "cumsum", "cumulative_trapezoid", "default_generator", "deg2rad", "deg2rad_", "det", "diag", "diag_embed",
    "diagflat", "diagonal", "diff", "digamma", "dist", "div", "divide", "dot", "dsplit", "dstack",
    "einsum", "empty", "empty_like", "eq", "equal", "erf", "erf_", "erfc", "erfc_", "erfinv", "exp", "exp2", "exp2_",
    "empty_permuted", "empty_strided",
    "exp_", "expand", "expand_as",
    "expm1", "expm1_", "exponential_", "eye", "fill", "fill_", "fix", "fix_", "flatten", "flip", "fliplr", "flipud",
    "float_power",
    "floor",
    "floor_", "floor_divide", "fmax", "fmin", "fmod", "frac", "frac_", "frexp", "frobenius_norm", "from_file",
    "from_numpy", "frombuffer",
    "full", "full_like", "gather", "gcd", "gcd_", "ge", "geqrf", "ger", "get_rng_state", "getitem", "gradient",
    "greater",
    "greater_equal", "gt", "hamming_window", "hann_window", "heaviside", "histc", "histogram", "histogramdd", "hsplit",
    "hstack", "hypot", "i0", "i0_", "igamma", "igammac", "imag", "index_add", "index_copy", "index_fill", "index_put",
    "index_reduce", "index_select", "initial_seed", "inner", "inverse", "is_complex", "is_conj", "is_neg", "isclose",
    "isfinite", "isin", "isinf", "isnan",
    "isneginf", "isposinf", "isreal", "kaiser_window", "kron", "kthvalue", "lcm", "lcm_", "ldexp", "ldexp_", "le",
    "lerp", "less", "less_equal", "lgamma", "linspace", "log", "log10", "log10_", "log1p",
    "log1p_", "log2",
    "log2_", "log_", "log_softmax",
    "logaddexp", "logaddexp2", "logcumsumexp", "logdet", "logical_and", "logical_not", "logical_or", "logical_xor",
    "logit", "logit_", "logspace", "logsumexp", "lt", "lu", "lu_solve", "lu_unpack", "manual_seed", "masked_fill",
    "masked_scatter", "masked_select",
    "matmul",
    "matrix_exp", "matrix_power", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum", "mm", "moveaxis",
    "movedim",
    "mode", "msort",
    "mul", "multinomial", "multiply", "mv", "mvlgamma", "nan_to_num", "nan_to_num_", "nanmean", "nanquantile",
    "nansum", "narrow",
    "nanmedian",
    "ne", "neg",
    "neg_", "negative", "negative_", "nextafter", "nonzero", "nonzero_static", "norm", "normal", "normal_", "not_equal",
    "nuclear_norm", "ones", "ones_like", "orgqr", "ormqr", "outer", "pca_lowrank", "permute", "pinverse", "poisson",
    "polar", "polygamma", "positive", "pow", "prod", "put",
    "qr", "quantile", "rad2deg", "rad2deg_", "rand", "rand_like", "randint", "randint_like", "randn", "randn_like",
    "random_",
    "randperm", "range", "ravel", "real", "reciprocal", "reciprocal_", "relu", "relu_", "remainder", "renorm", "repeat",
    "repeat_interleave", "reshape",
    "reshape_as", "resolve_conj", "resolve_neg", "roll", "round", "round_", "rsqrt", "rsqrt_", "rsub", "scatter",
    "scatter_add", "scatter_reduce",
    "rot90", "row_stack", "scalar_tensor",
    "searchsorted", "seed",
    "select", "set_rng_state", "setitem", "sgn", "sigmoid", "sigmoid_", "sign", "signbit", "sin", "sin_", "sinc",
    "sinc_", "sinh", "sinh_",
    "slogdet", "softmax", "sort",
    "sparse_coo_tensor", "split", "spmm", "sqrt", "sqrt_", "square", "square_", "squeeze", "stack", "std", "std_mean", "stft", "istft",
    "split_with_sizes",
    "sub", "subtract",
    "sum", "svd", "svd_lowrank", "swapaxes", "swapdims", "t", "take", "take_along_dim", "tan", "tan_", "tanh",
    "tanh_", "tensor",
    "tensor_split", "tensordot",
    "tile", "topk", "trace", "transpose", "triangular_solve", "tril", "tril_indices", "triu", "triu_indices",
    "true_divide", "trunc",
    "trapezoid", "trapz",
    "trunc_", "unbind", "unflatten", "uniform_", "unique", "unique_consecutive", "unsqueeze", "vander", "var",
    "var_mean",
    "unravel_index", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes",
    "vdot", "view",
    "view_as", "view_as_complex", "view_as_real", "vsplit", "vstack", "where", "xlogy", "xlogy_", "zero_", "zeros",
    "zeros_like"]

_tensor_methods.install()
