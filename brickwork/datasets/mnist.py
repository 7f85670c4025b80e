"""MNIST and Fashion-MNIST, read from their IDX files with torchvision's constructor and folder layout
(``root/MNIST/raw/*.gz``), downloaded on request from the canonical mirrors and verified by MD5.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ._download import fetch_from_mirrors
from ._idx import read_idx
from ._vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST"]


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale.

    Samples are ``(image, label)``: a float32 tensor ``(1, 28, 28)`` in [0, 1] (after ``transform``, if any) and
    an int. ``.data`` holds all images as uint8 ``(N, 28, 28)``, ``.targets`` the labels. (torchvision returns
    PIL images instead; `ToTensor` passes tensors through, so its usual
    ``Compose([ToTensor(), Normalize(...)])`` pipelines work unchanged.)

    Args:
        root: the folder that holds (or will hold) ``MNIST/raw``; default ``$BRICKWORK_DATA`` or
            ``~/.cache/brickwork/datasets``. A torchvision data folder works as is.
        train: the training split (else the test split).
        transform: applied to each image tensor, e.g. ``transforms.Normalize((0.1307,), (0.3081,))``.
        target_transform: applied to each label.
        download: fetch the four ``.gz`` files if missing (needs internet; about 11 MB).

    Example:
        >>> from brickwork.datasets import MNIST
        >>> MNIST.resources[0][0]
        'train-images-idx3-ubyte.gz'
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str | Path | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, train, transform, target_transform)
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images_file = self._find(f"{prefix}-images-idx3-ubyte")
        labels_file = self._find(f"{prefix}-labels-idx1-ubyte")
        images = read_idx(images_file, magic=2051)
        labels = read_idx(labels_file, magic=2049)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{type(self).__name__}: {images_file.name} holds images of shape {images.shape} and "
                             f"{labels_file.name} labels of shape {labels.shape}; expected (N, H, W) and (N,) "
                             "with the same N")
        if labels.size and labels.max() >= len(self.classes):
            raise ValueError(f"{type(self).__name__}: {labels_file.name} has label {labels.max()}, expected "
                             f"0..{len(self.classes) - 1}")
        self._images = images.astype(np.uint8, copy=False)[:, None]
        self._labels = labels.astype(np.int64)

    @property
    def raw_folder(self) -> Path:
        """Where the IDX files live: ``root/<ClassName>/raw``."""
        return self.root / type(self).__name__ / "raw"

    def _find(self, stem: str) -> Path:
        for name in (stem + ".gz", stem):
            if (self.raw_folder / name).is_file():
                return self.raw_folder / name
        names = ", ".join(r[0] for r in self.resources)
        raise RuntimeError(f"{type(self).__name__} not found in {self.raw_folder} (missing {stem}.gz): pass "
                           f"download=True (needs internet) or copy the four IDX .gz files there ({names}); "
                           "brickwork.datasets.SyntheticDigits works offline")

    def download(self) -> None:
        """Fetch the missing IDX files into ``raw_folder`` (MD5-verified, resumable)."""
        for filename, md5 in self.resources:
            if not ((self.raw_folder / filename).is_file() or (self.raw_folder / filename[:-3]).is_file()):
                fetch_from_mirrors(filename, self.mirrors, self.raw_folder, "md5:" + md5, type(self).__name__)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grayscale images of 10 kinds of clothing, MNIST's format and sizes.

    Same arguments and samples as `MNIST` (files in ``root/FashionMNIST/raw``).

    Example:
        >>> from brickwork.datasets import FashionMNIST
        >>> FashionMNIST.classes[:2]
        ['T-shirt/top', 'Trouser']
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
               "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
