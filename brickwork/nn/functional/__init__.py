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

from . import _activation, _attention, _conv, _distance, _dropout, _linear, _loss, _norm, _pad, _pool, _sparse
from ._activation import *  # noqa: F401,F403
from ._attention import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._distance import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._loss import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._pad import *  # noqa: F401,F403
from ._pool import *  # noqa: F401,F403
from ._sparse import *  # noqa: F401,F403

__all__: list[str] = []
for _m in (_activation, _conv, _distance, _dropout, _linear, _norm, _pad, _pool, _sparse, _loss, _attention):
    __all__ += _m.__all__
del _m
