"""Every core op checked from one declarative table against PyTorch (STYLE.md principle 13).

An :class:`Op` entry is a function written once for both libraries, ``fn(lib, *tensors)`` with ``lib`` either
``brickwork`` or ``torch``, the sample input shapes (0-d, empty, broadcast and non-contiguous cases), the
dtypes, whether it is differentiable and smooth, and error inputs with a message fragment. The generic suite
below the table checks, for every entry and sample: forward values, dtype and shape against PyTorch;
float32 gradients against PyTorch's; float64 gradients by finite differences (``gradcheck``); second
derivatives (``gradgradcheck``) for smooth ops; and that each error input raises with the expected message.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
import torch

import brickwork as bw

# NumPy warns where PyTorch is silent (log1p(-1), the mean of an empty tensor); the values are still checked
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

F, FI, FIB = ("float32", "float64"), ("float32", "float64", "int64"), ("float32", "float64", "int64", "bool")
TOL = {"float32": (1e-5, 1e-6), "float64": (1e-7, 1e-10)}  # (rtol, atol) for forward values and gradients
TOL.update(complex64=TOL["float32"], complex128=TOL["float64"])


# -- the table's vocabulary --------------------------------------------------------------------------------

@dataclass(frozen=True)
class NC:
    """A non-contiguous input of ``shape``: a transposed view (2-d and up) or every other element (1-d)."""

    shape: tuple

    def base(self) -> tuple:
        s = self.shape
        return s[:-2] + (s[-1], s[-2]) if len(s) >= 2 else (2 * s[0],)

    def view(self, t: Any) -> Any:
        return t.transpose(-1, -2) if len(self.shape) >= 2 else t[::2]


def nc(*shape: int) -> NC:
    return NC(shape)


def one(*shapes: Any) -> list:
    """Samples of a one-input op, one per shape."""
    return [(s,) for s in shapes]


@dataclass
class Op:
    """One table entry; ``samples`` is a list of tuples, one shape (or :class:`NC`) per tensor input."""

    name: str
    fn: Callable[..., Any]
    samples: list
    dtypes: tuple = F
    grad: bool = True       # differentiable: compare gradients with PyTorch and by finite differences
    smooth: bool = True     # also check second derivatives
    domain: str = "any"     # "any", "pos" (positive), "nz" (away from zero), "unit" (inside (-1, 1))
    errors: tuple = ()      # (fn(lib) that must raise, fragment of brickwork's message)
    tol: float = 1.0        # multiplier on TOL, for ops that sum many terms
    skip_grad: str = ""     # reason brickwork deliberately differs in gradients
    vs_torch: bool = True   # False where PyTorch's own gradient fails; finite differences still check ours
    fd: bool = True         # False where the gradient is by definition not the derivative (embedding's
                            # padding_idx gets none): only PyTorch's gradients are compared


def make_arrays(op: Op, sample: tuple, dtype: str, salt: str) -> list[np.ndarray]:
    rng = np.random.default_rng(zlib.crc32(f"{op.name}{sample}{dtype}{salt}".encode()))
    out = []
    for s in sample:
        shape = s.base() if isinstance(s, NC) else s
        if dtype == "bool":
            a = rng.random(shape) > 0.5
        elif dtype == "int64":
            lo, hi = {"any": (-3, 4), "pos": (1, 5), "nz": (1, 4), "unit": (-1, 2)}[op.domain]
            a = rng.integers(lo, hi, shape)
        else:
            lo, hi = {"any": (-2, 2), "pos": (0.5, 2), "nz": (0.5, 2), "unit": (-0.9, 0.9)}[op.domain]
            a = rng.uniform(lo, hi, shape).astype(dtype)
        if op.domain == "nz" and dtype != "bool":
            a = a * rng.choice(np.array([-1, 1], a.dtype), shape)
        out.append(np.asarray(a))
    return out


def run(op: Op, lib: Any, sample: tuple, arrays: list, grad: bool = False) -> tuple[list, list]:
    """The leaf tensors made from ``arrays`` and the op's outputs (as a flat list) in ``lib``."""
    leaves = [lib.tensor(a.copy(), requires_grad=grad) for a in arrays]
    return leaves, outputs(op.fn(lib, *views(sample, leaves)))


def views(sample: tuple, leaves: Any) -> list:
    return [s.view(t) if isinstance(s, NC) else t for s, t in zip(sample, leaves)]


def outputs(r: Any) -> list:
    return list(r) if isinstance(r, (tuple, list)) else [r]


def assert_close(got: Any, want: Any, tol: float, what: str) -> None:
    assert got.dtype.name == str(want.dtype).split(".")[-1], f"{what}: dtype {got.dtype} vs {want.dtype}"
    assert tuple(got.shape) == tuple(want.shape), f"{what}: shape {tuple(got.shape)} vs {tuple(want.shape)}"
    rtol, atol = TOL.get(str(want.dtype).split(".")[-1], TOL["float64"])  # int inputs may give float32
    want = want.detach().resolve_conj().resolve_neg()  # PyTorch's lazy conjugate/negative bits (complex gradients)
    np.testing.assert_allclose(got.detach().cpu().numpy(), want.numpy(), rtol=rtol * tol, atol=atol * tol,
                               equal_nan=True, err_msg=what)


# -- shorthands for the table ------------------------------------------------------------------------------

UNARY = one((), (3,), (2, 3), (0, 3), nc(2, 3), nc(4))
BINARY = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3)), ((3,), ()), ((0, 3), (1, 3)),
          (nc(2, 3), (2, 3)), ((2, 3), nc(3))]
MATMUL = [((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)),
          ((2, 1, 2, 3), (3, 3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,)), ((0, 3), (3, 2)), ((2, 0), (0, 3)),
          (nc(2, 3), (3, 4)), ((3,), nc(2, 3, 4))]
M23, M234 = one((2, 3), nc(2, 3)), one((2, 3, 4), nc(2, 3, 4))
RED = one((2, 3), (0, 3), nc(2, 3))


def zmask(L: Any, a: Any) -> Any:
    """A 3x3 multiplier with one zero in row 0, two in row 1, none in row 2 (prod's special cases)."""
    return L.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 1]], dtype=a.dtype)


def put(x: Any, key: Any, v: Any) -> Any:
    """``x`` with ``v`` written at ``key`` through ``__setitem__`` on a non-leaf copy (so it is recorded)."""
    y = x * 1
    y[key] = v
    return y


def setleaf(L: Any) -> None:
    L.zeros(3, requires_grad=True)[0] = 1.0


def idx(L: Any, *v: Any) -> Any:
    return L.tensor(list(v), dtype=L.int64)


def cmp(name: str) -> list:
    return [Op(name, lambda L, a, b: getattr(L, name)(a, b), BINARY, FIB, grad=False),
            Op(name + "_scalar", lambda L, a: getattr(L, name)(a, 1), UNARY, FIB, grad=False)]


def unary(name: str, dtypes: tuple = FI, domain: str = "any", **kw: Any) -> Op:
    return Op(name, lambda L, a: getattr(L, name)(a), UNARY, dtypes, domain=domain, **kw)


def reduce2(name: str, dtypes: tuple = F, **kw: Any) -> list:
    """amax/amin-style reductions: all dims, one dim, tuple dims with keepdim, and exact ties."""
    f = lambda L, a, *r, **k: getattr(L, name)(a, *r, **k)  # noqa: E731
    return [Op(name, lambda L, a: f(L, a), one((), (3,), (2, 3), nc(2, 3)), dtypes, **kw),
            Op(name + "_dim", lambda L, a: f(L, a, 1), one((2, 3), nc(2, 3), (2, 3, 2), (0, 3)), dtypes, **kw),
            Op(name + "_dims", lambda L, a: f(L, a, (0, 2), keepdim=True), one((2, 3, 2)), dtypes, **kw),
            Op(name + "_ties", lambda L, a: f(L, L.cat([a, a], 1), 1), one((2, 3)), F, **kw)]


# -- issue 10's core API: NumPy aliases, grids, diagonals, products, scans, grouped reductions, quantiles ----

SRI = [[0, 0], [2, 2]]  # scatter_reduce's index for a (2, 3) input and a (2, 2) source: groups of two and one


def sred(reduce: str, include_self: bool = True, ties: bool = False) -> Callable:
    def f(L: Any, a: Any, b: Any) -> Any:
        src = L.cat([b, b], 1) if ties else b
        index = L.tensor([[0, 0, 2, 2], [1, 1, 1, 0]]) if ties else L.tensor(SRI)
        return a.scatter_reduce(1, index, src, reduce, include_self=include_self)
    return f


API_OPS: list[Op] = [
    Op("sum_axis", lambda L, a: L.sum(a, axis=1, keepdims=True), one((2, 3), nc(2, 3)), FIB,
       errors=[(lambda L: L.ones(2).sum(dim=0, axis=0), "")]),
    Op("mean_axis", lambda L, a: a.mean(axis=(0, 1)), one((2, 3, 2))),
    Op("argmax_axis", lambda L, a: a.argmax(axis=1, keepdims=True), one((2, 3)), FI, grad=False),
    Op("max_axis", lambda L, a: a.max(axis=0), one((2, 3)), FI),
    Op("stack_axis", lambda L, a, b: L.stack([a, b], axis=-1), [((2, 3), (2, 3))], FI),
    Op("cat_axis", lambda L, a, b: L.concat([a, b], axis=1), [((2, 3), (2, 1))], FI),
    Op("cumsum_axis", lambda L, a: a.cumsum(axis=0), one((2, 3)), FI),
    Op("reversed", lambda L, a: reversed(a), one((3,), (2, 3), (), nc(2, 3)), FIB),
    Op("meshgrid_ij", lambda L, a, b: L.meshgrid(a, b, indexing="ij"), [((2,), (3,)), ((0,), (2,))], FI,
       errors=[(lambda L: L.meshgrid(L.ones(2), indexing="ab"), "indexing must be one of"),
               (lambda L: L.meshgrid(L.ones(2, 2), indexing="ij"), "0D or 1D")]),
    Op("meshgrid_xy", lambda L, a, b, c: L.meshgrid([a, b, c], indexing="xy"), [((2,), (3,), (2,))], FI),
    Op("select", lambda L, a: a.select(1, -1), one((2, 3), nc(2, 3)), FIB,
       errors=[(lambda L: L.ones(2, 3).select(1, 3), "out of range")]),
    Op("diag_vector", lambda L, a: L.diag(a), one((3,), nc(3), (0,)), FIB),
    Op("diag_vector_offset", lambda L, a: L.diag(a, 1), one((3,),), FI),
    Op("diag_vector_neg", lambda L, a: a.diag(-2), one((2,),), FI),
    Op("diag_matrix", lambda L, a: L.diag(a, 1), one((3, 4), nc(3, 4)), FI,
       errors=[(lambda L: L.diag(L.ones(2, 2, 2)), "1D or 2D")]),
    Op("diagflat", lambda L, a: L.diagflat(a, -1), one((2, 2), (3,)), FI),
    Op("trace", lambda L, a: L.trace(a), one((3, 3), (2, 3), nc(3, 3)), FI,
       errors=[(lambda L: L.trace(L.ones(3)), "expected a matrix")]),
    Op("tril_indices", lambda L: L.tril_indices(3, 4, 1), [()], ("int64",), grad=False),
    Op("triu_indices", lambda L: L.triu_indices(4, 3, -1, dtype=L.int32), [()], ("int64",), grad=False),
    Op("kron", lambda L, a, b: L.kron(a, b), [((2, 3), (2, 2)), ((2,), (3,)), ((2, 1, 2), (3, 2))],
       FI),
    Op("tensordot", lambda L, a, b: L.tensordot(a, b), [((2, 3, 4), (3, 4, 2)), ((2, 2), (2, 2))], FI,
       errors=[(lambda L: L.tensordot(L.ones(2, 3), L.ones(2, 3), dims=1), "contracted dimensions")]),
    Op("tensordot_lists", lambda L, a, b: L.tensordot(a, b, dims=([1, 0], [0, 1])), [((3, 2), (2, 3))], FI),
    Op("tensordot_outer", lambda L, a, b: L.tensordot(a, b, dims=0), [((2,), (3,))], FI),
    Op("cross", lambda L, a, b: L.cross(a, b, dim=-1), [((2, 3), (2, 3)), ((2, 3), (1, 3)), (nc(3, 3), (3, 3))], FI,
       errors=[(lambda L: L.cross(L.ones(2, 4), L.ones(2, 4), dim=1), "must have length 3")]),
    Op("cross_dim0", lambda L, a, b: a.cross(b, dim=0), [((3,), (3,)), ((3, 2), (3, 2))], FI),
    Op("cdist", lambda L, a, b: L.cdist(a, b), [((3, 2), (4, 2)), ((2, 3, 2), (2, 1, 2)), (nc(2, 3), (4, 3))],
       errors=[(lambda L: L.cdist(L.ones(3, 2), L.ones(3, 3)), "same number of columns")]),
    Op("cdist_p1", lambda L, a, b: L.cdist(a, b, p=1), [((3, 2), (4, 2))]),
    Op("cartesian_prod", lambda L, a, b: L.cartesian_prod(a, b), [((2,), (3,)), ((0,), (2,))], FI,
       errors=[(lambda L: L.cartesian_prod(L.ones(2, 2), L.ones(2)), "1D vector")]),
    Op("combinations", lambda L, a: L.combinations(a), one((4,), (1,)), FI,
       errors=[(lambda L: L.combinations(L.ones(2, 2)), "1D vector")]),
    Op("combinations_r3_repl", lambda L, a: L.combinations(a, 3, with_replacement=True), one((3,)), FI),
    Op("cummax", lambda L, a: L.cummax(a, 1), one((3, 4), nc(3, 4), (0, 3)), FI),
    Op("cummax_ties", lambda L, a: L.cat([a, a, a], 0).round().cummax(0), one((2, 3)), FI, smooth=False),
    Op("cummin", lambda L, a: a.cummin(0), one((3, 4), (3,), ()), FI),
    Op("logcumsumexp", lambda L, a: L.logcumsumexp(a, 1), one((2, 3), nc(2, 3), (2, 0)),
       errors=[(lambda L: L.logcumsumexp(L.tensor([1, 2]), 0), "floating point")]),
    Op("logcumsumexp_0d", lambda L, a: a.logcumsumexp(0), one((), (4,))),
    Op("logcumsumexp_large", lambda L, a: L.logcumsumexp(a * 400, -1), one((2, 3)), tol=10),
    Op("logaddexp", lambda L, a, b: L.logaddexp(a, b), BINARY[:4]),
    Op("logaddexp_large", lambda L, a, b: L.logaddexp(a * 500, b * 500), [((2, 3), (2, 3))], tol=10),
    Op("logaddexp2", lambda L, a, b: L.logaddexp2(a, b), BINARY[:3]),
    Op("lshift", lambda L, a: a << 2, UNARY, ("int64", "bool"), grad=False,
       errors=[(lambda L: L.ones(2) << 1, "not implemented")]),
    Op("shifts_tensor", lambda L, a, b: (a >> (b.abs() % 3), L.bitwise_left_shift(a, b.abs() % 3)), BINARY[:3],
       ("int64",), grad=False),
    Op("rshift_wide", lambda L, a: (a >> 70, a << 64, 3 << a.abs()), one((4,)), ("int64",), grad=False),
    Op("floor_divide_int", lambda L, a, b: a // b, [((2, 3), (3,))], ("int64",), domain="nz", grad=False,
       errors=[(lambda L: L.tensor([1, 2]) // 0, "ZeroDivisionError"),
               (lambda L: L.tensor([1, 2]) % L.tensor([1, 0]), "ZeroDivisionError"),
               (lambda L: L.fmod(L.tensor([1]), 0), "ZeroDivisionError")]),
    *[Op(f"scatter_reduce_{r}{'' if s else '_noself'}", lambda L, a, b, r=r, s=s: sred(r, s)(L, a, b),
         [((2, 3), (2, 2)), (nc(2, 3), (2, 2))], FI if r != "mean" else F,
         errors=[(lambda L: L.ones(2).scatter_reduce(0, L.tensor([0]), L.ones(1), "foo"), "reduce argument")])
      for r in ("sum", "prod", "mean", "amax", "amin") for s in (True, False)],
    Op("scatter_reduce_src_larger", lambda L, a, b: a.scatter_reduce(1, L.tensor(SRI), b, "amax"), [((2, 3), (2, 3))],
       vs_torch=False),  # PyTorch's own backward returns a gradient of the wrong shape, as for scatter
    Op("scatter_reduce_prod_zeros", lambda L, a, b: a.scatter_reduce(1, L.tensor(SRI), b * L.tensor([[0., 1], [0, 0]]),
                                                                     "prod"), [((2, 3), (2, 2))]),
    Op("scatter_reduce_prod_zero_self", lambda L, a, b: (a * L.tensor([0., 1, 0])).scatter_reduce(
        1, L.tensor(SRI), b, "prod"), [((2, 3), (2, 2))]),
    *[Op(f"scatter_reduce_{r}_ties", lambda L, a, b, r=r: sred(r, True, True)(L, a.round(), b.round()),
         [((2, 3), (2, 2))], FI, smooth=False) for r in ("amax", "amin")],
    *[Op(f"index_reduce_{r}", lambda L, a, b, r=r: a.index_reduce(0, L.tensor([0, 2, 0]), b, r), [((3, 2), (3, 2))],
         errors=[(lambda L: L.ones(3).index_reduce(0, L.tensor([0]), L.ones(1), "sum"), "Expected reduce")])
      for r in ("prod", "mean", "amax", "amin")],
    Op("index_reduce_noself", lambda L, a, b: L.index_reduce(a, 1, L.tensor([1, 1]), b, "amax", include_self=False),
       [((2, 3), (2, 2))]),
    Op("quantile", lambda L, a: L.quantile(a, 0.3), one((5,), (2, 3), nc(2, 3), ()), errors=[
        (lambda L: L.quantile(L.tensor([1, 2]), 0.5), "float or double"),
        (lambda L: L.quantile(L.ones(2), 1.5), "in the range [0, 1]"),
        (lambda L: L.quantile(L.ones(2), L.tensor([0.5], dtype=L.float64)), "same dtype")]),
    Op("quantile_dim", lambda L, a: L.quantile(a, L.tensor([0.25, 0.5, 1.0], dtype=a.dtype), dim=1, keepdim=True),
       one((2, 5), nc(2, 3))),
    *[Op(f"quantile_{m}", lambda L, a, m=m: a.quantile(L.tensor([0.1, 0.45, 0.7], dtype=a.dtype), 0,
                                                       interpolation=m), one((5, 2)))
      for m in ("lower", "higher", "midpoint", "nearest")],
    Op("quantile_nan", lambda L, a: L.quantile(L.where(a > 1, float("nan"), a), 0.5, dim=1), one((3, 4)), grad=False),
    Op("nanquantile", lambda L, a: L.nanquantile(L.where(a > 1, float("nan"), a), 0.4, dim=1), one((3, 4))),
    Op("nanquantile_all_nan", lambda L, a: L.nanquantile(a * float("nan"), 0.5), one((3,)), grad=False),
    Op("histc", lambda L, a: L.histc(a, bins=4, min=-1, max=1), UNARY[:4], grad=False,
       errors=[(lambda L: L.histc(L.tensor([1, 2])), "not implemented")]),
    Op("histc_range_from_data", lambda L, a: a.histc(5), one((7,), (2, 3)), grad=False),
    Op("bincount", lambda L, a: L.bincount(a.flatten(), minlength=7), one((5,), (0,)), ("int64",), domain="pos",
       grad=False, errors=[(lambda L: L.bincount(L.tensor([-1, 2])), "non-negative")]),
    Op("bincount_weights", lambda L, a: L.bincount(L.tensor([0, 2, 2, 1]), a), one((4,)), grad=False),
    Op("unique_consecutive", lambda L, a: L.unique_consecutive(a.round(), return_inverse=True, return_counts=True),
       one((6,), (2, 3), (0,)), FI, grad=False),
    Op("unique_consecutive_dim", lambda L, a: L.cat([a, a, a[:1]]).round().unique_consecutive(dim=0,
                                                                                               return_counts=True),
       one((2, 3)), FI, grad=False),
    *[Op(f"getitem_{k}", lambda L, a, key=key: a[key(L)], one(*shapes), FIB) for k, key, shapes in [
        ("range", lambda L: range(1, 3), [(3, 4), nc(3, 4)]),
        ("range_pair", lambda L: (range(2), [0, 2]), [(3, 4)]),
        ("int_range", lambda L: (0, range(1, 3)), [(2, 3, 4)])]],
    Op("setitem_range", lambda L, a, v: put(a, (range(2), [0, 2]), v), [((3, 4), (2,))], FI),
    Op("setitem_ranges_number", lambda L, a: put(a, (range(1, 3), range(2)), 7.0), one((3, 4)), FI),
]


def nnf(fn: str, *args: Any, **kw: Any) -> Callable[..., Any]:
    """``L.nn.functional.<fn>(*tensors, *args, **kw)``: a functional primitive called the same way in both libraries."""
    return lambda L, *xs: getattr(L.nn.functional, fn)(*xs, *args, **kw)


def fn_error(fn: str, *args: Any, **kw: Any) -> Callable[[Any], Any]:
    """An error case ``L.nn.functional.<fn>(*args, **kw)`` whose tensor arguments are built from ``L``."""
    return lambda L: getattr(L.nn.functional, fn)(*[a(L) if callable(a) else a for a in args], **kw)


def ones(*shape: int, **kw: Any) -> Callable[[Any], Any]:
    return lambda L: L.ones(*shape, **{k: getattr(L, v) for k, v in kw.items()})


def bn_running(L: Any, x: Any, w: Any, b: Any, training: bool) -> tuple:
    """batch_norm with running statistics: the output and the statistics after the call (updated in training)."""
    rm = L.linspace(-0.5, 0.5, x.shape[1], dtype=x.dtype)
    rv = L.linspace(0.5, 2.0, x.shape[1], dtype=x.dtype)
    return L.nn.functional.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3), rm, rv



