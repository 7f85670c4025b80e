"""SyntheticDigits: an offline, MNIST-like data set of handwritten-looking digits rendered on the fly.

Each digit 0-9 is drawn from a small built-in stroke font (several styles per digit: open and closed 4, 1
with or without flag and base, 7 with or without a bar...). Rendering is vectorised NumPy: a distance field per
glyph is computed once, and each image samples it through its own random affine map (rotation, shear,
anisotropic scale, shift) plus a smooth elastic displacement, turns distance into ink with a random stroke
width and contrast, and adds noise and the odd stray mark. One seed gives the same images on every machine.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

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

_GRID = 64           # distance-field resolution per glyph
_LO, _HI = -0.4, 1.4  # glyph-space window the distance fields cover
_JITTERS = 6         # randomly bent copies of each style
_SIZE = 28


def _segment_distance(points: np.ndarray, polylines: list[np.ndarray]) -> np.ndarray:
    """Distance from each of ``points`` (N, 2) to the nearest segment of the polylines."""
    a = np.concatenate([p[:-1] for p in polylines], 0)
    b = np.concatenate([p[1:] for p in polylines], 0)
    ab = b - a
    ap = points[:, None, :] - a[None]
    t = np.clip((ap * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0.0, 1.0)
    d = ap - t[..., None] * ab
    return np.sqrt((d * d).sum(-1).min(1))


_fields_lock = threading.Lock()
_fields: tuple[np.ndarray, np.ndarray] | None = None


def _glyph_fields() -> tuple[np.ndarray, np.ndarray]:
    """Distance fields (G, GRID, GRID) float32 of every jittered style of every digit, and each one's digit."""
    global _fields
    with _fields_lock:
        if _fields is None:
            rng = np.random.default_rng(20240229)
            axis = np.linspace(_LO, _HI, _GRID)
            gy, gx = np.meshgrid(axis, axis, indexing="ij")
            pts = np.stack([gx.ravel(), gy.ravel()], 1)
            fields, digits = [], []
            for digit, styles in enumerate(_FONT):
                for style in styles:
                    for j in range(_JITTERS):
                        bent = style if j == 0 else [_bend(p, rng) for p in style]
                        fields.append(_segment_distance(pts, bent).reshape(_GRID, _GRID).astype(np.float32))
                        digits.append(digit)
            _fields = np.stack(fields), np.array(digits)
        return _fields


