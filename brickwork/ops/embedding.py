"""Lookups: ``embedding`` (a primitive whose backward adds rows: ``kernels/embedding.py``, or ``index_add`` when
the graph of the backward is recorded) and ``one_hot``."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._errors import op_error
from .._tensor import Tensor
from ..autograd.grad_mode import STATE, no_grad
from ..kernels import embedding as _ke
from ._core import bump, needs_grad, record, wrap, computed_in_float32

__all__ = ["embedding", "one_hot"]


def _index_array(op: str, input: Tensor, size: int) -> Any:
    d = input._data
    if d.dtype.kind not in "iu":
        raise op_error(RuntimeError, op,
                       f"expected indices of an integer dtype (Long or Int), got {input.dtype}; convert "
                       "them with .long()")
    if d.size and (int(d.min()) < 0 or int(d.max()) >= size):
        bad = int(d.min()) if int(d.min()) < 0 else int(d.max())
        raise op_error(IndexError, op,
                       f"index {bad} is out of range for a table of {size} rows (valid: 0 to {size - 1}); "
                       "check num_embeddings or the inputs")
    return d


@computed_in_float32
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input``: output (*input.shape, dim).

    Row ``padding_idx`` gets no gradient. With ``max_norm``, the looked-up rows of ``weight`` whose
    ``norm_type``-norm exceeds it are rescaled in place to that norm first.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.embedding(torch.tensor([2, 0]), torch.arange(6.0).reshape(3, 2))
        tensor([[4., 5.],
                [0., 1.]])
    """
    if weight.ndim != 2:
        raise op_error(RuntimeError, "embedding",
                       f"weight must be 2-D (num_embeddings, embedding_dim), got {list(weight.shape)}")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise op_error(ValueError, "embedding",
                           f"padding_idx must be within num_embeddings ({n}), got {padding_idx}")
        padding_idx %= n
    idx = _index_array("embedding", input, n)
    if input._device is not weight._device:
        idx = weight._device.backend.from_host(input._host(), weight._device.index)
    if max_norm is not None:
        _renorm(weight, idx, max_norm, norm_type)
    out = wrap(weight._data[idx], weight._device)
    if needs_grad(weight):
        record(out, "EmbeddingBackward0", _embedding_backward, (weight,), indices=idx, num_weights=n,
               padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq)
    return out


def _renorm(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    xp = weight._device.xp
    rows = xp.unique(idx.reshape(-1))
    w = weight._data
    sel = w[rows]
    norms = (xp.abs(sel) ** norm_type).sum(1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(w.dtype)
    with no_grad():
        w[rows] = sel * scale[:, None]
    bump(weight)


def _embedding_backward(node: Any, g: Tensor) -> tuple:
    idx, n, padding_idx, by_freq = node.indices, node.num_weights, node.padding_idx, node.scale_grad_by_freq
    flat = idx.reshape(-1)
    g2 = g.reshape(-1, g.shape[-1])
    xp = g._device.xp
    scale = None
    if by_freq:
        counts = xp.bincount(flat.astype(np.int64), minlength=n)
        scale = 1.0 / counts[flat]
    if padding_idx is not None:
        keep = (flat != padding_idx).astype(g._data.dtype)
        scale = keep if scale is None else scale * keep
    if scale is not None:
        g2 = g2 * wrap(scale.astype(g._data.dtype, copy=False).reshape(-1, 1), g._device)
    if not STATE.enabled:  # first order: the kernel adds the rows in one loop (NumPy's add.at is slow)
        return (wrap(_ke.embedding_backward(xp, flat.astype(np.int64, copy=False), g2._data, n), g._device),)
    index = wrap(flat.astype(np.int64, copy=False), g._device)
    return (g2.new_zeros((n, g2.shape[1])).index_add(0, index, g2),)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: output (*tensor.shape, num_classes) (``-1``: ``max + 1``).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.one_hot(torch.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    d = tensor._data
    if d.dtype.kind not in "iu":
        raise op_error(RuntimeError, "one_hot",
                       f"one_hot is only applicable to index tensors (integer dtype), got "
                       f"{tensor.dtype}")
    xp = tensor._device.xp
    if num_classes == -1:
        if d.size == 0:
            raise op_error(RuntimeError, "one_hot",
                           "can not infer total number of classes from empty tensor; pass num_classes")
        num_classes = int(d.max()) + 1
    if d.size and int(d.min()) < 0:
        raise op_error(RuntimeError, "one_hot", "Class values must be non-negative.")
    if d.size and int(d.max()) >= num_classes:
        raise op_error(RuntimeError, "one_hot",
                       f"Class values must be smaller than num_classes ({num_classes}), got "
                       f"{int(d.max())}")
    out = (d[..., None] == xp.arange(num_classes)).astype(np.int64)
    return wrap(out, tensor._device)
