"""``brickwork.nn.functional`` (``F``): the math of every layer, as functions with PyTorch's names and signatures.

Each family has a file here with PyTorch's signatures; the primitives (forward, backward and their checks side by
side) live in ``brickwork/ops/``:

========================  ==========================================================================
``_linear``               linear (``ops/linear.py``), bilinear, grouped_mm (composed here)
``_conv``                 conv1d, conv2d, conv_transpose1d, conv_transpose2d, unfold, fold (``ops/conv.py``)
``_pool``                 max/avg pooling 1-d and 2-d, adaptive average/max pooling (``ops/pool.py``)
``_norm``                 batch_norm, layer_norm, group_norm, instance_norm (``ops/normalization.py``), normalize
``_activation``           relu, softmax... (tensor ops); gelu, softplus, hardtanh and the named compositions
                          (``ops/activation.py``)
``_dropout``              dropout, dropout1d/2d/3d, alpha_dropout (``ops/dropout.py``)
``_sparse``               embedding, one_hot (``ops/embedding.py``)
``_pad``                  pad (``ops/pad.py``)
``_distance``             cosine_similarity, pairwise_distance (composed here)
``_activation_extra``     hardshrink, softshrink, rrelu and the in-place celu_, selu_, threshold_ (composed here)
``_interpolate``          interpolate (all modes), upsample* (separable weight matrices, composed here)
``_shuffle``              pixel_shuffle, pixel_unshuffle, channel_shuffle (composed here)
``_conv3d``               conv3d, conv_transpose3d (sums of the 2-d primitives, composed here)
``_pool3d``               3-d pooling, lp_pool1d/2d/3d, max_unpool1d/2d/3d, *_with_indices (composed here)
``_embedding_bag``        embedding_bag (lookup, gather into bags, reduce; composed here)
``_norm_extra``           rms_norm, local_response_norm (composed here)
``_fractional``           fractional_max_pool2d/3d (gathers at PyTorch's pseudo-random offsets; composed here)
``_grid``                 affine_grid, grid_sample (a matrix product; floors, gathers and weights; composed here)
``_loss_margin``          triplet, cosine embedding, margin ranking, hinge, multi-(label) margin, soft margin losses
``_loss_likelihood``      poisson_nll_loss, gaussian_nll_loss, ctc_loss (``ops/ctc.py``)
``_loss``                 losses: mse_loss, cross_entropy, ... (``ops/loss.py``)
``_attention``            scaled_dot_product_attention, multi_head_attention_forward (``ops/attention.py``)
========================  ==========================================================================

Example:
    >>> import brickwork as torch
    >>> import brickwork.nn.functional as F
    >>> F.relu(F.linear(torch.ones(1, 2), torch.ones(3, 2), torch.tensor([-3.0, 0.0, 1.0])))
    tensor([[0., 2., 3.]])
"""

from __future__ import annotations

from ..._tensor import Tensor
from ._activation import (
    relu, relu_, relu6, leaky_relu, leaky_relu_, elu, elu_, selu, celu, gelu, silu, mish, sigmoid, tanh, softmax,
    log_softmax, softmin, softplus, hardtanh, hardtanh_, hardsigmoid, hardswish, logsigmoid, softsign, tanhshrink,
    threshold, glu, prelu)
from ._conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, unfold, fold, conv_tbc
from ._distance import cosine_similarity, pairwise_distance, pdist
from ._dropout import dropout, dropout1d, dropout2d, dropout3d, alpha_dropout, feature_alpha_dropout
from ._linear import linear, bilinear, grouped_mm
from ._norm import batch_norm, layer_norm, group_norm, instance_norm, normalize
from ._pad import pad
from ._pool import (
    max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
    adaptive_max_pool2d)
from ._sparse import embedding, one_hot
from ._loss import (
    mse_loss, l1_loss, smooth_l1_loss, huber_loss, cross_entropy, nll_loss, binary_cross_entropy,
    binary_cross_entropy_with_logits, kl_div)
from ._attention import scaled_dot_product_attention, multi_head_attention_forward

from ._activation_extra import hardshrink, softshrink, rrelu, rrelu_, celu_, selu_, threshold_, gumbel_softmax
from ._conv3d import conv3d, conv_transpose3d
from ._embedding_bag import embedding_bag
from ._interpolate import interpolate, upsample, upsample_nearest, upsample_bilinear
from ._loss_likelihood import poisson_nll_loss, gaussian_nll_loss, ctc_loss
from ._loss_margin import (
    triplet_margin_loss, triplet_margin_with_distance_loss, cosine_embedding_loss, margin_ranking_loss,
    hinge_embedding_loss, multi_margin_loss, multilabel_margin_loss, soft_margin_loss, multilabel_soft_margin_loss)
from ._pool3d import (
    max_pool3d, avg_pool3d, adaptive_avg_pool3d, adaptive_max_pool3d, lp_pool1d, lp_pool2d, lp_pool3d, max_unpool1d,
    max_unpool2d, max_unpool3d, max_pool1d_with_indices, max_pool2d_with_indices, max_pool3d_with_indices,
    adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices, adaptive_max_pool3d_with_indices)
from ._shuffle import pixel_shuffle, pixel_unshuffle, channel_shuffle, native_channel_shuffle
from ._norm_extra import rms_norm, local_response_norm
from ._fractional import (
    fractional_max_pool2d, fractional_max_pool2d_with_indices, fractional_max_pool3d, fractional_max_pool3d_with_indices)
from ._grid import affine_grid, grid_sample
from ._linear_cross_entropy import linear_cross_entropy

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish",
    "sigmoid", "tanh", "softmax", "log_softmax", "softmin", "softplus", "hardtanh", "hardtanh_", "hardsigmoid",
    "hardswish", "logsigmoid", "softsign", "tanhshrink", "threshold", "glu", "prelu", "conv1d", "conv2d",
    "conv_transpose1d", "conv_transpose2d", "unfold", "fold", "cosine_similarity", "pairwise_distance", "dropout",
    "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "linear", "bilinear", "batch_norm", "layer_norm",
    "group_norm", "instance_norm", "normalize", "pad", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "embedding", "one_hot",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "scaled_dot_product_attention", "multi_head_attention_forward",
    "feature_alpha_dropout", "hardshrink", "softshrink", "rrelu", "rrelu_", "celu_", "selu_", "threshold_", "conv3d",
    "conv_transpose3d", "embedding_bag", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
    "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
    "cosine_embedding_loss", "margin_ranking_loss", "hinge_embedding_loss", "multi_margin_loss",
    "multilabel_margin_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "max_pool3d", "avg_pool3d",
    "adaptive_avg_pool3d", "adaptive_max_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d",
    "max_unpool3d", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle",
    "rms_norm", "local_response_norm",
    "fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
    "fractional_max_pool3d_with_indices", "affine_grid", "grid_sample", "linear_cross_entropy", "gumbel_softmax",
    "conv_tbc", "pdist", "grouped_mm", "Tensor"]
