"""The neural-network ops that torch also exposes at top level (``torch.conv2d``, ``torch.dropout``...), with the
signatures of torch's top-level names.

These are ATen's schemas, which differ from ``torch.nn.functional``'s: arguments are positional and often
required (``torch.dropout(input, p, train)``, ``torch.batch_norm(input, weight, bias, running_mean, running_var,
training, momentum, eps, cudnn_enabled)``), reductions are numbers (0 none, 1 mean, 2 sum), ``torch.embedding``
takes the weight first, and the ``*_with_indices``/``adaptive_max_pool1d`` forms return (values, indices).
Where the signature is the same, the name is the functional itself. Each one computes through
`brickwork.nn.functional`; ``cudnn_enabled`` flags are accepted and ignored. Loaded on first use by
``brickwork.__getattr__``, so that ``import brickwork`` does not import ``nn``.

Example:
    >>> import brickwork as torch
    >>> torch.dropout(torch.ones(3), 0.5, False), torch.selu(torch.zeros(1))
    (tensor([1., 1., 1.]), tensor([0.]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import ops
from ._errors import op_error
from ._tensor import Tensor
from .nn import functional as F
from .nn._functional_rnn import activation_for, gru_step, lstm_step, recurrent_layer
from .nn.functional._conv import conv_tbc
from .nn.functional._grid import affine_grid_generator, grid_sampler
from .ops.dropout import feature_dropout
from .ops.loss import apply_reduction

__all__ = [
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "affine_grid_generator", "alpha_dropout", "alpha_dropout_",
    "avg_pool1d", "batch_norm", "bilinear", "binary_cross_entropy_with_logits", "celu", "celu_", "channel_shuffle",
    "constant_pad_nd", "conv1d", "conv2d", "conv3d", "conv_tbc", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "convolution", "cosine_embedding_loss", "cosine_similarity", "ctc_loss", "dropout",
    "dropout_", "embedding", "feature_alpha_dropout", "feature_alpha_dropout_", "feature_dropout",
    "feature_dropout_", "grid_sampler", "grid_sampler_2d", "grid_sampler_3d", "group_norm", "gru", "gru_cell",
    "hardshrink", "hinge_embedding_loss", "instance_norm", "kl_div", "layer_norm", "lstm", "lstm_cell",
    "margin_ranking_loss", "max_pool1d", "max_pool1d_with_indices", "max_pool2d", "max_pool3d", "norm_except_dim",
    "pairwise_distance", "pdist", "pixel_shuffle", "pixel_unshuffle", "poisson_nll_loss", "prelu", "rms_norm",
    "rnn_relu", "rnn_relu_cell", "rnn_tanh", "rnn_tanh_cell", "rrelu", "rrelu_", "selu", "selu_", "threshold",
    "threshold_", "triplet_margin_loss"]

# the same signature at top level as in nn.functional
adaptive_avg_pool1d, bilinear, channel_shuffle = F.adaptive_avg_pool1d, F.bilinear, F.channel_shuffle
conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d, conv_transpose3d = F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d
cosine_similarity, pairwise_distance, pdist = F.cosine_similarity, F.pairwise_distance, F.pdist
hardshrink, pixel_shuffle, pixel_unshuffle, prelu = F.hardshrink, F.pixel_shuffle, F.pixel_unshuffle, F.prelu

_Ints = int | Sequence[int]  # a size given once for every spatial dimension, or per dimension
_REDUCTIONS = ("none", "mean", "sum")
# The losses' ``reduction`` defaults to 0 (none): torch's schemas say ``reduction=Mean``, but its Python bindings
# give no reduction when the argument is left out (``torch.kl_div(a, b).shape == a.shape``), and that is matched.


def _reduction(reduction: int) -> str:
    """ATen's reduction number as nn.functional's string."""
    if reduction not in (0, 1, 2):
        raise op_error(RuntimeError, "reduction", f"expected 0 (none), 1 (mean) or 2 (sum), got {reduction!r}")
    return _REDUCTIONS[reduction]


# -- convolutions ------------------------------------------------------------------------------------------

def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: _Ints, padding: _Ints,
                dilation: _Ints, transposed: bool, output_padding: _Ints, groups: int) -> Tensor:
    """The convolution of any rank (1-d to 3-d, from ``weight``'s), plain or transposed.

    Example:
        >>> import brickwork as torch
        >>> torch.convolution(torch.ones(1, 1, 3), torch.ones(1, 1, 2), None, [1], [0], [1], False, [0], 1)
        tensor([[[2., 2.]]])
    """
    nd = weight.dim() - 2
    if nd not in (1, 2, 3):
        raise op_error(RuntimeError, "convolution", f"expected a 3-d to 5-d weight, got shape {tuple(weight.shape)}")
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    return (F.conv1d, F.conv2d, F.conv3d)[nd - 1](input, weight, bias, stride, padding, dilation, groups)


# -- dropout -----------------------------------------------------------------------------------------------

def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """`brickwork.nn.functional.dropout` with ``p`` and ``train`` required.

    Example:
        >>> import brickwork as torch
        >>> torch.dropout(torch.ones(2), 0.5, False)
        tensor([1., 1.])
    """
    return F.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place `dropout`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.ones(2); _ = torch.dropout_(x, 1.0, True); x
        tensor([0., 0.])
    """
    return F.dropout(input, p, train, True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """`brickwork.nn.functional.alpha_dropout` with ``p`` and ``train`` required.

    Example:
        >>> import brickwork as torch
        >>> torch.alpha_dropout(torch.ones(2), 0.5, False)
        tensor([1., 1.])
    """
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place `alpha_dropout`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.ones(2); _ = torch.alpha_dropout_(x, 0.5, False); x
        tensor([1., 1.])
    """
    return F.alpha_dropout(input, p, train, True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """`brickwork.nn.functional.feature_alpha_dropout` with ``p`` and ``train`` required.

    Example:
        >>> import brickwork as torch
        >>> torch.feature_alpha_dropout(torch.ones(1, 2), 0.5, False)
        tensor([[1., 1.]])
    """
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place `feature_alpha_dropout`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.ones(1, 2); _ = torch.feature_alpha_dropout_(x, 0.5, False); x
        tensor([[1., 1.]])
    """
    return F.feature_alpha_dropout(input, p, train, True)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place `feature_dropout`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.ones(2, 3); _ = torch.feature_dropout_(x, 1.0, True); x
        tensor([[0., 0., 0.],
                [0., 0., 0.]])
    """
    return feature_dropout(input, p, train, True)


# -- activations -------------------------------------------------------------------------------------------

def selu(input: Tensor) -> Tensor:
    """`brickwork.nn.functional.selu`.

    Example:
        >>> import brickwork as torch
        >>> torch.selu(torch.tensor([1.0]))
        tensor([1.0507])
    """
    return F.selu(input)


def selu_(input: Tensor) -> Tensor:
    """In-place `selu`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([1.0]); _ = torch.selu_(x); x
        tensor([1.0507])
    """
    return F.selu(input, True)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """`brickwork.nn.functional.celu`.

    Example:
        >>> import brickwork as torch
        >>> torch.celu(torch.tensor([-1.0]))
        tensor([-0.6321])
    """
    return F.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place `celu`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([-1.0]); _ = torch.celu_(x); x
        tensor([-0.6321])
    """
    return F.celu(input, alpha, True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator: ops.Generator | None = None) -> Tensor:
    """`brickwork.nn.functional.rrelu` (``generator`` must be None: slopes come from the default generator).

    Example:
        >>> import brickwork as torch
        >>> torch.rrelu(torch.tensor([-24.0, 1.0]))
        tensor([-5.5000,  1.0000])
    """
    _default_generator_only("rrelu", generator)
    return F.rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator: ops.Generator | None = None) -> Tensor:
    """In-place `rrelu`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([-24.0, 1.0]); _ = torch.rrelu_(x); x
        tensor([-5.5000,  1.0000])
    """
    _default_generator_only("rrelu_", generator)
    return F.rrelu(input, lower, upper, training, True)


def _default_generator_only(op: str, generator: Any) -> None:
    if generator is not None and generator is not ops.default_generator:
        raise op_error(NotImplementedError, op, "a generator other than the default one is not supported; "
                       "seed the default generator with torch.manual_seed instead")


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    """`brickwork.nn.functional.threshold`.

    Example:
        >>> import brickwork as torch
        >>> torch.threshold(torch.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    return F.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place `threshold`.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([0.5, 2.0]); _ = torch.threshold_(x, 1.0, -1.0); x
        tensor([-1.,  2.])
    """
    return F.threshold(input, threshold, value, True)


# -- normalization, embedding, padding ---------------------------------------------------------------------

def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
               running_var: Tensor | None, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool) -> Tensor:
    """`brickwork.nn.functional.batch_norm` in ATen's argument order, every argument required.

    Example:
        >>> import brickwork as torch
        >>> torch.batch_norm(torch.tensor([[1.0], [3.0]]), None, None, None, None, True, 0.1, 0.0, False)
        tensor([[-1.],
                [ 1.]])
    """
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                  running_var: Tensor | None, use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    """`brickwork.nn.functional.instance_norm` in ATen's argument order, every argument required.

    Example:
        >>> import brickwork as torch
        >>> torch.instance_norm(torch.tensor([[[1.0, 3.0]]]), None, None, None, None, True, 0.1, 0.0, False)
        tensor([[[-1.,  1.]]])
    """
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-05, cudnn_enable: bool = True) -> Tensor:
    """`brickwork.nn.functional.layer_norm` (``cudnn_enable`` is ignored).

    Example:
        >>> import brickwork as torch
        >>> torch.layer_norm(torch.tensor([[1.0, 3.0]]), [2], eps=0.0)
        tensor([[-1.,  1.]])
    """
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-05, cudnn_enabled: bool = True) -> Tensor:
    """`brickwork.nn.functional.group_norm` (``cudnn_enabled`` is ignored).

    Example:
        >>> import brickwork as torch
        >>> torch.group_norm(torch.tensor([[[1.0], [3.0]]]), 1, eps=0.0)
        tensor([[[-1.],
                 [ 1.]]])
    """
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """`brickwork.nn.functional.rms_norm`.

    Example:
        >>> import brickwork as torch
        >>> torch.rms_norm(torch.tensor([[3.0, 4.0]]), [2], eps=0.0)
        tensor([[0.8485, 1.1314]])
    """
    return F.rms_norm(input, normalized_shape, weight, eps)


