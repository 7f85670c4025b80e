"""``torch.backends.cudnn``'s flags, kept so training scripts that set them run unchanged.

brickwork does not call cuDNN itself (its GPU ops are CuPy kernels and cuBLAS products), so ``benchmark``,
``deterministic``, ``enabled`` and ``allow_tf32`` are recorded and read back but choose nothing; brickwork's
GPU results do not depend on them.

Example:
    >>> import brickwork as torch
    >>> torch.backends.cudnn.benchmark = True
    >>> torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic
    (True, False)
    >>> torch.backends.cudnn.benchmark = False
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["enabled", "benchmark", "deterministic", "allow_tf32", "is_available", "version", "flags"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True
benchmark_limit = 10


def is_available() -> bool:
    """Whether cuDNN is usable: False, since brickwork never calls it.

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cudnn.is_available()
        False
    """
    return False


def version() -> int | None:
    """cuDNN's version: None, since brickwork does not load it.

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cudnn.version() is None
        True
    """
    return None


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, deterministic: bool = False,
          allow_tf32: bool = True) -> Iterator[None]:
    """Set the flags inside a ``with`` block and restore them after.

    Example:
        >>> import brickwork as torch
        >>> with torch.backends.cudnn.flags(enabled=True, deterministic=True):
        ...     torch.backends.cudnn.deterministic
        True
    """
    g = globals()
    old = {k: g[k] for k in ("enabled", "benchmark", "deterministic", "allow_tf32")}
    g.update(enabled=enabled, benchmark=benchmark, deterministic=deterministic, allow_tf32=allow_tf32)
    try:
        yield
    finally:
        g.update(old)
