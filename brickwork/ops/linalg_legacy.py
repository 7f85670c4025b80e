"""The ``torch.*`` linear-algebra names that predate ``torch.linalg`` (``torch.svd`` returns V, not Vh;
``torch.triangular_solve`` takes B first), the randomized low-rank SVD and PCA, and the Vandermonde matrices.
All are composed of differentiable ops, so they have gradients wherever their parts do.
"""

from __future__ import annotations

from typing import Any

from .. import return_types
from .._tensor import Tensor
from .creation import eye, ones_like
from .linalg import matmul
from .linalg_extra import cholesky as _linalg_cholesky
from .linalg_extra import matrix_norm, qr as _linalg_qr, solve, svd as _linalg_svd
from .linalg_factor import householder_product, lu_factor_ex, lu_solve as _linalg_lu_solve
from .movement import cat
from .random import randn

__all__ = ["cholesky", "cholesky_inverse", "cholesky_solve", "qr", "svd", "triangular_solve", "lu", "lu_solve",
           "orgqr", "nuclear_norm", "frobenius_norm", "vander", "linalg_vander", "svd_lowrank", "pca_lowrank",
           "triangular"]


def triangular(A: Tensor, upper: bool, unitriangular: bool = False) -> Tensor:
    """The upper or lower triangle of ``A`` (with a unit diagonal when ``unitriangular``), differentiably."""
    T = A.triu() if upper else A.tril()
    if unitriangular:
        I = eye(A.shape[-1], dtype=A.dtype, device=A.device)
        T = T * (1 - I) + I
    return T


def cholesky(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """``torch.cholesky``: the Cholesky factor, as `brickwork.linalg.cholesky`.

    Example:
        >>> import brickwork as torch
        >>> torch.cholesky(torch.tensor([[4.0, 2.0], [2.0, 2.0]]), upper=True)
        tensor([[2., 1.],
                [0., 1.]])
    """
    return _linalg_cholesky(input, upper=upper)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The solution of ``A X = B`` given A's Cholesky factor (``A = L Lᵀ``, or ``Uᵀ U`` with ``upper``).

    Example:
        >>> import brickwork as torch
        >>> L = torch.tensor([[2.0, 0.0], [1.0, 1.0]])
        >>> torch.cholesky_solve(torch.tensor([[6.0], [4.0]]), L)
        tensor([[1.],
                [1.]])
    """
    T = triangular(L, upper)
    if upper:
        return solve(T, solve(T.mT, B))
    return solve(T.mT, solve(T, B))


def cholesky_inverse(L: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A = L Lᵀ`` (``Uᵀ U`` with ``upper``) from its Cholesky factor.

    Example:
        >>> import brickwork as torch
        >>> torch.cholesky_inverse(torch.tensor([[2.0, 0.0], [0.0, 1.0]]))
        tensor([[0.2500, 0.0000],
                [0.0000, 1.0000]])
    """
    I = eye(L.shape[-1], dtype=L.dtype, device=L.device)
    return cholesky_solve(I.expand(tuple(L.shape)), L, upper)


def qr(input: Tensor, some: bool = True, *, out: Any = None) -> Any:
    """``torch.qr``: `brickwork.linalg.qr` with ``mode='reduced'`` (``some=True``) or ``'complete'``.

    Example:
        >>> import brickwork as torch
        >>> torch.qr(torch.ones(3, 2)).Q.shape, torch.qr(torch.ones(3, 2), some=False).Q.shape
        (brickwork.Size([3, 2]), brickwork.Size([3, 3]))
    """
    Q, R = _linalg_qr(input, "reduced" if some else "complete")
    return return_types.qr(Q, R)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out: Any = None) -> Any:
    """``torch.svd``: ``(U, S, V)`` with ``A = U diag(S) Vᵀ`` (V itself, not Vᵀ as `brickwork.linalg.svd`).

    ``compute_uv=False`` gives zero-filled U (m x m) and V (n x n), as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.svd(torch.tensor([[3.0, 0.0], [0.0, -2.0]])).S
        tensor([3., 2.])
    """
    if not compute_uv:
        S = _linalg_svd(input, full_matrices=False).S
        m, n = input.shape[-2], input.shape[-1]
        U = input.new_zeros(tuple(input.shape[:-2]) + (m, m))
        V = input.new_zeros(tuple(input.shape[:-2]) + (n, n))
        return return_types.svd(U, S, V)
    U, S, Vh = _linalg_svd(input, full_matrices=not some)
    return return_types.svd(U, S, Vh.mT)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False,
                     *, out: Any = None) -> Any:
    """``(X, A.clone())`` with X solving ``A X = b`` (``Aᵀ X = b`` with ``transpose``) for a triangular A.

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[2.0, 1.0], [0.0, 4.0]])
        >>> torch.triangular_solve(torch.tensor([[3.0], [4.0]]), A).solution
        tensor([[1.],
                [1.]])
    """
    T = triangular(A, upper, unitriangular)
    return return_types.triangular_solve(solve(T.mT if transpose else T, b), A.clone())


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> Any:
    """``torch.lu``: ``(LU, pivots)`` of `brickwork.linalg.lu_factor` (and ``infos`` with ``get_infos``).

    Example:
        >>> import brickwork as torch
        >>> LU, pivots = torch.lu(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> pivots
        tensor([2, 2], dtype=brickwork.int32)
    """
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    return (LU, pivots, info) if get_infos else (LU, pivots)


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``torch.lu_solve``: the solution of ``A X = b`` from A's LU factorization (b comes first).

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> torch.lu_solve(torch.tensor([[5.0], [11.0]]), *torch.lu(A))
        tensor([[1.],
                [2.]])
    """
    return _linalg_lu_solve(LU_data, LU_pivots, b)


def orgqr(input: Tensor, tau: Tensor) -> Tensor:
    """``torch.orgqr``: `brickwork.linalg.householder_product`.

    Example:
        >>> import brickwork as torch
        >>> torch.orgqr(*torch.geqrf(torch.eye(2))).abs()
        tensor([[1., 0.],
                [0., 1.]])
    """
    return householder_product(input, tau)


def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The sum of the singular values of a matrix (over the two dimensions ``dim`` of a batch).

    Example:
        >>> import brickwork as torch
        >>> torch.nuclear_norm(torch.tensor([[3.0, 0.0], [0.0, -2.0]]))
        tensor(5.)
    """
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else tuple(dim), keepdim)


