"""Helpers for the tests that run the same code on ``brickwork`` and on ``torch`` and compare the results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import brickwork as bw

LIBS = (bw, torch)


def npy(t: Any) -> Any:
    """A tensor of either library (or a nested tuple/list of them) as NumPy arrays, for comparison."""
    if isinstance(t, (list, tuple)):
        return type(t)(npy(x) for x in t)
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    if isinstance(t, bw.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == bw.bfloat16 else t).numpy()
    return t


def same(a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    """Assert two results (tensors of either library, possibly nested, or None) are equal in value and shape."""
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y, rtol, atol)
        return
    if a is None or b is None:
        assert a is None and b is None, (a, b)
        return
    x, y = np.asarray(npy(a)), np.asarray(npy(b))
    assert x.shape == y.shape, (x.shape, y.shape)
    np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


def both(fn: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``fn(brickwork)`` and ``fn(torch)``."""
    return fn(bw), fn(torch)
