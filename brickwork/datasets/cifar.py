"""CIFAR-10 from its *binary* distribution (``cifar-10-binary.tar.gz``): fixed-size records, read without
unpickling anything. Downloaded on request, MD5-verified, and only the six expected members are extracted.
"""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Callable

import numpy as np

from ._download import fetch_from_mirrors
from ._vision import VisionDataset

__all__ = ["CIFAR10"]

_RECORD = 1 + 3 * 32 * 32  # one label byte, then 1024 red, 1024 green, 1024 blue bytes


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32x32, in 10 classes.

    Samples are ``(image, label)``: a float32 tensor ``(3, 32, 32)`` in [0, 1] (after ``transform``) and an int.
    ``.data`` is a uint8 NumPy array ``(N, 32, 32, 3)`` and ``.targets`` a list of ints, as in torchvision.

    Args:
        root: the folder for ``cifar-10-binary.tar.gz`` and its extracted ``cifar-10-batches-bin``; default
            ``$BRICKWORK_DATA`` or ``~/.cache/brickwork/datasets``.
        train: the training split (else the test split).
        transform: applied to each image tensor.
        target_transform: applied to each label.
        download: fetch and extract the archive if missing (needs internet; 162 MB).

    Example:
        >>> from brickwork.datasets import CIFAR10
        >>> CIFAR10.classes[:3]
        ['airplane', 'automobile', 'bird']
    """

    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    archive = ("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")
    base_folder = "cifar-10-batches-bin"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root: str | Path | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False) -> None:
        super().__init__(root, train, transform, target_transform)
        if download:
            self.download()
        folder = self.root / self.base_folder
        names = self.train_list if train else self.test_list
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise RuntimeError(f"CIFAR10 not found in {folder} (missing {', '.join(missing)}): pass download=True "
                               f"(needs internet) or copy {self.archive[0]} (the CIFAR-10 binary version) into "
                               f"{self.root}, or its extracted {self.base_folder} folder; "
                               "brickwork.datasets.SyntheticDigits works offline")
        records = np.concatenate([_read_records(folder / n) for n in names])
        self._labels = records[:, 0].astype(np.int64)
        self._images = records[:, 1:].reshape(-1, 3, 32, 32)
        if self._labels.size and self._labels.max() >= 10:
            raise ValueError(f"CIFAR10: label {self._labels.max()} in {folder}; expected 0..9 (corrupt file?)")

    @property
    def data(self) -> np.ndarray:  # type: ignore[override]
        """All images as uint8 ``(N, 32, 32, 3)`` (a view)."""
        return self._images.transpose(0, 2, 3, 1)

    @property
    def targets(self) -> list[int]:  # type: ignore[override]
        """All labels as a list of ints."""
        return self._labels.tolist()

    def download(self) -> None:
        """Fetch the archive (MD5-verified, resumable) and extract the batch files, unless already there."""
        folder = self.root / self.base_folder
        if all((folder / n).is_file() for n in self.train_list + self.test_list):
            return
        name, md5 = self.archive
        archive = self.root / name
        if not archive.is_file():
            fetch_from_mirrors(name, self.mirrors, self.root, "md5:" + md5, "CIFAR10")
        _extract(archive, folder, set(self.train_list + self.test_list + ["batches.meta.txt"]))


def _read_records(path: Path) -> np.ndarray:
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % _RECORD:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of {_RECORD}-byte CIFAR-10 records: "
                         "truncated or not the binary version; delete it and download again")
    return raw.reshape(-1, _RECORD)


def _extract(archive: Path, folder: Path, wanted: set[str]) -> None:
    """Copy the wanted regular files out of the archive (by base name; nothing else is written)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and name in wanted:
                src = tar.extractfile(member)
                if src is None:
                    continue
                (folder / name).write_bytes(src.read())