def _bend(poly: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The polyline moved by a smooth random displacement (a handwriting-like wobble)."""
    k = rng.normal(0, 1, (2, 2, 2))
    phase = rng.uniform(0, 2 * np.pi, (2, 2))
    out = poly.copy()
    for axis in range(2):
        for f in range(2):
            freq = 1.5 + 1.5 * f
            out[:, axis] += 0.025 * k[axis, f, 0] * np.sin(freq * np.pi * poly[:, 1 - axis] + phase[axis, f])
            out[:, axis] += 0.015 * k[axis, f, 1] * np.sin(freq * np.pi * poly[:, axis] + phase[axis, f])
    return out


def _upsample_matrix(coarse: int, fine: int) -> np.ndarray:
    """(fine*fine, coarse*coarse) bilinear interpolation weights from a coarse grid to the pixel grid."""
    pos = np.linspace(0, coarse - 1, fine)
    lo = np.minimum(np.floor(pos).astype(int), coarse - 2)
    w = pos - lo
    m1 = np.zeros((fine, coarse))
    m1[np.arange(fine), lo] = 1 - w
    m1[np.arange(fine), lo + 1] = w
    return np.kron(m1, m1)


_ELASTIC = _upsample_matrix(4, _SIZE).astype(np.float32)


def _render_chunk(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Render one image per label: (n, 28, 28) uint8."""
    fields, glyph_digit = _glyph_fields()
    n = len(labels)
    # a random jittered style of the wanted digit for each image
    starts = np.searchsorted(glyph_digit, np.arange(10))
    counts = np.bincount(glyph_digit, minlength=10)
    glyph = starts[labels] + (rng.random(n) * counts[labels]).astype(np.int64)

    # the affine map from glyph space to pixels: p = M (g - 0.5) + centre
    height = rng.uniform(15.0, 22.0, n)
    width = height * rng.uniform(0.7, 1.15, n)
    angle = np.radians(np.clip(rng.normal(0, 9, n), -22, 22))
    shear = rng.uniform(-0.35, 0.35, n)
    cos, sin = np.cos(angle), np.sin(angle)
    # M = R(angle) @ [[1, shear], [0, 1]] @ diag(width, height); inverse written out
    m00, m01 = cos * width, (cos * shear - sin) * height
    m10, m11 = sin * width, (sin * shear + cos) * height
    det = m00 * m11 - m01 * m10
    centre = _SIZE / 2 + rng.uniform(-2.0, 2.0, (2, n))

    ys, xs = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float32) + 0.5
    elastic = (rng.normal(0, 1, (2 * n, 16)).astype(np.float32) @ _ELASTIC.T).reshape(2, n, -1)
    elastic *= rng.uniform(0.3, 1.3, n).astype(np.float32)[None, :, None]
    px = xs.ravel()[None] + elastic[0] - centre[0][:, None].astype(np.float32)
    py = ys.ravel()[None] + elastic[1] - centre[1][:, None].astype(np.float32)
    inv = 1 / det
    gx = (m11 * inv)[:, None] * px - (m01 * inv)[:, None] * py + 0.5
    gy = -(m10 * inv)[:, None] * px + (m00 * inv)[:, None] * py + 0.5

    # bilinear lookup of the distance field
    scale = (_GRID - 1) / (_HI - _LO)
    fx = np.clip((gx - _LO) * scale, 0, _GRID - 1.001).astype(np.float32)
    fy = np.clip((gy - _LO) * scale, 0, _GRID - 1.001).astype(np.float32)
    ix, iy = fx.astype(np.int32), fy.astype(np.int32)
    wx, wy = fx - ix, fy - iy
    flat = fields.reshape(-1)
    base = glyph[:, None].astype(np.int64) * (_GRID * _GRID) + iy * _GRID + ix
    top = flat[base] * (1 - wx) + flat[base + 1] * wx
    bottom = flat[base + _GRID] * (1 - wx) + flat[base + _GRID + 1] * wx
    dist = (top * (1 - wy) + bottom * wy) * np.sqrt(np.abs(det))[:, None].astype(np.float32)

    # ink: a soft-edged stroke of random half-width and contrast
    half_width = rng.uniform(0.8, 2.0, n).astype(np.float32)[:, None]
    ink = np.clip(half_width - dist + 0.5, 0.0, 1.0)
    ink *= rng.uniform(0.7, 1.0, n).astype(np.float32)[:, None]
    noise = rng.normal(0, 1, ink.shape).astype(np.float32) * rng.uniform(0.0, 0.12, n).astype(np.float32)[:, None]
    img = np.clip(ink + noise, 0.0, 1.0)
    return np.round(img * 255).astype(np.uint8).reshape(n, _SIZE, _SIZE)


def render_digits(labels: np.ndarray, seed: int = 0) -> np.ndarray:
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
    seeds = np.random.SeedSequence([int(seed), _VERSION]).spawn(max(1, -(-len(labels) // chunk)))
    out = np.empty((len(labels), _SIZE, _SIZE), np.uint8)

    def work(i: int) -> None:
        sl = slice(i * chunk, (i + 1) * chunk)
        out[sl] = _render_chunk(labels[sl], np.random.default_rng(seeds[i]))

    _glyph_fields()
    with ThreadPoolExecutor(max_workers=min(len(seeds), os.cpu_count() or 1)) as pool:
        list(pool.map(work, range(len(seeds))))
    return out
