"""Ops that combine or lay out tensors: grids, diagonals, products of tensors, pairwise distances.

Every op here is composed from differentiable primitives (indexing, reshapes, products, ``cat``), so their
gradients, and second derivatives, come from those primitives; none records a node of its own.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..backends import canonical
from ._aliases import numpy_names
from ._core import wrap, wrap_dim
from .creation import tensor as _tensor
from .creation import zeros
from .elementwise import mul, sub
from .linalg import einsum
from .movement import broadcast_tensors, cat, stack
from .reduce import norm

__all__ = ["meshgrid", "select", "diag", "diagflat", "trace", "tril_indices", "triu_indices", "kron", "tensordot",
           "cross", "cdist", "cartesian_prod", "combinations"]


def _tensors_arg(tensors: tuple, op: str) -> list[Tensor]:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__} at position {i}")
    return list(tensors)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-d tensors: output ``i`` varies along dimension ``i``.

    With ``indexing='xy'`` (NumPy's default) the first two dimensions are swapped.

    Without ``indexing`` PyTorch uses ``'ij'`` and warns that passing it will become required; so does brickwork.
    The outputs are expanded views, as in PyTorch (write to a ``clone()``).

    Example:
        >>> import brickwork as torch
        >>> xs, ys = torch.meshgrid(torch.tensor([1, 2]), torch.tensor([3, 4, 5]), indexing="ij")
        >>> xs.shape, ys[0].tolist()
        (brickwork.Size([2, 3]), [3, 4, 5])
    """
    ts = _tensors_arg(tensors, "meshgrid")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for i, t in enumerate(ts):
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: shape "
                               f"{tuple(t.shape)} at position {i}")
    if len({t.dtype for t in ts}) > 1 or len({t.device for t in ts}) > 1:
        raise RuntimeError("torch.meshgrid: expects all tensors to have the same dtype and device, got "
                           f"{[str(t.dtype) for t in ts]} on {[str(t.device) for t in ts]}")
    flat = [t.reshape(-1) for t in ts]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(t.shape[0] for t in flat)
    n = len(flat)
    out = [t.reshape(tuple(-1 if j == i else 1 for j in range(n))).expand(shape) for i, t in enumerate(flat)]
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


@numpy_names
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice of ``input`` at ``index`` along ``dim`` (that dimension removed), a view.

    Example:
        >>> import brickwork as torch
        >>> torch.arange(6).reshape(2, 3).select(1, -1)
        tensor([2, 5])
    """
    d = wrap_dim(dim, input.ndim, "select")
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {tuple(input.shape)} at "
                         f"dimension {d}")
    return input[(slice(None),) * d + (index,)]


def _diag_matrix(v: Tensor, k: int) -> Tensor:
    """The square matrix with ``v`` on diagonal ``k`` and zeros elsewhere."""
    n = v.shape[0]
    eye = wrap(v._device.xp.eye(n, dtype=v._data.dtype), v._device)
    m = v.unsqueeze(-1) * eye if v.dtype is not _dt.bool_ else v.unsqueeze(-1) & eye
    a = abs(k)
    if a:
        cols, rows = zeros(n, a, dtype=v.dtype, device=v.device), zeros(a, n + a, dtype=v.dtype, device=v.device)
        m = cat([cols, m], 1) if k > 0 else cat([m, cols], 1)
        m = cat([m, rows], 0) if k > 0 else cat([rows, m], 0)
    return m


def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """A 1-d tensor laid on diagonal ``diagonal`` of a square matrix, or a matrix's diagonal as a 1-d copy.

    Example:
        >>> import brickwork as torch
        >>> torch.diag(torch.tensor([1, 2])).tolist(), torch.diag(torch.ones(2, 3), 1).tolist()
        ([[1, 0], [0, 2]], [1.0, 1.0])
    """
    if input.ndim == 1:
        return _diag_matrix(input, diagonal)
    if input.ndim == 2:
        return input.diagonal(diagonal).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D (shape {tuple(input.shape)}); "
                       "use torch.diagonal or torch.diag_embed for batches")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """``input`` flattened and laid on diagonal ``offset`` of a square matrix.

    Example:
        >>> import brickwork as torch
        >>> torch.diagflat(torch.tensor([[1, 2]])).tolist()
        [[1, 0], [0, 2]]
    """
    return _diag_matrix(input.reshape(-1), offset)


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (integers sum to int64).

    Example:
        >>> import brickwork as torch
        >>> torch.trace(torch.arange(4).reshape(2, 2))
        tensor(3)
    """
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim} (shape "
                           f"{tuple(input.shape)}); for batches use x.diagonal(dim1=-2, dim2=-1).sum(-1)")
    return input.diagonal().sum()


