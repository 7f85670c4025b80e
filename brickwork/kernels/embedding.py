"""The embedding backward kernel: gradient rows summed into the rows of the weight they were looked up from.

``embedding_backward(xp, indices, grad, num_weights)`` takes the flat indices (M,) and the output gradient rows
(M, D) and returns the weight gradient (num_weights, D). The reference is ``add.at`` (NumPy's unbuffered
scatter-add is slow: ~50 ns a row element); the CPU kernel is one loop over the rows.

Example:
    >>> import numpy as np
    >>> from brickwork.kernels.embedding import embedding_backward
    >>> embedding_backward(np, np.array([1, 1]), np.ones((2, 2)), 3).tolist()
    [[0.0, 0.0], [2.0, 2.0], [0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import kernel

__all__ = ["embedding_backward"]


def _embedding_backward(xp: Any, indices: Any, grad: Any, num_weights: int) -> Any:
    """``out[indices[m]] += grad[m]`` for every row ``m``, into zeros of shape (num_weights, D)."""
    out = xp.zeros((num_weights, grad.shape[1]), grad.dtype)
    if xp is np:
        np.add.at(out, indices, grad)
    else:
        import cupyx

        cupyx.scatter_add(out, indices, grad)
    return out


embedding_backward = kernel("embedding_backward", _embedding_backward,
                            "brickwork.kernels._cpu.embedding:embedding_backward")
