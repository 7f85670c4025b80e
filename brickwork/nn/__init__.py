"""Neural-network building blocks: `Module`, parameters, containers, initializers, utilities and layers.

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

from . import functional, init, lazy, parallel, parameter, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .hooks import RemovableHandle
from .module import Module
from .parallel import DataParallel
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from .modules import (
    ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Mish, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
    AdaptiveMaxPool1d, AdaptiveMaxPool2d, MultiheadAttention, BatchNorm1d, BatchNorm2d, LazyBatchNorm1d,
    LazyBatchNorm2d, Conv1d, Conv2d, LazyConv1d, LazyConv2d, ConvTranspose1d, ConvTranspose2d, LazyConvTranspose1d,
    LazyConvTranspose2d, Dropout, Dropout1d, Dropout2d, AlphaDropout, Flatten, Unflatten, Identity, Linear, LazyLinear,
    Bilinear, L1Loss, MSELoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss,
    KLDivLoss, LayerNorm, GroupNorm, MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, RNNBase, RNN, GRU, LSTM, RNNCellBase,
    RNNCell, GRUCell, LSTMCell, Softmax, LogSoftmax, Embedding, TransformerEncoderLayer, TransformerEncoder)

from .modules import (
    Dropout3d, FeatureAlphaDropout, Softmin, Softmax2d, ReLU6, Hardtanh, Hardsigmoid, Hardswish, Threshold, Hardshrink,
    Softshrink, PReLU, RReLU, SELU, CELU, GLU, Softsign, Tanhshrink, LogSigmoid, BatchNorm3d, LazyBatchNorm3d,
    SyncBatchNorm, Conv3d, ConvTranspose3d, LazyConv3d, LazyConvTranspose3d, CosineSimilarity, PairwiseDistance,
    EmbeddingBag, Fold, Unfold, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d,
    LazyInstanceNorm3d, TripletMarginLoss, TripletMarginWithDistanceLoss, CosineEmbeddingLoss, MarginRankingLoss,
    HingeEmbeddingLoss, MultiMarginLoss, MultiLabelMarginLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, PoissonNLLLoss,
    GaussianNLLLoss, CTCLoss, NLLLoss2d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
    ReplicationPad2d, ReplicationPad3d, CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,
    ConstantPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d, PixelShuffle, PixelUnshuffle, ChannelShuffle, MaxPool3d, AvgPool3d,
    AdaptiveAvgPool3d, AdaptiveMaxPool3d, LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d,
    TransformerDecoderLayer, TransformerDecoder, Transformer, Upsample, UpsamplingNearest2d, UpsamplingBilinear2d)
from .modules import RMSNorm, LocalResponseNorm, CrossMapLRN2d
from .modules import AdaptiveLogSoftmaxWithLoss
from .modules import FractionalMaxPool2d, FractionalMaxPool3d, Container
from .modules import LinearCrossEntropyLoss, LinearCrossEntropyOptions

__all__ = [
    "Module", "Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "Sequential", "ModuleList",
    "ModuleDict", "ParameterList", "ParameterDict", "RemovableHandle", "functional", "init", "utils", "lazy",
    "parameter", "parallel", "DataParallel",
    "ReLU", "LeakyReLU", "ELU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus", "Mish", "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "MultiheadAttention", "BatchNorm1d", "BatchNorm2d",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "Conv1d", "Conv2d", "LazyConv1d", "LazyConv2d", "ConvTranspose1d",
    "ConvTranspose2d", "LazyConvTranspose1d", "LazyConvTranspose2d", "Dropout", "Dropout1d", "Dropout2d",
    "AlphaDropout", "Flatten", "Unflatten", "Identity", "Linear", "LazyLinear", "Bilinear", "L1Loss", "MSELoss",
    "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
    "LayerNorm", "GroupNorm", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "RNNBase", "RNN", "GRU", "LSTM",
    "RNNCellBase", "RNNCell", "GRUCell", "LSTMCell", "Softmax", "LogSoftmax", "Embedding", "TransformerEncoderLayer",
    "TransformerEncoder",
    "Dropout3d", "FeatureAlphaDropout", "Softmin", "Softmax2d", "ReLU6", "Hardtanh", "Hardsigmoid", "Hardswish",
    "Threshold", "Hardshrink", "Softshrink", "PReLU", "RReLU", "SELU", "CELU", "GLU", "Softsign", "Tanhshrink",
    "LogSigmoid", "BatchNorm3d", "LazyBatchNorm3d", "SyncBatchNorm", "Conv3d", "ConvTranspose3d", "LazyConv3d",
    "LazyConvTranspose3d", "CosineSimilarity", "PairwiseDistance", "EmbeddingBag", "Fold", "Unfold", "InstanceNorm1d",
    "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    "TripletMarginLoss", "TripletMarginWithDistanceLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "HingeEmbeddingLoss", "MultiMarginLoss", "MultiLabelMarginLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss", "NLLLoss2d", "ReflectionPad1d", "ReflectionPad2d",
    "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
    "CircularPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
    "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
    "AdaptiveMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
    "TransformerDecoderLayer", "TransformerDecoder", "Transformer", "Upsample", "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d", "AdaptiveLogSoftmaxWithLoss",
    "FractionalMaxPool2d", "FractionalMaxPool3d", "Container", "LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]