def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at ``indices`` (weight first; ``padding_idx=-1`` means none).

    Example:
        >>> import brickwork as torch
        >>> torch.embedding(torch.tensor([[0.0], [10.0]]), torch.tensor([1, 1, 0]))
        tensor([[10.],
                [10.],
                [ 0.]])
    """
    return F.embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:
    """`brickwork.nn.functional.pad` in constant mode.

    Example:
        >>> import brickwork as torch
        >>> torch.constant_pad_nd(torch.ones(2), [1, 0], 5.0)
        tensor([5., 1., 1.])
    """
    return F.pad(input, tuple(pad), "constant", value)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of ``v`` over every dimension but ``dim``, shaped to broadcast against ``v``.

    ``dim=-1`` gives the norm of the whole tensor.

    Example:
        >>> import brickwork as torch
        >>> torch.norm_except_dim(torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
        tensor([[5.],
                [1.]])
    """
    if dim == -1:
        return v.norm(pow)
    dims = [d for d in range(v.dim()) if d != dim % v.dim()]
    return v.norm(pow, dims, keepdim=True)


# -- pooling -----------------------------------------------------------------------------------------------

def max_pool1d(input: Tensor, kernel_size: _Ints, stride: _Ints = (), padding: _Ints = 0,
               dilation: _Ints = 1, ceil_mode: bool = False) -> Tensor:
    """`brickwork.nn.functional.max_pool1d` (an empty ``stride`` means ``kernel_size``).

    Example:
        >>> import brickwork as torch
        >>> torch.max_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        tensor([[3., 2.]])
    """
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size: _Ints, stride: _Ints = (), padding: _Ints = 0,
               dilation: _Ints = 1, ceil_mode: bool = False) -> Tensor:
    """`brickwork.nn.functional.max_pool2d` (an empty ``stride`` means ``kernel_size``).

    Example:
        >>> import brickwork as torch
        >>> torch.max_pool2d(torch.arange(4.0).reshape(1, 2, 2), 2)
        tensor([[[3.]]])
    """
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size: _Ints, stride: _Ints = (), padding: _Ints = 0,
               dilation: _Ints = 1, ceil_mode: bool = False) -> Tensor:
    """`brickwork.nn.functional.max_pool3d` (an empty ``stride`` means ``kernel_size``).

    Example:
        >>> import brickwork as torch
        >>> torch.max_pool3d(torch.arange(8.0).reshape(1, 2, 2, 2), 2)
        tensor([[[[7.]]]])
    """
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input: Tensor, kernel_size: _Ints, stride: _Ints = (),
                            padding: _Ints = 0, dilation: _Ints = 1,
                            ceil_mode: bool = False) -> tuple[Tensor, Tensor]:
    """`max_pool1d` and the flat indices of the maxima.

    Example:
        >>> import brickwork as torch
        >>> torch.max_pool1d_with_indices(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    out, index = F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)
    return out, index


def _stride(stride: Any) -> Any:
    return None if isinstance(stride, (tuple, list)) and len(stride) == 0 else stride


def avg_pool1d(input: Tensor, kernel_size: _Ints, stride: _Ints = (), padding: _Ints = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """`brickwork.nn.functional.avg_pool1d` (an empty ``stride`` means ``kernel_size``).

    Example:
        >>> import brickwork as torch
        >>> torch.avg_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        tensor([[2., 1.]])
    """
    return F.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


def adaptive_max_pool1d(input: Tensor, output_size: _Ints) -> tuple[Tensor, Tensor]:
    """`brickwork.nn.functional.adaptive_max_pool1d`'s values and indices.

    Example:
        >>> import brickwork as torch
        >>> torch.adaptive_max_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    out, index = F.adaptive_max_pool1d(input, output_size, True)
    return out, index


