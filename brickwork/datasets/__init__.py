"""Image datasets with torchvision's constructors: `SyntheticDigits` (generated, offline — the
default for examples), `MNIST`, `FashionMNIST` and `CIFAR10` (downloaded on request into
``$BRICKWORK_DATA`` or ``~/.cache/brickwork/datasets``), and simple `transforms`.

Example:
    >>> import brickwork as torch
    >>> from brickwork.datasets import SyntheticDigits
    >>> from brickwork.utils.data import DataLoader
    >>> x, y = next(iter(DataLoader(SyntheticDigits(train=False, size=64), batch_size=32)))
    >>> x.shape, y.dtype
    (brickwork.Size([32, 1, 28, 28]), brickwork.int64)
"""

from . import transforms
from ._download import DownloadError, download_url, file_checksum
from ._idx import read_idx, write_idx
from .cifar import CIFAR10
from .mnist import MNIST, FashionMNIST
from .synthetic import SyntheticDigits, render_digits

__all__ = ["CIFAR10", "DownloadError", "FashionMNIST", "MNIST", "SyntheticDigits", "download_url", "file_checksum",
           "read_idx", "render_digits", "transforms", "write_idx"]
