"""``torch.sparse``: sparse-dense products on `brickwork.ops.sparse.SparseCOOTensor`.

Example:
    >>> import brickwork as torch
    >>> s = torch.eye(2).to_sparse()
    >>> torch.sparse.mm(s, torch.ones(2, 3)).shape
    brickwork.Size([2, 3])
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..ops.sparse import SparseCOOTensor, spmm

__all__ = ["mm", "sum", "SparseCOOTensor"]


def mm(mat1: SparseCOOTensor, mat2: Tensor, reduce: str = "sum") -> Tensor:
    """The product of a sparse matrix and a dense matrix (``reduce='sum'`` only).

    Example:
        >>> import brickwork as torch
        >>> torch.sparse.mm(torch.eye(2).to_sparse(), torch.tensor([[1.0], [2.0]]))
        tensor([[1.],
                [2.]])
    """
    if reduce != "sum":
        raise RuntimeError(f"sparse.mm: reduce={reduce!r} is not supported by brickwork; only 'sum'")
    return spmm(mat1, mat2)


def sum(input: SparseCOOTensor, dim: Any = None, dtype: Any = None) -> Any:
    """The sum of a sparse tensor over sparse dimensions ``dim`` (all of them by default; differentiable).

    Summing every dimension gives a dense 0-d tensor; summing some gives a coalesced sparse tensor over the rest,
    with an entry wherever one of the input's entries lay (even if the entries there sum to zero), as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> s = torch.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> torch.sparse.sum(s, dim=1).to_dense()
        tensor([3., 9.])
    """
    if not isinstance(input, SparseCOOTensor):
        raise RuntimeError(f"sparse.sum: expected a sparse COO tensor, got {type(input).__name__}; for a dense "
                           "tensor call torch.sum")
    vals = input._values() if dtype is None else input._values().to(dtype)
    sparse_dims = input._indices().shape[0]
    dims = range(sparse_dims) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    reduced = set()
    for d in dims:
        if not -sparse_dims <= d < sparse_dims:
            raise RuntimeError(f"sparse.sum: dim {d} is not one of the {sparse_dims} sparse dimensions of a tensor "
                               f"of size {tuple(input.shape)}; reducing dense dimensions is not supported")
        reduced.add(d % sparse_dims)
    if len(reduced) == sparse_dims and sparse_dims == input.ndim:
        return vals.sum()
    keep = [d for d in range(sparse_dims) if d not in reduced]
    size = [input.shape[d] for d in keep] + list(input.shape[sparse_dims:])
    if not keep:
        return vals.sum(0)
    return SparseCOOTensor(input._indices()[keep], vals, tuple(size)).coalesce()