def spd(L: Any, a: Any) -> Any:
    """A well-conditioned symmetric positive-definite matrix made from ``a``."""
    return a @ a.mT + 3 * L.eye(a.shape[-1], dtype=a.dtype)


def wc(L: Any, a: Any) -> Any:
    """A well-conditioned square matrix made from ``a`` (for inverses, solves and determinants)."""
    return a + 4 * L.eye(a.shape[-1], dtype=a.dtype)


def signfix(u: Any, vh: Any = None) -> Any:
    """Eigen/singular vectors with each column's sign fixed by its first row (the factorization's free choice)."""
    s = u[..., :1, :].sign()
    return (u * s,) if vh is None else (u * s, vh * s.mT)


LINALG_OPS: list[Op] = [
    *[Op(f"vector_norm_{k}", lambda L, a, o=o, kw=kw: L.linalg.vector_norm(a, o, **kw), one(*shapes))
      for k, o, kw, shapes in [
          ("2", 2, {}, [(3,), (2, 3), nc(2, 3), ()]), ("1_dim", 1, dict(dim=1), [(2, 3)]),
          ("inf", float("inf"), dict(dim=(0, 1), keepdim=True), [(2, 3, 2)]), ("ninf", -float("inf"), {}, [(2, 3)]),
          ("3", 3, dict(dim=-1), [(2, 3)]), ("half", 0.5, {}, [(4,)])]],
    Op("vector_norm_0", lambda L, a: L.linalg.vector_norm(a * (a > 0), 0, dim=1), one((2, 3)), grad=False,
       errors=[(lambda L: L.linalg.vector_norm(L.tensor([1, 2])), "floating point")]),
    *[Op(f"matrix_norm_{k}", lambda L, a, o=o: L.linalg.matrix_norm(a, o), one(*shapes))
      for k, o, shapes in [("fro", "fro", [(2, 3), nc(3, 2), (2, 2, 3)]), ("nuc", "nuc", [(3, 2)]), ("1", 1, [(2, 3)]),
                           ("m1", -1, [(2, 3)]), ("inf", float("inf"), [(2, 3)]), ("ninf", -float("inf"), [(3, 2)]),
                           ("2", 2, [(3, 2)]), ("m2", -2, [(2, 3)])]],
    Op("matrix_norm_keepdim", lambda L, a: L.linalg.matrix_norm(a, 1, dim=(0, 2), keepdim=True), one((2, 3, 2))),
    Op("linalg_norm", lambda L, a: L.linalg.norm(a), one((3,), (2, 3), (2, 2, 3))),
    Op("linalg_norm_ord", lambda L, a: (L.linalg.norm(a, 1), L.linalg.norm(a, "fro", dim=(0, 1))), one((2, 3)),
       errors=[(lambda L: L.linalg.norm(L.ones(2, 2, 2), 1), "1D or 2D")]),
    Op("inv", lambda L, a: L.linalg.inv(wc(L, a)), one((3, 3), (2, 3, 3), nc(3, 3)), errors=[
        (lambda L: L.linalg.inv(L.zeros(2, 2)), "singular"),
        (lambda L: L.linalg.inv(L.ones(2, 3)), "square matrices"),
        (lambda L: L.linalg.inv(L.ones(2, 2, dtype=L.int64)), "floating point")]),
    Op("inverse_method", lambda L, a: wc(L, a).inverse(), one((2, 2))),
    Op("solve", lambda L, a, b: L.linalg.solve(wc(L, a), b), [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (3, 2)),
                                                          ((2, 3, 3), (2, 3)), (nc(3, 3), (3, 1))],
       errors=[(lambda L: L.linalg.solve(L.zeros(2, 2), L.ones(2)), "singular"),
               (lambda L: L.linalg.solve(L.eye(2), L.ones(3, 1)), "Incompatible shapes")]),
    Op("solve_right", lambda L, a, b: L.linalg.solve(wc(L, a), b, left=False), [((3, 3), (2, 3))]),
    Op("det", lambda L, a: L.linalg.det(wc(L, a)), one((3, 3), (2, 3, 3), nc(2, 2)),
       errors=[(lambda L: L.linalg.det(L.ones(2, 3)), "square matrices")]),
    Op("det_top", lambda L, a: (L.det(wc(L, a)), a.det()), one((2, 2))),
    Op("slogdet", lambda L, a: L.linalg.slogdet(a * 3), one((3, 3), (2, 2, 2))),
    Op("logdet", lambda L, a: L.logdet(spd(L, a)), one((3, 3))),
    Op("cholesky", lambda L, a: L.linalg.cholesky(spd(L, a)), one((3, 3), (2, 3, 3)),
       errors=[(lambda L: L.linalg.cholesky(-L.eye(2)), "positive-definite")]),
    Op("cholesky_upper", lambda L, a: L.linalg.cholesky(spd(L, a), upper=True), one((2, 2))),
    Op("qr", lambda L, a: L.linalg.qr(a), one((4, 3), (3, 3), (2, 3, 2)),
       errors=[(lambda L: L.linalg.qr(L.ones(2, 2), mode="x"), "unrecognized mode")]),
    Op("qr_complete", lambda L, a: L.linalg.qr(a, mode="complete"), one((3, 2)), grad=False),
    Op("eigh", lambda L, a: (lambda r: (r.eigenvalues, *signfix(r.eigenvectors)))(L.linalg.eigh(a + a.mT)),
       one((3, 3), (2, 3, 3))),
    Op("eigh_upper", lambda L, a: L.linalg.eigh(a + a.mT, UPLO="U").eigenvalues, one((3, 3))),
    Op("eigvalsh", lambda L, a: L.linalg.eigvalsh(a + a.mT), one((3, 3))),
    Op("svd", lambda L, a: (lambda r: (r.S, *signfix(r.U, r.Vh)))(L.linalg.svd(a, full_matrices=False)),
       one((3, 2), (2, 3), (3, 3), (2, 3, 2))),
    Op("svd_square_full", lambda L, a: (lambda r: (r.S, *signfix(r.U, r.Vh)))(L.linalg.svd(a)), one((3, 3))),
    Op("svdvals", lambda L, a: L.linalg.svdvals(a), one((3, 2), (2, 2, 3))),
    Op("pinv", lambda L, a: L.linalg.pinv(a), one((3, 2), (2, 3), (2, 2, 2)), tol=10),
    Op("pinverse", lambda L, a: L.pinverse(a), one((3, 2))),
    Op("lstsq", lambda L, a, b: L.linalg.lstsq(a, b).solution, [((4, 2), (4, 3)), ((3, 3), (3, 1))]),
    Op("matrix_rank", lambda L, a: (L.linalg.matrix_rank(a), L.linalg.matrix_rank(a[:, :1] * a[:1])), one((3, 3)),
       grad=False),
    Op("matrix_power", lambda L, a: (L.linalg.matrix_power(a, 3), L.matrix_power(a, 0), a.matrix_power(1)),
       one((2, 2), (2, 3, 3))),
    Op("matrix_power_neg", lambda L, a: L.linalg.matrix_power(wc(L, a), -2), one((2, 2))),
    Op("multi_dot", lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [((3,), (3, 4), (4, 2)), ((2, 3), (3, 4), (4,))]),
    Op("vecdot", lambda L, a, b: L.linalg.vecdot(a, b), [((2, 3), (2, 3)), ((2, 3), (3,))]),
    Op("linalg_cross", lambda L, a, b: L.linalg.cross(a, b), [((2, 3), (2, 3)), ((3,), (3,))]),
    Op("solve_triangular", lambda L, a, b: L.linalg.solve_triangular(wc(L, a), b, upper=True), [((3, 3), (3, 2))]),
    Op("solve_triangular_unit", lambda L, a, b: L.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
       [((3, 3), (3, 1))]),
    # the compact factorizations (brickwork/ops/linalg_factor.py): LU's backward reads its saved result, so it has
    # no second derivative here (smooth=False); PyTorch has no gradient for LDL, geqrf or (real-input) eig
    Op("lu_factor", lambda L, a: L.linalg.lu_factor(a), one((3, 3), (2, 4, 4), (3, 5), (5, 3), nc(3, 3)),
       smooth=False, errors=[(lambda L: L.linalg.lu_factor(L.zeros(2, 2)), "is zero"),
                             (lambda L: L.linalg.lu_factor(L.eye(2), pivot=False), "without pivoting"),
                             (lambda L: L.linalg.lu_factor(L.ones(2)), "2 dimensions")]),
    Op("lu_factor_ex", lambda L, a: L.linalg.lu_factor_ex(a), one((3, 3), (2, 3, 3)), smooth=False),
    Op("lu_factor_ex_singular", lambda L, a: L.linalg.lu_factor_ex(a * L.tensor([1.0, 0.0, 1.0], dtype=a.dtype)),
       one((3, 3), (2, 3, 3)), grad=False),
    Op("lu", lambda L, a: L.linalg.lu(a), one((3, 3), (2, 3, 4), (4, 2)), smooth=False),
    Op("lu_unpack", lambda L, a: L.lu_unpack(*L.linalg.lu_factor(a)), one((3, 3), (2, 4, 3)), smooth=False),
    Op("lu_legacy", lambda L, a: (L.lu(a)[0], a.lu(get_infos=True)[2]), one((3, 3)), smooth=False),
    Op("lu_solve", lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(wc(L, a)), b),
       [((3, 3), (3, 2)), ((2, 3, 3), (3, 1)), ((3, 3), (2, 3, 2))], smooth=False,
       errors=[(lambda L: L.linalg.lu_solve(*L.linalg.lu_factor(L.eye(2)), L.ones(3, 1)), "Incompatible shapes")]),
    *[Op(f"lu_solve_{k}", lambda L, a, b, kw=kw: L.linalg.lu_solve(*L.linalg.lu_factor(wc(L, a)), b, **kw),
         [((3, 3), shape)], smooth=False)
      for k, kw, shape in [("right", dict(left=False), (2, 3)), ("adjoint", dict(adjoint=True), (3, 2)),
                           ("right_adjoint", dict(left=False, adjoint=True), (2, 3))]],
    Op("lu_solve_legacy", lambda L, a, b: (L.lu_solve(b, *L.lu(wc(L, a))), b.lu_solve(*L.lu(wc(L, a)))),
       [((3, 3), (3, 2))], smooth=False),
    Op("matrix_exp", lambda L, a: (L.linalg.matrix_exp(a), L.matrix_exp(a * 3), a.matrix_exp()),
       one((3, 3), (2, 2, 2), (1, 1), nc(3, 3), (0, 2, 2)), tol=10,
       errors=[(lambda L: L.linalg.matrix_exp(L.ones(2, 3)), "square")]),
    Op("householder_product", lambda L, a, t: L.linalg.householder_product(a, t), [((4, 3), (3,)), ((3, 3), (2,)),
                                                                                  ((2, 4, 2), (2, 2))],
       errors=[(lambda L: L.linalg.householder_product(L.ones(2, 3), L.ones(2)), "greater than or equal"),
               (lambda L: L.linalg.householder_product(L.ones(3, 2), L.ones(3)), "greater than or equal")]),
    Op("orgqr", lambda L, a, t: L.orgqr(a, t), [((3, 2), (2,))]),
    *[Op(f"ormqr{k}", lambda L, a, t, c, kw=kw: L.ormqr(a, t, c, **kw), [((4, 2), (2,), shape)], tol=10)
      for k, kw, shape in [("", {}, (4, 3)), ("_t", dict(transpose=True), (4, 1)),
                           ("_right", dict(left=False), (2, 4)), ("_right_t", dict(left=False, transpose=True),
                                                                  (3, 4))]],
    Op("geqrf", lambda L, a: L.geqrf(a), one((4, 3), (3, 3), (2, 3, 4), (0, 2)), grad=False),
    Op("geqrf_householder", lambda L, a: L.linalg.householder_product(*L.geqrf(a.detach())), one((4, 3)),
       grad=False),
    Op("eig", lambda L, a: L.linalg.eig(a), one((3, 3), (2, 2, 2)), grad=False,
       errors=[(lambda L: L.linalg.eig(L.ones(2, 3)), "square")]),
    Op("eigvals", lambda L, a: L.linalg.eigvals(a + a.mT), one((4, 4)), grad=False),
    Op("ldl_factor", lambda L, a: (*L.linalg.ldl_factor(a + a.mT), *L.linalg.ldl_factor_ex(a * a.mT)),
       one((3, 3), (2, 4, 4), (1, 1), (6, 6)), grad=False),
    Op("ldl_solve", lambda L, a, b: L.linalg.ldl_solve(*L.linalg.ldl_factor(a + a.mT), b),
       [((3, 3), (3, 2)), ((2, 4, 4), (4, 1)), ((5, 5), (2, 5, 3))], grad=False),
    Op("solve_ex", lambda L, a, b: L.linalg.solve_ex(wc(L, a), b), [((3, 3), (3,)), ((2, 3, 3), (3, 2))],
       errors=[(lambda L: L.linalg.solve_ex(L.zeros(2, 2), L.ones(2), check_errors=True), "singular")]),
    Op("solve_ex_singular", lambda L, a, b: L.linalg.solve_ex(a * 0, b).info, [((2, 2), (2,))], grad=False),
    Op("tensorinv", lambda L, a: L.linalg.tensorinv(wc(L, a.reshape(4, 4)).reshape(4, 2, 2), ind=1), one((4, 4)),
       errors=[(lambda L: L.linalg.tensorinv(L.ones(2, 3)), "prod")]),
    Op("tensorsolve", lambda L, a, b: L.linalg.tensorsolve(wc(L, a.reshape(6, 6)).reshape(2, 3, 6), b),
       [((6, 6), (2, 3))]),
    Op("tensorsolve_dims", lambda L, a, b: L.linalg.tensorsolve(wc(L, a.reshape(6, 6)).reshape(6, 2, 3), b,
                                                                dims=(0,)), [((6, 6), (2, 3))]),
    Op("linalg_vander", lambda L, a: (L.linalg.vander(a), L.linalg.vander(a, N=2)), one((3,), (2, 3)), FI,
       errors=[(lambda L: L.linalg.vander(L.ones(1)), "greater than 1"),
               (lambda L: L.linalg.vander(L.tensor([True, False])), "Bool")]),
    Op("vander", lambda L, a: (L.vander(a), L.vander(a, N=4, increasing=True), L.vander(a, N=1)),
       one((3,), (0,), nc(3)), FI, vs_torch=False,  # PyTorch's own vander backward fails (an in-place cumprod)
       errors=[(lambda L: L.vander(L.ones(2, 2)), "one-dimensional")]),
    Op("cholesky_legacy", lambda L, a: (L.cholesky(spd(L, a)), spd(L, a).cholesky(upper=True)), one((3, 3))),
    *[Op(f"cholesky_solve{k}", lambda L, a, b, up=up: L.cholesky_solve(b, L.linalg.cholesky(spd(L, a), upper=up),
                                                                      upper=up),
         [((3, 3), (3, 2)), ((2, 3, 3), (3, 1))])
      for k, up in [("", False), ("_upper", True)]],
    *[Op(f"cholesky_inverse{k}", lambda L, a, up=up: L.cholesky_inverse(L.linalg.cholesky(spd(L, a), upper=up),
                                                                        upper=up), one((3, 3), (2, 2, 2)))
      for k, up in [("", False), ("_upper", True)]],
    Op("qr_legacy", lambda L, a: (*L.qr(a), a.qr()[1]), one((4, 3), (3, 3))),
    Op("qr_legacy_complete", lambda L, a: L.qr(a, some=False).Q.abs(), one((4, 3)), grad=False),
    Op("svd_legacy", lambda L, a: (lambda r: (r.S, *signfix(r.U, r.V.mT)))(L.svd(a)), one((3, 2), (2, 3, 3))),
    Op("svd_legacy_full", lambda L, a: (lambda r: (r.S, r.U.shape[-1] + r.V.shape[-1] + 0 * r.S.sum()))(
        a.svd(some=False)), one((3, 2)), grad=False),
    Op("svd_no_uv", lambda L, a: L.svd(a, compute_uv=False), one((3, 2))),
    *[Op(f"triangular_solve{k}", lambda L, a, b, kw=kw: L.triangular_solve(b, wc(L, a), **kw), [((3, 3), (3, 2))])
      for k, kw in [("", {}), ("_lower_t", dict(upper=False, transpose=True)), ("_unit", dict(unitriangular=True))]],
    Op("nuclear_norm", lambda L, a: (L.nuclear_norm(a), L.nuclear_norm(a.unsqueeze(0), dim=(1, 2), keepdim=True)),
       one((3, 2), (3, 3))),
    Op("frobenius_norm", lambda L, a: (L.frobenius_norm(a, dim=(0, 1)), L.frobenius_norm(a, (-1,), True)),
       one((3, 2), nc(2, 3))),
    Op("adjoint_real", lambda L, a: (L.adjoint(a), a.adjoint(), a.mH), one((2, 3), (2, 3, 4))),
]

