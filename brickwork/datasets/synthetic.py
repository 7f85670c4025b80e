"""SyntheticDigits: an offline, MNIST-like data set of handwritten-looking digits rendered on the fly.

Each digit 0-9 is drawn from a small built-in stroke font (several styles per digit: open and closed 4, 1
with or without flag and base, 7 with or without a bar...). Rendering is vectorised NumPy: a distance field per
glyph is computed once, and each image samples it through its own random affine map (rotation, shear,
anisotropic scale, shift) plus a smooth elastic displacement, turns distance into ink with a random stroke
width and contrast, and adds noise and the odd stray mark. One seed always gives the same images (up to
last-bit differences in float arithmetic between CPUs and BLAS builds).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np

from ._vision import VisionDataset

__all__ = ["SyntheticDigits", "render_digits"]

_VERSION = 1  # part of the cache key: bump it whenever the images change


def _arc(cx: float, cy: float, rx: float, ry: float, t0: float, t1: float) -> np.ndarray:
    """Points on an ellipse from angle ``t0`` to ``t1`` (degrees; y points down, so 90 is the bottom)."""
    t = np.radians(np.linspace(t0, t1, max(3, int(abs(t1 - t0) / 12) + 1)))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1)


def _line(*pts: tuple[float, float]) -> np.ndarray:
    return np.array(pts, dtype=np.float64)


def _cat(*parts: np.ndarray) -> np.ndarray:
    return np.concatenate(parts, 0)


# Each digit: a list of styles; each style: a list of polylines in a unit box (x right, y down).
_FONT: list[list[list[np.ndarray]]] = [
    [[_arc(.5, .5, .3, .45, 0, 360)],
     [_arc(.5, .5, .25, .45, -80, 290)]],
    [[_line((.5, .05), (.5, .95))],
     [_line((.3, .27), (.53, .05), (.53, .95))],
     [_line((.3, .27), (.53, .05), (.53, .95)), _line((.3, .95), (.76, .95))]],
    [[_cat(_arc(.5, .3, .28, .25, 190, 380), _line((.18, .95), (.85, .95)))],
     [_cat(_arc(.5, .32, .3, .27, 200, 420), _line((.2, .95), (.86, .93)))]],
    [[_arc(.48, .28, .26, .22, 200, 450), _arc(.48, .71, .3, .24, 270, 520)],
     [_line((.2, .05), (.76, .05), (.45, .4)), _arc(.47, .68, .3, .27, 250, 520)]],
    [[_line((.68, .95), (.68, .05), (.14, .67), (.88, .67))],
     [_line((.24, .05), (.18, .62), (.86, .62)), _line((.68, .3), (.68, .95))]],
    [[_cat(_line((.78, .05), (.3, .05), (.27, .47)), _arc(.5, .68, .29, .27, 220, 505))],
     [_line((.3, .05), (.25, .45)), _line((.3, .05), (.8, .05)), _arc(.5, .69, .3, .26, 215, 500)]],
    [[_arc(.58, .63, .35, .58, -62, -180), _arc(.5, .72, .26, .23, 0, 360)],
     [_line((.68, .05), (.26, .66)), _arc(.5, .72, .26, .23, 0, 360)]],
    [[_line((.16, .05), (.84, .05), (.4, .95))],
     [_line((.16, .05), (.84, .05), (.4, .95)), _line((.3, .52), (.74, .52))],
     [_line((.16, .17), (.16, .05), (.84, .05), (.52, .5), (.46, .95))]],
    [[_arc(.5, .27, .23, .21, 0, 360), _arc(.5, .71, .28, .24, 0, 360)],
     [_arc(.5, .28, .2, .22, 0, 360), _arc(.5, .72, .26, .23, 0, 360)]],
    [[_arc(.5, .3, .27, .25, 0, 360), _line((.77, .3), (.72, .95))],
     [_arc(.5, .3, .27, .25, 0, 360), _arc(.42, .3, .35, .64, 0, 85)]],
]

_GRID = 96           # distance-field resolution per glyph (nearest lookup: 0.4 px steps at the largest size)
_LO, _HI = -0.4, 1.4  # the glyph-space window the distance fields cover
_SIZE = 28
_MARK_RATE = 0.3     # share of images with a stray mark


def _segment_distance(x: np.ndarray, y: np.ndarray, polylines: list[np.ndarray]) -> np.ndarray:
    """Distance from each point ``(x[i], y[i])`` to the nearest segment of the polylines (float32)."""
    a = np.concatenate([p[:-1] for p in polylines], 0).astype(np.float32)
    b = np.concatenate([p[1:] for p in polylines], 0).astype(np.float32)
    best = np.full(x.shape, np.inf, np.float32)
    for (ax, ay), (bx, by) in zip(a, b):
        dx, dy = bx - ax, by - ay
        px, py = x - ax, y - ay
        t = np.clip((px * dx + py * dy) / max(dx * dx + dy * dy, 1e-12), 0, 1)
        px -= t * dx
        py -= t * dy
        np.minimum(best, px * px + py * py, out=best)
    return np.sqrt(best)


class _Tables:
    """What every render shares, built once: glyph distance fields, the coarse-to-pixel interpolation matrix,
    a noise buffer and a bank of stray marks."""

    def __init__(self) -> None:
        axis = np.linspace(_LO, _HI, _GRID, dtype=np.float32)
        gy, gx = np.meshgrid(axis, axis, indexing="ij")
        fields, digits = [], []
        for digit, styles in enumerate(_FONT):
            for style in styles:
                fields.append(_segment_distance(gx, gy, style))
                digits.append(digit)
        self.fields = np.stack(fields).reshape(-1)
        self.style_start = np.searchsorted(digits, np.arange(10))
        self.style_count = np.bincount(digits, minlength=10)
        # a 4x4 grid of control points over the image; bilinear weights from it to the 28x28 pixels. Any affine
        # map is exact under bilinear interpolation, so coordinates are computed at 16 points and spread by GEMM.
        self.upsample = _upsample_matrix(4, _SIZE).astype(np.float32).T.copy()
        knots = np.arange(4) * (_SIZE - 1) / 3 + 0.5
        ky, kx = np.meshgrid(knots, knots, indexing="ij")
        self.knot_x, self.knot_y = kx.ravel(), ky.ravel()
        rng = np.random.default_rng(7)
        noise = rng.standard_normal(1 << 18).astype(np.float32)
        self.noise = np.lib.stride_tricks.sliding_window_view(noise, _SIZE * _SIZE)
        self.marks = self._stray_marks(rng, 1024)

    @staticmethod
    def _stray_marks(rng: np.random.Generator, count: int) -> np.ndarray:
        """(count + 1, 784) float32 short strokes in [0, 1]; the last row is blank."""
        ys, xs = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32) + 0.5
        marks = np.zeros((count + 1, _SIZE * _SIZE), np.float32)
        for i in range(count):
            a = rng.uniform(1, _SIZE - 1, 2)
            b = a + rng.normal(0, 4, 2)
            d = _segment_distance(xs.ravel(), ys.ravel(), [np.stack([a, b])])
            marks[i] = np.clip(rng.uniform(0.5, 1.2) - d, 0, 1) * rng.uniform(0.4, 1.0)
        return marks


def _upsample_matrix(coarse: int, fine: int) -> np.ndarray:
    """(fine*fine, coarse*coarse) bilinear interpolation weights from a coarse grid to the pixel grid."""
    pos = np.linspace(0, coarse - 1, fine)
    lo = np.minimum(np.floor(pos).astype(int), coarse - 2)
    w = pos - lo
    m1 = np.zeros((fine, coarse))
    m1[np.arange(fine), lo] = 1 - w
    m1[np.arange(fine), lo + 1] = w
    return np.kron(m1, m1)


_tables_lock = threading.Lock()
_tables: _Tables | None = None


def _shared_tables() -> _Tables:
    global _tables
    with _tables_lock:
        if _tables is None:
            _tables = _Tables()
        return _tables


def _render_chunk(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render one image per label: (n, 28, 28) uint8."""
    tab = _shared_tables()
    n = len(labels)
    style = tab.style_start[labels] + (rng.random(n) * tab.style_count[labels]).astype(np.int64)

    # glyph space -> pixels: p = M (g - 0.5) + centre, M = rotation @ shear @ diag(width, height)
    height = rng.uniform(15.0, 22.0, n)
    width = height * rng.uniform(0.7, 1.15, n)
    angle = np.radians(np.clip(rng.normal(0, 9, n), -22, 22))
    shear = rng.uniform(-0.35, 0.35, n)
    cos, sin = np.cos(angle), np.sin(angle)
    m00, m01 = cos * width, (cos * shear - sin) * height
    m10, m11 = sin * width, (sin * shear + cos) * height
    det = m00 * m11 - m01 * m10
    cx, cy = _SIZE / 2 + rng.uniform(-2.0, 2.0, (2, n))
    # a smooth elastic displacement of each control point, then the inverse map into field-grid units
    wobble = rng.uniform(0.3, 1.6, (n, 1))
    px = tab.knot_x + rng.standard_normal((n, 16)) * wobble - cx[:, None]
    py = tab.knot_y + rng.standard_normal((n, 16)) * wobble - cy[:, None]
    s = (_GRID - 1) / (_HI - _LO)
    gx = ((m11 / det)[:, None] * px - (m01 / det)[:, None] * py + 0.5 - _LO) * s
    gy = ((m00 / det)[:, None] * py - (m10 / det)[:, None] * px + 0.5 - _LO) * s
    coords = np.concatenate([gx, gy]).astype(np.float32) @ tab.upsample  # (2n, 784)
    np.clip(coords, 0, _GRID - 1, out=coords)
    coords += 0.5
    cell = coords.astype(np.int32)
    index = cell[n:] * _GRID + cell[:n]
    index += (style * _GRID * _GRID).astype(np.int32)[:, None]
    ink = tab.fields[index]  # distance to the stroke in glyph units

    # distance -> ink: a soft-edged stroke of random half-width and contrast, in 0..255
    ink *= -np.sqrt(np.abs(det)).astype(np.float32)[:, None]
    ink += rng.uniform(1.3, 2.5, (n, 1)).astype(np.float32)  # half-width in pixels + 0.5
    np.clip(ink, 0, 1, out=ink)
    ink *= rng.uniform(0.7, 1.0, (n, 1)).astype(np.float32) * 255
    marks = np.where(rng.random(n) < _MARK_RATE, rng.integers(0, len(tab.marks) - 1, n), len(tab.marks) - 1)
    np.maximum(ink, tab.marks[marks] * 255, out=ink)
    noise = tab.noise[rng.integers(0, len(tab.noise), n)]
    noise *= rng.uniform(0, 0.12 * 255, (n, 1)).astype(np.float32)
    ink += noise
    np.clip(ink, 0, 255, out=ink)
    ink += 0.5
    return ink.astype(np.uint8).reshape(n, _SIZE, _SIZE)


