"""``nn.utils``: gradient clipping, parameter/vector conversion, parameter counting, model summaries,
materializing lazy models, packed sequences (``rnn``), parametrizations and weight/spectral normalization,
conv/linear + batch-norm fusion, ``skip_init``, weight memory formats and ``stateless.functional_call``."""

from __future__ import annotations

from . import parametrizations, parametrize, rnn, stateless
from ..lazy import materialize
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .init import skip_init
from .memory_format import convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format
from .summary import ModelSummary, count_parameters, summary
from .weight_norm import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters", "count_parameters", "summary", "ModelSummary", "materialize", "rnn", "parametrize", "parametrizations",
           "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "stateless",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights", "skip_init",
           "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]
