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

from .._tensor import Tensor
from ..ops.combine import cross as _cross
from ..ops.creation import eye as _eye
from ..ops.linalg import matmul
from ..ops.linalg_extra import (LinAlgError, cholesky, det, eigh, eigvalsh, inv, lstsq, matrix_norm, matrix_power,
                                matrix_rank, multi_dot, pinv, qr, slogdet, solve, svd, svdvals, vecdot, vector_norm)
from ..ops.linalg_extra import linalg_norm as norm

__all__ = ["LinAlgError", "norm", "vector_norm", "matrix_norm", "inv", "solve", "solve_triangular", "det", "slogdet",
           "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "lstsq", "matrix_rank", "matrix_power",
           "multi_dot", "vecdot", "cross", "matmul", "diagonal", "inv_ex", "cholesky_ex"]


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
    T = A.triu() if upper else A.tril()
    if unitriangular:
        eye = _eye(A.shape[-1], dtype=A.dtype, device=A.device)
        T = T * (1 - eye) + eye
    return solve(T, B, left=left)


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
