"""The layers of ``brickwork.nn``, one family per file; ``brickwork.nn`` re-exports everything listed here.

Lazy forms (``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm2d``, ...) are the ordinary layers with ``None`` for
the input size, waiting for their first input; see :mod:`brickwork.nn.lazy`.

Example:
    >>> import brickwork as torch
    >>> net = torch.nn.Sequential(torch.nn.LazyConv2d(6, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    ...                           torch.nn.Flatten(), torch.nn.LazyLinear(10))
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    brickwork.Size([2, 10])
"""

from __future__ import annotations

from .activation import ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Mish
from .adaptive_pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d
from .attention import MultiheadAttention
from .batchnorm import BatchNorm1d, BatchNorm2d, LazyBatchNorm1d, LazyBatchNorm2d
from .conv import Conv1d, Conv2d, LazyConv1d, LazyConv2d
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, LazyConvTranspose1d, LazyConvTranspose2d
from .dropout import Dropout, Dropout1d, Dropout2d, AlphaDropout
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear, LazyLinear, Bilinear
from .loss import (
    L1Loss, MSELoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss)
from .normalization import LayerNorm, GroupNorm
from .pooling import MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d
from .rnn import RNNBase, RNN, GRU, LSTM, RNNCellBase, RNNCell, GRUCell, LSTMCell
from .softmax import Softmax, LogSoftmax
from .sparse import Embedding
from .transformer import TransformerEncoderLayer, TransformerEncoder

__all__ = [
    "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Mish", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MultiheadAttention", "BatchNorm1d", "BatchNorm2d",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "Conv1d", "Conv2d", "LazyConv1d", "LazyConv2d", "ConvTranspose1d",
    "ConvTranspose2d", "LazyConvTranspose1d", "LazyConvTranspose2d", "Dropout", "Dropout1d", "Dropout2d",
    "AlphaDropout", "Flatten", "Unflatten", "Identity", "Linear", "LazyLinear", "Bilinear", "L1Loss", "MSELoss",
    "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
    "LayerNorm", "GroupNorm", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "RNNBase", "RNN", "GRU", "LSTM",
    "RNNCellBase", "RNNCell", "GRUCell", "LSTMCell", "Softmax", "LogSoftmax", "Embedding", "TransformerEncoderLayer",
    "TransformerEncoder"]
