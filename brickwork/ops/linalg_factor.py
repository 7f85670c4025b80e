"""The factorizations LAPACK keeps in compact form (LU, LDLᵀ, Householder QR), their solves, and the matrix
exponential.

NumPy has no LU or LDLᵀ routine, so `lu_factor_ex` and `ldl_factor_ex` run LAPACK's algorithms (``getrf``'s
partial pivoting, ``sytf2``'s Bunch-Kaufman pivoting) column by column, vectorised over the batch; their results
have LAPACK's layout and 1-based ``int32`` pivots, as PyTorch's do. `lu_factor_ex` and `matrix_exp` are
differentiable primitives (the backward of ``matrix_exp`` is ``matrix_exp`` of a block matrix); the LU solves,
the unpacking and the Householder products are composed of differentiable ops. PyTorch has no gradient for the
LDLᵀ factorization, its solve, ``geqrf`` or ``eig``, and neither has brickwork.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .. import return_types
from .._tensor import Tensor
from ._core import needs_grad, record, wrap
from .linalg import matmul
from .linalg_extra import LinAlgError, _float_matrix, solve
from .movement import cat

__all__ = ["lu_factor_ex", "lu_factor", "lu_unpack", "lu", "lu_solve", "ldl_factor_ex", "ldl_solve",
           "matrix_exp", "householder_product", "ormqr", "geqrf", "eig"]


# -- LU --------------------------------------------------------------------------------------------------------

def _getrf(d: Any, xp: Any) -> tuple[Any, Any, Any]:
    """LAPACK ``getrf`` on a batch of matrices ``(..., m, n)``: LU in place of A, 1-based pivots and info."""
    batch, (m, n) = d.shape[:-2], d.shape[-2:]
    a = d.reshape((-1, m, n)).copy()
    k = min(m, n)
    rows = xp.arange(a.shape[0])
    piv = xp.zeros((a.shape[0], k), dtype=np.int32)
    info = xp.zeros(a.shape[0], dtype=np.int32)
    for j in range(k):
        col = a[:, j:, j]  # the first largest, as LAPACK's i?amax (|re| + |im| for complex numbers)
        p = j + xp.argmax(xp.abs(col.real) + xp.abs(col.imag) if col.dtype.kind == "c" else xp.abs(col), axis=1)
        piv[:, j] = p + 1
        top = a[rows, j].copy()
        a[rows, j] = a[rows, p]
        a[rows, p] = top
        pivot = a[:, j, j]
        zero = pivot == 0
        info = xp.where(zero & (info == 0), j + 1, info)
        a[:, j + 1:, j] /= xp.where(zero, 1, pivot)[:, None]
        a[:, j + 1:, j + 1:] -= a[:, j + 1:, j, None] * a[:, j, None, j + 1:]
    return a.reshape(d.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _permutation(piv: Any, m: int, xp: Any) -> Any:
    """The row order ``perm`` with ``A[perm] = L U`` from LAPACK's pivots (row j swapped with row piv[j] - 1)."""
    flat = piv.reshape((-1, piv.shape[-1])).astype(np.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (flat.shape[0], m)).copy()
    rows = xp.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        pj = perm[rows, j].copy()
        perm[rows, j] = perm[rows, flat[:, j]]
        perm[rows, flat[:, j]] = pj
    return perm.reshape(piv.shape[:-1] + (m,))


