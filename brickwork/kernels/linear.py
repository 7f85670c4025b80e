"""Two products of ``linear``: the forward of a few rows, and the input gradient ``g @ W``.

- ``linear_few_rows(xp, x, w, b)``: ``x @ w.T + b`` for a few rows ``x`` (R, in), C-contiguous. The reference
  computes ``(w @ x.T).T`` (OpenBLAS multiplies a few rows by a transposed weight at half speed) and adds the bias
  into a C-ordered result; the NumPy backend's ``affine`` calls it for up to ``FEW_ROWS`` rows. The CPU kernel
  runs the tiled GEMM for batches of 16 or 32 rows against a weight of 256 x 256 or more (AVX-512 tile), where it
  measured 0.72-0.93 of the reference's time on an EPYC Zen 4 (16 x 784 @ 784 x 256: 69 vs 95 us); other shapes,
  where it lost or tied (8 rows, rows not a multiple of 16, 64 rows), run the reference.
- ``linear_input_grad(xp, g, w)``: ``g @ w`` for the output gradient rows ``g`` (R, out) and the weight (out, in).
  The reference is the array module's ``matmul``; the CPU kernel (float32, AVX-512 tile of
  `brickwork.kernels._cpu._gemm`) runs the tiled GEMM on products with a long contraction (``out`` >= 256), where it
  measured 6-30% faster than OpenBLAS on an EPYC Zen 4 (700 x 1000 @ 1000 x 256: 3.2 vs 3.5 ms).

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.linear import linear_input_grad
    >>> linear_input_grad(np, np.ones((2, 3)), np.ones((3, 4))).tolist()
    [[3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0]]
"""

from __future__ import annotations

from typing import Any

from . import Kernel

__all__ = ["linear_few_rows", "linear_input_grad"]


def _linear_few_rows(xp: Any, x: Any, w: Any, b: Any) -> Any:
    """``x @ w.T + b`` (C-contiguous) for ``x`` (R, in), ``w`` (out, in) and ``b`` (out,) or None, as ``(w @ x.T).T``."""
    yt = (w @ x.T).T
    y = xp.empty(yt.shape, yt.dtype)
    if b is None:
        y[...] = yt
    else:
        xp.add(yt, b, out=y)
    return y


def _linear_input_grad(xp: Any, g: Any, w: Any) -> Any:
    """``g @ w`` for ``g`` (R, out) and ``w`` (out, in): (R, in)."""
    return xp.matmul(g, w)


linear_few_rows = Kernel("linear_few_rows", _linear_few_rows, "brickwork.kernels._cpu.linear:linear_few_rows")
linear_input_grad = Kernel("linear_input_grad", _linear_input_grad, "brickwork.kernels._cpu.linear:linear_input_grad")