# -- losses (reductions as numbers) ------------------------------------------------------------------------

def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None, reduction: int = 0) -> Tensor:
    """`brickwork.nn.functional.binary_cross_entropy_with_logits` (``reduction`` 0 none, 1 mean, 2 sum).

    Example:
        >>> import brickwork as torch
        >>> torch.binary_cross_entropy_with_logits(torch.zeros(2), torch.ones(2), reduction=1)
        tensor(0.6931)
    """
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """`brickwork.nn.functional.kl_div`; ``reduction=1`` is the mean over all elements, the default 0 none.

    Example:
        >>> import brickwork as torch
        >>> torch.kl_div(torch.zeros(2), torch.ones(2)), torch.kl_div(torch.zeros(2), torch.ones(2), 2)
        (tensor([0., 0.]), tensor(0.))
    """
    return apply_reduction(F.kl_div(input, target, reduction="none", log_target=log_target), _reduction(reduction))


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """`brickwork.nn.functional.margin_ranking_loss` (``reduction`` 0 none, 1 mean, 2 sum).

    Example:
        >>> import brickwork as torch
        >>> torch.margin_ranking_loss(torch.tensor([1.0]), torch.tensor([2.0]), torch.tensor([1.0]))
        tensor([1.])
    """
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0) -> Tensor:
    """`brickwork.nn.functional.hinge_embedding_loss` (``reduction`` 0 none, 1 mean, 2 sum).

    Example:
        >>> import brickwork as torch
        >>> torch.hinge_embedding_loss(torch.tensor([0.3]), torch.tensor([-1.0]))
        tensor([0.7000])
    """
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-06, swap: bool = False, reduction: int = 0) -> Tensor:
    """`brickwork.nn.functional.triplet_margin_loss` (``reduction`` 0 none, 1 mean, 2 sum).

    Example:
        >>> import brickwork as torch
        >>> torch.triplet_margin_loss(torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1, 2), eps=0.0)
        tensor([1.])
    """
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction))


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """`brickwork.nn.functional.cosine_embedding_loss` (``reduction`` 0 none, 1 mean, 2 sum).

    Example:
        >>> import brickwork as torch
        >>> torch.cosine_embedding_loss(torch.ones(1, 2), torch.ones(1, 2), torch.tensor([1.0]))
        tensor([0.])
    """
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:
    """`brickwork.nn.functional.poisson_nll_loss` with every argument required (``reduction`` as a number).

    Example:
        >>> import brickwork as torch
        >>> torch.poisson_nll_loss(torch.zeros(2), torch.ones(2), True, False, 1e-8, 1)
        tensor(1.)
    """
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any, blank: int = 0,
             reduction: int = 0, zero_infinity: bool = False) -> Tensor:
    """`brickwork.nn.functional.ctc_loss` (``reduction`` 0 none, 1 mean, 2 sum; the loss of each sequence by default).

    Example:
        >>> import brickwork as torch
        >>> lp = torch.zeros(2, 1, 2).log_softmax(-1)
        >>> torch.ctc_loss(lp, torch.tensor([[1]]), [2], [1], reduction=2)
        tensor(0.2877)
    """
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
                      zero_infinity)