def _perm_matrix(piv: Tensor, m: int, dtype: Any) -> Tensor:
    """P (``m x m``) with ``A = P L U``: column i of P is the unit vector of row ``perm[i]``."""
    xp = piv._device.xp
    perm = _permutation(piv._data, m, xp)
    P = (perm[..., None, :] == xp.arange(m)[:, None]).astype(dtype)
    return wrap(P, piv._device)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False, out: Any = None) -> Any:
    """The LU factorization with partial pivoting in LAPACK's compact form: ``(LU, pivots, info)``.

    ``LU`` holds U on and above the diagonal and L's multipliers below it (L has a unit diagonal); ``pivots``
    are 1-based row interchanges (``int32``); ``info`` is 0, or the 1-based index of the first zero pivot.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.lu_factor_ex(torch.tensor([[1.0, 2.0], [3.0, 4.0]])).pivots
        tensor([2, 2], dtype=brickwork.int32)
    """
    d = _float_matrix(A, "linalg.lu_factor_ex", square=False, complex_ok=True)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU; use pivot=True")
    xp = A._device.xp
    lu_, piv, info = _getrf(d, xp)
    LU = wrap(lu_, A._device)
    if check_errors and bool((info > 0).any()):
        raise LinAlgError(f"linalg.lu_factor_ex: U[{int(info.max())},{int(info.max())}] is zero; the matrix is "
                          "singular")
    pivots = wrap(piv, A._device)
    if needs_grad(A):
        record(LU, "LinalgLuFactorExBackward0", _lu_factor_backward, (A,), (pivots,), save_output=True)
    return return_types.linalg_lu_factor_ex(LU, pivots, wrap(info, A._device))


def _unpack(LU: Tensor, m: int, n: int) -> tuple[Tensor, Tensor]:
    """L (``m x k``, unit diagonal) and U (``k x n``) from the compact form, with differentiable ops."""
    k = min(m, n)
    eye = wrap(LU._device.xp.eye(m, k, dtype=LU._data.dtype), LU._device)
    return LU[..., :, :k].tril(-1) + eye, LU[..., :k, :].triu()


def _lu_factor_backward(node: Any, g: Tensor) -> tuple:
    (pivots,), LU = node.saved_tensors, node.output()
    m, n = LU.shape[-2], LU.shape[-1]
    k = min(m, n)
    L, U = _unpack(LU, m, n)
    gL, gU = g[..., :, :k].tril(-1), g[..., :k, :].triu()
    P = _perm_matrix(pivots, m, LU._data.dtype)
    if m == n:  # A_grad = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T
        phi = matmul(L.mT, gL).tril(-1) + matmul(gU, U.mT).triu()
        ga = solve(U, solve(L.mT, phi).mT).mT
    elif m < n:  # wide: U = [U1 U2]
        U1 = U[..., :, :k]
        phi = (matmul(L.mT, gL) - matmul(gU, U.mT)).tril(-1)
        phi = solve(U1, phi.mT).mT  # phi U1^-T
        ga = solve(L.mT, cat([phi + gU[..., :, :k], gU[..., :, k:]], -1))
    else:  # tall: L = [L1; L2]
        L1 = L[..., :k, :]
        phi = (matmul(gU, U.mT) - matmul(L.mT, gL)).triu()
        phi = solve(L1.mT, phi)  # L1^-T phi
        ga = solve(U, cat([phi + gL[..., :k, :], gL[..., k:, :]], -2).mT).mT
    return (matmul(P, ga),)


