"""The layers of ``brickwork.nn``, one family per file; ``brickwork.nn`` re-exports everything listed here.

Lazy forms (``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm2d``, ...) are functions that build the ordinary
layer with ``None`` for the input size; see :mod:`brickwork.nn.lazy`.

Example:
    >>> import brickwork as torch
    >>> net = torch.nn.Sequential(torch.nn.LazyConv2d(6, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...                           torch.nn.Flatten(), torch.nn.LazyLinear(10))
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    brickwork.Size([2, 10])
"""

from __future__ import annotations

import importlib

from . import (activation, activation_piecewise, activation_smooth, adaptive_pooling, batchnorm, batchnorm3d, conv,
               conv3d, conv_transpose, distance, dropout, embedding_bag, flatten, fold, instancenorm, linear,
               normalization, padding, pixelshuffle, pooling, pooling3d, pooling_extra, softmax, sparse, upsampling)
from .activation import *  # noqa: F401,F403
from .activation_piecewise import *  # noqa: F401,F403
from .activation_smooth import *  # noqa: F401,F403
from .adaptive_pooling import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .batchnorm3d import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .conv3d import *  # noqa: F401,F403
from .conv_transpose import *  # noqa: F401,F403
from .distance import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .embedding_bag import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .fold import *  # noqa: F401,F403
from .instancenorm import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .pixelshuffle import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .pooling3d import *  # noqa: F401,F403
from .pooling_extra import *  # noqa: F401,F403
from .softmax import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .upsampling import *  # noqa: F401,F403

__all__: list[str] = []
for _m in (activation, activation_piecewise, activation_smooth, adaptive_pooling, batchnorm, batchnorm3d, conv, conv3d,
           conv_transpose, distance, dropout, embedding_bag, flatten, fold, instancenorm, linear, normalization, padding,
           pixelshuffle, pooling, pooling3d, pooling_extra, softmax, sparse, upsampling):
    __all__ += _m.__all__

# Layer families written by other parts of the project (losses, recurrent, attention) join when present.
for _name in ("loss", "loss_embedding", "loss_likelihood", "rnn", "transformer", "transformer_decoder",
              "transformer_model", "attention"):
    try:
        _m = importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _e:
        if _e.name != f"{__name__}.{_name}":
            raise
        continue
    globals().update({n: getattr(_m, n) for n in _m.__all__})
    __all__ += list(_m.__all__)
del _m, _name
