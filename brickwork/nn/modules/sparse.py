"""Lookup tables: ``Embedding``."""

from __future__ import annotations

from typing import Any

from ..._errors import op_error
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ._layer import parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by integer indices.

    Args:
        num_embeddings: size of the table. embedding_dim: size of each vector.
        padding_idx: a row that gets no gradient and starts as zeros (negative counts from the end).
        max_norm: renormalize looked-up rows whose ``norm_type``-norm exceeds it (in place).
        norm_type: the p of that norm (default 2). scale_grad_by_freq: divide gradients by index frequency.
        sparse: accepted for compatibility; gradients are dense.
        device, dtype: where and in which dtype to create the table.

    Parameters: ``weight`` (num_embeddings, embedding_dim), initialized from N(0, 1).

    Shape: input (*) of integers; output (*, embedding_dim).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Embedding(10, 3)(torch.tensor([[1, 2, 4, 5], [4, 3, 2, 9]])).shape
        brickwork.Size([2, 4, 3])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise op_error(ValueError, "Embedding",
                               f"padding_idx must be within num_embeddings ({num_embeddings}), got "
                               f"{padding_idx}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = parameter((num_embeddings, embedding_dim), False, device, dtype)
            self.weight.requires_grad_(not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise op_error(ValueError, "Embedding",
                               f"shape of _weight {tuple(_weight.shape)} does not match "
                               f"(num_embeddings, embedding_dim) = {(num_embeddings, embedding_dim)}")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Weight from N(0, 1), with the ``padding_idx`` row zeroed."""
        init.normal_(self.weight, generator=self._init_generator())
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding holding ``embeddings`` (a 2-D tensor), frozen unless ``freeze=False``.

        Example:
            >>> import brickwork as torch
            >>> e = torch.nn.Embedding.from_pretrained(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> e(torch.tensor([1]))
            tensor([[3., 4.]])
        """
        if embeddings.ndim != 2:
            raise op_error(ValueError, "Embedding.from_pretrained",
                           f"embeddings must be 2-D, got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=freeze)