def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The Frobenius norm (square root of the sum of squares) over ``dim``.

    Example:
        >>> import brickwork as torch
        >>> torch.frobenius_norm(torch.tensor([[3.0, 0.0], [0.0, 4.0]]), dim=(0, 1))
        tensor(5.)
    """
    from .linalg_extra import vector_norm

    return vector_norm(input, 2, (dim,) if isinstance(dim, int) else tuple(dim), keepdim)


def _powers(x: Tensor, n: int, bools: bool = False) -> Tensor:
    """``x^0, ..., x^(n-1)`` of each element as a new last dimension, by a cumulative product (so that the
    gradient of ``x^0`` at ``x = 0`` stays 0; ``x ** 0`` would give ``0 * x^-1``)."""
    if n < 0:
        raise RuntimeError(f"N must be non-negative, got {n}")
    if x.dtype.is_floating_point or x.is_complex():
        base = x
    elif x.dtype.name == "bool" and not bools:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    else:
        base = x.long()
    col = base.unsqueeze(-1)
    if n <= 1:
        return ones_like(col).expand(tuple(base.shape) + (n,)).contiguous()
    return cat([ones_like(col), col.expand(tuple(base.shape) + (n - 1,))], -1).cumprod(-1)


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """``torch.linalg.vander``: the powers ``x^0, x^1, ..., x^(N-1)`` of the last dimension as new columns.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.vander(torch.tensor([1, 2, 3]))
        tensor([[1, 1, 1],
                [1, 2, 4],
                [1, 3, 9]])
    """
    if x.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least one dimension, got a 0-d tensor")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError(f"N must be greater than 1. (got {n}; linalg.vander has at least the columns x^0 and "
                           "x^1)")
    return _powers(x, n)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """``torch.vander``: the Vandermonde matrix of a vector, powers decreasing left to right.

    ``N`` columns (``len(x)`` by default); ``increasing=True`` puts ``x^0`` first.

    Example:
        >>> import brickwork as torch
        >>> torch.vander(torch.tensor([1, 2, 3]), N=3)
        tensor([[1, 1, 1],
                [4, 2, 1],
                [9, 3, 1]])
    """
    if x.ndim != 1:
        raise RuntimeError(f"x must be a one-dimensional tensor, got shape {tuple(x.shape)}")
    V = _powers(x, x.shape[0] if N is None else N, bools=True)
    return V if increasing else V.flip(-1)


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2, M: Tensor | None = None) -> tuple:
    """A randomized rank-``q`` SVD ``(U, S, V)`` of ``A - M`` (Halko et al.), with ``niter`` subspace iterations.

    Example:
        >>> import brickwork as torch
        >>> _ = torch.manual_seed(0)
        >>> A = torch.randn(8, 2) @ torch.randn(2, 6)
        >>> U, S, V = torch.svd_lowrank(A, q=2)
        >>> torch.allclose(U @ torch.diag(S) @ V.mT, A, atol=1e-4)
        True
    """
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    X = A if M is None else A - M
    m, n = X.shape[-2], X.shape[-1]
    if m < n:
        U, S, V = svd_lowrank(X.mT, q, niter)
        return V, S, U
    R = randn(*(tuple(X.shape[:-2]) + (n, q)), dtype=X.dtype, device=X.device)
    Q = _linalg_qr(matmul(X, R)).Q
    for _ in range(niter):
        Q = _linalg_qr(matmul(X.mT, Q)).Q
        Q = _linalg_qr(matmul(X, Q)).Q
    U, S, Vh = _linalg_svd(matmul(Q.mT, X), full_matrices=False)
    return matmul(Q, U), S, Vh.mT


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """Principal components of the rows of ``A``: `svd_lowrank` of the centred matrix, ``(U, S, V)``.

    V's columns are the principal directions; ``q`` defaults to ``min(6, m, n)``.

    Example:
        >>> import brickwork as torch
        >>> _ = torch.manual_seed(0)
        >>> U, S, V = torch.pca_lowrank(torch.randn(20, 3), q=2)
        >>> V.shape
        brickwork.Size([3, 2])
    """
    m, n = A.shape[-2], A.shape[-1]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    X = A - A.mean(-2, keepdim=True) if center else A
    return svd_lowrank(X, q, niter)