def cx(L: Any, a: Any, b: Any) -> Any:
    """The complex tensor ``a + b * 1j`` (complex64 from float32, complex128 from float64)."""
    return L.complex(a, b)


def as_real(L: Any, z: Any) -> Any:
    """A complex result as its (real, imag) view (PyTorch's lazy conjugation resolved), so that gradients of a
    real output are compared; a real result as it is."""
    return L.view_as_real(z.resolve_conj()) if z.is_complex() else z


def fftop(name: str, **kw: Any) -> Callable[..., Any]:
    """``L.fft.<name>`` on a real input."""
    return lambda L, a: as_real(L, getattr(L.fft, name)(a, **kw))


def cfftop(name: str, **kw: Any) -> Callable[..., Any]:
    """``L.fft.<name>`` on the complex input ``a + b * 1j``."""
    return lambda L, a, b: as_real(L, getattr(L.fft, name)(cx(L, a, b), **kw))


PAIRS = [((2, 3), (2, 3)), ((3,), (3,)), ((), ()), ((0, 3), (0, 3)), (nc(2, 3), (2, 3))]
SIGNAL, SIGNAL2 = one((6,), (2, 5), nc(3, 4), (3, 4, 5)), one((4, 6), (2, 3, 5), nc(4, 3))
CSIGNAL, CSIGNAL2 = [((6,), (6,)), ((2, 5), (2, 5)), (nc(3, 4), (3, 4))], [((4, 6), (4, 6)), ((2, 3, 5), (2, 3, 5))]

# complex dtypes and torch.fft; gradients through complex intermediates are checked on real leaves and real outputs
# (view_as_real), against PyTorch and by finite differences
COMPLEX_OPS: list[Op] = [
    Op("complex", lambda L, a, b: cx(L, a, b), PAIRS, grad=False, errors=[
        (lambda L: L.complex(L.ones(2), L.ones(2, dtype=L.float64)), "float"),
        (lambda L: L.complex(L.ones(2, dtype=L.int64), L.ones(2, dtype=L.int64)), "float")]),
    Op("complex_broadcast", lambda L, a, b: cx(L, a, b), [((2, 3), (3,)), ((2, 1), (1, 3))], grad=False),
    Op("polar", lambda L, a, b: L.polar(a.abs(), b), PAIRS, grad=False),
    Op("real_imag", lambda L, a, b: (cx(L, a, b).real, cx(L, a, b).imag, a.real, L.real(a)), PAIRS, grad=False,
       errors=[(lambda L: L.ones(2).imag, "non-complex")]),
    Op("real_write", lambda L, a, b: (lambda z: (z.real.mul_(2), z.imag.add_(1), z)[2])(cx(L, a, b)), PAIRS,
       grad=False),
    Op("view_as_real", lambda L, a, b: L.view_as_real(cx(L, a, b)), PAIRS, grad=False,
       errors=[(lambda L: L.view_as_real(L.ones(2)), "complex")]),
    Op("view_as_complex", lambda L, a, b: L.view_as_complex(L.stack([a, b], -1)), PAIRS, grad=False, errors=[
        (lambda L: L.view_as_complex(L.ones(3)), "last dimension of size 2"),
        (lambda L: L.view_as_complex(L.ones(2, 2).t()), "stride 1"),
        (lambda L: L.view_as_complex(L.ones(2, 2, dtype=L.int64)), "float")]),
    Op("conj", lambda L, a, b: (cx(L, a, b).conj().resolve_conj(), L.conj_physical(cx(L, a, b)), a.conj(),
                                L.conj_physical(a), L.resolve_conj(cx(L, a, b).conj()), L.resolve_neg(a)), PAIRS,
       grad=False),
    Op("adjoint", lambda L, a, b: tuple(z.resolve_conj() for z in (L.adjoint(cx(L, a, b)), cx(L, a, b).mH,
                                                                   cx(L, a, b).H, a.mH)),
       [((2, 3), (2, 3)), (nc(3, 2), (3, 2))], grad=False),
    Op("angle_complex", lambda L, a, b: (cx(L, a, b).angle(), cx(L, a, b).abs(), cx(L, a, b).sgn()), PAIRS,
       grad=False),
    Op("angle_real", lambda L, a: L.angle(a), UNARY, FI, smooth=False),
    Op("isreal", lambda L, a, b: (L.isreal(cx(L, a, b) * (a > 0)), L.isreal(a)), PAIRS, grad=False),
    Op("complex_arithmetic", lambda L, a, b: (lambda z, w: (z + w, z - w, z * w, z / w, -z, z * 2.5, z ** 2,
                                                            w.reciprocal()))(cx(L, a, b), cx(L, b, a)),
       PAIRS, grad=False, domain="nz"),
    Op("complex_scalar_promotion", lambda L, a: (a * 1j, a + (2 - 1j), 1j - a, a.to(L.int64) + 1j), UNARY, FI,
       grad=False),
    Op("complex_functions", lambda L, a, b: (lambda z: (z.exp(), z.log(), z.sqrt(), z.sin(), z.tanh(), z.square()))(
        cx(L, a, b)), PAIRS, grad=False, domain="nz", tol=10),
    Op("complex_matmul", lambda L, a, b, c, d: cx(L, a, b) @ cx(L, c, d), [((2, 3), (2, 3), (3, 4), (3, 4)),
                                                                           ((3,), (3,), (2, 3, 2), (2, 3, 2))],
       grad=False),
    Op("complex_reductions", lambda L, a, b: (lambda z: (z.sum(), z.mean(0), z.prod(-1), z.var(), z.cumsum(-1)))(
        cx(L, a, b)), [((2, 3), (2, 3)), (nc(2, 3), (2, 3))], grad=False),
    Op("complex_casts", lambda L, a, b: (cx(L, a, b).to(L.complex128), cx(L, a, b).cfloat(), a.cdouble(),
                                         cx(L, a, b).to(a.dtype), L.zeros_like(cx(L, a, b))), PAIRS, grad=False),
    Op("complex_grad", lambda L, a, b: (lambda z, w: (L.view_as_real(z * w + z.conj() - 2 * w + (1 - 2j) * z), z.abs(),
                                                          z.angle(), z.real * 3, z.imag, L.view_as_real(z)[..., 1]))(
        cx(L, a, b), cx(L, b, a)), [((2, 3), (2, 3)), ((3,), (3,)), (nc(2, 3), (2, 3))], domain="nz", smooth=False),
    Op("complex_grad_views", lambda L, a, b: (lambda z: (L.view_as_real(z.reshape(-1)[1:] - z.sum()),
                                                         L.view_as_real(L.view_as_complex(L.stack([a, b], -1)) * 2)))(
        cx(L, a, b)), [((2, 3), (2, 3))], smooth=False),
    Op("complex_vector_norm", lambda L, a, b: L.linalg.vector_norm(cx(L, a, b)), PAIRS[:2], grad=False),
    Op("complex_linalg", lambda L, a, b: (lambda z: (L.linalg.inv(z), L.linalg.det(z), L.linalg.solve(z, z.mT),
                                                     *L.linalg.lu_factor(z), L.linalg.matrix_exp(z),
                                                     L.linalg.eigvals(z)))(cx(L, wc(L, a), b)),
       [((3, 3), (3, 3)), ((2, 4, 4), (2, 4, 4))], grad=False, tol=10),
    *[Op(f"complex_lu_solve{k}", lambda L, a, b, c, d, kw=kw: L.linalg.lu_solve(*L.linalg.lu_factor(cx(L, wc(L, a), b)),
                                                                               cx(L, c, d), **kw).resolve_conj(),
         [((3, 3), (3, 3), shape, shape)], grad=False, tol=10)
      for k, kw, shape in [("", {}, (3, 2)), ("_right", dict(left=False), (2, 3)),
                           ("_adjoint", dict(adjoint=True), (3, 2)),
                           ("_right_adjoint", dict(left=False, adjoint=True), (2, 3))]],
    *[Op(f"fft_{name}{k}", fftop(name, **kw), SIGNAL, FI)
      for name in ("fft", "ifft", "rfft", "ihfft")
      for k, kw in [("", {}), ("_n", dict(n=4)), ("_pad", dict(n=9, dim=0, norm="ortho")),
                    ("_forward", dict(norm="forward"))]],
    *[Op(f"fft_{name}{k}", cfftop(name, **kw), CSIGNAL)
      for name in ("fft", "ifft", "irfft", "hfft")
      for k, kw in [("_complex", {}), ("_complex_n", dict(n=7)), ("_complex_ortho", dict(dim=0, norm="ortho"))]],
    *[Op(f"fft_{name}{k}", fftop(name, **kw), SIGNAL2, FI)
      for name in ("fft2", "ifft2", "fftn", "ifftn", "rfft2", "rfftn", "ihfft2", "ihfftn")
      for k, kw in [("", {}), ("_s", dict(s=(3, 4))), ("_dim", dict(dim=(0, -1), norm="forward"))]],
    *[Op(f"fft_{name}{k}", cfftop(name, **kw), CSIGNAL2)
      for name in ("fft2", "ifft2", "fftn", "ifftn", "irfft2", "irfftn", "hfft2", "hfftn")
      for k, kw in [("_complex", {}), ("_complex_s", dict(s=(3, -1))), ("_complex_dim", dict(dim=(1, 0),
                                                                                               norm="ortho"))]],
    Op("fft_errors", fftop("fft"), one((4,)), grad=False, errors=[
        (lambda L: L.fft.fft(L.ones(4), norm="bad"), "normalization mode"),
        (lambda L: L.fft.fft(L.ones(4), n=0), "number of data points"),
        (lambda L: L.fft.rfft(L.ones(4) * 1j), "real input"),
        (lambda L: L.fft.fft(L.ones(4), dim=2), "out of range"),
        (lambda L: L.fft.fft(L.ones(4, dtype=L.float16)), "Unsupported dtype"),
        (lambda L: L.fft.irfft(L.ones(1)), "number of data points"),
        (lambda L: L.fft.fftn(L.ones(2, 3), s=(2, 3, 4)), "only has 2 dimensions"),
        (lambda L: L.fft.fftn(L.ones(2, 3), dim=(0, 0)), "unique")]),
    Op("fftfreq", lambda L, a: (L.fft.fftfreq(5, 0.5, dtype=a.dtype), L.fft.rfftfreq(6, dtype=a.dtype),
                                L.fft.fftfreq(4)), one(()), grad=False),
    Op("fftshift", lambda L, a: (L.fft.fftshift(a), L.fft.ifftshift(a, dim=0), L.fft.fftshift(a, dim=(-1,))),
       one((5,), (4, 5), nc(3, 4)), FI),
]


# the gamma family (brickwork/ops/gamma.py); wide ranges, poles and infinities are in tests/test_gamma.py
POS = one((), (3,), (2, 3), (0, 3), nc(2, 3))
GAMMA_OPS: list[Op] = [
    unary("lgamma", domain="pos"), unary("digamma", domain="pos", errors=[
        (lambda L: L.digamma([1.0]), "must be Tensor")]),
    Op("lgamma_negative", lambda L, a: L.lgamma(a * 0.4 - 2.5), one((3,), (2, 3)), F, domain="unit"),
    Op("digamma_negative", lambda L, a: (a * 0.4 - 1.5).digamma(), one((3,), (2, 3)), F, domain="unit"),
    *[Op(f"polygamma_{n}", lambda L, a, n=n: L.polygamma(n, a), POS, FI, domain="pos", errors=[
        (lambda L: L.polygamma(-1, L.ones(2)), "negative n")]) for n in (0, 1, 2, 3)],
    Op("polygamma_method", lambda L, a: (a * 0.4 - 2.5).polygamma(2), one((3,)), F, domain="unit"),
    Op("mvlgamma", lambda L, a: L.mvlgamma(a + 1.5, 3), POS, F, domain="pos", errors=[
        (lambda L: L.mvlgamma(L.tensor([2.5]), 0), "greater than or equal to 1")]),
    Op("mvlgamma_method", lambda L, a: (a + 0.5).mvlgamma(1), one((3,)), F, domain="pos"),
    Op("igamma", lambda L, x: L.igamma(L.tensor([0.7, 1.3, 2.5], dtype=x.dtype), x), POS, F, domain="pos", errors=[
        (lambda L: L.igamma(L.tensor([1, 2]), L.tensor([1, 2])), "not implemented"),
        (lambda L: L.igamma(L.ones(2, requires_grad=True), L.ones(2)).sum().backward(), "not implemented")]),
    Op("igammac", lambda L, x: L.igammac(L.tensor([0.7, 1.3, 2.5], dtype=x.dtype), x * 3), POS, F, domain="pos"),
    Op("igamma_method", lambda L, x: L.tensor([4.0, 0.2], dtype=x.dtype).igamma(x), one((2,), (3, 2)), F,
       domain="pos"),
    Op("igammac_scalar_broadcast", lambda L, x: L.igammac(L.tensor(1.5, dtype=x.dtype), x), one((2, 3)), F,
       domain="pos"),
]

