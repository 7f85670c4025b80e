"""``torch.sparse``: sparse-dense products on `brickwork.ops.sparse.SparseCOOTensor`.

Example:
    >>> import brickwork as torch
    >>> s = torch.eye(2).to_sparse()
    >>> torch.sparse.mm(s, torch.ones(2, 3)).shape
    brickwork.Size([2, 3])
"""

from __future__ import annotations

from .._tensor import Tensor
from ..ops.sparse import SparseCOOTensor, spmm

__all__ = ["mm", "SparseCOOTensor"]


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
