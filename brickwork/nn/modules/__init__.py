"""The layers of ``brickwork.nn``, one family per file; ``brickwork.nn`` re-exports everything listed here.

Lazy forms (``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm2d``, ...) are the ordinary layers with ``None`` for
the input size, waiting for their first input; see `brickwork.nn.lazy`.

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
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear, LazyLinear, Bilinear
from .loss import (
    L1Loss, MSELoss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss)
from .normalization import LayerNorm, GroupNorm
from .pooling import MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d
from .rnn import RNNBase, RNN, GRU, LSTM, RNNCellBase, RNNCell, GRUCell, LSTMCell
from .softmax import Softmax, LogSoftmax, Softmin, Softmax2d
from .sparse import Embedding
from .transformer import TransformerEncoderLayer, TransformerEncoder

from .activation_piecewise import (
    ReLU6, Hardtanh, Hardsigmoid, Hardswish, Threshold, Hardshrink, Softshrink, PReLU, RReLU)
from .activation_smooth import SELU, CELU, GLU, Softsign, Tanhshrink, LogSigmoid
from .batchnorm3d import BatchNorm3d, LazyBatchNorm3d, SyncBatchNorm
from .conv3d import Conv3d, ConvTranspose3d, LazyConv3d, LazyConvTranspose3d
from .distance import CosineSimilarity, PairwiseDistance
from .embedding_bag import EmbeddingBag
from .fold import Fold, Unfold
from .instancenorm import (
    InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d)
from .loss_embedding import (
    TripletMarginLoss, TripletMarginWithDistanceLoss, CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss,
    MultiMarginLoss, MultiLabelMarginLoss, SoftMarginLoss, MultiLabelSoftMarginLoss)
from .loss_likelihood import PoissonNLLLoss, GaussianNLLLoss, CTCLoss, NLLLoss2d
from .normalization_extra import RMSNorm, LocalResponseNorm, CrossMapLRN2d
from .adaptive_softmax import AdaptiveLogSoftmaxWithLoss
from .fractional_pooling import FractionalMaxPool2d, FractionalMaxPool3d, Container
from .linear_cross_entropy import LinearCrossEntropyLoss, LinearCrossEntropyOptions
from .padding import (
    ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d, ReplicationPad2d, ReplicationPad3d,
    CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d, ConstantPad3d, ZeroPad1d, ZeroPad2d,
    ZeroPad3d)
from .pixelshuffle import PixelShuffle, PixelUnshuffle, ChannelShuffle
from .pooling3d import MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d
from .pooling_extra import LPPool1d, LPPool2d, LPPool3d, MaxUnpool1d, MaxUnpool2d, MaxUnpool3d
from .transformer_decoder import TransformerDecoderLayer, TransformerDecoder
from .transformer_model import Transformer
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d

__all__ = [
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
