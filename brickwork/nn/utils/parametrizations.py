"""Weight normalization, spectral normalization and orthogonal matrices as parametrizations (PyTorch's
``nn.utils.parametrizations``): ``weight_norm`` keeps ``original0`` (g) and ``original1`` (v) with
``weight = g * v / ||v||``; ``spectral_norm`` divides the weight by its largest singular value, estimated by
power iteration with the ``_u``/``_v`` buffers (updated in training); ``orthogonal`` maps an unconstrained
matrix to an orthogonal one (matrix exponential or Cayley map of a skew-symmetric matrix, or a product of
Householder reflections), composed of tensor ops so that gradients reach the original."""

from __future__ import annotations

import math

import numpy as np

from ... import dtypes, linalg, ops
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..module import Module
from . import parametrize

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm over every dimension but ``dim`` (all of them for ``dim=-1``), keeping dimensions."""
    if dim == -1:
        return v.norm()
    dims = tuple(i for i in range(v.dim()) if i != dim)
    return v.norm(2, dims, keepdim=True) if dims else v.abs()


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (the norm over every dimension but ``dim``).

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape, m.parametrizations.weight.original1.shape
        (brickwork.Size([40, 1]), brickwork.Size([40, 20]))
    """
    return parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations="
                             f"{n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps, self.n_power_iterations = eps, n_power_iterations
        if ndim > 1:
            mat = self._reshape_weight_to_matrix(weight)
            h, w = mat.shape
            u = F.normalize(ops.randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=self.eps)
            v = F.normalize(ops.randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=self.eps)
            self.register_buffer("_u", u)
            self.register_buffer("_v", v)
            self._power_method(mat, 15)

    def _reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.flatten(1)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(weight_mat.mv(self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(weight_mat.mT.mv(self._u), dim=0, eps=self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.dim() == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        mat = self._reshape_weight_to_matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = ops.vdot(u, mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Reparametrize ``module.<name>`` as the weight divided by its spectral norm (largest singular value).

    ``dim`` is the output dimension (default 0; 1 for transposed convolutions).

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(20, 40))
        >>> m.parametrizations.weight.original.shape, m.parametrizations.weight[0]._u.shape
        (brickwork.Size([40, 20]), brickwork.Size([40]))
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    return parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))


# -- orthogonal ----------------------------------------------------------------------------------------------

_MAPS = ("matrix_exp", "cayley", "householder")


def _eye_like(a: Tensor, n: int) -> Tensor:
    return ops.eye(n, dtype=a.dtype, device=a.device).expand(*a.shape[:-2], n, n)


def _matrix_exp(a: Tensor) -> Tensor:
    """``exp(a)`` of square matrices: a degree-18 Taylor series of ``a / 2**s`` (norm at most 1/2), squared ``s``
    times; made of matrix products, so autograd differentiates it."""
    n = a.shape[-1]
    norm = float(a.detach().abs().sum(-2).amax()) if a.numel() else 0.0
    s = max(0, math.ceil(math.log2(norm)) + 1) if norm > 0.5 else 0
    b, eye = a / 2.0 ** s, _eye_like(a, n)
    out = eye
    for k in range(18, 0, -1):  # Horner: I + b (I + b/2 (I + b/3 (...)))
        out = eye + (b @ out) / k
    for _ in range(s):
        out = out @ out
    return out


def _householder_product(a: Tensor, tau: Tensor) -> Tensor:
    """The first ``k`` columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T`` with ``v_i`` column ``i`` of ``a``
    below the diagonal and 1 on it (LAPACK's ``orgqr``)."""
    n, k = a.shape[-2], a.shape[-1]
    rows = ops.arange(n, device=a.device).reshape(n, 1)
    q = _eye_like(a, n)
    for i in range(k):
        v = ops.where(rows < i, 0.0, ops.where(rows == i, 1.0, a[..., :, i:i + 1]))   # (..., n, 1)
        q = q - (q @ v) @ (v.mT * tau[..., i:i + 1].unsqueeze(-1))
    return q[..., :, :k]


def _make_orthogonal(a: Tensor) -> Tensor:
    """The Q of ``a``'s QR factorization with R's diagonal made positive (PyTorch's choice)."""
    q, r = linalg.qr(a)
    return q * r.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)


def _is_orthogonal(q: Tensor) -> bool:
    n = q.shape[-1]
    return bool(ops.allclose(q.mT @ q, _eye_like(q, n), atol=10 * n * dtypes.finfo(q.dtype).eps))


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X, n, k = X.mT, k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:
                X = ops.cat([X, X.new_zeros((n, n - k)).expand(*X.shape[:-2], n, n - k)], -1)
            A = X - X.mT                                             # skew-symmetric
            if self.orthogonal_map == "matrix_exp":
                Q = _matrix_exp(A)
            else:
                eye = _eye_like(A, n)
                Q = linalg.solve(eye - A * 0.5, eye + A * 0.5)
            Q = Q[..., :k] if n != k else Q
        else:
            A = X.tril(-1)
            Q = _householder_product(A, 2.0 / (1.0 + (A * A).sum(-2)))
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        with no_grad():
            if tuple(Q.shape) != tuple(self.shape):
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of "
                                 f"shape {Q.shape}.")
            q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q, n, k = Q.mT, k, n
            if "base" not in self._buffers:
                if self.orthogonal_map in ("matrix_exp", "cayley"):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                              "parametrizations when use_trivialization=False.")
                # the Householder reflectors of Q's QR factorization (LAPACK's geqrf), signs as in PyTorch
                h, tau = np.linalg.qr(Q.detach().cpu().numpy(), mode="raw")
                A = np.ascontiguousarray(np.swapaxes(h, -1, -2))
                d = np.arange(min(A.shape[-2:]))
                A[..., d, d] = np.where(tau == 0.0, -np.sign(A[..., d, d]), np.sign(A[..., d, d]))
                out = ops.tensor(A, dtype=Q.dtype, device=Q.device)
                return out.mT if transpose else out
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                Q = _make_orthogonal(ops.cat([Q, ops.randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype,
                                                             device=Q.device)], -1))
            self.base = Q
            eye = ops.eye(q_init.shape[-2], q_init.shape[-1], dtype=q_init.dtype, device=q_init.device)
            return -eye.expand(*q_init.shape).clone()  # the map at -I is the identity: the weight starts as base


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Constrain ``module.<name>`` (a matrix or a batch of them) to be orthogonal, like PyTorch's.

    ``orthogonal_map`` is ``"matrix_exp"`` (the default for square matrices), ``"cayley"`` or ``"householder"``
    (the default otherwise). With ``use_trivialization`` (the default) the map is taken around a ``base``
    buffer, set to the orthogonalized weight at registration, so the weight starts as that orthogonal matrix.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3))
        >>> torch.allclose(m.weight @ m.weight.T, torch.eye(3), atol=1e-5)
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f"{orthogonal_map}")
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    return parametrize.register_parametrization(module, name, orth, unsafe=True)
