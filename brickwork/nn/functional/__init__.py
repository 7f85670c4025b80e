"""``brickwork.nn.functional`` (``F``): the math of every layer, as functions with PyTorch's names and signatures.

Where each family lives (one file per family, each with its forward and backward side by side):

========================  ==========================================================================
``_linear``               linear, bilinear
``_conv``                 conv1d, conv2d, conv_transpose1d, conv_transpose2d, unfold, fold
``_pool``                 max/avg pooling 1-d and 2-d, adaptive average/max pooling
``_norm``                 batch_norm, layer_norm, group_norm, instance_norm, normalize
``_activation``           relu, gelu, softmax, softplus, hardtanh and the other activations
``_activation_extra``     hardshrink, softshrink, rrelu and the in-place spellings celu_, selu_, threshold_
``_interpolate``          interpolate (nearest, linear, bilinear, bicubic, trilinear, area), upsample*
``_shuffle``              pixel_shuffle, pixel_unshuffle, channel_shuffle
``_dropout``              dropout, dropout1d/2d/3d, alpha_dropout, feature_alpha_dropout
``_sparse``               embedding, one_hot
``_pad``                  pad
``_distance``             cosine_similarity, pairwise_distance
``.._functional_loss``    losses (mse_loss, cross_entropy, ...)
``_loss_margin``          triplet, cosine embedding, margin ranking, hinge, multi-(label) margin, soft margin losses
``_loss_likelihood``      poisson_nll_loss, gaussian_nll_loss, ctc_loss
``.._functional_attention``  scaled_dot_product_attention, multi_head_attention_forward
========================  ==========================================================================

Example:
    >>> import brickwork as torch
    >>> import brickwork.nn.functional as F
    >>> F.relu(F.linear(torch.ones(1, 2), torch.ones(3, 2), torch.tensor([-3.0, 0.0, 1.0])))
    tensor([[0., 2., 3.]])
"""

from __future__ import annotations

import importlib

from . import (_activation, _activation_extra, _conv, _distance, _dropout, _interpolate, _linear, _norm, _pad, _pool,
               _shuffle, _sparse)
from ._activation import *  # noqa: F401,F403
from ._activation_extra import *  # noqa: F401,F403
from ._conv import *  # noqa: F401,F403
from ._distance import *  # noqa: F401,F403
from ._dropout import *  # noqa: F401,F403
from ._interpolate import *  # noqa: F401,F403
from ._linear import *  # noqa: F401,F403
from ._norm import *  # noqa: F401,F403
from ._pad import *  # noqa: F401,F403
from ._pool import *  # noqa: F401,F403
from ._shuffle import *  # noqa: F401,F403
from ._sparse import *  # noqa: F401,F403

__all__: list[str] = []
for _m in (_activation, _activation_extra, _conv, _distance, _dropout, _interpolate, _linear, _norm, _pad, _pool, _shuffle,
           _sparse):
    __all__ += _m.__all__

# Families written elsewhere in brickwork.nn (losses, attention) join F here when present.
for _name in ("_functional_loss", "_functional_attention"):
    try:
        _m = importlib.import_module(f"brickwork.nn.{_name}")
    except ModuleNotFoundError as _e:
        if _e.name != f"brickwork.nn.{_name}":
            raise
        continue
    _public = getattr(_m, "__all__", None) or [n for n, v in vars(_m).items() if not n.startswith("_") and
                                                 getattr(v, "__module__", None) == _m.__name__]
    globals().update({n: getattr(_m, n) for n in _public})
    __all__ += list(_public)
del _m, _name

# Losses beyond ``_functional_loss``'s (they import its helpers, so they join after it).
from . import _loss_likelihood, _loss_margin  # noqa: E402
from ._loss_likelihood import *  # noqa: F401,F403,E402
from ._loss_margin import *  # noqa: F401,F403,E402

__all__ += _loss_margin.__all__ + _loss_likelihood.__all__
