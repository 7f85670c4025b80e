"""The base of brickwork's image classification datasets: uint8 images held in memory, returned as float
tensors in [0, 1] (``(C, H, W)``) with an int label, through optional ``transform``/``target_transform``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._tensor import Tensor, _make
from ..backends import CPU
from ..utils.data import Dataset

_TO_UNIT = np.arange(256, dtype=np.float32) / np.float32(255)  # uint8 -> float32 in [0, 1], as x.float() / 255


def data_root(root: str | Path | None) -> Path:
    """Where datasets live: ``root``, else ``$BRICKWORK_DATA``, else ``~/.cache/brickwork/datasets``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("BRICKWORK_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "brickwork" / "datasets"


class VisionDataset(Dataset):
    """Images ``(N, C, H, W)`` uint8 and labels ``(N,)`` int64 in memory, served as ``(float image, int label)``.

    Subclasses fill ``self._images`` and ``self._labels`` in ``__init__``.
    """

    classes: list[str] = []
    _split_names = ("Train", "Test")

    def __init__(self, root: str | Path | None, train: bool, transform: Callable | None,
                 target_transform: Callable | None) -> None:
        self.root = data_root(root)
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        self._images = np.zeros((0, 1, 1, 1), np.uint8)
        self._labels = np.zeros(0, np.int64)

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img: Any = _make(_TO_UNIT[self._images[index]], CPU)
        target: Any = int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _batcher(self) -> Callable[[list], list[Tensor]] | None:
        """Whole-batch loading for the DataLoader's fast path (when the transform works on batches)."""
        if self.target_transform is not None or not getattr(self.transform, "batchable", self.transform is None):
            return None
        images, labels, transform = self._images, self._labels, self.transform

        def batch(indices: list) -> list[Tensor]:
            idx = np.asarray(indices, dtype=np.intp)
            x: Tensor = _make(_TO_UNIT[images[idx]], CPU)
            return [x if transform is None else transform(x), _make(labels[idx], CPU)]

        return batch

    @property
    def data(self) -> Tensor:
        """All images as a uint8 tensor: ``(N, H, W)`` for grayscale, ``(N, C, H, W)`` otherwise."""
        return _make(self._images[:, 0] if self._images.shape[1] == 1 else self._images, CPU)

    @property
    def targets(self) -> Tensor:
        """All labels as an int64 tensor."""
        return _make(self._labels, CPU)

    @property
    def class_to_idx(self) -> dict[str, int]:
        """Class name to label."""
        return {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self) -> str:
        """Lines added to the repr by subclasses."""
        return ""

    def __repr__(self) -> str:
        root = self.root if self.root is not None else "(in memory)"
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {root}", f"    Split: {self._split_names[0 if self.train else 1]}"]
        lines += ["    " + line for line in self.extra_repr().splitlines()]
        if self.transform is not None:
            lines.append("    " + "StandardTransform\nTransform: " + repr(self.transform).replace("\n", "\n    "))
        return "\n".join(lines)
