"""Sparse COO matrices: ``sparse_coo_tensor``, ``to_sparse``, ``to_dense`` and sparse-dense products.

A `SparseCOOTensor` keeps its ``indices`` (a ``(ndim, nnz)`` int64 tensor) and ``values`` (an ``(nnz,)``
tensor, which may require grad) and never stores its zeros. It converts to and from dense tensors and
multiplies a dense matrix (``spmm``, ``sparse.mm``, ``@``), with gradients flowing to ``values`` and to the dense
operand, composed from ``index_add`` and gathers. It is not a `brickwork.Tensor` subclass: dense ops
other than these take ``s.to_dense()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Size, Tensor
from ..backends import canonical
from .creation import tensor as _tensor
from .creation import zeros

__all__ = ["SparseCOOTensor", "sparse_coo_tensor", "spmm", "to_sparse", "to_dense"]


class SparseCOOTensor:
    """A sparse tensor in coordinate format: the non-zero entries' ``indices`` and their ``values``.

    Example:
        >>> import brickwork as torch
        >>> s = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([2.0, 3.0]), (2, 2))
        >>> s.to_dense()
        tensor([[0., 2.],
                [3., 0.]])
    """

    is_sparse = True

    def __init__(self, indices: Tensor, values: Tensor, size: tuple, coalesced: bool = False) -> None:
        self._idx, self._vals, self._size, self._coalesced = indices, values, Size(size), coalesced

    # -- what a tensor answers -----------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The dense shape."""
        return self._size

    def size(self, dim: int | None = None) -> Any:
        """The dense shape, or its size along ``dim``."""
        return self._size if dim is None else self._size[dim]

    def dim(self) -> int:
        """The number of dense dimensions."""
        return len(self._size)

    @property
    def ndim(self) -> int:
        """The number of dense dimensions."""
        return len(self._size)

    @property
    def dtype(self) -> _dt.dtype:
        """The values' dtype."""
        return self._vals.dtype

    @property
    def device(self) -> Any:
        """The device holding indices and values."""
        return self._vals.device

    @property
    def is_cuda(self) -> bool:
        """Whether indices and values live on a CUDA device."""
        return self._vals.is_cuda

    @property
    def layout(self) -> str:
        """``'sparse_coo'``."""
        return "sparse_coo"

    @property
    def requires_grad(self) -> bool:
        """Whether the values require grad."""
        return self._vals.requires_grad

    def requires_grad_(self, requires_grad: bool = True) -> "SparseCOOTensor":
        """Make the values require grad (in place); returns ``self``."""
        self._vals.requires_grad_(requires_grad)
        return self

    def _indices(self) -> Tensor:
        """The indices as stored (duplicates possible)."""
        return self._idx

    def _values(self) -> Tensor:
        """The values as stored (duplicates possible)."""
        return self._vals

    def _nnz(self) -> int:
        """The number of stored entries."""
        return int(self._vals.shape[0])

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor (call `coalesce` first, as in PyTorch)."""
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._idx

    def values(self) -> Tensor:
        """The values of a coalesced tensor (call `coalesce` first, as in PyTorch)."""
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    def is_coalesced(self) -> bool:
        """Whether the indices are sorted and unique."""
        return self._coalesced

    def coalesce(self) -> "SparseCOOTensor":
        """The same tensor with sorted, unique indices (duplicates summed; differentiable in the values)."""
        if self._coalesced:
            return self
        idx = self._idx._host()
        if idx.shape[1] == 0:
            return SparseCOOTensor(self._idx, self._vals, tuple(self._size), True)
        flat = np.ravel_multi_index(tuple(idx), tuple(self._size))
        uniq, inverse = np.unique(flat, return_inverse=True)
        new_idx = np.stack(np.unravel_index(uniq, tuple(self._size))).astype(np.int64)
        dev = self._vals.device
        inv = _tensor(inverse.reshape(-1).astype(np.int64), device=dev)
        vals = zeros((len(uniq),) + tuple(self._vals.shape[1:]), dtype=self._vals.dtype, device=dev)
        vals = vals.index_add(0, inv, self._vals)
        return SparseCOOTensor(_tensor(new_idx.reshape(len(self._size), -1), device=dev), vals, tuple(self._size), True)

    def to_dense(self) -> Tensor:
        """The dense tensor (duplicate entries summed); differentiable in the values."""
        from .indexing import index_put_new

        out = zeros(tuple(self._size), dtype=self._vals.dtype, device=self._vals.device)
        key = tuple(self._idx[i] for i in range(self._idx.shape[0]))
        return index_put_new(out, key, self._vals, accumulate=True)

    def to(self, *args: Any, **kwargs: Any) -> "SparseCOOTensor":
        """Indices and values moved and/or cast as ``Tensor.to`` does (the indices keep int64)."""
        vals = self._vals.to(*args, **kwargs)
        return SparseCOOTensor(self._idx.to(vals.device), vals, tuple(self._size), self._coalesced)

    def cpu(self) -> "SparseCOOTensor":
        """The tensor on the CPU."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "SparseCOOTensor":
        """The tensor on a CUDA device."""
        return self.to("cuda" if device is None else device)

    def t(self) -> "SparseCOOTensor":
        """The transpose of a sparse matrix."""
        if self.ndim != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse dimensions, but self is {self.ndim}D")
        return SparseCOOTensor(self._idx.flip(0), self._vals, (self._size[1], self._size[0]))

    def __matmul__(self, other: Tensor) -> Tensor:
        return spmm(self, other)

    def __mul__(self, other: Any) -> "SparseCOOTensor":
        if isinstance(other, Tensor) and other.ndim:
            raise RuntimeError("sparse * dense tensor is not supported by brickwork; multiply a number, or use "
                               "to_dense()")
        return SparseCOOTensor(self._idx, self._vals * other, tuple(self._size), self._coalesced)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return (f"tensor(indices={self._idx!r},\n       values={self._vals!r},\n       size={tuple(self._size)}, "
                f"nnz={self._nnz()}, layout=torch.sparse_coo)")