# -- issue 10's wider API: movement, statistics, indexing, creation and random names (api-tensor) -----------

NAN = float("nan")


def coords(L: Any, a: Any) -> Any:
    """Uneven, increasing sample coordinates for the length of ``a``'s last dimension."""
    return L.tensor([0.0, 1.0, 3.0, 4.0, 7.0, 8.5][:a.shape[-1]], dtype=a.dtype)


def flat(*results: Any) -> list:
    """The tensors of ``results`` (tensors, or tuples of them, nested) as one flat list of outputs."""
    out: list = []
    for r in results:
        out += flat(*r) if isinstance(r, (tuple, list)) else [r]
    return out


def inplace_moves(L: Any, a: Any) -> list:
    """Every shape-changing in-place method, each on a non-leaf copy of ``a`` (shape (2, 3))."""
    return [(a * 1).t_(), (a * 1).unsqueeze_(0), (a * 1).unsqueeze(1).squeeze_(1), (a * 1).transpose_(0, 1),
            (a * 1).swapaxes_(0, 1), (a * 1).swapdims_(1, 0), (a * 1).as_strided_((2, 2), (1, 2))]


TENSOR_OPS: list[Op] = [
    Op("atleast_1d", lambda L, a: L.atleast_1d(a), one((), (3,), (2, 3)), FIB),
    Op("atleast_2d", lambda L, a, b: L.atleast_2d(a, b), [((), (3,)), ((2, 3), nc(2, 3))], FIB),
    Op("atleast_3d", lambda L, a, b, c: L.atleast_3d([a, b, c]), [((), (3,), (2, 3)), ((2, 3, 4), (0,), ())], FIB),
    Op("block_diag", lambda L, a, b, c: L.block_diag(a, b, c), [((2, 2), (), (3,)), (nc(2, 3), (0, 2), (1, 1))], FI,
       errors=[(lambda L: L.block_diag(L.ones(2, 2, 2)), "2 or fewer dimensions")]),
    Op("column_stack", lambda L, a, b: L.column_stack([a, b]), [((3,), (3, 2)), ((), ()), (nc(2, 3), (2,))], FI),
    Op("row_stack", lambda L, a, b: L.row_stack((a, b)), [((3,), (2, 3)), ((), ())], FI),
    Op("dstack", lambda L, a, b: L.dstack([a, b]), [((3,), (3,)), ((2, 3), (2, 3, 2))], FI),
    Op("hsplit", lambda L, a: L.hsplit(a, 2), one((2, 4), (6,), nc(4, 2)), FIB, errors=[
        (lambda L: L.hsplit(L.ones(5), 3), "not divisible"), (lambda L: L.hsplit(L.tensor(1.0), 1), "at least 1")]),
    Op("hsplit_indices", lambda L, a: a.hsplit([1, 3]), one((2, 4)), FI),
    Op("vsplit", lambda L, a: flat(L.vsplit(a, 2), a.vsplit([1])), one((4, 2), nc(4, 2)), FI,
       errors=[(lambda L: L.vsplit(L.ones(3), 1), "at least 2")]),
    Op("dsplit", lambda L, a: flat(L.dsplit(a, [1, 3]), a.dsplit(2)), one((1, 2, 4)), FI,
       errors=[(lambda L: L.dsplit(L.ones(2, 2), 1), "at least 3")]),
    Op("split_with_sizes", lambda L, a: flat(L.split_with_sizes(a, [1, 2], 1), a.split_with_sizes([2, 0])),
       one((2, 3)), FI, errors=[(lambda L: L.split_with_sizes(L.ones(3), [1, 1]), "sum exactly")]),
    Op("unsafe_split", lambda L, a: flat(L.unsafe_split(a, 2, 1), a.unsafe_chunk(2),
                                         L.unsafe_split_with_sizes(a, [1, 1])),
       one((2, 3)), FI),
    *[Op(f"rot90_{k}", lambda L, a, k=k: L.rot90(a, k), one((2, 3), nc(2, 3)), FIB) for k in (1, 2, 3, -1, 4)],
    Op("rot90_dims", lambda L, a: a.rot90(1, [2, 0]), one((2, 3, 4)), FI, errors=[
        (lambda L: L.rot90(L.ones(3)), "total dims >= 2"), (lambda L: L.rot90(L.ones(2, 2), 1, [0, 0]), "different"),
        (lambda L: L.rot90(L.ones(2, 2), 1, [0]), "rotation dims == 2")]),
    Op("diag_embed", lambda L, a: L.diag_embed(a), one((2, 3), (3,), nc(2, 3)), FIB,
       errors=[(lambda L: L.diag_embed(L.tensor(1.0)), "out of range")]),
    Op("diag_embed_offset", lambda L, a: (L.diag_embed(a, 1, 0, 2), a.diag_embed(-1, 2, 0)), one((2, 3)), FI,
       errors=[(lambda L: L.diag_embed(L.ones(2, 2), 0, 1, 1), "cannot be identical")]),
    Op("tensor_unfold", lambda L, a: a.unfold(1, 2, 1), one((2, 5), nc(3, 4)), FIB, errors=[
        (lambda L: L.ones(3).unfold(0, 4, 1), "maximum size"), (lambda L: L.ones(3).unfold(0, 2, 0), "step")]),
    Op("tensor_unfold_step", lambda L, a: (a.unfold(0, 3, 2), a.unfold(0, 1, 3)), one((7,), (7, 2)), FI),
    Op("tensor_unfold_0d", lambda L, a: a.unfold(0, 1, 1), one(()), FI),
    Op("as_strided", lambda L, a: L.as_strided(a, (3, 2), (1, 1)), one((6,), (2, 3)), FIB, errors=[
        (lambda L: L.arange(6.0).as_strided((4,), (2,)), "out of bounds"),
        (lambda L: L.arange(6.0).as_strided((2,), (-1,)), "Negative strides")]),
    Op("as_strided_offset", lambda L, a: a.as_strided((2, 2), (2, 1), 1), one((2, 3)), FI),
    Op("sum_to_size", lambda L, a: (a.sum_to_size(1, 3), a.sum_to_size((3,)), a.sum_to_size(2, 1)),
       one((2, 3), nc(2, 3)), FI, errors=[(lambda L: L.ones(2, 3).sum_to_size(2, 2), "not expandable")]),
    Op("inplace_movement", inplace_moves, one((2, 3)), FI,
       errors=[(lambda L: L.ones(2, 1, requires_grad=True).squeeze_(), "leaf Variable")]),
    Op("cumsum_cumprod_", lambda L, a: ((a * 1).cumsum_(1), (a * 1).cumprod_(0)), one((2, 3)), FI),
    Op("diff", lambda L, a: L.diff(a), one((5,), (2, 4), nc(3, 4)), FIB,
       errors=[(lambda L: L.diff(L.tensor(1.0)), "at least one-dimensional"),
               (lambda L: L.diff(L.ones(3), n=-1), "non-negative")]),
    Op("diff_n2_pend", lambda L, a, b, c: L.diff(a, n=2, dim=0, prepend=b, append=c), [((3, 2), (1, 2), (2, 2))], FI),
    Op("diff_n_large", lambda L, a: a.diff(4), one((3,)), FI),
    Op("msort", lambda L, a: L.msort(a), one((3, 2), nc(3, 2), (4,)), FI),
    Op("mode", lambda L, a: L.mode(a, 1), one((2, 4), nc(3, 4)), FI,
       errors=[(lambda L: L.mode(L.ones(2, 0), 1), "non-zero size")]),
    Op("mode_ties", lambda L, a: flat(L.mode(L.cat([a, a, a[:, :1]], 1).round(), 1),
                                      L.mode(a.round(), 0, keepdim=True)),
       one((3, 4)), FI, grad=False),
    Op("mode_0d", lambda L, a: a.mode(), one((), (5,)), FI),
    Op("nanmedian", lambda L, a: L.nanmedian(L.where(a > 1, NAN, a), 1), one((3, 4), (3, 5)), grad=False),
    Op("nanmedian_grad", lambda L, a: flat(L.nanmedian(a, 0, keepdim=True), a.nanmedian()), one((3, 4), (4,))),
    Op("nanmedian_all_nan", lambda L, a: flat(L.nanmedian(a * NAN), L.nanmedian(L.where(a > 0, NAN, a), 0)),
       one((3, 2)), grad=False),
    Op("cov", lambda L, a: L.cov(a), one((2, 5), (4,), nc(3, 4)), FI, errors=[
        (lambda L: L.cov(L.ones(2, 2, 2)), "two or fewer dimensions"),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1.0, 2, 3])), "integral"),
        (lambda L: L.cov(L.ones(2, 3), aweights=L.tensor([1, 2, 3])), "floating point"),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1, 2])), "same numel"),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1, -2, 1])), "cannot be negative")]),
    Op("cov_weights", lambda L, a, w: L.cov(a, correction=0, fweights=L.tensor([1, 2, 1, 3]), aweights=w.abs() + 0.1),
       [((2, 4), (4,))]),
    Op("cov_fweights", lambda L, a: L.cov(a, fweights=L.tensor([1, 2, 1, 3])), one((3, 4))),
    Op("corrcoef", lambda L, a: L.corrcoef(a), one((3, 5), nc(2, 4)), FI),
    Op("corrcoef_1d", lambda L, a: L.corrcoef(a), one((5,)), grad=False),
    *[Op(f"dist_{k}", lambda L, a, b, p=p: L.dist(a, b, p), [((2, 3), (3,)), ((3,), (3,))])
      for k, p in [("2", 2), ("1", 1), ("3", 3), ("inf", float("inf"))]],
    Op("dist_0", lambda L, a, b: a.dist(b, 0), [((2, 3), (2, 3))], grad=False),
    Op("renorm", lambda L, a: L.renorm(a, 2, 0, 1.0), one((3, 4), nc(3, 4)), errors=[
        (lambda L: L.renorm(L.ones(2, 2), -1, 0, 1.0), "non-positive-norm"),
        (lambda L: L.renorm(L.ones(2, 2), 2, 0, -1.0), "maxnorm")]),
    Op("renorm_p1", lambda L, a: (a.renorm(1, 1, 1.5), (a * 1).renorm_(3, -1, 0.8)), one((3, 4), (2, 3, 2))),
    Op("histogram", lambda L, a: L.histogram(a, 4, range=(-1.0, 1.0)), one((7,), (2, 3), (0,)), grad=False, errors=[
        (lambda L: L.histogram(L.tensor([1, 2]), 2), "not implemented"),
        (lambda L: L.histogram(L.tensor([1.0, 2]), -1), "bins must be > 0")]),
    Op("histogram_data_range", lambda L, a: a.histogram(5), one((9,), (2, 3)), grad=False),
    Op("histogram_edges", lambda L, a, w: L.histogram(a, L.tensor([-2.0, 0.0, 0.5, 2.0], dtype=a.dtype),
                                                      weight=w.abs(), density=True), [((6,), (6,))], grad=False),
    Op("histogramdd", lambda L, a: flat(L.histogramdd(a, [2, 3], range=[-2.0, 2.0, -1.0, 1.0])), one((5, 2), (2, 3, 2)),
       grad=False, errors=[(lambda L: L.histogramdd(L.ones(3, 2), [2]), "innermost dimension")]),
    Op("histogramdd_density", lambda L, a, w: flat(L.histogramdd(a, 2, weight=w, density=True)), [((6, 3), (6,))],
       grad=False),
    Op("trapezoid", lambda L, a: L.trapezoid(a), one((4,), (2, 3), nc(3, 4), (2, 0)), FI),
    Op("trapezoid_x", lambda L, a, x: L.trapezoid(a, x), [((2, 4), (4,)), ((3, 2), (3, 2))], errors=[
        (lambda L: L.trapezoid(L.ones(3), L.ones(2)), "one `x` value for each sample"),
        (lambda L: L.trapezoid(L.ones(3), L.ones(3), dx=1), "")]),
    Op("trapezoid_dx", lambda L, a: (L.trapezoid(a, dx=0.5, dim=0), L.trapz(a, dim=0), L.trapz(a, coords(L, a))),
       one((3, 2), (3, 3)), FI),
    Op("cumulative_trapezoid", lambda L, a: L.cumulative_trapezoid(a), one((4,), (2, 3), nc(3, 4)), FI),
    Op("cumulative_trapezoid_x", lambda L, a: (L.cumulative_trapezoid(a, coords(L, a)),
                                              L.cumulative_trapezoid(a, dx=2, dim=0)), one((3, 4))),
    Op("gradient", lambda L, a: L.gradient(a), one((5,), (3, 4), nc(3, 4)), FI,
       errors=[(lambda L: L.gradient(L.ones(1)), "at least edge_order+1"),
               (lambda L: L.gradient(L.ones(3), edge_order=3), "edge_order=1 and edge_order=2")]),
    Op("gradient_spacing", lambda L, a: flat(L.gradient(a, spacing=2.0, dim=1, edge_order=2),
                                             L.gradient(a, spacing=[0.5, 3.0])), one((3, 4))),
    Op("gradient_coords", lambda L, a: flat(L.gradient(a, spacing=(coords(L, a),), dim=-1),
                                            L.gradient(a, spacing=(coords(L, a),), dim=1, edge_order=2)),
       one((2, 5), (3, 6))),
    Op("index_copy", lambda L, a, b: L.index_copy(a, 0, L.tensor([2, 0]), b), [((3, 2), (2, 2)), (nc(3, 2), (2, 2))],
       FIB, errors=[(lambda L: L.index_copy(L.zeros(3, 2), 0, L.tensor([0]), L.ones(2, 2)), "Number of indices"),
                    (lambda L: L.index_copy(L.zeros(3, 2), 0, L.tensor([5]), L.ones(1, 2)), "out of bounds")]),
    Op("index_copy_dim1", lambda L, a, b: (a.index_copy(1, L.tensor([1]), b), (a * 1).index_copy_(1, L.tensor([2]), b)),
       [((2, 3), (2, 1))]),
    Op("index_put", lambda L, a, b: L.index_put(a, (L.tensor([0, 2]),), b), [((3, 2), (2, 2)), ((3, 2), (2,))], FI),
    Op("index_put_accumulate", lambda L, a, b: (
        L.index_put(a, (L.tensor([0, 0]), L.tensor([1, 1])), b, accumulate=True),
        (a * 1).index_put_((L.tensor([2]),), b[:1], True)), [((3, 2), (2,))]),
    Op("put", lambda L, a, b: (L.put(a, L.tensor([1, 4, 1]), b, accumulate=True), a.put(L.tensor([5, 0, 2]), b),
                               (a * 1).put_(L.tensor([-1]), b[:1])), [((2, 3), (3,)), (nc(2, 3), (3,))],
       errors=[(lambda L: L.put(L.zeros(3), L.tensor([5]), L.ones(1)), "out of range"),
               (lambda L: L.put(L.zeros(3), L.tensor([1]), L.ones(2)), "same number of elements")]),
    Op("isin", lambda L, a, b: (L.isin(a, b), L.isin(a, b, invert=True), L.isin(a, 1)), [((5,), (3,)), ((2, 3), ())],
       ("int64", "float64"), grad=False),
    Op("unravel_index", lambda L, a: L.unravel_index(a * 3, (2, 3)), one((4,), (2, 2), ()), ("int64",), grad=False,
       errors=[(lambda L: L.unravel_index(L.tensor([1.0]), (2, 3)), "integer dtype")]),
    Op("nonzero_static", lambda L, a: (L.nonzero_static(a, size=3), L.nonzero_static(a, size=0, fill_value=7)),
       one((5,), (2, 3), ()), FIB, grad=False,
       errors=[(lambda L: L.nonzero_static(L.ones(2), size=-1), "non-negative")]),
    *[Op(f"{w}_window", lambda L, w=w: (getattr(L, f"{w}_window")(5), getattr(L, f"{w}_window")(6, periodic=False),
                                        getattr(L, f"{w}_window")(1), getattr(L, f"{w}_window")(0, dtype=L.float64)),
         [()], ("float32",), grad=False,
         errors=[(lambda L, w=w: getattr(L, f"{w}_window")(4, dtype=L.int64), "floating point"),
                 (lambda L, w=w: getattr(L, f"{w}_window")(-1), "non-negative")])
      for w in ("hann", "hamming", "blackman", "bartlett", "kaiser")],
    Op("window_params", lambda L: (L.hamming_window(5, False, 0.5, 0.5), L.kaiser_window(5, False, 3.0)), [()],
       ("float32",), grad=False),
    Op("range", lambda L: (L.range(1, 4), L.range(0, 1, 0.3), L.range(1, 4, dtype=L.int64), L.range(3, 1, -0.5)), [()],
       ("float32",), grad=False, errors=[(lambda L: L.range(1, 4, 0), "step")]),
    Op("scalar_tensor", lambda L: (L.scalar_tensor(3), L.scalar_tensor(2.5, dtype=L.float64), L.scalar_tensor(True)),
       [()], ("float32",), grad=False),
    Op("poisson_binomial", lambda L, a: (L.poisson(a * 0), L.binomial(a.abs().round(), (a > 0).to(a.dtype))),
       one((3,), (2, 3)), grad=False, errors=[
           (lambda L: L.poisson(L.tensor([-1.0])), "invalid Poisson rate"),
           (lambda L: L.binomial(L.tensor([1]), L.tensor([0.2])), "floating-point")]),
]

