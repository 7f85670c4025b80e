"""``nn.utils``: gradient clipping, parameter/vector conversion, parameter counting, model summaries, and
materializing lazy models."""

from __future__ import annotations

from . import rnn
from ..lazy import materialize
from .clip_grad import clip_grad_norm_, clip_grad_value_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .summary import ModelSummary, count_parameters, summary

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters", "count_parameters", "summary", "ModelSummary", "materialize", "rnn"]
