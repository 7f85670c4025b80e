"""``torch.backends.cuda``'s switches, kept so scripts that set them run unchanged.

``matmul.allow_tf32`` and the reduced-precision flags are recorded and read back; brickwork's CuPy products
always run in the tensors' own precision (no TF32), whatever they say. ``is_built()`` tells whether CuPy,
brickwork's CUDA backend, can be imported.

Example:
    >>> import brickwork as torch
    >>> torch.backends.cuda.matmul.allow_tf32
    False
"""

from __future__ import annotations

__all__ = ["matmul", "is_built", "flash_sdp_enabled", "mem_efficient_sdp_enabled", "math_sdp_enabled",
           "enable_flash_sdp", "enable_mem_efficient_sdp", "enable_math_sdp"]


class _Matmul:
    """The ``torch.backends.cuda.matmul`` flags (recorded only; brickwork's products never use TF32)."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    def __repr__(self) -> str:
        return f"<brickwork.backends.cuda.matmul allow_tf32={self.allow_tf32}>"


matmul = _Matmul()
_sdp = {"flash": True, "mem_efficient": True, "math": True}


def is_built() -> bool:
    """Whether brickwork's CUDA backend (CuPy) can be imported here.

    Example:
        >>> import brickwork as torch
        >>> isinstance(torch.backends.cuda.is_built(), bool)
        True
    """
    try:
        import cupy  # noqa: F401
    except Exception:
        return False
    return True


def flash_sdp_enabled() -> bool:
    """Whether the flash attention switch is on (recorded; brickwork has one attention implementation).

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cuda.flash_sdp_enabled()
        True
    """
    return _sdp["flash"]


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention switch is on (recorded only).

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cuda.mem_efficient_sdp_enabled()
        True
    """
    return _sdp["mem_efficient"]


def math_sdp_enabled() -> bool:
    """Whether the math attention switch is on (recorded only).

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cuda.math_sdp_enabled()
        True
    """
    return _sdp["math"]


def enable_flash_sdp(enabled: bool) -> None:
    """Set the flash attention switch (recorded only).

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cuda.enable_flash_sdp(True)
    """
    _sdp["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Set the memory-efficient attention switch (recorded only).

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cuda.enable_mem_efficient_sdp(True)
    """
    _sdp["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled: bool) -> None:
    """Set the math attention switch (recorded only).

    Example:
        >>> import brickwork as torch
        >>> torch.backends.cuda.enable_math_sdp(True)
    """
    _sdp["math"] = bool(enabled)