# -- issue 10's elementwise names: inverse hyperbolics, aliases, the number functions ------------------------

ELEMENTWISE_OPS: list[Op] = [
    unary("asinh"),
    Op("acosh", lambda L, a: L.acosh(a + 1), UNARY, FI, domain="pos"),
    unary("atanh", domain="unit"),
    Op("arc_aliases", lambda L, a: (L.arcsin(a), L.arccos(a), L.arctan(a), a.arcsinh(), L.arctanh(a),
                                    L.arccosh(a + 2)), UNARY, FI, domain="unit"),
    Op("positive", lambda L, a: L.positive(a) * 1, UNARY, FI,
       errors=[(lambda L: L.positive(L.tensor([True])), "bool tensor is not supported")]),
    Op("fmod_tensor", lambda L, a, b: L.fmod(a, b), BINARY[:4], FI, domain="nz", smooth=False),
    Op("frac", lambda L, a: L.frac(a), UNARY, errors=[(lambda L: L.frac(L.tensor([1])), "not implemented")]),
    Op("fill", lambda L, a, v: (L.fill(a, 2.5), L.fill(a, v)), [((2, 3), ()), ((0,), ())], FI,
       errors=[(lambda L: L.fill(L.ones(2), L.ones(2)), "0-dimension value tensor")]),
    Op("hypot", lambda L, a, b: L.hypot(a, b), BINARY, errors=[
        (lambda L: L.hypot(L.tensor([3]), L.tensor([4])), "not implemented"),
        (lambda L: L.hypot(L.ones(2), 1.0), "must be Tensor")]),
    Op("copysign", lambda L, a, b: L.copysign(a, b), BINARY, FI),
    Op("copysign_scalar", lambda L, a: (L.copysign(a, -1.5), a.copysign(0.0), L.copysign(a, -0.0)), UNARY, FIB),
    Op("heaviside", lambda L, a, b: L.heaviside(a.round(), b), BINARY, FI, grad=False, errors=[
        (lambda L: L.heaviside(L.ones(2), L.ones(1, dtype=L.float64)), "different dtypes"),
        (lambda L: L.heaviside(L.ones(2), 0.5), "must be Tensor")]),
    Op("gcd_lcm", lambda L, a, b: (L.gcd(a, b), L.lcm(a, b), a.gcd(b.abs())), BINARY, ("int64",), grad=False,
       errors=[(lambda L: L.gcd(L.ones(2), L.ones(2)), "not implemented"),
               (lambda L: L.lcm(L.tensor([2]), 3), "must be Tensor")]),
    Op("ldexp", lambda L, a, b: L.ldexp(a, b), BINARY, FI, errors=[
        (lambda L: L.ldexp(L.ones(2), 2), "must be Tensor")]),
    # PyTorch's gradient for input is wrong where an integer exponent is negative (2 ** -1 taken in integers)
    Op("ldexp_int_exponent", lambda L, a: L.ldexp(a, L.tensor([0, 1, 3])), one((2, 3), nc(2, 3)), FI),
    Op("frexp", lambda L, a: L.frexp(a), UNARY, errors=[(lambda L: L.frexp(L.tensor([8])), "floating-point")]),
    Op("frexp_specials", lambda L: L.frexp(L.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-40])),
       [()], grad=False),
    # PyTorch's gradient is grad where input != other and none to other: not the derivative of nextafter(a, a)
    Op("nextafter", lambda L, a, b: (L.nextafter(a, b), L.nextafter(a, a)), BINARY, fd=False, errors=[
        (lambda L: L.nextafter(L.tensor([1]), L.tensor([2])), "not implemented")]),
    Op("signbit", lambda L, a: (L.signbit(a), L.signbit(a * 0 - 0.0)), UNARY, FIB, grad=False),
    unary("sinc", FIB),
    Op("sinc_at_zero", lambda L, a: L.sinc(a * 0), UNARY, smooth=False),
    Op("logit", lambda L, a: L.logit(a * 0.5 + 0.5), UNARY, domain="unit"),
    Op("logit_eps", lambda L, a: L.logit(a * 0.5 + 0.5, eps=0.2), UNARY, domain="unit"),
    Op("logit_edges", lambda L: L.logit(L.tensor([0.0, 1.0, 0.5, 2.0])), [()], grad=False),
    Op("xlogy", lambda L, a, b: L.xlogy(a, b.abs() + 0.1), BINARY, FI),
    Op("xlogy_zero_nan", lambda L, a, b: L.xlogy(a * (a > 0), L.where(b > 1.5, float("nan"), b.abs())),
       BINARY[:3], smooth=False),
    Op("xlogy_scalars", lambda L, a: (L.xlogy(2, a.abs() + 0.1), L.xlogy(a, 3), a.xlogy(0.5)), UNARY, FI,
       errors=[(lambda L: L.xlogy(2, 3), "")]),
    Op("deg2rad_rad2deg", lambda L, a: (L.deg2rad(a), L.rad2deg(a), a.deg2rad()), UNARY, FIB),
    unary("i0", FIB),
    Op("i0_large", lambda L, a: L.i0(a * 20), UNARY),
    Op("inf_predicates", lambda L, a: (L.isposinf(a / 0), L.isneginf(a / 0), L.isposinf(a), a.isneginf(),
                                       L.isreal(a)), UNARY, FIB, grad=False),
    Op("bool_predicates", lambda L, a: L.tensor([L.is_signed(a), L.is_same_size(a, a[:1]), a.is_same_size(a * 2),
                                                 L.is_nonzero(a[:1, :1]), a[1:, 2:].is_nonzero()]),
       one((2, 3)), FIB, grad=False, errors=[
        (lambda L: L.is_nonzero(L.ones(2)), "more than one value"),
        (lambda L: L.is_nonzero(L.ones(0)), "no values")]),
]

# -- issue 10's nn.functional additions: sampling grids, pair distances, linear heads, grouped products --------

def gs(mode: str, padding: str, align: bool) -> Callable[..., Any]:
    return lambda L, x, g: L.nn.functional.grid_sample(x, g, mode, padding, align)


def lce(L: Any, x: Any, w: Any, b: Any, **kw: Any) -> Any:
    target = L.tensor([[0, 3], [2, 2], [1, 0]])  # a 1-dimensional loss over (N=3, C=4, d=2) logits
    return L.nn.functional.linear_cross_entropy(x, w, target, linear_bias=b, **kw)


GRID2, GRID3 = [((2, 2, 3, 4), (2, 3, 2, 2))], [((1, 2, 2, 3, 3), (1, 2, 2, 2, 3))]
OFFS = lambda L: L.tensor([1, 3], dtype=L.int32)  # noqa: E731  (grouped_mm's group ends)

NN_OPS: list[Op] = [
    *[Op(f"grid_sample_{m}_{p}_{int(a)}", gs(m, p, a), GRID2, smooth=False, tol=1 if m == "bilinear" else 20)
      for m in ("bilinear", "bicubic") for p in ("zeros", "border", "reflection") for a in (True, False)],
    *[Op(f"grid_sample_nearest_{p}", gs("nearest", p, False), GRID2, smooth=False, fd=False)
      for p in ("zeros", "reflection")],
    *[Op(f"grid_sample_3d_{m}_{p}", gs(m, p, a), GRID3, smooth=False, fd=m != "nearest")
      for m, p, a in [("bilinear", "zeros", False), ("bilinear", "reflection", True), ("nearest", "border", True)]],
    Op("grid_sample_errors", gs("bilinear", "zeros", False), GRID2, grad=False, errors=[
        (fn_error("grid_sample", ones(1, 1, 2, 2), ones(1, 2, 2, 3), align_corners=False), "size 2 in last"),
        (fn_error("grid_sample", ones(1, 1, 2, 2, 2), ones(1, 1, 1, 1, 3), "bicubic", align_corners=False),
         "bicubic"),
        (fn_error("grid_sample", ones(1, 1, 2, 2), ones(1, 1, 1, 2), "linear"), "expected mode"),
        (fn_error("grid_sample", ones(1, 1, 2, 2), ones(1, 1, 1, 2), padding_mode="wrap"), "padding_mode")]),
    *[Op(f"affine_grid_{d}d_{int(a)}", lambda L, t, d=d, a=a: L.nn.functional.affine_grid(
        t, [2, 3, 4, 5] if d == 2 else [2, 1, 2, 3, 4], align_corners=a), one((2, d, d + 1)))
      for d in (2, 3) for a in (True, False)],
    Op("affine_grid_errors", lambda L, t: L.nn.functional.affine_grid(t, [1, 1, 2, 2], False), one((1, 2, 3)),
       errors=[(fn_error("affine_grid", ones(1, 3, 4), [1, 1, 2, 2], False), "Nx2x3"),
               (fn_error("affine_grid", ones(1, 2, 3), [1, 1, 2], False), "4D and 5D")]),
    *[Op(f"pdist_{p}", lambda L, x, p=p: L.pdist(x, p), one((4, 3), nc(4, 3), (1, 3)), tol=4)
      for p in (1, 2, 3, float("inf"))],
    Op("pdist_errors", lambda L, x: L.nn.functional.pdist(x), one((3, 2)),
       errors=[(fn_error("pdist", ones(2, 2, 2)), "2D")]),
    Op("conv_tbc", lambda L, x, w, b: L.conv_tbc(x, w, b, 1), [((5, 2, 3), (3, 3, 4), (4,))], errors=[
        (lambda L: L.conv_tbc(L.ones(5, 2, 3), L.ones(3, 2, 4), L.ones(4)), "channels")]),
    Op("linear_cross_entropy", lce, [((3, 5), (4, 2, 5), (4, 2))], errors=[
        (lambda L: L.nn.functional.linear_cross_entropy(L.ones(3, 5), L.ones(4, 6), L.tensor([0, 1, 2])),
         "last dimensions")]),
    Op("linear_cross_entropy_smooth_sum", lambda L, x, w: L.nn.functional.linear_cross_entropy(
        x, w, L.tensor([1, 0, 3]), reduction="sum", label_smoothing=0.2, ignore_index=0), [((3, 5), (4, 5))]),
    Op("linear_cross_entropy_probs", lambda L, x, w, t: L.nn.functional.linear_cross_entropy(
        x, w, t.softmax(1)), [((3, 5), (4, 5), (3, 4))]),
    # PyTorch's CPU grouped_mm takes float32 with 16-byte aligned rows and has no backward there (gradients:
    # tests/test_nn_aliases.py checks them by finite differences)
    *[Op(f"grouped_mm_{k}", fn, [shapes], ("float32",), grad=False, errors=errors) for k, fn, shapes, errors in [
        ("2d_3d", lambda L, a, b: L.nn.functional.grouped_mm(a, b, offs=OFFS(L)), ((3, 4), (2, 4, 8)), [
            (lambda L: L.nn.functional.grouped_mm(L.ones(4, 4), L.ones(2, 4, 4)), "offsets")]),
        ("3d_2d", lambda L, a, b: L.nn.functional.grouped_mm(a, b, offs=L.tensor([4, 8], dtype=L.int32)),
         ((2, 4, 4), (4, 8)), []),
        ("2d_2d", lambda L, a, b: L.nn.functional.grouped_mm(a, b, offs=L.tensor([4, 8], dtype=L.int32)),
         ((4, 8), (8, 4)), []),
        ("3d_3d", lambda L, a, b: L.nn.functional.grouped_mm(a, b), ((2, 4, 4), (2, 4, 8)), [])]],
    Op("Tensor.hardshrink", lambda L, a: a.hardshrink(0.3), UNARY, smooth=False),
    Op("Tensor.prelu", lambda L, a, w: a.prelu(w), [((2, 3, 4), (3,)), ((2, 3), (1,))], smooth=False),
]

# -- the table ---------------------------------------------------------------------------------------------