def lu_factor(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """``(LU, pivots)`` of `lu_factor_ex`; a square matrix with a zero pivot (singular) raises.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.lu_factor(torch.tensor([[1.0, 2.0], [3.0, 4.0]])).LU
        tensor([[3.0000, 4.0000],
                [0.3333, 0.6667]])
    """
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    if A.shape[-1] == A.shape[-2] and bool((info._data > 0).any()):
        i = int(info._data.max())
        raise LinAlgError(f"torch.linalg.lu_factor: U[{i},{i}] is zero and using it on lu_solve would result in a "
                          "division by zero. If you still want to perform the factorization, consider calling "
                          "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return return_types.linalg_lu_factor(LU, pivots)


def lu_unpack(LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True, *,
              out: Any = None) -> Any:
    """``(P, L, U)`` from the compact LU form and its pivots, with ``A = P @ L @ U``.

    Example:
        >>> import brickwork as torch
        >>> P, L, U = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor([[1.0, 2.0], [3.0, 4.0]])))
        >>> P
        tensor([[0., 1.],
                [1., 0.]])
    """
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    empty = wrap(LU_data._device.xp.zeros((0,), dtype=LU_data._data.dtype), LU_data._device)
    L, U = _unpack(LU_data, m, n) if unpack_data else (empty, empty)
    P = _perm_matrix(LU_pivots, m, LU_data._data.dtype) if unpack_pivots else empty
    return return_types.lu_unpack(P, L, U)


def lu(A: Tensor, *, pivot: bool = True, out: Any = None) -> Any:
    """The LU factorization with partial pivoting as matrices: ``(P, L, U)`` with ``A = P L U``.

    Example:
        >>> import brickwork as torch
        >>> P, L, U = torch.linalg.lu(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> L
        tensor([[1.0000, 0.0000],
                [0.3333, 1.0000]])
    """
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return return_types.linalg_lu(*lu_unpack(LU, pivots))


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out: Tensor | None = None) -> Tensor:
    """The solution of ``A X = B`` from A's `lu_factor` (``X A = B`` with ``left=False``, Aᵀ with ``adjoint``).

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> torch.linalg.lu_solve(*torch.linalg.lu_factor(A), torch.tensor([[5.0], [11.0]]))
        tensor([[1.],
                [2.]])
    """
    _float_matrix(LU, "linalg.lu_solve", complex_ok=True)
    if not left:  # X A = B  <=>  A^H X^H = B^H
        return lu_solve(LU, pivots, B.mT.conj(), adjoint=not adjoint).mT.conj()
    if B.ndim < 2 or B.shape[-2] != LU.shape[-1]:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({LU.shape[-2]}x{LU.shape[-1]} and {'x'.join(str(s) for s in B.shape[-2:])})")
    n = LU.shape[-1]
    L, U = _unpack(LU, n, n)
    P = _perm_matrix(pivots, n, LU._data.dtype)
    if adjoint:  # A^H X = B  <=>  U^H L^H P^T X = B
        return matmul(P, solve(L.mT.conj(), solve(U.mT.conj(), B)))
    return solve(U, solve(L, matmul(P.mT, B)))


# -- LDL^T (Bunch-Kaufman) ---------------------------------------------------------------------------------

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0


def _sytf2(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """LAPACK ``sytf2`` (lower) on one symmetric matrix: the compact L D Lᵀ, 1-based pivots (negative for 2x2
    blocks) and info. Indices below are 0-based versions of LAPACK's."""
    n = a.shape[0]
    piv = np.zeros(n, dtype=np.int32)
    info, k = 0, 0
    while k < n:
        kstep, absakk = 1, abs(a[k, k])
        if k < n - 1:
            imax = k + 1 + int(np.argmax(np.abs(a[k + 1:, k])))
            colmax = abs(a[imax, k])
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            info = info or k + 1
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                jmax = k + int(np.argmax(np.abs(a[imax, k:imax])))
                rowmax = abs(a[imax, jmax])
                if imax < n - 1:
                    jmax = imax + 1 + int(np.argmax(np.abs(a[imax + 1:, imax])))
                    rowmax = max(rowmax, abs(a[jmax, imax]))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # interchange rows and columns kk and kp of the trailing lower triangle
                a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                t = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
                a[kp, kk + 1:kp] = t
                a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            if kstep == 1:
                if k < n - 1:
                    x, r = a[k + 1:, k].copy(), 1.0 / a[k, k]  # LAPACK's syr with -1/d11, then scal
                    a[k + 1:, k + 1:] += np.tril(np.outer(x, -r * x))
                    a[k + 1:, k] = x * r
            elif k < n - 2:
                d21 = a[k + 1, k]
                d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                d21 = 1.0 / (d11 * d22 - 1.0) / d21
                ck, ck1 = a[k + 2:, k].copy(), a[k + 2:, k + 1].copy()
                wk, wk1 = d21 * (d11 * ck - ck1), d21 * (d22 * ck1 - ck)
                a[k + 2:, k + 2:] -= np.tril(np.outer(ck, wk) + np.outer(ck1, wk1))
                a[k + 2:, k], a[k + 2:, k + 1] = wk, wk1
        if kstep == 1:
            piv[k] = kp + 1
        else:
            piv[k] = piv[k + 1] = -(kp + 1)
        k += kstep
    return np.tril(a), piv, info


def ldl_factor_ex(A: Tensor, *, hermitian: bool = False, check_errors: bool = False, out: Any = None) -> Any:
    """The Bunch-Kaufman LDLᵀ factorization of a symmetric matrix (read from its lower triangle), in LAPACK's
    compact form: ``(LD, pivots, info)``; 2x2 diagonal blocks have negative pivots. No gradient (as in PyTorch).

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.ldl_factor_ex(torch.tensor([[4.0, 2.0], [2.0, 3.0]])).LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]])
    """
    d = _float_matrix(A, "linalg.ldl_factor_ex")
    host = A._host().astype(np.float64 if d.dtype == np.float64 else np.float32).reshape((-1,) + d.shape[-2:])
    outs = [_sytf2(m.copy()) for m in host]
    LD = np.stack([o[0] for o in outs]).reshape(d.shape) if outs else np.zeros(d.shape, d.dtype)
    piv = np.stack([o[1] for o in outs]).reshape(d.shape[:-1]) if outs else np.zeros(d.shape[:-1], np.int32)
    info = np.array([o[2] for o in outs], dtype=np.int32).reshape(d.shape[:-2])
    if check_errors and (info > 0).any():
        raise LinAlgError(f"linalg.ldl_factor_ex: the factorization failed: D[{int(info.max())}] is zero")
    dev = A._device
    place = (lambda x: x) if dev.type == "cpu" else (lambda x: dev.backend.from_host(x, dev.index))
    return return_types.linalg_ldl_factor_ex(wrap(place(LD), dev), wrap(place(piv), dev), wrap(place(info), dev))


def _sytrs(a: np.ndarray, piv: np.ndarray, b: np.ndarray) -> np.ndarray:
    """LAPACK ``sytrs`` (lower): the solution of A X = B from `_sytf2`'s factorization of A."""
    n, b = a.shape[0], b.copy()

    def swap(i: int, j: int) -> None:
        if i != j:
            b[[i, j]] = b[[j, i]]

    k = 0
    while k < n:  # L D Y = B
        if piv[k] > 0:
            swap(k, piv[k] - 1)
            b[k + 1:] -= np.outer(a[k + 1:, k], b[k])
            b[k] /= a[k, k]
            k += 1
        else:
            swap(k + 1, -piv[k] - 1)
            b[k + 2:] -= np.outer(a[k + 2:, k], b[k]) + np.outer(a[k + 2:, k + 1], b[k + 1])
            akm1k = a[k + 1, k]
            akm1, ak = a[k, k] / akm1k, a[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = Y
        if piv[k] > 0:
            b[k] -= a[k + 1:, k] @ b[k + 1:]
            swap(k, piv[k] - 1)
            k -= 1
        else:
            b[k] -= a[k + 1:, k] @ b[k + 1:]
            b[k - 1] -= a[k + 1:, k - 1] @ b[k + 1:]
            swap(k, -piv[k] - 1)
            k -= 2
    return b


def ldl_solve(LD: Tensor, pivots: Tensor, B: Tensor, *, hermitian: bool = False, out: Tensor | None = None) -> Tensor:
    """The solution of ``A X = B`` from A's `ldl_factor` (no gradient, as in PyTorch).

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> torch.linalg.ldl_solve(*torch.linalg.ldl_factor(A), torch.tensor([[6.0], [5.0]]))
        tensor([[1.],
                [1.]])
    """
    _float_matrix(LD, "linalg.ldl_solve")
    if B.ndim < 2 or B.shape[-2] != LD.shape[-1]:
        raise RuntimeError(f"linalg.ldl_solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({LD.shape[-2]}x{LD.shape[-1]} and {'x'.join(str(s) for s in B.shape[-2:])})")
    shape: tuple[int, ...] = np.broadcast_shapes(tuple(LD.shape[:-2]), tuple(B.shape[:-2]))
    a = np.broadcast_to(LD._host(), shape + tuple(LD.shape[-2:])).reshape((-1,) + tuple(LD.shape[-2:]))
    p = np.broadcast_to(pivots._host(), shape + tuple(pivots.shape[-1:])).reshape((-1, LD.shape[-1]))
    b = np.broadcast_to(B._host(), shape + tuple(B.shape[-2:])).reshape((-1,) + tuple(B.shape[-2:]))
    count = math.prod(shape)
    x = np.stack([_sytrs(a[i], p[i], b[i]) for i in range(count)]) if count else b.copy()
    x = x.reshape(shape + tuple(B.shape[-2:])).astype(B._data.dtype, copy=False)
    dev = B._device
    return wrap(x if dev.type == "cpu" else dev.backend.from_host(x, dev.index), dev)


# -- the matrix exponential --------------------------------------------------------------------------------

_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0,
           1.0)
_THETA13 = 5.371920351148152


def _expm(a: np.ndarray) -> np.ndarray:
    """exp of one square matrix by scaling and squaring with the degree-13 Padé approximant (Higham 2005)."""
    norm = np.abs(a).sum(0).max() if a.size else 0.0
    s = max(0, int(math.ceil(math.log2(norm / _THETA13)))) if norm > _THETA13 else 0
    a = a / (2.0 ** s)
    b = _PADE13
    ident = np.eye(a.shape[0], dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of a square matrix (or of each in a batch), with gradients.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.matrix_exp(torch.tensor([[0.0, 1.0], [0.0, 0.0]]))
        tensor([[1., 1.],
                [0., 1.]])
    """
    d = _float_matrix(A, "linalg.matrix_exp", complex_ok=True)
    wide = np.complex128 if d.dtype.kind == "c" else np.float64  # single precision too, for accuracy
    host = A._host().astype(wide).reshape((-1,) + d.shape[-2:])
    r = (np.stack([_expm(m) for m in host]) if host.shape[0] else host).reshape(d.shape).astype(d.dtype)
    dev = A._device
    res = wrap(r if dev.type == "cpu" else dev.backend.from_host(r, dev.index), dev)
    if needs_grad(A):
        record(res, "LinalgMatrixExpBackward0", _matrix_exp_backward, (A,), (A,))
    return res


def _matrix_exp_backward(node: Any, g: Tensor) -> tuple:
    # the Fréchet derivative in direction G sits in the top-right block of exp([[A^T, G], [0, A^T]])
    (A,) = node.saved_tensors
    n = A.shape[-1]
    top = cat([A.mT, g], -1)
    bottom = cat([g * 0, A.mT], -1)
    return (matrix_exp(cat([top, bottom], -2))[..., :n, n:],)


# -- Householder QR ------------------------------------------------------------------------------------------

def _reflect(A: Tensor, tau: Tensor, X: Tensor, transpose: bool) -> Tensor:
    """``Q X`` (``Qᵀ X`` with ``transpose``) for Q = H_1 ... H_k, H_i = I - tau_i v_i v_iᵀ, v_i read from
    column i of A below the diagonal (unit at i); composed of differentiable ops."""
    m, k = A.shape[-2], tau.shape[-1]
    xp = A._device.xp
    order = range(k) if transpose else range(k - 1, -1, -1)
    for i in order:
        unit = wrap((xp.arange(m) == i).astype(A._data.dtype), A._device)
        below = wrap((xp.arange(m) > i).astype(A._data.dtype), A._device)
        v = (A[..., :, i] * below + unit).unsqueeze(-1)  # (..., m, 1)
        X = X - tau[..., i, None, None] * matmul(v, matmul(v.mT, X))
    return X


def householder_product(A: Tensor, tau: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The first n columns of the product of Householder reflectors ``H_1 ... H_k`` stored in ``A`` (m x n) and
    ``tau`` (k): ``H_i = I - tau_i v_i v_iᵀ`` (LAPACK's ``orgqr``), with gradients.

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]])
        >>> Q = torch.linalg.householder_product(*torch.geqrf(A))
        >>> torch.allclose(Q.mT @ Q, torch.eye(2), atol=1e-6)
        True
    """
    _float_matrix(A, "linalg.householder_product", square=False)
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(f"torch.linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1], got shape {tuple(A.shape)}")
    if tau.shape[-1] > n:
        raise RuntimeError(f"torch.linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           f"tau.shape[-1], got {n} and {tau.shape[-1]}")
    eye = wrap(A._device.xp.eye(m, n, dtype=A._data.dtype), A._device)
    return _reflect(A, tau, eye, False)


def ormqr(input: Tensor, tau: Tensor, other: Tensor, left: bool = True, transpose: bool = False, *,
          out: Tensor | None = None) -> Tensor:
    """``other`` multiplied by the full Q (m x m) of `geqrf`'s reflectors, with gradients.

    ``Q C`` by default, ``C Q`` with ``left=False``, and Qᵀ in place of Q with ``transpose``.

    Example:
        >>> import brickwork as torch
        >>> A = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.0, 1.0]])
        >>> a, tau = torch.geqrf(A)
        >>> torch.allclose(torch.ormqr(a, tau, torch.eye(3))[:, :2], torch.linalg.householder_product(a, tau))
        True
    """
    _float_matrix(input, "ormqr", square=False)
    if left:
        return _reflect(input, tau, other, transpose)
    return _reflect(input, tau, other.mT, not transpose).mT  # C Q = (Q^T C^T)^T


def geqrf(input: Tensor, *, out: Any = None) -> Any:
    """LAPACK's ``geqrf``: R on and above the diagonal, the Householder vectors below it, and their ``tau``.

    No gradient, as in PyTorch (use `brickwork.linalg.qr` to differentiate).

    Example:
        >>> import brickwork as torch
        >>> a, tau = torch.geqrf(torch.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> a[0, 0], tau.shape
        (tensor(-5.), brickwork.Size([2]))
    """
    d = _float_matrix(input, "geqrf", square=False)
    if needs_grad(input):
        raise RuntimeError("geqrf: the derivative for 'geqrf' is not implemented (as in PyTorch); use "
                           "torch.linalg.qr to differentiate a QR factorization")
    xp = input._device.xp
    if d.size == 0:
        h, t = d.copy(), xp.zeros(d.shape[:-2] + (min(d.shape[-2:]),), d.dtype)
    else:
        h, t = xp.linalg.qr(d, mode="raw")
        h = xp.ascontiguousarray(xp.swapaxes(h, -1, -2))  # LAPACK's column-major result, transposed back
    return return_types.geqrf(wrap(h.astype(d.dtype, copy=False), input._device),
                              wrap(t.astype(d.dtype, copy=False), input._device))


# -- eigen-decomposition of general matrices ----------------------------------------------------------------

def eig(A: Tensor, *, out: Any = None) -> Any:
    """Eigenvalues and (unit-norm) eigenvectors of a general square matrix, always complex (LAPACK's ``geev``).

    No gradient yet: the results are complex, and autograd does not run through complex tensors.

    Example:
        >>> import brickwork as torch
        >>> torch.linalg.eig(torch.tensor([[0.0, -1.0], [1.0, 0.0]])).eigenvalues
        tensor([0.+1.j, 0.-1.j])
    """
    d = _float_matrix(A, "linalg.eig", complex_ok=True)
    if needs_grad(A):
        raise RuntimeError("linalg.eig: the results are complex and brickwork does not differentiate through "
                           "complex tensors yet; use linalg.eigh for symmetric matrices, or pass A.detach()")
    dev = A._device
    if hasattr(dev.xp.linalg, "eig"):
        w, v = dev.xp.linalg.eig(d)
    else:  # CuPy before geev support: LAPACK on the host, results moved back
        w, v = (dev.backend.from_host(r, dev.index) for r in np.linalg.eig(dev.backend.to_host(d)))
    c = _dt.from_np(d.dtype).to_complex().np
    return return_types.linalg_eig(wrap(w.astype(c), A._device), wrap(v.astype(c), A._device))
