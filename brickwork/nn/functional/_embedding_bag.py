"""``embedding_bag``: sums, means or maxima of bags of embedding rows, without materializing the per-bag
Python loop: the rows are gathered into a padded (bags, longest bag, dim) block and reduced, so the gradient is
that of the lookup and the reduction."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._errors import op_error
from ... import ops
from ..._tensor import Tensor
from ._sparse import embedding

__all__ = ["embedding_bag"]


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices and, per bag, its start and end in them."""
    idx = input.cpu().numpy().astype(np.int64)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        b, length = idx.shape
        starts = np.arange(b) * length
        return idx.reshape(-1), np.stack([starts, starts + length], 1)
    if idx.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    off = offsets.cpu().numpy().astype(np.int64)
    if off.ndim != 1:
        raise ValueError(f"offsets has to be a 1D Tensor, got shape {tuple(off.shape)}")
    if off.size and off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {off[0]}")
    if off.size and off[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length ({idx.size}), but got offsets[-1] "
                           f"of {off[-1]}")
    ends = np.append(off[1:], idx.size) if not include_last_offset else off[1:]
    starts = off if not include_last_offset else off[:-1]
    return idx, np.stack([starts, ends], 1)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Reduce bags of rows of ``weight`` by ``mode`` ('sum', 'mean' or 'max'); output (bags, dim).

    Bags are the rows of a 2-D ``input``, or the slices of a 1-D ``input`` starting at ``offsets``.
    ``per_sample_weights`` scales each row ('sum' only); ``padding_idx`` rows are left out (an empty bag gives
    zeros). ``sparse`` is accepted; the gradient is dense.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> w = torch.arange(6.0).reshape(3, 2)
        >>> F.embedding_bag(torch.tensor([0, 2, 1]), w, torch.tensor([0, 2]), mode='sum')
        tensor([[4., 6.],
                [2., 3.]])
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise op_error(ValueError, "embedding_bag",
                       f"If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, "
                       f"then it must have the same shape as the input ({tuple(input.shape)})")
    flat, bounds = _bags(input, offsets, include_last_offset)
    n_rows, dim = weight.shape
    if padding_idx is not None:
        if not -n_rows <= padding_idx < n_rows:
            raise AssertionError(f"padding_idx must be within num_embeddings ({n_rows}), got {padding_idx}")
        padding_idx %= n_rows
    rows = embedding(ops.tensor(flat, device=weight.device), weight, padding_idx, max_norm, norm_type,
                     scale_grad_by_freq)  # (n, dim)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    lengths = bounds[:, 1] - bounds[:, 0]
    longest = max(int(lengths.max(initial=0)), 1)
    where = bounds[:, :1] + np.arange(longest)[None, :]  # (bags, longest)
    valid = where < bounds[:, 1:]
    if padding_idx is not None:
        valid &= flat[np.minimum(where, max(flat.size - 1, 0))] != padding_idx if flat.size else valid
    pick = np.where(valid, where, flat.size)  # flat.size: the appended filler row
    fill = -np.inf if mode == "max" else 0.0
    filler = ops.full((1, dim), fill, dtype=weight.dtype, device=weight.device)
    block = ops.cat([rows, filler], 0)[ops.tensor(pick, device=weight.device)]  # (bags, longest, dim)
    counts = valid.sum(1)
    if mode == "max":
        out = block.max(1)[0]  # the gradient goes to one maximum, as in PyTorch
        return ops.where(ops.tensor(counts > 0, device=weight.device).reshape(-1, 1), out, 0.0)
    total = block.sum(1)
    if mode == "sum":
        return total
    return total / ops.tensor(np.maximum(counts, 1), dtype=weight.dtype, device=weight.device).reshape(-1, 1)