SPECIAL_OPS: list[Op] = [  # torch.special's own functions (the re-exported ones are tested under their torch names)
    Op("special_ndtr", lambda L, a: L.special.ndtr(a * 4), UNARY, FI, errors=[
        (lambda L: L.special.ndtr([1.0]), "must be Tensor")]),
    Op("special_log_ndtr", lambda L, a: L.special.log_ndtr(a * 8), UNARY, FI),
    Op("special_ndtri", lambda L, a: L.special.ndtri(a * 0.5 + 0.5), UNARY, domain="unit"),
    Op("special_ndtri_tails", lambda L: L.special.ndtri(L.tensor([0.0, 1e-300, 1e-20, 1e-5, 1 - 1e-12, 1.0, 1.5],
                                                                 dtype=L.float64)), [()], grad=False),
    Op("special_erfcx", lambda L, a: L.special.erfcx(a * 4), UNARY, FI),
    Op("special_erfcx_wide", lambda L: L.special.erfcx(L.tensor([-30.0, -5.0, 0.5, 1.5, 30.0, 1e5, 1e300],
                                                                 dtype=L.float64)), [()], grad=False),
    Op("special_entr", lambda L, a: L.special.entr(a), POS, FI, domain="pos"),
    Op("special_entr_edges", lambda L: L.special.entr(L.tensor([-1.0, 0.0, 1.0, float("inf")])), [()], grad=False),
    Op("special_xlog1py", lambda L, a, b: L.special.xlog1py(a, b.abs()), BINARY, FI),
    Op("special_xlog1py_scalars", lambda L, a: (L.special.xlog1py(2, a.abs()), L.special.xlog1py(a, 3.0),
                                                L.special.xlog1py(a * 0, a.abs())), UNARY, F, smooth=False,
       errors=[(lambda L: L.special.xlog1py(2, 3), "")]),
    Op("special_i0e", lambda L, a: L.special.i0e(a * 20), UNARY, FI),
    Op("special_i1", lambda L, a: L.special.i1(a * 5), UNARY, FI),
    Op("special_i1e", lambda L, a: L.special.i1e(a * 20), UNARY, FI),
    Op("special_scaled_bessel_wide", lambda L: (L.special.i0e(L.tensor([-1e4, 50.0, 800.0])),
                                                 L.special.i1e(L.tensor([-1e4, 50.0, 800.0]))), [()], grad=False),
    Op("special_bessel_ik", lambda L, a: tuple(getattr(L.special, f)(a * 15) for f in (
        "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
        "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0")), UNARY, grad=False),
    # PyTorch's J and Y (Cephes' rational fits) are off by up to 2e-8 near 7, and its float32 airy_ai by 1e-4
    # relative near -20; ours compute in float64 and agree with mpmath to 1e-14
    Op("special_bessel_jy", lambda L, a: tuple(getattr(L.special, f)(a * 20) for f in (
        "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "airy_ai")), UNARY, grad=False, tol=300),
    Op("special_bessel_edges", lambda L: tuple(getattr(L.special, f)(L.tensor([0.0, float("inf"), -float("inf")]))
                                               for f in ("bessel_j0", "bessel_y1", "modified_bessel_k0",
                                                         "modified_bessel_i1", "airy_ai")), [()], grad=False),
    Op("special_zeta", lambda L, a, b: L.special.zeta(a * 3 + 1.1, b + 0.1), BINARY, domain="pos", grad=False),
    # differentiable in q only, as in PyTorch
    Op("special_zeta_grad_q", lambda L, a: (L.special.zeta(L.tensor([2.0, 3.5, 7.0], dtype=a.dtype), a + 0.1),
                                            L.special.zeta(4.0, a)), one((3,), (2, 3), nc(2, 3)), domain="pos"),
    Op("special_zeta_edges", lambda L: (L.special.zeta(L.tensor([0.5, 1.0, 2.0, 2.0, 3.0]),
                                                       L.tensor([1.0, 1.0, 0.0, -1.5, float("inf")])),
                                        L.special.zeta(2.0, L.tensor([1, 2]))), [()], grad=False),
    # PyTorch recurs in float32 for float32 inputs (we in float64): near a root they differ by 1e-5 relative
    *[Op(f"special_{f}", lambda L, a, f=f: tuple(getattr(L.special, f)(a * 1.5, n) for n in (-1, 0, 1, 2, 5, 9.5)) + (
        getattr(L.special, f)(a, L.tensor([3])), getattr(L.special, f)(0.5, L.tensor([0, 4]))), UNARY, FI,
         grad=False, tol=10) for f in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
                               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
                               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
                               "laguerre_polynomial_l", "legendre_polynomial_p")],
]


OPS: list[Op] = [
    # arithmetic
    Op("add", lambda L, a, b: L.add(a, b), BINARY, FIB),
    Op("add_alpha", lambda L, a, b: L.add(a, b, alpha=2), BINARY[:3], FI),
    Op("add_scalar", lambda L, a: a + 1.5, UNARY, FIB),
    Op("sub", lambda L, a, b: L.sub(a, b), BINARY, FI,
       errors=[(lambda L: L.tensor([True]) - L.tensor([False]), "two bool tensors")]),
    Op("rsub_scalar", lambda L, a: 2 - a, UNARY, FI),
    Op("mul", lambda L, a, b: L.mul(a, b), BINARY, FIB),
    Op("mul_scalar", lambda L, a: a * 2, UNARY, FIB),
    Op("div", lambda L, a, b: L.div(a, b), BINARY, FI, domain="nz"),
    Op("div_scalar", lambda L, a: a / 4, UNARY, FI),
    Op("rdiv_scalar", lambda L, a: 3 / a, UNARY, FI, domain="nz"),
    Op("div_floor", lambda L, a, b: L.div(a, b, rounding_mode="floor"), BINARY, FI, domain="nz",
       errors=[(lambda L: L.div(L.ones(2), 2, rounding_mode="round"), "rounding_mode")]),
    Op("div_trunc", lambda L, a, b: L.div(a, b, rounding_mode="trunc"), BINARY, FI, domain="nz"),
    Op("pow", lambda L, a, b: L.pow(a, b), BINARY, F, domain="pos"),
    Op("pow_int", lambda L, a: a ** 2, UNARY, FI,
       errors=[(lambda L: L.tensor([2]) ** -1, "integers to negative integer powers")]),
    Op("pow_half", lambda L, a: a ** 0.5, UNARY, F, domain="pos"),
    Op("pow_neg", lambda L, a: a ** -1, UNARY, F, domain="nz"),
    Op("pow_zero", lambda L, a: a ** 0, UNARY, FI),
    Op("rpow", lambda L, a: L.pow(2.0, a), UNARY, F),
    # comparisons
    *cmp("eq"), *cmp("ne"), *cmp("lt"), *cmp("le"), *cmp("gt"), *cmp("ge"),
    # unary math
    unary("exp"), unary("log", domain="pos"), unary("log1p", domain="unit"), unary("expm1"),
    unary("sqrt", domain="pos"), unary("rsqrt", domain="pos"), unary("abs"), unary("sign"),
    unary("neg", errors=[(lambda L: -L.tensor([True]), "on a bool tensor is not supported")]),
    unary("sin"), unary("cos"), unary("tanh"), unary("sigmoid"), unary("relu"), unary("erf"),
    unary("floor"), unary("ceil"), unary("round"), unary("trunc"),
    Op("round_decimals", lambda L, a: L.round(a, decimals=1), UNARY),
    # clamp, where, maximum/minimum, lerp
    Op("clamp", lambda L, a: L.clamp(a, -0.5, 0.5), UNARY, FI,
       errors=[(lambda L: L.clamp(L.ones(2)), "at least one of 'min' or 'max'")]),
    Op("clamp_min", lambda L, a: L.clamp(a, min=0), UNARY, FI),
    Op("clamp_max", lambda L, a: a.clamp(max=1), UNARY, FI),
    Op("clamp_tensors", lambda L, a, lo: L.clamp(a, lo, lo + 1), BINARY, F),
    Op("clamp_min_tensor", lambda L, a, lo: L.clamp(a, min=lo), BINARY, FI),
    Op("where", lambda L, c, a, b: L.where(c > 0, a, b), [((2, 3),) * 3, ((2, 1), (3,), ()), ((0, 3),) * 3,
                                                         (nc(2, 3), (2, 3), nc(3))], FI),
    Op("where_scalar", lambda L, a: L.where(a > 0, a, 0.0), UNARY, F),
    Op("maximum", lambda L, a, b: L.maximum(a, b), BINARY, FI,
       errors=[(lambda L: L.maximum(L.ones(2), 1), "Tensor")]),
    Op("minimum", lambda L, a, b: L.minimum(a, b), BINARY, FI),
    Op("lerp", lambda L, a, b: L.lerp(a, b, 0.3), BINARY),
    Op("lerp_tensor", lambda L, a, b, w: L.lerp(a, b, w), [((2, 3), (3,), (2, 1)), ((), (), ())]),
    # linear algebra
    Op("matmul", lambda L, a, b: L.matmul(a, b), MATMUL, FI, errors=[
        (lambda L: L.ones(2, 3) @ L.ones(4, 5), "cannot be multiplied"),
        (lambda L: L.matmul(L.ones(()), L.ones(3)), "at least 1"),
        (lambda L: L.ones(2, 2, 3) @ L.ones(3, 3, 4), "cannot be broadcast")]),
    Op("mm", lambda L, a, b: L.mm(a, b), [((2, 3), (3, 4)), (nc(2, 3), nc(3, 4)), ((0, 3), (3, 2))], FI,
       errors=[(lambda L: L.mm(L.ones(2, 2, 3), L.ones(3, 4)), "2-D")]),
    Op("bmm", lambda L, a, b: L.bmm(a, b), [((2, 2, 3), (2, 3, 4)), (nc(2, 2, 3), (2, 3, 4))], FI,
       errors=[(lambda L: L.bmm(L.ones(2, 2, 3), L.ones(3, 3, 4)), "batch")]),
    Op("mv", lambda L, a, b: L.mv(a, b), [((2, 3), (3,)), (nc(2, 3), nc(3))], FI),
    Op("dot", lambda L, a, b: L.dot(a, b), [((3,), (3,)), ((0,), (0,)), (nc(3), (3,))], FI, errors=[
        (lambda L: L.dot(L.ones(3), L.ones(4)), "inconsistent tensor size"),
        (lambda L: L.dot(L.ones(3), L.ones(3, dtype=L.float64)), "same dtype")]),
    Op("outer", lambda L, a, b: L.outer(a, b), [((3,), (4,)), ((0,), (2,)), (nc(3), (2,))], FI),
    Op("addmv", lambda L, c, a, b: L.addmv(c, a, b, beta=2, alpha=3), [((2,), (2, 3), (3,)), ((1,), nc(2, 3), (3,))],
       FI, errors=[(lambda L: L.addmv(L.ones(3), L.ones(3, 4), L.ones(5)), "cannot be multiplied")]),
    Op("addr", lambda L, c, a, b: L.addr(c, a, b, alpha=-1), [((2, 3), (2,), (3,)), ((3,), nc(2), (3,))], FI,
       errors=[(lambda L: L.addr(L.ones(3, 4), L.ones(3, 4), L.ones(4)), "1-D argument vec1")]),
    Op("addbmm", lambda L, c, a, b: L.addbmm(c, a, b, beta=2), [((2, 4), (3, 2, 3), (3, 3, 4)), ((4,), nc(2, 2, 3),
       (2, 3, 4))], FI, errors=[(lambda L: L.addbmm(L.ones(3, 5), L.ones(2, 3, 4), L.ones(2, 4, 4)), "")]),
    Op("addmm_inplace_family", lambda L, c, a, b, v, w: [
        c.clone().addmm_(a, b, beta=0.5), c.clone().addr_(v, w, alpha=3), c[0].clone().addmv_(a, b[:, 0]),
        c.clone().addbmm_(a.unsqueeze(0), b.unsqueeze(0)), c.clone().unsqueeze(0).baddbmm_(a.unsqueeze(0),
                                                                                           b.unsqueeze(0))],
       [((2, 2), (2, 3), (3, 2), (2,), (2,))], F),
    *[Op(f"einsum_{eq}", lambda L, *xs, eq=eq: L.einsum(eq, *xs), [shapes], F) for eq, shapes in [
        ("ij,jk->ik", ((2, 3), (3, 4))), ("bij,bjk->bik", ((2, 2, 3), (2, 3, 4))), ("i,i->", ((3,), (3,))),
        ("i,j->ij", ((3,), (2,))), ("ij->ji", (nc(2, 3),)), ("ij->", ((2, 3),)), ("bi,bi->b", ((2, 3), (2, 3))),
        ("ij,jk", ((2, 3), (3, 4))), ("...ij,...jk->...ik", ((2, 2, 3), (2, 3, 4))),
        ("...ij,jk->...ik", ((2, 1, 2, 3), (3, 4))), ("b...,b...->b", ((2, 3, 2), (2, 3, 2))),
        ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2)))]],
    Op("einsum_diagonal", lambda L, a: L.einsum("ii->i", a), one((3, 3)), F,
       skip_grad="einsum backward with a repeated index raises by design (use torch.diagonal)"),
    # reductions
    Op("sum", lambda L, a: L.sum(a), UNARY, FIB),
    Op("sum_dim", lambda L, a: L.sum(a, 1), RED, FIB, errors=[(lambda L: L.sum(L.ones(2), 2), "out of range")]),
    Op("sum_dims_keepdim", lambda L, a: a.sum((0, 2), keepdim=True), one((2, 3, 2), nc(2, 3, 2)), FIB),
    Op("sum_dtype", lambda L, a: L.sum(a, -1, dtype=L.float64), RED, FI),
    Op("mean", lambda L, a: L.mean(a), UNARY, F,
       errors=[(lambda L: L.mean(L.tensor([1, 2])), "could not infer output dtype")]),
    Op("mean_dims", lambda L, a: L.mean(a, (0, 1), keepdim=True), one((2, 3, 2), nc(2, 3))),
    Op("mean_dim", lambda L, a: a.mean(-1), RED),
    Op("prod", lambda L, a: L.prod(a), UNARY, FI),
    Op("prod_dim", lambda L, a: L.prod(a, 1, keepdim=True), one((2, 3), nc(2, 3), (2, 3, 2)), FI),
    Op("prod_zeros", lambda L, a: L.prod(a * zmask(L, a), 1), one((3, 3), nc(3, 3)), FI),
    Op("prod_zeros_all", lambda L, a: L.prod(a * zmask(L, a)), one((3, 3)), FI),
    Op("prod_zeros_dim0", lambda L, a: L.prod(a * zmask(L, a), 0), one((3, 3)), FI),
    Op("max", lambda L, a: L.max(a), one((), (3,), (2, 3), nc(2, 3)), FI,
       errors=[(lambda L: L.max(L.ones(0)), "non-empty")]),
    Op("max_dim", lambda L, a: L.max(a, 1), one((2, 3), nc(2, 3), (2, 3, 2)), FI,
       errors=[(lambda L: L.max(L.ones(0, 3), 0), "non-zero size")]),
    Op("max_dim_keepdim", lambda L, a: L.max(a, -1, keepdim=True), one((2, 3), ()), FI),
    Op("max_ties", lambda L, a: L.max(L.cat([a, a])), one((3,))),
    Op("max_other", lambda L, a, b: L.max(a, b), BINARY[:3]),
    Op("min", lambda L, a: L.min(a), one((), (3,), (2, 3), nc(2, 3)), FI),
    Op("min_dim", lambda L, a: a.min(0), one((2, 3), nc(2, 3), (3, 0)), FI),
    *reduce2("amax", FI), *reduce2("amin", FI),
    Op("argmax", lambda L, a: L.argmax(a), one((), (3,), (2, 3), nc(2, 3)), FI, grad=False),
    Op("argmax_dim", lambda L, a: L.argmax(a, 1, keepdim=True), one((2, 3), nc(2, 3)), FI, grad=False),
    Op("argmin", lambda L, a: L.argmin(a), one((3,), (2, 3)), FI, grad=False),
    Op("argmin_dim", lambda L, a: a.argmin(0), one((2, 3), (3, 0)), FI, grad=False),
    *[Op(f"{f}_{k}", lambda L, a, f=f, kw=kw: getattr(L, f)(a, **kw), one(*shapes),
         errors=[(lambda L, f=f: getattr(L, f)(L.tensor([1, 2])), "floating point")] if k == "all" else [])
      for f in ("var", "std") for k, kw, shapes in [
          ("all", {}, [(4, 3), nc(4, 3), (2,)]), ("dim", dict(dim=1), [(4, 3), nc(4, 3), (2, 3, 2)]),
          ("dims", dict(dim=(0, 2), keepdim=True), [(2, 3, 2), (3, 1, 2)]),
          ("correction0", dict(dim=1, correction=0), [(4, 3), (2, 1)]),
          ("correction2", dict(dim=0, correction=2), [(4, 3), nc(4, 3)]),
          ("unbiased", dict(unbiased=False), [(4, 3), ()]),
          ("unbiased_keepdim", dict(dim=-1, unbiased=True, keepdim=True), [(4, 3), nc(4, 3)])]],
    Op("norm", lambda L, a: L.norm(a), one((), (3,), (2, 3), nc(2, 3))),
    Op("norm_1", lambda L, a: L.norm(a, 1), one((3,), (2, 3), nc(2, 3))),
    Op("norm_inf", lambda L, a: L.norm(a, float("inf")), one((3,), (2, 3), nc(2, 3))),
    Op("norm_dim", lambda L, a: L.norm(a, 2, dim=1), one((2, 3), nc(2, 3), (0, 3))),
    Op("norm_1_dims", lambda L, a: L.norm(a, 1, dim=(0, 2), keepdim=True), one((2, 3, 2))),
    Op("norm_inf_dim", lambda L, a: L.norm(a, float("inf"), dim=0), one((2, 3), nc(2, 3))),
    Op("norm_3_dim", lambda L, a: L.norm(a, 3, dim=-1), one((2, 3))),
    Op("norm_at_zero", lambda L, a: L.norm(a * 0, dim=1), one((2, 3))),
    Op("logsumexp", lambda L, a: L.logsumexp(a, 1), one((2, 3), nc(2, 3), (0, 3)), FI),
    Op("logsumexp_dims", lambda L, a: L.logsumexp(a, (0, 2), keepdim=True), one((2, 3, 2))),
    Op("logsumexp_large", lambda L, a: L.logsumexp(a * 400, -1), one((2, 3)), tol=10),
    *[Op(f"{f}_{d}", lambda L, a, f=f, d=d: getattr(L, f)(a, d), one(*shapes),
         errors=[(lambda L, f=f: getattr(L, f)(L.tensor([1, 2]), 0), "float")])
      for f in ("softmax", "log_softmax") for d, shapes in [
          (0, [(), (3,), (0, 3), nc(2, 3)]), (1, [(2, 3), nc(2, 3), (0, 3)]), (-1, [(2, 3, 2), (2, 0)])]],
    Op("softmax_dtype", lambda L, a: L.softmax(a, 1, dtype=L.float64), one((2, 3))),
    Op("cumsum", lambda L, a: L.cumsum(a, 1), one((2, 3), nc(2, 3), (2, 0)), FIB),
    Op("cumsum_0", lambda L, a: a.cumsum(0), one((), (3,), (0, 3)), FI),
    *[Op(f"{f}{k}", lambda L, a, f=f, kw=kw: getattr(L, f)(a, **kw), UNARY if not kw else RED, FIB, grad=False)
      for f in ("all", "any") for k, kw in [("", {}), ("_dim", dict(dim=1)), ("_keepdim", dict(dim=0, keepdim=True))]],
    # movement
    Op("reshape", lambda L, a: a.reshape(3, 2), one((2, 3), nc(2, 3), (6,)), FIB, errors=[
        (lambda L: L.ones(2, 3).reshape(4, -1), "invalid for input of size"),
        (lambda L: L.ones(2, 3).reshape(-1, -1), "only one dimension can be inferred")]),
    Op("reshape_flat", lambda L, a: L.reshape(a, (-1,)), UNARY, FIB),
    Op("reshape_empty", lambda L, a: a.reshape(3, 0), one((0, 3), (2, 0)), FI,
       errors=[(lambda L: L.ones(0, 3).reshape(3, 0, -1), "invalid")]),
    Op("view", lambda L, a: a.view(3, 2), one((2, 3), (6,)), FIB, errors=[
        (lambda L: L.ones(2, 3).T.view(6), "view size is not compatible"),
        (lambda L: L.ones(2, 3).view(4), "invalid for input of size")]),
    Op("view_flat", lambda L, a: a.view(-1), one((), (2, 3), (0, 3)), FIB),
    Op("view_noncontig_ok", lambda L, a: a.view(3, 1, 2), one(nc(3, 2)), FI),
    Op("view_split_last", lambda L, a: a.transpose(0, 1).view(3, 2, 2, 2), one((2, 3, 4)), FI),
    Op("permute", lambda L, a: a.permute(2, 0, 1), M234, FIB, errors=[
        (lambda L: L.ones(2, 3).permute(0), "does not match"),
        (lambda L: L.ones(2, 3).permute(0, 0), "repeated dim")]),
    Op("permute_tuple", lambda L, a: L.permute(a, (1, 0)), M23 + one((0, 2)), FI),
    Op("transpose", lambda L, a: a.transpose(0, -1), M234 + M23, FIB),
    Op("transpose_fn", lambda L, a: L.transpose(a, 1, 0), M23, FI),
    Op("T", lambda L, a: a.T, M23, FIB),
    Op("mT", lambda L, a: a.mT, M234 + M23, FI, errors=[(lambda L: L.ones(3).mT, "only supported on matrices")]),
    Op("squeeze", lambda L, a: a.squeeze(), one((1, 3, 1), (), (1,), (0, 1), nc(3, 1)), FIB),
    Op("squeeze_dim", lambda L, a: a.squeeze(0), one((1, 3), (2, 3), ()), FI,
       errors=[(lambda L: L.ones(2, 3).squeeze(5), "out of range")]),
    Op("squeeze_dims", lambda L, a: a.squeeze((0, 2)), one((1, 3, 1), (1, 3, 2)), FI),
    Op("unsqueeze", lambda L, a: a.unsqueeze(0), UNARY, FIB,
       errors=[(lambda L: L.ones(3).unsqueeze(3), "out of range")]),
    Op("unsqueeze_last", lambda L, a: L.unsqueeze(a, -1), UNARY, FI),
    Op("flatten", lambda L, a: a.flatten(), UNARY + one((2, 3, 2)), FIB,
       errors=[(lambda L: L.ones(2, 3, 4).flatten(2, 1), "cannot come after")]),
    Op("flatten_range", lambda L, a: L.flatten(a, 0, 1), M234 + one((0, 3, 2)), FI),
    Op("flatten_1", lambda L, a: a.flatten(1), M234, FI),
    Op("unflatten", lambda L, a: a.unflatten(1, (3, 2)), one((2, 6), nc(2, 6)), FI,
       errors=[(lambda L: L.ones(2, 6).unflatten(1, (4, 2)), "invalid for input of size")]),
    Op("unflatten_infer", lambda L, a: a.unflatten(-1, (-1, 2)), one((2, 6), (0, 4)), FI),
    Op("expand", lambda L, a: a.expand(2, 3), one((1, 3), (3,), (), (2, 1), (2, 3)), FIB,
       errors=[(lambda L: L.ones(2, 3).expand(3, 3), "must match the existing size")]),
    Op("expand_lead", lambda L, a: a.expand(4, -1, 3), one((2, 1), nc(2, 1)), FI),
    Op("expand_as", lambda L, a, b: a.expand_as(b), [((1, 3), (2, 3)), ((), (2, 2))], FI),
    Op("repeat", lambda L, a: a.repeat(2, 1), one((2, 3), (3,), nc(2, 3), (0, 2)), FIB,
       errors=[(lambda L: L.ones(2, 3).repeat(2), "can not be smaller")]),
    Op("repeat_3d", lambda L, a: a.repeat(2, 1, 3), one((3,), (2, 3), ()), FI),
    Op("cat", lambda L, a, b: L.cat([a, b]), [((2, 3), (1, 3)), ((2, 3), (0, 3)), ((2, 3), (0,)), (nc(2, 3), (1, 3))],
       FIB, errors=[(lambda L: L.cat([L.ones(2, 3), L.ones(3)]), "same number of dimensions"),
                    (lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)]), "sizes of tensors must match"),
                    (lambda L: L.cat([L.ones(()), L.ones(())]), "zero-dimensional"),
                    (lambda L: L.cat([]), "non-empty")]),
    Op("cat_dim1", lambda L, a, b, c: L.cat([a, b, c], 1), [((2, 3), (2, 1), nc(2, 2)), ((2, 3), (2, 0), (2, 1))], FI),
    Op("cat_promote", lambda L, a, b: L.cat([a, b.double()], -1), [((2, 3), (2, 2))]),
    Op("stack", lambda L, a, b: L.stack([a, b]), [((2, 3), (2, 3)), ((), ()), ((0,), (0,)), (nc(2, 3), (2, 3))], FIB,
       errors=[(lambda L: L.stack([L.ones(2), L.ones(3)]), "stack expects each tensor to be equal size")]),
    Op("stack_dim", lambda L, a, b: L.stack((a, b), -1), [((2, 3), (2, 3)), ((3,), nc(3))], FI),
    Op("split", lambda L, a: a.split(2), one((5,), (4, 2), nc(4)), FI,
       errors=[(lambda L: L.ones(4).split([1, 2]), "sum exactly to")]),
    Op("split_sizes", lambda L, a: L.split(a, [1, 2], 1), one((2, 3), nc(2, 3)), FI),
    Op("split_last", lambda L, a: a.split(1, -1), one((2, 3)), FI),
    Op("chunk", lambda L, a: a.chunk(2), one((5,), (4, 3), (6,)), FI,
       errors=[(lambda L: L.ones(4).chunk(0), "greater than 0")]),
    Op("chunk_dim", lambda L, a: L.chunk(a, 4, 1), one((2, 6), nc(2, 4)), FI),
    Op("narrow", lambda L, a: a.narrow(1, 1, 2), one((2, 3), nc(3, 4), (0, 4)), FIB,
       errors=[(lambda L: L.ones(4).narrow(0, 2, 3), "exceeds dimension size")]),
    Op("narrow_neg", lambda L, a: L.narrow(a, 0, -2, 1), one((3,), (3, 2)), FI),
    Op("flip", lambda L, a: a.flip(0), one((3,), (2, 3), nc(2, 3), (0, 3)), FIB,
       errors=[(lambda L: L.ones(2, 3).flip((0, 0)), "multiple times")]),
    Op("flip_dims", lambda L, a: L.flip(a, (0, -1)), M234 + M23, FI),
    Op("roll", lambda L, a: a.roll(1), one((2, 3), (3,), nc(2, 3), ()), FIB),
    Op("roll_dim", lambda L, a: a.roll(-1, 0), M23, FI,
       errors=[(lambda L: L.ones(2, 3).roll((1, 1), 0), "shifts and dimensions must align")]),
    Op("roll_dims", lambda L, a: L.roll(a, (1, -2), (0, 1)), M23 + M234, FI),
    # getitem: basic, advanced and boolean, with None and Ellipsis (duplicate indices accumulate gradients)
    *[Op(f"getitem_{k}", lambda L, a, key=key: a[key(L)], one(*shapes), FIB) for k, key, shapes in [
        ("int", lambda L: 1, [(3, 4), nc(3, 4), (3,)]),
        ("neg", lambda L: -1, [(3, 4)]),
        ("slice", lambda L: slice(1, 3), [(3, 4), nc(3, 4), (0, 2)]),
        ("slice_step", lambda L: (slice(None), slice(1, None, 2)), [(3, 4), nc(3, 4)]),
        ("empty_slice", lambda L: slice(1, 1), [(3, 4)]),
        ("ellipsis", lambda L: (..., 0), [(2, 3, 4), nc(3, 4)]),
        ("none", lambda L: (None, slice(None), None), [(3, 4), (3,)]),
        ("int_ellipsis_none", lambda L: (1, ..., None), [(2, 3, 4)]),
        ("unit", lambda L: (), [(), (3,)]),
        ("tensor_dup", lambda L: idx(L, 0, 2, 0), [(3, 4), nc(3, 4), (3,)]),
        ("list_dup", lambda L: [0, 2, 0], [(3, 4)]),
        ("col_dup", lambda L: (slice(None), [1, 1, 0]), [(3, 4), nc(3, 4)]),
        ("pairs", lambda L: (idx(L, 0, 1, 0), idx(L, 2, 2, 2)), [(3, 4)]),
        ("index_2d", lambda L: (..., L.tensor([[0, 1], [1, 1]])), [(2, 3), (2, 3, 4)]),
        ("int_adv", lambda L: (0, [1, 0]), [(3, 4)]),
        ("int_slice_adv", lambda L: (0, slice(None), [2, 1]), [(2, 3, 4)]),  # PyTorch applies the int first
        ("int_mask", lambda L: (1, L.tensor([True, False, True]), 0), [(2, 3, 4)]),
        ("split_adv", lambda L: (idx(L, 0, 1), slice(None), idx(L, 1, 1)), [(2, 3, 4)]),
        ("none_adv", lambda L: (None, idx(L, 0, 0), ..., 1), [(3, 4), (2, 3, 4)]),
        ("tensor_0d", lambda L: L.tensor(1), [(3, 4)]),
        ("empty_index", lambda L: idx(L), [(3, 4)]),
        ("bool_mask", lambda L: L.tensor([True, False, True]), [(3, 4), (3,)]),
        ("bool_2d", lambda L: L.tensor([[True, False], [False, True]]), [(2, 2), (2, 2, 3)])]],
    Op("getitem_bool_self", lambda L, a: a[a > 0], UNARY, FI, errors=[
        (lambda L: L.ones(2, 3)[5], "out of bounds"),
        (lambda L: L.ones(3)[L.tensor([0.5])], "tensors used as indices must be long"),
        (lambda L: L.ones(3)[::-1], "step must be greater than zero")]),
    # setitem: value and gradient, for the written tensor and the value written
    *[Op(f"setitem_{k}", lambda L, a, v, key=key: put(a, key(L), v), [shapes], FI) for k, key, shapes in [
        ("col", lambda L: (slice(None), 1), ((2, 3), (2,))), ("row", lambda L: 0, ((2, 3), (3,))),
        ("broadcast", lambda L: slice(1, None), ((3, 3), (3,))), ("ellipsis", lambda L: (..., 0), ((2, 3), (1,))),
        ("tensor", lambda L: idx(L, 0, 2), ((3, 2), (2, 2))), ("0d_value", lambda L: (0, 1), ((2, 3), ())),
        ("noncontig", lambda L: (slice(None), 0), (nc(2, 3), (2,))),
        ("int_slice_adv", lambda L: (0, slice(None), idx(L, 2, 1)), ((2, 3, 4), (3, 2))),
        ("mask", lambda L: L.tensor([[True, False, True], [False, False, True]]), ((2, 3), (3,)))]],
    Op("setitem_number", lambda L, a: put(a, (slice(None), 1), 5), one((2, 3), nc(2, 3)), FI,
       errors=[(setleaf, "a leaf Variable that requires grad")]),
    Op("setitem_mask_number", lambda L, a: put(a, a > 0, 0.0), UNARY, F),
    # gather/scatter and friends
    Op("gather", lambda L, a: L.gather(a, 1, L.tensor([[0, 0], [2, 1]])), one((2, 3), nc(2, 3)), FI, errors=[
        (lambda L: L.gather(L.ones(2, 3), 1, idx(L, 0)), "same number of dimensions"),
        (lambda L: L.gather(L.ones(2, 3), 1, L.tensor([[3]])), "out of bounds")]),
    Op("gather_dim0", lambda L, a: a.gather(0, L.tensor([[1, 0, 1], [1, 1, 1]])), one((2, 3)), FI),
    Op("scatter", lambda L, a, b: L.scatter(a, 1, L.tensor([[2, 0], [1, 2]]), b),
       [((2, 3), (2, 2)), (nc(2, 3), (2, 2))], FI),
    # a src larger than index: PyTorch's own backward returns a gradient of the wrong shape
    Op("scatter_src_larger", lambda L, a, b: L.scatter(a, 1, L.tensor([[2, 0], [1, 2]]), b), [((2, 3), (2, 3))], FI,
       vs_torch=False),
    Op("scatter_value", lambda L, a: a.scatter(0, L.tensor([[1, 0, 1]]), 2.5), one((2, 3)), F),
    Op("scatter_add", lambda L, a, b: L.scatter_add(a, 1, L.tensor([[0, 0], [2, 2]]), b),
       [((2, 3), (2, 2)), (nc(2, 3), (2, 2))], FI),
    Op("scatter_add_src_larger", lambda L, a, b: L.scatter_add(a, 1, L.tensor([[0, 0], [2, 2]]), b), [((2, 3), (2, 3))],
       FI, vs_torch=False),
    Op("scatter_add_dim0", lambda L, a, b: a.scatter_add(0, L.tensor([[1, 1, 0]]), b), [((2, 3), (1, 3))], FI),
    Op("index_select", lambda L, a: L.index_select(a, 0, idx(L, 2, 0, 2)), one((3, 2), nc(3, 2), (3,)), FIB,
       errors=[(lambda L: L.ones(3).index_select(0, L.tensor([[0]])), "supposed to be a vector")]),
    Op("index_select_dim1", lambda L, a: a.index_select(1, idx(L, 1, 1)), one((2, 3), nc(2, 3)), FI),
    Op("index_select_empty", lambda L, a: a.index_select(0, idx(L)), one((3, 2)), FI),
    Op("masked_fill", lambda L, a: a.masked_fill(a > 0, 0.5), UNARY, FI, errors=[
        (lambda L: L.ones(2).masked_fill(L.tensor([1, 0]), 0.0), "boolean masks"),
        (lambda L: L.ones(2).masked_fill(L.tensor([True, False]), L.ones(2)), "0-dimensional value")]),
    Op("masked_fill_broadcast", lambda L, a: a.masked_fill(L.tensor([True, False, True]), -1.0), M23, FI),
    Op("masked_fill_tensor", lambda L, a, v: L.masked_fill(a, L.tensor([True, False, True]), v), [((2, 3), ())]),
    Op("topk", lambda L, a: L.topk(a, 2), one((2, 4), nc(2, 4), (3,)),
       errors=[(lambda L: L.ones(3).topk(4), "out of range")]),
    Op("topk_smallest", lambda L, a: a.topk(2, 0, largest=False), one((3, 2), nc(3, 2))),
    Op("topk_zero", lambda L, a: a.topk(0), one((3,))),
    Op("sort", lambda L, a: L.sort(a, stable=True), one((2, 4), nc(2, 4), (3,), (), (0, 3)), FI),
    Op("sort_desc", lambda L, a: a.sort(dim=0, descending=True, stable=True), one((3, 2), nc(3, 2)), FI),
    *API_OPS,
    *LINALG_OPS,
    *COMPLEX_OPS,
    *TENSOR_OPS,
    *ELEMENTWISE_OPS,
    *NN_OPS,
    *GAMMA_OPS,
    *SPECIAL_OPS,

    # nn.functional primitives (brickwork/ops/linear.py, conv.py, pool.py, normalization.py, pad.py, embedding.py,
    # activation.py, loss.py, attention.py)
    Op("linear", nnf("linear"), [((2, 3, 4), (5, 4), (5,)), (nc(2, 4), (5, 4), (5,)), ((0, 4), (5, 4), (5,)),
                                 ((2, 4), (5, 4), ())], errors=[
        (fn_error("linear", ones(2, 30), ones(10, 20)), "expected input with last dimension 20, got shape (2, 30)"),
        (fn_error("linear", ones(2, 3), ones(4, 3, dtype="float64")), "same dtype")]),
    Op("linear_nobias", nnf("linear"), [((4,), (5, 4)), ((2, 4), nc(5, 4))]),
    Op("conv1d", nnf("conv1d"), [((2, 4, 9), (6, 4, 3), (6,)), ((3, 8), (4, 3, 3))], tol=4),
    Op("conv1d_stride_pad_dil", nnf("conv1d", stride=2, padding=2, dilation=2, groups=2), [((2, 4, 11), (6, 2, 3))],
       tol=4),
    Op("conv2d", nnf("conv2d"), [((2, 3, 7, 6), (4, 3, 3, 3), (4,)), ((2, 5, 5), (3, 2, 3, 3)),
                                 (nc(1, 2, 5, 6), (3, 2, 2, 2))], tol=4, errors=[
        (fn_error("conv2d", ones(1, 3, 8, 8), ones(4, 2, 3, 3)), "expected input[1, 3, 8, 8] to have 2 channels"),
        (fn_error("conv2d", ones(1, 2, 2, 2), ones(4, 2, 3, 3)), "smaller than the (dilated) kernel"),
        (fn_error("conv2d", ones(2, 8), ones(4, 2, 3, 3)), "expected 3-D (unbatched) or 4-D"),
        (fn_error("conv2d", ones(1, 2, 8, 8, dtype="float64"), ones(4, 2, 3, 3)), "should be the same"),
        (fn_error("conv2d", ones(1, 2, 8, 8), ones(4, 2, 3, 3), ones(3)), "bias of shape (4,)")]),
    Op("conv2d_stride_pad_asym", nnf("conv2d", stride=(2, 1), padding=(1, 2)), [((2, 3, 9, 8), (4, 3, 3, 3), (4,))],
       tol=4),
    Op("conv2d_dilation", nnf("conv2d", dilation=(2, 3), padding=1), [((2, 2, 9, 9), (3, 2, 3, 3))], tol=4),
    Op("conv2d_groups", nnf("conv2d", groups=2), [((2, 4, 6, 6), (6, 2, 3, 3), (6,))], tol=4),
    Op("conv2d_depthwise_valid", nnf("conv2d", groups=3, padding="valid"), [((2, 3, 6, 6), (6, 1, 3, 3))], tol=4),
    Op("conv_transpose1d", nnf("conv_transpose1d", stride=2, padding=1, output_padding=1),
       [((2, 4, 5), (4, 3, 3), (3,))], tol=4),
    Op("conv_transpose2d", nnf("conv_transpose2d"), [((2, 4, 3, 4), (4, 3, 3, 3), (3,))], tol=4, errors=[
        (fn_error("conv_transpose2d", ones(1, 2, 4, 4), ones(2, 2, 3, 3), stride=2, output_padding=2),
         "output padding must be smaller")]),
    Op("conv_transpose2d_groups_dil", nnf("conv_transpose2d", groups=2, dilation=2, stride=2, output_padding=1),
       [((1, 4, 3, 3), (4, 3, 2, 3), (6,))], tol=4),
    Op("unfold", nnf("unfold", kernel_size=(2, 3), padding=1, stride=2), one((2, 3, 5, 6), (3, 4, 4))),
    Op("fold", nnf("fold", output_size=(5, 6), kernel_size=(2, 3), padding=1, stride=2), one((2, 18, 9))),
    Op("max_pool1d", nnf("max_pool1d", kernel_size=3, stride=2, padding=1, ceil_mode=True), one((2, 3, 10))),
    Op("max_pool2d", nnf("max_pool2d", kernel_size=2), one((2, 3, 4, 4), (2, 4, 4), nc(1, 2, 4, 6)), FI, errors=[
        (fn_error("max_pool2d", ones(1, 1, 2, 2), 3), "too small"),
        (fn_error("max_pool2d", ones(1, 1, 8, 8), 2, padding=2), "at most half")]),
    Op("max_pool2d_overlap_pad", nnf("max_pool2d", kernel_size=3, stride=2, padding=1), one((2, 2, 7, 9))),
    Op("max_pool2d_ceil", nnf("max_pool2d", kernel_size=3, stride=2, ceil_mode=True), one((1, 2, 7, 8))),
    Op("max_pool2d_dilation", nnf("max_pool2d", kernel_size=(2, 3), dilation=2, stride=1), one((1, 2, 7, 7))),
    Op("max_pool2d_indices", nnf("max_pool2d", kernel_size=3, stride=2, padding=1, return_indices=True),
       one((1, 2, 5, 6))),
    Op("avg_pool1d", nnf("avg_pool1d", kernel_size=3, stride=2, padding=1), one((2, 3, 10))),
    Op("avg_pool2d", nnf("avg_pool2d", kernel_size=2), one((2, 3, 4, 4), (3, 4, 6), nc(1, 2, 4, 4)), errors=[
        (fn_error("avg_pool2d", ones(1, 1, 2, 2), 3), "too small")]),
    Op("avg_pool2d_pad_ceil", nnf("avg_pool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True),
       one((1, 2, 7, 8))),
    Op("avg_pool2d_exclude_pad", nnf("avg_pool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False), one((1, 2, 7, 8))),
    Op("avg_pool2d_divisor", nnf("avg_pool2d", kernel_size=2, divisor_override=3), one((1, 2, 4, 4))),
    # windows side by side (stride = kernel): rows then columns forward, repeats backward where they tile exactly
    Op("avg_pool2d_tiles", nnf("avg_pool2d", kernel_size=(3, 2)), one((2, 3, 6, 4), (2, 3, 7, 5))),
    Op("avg_pool2d_tiles_pad", nnf("avg_pool2d", kernel_size=2, padding=1), one((1, 2, 4, 6))),
    Op("adaptive_avg_pool1d", nnf("adaptive_avg_pool1d", 4), one((2, 3, 10), (3, 9))),
    Op("adaptive_avg_pool2d", nnf("adaptive_avg_pool2d", (4, 3)), one((2, 3, 8, 6), (2, 3, 9, 7))),
    Op("adaptive_avg_pool2d_none", nnf("adaptive_avg_pool2d", (None, 2)), one((2, 3, 5, 6))),
    Op("adaptive_max_pool1d", nnf("adaptive_max_pool1d", 4), one((2, 3, 10), (3, 9))),
    Op("adaptive_max_pool2d", nnf("adaptive_max_pool2d", (4, 3)), one((2, 3, 8, 6), (2, 3, 9, 7))),
    Op("batch_norm_train", lambda L, x, w, b: L.nn.functional.batch_norm(x, None, None, w, b, training=True), [((4, 3, 2, 2), (3,), (3,)), ((5, 3), (3,), (3,))], tol=10),
    Op("batch_norm_running_train", lambda L, x, w, b: bn_running(L, x, w, b, True)[0], [((4, 3, 2), (3,), (3,))],
       tol=10),
    Op("batch_norm_running_stats", lambda L, x, w, b: bn_running(L, x, w, b, True)[1:], [((4, 3, 2), (3,), (3,)),
                                                                                         ((4, 3), (3,), (3,))],
       grad=False),
    Op("batch_norm_eval", lambda L, x, w, b: bn_running(L, x, w, b, False), [((4, 3, 2), (3,), (3,)),
                                                                             ((4, 3), (3,), (3,))]),
    Op("layer_norm", lambda L, x, w, b: L.nn.functional.layer_norm(x, (4, 5), w, b), [((3, 4, 5), (4, 5), (4, 5))],
       tol=10, errors=[(fn_error("layer_norm", ones(2, 3), (4,)), "normalized_shape=[4]")]),
    Op("layer_norm_plain", nnf("layer_norm", (5,)), one((3, 5), nc(3, 5)), tol=10),
    Op("group_norm", lambda L, x, w, b: L.nn.functional.group_norm(x, 2, w, b), [((3, 4, 5), (4,), (4,))], tol=10,
       errors=[(fn_error("group_norm", ones(2, 3, 4), 2), "divisible by num_groups")]),
    Op("instance_norm", nnf("instance_norm"), one((3, 4, 5)), tol=10),
    Op("pad_constant", nnf("pad", (1, 2, 2, 1), value=0.5), one((2, 3, 4, 5), nc(3, 4))),
    Op("pad_negative", nnf("pad", (-1, 2, 0, -2)), one((2, 3, 4, 5))),
    Op("pad_reflect", nnf("pad", (1, 2, 3, 1), mode="reflect"), one((2, 3, 4, 5)), errors=[
        (fn_error("pad", ones(1, 1, 3), (3, 0), mode="reflect"), "should be less than")]),
    Op("pad_replicate", nnf("pad", (1, 2, 3, 1), mode="replicate"), one((2, 3, 4, 5))),
    Op("pad_circular", nnf("pad", (1, 2, 3, 1), mode="circular"), one((2, 3, 4, 5))),
    *[Op(f"embedding{k}", lambda L, w, kw=kw: L.nn.functional.embedding(L.tensor([[0, 2, 4], [4, 4, 1]]), w, **kw),
         one((5, 3), nc(5, 3)), fd=not kw,
         errors=[(fn_error("embedding", lambda L: L.tensor([5]), ones(5, 2)), "out of range")])
      for k, kw in [("", {}), ("_padding", dict(padding_idx=2)), ("_freq", dict(scale_grad_by_freq=True))]],
    Op("gelu", nnf("gelu"), UNARY, errors=[(fn_error("gelu", ones(2), approximate="fast"), "approximate")]),
    Op("gelu_tanh", nnf("gelu", approximate="tanh"), UNARY),
    Op("softplus", nnf("softplus"), UNARY),
    Op("softplus_beta_threshold", nnf("softplus", beta=2.0, threshold=1.5), UNARY),
    Op("hardtanh", nnf("hardtanh", -0.5, 0.7), UNARY),
    Op("cross_entropy", lambda L, x: L.nn.functional.cross_entropy(x, idx(L, 0, 3, 1)), one((3, 4), nc(3, 4))),
    *[Op(f"cross_entropy_{k}", lambda L, x, kw=kw: L.nn.functional.cross_entropy(
        x, idx(L, 0, 3, 1), weight=L.tensor([1.0, 2.0, 0.5, 1.5], dtype=x.dtype), **kw), one((3, 4)))
      for k, kw in [("weighted", {}), ("smoothing", dict(label_smoothing=0.2)), ("ignore", dict(ignore_index=1)),
                    ("none", dict(reduction="none", label_smoothing=0.1)), ("sum", dict(reduction="sum"))]],
    Op("cross_entropy_spatial", lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([[0, 2], [1, 1]])),
       one((2, 3, 2))),
    Op("cross_entropy_probs", lambda L, x, t: L.nn.functional.cross_entropy(x, t.softmax(1), label_smoothing=0.1),
       [((3, 4), (3, 4))], errors=[
        (lambda L: L.nn.functional.cross_entropy(L.ones(2, 3), L.tensor([0, 3])), "out of bounds")]),
    Op("binary_cross_entropy", lambda L, x, t: L.nn.functional.binary_cross_entropy(x.sigmoid(), t.sigmoid()),
       [((3, 4), (3, 4)), ((), ()), ((0, 2), (0, 2))]),
    Op("binary_cross_entropy_input", lambda L, x: L.nn.functional.binary_cross_entropy(
        x.sigmoid(), L.full(x.shape, 0.3, dtype=x.dtype), reduction="none"), one((3, 4), nc(3, 4)), errors=[
        (fn_error("binary_cross_entropy", lambda L: L.tensor([1.5]), lambda L: L.tensor([1.0])), "between 0 and 1")]),
    Op("sdpa", nnf("scaled_dot_product_attention"), [((2, 3, 4), (2, 5, 4), (2, 5, 6)), ((3, 4), (5, 4), (5, 2))],
       errors=[(fn_error("scaled_dot_product_attention", ones(2, 3, 4), ones(2, 3, 5), ones(2, 3, 4)), "expected")]),
    Op("sdpa_causal_scale", nnf("scaled_dot_product_attention", is_causal=True, scale=0.3),
       [((2, 1, 4, 3), (2, 1, 4, 3), (2, 1, 4, 3))]),
    Op("sdpa_float_mask", lambda L, q, k, v, m: L.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m),
       [((2, 3, 4), (2, 5, 4), (2, 5, 4), (3, 5)), ((2, 3, 4), (2, 5, 4), (2, 5, 4), (2, 1, 5))]),
    Op("sdpa_bool_mask", lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=L.tensor([[True, False, True], [False, False, True]])), [((2, 2, 4), (2, 3, 4), (2, 3, 4))]),
    # CTC's recursion is a primitive (brickwork/ops/ctc.py); PyTorch has no second derivative of it either
    Op("ctc_loss", lambda L, a: L.nn.functional.ctc_loss(a.log_softmax(-1), L.tensor([[1, 1, 2], [3, 0, 0]]),
                                                         L.tensor([6, 5]), L.tensor([3, 1]), reduction="none"),
       one((6, 2, 4), nc(6, 2, 4)), smooth=False, errors=[
           (lambda L: L.nn.functional.ctc_loss(L.zeros(4, 1, 3), L.tensor([[1]]), [5], [1]), "at most 4")]),
    Op("ctc_loss_mean_blank_last", lambda L, a: L.nn.functional.ctc_loss(a.log_softmax(-1), L.tensor([0, 1, 1, 2]),
                                                                         [5, 4], [3, 1], blank=3),
       one((5, 2, 4)), smooth=False),
]


