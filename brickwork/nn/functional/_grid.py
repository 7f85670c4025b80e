"""Sampling grids: ``affine_grid`` (a batch of affine maps to a grid of sample points) and ``grid_sample``
(read an image at those points: bilinear, nearest or bicubic; zeros, border or reflection padding).

Both are compositions of tensor ops (a matrix product; floor, gathers and weighted sums), so autograd gives the
gradients with respect to ``theta``, ``input`` and ``grid``. The coordinate rules are PyTorch's: a grid value
of -1/1 is the centre of the corner pixel (``align_corners=True``) or its outer edge (``False``).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

from ... import ops
from ..._errors import op_error
from ..._tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_DEFAULT_CHANGED = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                    "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                    "grid_sample for details.")
_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


def _linspace(steps: int, align_corners: bool, like: Tensor) -> Tensor:
    """The normalized coordinates of ``steps`` pixel centres along one axis."""
    if steps <= 1:
        return ops.zeros(max(steps, 1), dtype=like.dtype, device=like.device)
    a = 1.0 if align_corners else (steps - 1) / steps
    return ops.linspace(-a, a, steps, dtype=like.dtype, device=like.device)


def affine_grid_generator(theta: Tensor, size: Sequence[int], align_corners: bool) -> Tensor:
    """The sampling grid of `affine_grid` without its argument checks (torch's ``affine_grid_generator``)."""
    if len(size) not in (4, 5):
        raise op_error(RuntimeError, "affine_grid_generator",
                       f"needs 4d (spatial) or 5d (volumetric) sizes, got {list(size)}")
    spatial = [int(s) for s in size[2:]]
    mesh = ops.meshgrid(*[_linspace(s, align_corners, theta) for s in spatial], indexing="ij")
    # base[..., :d] is each point's (x, y[, z]): the grid's order, the reverse of the axes'; base[..., d] is 1
    base = ops.stack(list(mesh[::-1]) + [ops.ones_like(mesh[0])], -1)    # (*spatial, d + 1)
    points = base.reshape(1, -1, len(spatial) + 1)
    grid = ops.matmul(points, theta.transpose(1, 2))                       # (N, prod(spatial), d)
    return grid.reshape(int(size[0]), *spatial, len(spatial))


def affine_grid(theta: Tensor, size: list[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps ``theta``, for `grid_sample`.

    ``theta`` is ``(N, 2, 3)`` (or ``(N, 3, 4)``) and ``size`` the output's ``(N, C, H, W)`` (or 5-d) size; the
    grid is ``(N, H, W, 2)`` (or ``(N, D, H, W, 3)``).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.affine_grid(torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]), [1, 1, 1, 2], align_corners=False)
        tensor([[[[-0.5000,  0.0000],
                  [ 0.5000,  0.0000]]]])
    """
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) in (4, 5):
        rows = len(size) - 2
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (rows, rows + 1):
            raise ValueError(f"Expected a batch of {rows}D affine matrices of shape Nx{rows}x{rows + 1} for size "
                             f"{size}. Got {theta.shape}.")
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return affine_grid_generator(theta, size, align_corners)


# -- grid_sample -------------------------------------------------------------------------------------------

def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    """Grid values in [-1, 1] to pixel coordinates along an axis of ``size`` pixels."""
    if align_corners:
        return (coord + 1) * ((size - 1) / 2)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """``coord`` reflected (repeatedly) into ``[twice_low / 2, twice_high / 2]``."""
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    dist = (coord - low).abs()
    extra = ops.fmod(dist, span)
    flips = ops.floor(dist.detach() / span)
    return ops.where(ops.fmod(flips, 2) == 0, extra + low, span - extra + low)


def _padded(coord: Tensor, size: int, padding: int, align_corners: bool) -> Tensor:
    """Pixel coordinates after border (clamped) or reflection padding; zeros padding leaves them as they are."""
    if padding == 2:
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
    if padding != 0:
        coord = coord.clamp(0, size - 1)
    return coord


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """The four cubic-convolution weights (A = -0.75, as PyTorch) of the taps at -1, 0, 1, 2 from the floor."""
    a = -0.75

    def near(x: Tensor) -> Tensor:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Tensor) -> Tensor:   # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _total(terms: Sequence[Tensor]) -> Tensor:
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def _gather(flat: Tensor, taps: Sequence[Tensor], spatial: Sequence[int], out_shape: tuple) -> Tensor:
    """``flat`` ``(N, C, prod(spatial))`` read at integer pixel ``taps`` (one per axis, x first), 0 outside."""
    n, c = flat.shape[0], flat.shape[1]
    sizes, strides = spatial[::-1], [math.prod(spatial[len(spatial) - k:]) for k in range(len(spatial))]
    inside = _total([((t < 0) | (t > s - 1)).long() for t, s in zip(taps, sizes)]) == 0
    index = _total([t.clamp(0, s - 1).long() * st for t, s, st in zip(taps, sizes, strides)])
    values = flat.gather(2, index.reshape(n, 1, -1).expand(n, c, index[0].numel()))
    return ops.where(inside.reshape(n, 1, -1), values, 0.0).reshape(n, c, *out_shape)


def grid_sampler(input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int,
                 align_corners: bool) -> Tensor:
    """`grid_sample` with its modes as numbers (torch's ``grid_sampler``).

    ``interpolation_mode`` 0/1/2 is bilinear/nearest/bicubic; ``padding_mode`` 0/1/2 is zeros/border/reflection.
    """
    d = input.dim() - 2
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise op_error(RuntimeError, "grid_sampler", f"expected 4D or 5D input and grid with same number of "
                       f"dimensions, but got input with sizes {list(input.shape)} and grid with sizes "
                       f"{list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise op_error(RuntimeError, "grid_sampler", f"expected grid and input to have same batch size, but got "
                       f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != d:
        raise op_error(RuntimeError, "grid_sampler", f"expected grid to have size {d} in last dimension, but got "
                       f"grid with sizes {list(grid.shape)}")
    if interpolation_mode == 2 and d != 2:
        raise op_error(RuntimeError, "grid_sampler", "bicubic interpolation only supports 4D input")
    if interpolation_mode not in (0, 1, 2) or padding_mode not in (0, 1, 2):
        raise op_error(RuntimeError, "grid_sampler", f"expected interpolation_mode and padding_mode in 0, 1, 2, "
                       f"got {interpolation_mode} and {padding_mode}")
    if input.dtype != grid.dtype:
        raise op_error(RuntimeError, "grid_sampler", f"expected input and grid to have the same dtype, but input "
                       f"has {input.dtype} and grid has {grid.dtype}")
    spatial = [int(s) for s in input.shape[2:]]
    out_shape = tuple(grid.shape[1:-1])
    flat = input.reshape(input.shape[0], input.shape[1], -1)
    sizes = spatial[::-1]                         # grid[..., 0] is x (the last axis)
    coords = [_unnormalize(grid[..., k], sizes[k], align_corners) for k in range(d)]
    if interpolation_mode == 2:                   # taps are padded one by one; the point itself is not
        lows = [ops.floor(c.detach()) for c in coords]
        weights = [_cubic_weights(c - lo) for c, lo in zip(coords, lows)]
        return _total([
            _gather(flat, [_padded(lo + (o - 1), s, padding_mode, align_corners).detach()
                           for lo, o, s in zip(lows, offsets, sizes)], spatial, out_shape)
            * (weights[0][offsets[0]] * weights[1][offsets[1]]).unsqueeze(1)
            for offsets in itertools.product(range(4), repeat=d)])
    coords = [_padded(c, s, padding_mode, align_corners) for c, s in zip(coords, sizes)]
    if interpolation_mode == 1:
        return _gather(flat, [ops.round(c.detach()) for c in coords], spatial, out_shape)
    lows = [ops.floor(c.detach()) for c in coords]
    fracs = [c - lo for c, lo in zip(coords, lows)]
    terms = []
    for offsets in itertools.product((0, 1), repeat=d):  # the 2**d corners, each weighted by its opposite box
        w = [f if o else 1 - f for f, o in zip(fracs, offsets)]
        weight = w[0] * w[1] if d == 2 else w[0] * w[1] * w[2]
        terms.append(_gather(flat, [lo + o for lo, o in zip(lows, offsets)], spatial, out_shape) * weight.unsqueeze(1))
    return _total(terms)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """``input`` read at the normalized points ``grid``, interpolated by ``mode``.

    ``input`` is ``(N, C, H, W)`` (or 5-d), ``grid`` ``(N, H_out, W_out, 2)`` (or ``(N, D_out, H_out, W_out,
    3)``) with ``grid[..., 0]`` the x coordinate; the output is ``(N, C, H_out, W_out)`` (or 5-d).

    Modes: ``'bilinear'`` (trilinear on 5-d input), ``'nearest'`` (ties to even), ``'bicubic'`` (4-d only).
    ``padding_mode`` gives the value outside the image: ``'zeros'``, ``'border'`` (the nearest edge pixel) or
    ``'reflection'``.

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> image = torch.tensor([[[[0.0, 10.0], [20.0, 30.0]]]])
        >>> F.grid_sample(image, torch.tensor([[[[0.0, 0.0], [1.0, -1.0]]]]), align_corners=True)
        tensor([[[[15., 10.]]]])
    """
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_DEFAULT_CHANGED, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, _MODES[mode], _PADDINGS[padding_mode], align_corners)
