"""The three products of ``linear``: the forward ``x @ w.T + b``, the input gradient ``g @ w`` and the weight
gradient ``g.T @ x``.

- ``linear_forward(xp, x, w, b)``: ``x @ w.T + b`` for rows ``x`` (R, in), C-contiguous. The reference computes
  up to `FEW_ROWS` rows as ``(w @ x.T).T`` (OpenBLAS multiplies a few rows by a transposed weight at half speed)
  and adds the bias into a C-ordered result; more rows are ``x @ w.T`` with the bias added in place. The NumPy
  backend's ``affine`` calls it. The CPU kernel (float32, AVX-512) runs `brickwork.kernels._cpu._gemm.gemm_nt`,
  which reads both ``x`` and ``w`` along their rows, for a contraction ``in`` >= 256 and up to 256 rows; measured
  on an EPYC Zen 4 against the reference: 16 x 784 @ 784 x 256 63 vs 87 us, 256 rows 0.97 vs 1.05 ms, 20 x 256 @
  256 x 1000 132 vs 183 us, 256 x 256 @ 256 x 10 24 vs 39 us; with a shorter contraction (the sums' final
  reduction then weighs) or more rows (700 x 256 @ 256 x 1000: 3.9 vs 3.7 ms) it lost. More than 256 rows (with
  ``in`` and ``out`` >= 64) run the weight's transpose (one compiled pass) and the tiled GEMM of ``._gemm`` onto
  the bias: 1024 x 128 @ 128 x 512 1.30 vs 1.59 ms, 1024 x 512 @ 512 x 128 1.21 vs 1.43, 700 x 128 @ 128 x 1024
  1.98 vs 2.37, 700 x 256 @ 256 x 1000 3.8 vs 3.8. Other shapes run the reference.
- ``linear_input_grad(xp, g, w)``: ``g @ w`` for the output gradient rows ``g`` (R, out) and the weight (out, in).
  The reference is the array module's ``matmul``; the CPU kernel (float32, AVX-512 tile of
  `brickwork.kernels._cpu._gemm`) runs the tiled GEMM on products with a long contraction (``out`` >= 256), where it
  measured 6-30% faster than OpenBLAS on an EPYC Zen 4 (700 x 1000 @ 1000 x 256: 3.2 vs 3.5 ms).
- ``linear_weight_grad(xp, g, x)``: ``g.T @ x`` for ``g`` (R, out) and the input rows ``x`` (R, in): (out, in).
  The reference is ``matmul`` of the transposed view; the CPU kernel (float32, AVX-512) runs the tiled GEMM reading
  ``g`` transposed in place and writing the result without zeroing it first, for ``in`` >= 64: on an EPYC Zen 4
  16 x 256 / 16 x 784 took 62 vs 80 us, 256 rows 0.97 vs 1.01 ms, 700 x 1000 / 700 x 256 3.5 vs 3.9 ms.

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.linear import linear_forward, linear_input_grad, linear_weight_grad
    >>> linear_input_grad(np, np.ones((2, 3)), np.ones((3, 4))).tolist()
    [[3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0]]
    >>> linear_forward(np, np.ones((2, 3)), np.ones((1, 3)), np.ones(1)).tolist()
    [[4.0], [4.0]]
    >>> linear_weight_grad(np, np.ones((2, 1)), np.ones((2, 3))).tolist()
    [[2.0, 2.0, 2.0]]
"""

from __future__ import annotations

from typing import Any

from . import kernel

__all__ = ["linear_forward", "linear_input_grad", "linear_weight_grad", "FEW_ROWS"]

FEW_ROWS = 128  # up to this many rows, the reference forward multiplies by the weight untransposed


def _linear_forward(xp: Any, x: Any, w: Any, b: Any) -> Any:
    """``x @ w.T + b`` (C-contiguous) for ``x`` (R, in), ``w`` (out, in) and ``b`` (out,) or None."""
    if x.shape[0] > FEW_ROWS:
        y = x @ w.T
        if b is not None:
            y += b
        return y
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


def _linear_weight_grad(xp: Any, g: Any, x: Any) -> Any:
    """``g.T @ x`` for ``g`` (R, out) and ``x`` (R, in): (out, in)."""
    return xp.matmul(g.T, x)


linear_forward = kernel("linear_forward", _linear_forward, "brickwork.kernels._cpu.linear:linear_forward")
linear_input_grad = kernel("linear_input_grad", _linear_input_grad, "brickwork.kernels._cpu.linear:linear_input_grad")
linear_weight_grad = kernel("linear_weight_grad", _linear_weight_grad,
                            "brickwork.kernels._cpu.linear:linear_weight_grad")
