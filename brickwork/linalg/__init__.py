"""``torch.linalg``: norms, solves, inverses, determinants and matrix factorizations, with gradients.

The differentiable primitives live in `brickwork.ops.linalg_extra` (factorizations and solves, each with
its backward) and are composed here into PyTorch's namespace.

Example:
    >>> import brickwork as torch
    >>> A = torch.tensor([[4.0, 1.0], [1.0, 3.0]])
    >>> x = torch.linalg.solve(A, torch.tensor([1.0, 2.0]))
    >>> torch.allclose(A @ x, torch.tensor([1.0, 2.0]))
    True
"""

from __future__ import annotations

from typing import Any

import math

from .. import return_types
from .._tensor import Tensor
from ..ops.combine import cross as _cross
from ..ops.creation import eye as _eye
from ..ops.linalg import matmul
from ..ops.linalg_extra import (LinAlgError, cholesky, det, eigh, eigvalsh, inv, lstsq, matrix_norm, matrix_power,
                                matrix_rank, multi_dot, pinv, qr, slogdet, solve, svd, svdvals, vecdot, vector_norm)
from ..ops.linalg_extra import linalg_norm as norm
from ..ops.linalg_factor import (eig, householder_product, ldl_factor_ex, ldl_solve, lu, lu_factor, lu_factor_ex,
                                 lu_solve, matrix_exp)
from ..ops.linalg_legacy import linalg_vander as vander
from ..ops.linalg_legacy import triangular as _triangular

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "solve", "solve_triangular", "det", "slogdet",
           "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "lstsq", "matrix_rank", "matrix_power",
           "multi_dot", "vecdot", "cross", "matmul", "diagonal", "inv_ex", "cholesky_ex", "eig", "eigvals",
           "householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lu", "lu_factor", "lu_factor_ex",
           "lu_solve", "matrix_exp", "solve_ex", "tensorinv", "tensorsolve", "vander"]


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (the last by default); inputs broadcast.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.cross(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]))
        tensor([0., 0., 1.])
    """
    return _cross(input, other, dim=dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonals of (a batch of) matrices, over the last two dimensions by default.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.diagonal(torch.eye(2))
        tensor([1., 1.])
    """
    return A.diagonal(offset, dim1, dim2)


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out: Tensor | None = None) -> Tensor:
    """The solution of ``A X = B`` (``X A = B`` with ``left=False``) reading only the upper or lower triangle
    of ``A`` (its diagonal taken as ones with ``unitriangular``).

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[2.0, 1.0], [0.0, 4.0]])
        >>> torch.linalg.solve_triangular(A, torch.tensor([[3.0], [4.0]]), upper=True)
        tensor([[1.],
                [1.]])
    """
    return solve(_triangular(A, upper, unitriangular), B, left=left)


def inv_ex(A: Tensor, *, check_errors: bool = False, out: Any = None) -> tuple[Tensor, Tensor]:
    """``(inv(A), info)`` where ``info`` is 0 for each invertible matrix (brickwork raises for singular ones).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.inv_ex(torch.eye(2))[1]
        tensor(0, dtype=brickwork.int32)
    """
    r = inv(A)
    return r, r.new_zeros(tuple(A.shape[:-2])).int()


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False, out: Any = None) -> tuple[Tensor, Tensor]:
    """``(cholesky(A), info)`` where ``info`` is 0 for each positive-definite matrix (brickwork raises otherwise).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.cholesky_ex(torch.eye(2))[1]
        tensor(0, dtype=brickwork.int32)
    """
    L = cholesky(A, upper=upper)
    return L, L.new_zeros(tuple(A.shape[:-2])).int()


def solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out: Any = None) -> Any:
    """``(solve(A, B), info)``: ``info`` is 0 for each invertible matrix, else the 1-based index of the first
    zero pivot of its LU factorization (the result is then NaN, instead of raising).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.solve_ex(torch.eye(2), torch.ones(2)).info
        tensor(0, dtype=brickwork.int32)
    """
    info = lu_factor_ex(A.detach()).info
    if bool((info._data == 0).all()):
        return return_types.linalg_solve_ex(solve(A, B, left=left), info)
    if check_errors:
        raise LinAlgError(f"linalg.solve_ex: The solver failed because the input matrix is singular (info "
                          f"{info.tolist()})")
    eye = _eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(tuple(A.shape))
    return return_types.linalg_solve_ex(solve(eye, B, left=left) * math.nan, info)  # NaN, shaped as the solution


def eigvals(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The (complex) eigenvalues of a general square matrix, as `eig` computes them.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.eigvals(torch.tensor([[2.0, 0.0], [0.0, 3.0]]))
        tensor([2.+0.j, 3.+0.j])
    """
    return eig(A).eigenvalues


def ldl_factor(A: Tensor, *, hermitian: bool = False, out: Any = None) -> Any:
    """``(LD, pivots)`` of `ldl_factor_ex`; a singular factor raises.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.ldl_factor(torch.tensor([[4.0, 2.0], [2.0, 3.0]])).pivots
        tensor([1, 2], dtype=brickwork.int32)
    """
    LD, pivots, _ = ldl_factor_ex(A, hermitian=hermitian, check_errors=True)
    return return_types.linalg_ldl_factor(LD, pivots)


def tensorinv(A: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A`` seen as a matrix from its first ``ind`` dimensions to the rest: ``tensordot(
    tensorinv(A, ind), A, ind)`` is the identity. The result has shape ``A.shape[ind:] + A.shape[:ind]``.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.tensorinv(torch.eye(4).reshape(4, 2, 2), ind=1).shape
        brickwork.Size([2, 2, 4])
    """
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    if math.prod(rows) != math.prod(cols):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {math.prod(cols)} != {math.prod(rows)}")
    return inv(A.reshape(math.prod(rows), math.prod(cols))).reshape(cols + rows)


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None, *, out: Tensor | None = None) -> Tensor:
    """The ``X`` with ``tensordot(A, X, X.ndim) = B``; ``dims`` moves those dimensions of A to the end first.

    Example:
        >>> import brickwork as torch
        >>> A = torch.eye(6).reshape(2, 3, 6)
        >>> torch.linalg.tensorsolve(A, torch.ones(2, 3)).shape
        brickwork.Size([6])
    """
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.permute([d for d in range(A.ndim) if d not in dims] + dims)
    lead = tuple(A.shape[:B.ndim])
    if lead != tuple(B.shape):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got A of shape {tuple(A.shape)} and B of shape "
                           f"{tuple(B.shape)}")
    rest = tuple(A.shape[B.ndim:])
    if math.prod(rest) != math.prod(lead):
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {math.prod(rest)} != {math.prod(lead)}")
    return solve(A.reshape(math.prod(lead), math.prod(rest)), B.reshape(-1)).reshape(rest)
