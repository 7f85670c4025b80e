"""``torch.linalg``: norms, inverses, solves, determinants and the factorizations, with gradients.

The hand-written primitives are the factorizations and solves LAPACK does for us (``inv``, ``solve``,
``det``, ``slogdet``, ``cholesky``, ``qr``, ``eigh``, ``svd``); each backward is written with tensor ops,
these primitives included, so it differentiates again. Norms, ``pinv``, ``lstsq``, ``matrix_power`` and
``multi_dot`` are composed from them. Gradients follow the usual assumptions (PyTorch's too): ``eigh`` and
``svd`` need distinct eigen/singular values, ``det`` and ``inv`` an invertible matrix, ``qr`` a matrix with
at least as many rows as columns. Inputs are real float32/float64 matrices (batches broadcast).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import return_types
from .._tensor import Tensor
from ._core import needs_grad, record, sum_to, wrap, wrap_dim
from .elementwise import where
from .linalg import matmul
from .multi_output import record_outputs

__all__ = ["LinAlgError", "vector_norm", "matrix_norm", "linalg_norm", "inv", "solve", "det", "slogdet",
           "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "lstsq", "matrix_rank", "matrix_power",
           "multi_dot", "vecdot", "logdet", "inverse", "pinverse"]


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (a singular or not positive-definite matrix).

    Example:
        >>> import brickwork as torch
        >>> issubclass(torch.linalg.LinAlgError, RuntimeError)
        True
    """


_slogdet, _qr, _eigh, _svd, _lstsq = (return_types.linalg_slogdet, return_types.linalg_qr, return_types.linalg_eigh,
                                      return_types.linalg_svd, return_types.linalg_lstsq)


def _float_matrix(A: Tensor, op: str, square: bool = True, complex_ok: bool = False) -> Any:
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions, got shape {tuple(A.shape)}")
    if A._data.dtype.kind == "c":
        if not complex_ok:  # the ops whose NumPy routine and result dtypes suit complex input pass complex_ok
            raise RuntimeError(f"{op}: brickwork does not support complex inputs here yet (got {A.dtype}); inv, "
                               "solve, det, lu_factor, lu_solve, matrix_exp and eig take complex matrices")
    elif not A.is_floating_point() or A.dtype in (_dt.float16, _dt.bfloat16):
        name = str(A.dtype).split(".")[-1].capitalize()
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {name} (convert "
                           "with .float() or .double())")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    return A._data


def _eye_like(A: Tensor, n: int) -> Tensor:
    return wrap(A._device.xp.eye(n, dtype=A._data.dtype), A._device)


# -- norms (composed) -----------------------------------------------------------------------------------------

