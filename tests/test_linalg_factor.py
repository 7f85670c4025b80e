"""The compact factorizations against LAPACK (through PyTorch) on the inputs that exercise their pivoting, and the
randomized low-rank SVD/PCA (the op table covers values, gradients and errors on ordinary inputs)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork as bw


def _symmetric_cases() -> list[np.ndarray]:
    """Symmetric matrices that take every branch of Bunch-Kaufman pivoting: 1x1 and 2x2 pivots, interchanges,
    a zero diagonal, tiny diagonals, singular matrices."""
    rng = np.random.default_rng(0)
    out = []
    for n in (1, 2, 3, 5, 8):
        for trial in range(12):
            s = rng.standard_normal((n, n))
            s = s + s.T
            if trial % 3 == 0:
                s[0, 0] = 0.0
            if trial % 4 == 1:
                s[np.diag_indices(n)] *= 1e-3
            if trial == 11:
                s[:, -1] = s[-1, :] = 0.0  # singular
            out.append(s)
    return out


@pytest.mark.parametrize("k", range(60))
def test_ldl_factor_and_solve_match_lapack(k: int) -> None:
    a = _symmetric_cases()[k]
    got, want = bw.linalg.ldl_factor_ex(bw.tensor(a)), torch.linalg.ldl_factor_ex(torch.tensor(a))
    np.testing.assert_allclose(got.LD.numpy(), want.LD.numpy(), rtol=1e-10, atol=1e-12)
    assert got.pivots.tolist() == want.pivots.tolist() and int(got.info) == int(want.info)
    if int(want.info) == 0:
        b = np.random.default_rng(k).standard_normal((a.shape[0], 2))
        x = bw.linalg.ldl_solve(got.LD, got.pivots, bw.tensor(b))
        np.testing.assert_allclose(x.numpy(), torch.linalg.ldl_solve(want.LD, want.pivots, torch.tensor(b)).numpy(),
                                   rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 3)])
def test_lu_of_singular_matrices_reports_info_as_lapack(shape: tuple) -> None:
    a = np.random.default_rng(1).standard_normal(shape)
    a[..., :, 1] = 0.0  # a zero column: the second pivot is zero
    got, want = bw.linalg.lu_factor_ex(bw.tensor(a)), torch.linalg.lu_factor_ex(torch.tensor(a))
    np.testing.assert_allclose(got.LU.numpy(), want.LU.numpy(), atol=1e-12)
    assert got.pivots.tolist() == want.pivots.tolist() and got.info.tolist() == want.info.tolist()


def test_svd_and_pca_lowrank_recover_a_low_rank_matrix() -> None:
    bw.manual_seed(0)
    A = bw.randn(30, 3, dtype=bw.float64) @ bw.randn(3, 20, dtype=bw.float64)
    U, S, V = bw.svd_lowrank(A, q=4)
    assert bw.allclose(U @ bw.diag(S) @ V.mT, A, atol=1e-8)
    np.testing.assert_allclose(S[:3].numpy(), torch.linalg.svdvals(torch.tensor(A.numpy()))[:3].numpy(), rtol=1e-8)
    U, S, V = bw.svd_lowrank(A.mT, q=3, M=bw.zeros(20, 30, dtype=bw.float64))  # wide, with M
    assert bw.allclose(U @ bw.diag(S) @ V.mT, A.mT, atol=1e-8)
    centred = A - A.mean(0, keepdim=True)
    U, S, V = bw.pca_lowrank(A, q=3)
    assert bw.allclose(U @ bw.diag(S) @ V.mT, centred, atol=1e-8)
    with pytest.raises(ValueError, match="min"):
        bw.pca_lowrank(A, q=40)


def test_svd_lowrank_has_gradients() -> None:
    bw.manual_seed(1)
    A = (bw.randn(6, 2, dtype=bw.float64) @ bw.randn(2, 5, dtype=bw.float64)).requires_grad_()
    S = bw.svd_lowrank(A, q=2)[1]
    S.sum().backward()
    want = torch.tensor(A.detach().numpy(), requires_grad=True)
    torch.linalg.svdvals(want)[:2].sum().backward()
    np.testing.assert_allclose(A.grad.numpy(), want.grad.numpy(), atol=1e-8)
