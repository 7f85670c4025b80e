"""``AdaptiveLogSoftmaxWithLoss``: the efficient softmax of Grave et al. for large vocabularies: a head over the
frequent classes plus one entry per tail cluster, and a small two-layer projection per cluster."""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ... import ops
from ..._tensor import Tensor
from .. import functional as F
from ..containers import ModuleList, Sequential
from ..module import Module
from .linear import Linear

__all__ = ["AdaptiveLogSoftmaxWithLoss"]


class _ASMoutput(NamedTuple):
    output: Tensor
    loss: Tensor


class AdaptiveLogSoftmaxWithLoss(Module):
    """Log-probabilities of the targets (and their mean negative as the loss) under an adaptive softmax.

    Args:
        in_features: the input size. n_classes: the number of classes.
        cutoffs: increasing class indices splitting the classes into the head and the tail clusters.
        div_value: each cluster's hidden size is ``in_features // div_value ** (i + 1)`` (default 4).
        head_bias: a bias in the head's linear layer. device, dtype.

    Shape: input (N, in_features) or (in_features,); target (N,) or (); returns ``(output, loss)`` with
    ``output`` (N,) the target log-probabilities and ``loss`` a scalar.

    Example:
        >>> import brickwork as torch
        >>> asm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [4, 8])
        >>> out, loss = asm(torch.randn(5, 16), torch.tensor([0, 3, 5, 9, 7]))
        >>> out.shape, loss.shape, asm.log_prob(torch.randn(2, 16)).detach().exp().sum(1).round()
        (brickwork.Size([5]), brickwork.Size([]), tensor([1., 1.]))
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > (n_classes - 1)
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        kw = {"device": device, "dtype": dtype}
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw), Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        """Reset the head and every tail projection."""
        self.head.reset_parameters()
        for layer in self.tail.modules():
            if isinstance(layer, Linear):
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        tdim = target_.dim()
        if tdim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{tuple(input_.shape)}")
        elif tdim == 0:
            if input_.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{tuple(input_.shape)}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = tdim > 0
        x = input_ if batched else input_.unsqueeze(0)
        t = (target_ if batched else target_.unsqueeze(0)).cpu().numpy().astype(np.int64)
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{t.min()}, {t.max()}] were found. ")
        n = t.shape[0]
        head_index = t.copy()
        output = ops.zeros(n, dtype=x.dtype, device=x.device)
        bounds = [0] + self.cutoffs
        for i in range(1, len(bounds) - 1):
            rows = np.nonzero((t >= bounds[i]) & (t < bounds[i + 1]))[0]
            if rows.size == 0:
                continue
            head_index[rows] = self.shortlist_size + i - 1
            rows_t = ops.tensor(rows, device=x.device)
            logprob = F.log_softmax(self.tail[i - 1](x.index_select(0, rows_t)), dim=1)
            local = logprob.gather(1, ops.tensor(t[rows] - bounds[i], device=x.device).reshape(-1, 1)).reshape(-1)
            output = output.index_add(0, rows_t, local)
        head_logprob = F.log_softmax(self.head(x), dim=1)
        output = output + head_logprob.gather(1, ops.tensor(head_index, device=x.device).reshape(-1, 1)).reshape(-1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, cluster in enumerate(self.tail):
            parts.append(F.log_softmax(cluster(input), dim=1) + head_logprob[:, self.shortlist_size + i:
                                                                             self.shortlist_size + i + 1])
        return ops.cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of every class: (N, n_classes) (or (n_classes,) for an unbatched input).

        Example:
            >>> import brickwork as torch
            >>> torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]).log_prob(torch.randn(8)).shape
            brickwork.Size([10])
        """
        x = input if input.dim() == 2 else input.unsqueeze(0)
        out = self._full_log_prob(x, self.head(x))
        return out if input.dim() == 2 else out.squeeze(0)

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each input: (N,) (or a scalar for an unbatched input).

        Example:
            >>> import brickwork as torch
            >>> torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]).predict(torch.randn(3, 8)).shape
            brickwork.Size([3])
        """
        return self.log_prob(input).argmax(-1)