def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None, out: Tensor | None = None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements when None): ``sum(|x|**ord) ** (1/ord)``.

    ``ord`` may be any real number, ``inf`` (max abs), ``-inf`` (min abs) or 0 (number of non-zeros).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.vector_norm(torch.tensor([3.0, -4.0])), torch.linalg.vector_norm(torch.tensor([3.0, -4.0]), 1)
        (tensor(5.), tensor(7.))
    """
    if dtype is not None:
        x = x.to(dtype)
    if not x.is_floating_point() and not x.is_complex():
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{str(x.dtype).split('.')[-1].capitalize()}")
    dims = None if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if dims is None and keepdim:
        dims = tuple(range(x.ndim))
    a = x.abs()
    if ord == math.inf:
        return a.amax(dims if dims is not None else (), keepdim=keepdim)
    if ord == -math.inf:
        return a.amin(dims if dims is not None else (), keepdim=keepdim)
    if ord == 0:
        return (x != 0).to(x.dtype).sum(dims, keepdim=keepdim)
    if dims is None:
        a, dims = a.reshape(-1), (0,)
    if ord == 1:
        return a.sum(dims, keepdim=keepdim)
    if ord == 2:
        s = (a * a).sum(dims, keepdim=keepdim)
        # the gradient of sqrt at 0 is inf; PyTorch's norm gives 0 there
        safe = where(s > 0, s, 1.0)
        return where(s > 0, safe.sqrt(), 0.0)
    p = float(ord)
    s = (a ** p).sum(dims, keepdim=keepdim)
    safe = where(s > 0, s, 1.0)
    return where(s > 0, safe ** (1.0 / p), 0.0) if p > 0 else safe ** (1.0 / p)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None, out: Tensor | None = None) -> Tensor:
    """A matrix norm over the two dimensions ``dim``: ``'fro'``, ``'nuc'``, ``1``, ``-1``, ``2``, ``-2``,
    ``inf`` or ``-inf``.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.matrix_norm(torch.tensor([[1.0, -2.0], [3.0, 4.0]]), 1)
        tensor(6.)
    """
    if dtype is not None:
        A = A.to(dtype)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got shape "
                           f"{tuple(A.shape)}")
    d0, d1 = (wrap_dim(d, A.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(A.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    if ord in (1, -1, math.inf, -math.inf):
        over, then = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(over, keepdim=True)
        r = sums.amax(then, keepdim=True) if ord in (1, math.inf) else sums.amin(then, keepdim=True)
        return r if keepdim else r.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported; use 'fro', 'nuc', 1, -1, 2, -2, inf or -inf")


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                out: Tensor | None = None, dtype: Any = None) -> Tensor:
    """A vector or matrix norm: a matrix norm when ``ord`` is a string or ``dim`` names two dimensions (or a 2-d
    input without ``dim`` has an ``ord``), else a vector norm (the 2-norm of all elements by default).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.norm(torch.ones(2, 3)), torch.linalg.norm(torch.ones(2, 3), "nuc")
        (tensor(2.4495), tensor(2.4495))
    """
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", tuple(dim), keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if isinstance(ord, str) or (dim is not None and len(dim) == 2) or (dim is None and A.ndim == 2):
        return matrix_norm(A, ord, tuple(dim) if dim is not None else (-2, -1), keepdim, dtype=dtype)
    if dim is None and A.ndim != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


# -- inverse, solve, determinants ---------------------------------------------------------------------------

def _singular(op: str, e: Exception) -> LinAlgError:
    return LinAlgError(f"{op}: The diagonal element is zero, the inversion could not be completed because the "
                       f"input matrix is singular ({e}); check the matrix's rank, or use linalg.pinv")


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of a square matrix (or of each in a batch).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.inv(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    d = _float_matrix(A, "linalg.inv", complex_ok=True)
    xp = A._device.xp
    try:
        r = xp.linalg.inv(d)
    except Exception as e:  # LinAlgError from NumPy or CuPy
        raise _singular("linalg.inv", e) from None
    if xp is np and not np.isfinite(r).all() and np.isfinite(d).all():
        raise _singular("linalg.inv", ValueError("non-finite inverse"))
    res = wrap(r.astype(d.dtype, copy=False), A._device)
    if needs_grad(A):
        record(res, "LinalgInvExBackward0", _inv_backward, (A,), save_output=True)
    return res


def _inv_backward(node: Any, g: Tensor) -> tuple:
    ai = node.output()
    return (-matmul(matmul(ai.mT, g), ai.mT),)


def _vector_rhs(A: Tensor, B: Tensor) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) when it has one dimension fewer than A and matches its batch."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``); a 1-d ``B`` is a vector.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.solve(torch.tensor([[2.0, 0.0], [0.0, 4.0]]), torch.tensor([2.0, 2.0]))
        tensor([1.0000, 0.5000])
    """
    _float_matrix(A, "linalg.solve", complex_ok=True)
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type {A.dtype} "
                           f"and B of type {B.dtype} instead")
    if not left:
        return solve(A.mT, B.mT).mT
    vec = _vector_rhs(A, B)
    b = B.unsqueeze(-1) if vec else B
    if b.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({A.shape[-2]}x"
                           f"{A.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    x = _solve(A, b)
    return x.squeeze(-1) if vec else x


def _solve(A: Tensor, b: Tensor) -> Tensor:
    xp = A._device.xp
    shape = np.broadcast_shapes(A._data.shape[:-2], b._data.shape[:-2])
    da = xp.broadcast_to(A._data, shape + A._data.shape[-2:])
    db = xp.broadcast_to(b._data, shape + b._data.shape[-2:])
    try:
        r = xp.linalg.solve(da, db)
    except Exception:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular; check the "
                          "matrix's rank, or use linalg.lstsq") from None
    res = wrap(r.astype(da.dtype, copy=False), A._device)
    if needs_grad(A, b):
        record(res, "LinalgSolveExBackward0", _solve_backward, (A, b), saved=(A, b), save_output=True)
    return res