def _tri_indices(row: int, col: int, offset: int, dtype: Any, device: Any, upper: bool) -> Tensor:
    name = "triu_indices" if upper else "tril_indices"
    if row < 0 or col < 0:
        raise RuntimeError(f"{name}: row and col must be non-negative, got row={row}, col={col}")
    dt = _dt.to_dtype(dtype) if dtype is not None else _dt.int64
    if dt.np.kind not in "iu":
        raise RuntimeError(f"{name}: \"{name}\" not implemented for '{str(dt).split('.')[-1]}'; use an integer dtype")
    r, c = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return _tensor(np.stack([r, c]).astype(dt.np).reshape(2, -1), device=canonical(device))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (2, N) row and column indices of the lower triangle of a ``row x col`` matrix, row by row.

    Example:
        >>> import brickwork as torch
        >>> torch.tril_indices(3, 3).tolist()
        [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    return _tri_indices(row, col, offset, dtype, device, False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (2, N) row and column indices of the upper triangle of a ``row x col`` matrix, row by row.

    Example:
        >>> import brickwork as torch
        >>> torch.triu_indices(2, 3, 1).tolist()
        [[0, 0, 1], [1, 2, 2]]
    """
    return _tri_indices(row, col, offset, dtype, device, True)


def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Kronecker product: every element of ``input`` times a copy of ``other``, laid out block by block.

    Example:
        >>> import brickwork as torch
        >>> torch.kron(torch.eye(2), torch.ones(1, 2)).tolist()
        [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
    """
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    a2 = a.reshape(tuple(x for s in a.shape for x in (s, 1)))
    b2 = b.reshape(tuple(x for s in b.shape for x in (1, s)))
    return mul(a2, b2).reshape(tuple(p * q for p, q in zip(a.shape, b.shape)))


def tensordot(a: Tensor, b: Tensor, dims: Any = 2, out: Tensor | None = None) -> Tensor:
    """Sum of products over the last ``dims`` dimensions of ``a`` and the first ``dims`` of ``b``.

    ``dims=([a dims], [b dims])`` lists the contracted pairs instead.

    Example:
        >>> import brickwork as torch
        >>> torch.tensordot(torch.ones(2, 3, 4), torch.ones(3, 4, 5)).shape
        brickwork.Size([2, 5])
    """
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims} for shapes "
                               f"{tuple(a.shape)} and {tuple(b.shape)}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {len(da)} and {len(db)}")
    da = [wrap_dim(d, a.ndim, "tensordot") for d in da]
    db = [wrap_dim(d, b.ndim, "tensordot") for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(da, db):
        sb[j] = sa[i]
    keep = [s for i, s in enumerate(sa) if i not in da] + [s for j, s in enumerate(sb) if j not in db]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(keep)}", a, b)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out: Tensor | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (inputs broadcast); without ``dim``, the first dimension of size 3.

    Example:
        >>> import brickwork as torch
        >>> torch.cross(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]), dim=0)
        tensor([0., 0., 1.])
    """
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got {input.ndim} "
                           f"(shape {tuple(input.shape)}) and {other.ndim} (shape {tuple(other.shape)})")
    a, b = broadcast_tensors(input, other)
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(a.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (shape {tuple(a.shape)}); pass dim=")
    d = wrap_dim(dim, a.ndim, "linalg.cross")
    if a.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    return stack([sub(a1 * b2, a2 * b1), sub(a2 * b0, a0 * b2), sub(a0 * b1, a1 * b0)], d)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distances between each row of ``x1`` (B x P x M) and each row of ``x2`` (B x R x M).

    brickwork always takes the differences directly (``compute_mode`` is accepted and, like PyTorch's
    exact mode, never trades accuracy for the matrix-product shortcut).

    Example:
        >>> import brickwork as torch
        >>> torch.cdist(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
        tensor([[5., 1.]])
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if not x1.is_floating_point() or not x2.is_floating_point():
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}, X2 got: {x2.dtype}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(diff, p, dim=-1)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-d tensor, as rows (one tensor: itself).

    Example:
        >>> import brickwork as torch
        >>> torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    ts = _tensors_arg(tensors, "cartesian_prod")
    for t in ts:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """All length-``r`` combinations of a 1-d tensor's elements, as rows, in ``itertools`` order.

    Example:
        >>> import brickwork as torch
        >>> torch.combinations(torch.tensor([1, 2, 3])).tolist()
        [[1, 2], [1, 3], [2, 3]]
    """
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _tensor([], dtype=input.dtype, device=input.device)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    index = _tensor(np.array(rows, dtype=np.int64).reshape(len(rows), r), device=input.device)
    return input[index]