# -- sampling grids ----------------------------------------------------------------------------------------

def grid_sampler_2d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """`grid_sampler` of a 4-d input.

    Example:
        >>> import brickwork as torch
        >>> torch.grid_sampler_2d(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 1, 2), 0, 0, False)
        tensor([[[[1.]]]])
    """
    if input.dim() != 4:
        raise op_error(RuntimeError, "grid_sampler_2d", f"expected a 4-d input, got shape {tuple(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                    align_corners: bool) -> Tensor:
    """`grid_sampler` of a 5-d input.

    Example:
        >>> import brickwork as torch
        >>> torch.grid_sampler_3d(torch.ones(1, 1, 2, 2, 2), torch.zeros(1, 1, 1, 1, 3), 0, 0, False)
        tensor([[[[[1.]]]]])
    """
    if input.dim() != 5:
        raise op_error(RuntimeError, "grid_sampler_3d", f"expected a 5-d input, got shape {tuple(input.shape)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


# -- whole recurrent networks from flat weight lists -------------------------------------------------------

def _stacked(mode: str, input: Tensor, h0: Tensor, c0: Tensor | None, params: Sequence[Tensor], has_biases: bool,
             num_layers: int, dropout: float, train: bool, bidirectional: bool,
             batch_first: bool) -> tuple[Tensor, Tensor, Tensor | None]:
    """The layers of an RNN/GRU/LSTM from ATen's flat ``params``.

    Per layer and direction: ``w_ih, w_hh``, then ``b_ih, b_hh`` with biases, then ``w_hr`` with projections.
    """
    dirs = 2 if bidirectional else 1
    per = len(params) // (num_layers * dirs) if num_layers * dirs else 0
    if input.dim() != 3 or per * num_layers * dirs != len(params) or per not in ((4, 5) if has_biases else (2, 3)):
        raise op_error(RuntimeError, mode.lower(), f"expected a 3-d input and {num_layers * dirs} groups of "
                       f"{'4 or 5' if has_biases else '2 or 3'} weights, got input shape {tuple(input.shape)} and "
                       f"{len(params)} weights")
    act = activation_for("relu" if mode == "RNN_RELU" else "tanh", mode.lower())
    x = input.transpose(0, 1) if batch_first else input
    hs: list[Tensor] = []
    cs: list[Tensor] = []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            i = layer * dirs + d
            w = list(params[i * per:(i + 1) * per])
            weights = (w[0], w[1], w[2], w[3], *w[4:]) if has_biases else (w[0], w[1], None, None, *w[2:])
            out, h, c = recurrent_layer("RNN" if mode.startswith("RNN") else mode, x, h0[i],
                                        None if c0 is None else c0[i], weights, d == 1, act)
            outs.append(out)
            hs.append(h)
            if c is not None:
                cs.append(c)
        x = outs[0] if dirs == 1 else ops.cat(outs, -1)
        if dropout and train and layer < num_layers - 1:
            x = F.dropout(x, dropout, True)
    out = x.transpose(0, 1) if batch_first else x
    return out, ops.stack(hs, 0), None if c0 is None else ops.stack(cs, 0)


def lstm(input: Tensor, hx: Sequence[Tensor], params: Sequence[Tensor], has_biases: bool, num_layers: int,
         dropout: float, train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor, Tensor]:
    """A stacked LSTM from flat weights: ``(output, h_n, c_n)``; ``hx`` is ``[h_0, c_0]``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LSTM(3, 2)
        >>> out, h, c = torch.lstm(torch.randn(4, 1, 3), [torch.zeros(1, 1, 2)] * 2, m._flat_weights, True, 1,
        ...                        0.0, False, False, False)
        >>> out.shape, h.shape, c.shape
        (brickwork.Size([4, 1, 2]), brickwork.Size([1, 1, 2]), brickwork.Size([1, 1, 2]))
    """
    out, h, c = _stacked("LSTM", input, hx[0], hx[1], params, has_biases, num_layers, dropout, train, bidirectional,
                         batch_first)
    return out, h, c  # type: ignore[return-value]  # c is a tensor when c0 is


def gru(input: Tensor, hx: Tensor, params: Sequence[Tensor], has_biases: bool, num_layers: int, dropout: float,
        train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor]:
    """A stacked GRU from flat weights: ``(output, h_n)``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.GRU(3, 2)
        >>> out, h = torch.gru(torch.randn(4, 1, 3), torch.zeros(1, 1, 2), m._flat_weights, True, 1, 0.0, False,
        ...                    False, False)
        >>> out.shape, h.shape
        (brickwork.Size([4, 1, 2]), brickwork.Size([1, 1, 2]))
    """
    out, h, _ = _stacked("GRU", input, hx, None, params, has_biases, num_layers, dropout, train, bidirectional,
                         batch_first)
    return out, h


def rnn_tanh(input: Tensor, hx: Tensor, params: Sequence[Tensor], has_biases: bool, num_layers: int, dropout: float,
             train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor]:
    """A stacked tanh RNN from flat weights: ``(output, h_n)``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.RNN(3, 2)
        >>> out, h = torch.rnn_tanh(torch.randn(4, 1, 3), torch.zeros(1, 1, 2), m._flat_weights, True, 1, 0.0,
        ...                         False, False, False)
        >>> out.shape
        brickwork.Size([4, 1, 2])
    """
    out, h, _ = _stacked("RNN_TANH", input, hx, None, params, has_biases, num_layers, dropout, train, bidirectional,
                         batch_first)
    return out, h


def rnn_relu(input: Tensor, hx: Tensor, params: Sequence[Tensor], has_biases: bool, num_layers: int, dropout: float,
             train: bool, bidirectional: bool, batch_first: bool) -> tuple[Tensor, Tensor]:
    """A stacked ReLU RNN from flat weights: ``(output, h_n)``.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.RNN(3, 2, nonlinearity="relu")
        >>> out, h = torch.rnn_relu(torch.randn(4, 1, 3), torch.zeros(1, 1, 2), m._flat_weights, True, 1, 0.0,
        ...                         False, False, False)
        >>> out.shape
        brickwork.Size([4, 1, 2])
    """
    out, h, _ = _stacked("RNN_RELU", input, hx, None, params, has_biases, num_layers, dropout, train, bidirectional,
                         batch_first)
    return out, h


# -- single recurrent steps --------------------------------------------------------------------------------

def lstm_cell(input: Tensor, hx: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step from explicit weights: ``(h', c')`` from ``input`` and ``hx = [h, c]``.

    Example:
        >>> import brickwork as torch
        >>> h, c = torch.lstm_cell(torch.ones(1, 2), [torch.zeros(1, 3)] * 2, torch.zeros(12, 2), torch.zeros(12, 3))
        >>> h
        tensor([[0., 0., 0.]])
    """
    gi = F.linear(input, w_ih, b_ih)
    return lstm_step(gi if b_hh is None else gi + b_hh, hx[0], hx[1], w_hh.t(), None)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step from explicit weights: ``h'`` from ``input`` and ``hx``.

    Example:
        >>> import brickwork as torch
        >>> torch.gru_cell(torch.ones(1, 2), torch.ones(1, 3), torch.zeros(9, 2), torch.zeros(9, 3))
        tensor([[0.5000, 0.5000, 0.5000]])
    """
    return gru_step(F.linear(input, w_ih, b_ih), hx, w_hh.t(), b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One tanh RNN step from explicit weights: ``tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh)``.

    Example:
        >>> import brickwork as torch
        >>> torch.rnn_tanh_cell(torch.ones(1, 2), torch.zeros(1, 1), torch.ones(1, 2), torch.ones(1, 1))
        tensor([[0.9640]])
    """
    return (F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """One ReLU RNN step from explicit weights: ``relu(input W_ih^T + b_ih + hx W_hh^T + b_hh)``.

    Example:
        >>> import brickwork as torch
        >>> torch.rnn_relu_cell(torch.ones(1, 2), torch.zeros(1, 1), torch.ones(1, 2), torch.ones(1, 1))
        tensor([[2.]])
    """
    return (F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh)).relu()