def _solve_backward(node: Any, g: Tensor) -> tuple:
    (A, b), x = node.saved_tensors, node.output()
    gb = _solve(A.mT, g)
    ga = -matmul(gb, x.mT) if node.needs_input_grad[0] else None
    return (sum_to(ga, A) if ga is not None else None, sum_to(gb, b))


def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The determinant of a square matrix (or of each in a batch).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.det(torch.tensor([[1.0, 2.0], [3.0, 4.0]])).round()
        tensor(-2.)
    """
    d = _float_matrix(A, "linalg.det", complex_ok=True)
    res = wrap(A._device.xp.asarray(A._device.xp.linalg.det(d)).astype(d.dtype), A._device)
    if needs_grad(A):
        record(res, "LinalgDetBackward0", _det_backward, (A,), saved=(A,), save_output=True)
    return res


def _det_backward(node: Any, g: Tensor) -> tuple:
    (A,), dt = node.saved_tensors, node.output()
    return ((g * dt).unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)


def slogdet(A: Tensor, *, out: Any = None) -> Any:
    """The sign and the log of the absolute value of the determinant (stable where ``det`` over- or underflows).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.slogdet(torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sign
        tensor(-1.)
    """
    d = _float_matrix(A, "linalg.slogdet")
    xp = A._device.xp
    s, la = xp.linalg.slogdet(d)
    sign = wrap(xp.asarray(s).astype(d.dtype), A._device)
    logabs = wrap(xp.asarray(la).astype(d.dtype), A._device)
    if needs_grad(A):
        record_outputs((sign, logabs), "LinalgSlogdetBackward0", _slogdet_backward, (A,), saved=(A,))
    return _slogdet(sign, logabs)


def _slogdet_backward(node: Any, gsign: Tensor | None, g: Tensor | None) -> tuple:
    (A,) = node.saved_tensors  # the sign is piecewise constant: only logabsdet has a gradient
    return (None if g is None else g.unsqueeze(-1).unsqueeze(-1) * inv(A).mT,)


# -- factorizations --------------------------------------------------------------------------------------------

def cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """The Cholesky factor ``L`` (lower triangular, ``A = L Lᵀ``) of a symmetric positive-definite matrix.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.cholesky(torch.tensor([[4.0, 2.0], [2.0, 2.0]]))
        tensor([[2., 0.],
                [1., 1.]])
    """
    d = _float_matrix(A, "linalg.cholesky")
    try:
        r = A._device.xp.linalg.cholesky(d)
    except Exception:
        raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                          "positive-definite; check that the matrix is symmetric with positive eigenvalues") from None
    if A._device.xp is not np and not bool(A._device.xp.isfinite(r).all()):
        raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                          "positive-definite")
    L = wrap(r.astype(d.dtype, copy=False), A._device)
    if needs_grad(A):
        record(L, "LinalgCholeskyExBackward0", _cholesky_backward, (A,), save_output=True)
    return L.mT if upper else L


def _cholesky_backward(node: Any, g: Tensor) -> tuple:
    L = node.output()
    phi = matmul(L.mT, g).tril()
    phi = phi - 0.5 * phi * _eye_like(L, L.shape[-1])  # the diagonal halved
    li = inv(L)
    ga = matmul(matmul(li.mT, phi), li)
    return (0.5 * (ga + ga.mT),)


def qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> Any:
    """The QR factorization ``A = Q R``, Q with orthonormal columns and R upper triangular.

    ``mode`` is ``'reduced'`` (Q is m x k), ``'complete'`` (Q is m x m) or ``'r'`` (Q empty). Gradients need
    ``mode='reduced'`` and at least as many rows as columns, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> Q, R = torch.linalg.qr(torch.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> torch.allclose(Q @ R, torch.tensor([[3.0, 1.0], [4.0, 2.0]]))
        True
    """
    d = _float_matrix(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    xp = A._device.xp
    q, r = xp.linalg.qr(d, mode="complete" if mode == "complete" else "reduced")
    Q = wrap(q.astype(d.dtype, copy=False), A._device)
    R = wrap(r.astype(d.dtype, copy=False), A._device)
    if needs_grad(A):
        if mode == "reduced" and A.shape[-2] >= A.shape[-1]:
            record_outputs((Q, R), "LinalgQrBackward0", _qr_backward, (A,), saved=(A,))
        elif mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
    if mode == "r":
        Q = wrap(xp.zeros((0,), dtype=d.dtype), A._device)
    return _qr(Q, R)


def _qr_backward(node: Any, gq: Tensor | None, gr: Tensor | None) -> tuple:
    Q, R = qr(node.saved_tensors[0])  # recomputed from the input, so that double backward sees Q and R depend on it
    gq = gq if gq is not None else Q * 0
    gr = gr if gr is not None else R * 0
    M = matmul(R, gr.mT) - matmul(gq.mT, Q)
    low = M.tril(-1)
    sym = low + low.mT + M * _eye_like(R, R.shape[-1])
    b = gq + matmul(Q, sym)
    return (solve(R, b.mT).mT,)  # b R^{-T}


def eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Any:
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, read from its lower
    (``UPLO='L'``) or upper triangle.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.eigh(torch.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
        tensor([1., 3.])
    """
    d = _float_matrix(A, "linalg.eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    xp = A._device.xp
    w, v = xp.linalg.eigh(d, UPLO=UPLO)
    L = wrap(w.astype(d.dtype, copy=False), A._device)
    V = wrap(v.astype(d.dtype, copy=False), A._device)
    if needs_grad(A):
        record_outputs((L, V), "LinalgEighBackward0", _eigh_backward, (A,), saved=(A,), uplo=UPLO)
    return _eigh(L, V)


def _eigh_backward(node: Any, gl: Tensor | None, gv: Tensor | None) -> tuple:
    L, V = eigh(node.saved_tensors[0], node.uplo)  # recomputed, so that double backward sees them depend on A
    n = L.shape[-1]
    eye = _eye_like(L, n)
    inner = (gl if gl is not None else L * 0).unsqueeze(-1) * eye
    if gv is not None:
        vg = matmul(V.mT, gv)
        skew = 0.5 * (vg - vg.mT)
        E = L.unsqueeze(-2) - L.unsqueeze(-1)  # E[i, j] = L[j] - L[i]
        inner = inner + skew / where(eye > 0, 1.0, E) * (1 - eye)
    return (matmul(matmul(V, inner), V.mT),)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:
    """The eigenvalues (ascending) of a symmetric matrix.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.eigvalsh(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
        tensor([1., 3.])
    """
    return eigh(A, UPLO).eigenvalues


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None, out: Any = None) -> Any:
    """The singular value decomposition ``A = U diag(S) Vh``, singular values descending.

    Gradients need ``full_matrices=False`` (or a square matrix) and distinct singular values, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.svd(torch.tensor([[3.0, 0.0], [0.0, -2.0]])).S
        tensor([3., 2.])
    """
    d = _float_matrix(A, "linalg.svd", square=False)
    xp = A._device.xp
    u, s, vh = xp.linalg.svd(d, full_matrices=full_matrices)
    U, S, Vh = (wrap(a.astype(d.dtype, copy=False), A._device) for a in (u, s, vh))
    if needs_grad(A):
        if full_matrices and A.shape[-1] != A.shape[-2]:
            raise RuntimeError("torch.linalg.svd: The derivative of linalg.svd is not implemented when "
                               "full_matrices=True and the matrix is not square; use full_matrices=False")
        record_outputs((U, S, Vh), "LinalgSvdBackward0", _svd_backward, (A,), saved=(A,))
    return _svd(U, S, Vh)


def _svd_backward(node: Any, gu: Tensor | None, gs: Tensor | None, gvh: Tensor | None) -> tuple:
    U, S, Vh = svd(node.saved_tensors[0], full_matrices=False)  # recomputed, for double backward
    V = Vh.mT
    k = S.shape[-1]
    eye = _eye_like(S, k)
    inner = (gs if gs is not None else S * 0).unsqueeze(-1) * eye
    s2 = S * S
    F = (1 - eye) / where(eye > 0, 1.0, s2.unsqueeze(-2) - s2.unsqueeze(-1))  # F[i, j] = 1 / (s_j² - s_i²)
    extra = None
    if gu is not None:
        ug = matmul(U.mT, gu)
        inner = inner + matmul(F * (ug - ug.mT), S.unsqueeze(-1) * eye)
        if U.shape[-2] > k:
            proj = gu - matmul(U, ug)
            extra = matmul(proj / S.unsqueeze(-2), Vh)
    if gvh is not None:
        gv = gvh.mT
        vg = matmul(V.mT, gv)
        inner = inner + matmul(S.unsqueeze(-1) * eye, F * (vg - vg.mT))
        if V.shape[-2] > k:
            proj = gv - matmul(V, vg)
            t = matmul(U / S.unsqueeze(-2), proj.mT)
            extra = t if extra is None else extra + t
    ga = matmul(matmul(U, inner), Vh)
    return (ga if extra is None else ga + extra,)


def svdvals(A: Tensor, *, driver: str | None = None, out: Tensor | None = None) -> Tensor:
    """The singular values of a matrix, descending.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.svdvals(torch.tensor([[3.0, 0.0], [0.0, -2.0]]))
        tensor([3., 2.])
    """
    return svd(A, full_matrices=False).S


# -- composed -------------------------------------------------------------------------------------------------

def pinv(A: Tensor, *, atol: float | None = None, rtol: float | None = None, hermitian: bool = False,
         out: Tensor | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse, from the SVD, dropping singular values below
    ``max(atol, rtol * largest)`` (by default ``rtol = eps * max(m, n)``).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.pinv(torch.tensor([[2.0, 0.0], [0.0, 0.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.0000]])
    """
    _float_matrix(A, "linalg.pinv", square=False)
    U, S, Vh = svd(A, full_matrices=False)
    tol = _tolerance(A, S, atol, rtol)
    keep = S > tol
    inv_s = where(keep, 1.0 / where(keep, S, 1.0), 0.0)
    return matmul(Vh.mT * inv_s.unsqueeze(-2), U.mT)


def _tolerance(A: Tensor, S: Tensor, atol: float | None, rtol: float | None) -> Tensor:
    smax = S.amax(-1, keepdim=True).detach() if S.shape[-1] else S.sum(-1, keepdim=True)
    if rtol is None:
        rtol = float(np.finfo(A._data.dtype).eps) * max(A.shape[-2:]) if atol is None or atol == 0 else 0.0
    t = smax * rtol
    if atol is not None:
        t = t.clamp(min=atol)
    return t


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None) -> Any:
    """The least-squares solution of ``A X = B``, as ``(solution, residuals, rank, singular_values)``.

    brickwork computes the solution with the pseudo-inverse (differentiable); like PyTorch's default CPU
    driver ('gelsy') it returns empty residuals and singular values, and the rank.

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> torch.linalg.lstsq(A, torch.tensor([[1.0], [1.0], [2.0]])).solution.round(decimals=4)
        tensor([[1.],
                [1.]])
    """
    _float_matrix(A, "torch.linalg.lstsq", square=False)
    if B.ndim < A.ndim - 1 or B.shape[-2 if B.ndim == A.ndim else -1] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2), got shapes "
                           f"{tuple(A.shape)} and {tuple(B.shape)}")
    vec = B.ndim == A.ndim - 1
    b = B.unsqueeze(-1) if vec else B
    x = matmul(pinv(A, rtol=rcond), b)
    empty = wrap(A._device.xp.zeros((0,), dtype=A._data.dtype), A._device)
    return _lstsq(x.squeeze(-1) if vec else x, empty, matrix_rank(A.detach(), rtol=rcond), empty)


def matrix_rank(A: Tensor, *, atol: float | None = None, rtol: float | None = None, hermitian: bool = False,
                tol: float | None = None, out: Tensor | None = None) -> Tensor:
    """The number of singular values above ``max(atol, rtol * largest)`` (by default ``rtol = eps * max(m, n)``).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.matrix_rank(torch.ones(3, 3))
        tensor(1)
    """
    _float_matrix(A, "linalg.matrix_rank", square=False)
    if tol is not None:
        atol, rtol = tol, 0.0
    S = svdvals(A.detach())
    return (S > _tolerance(A, S, atol, rtol)).sum(-1)


def matrix_power(A: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n = 0``: the identity; negative ``n``: powers of the inverse).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.matrix_power(torch.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
        tensor([[1., 3.],
                [0., 1.]])
    """
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1]} matrices")
    if n == 0:
        return _eye_like(A, A.shape[-1]).expand(tuple(A.shape)) + A * 0
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:  # square-and-multiply
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result  # type: ignore[return-value]


def multi_dot(tensors: Any, *, out: Tensor | None = None) -> Tensor:
    """The product of a chain of matrices (the first may be a vector, the last too), left to right.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.multi_dot([torch.ones(2, 3), torch.ones(3, 4), torch.ones(4)]).tolist()
        [12.0, 12.0]
    """
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    r = ts[0]
    for t in ts[1:]:
        r = matmul(r, t)
    return r


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The dot product of vectors along ``dim`` (inputs broadcast).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.vecdot(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
        tensor(11.)
    """
    return (x * y).sum(dim)


# -- the top-level names PyTorch also gives these ---------------------------------------------------------------

def logdet(input: Tensor) -> Tensor:
    """The log of the determinant (nan for a negative determinant, -inf for zero).

    Example:
        >>> import brickwork as torch
        >>> torch.logdet(torch.eye(2) * 2).item() == 2 * 0.6931471824645996
        True
    """
    s = slogdet(input)
    return where(s.sign < 0, float("nan"), where(s.sign == 0, float("-inf"), s.logabsdet))


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of a square matrix (or a batch), as ``brickwork.linalg.inv``.

    Example:
        >>> import brickwork as torch
        >>> torch.inverse(torch.eye(2) * 2)
        tensor([[0.5000, 0.0000],
                [0.0000, 0.5000]])
    """
    return inv(input)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse, dropping singular values below ``rcond`` times the largest.

    Example:
        >>> import brickwork as torch
        >>> torch.pinverse(torch.eye(2) * 2)
        tensor([[0.5000, 0.0000],
                [0.0000, 0.5000]])
    """
    return pinv(input, rtol=rcond)
