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
``_activation_extra``     hardshrink, softshrink, rrelu and the in-place celu_, selu_, threshold_ (composed here)
``_interpolate``          interpolate (all modes), upsample* (separable weight matrices, composed here)
``_conv3d``               conv3d, conv_transpose3d (sums of the 2-d primitives, composed here)
``_pool3d``               3-d pooling, lp_pool1d/2d/3d, max_unpool1d/2d/3d, *_with_indices (composed here)
``_embedding_bag``        embedding_bag (lookup, gather into bags, reduce; composed here)
``_shuffle``              pixel_shuffle, pixel_unshuffle, channel_shuffle (composed here)
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

from . import (_activation, _activation_extra, _attention, _conv, _conv3d, _distance, _dropout, _embedding_bag,
               _interpolate, _linear, _loss, _loss_likelihood, _loss_margin, _norm, _pad, _pool, _pool3d, _shuffle,
               _sparse)
from ._activation import *  # noqa: F401,F403
from ._activation_extra import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._conv3d import *  # noqa: F401,F403
from ._distance import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._embedding_bag import *  # noqa: F401,F403
from ._interpolate import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._loss_likelihood import *  # noqa: F401,F403
from ._loss_margin import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._pad import *  # noqa: F401,F403
from ._pool import *  # noqa: F401,F403
from ._pool3d import *  # noqa: F401,F403
from ._shuffle import *  # noqa: F401,F403
from ._sparse import *  # noqa: F401,F403

__all__: list[str] = []
for _m in (_activation, _conv, _distance, _dropout, _linear, _norm, _pad, _pool, _sparse, _loss, _attention,
           _activation_extra, _interpolate, _shuffle, _loss_margin, _loss_likelihood, _conv3d, _pool3d, _embedding_bag):
    __all__ += _m.__all__
del _m