def sparse_coo_tensor(indices: Any, values: Any, size: Any = None, *, dtype: Any = None, device: Any = None,
                      requires_grad: bool = False, check_invariants: bool | None = None,
                      is_coalesced: bool | None = None) -> SparseCOOTensor:
    """A sparse COO tensor with ``values[k]`` at ``indices[:, k]`` (``size`` inferred from the indices if omitted).

    Example:
        >>> import brickwork as torch
        >>> s = torch.sparse_coo_tensor([[0, 2]], [1.0, 5.0], (4,))
        >>> s.to_dense()
        tensor([1., 0., 5., 0.])
    """
    dev = canonical(device) if device is not None else (values.device if isinstance(values, Tensor) else None)
    idx = indices if isinstance(indices, Tensor) else _tensor(indices, dtype=_dt.int64, device=dev)
    vals = values if isinstance(values, Tensor) else _tensor(values, dtype=dtype, device=dev)
    if dtype is not None:
        vals = vals.to(dtype)
    if idx.ndim != 2 and not (idx.ndim == 1 and idx.numel() == 0):
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    idx = idx.long().reshape(idx.shape[0] if idx.ndim == 2 else 1, -1)
    if vals.shape[0] != idx.shape[1]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {idx.shape[1]}, nnz "
                           f"from values: {vals.shape[0]}")
    host = idx._host()
    if size is None:
        size = tuple(int(m) + 1 for m in host.max(1)) if host.size else (0,) * idx.shape[0]
        size = size + tuple(vals.shape[1:])
    size = tuple(int(s) for s in size)
    if host.size:
        if host.min() < 0:
            raise RuntimeError(f"found negative index {int(host.min())} for dim {int(np.argmin(host.min(1)))}")
        for d in range(idx.shape[0]):
            if host[d].max() >= size[d]:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but found "
                                   f"index {int(host[d].max())}")
    if requires_grad:
        vals = vals.detach().requires_grad_(True)
    return SparseCOOTensor(idx, vals, size, bool(is_coalesced))


def spmm(input: SparseCOOTensor, mat2: Tensor) -> Tensor:
    """The product of a sparse matrix and a dense matrix, a dense matrix (differentiable in both's values).

    Example:
        >>> import brickwork as torch
        >>> s = torch.sparse_coo_tensor(torch.tensor([[0, 1], [1, 0]]), torch.tensor([2.0, 3.0]), (2, 2))
        >>> torch.spmm(s, torch.tensor([[1.0], [10.0]]))
        tensor([[20.],
                [ 3.]])
    """
    if not isinstance(input, SparseCOOTensor):
        raise TypeError(f"spmm: expected a sparse COO tensor as the first argument, got {type(input).__name__}; "
                        "make one with torch.sparse_coo_tensor or x.to_sparse()")
    if input.ndim != 2 or not isinstance(mat2, Tensor) or mat2.ndim not in (1, 2):
        raise RuntimeError(f"spmm: expected a 2-D sparse matrix and a 1-D or 2-D dense tensor, got shapes "
                           f"{tuple(input.shape)} and {tuple(getattr(mat2, 'shape', ()))}")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
                           f"{'x'.join(str(s) for s in mat2.shape)})")
    vec = mat2.ndim == 1
    dense = mat2.unsqueeze(1) if vec else mat2
    rows, cols = input._idx[0], input._idx[1]
    contrib = input._vals.to(dense.dtype).unsqueeze(1) * dense.index_select(0, cols)
    out = zeros((input.shape[0], dense.shape[1]), dtype=dense.dtype, device=dense.device).index_add(0, rows, contrib)
    return out.squeeze(1) if vec else out


def to_sparse(input: Tensor, sparse_dim: int | None = None) -> SparseCOOTensor:
    """The sparse COO form of a dense tensor (its non-zero entries), differentiable in the values.

    Example:
        >>> import brickwork as torch
        >>> torch.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse()._nnz()
        2
    """
    if isinstance(input, SparseCOOTensor):
        return input
    nz = (input != 0).nonzero()
    key = tuple(nz[:, d] for d in range(input.ndim))
    vals = input[key] if input.ndim else input.reshape(1)[nz[:, 0]]
    return SparseCOOTensor(nz.T.contiguous(), vals, tuple(input.shape), True)


def to_dense(input: Any, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
    """A dense tensor: the sparse tensor's dense form, or a dense tensor itself.

    Example:
        >>> import brickwork as torch
        >>> torch.ones(2).to_dense()
        tensor([1., 1.])
    """
    r = input.to_dense() if isinstance(input, SparseCOOTensor) else input
    return r if dtype is None else r.to(dtype)