_TYPED_ERRORS = {op.name for op in API_OPS + LINALG_OPS + TENSOR_OPS + ELEMENTWISE_OPS + NN_OPS + GAMMA_OPS
                 + COMPLEX_OPS + SPECIAL_OPS}


# -- the generic suite -------------------------------------------------------------------------------------

def _params(kind: str) -> list:
    out = []
    for op in OPS:
        for i, s in enumerate(op.samples):
            if kind == "forward":
                out.append(pytest.param(op, s, id=f"{op.name}-{i}"))
            elif op.grad and (kind != "gradgrad" or op.smooth) and (op.vs_torch if kind == "torch" else op.fd):
                out.append(pytest.param(op, s, id=f"{op.name}-{i}",
                                        marks=[pytest.mark.skip(op.skip_grad)] if op.skip_grad else []))
    return out


def test_table_is_well_formed() -> None:
    names = [op.name for op in OPS]
    assert len(names) == len(set(names)), "duplicate op names in the table"
    for op in OPS:
        assert op.samples and set(op.dtypes) <= set(FIB), op.name
        assert not op.grad or "float64" in op.dtypes, f"{op.name}: differentiable ops need float64 samples"


# `device` (tests/conftest.py) is each available device: brickwork's side runs with it as the default device

@pytest.mark.parametrize("op,sample", _params("forward"))
def test_forward(op: Op, sample: tuple, device: str) -> None:
    for dtype in op.dtypes:
        arrays = make_arrays(op, sample, dtype, "fw")
        with bw.device(device):
            got = run(op, bw, sample, arrays)[1]
        want = run(op, torch, sample, arrays)[1]
        assert len(got) == len(want), f"{dtype}: {len(got)} outputs vs PyTorch's {len(want)}"
        for k, (g, w) in enumerate(zip(got, want)):
            assert g.device == bw.device(device), f"{op.name} output {k} is on {g.device}, not {device}"
            assert_close(g, w, op.tol, f"{op.name} output {k} for {dtype} inputs")