def render_digits(labels: np.ndarray, seed: int | list[int] = 0) -> np.ndarray:
    """Render one 28x28 uint8 image per label (0-9), deterministically for a seed.

    Work is split into chunks of 2048 images rendered in threads; each chunk has its own seeded stream, so
    the result does not depend on the number of threads.

    Example:
        >>> import numpy as np
        >>> from brickwork.datasets import render_digits
        >>> img = render_digits(np.array([3, 7]), seed=0); img.shape, img.dtype
        ((2, 28, 28), dtype('uint8'))
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"render_digits: labels must be digits 0-9, got values from {labels.min()} to "
                         f"{labels.max()}")
    chunk = 2048
    entropy = [int(s) for s in (seed if isinstance(seed, (list, tuple)) else [seed])] + [_VERSION]
    seeds = np.random.SeedSequence(entropy).spawn(max(1, -(-len(labels) // chunk)))
    out = np.empty((len(labels), _SIZE, _SIZE), np.uint8)

    def work(i: int) -> None:
        sl = slice(i * chunk, (i + 1) * chunk)
        out[sl] = _render_chunk(labels[sl], np.random.default_rng(seeds[i]))

    _shared_tables()
    with ThreadPoolExecutor(max_workers=min(len(seeds), os.cpu_count() or 1)) as pool:
        list(pool.map(work, range(len(seeds))))
    return out


_cache_lock = threading.Lock()
_cache: dict[tuple[bool, int, int], tuple[np.ndarray, np.ndarray]] = {}


class SyntheticDigits(VisionDataset):
    """An MNIST-like data set that needs no download.

    28x28 grayscale digits are rendered from a stroke font with random affine and elastic distortions, stroke
    width, contrast, noise and stray marks.

    Samples are ``(image, label)``: a float32 tensor ``(1, 28, 28)`` in [0, 1] (after ``transform``, if any)
    and an int; the classes are balanced. The same ``seed`` gives the same images, and the
    training and test splits are different images. Generating the default 60,000 + 10,000 images takes about
    two seconds on two cores; they are kept in memory for the process (and in ``root`` when one is given).
    A LeNet-sized CNN reaches about 99% test accuracy in two epochs, an MLP about 98%.

    Args:
        root: a folder to cache the generated arrays in (``SyntheticDigits/*.npz``); None: memory only.
        train: the training split (else the test split).
        transform: applied to each image tensor, e.g. ``transforms.Normalize((0.5,), (0.5,))``.
        target_transform: applied to each label.
        download: accepted for torchvision-style code; nothing is downloaded.
        size: number of images (default 60,000 for training, 10,000 for test).
        seed: the random seed of the data set.

    Example:
        >>> from brickwork.datasets import SyntheticDigits
        >>> ds = SyntheticDigits(train=False, size=100)
        >>> img, label = ds[0]; img.shape, img.dtype, len(ds)
        (brickwork.Size([1, 28, 28]), brickwork.float32, 100)
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root: str | Path | None = None, train: bool = True, transform: Callable | None = None,
                 target_transform: Callable | None = None, download: bool = False, *, size: int | None = None,
                 seed: int = 0) -> None:
        super().__init__(root, train, transform, target_transform)
        self.size = (60000 if train else 10000) if size is None else int(size)
        if self.size < 0:
            raise ValueError(f"SyntheticDigits: size must be >= 0, got {size}")
        self.seed = int(seed)
        folder = None if root is None else self.root / "SyntheticDigits"
        self._images, self._labels = _generate(train, self.size, self.seed, folder)
        if root is None:
            self.root = None  # type: ignore[assignment]  # nothing on disk

    def extra_repr(self) -> str:
        return f"Seed: {self.seed}"


def _generate(train: bool, size: int, seed: int, folder: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """The (images (N, 1, 28, 28) uint8, labels (N,) int64) of one split, from the caches or freshly rendered."""
    key = (train, size, seed)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    file = None if folder is None else folder / f"{'train' if train else 'test'}-{size}-{seed}-v{_VERSION}.npz"
    if file is not None and file.is_file():
        with np.load(file, allow_pickle=False) as z:
            images, labels = z["images"], z["labels"]
    else:
        split = 0 if train else 1
        labels = np.random.default_rng([seed, split, _VERSION]).permutation(np.arange(size) % 10)
        images = render_digits(labels, seed=[seed, split])[:, None]
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_name(file.name + ".tmp.npz")
            np.savez(tmp, images=images, labels=labels)
            os.replace(tmp, file)
    images.flags.writeable = False  # shared by every instance of this split: read-only
    labels.flags.writeable = False
    with _cache_lock:
        return _cache.setdefault(key, (images, labels))
