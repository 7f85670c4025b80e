"""Neural-network building blocks: :class:`Module`, parameters, containers, initializers, utilities and layers.

Example:
    >>> import brickwork as torch
    >>> class Affine(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = torch.nn.Parameter(torch.ones(2))
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> Affine()(torch.ones(2)).shape
    brickwork.Size([2])
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import init, lazy, parameter, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .hooks import RemovableHandle
from .module import Module
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = ["Module", "Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "Sequential",
           "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "init", "utils",
           "lazy", "parameter"]


def _optional(name: str) -> Any:
    """Import a sibling written by another part of the project; absent (not broken) only if the file is missing."""
    import importlib

    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
        return None


functional = _optional("functional")
_modules = _optional("modules")
if _modules is not None:
    from .modules import *  # noqa: F401,F403

    __all__ += list(getattr(_modules, "__all__", []))
del _modules

if TYPE_CHECKING:  # type checkers cannot follow the computed ``__all__`` of .modules: name the layer families
    from .modules.activation import *  # noqa: F401,F403
    from .modules.activation_piecewise import *  # noqa: F401,F403
    from .modules.activation_smooth import *  # noqa: F401,F403
    from .modules.distance import *  # noqa: F401,F403
    from .modules.fold import *  # noqa: F401,F403
    from .modules.instancenorm import *  # noqa: F401,F403
    from .modules.padding import *  # noqa: F401,F403
    from .modules.pixelshuffle import *  # noqa: F401,F403
    from .modules.upsampling import *  # noqa: F401,F403
    from .modules.batchnorm3d import *  # noqa: F401,F403
    from .modules.conv3d import *  # noqa: F401,F403
    from .modules.embedding_bag import *  # noqa: F401,F403
    from .modules.pooling3d import *  # noqa: F401,F403
    from .modules.pooling_extra import *  # noqa: F401,F403
    from .modules.adaptive_pooling import *  # noqa: F401,F403
    from .modules.batchnorm import *  # noqa: F401,F403
    from .modules.conv import *  # noqa: F401,F403
    from .modules.conv_transpose import *  # noqa: F401,F403
    from .modules.dropout import *  # noqa: F401,F403
    from .modules.flatten import *  # noqa: F401,F403
    from .modules.linear import *  # noqa: F401,F403
    from .modules.normalization import *  # noqa: F401,F403
    from .modules.pooling import *  # noqa: F401,F403
    from .modules.softmax import *  # noqa: F401,F403
    from .modules.sparse import *  # noqa: F401,F403
    from .modules.loss import *  # noqa: F401,F403
    from .modules.loss_embedding import *  # noqa: F401,F403
    from .modules.loss_likelihood import *  # noqa: F401,F403
    from .modules.rnn import *  # noqa: F401,F403
    from .modules.transformer import *  # noqa: F401,F403
    from .modules.transformer_decoder import *  # noqa: F401,F403
    from .modules.transformer_model import *  # noqa: F401,F403
    from .modules.attention import *  # noqa: F401,F403
