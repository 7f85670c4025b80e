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

from . import functional, init, lazy, parameter, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .hooks import RemovableHandle
from .module import Module
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import (
    ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Mish, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
    AdaptiveMaxPool1d, AdaptiveMaxPool2d, MultiheadAttention, BatchNorm1d, BatchNorm2d, LazyBatchNorm1d,
    LazyBatchNorm2d, Conv1d, Conv2d, LazyConv1d, LazyConv2d, ConvTranspose1d, ConvTranspose2d, LazyConvTranspose1d,
    LazyConvTranspose2d, Dropout, Dropout1d, Dropout2d, AlphaDropout, Flatten, Unflatten, Identity, Linear, LazyLinear,
    Bilinear, L1Loss, MSELoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss,
    KLDivLoss, LayerNorm, GroupNorm, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, RNNBase, RNN, GRU, LSTM, RNNCellBase,
    RNNCell, GRUCell, LSTMCell, Softmax, LogSoftmax, Embedding, TransformerEncoderLayer, TransformerEncoder)

__all__ = [
    "Module", "Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "Sequential", "ModuleList",
    "ModuleDict", "ParameterList", "ParameterDict", "RemovableHandle", "functional", "init", "utils", "lazy",
    "parameter", "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Mish", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MultiheadAttention", "BatchNorm1d", "BatchNorm2d",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "Conv1d", "Conv2d", "LazyConv1d", "LazyConv2d", "ConvTranspose1d",
    "ConvTranspose2d", "LazyConvTranspose1d", "LazyConvTranspose2d", "Dropout", "Dropout1d", "Dropout2d",
    "AlphaDropout", "Flatten", "Unflatten", "Identity", "Linear", "LazyLinear", "Bilinear", "L1Loss", "MSELoss",
    "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
    "LayerNorm", "GroupNorm", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "RNNBase", "RNN", "GRU", "LSTM",
    "RNNCellBase", "RNNCell", "GRUCell", "LSTMCell", "Softmax", "LogSoftmax", "Embedding", "TransformerEncoderLayer",
    "TransformerEncoder"]
