"""``brickwork.nn.functional`` (``F``): the math of every layer, as functions with PyTorch's names and signatures.

Each family has a file here with PyTorch's signatures; the primitives (forward, backward and their checks side by
side) live in ``brickwork/ops/``:

========================  ==========================================================================
``_linear``               linear (``ops/linear.py``), bilinear (composed here)
``_conv``                 conv1d, conv2d, conv_transpose1d, conv_transpose2d, unfold, fold (``ops/conv.py``)
``_pool``                 max/avg pooling 1-d and 2-d, adaptive average/max pooling (``ops/pool.py``)
``_norm``                 batch_norm, layer_norm, group_norm, instance_norm (``ops/normalization.py``), normalize
``_activation``           relu, softmax... (tensor ops); gelu, softplus, hardtanh and the named compositions
                          (``ops/activation.py``)
``_dropout``              dropout, dropout1d/2d/3d, alpha_dropout (``ops/dropout.py``)
``_sparse``               embedding, one_hot (``ops/embedding.py``)
``_pad``                  pad (``ops/pad.py``)
``_distance``             cosine_similarity, pairwise_distance (composed here)
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

from ._activation import (
    relu, relu_, relu6, leaky_relu, leaky_relu_, elu, elu_, selu, celu, gelu, silu, mish, sigmoid, tanh, softmax,
    log_softmax, softmin, softplus, hardtanh, hardtanh_, hardsigmoid, hardswish, logsigmoid, softsign, tanhshrink,
    threshold, glu, prelu)
from ._conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, unfold, fold
from ._distance import cosine_similarity, pairwise_distance
from ._dropout import dropout, dropout1d, dropout2d, dropout3d, alpha_dropout
from ._linear import linear, bilinear
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

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish",
    "sigmoid", "tanh", "softmax", "log_softmax", "softmin", "softplus", "hardtanh", "hardtanh_", "hardsigmoid",
    "hardswish", "logsigmoid", "softsign", "tanhshrink", "threshold", "glu", "prelu", "conv1d", "conv2d",
    "conv_transpose1d", "conv_transpose2d", "unfold", "fold", "cosine_similarity", "pairwise_distance", "dropout",
    "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "linear", "bilinear", "batch_norm", "layer_norm",
    "group_norm", "instance_norm", "normalize", "pad", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "embedding", "one_hot",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "scaled_dot_product_attention", "multi_head_attention_forward"]