@pytest.mark.parametrize("op,sample", _params("torch"))
def test_grad_vs_torch(op: Op, sample: tuple, device: str) -> None:
    arrays = make_arrays(op, sample, "float32", "grad")
    with bw.device(device):
        bl, bo = run(op, bw, sample, arrays, True)
    tl, to = run(op, torch, sample, arrays, True)
    assert [o.requires_grad for o in bo] == [o.requires_grad for o in to], "which outputs require grad"
    rng = np.random.default_rng(0)
    gos = [rng.standard_normal(tuple(o.shape)).astype("float32") for o in to if o.requires_grad]
    with bw.device(device):
        gb = bw.autograd.grad([o for o in bo if o.requires_grad], bl, [bw.tensor(g) for g in gos],
                              allow_unused=True)
    gt = torch.autograd.grad([o for o in to if o.requires_grad], tl, [torch.tensor(g) for g in gos],
                             allow_unused=True)
    for k, (g, w, leaf) in enumerate(zip(gb, gt, tl)):
        g = bw.zeros(tuple(leaf.shape)) if g is None else g
        assert_close(g, torch.zeros_like(leaf) if w is None else w, op.tol, f"{op.name} grad {k}")


def _float64_leaves(op: Op, sample: tuple, salt: str) -> tuple[list, Callable]:
    leaves = [bw.tensor(a, requires_grad=True) for a in make_arrays(op, sample, "float64", salt)]
    return leaves, lambda *xs: op.fn(bw, *views(sample, xs))


@pytest.mark.parametrize("op,sample", _params("grad"))
def test_gradcheck(op: Op, sample: tuple, device: str) -> None:
    with bw.device(device):
        leaves, f = _float64_leaves(op, sample, "gc")
        assert bw.autograd.gradcheck(f, leaves)


@pytest.mark.parametrize("op,sample", _params("gradgrad"))
def test_gradgradcheck(op: Op, sample: tuple, device: str) -> None:
    with bw.device(device):
        leaves, f = _float64_leaves(op, sample, "ggc")
        bw.manual_seed(0)  # gradgradcheck draws random output gradients
        assert bw.autograd.gradgradcheck(f, leaves)


@pytest.mark.parametrize("op,k", [pytest.param(op, k, id=f"{op.name}-{k}") for op in OPS
                                  for k in range(len(op.errors))])
def test_errors(op: Op, k: int, device: str) -> None:
    fn, fragment = op.errors[k]
    with pytest.raises(Exception) as want:  # the case must be an error in PyTorch too
        fn(torch)
    with pytest.raises(Exception) as info, bw.device(device):
        fn(bw)
    assert fragment.lower() in str(info.value).lower(), f"{type(info.value).__name__}: {info.value}"
    # the same kind of exception: PyTorch's type, or the built-in type it derives from (torch._C._LinAlgError is a
    # RuntimeError; brickwork's errors may be more specific subclasses). Checked for the entries of API_OPS and
    # LINALG_OPS; the older entries still differ in three places (div's rounding_mode, softmax of integers)
    if op.name in _TYPED_ERRORS:
        kind = next(c for c in type(want.value).__mro__ if c.__module__ == "builtins")
        assert isinstance(info.value, kind), f"brickwork raised {type(info.value).__name__}, PyTorch {kind.__name__}"
