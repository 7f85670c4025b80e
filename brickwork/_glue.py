"""Top-level functions that training scripts call around the math: ``compile``, ``_assert`` and the float32
matmul precision switch.

Example:
    >>> import brickwork as torch
    >>> torch.compile(torch.nn.ReLU())
    ReLU()
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["compile", "_assert", "set_float32_matmul_precision", "get_float32_matmul_precision"]

_MATMUL_PRECISION = ["highest"]


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: bool | None = None,  # noqa: A001
            backend: str | Callable | None = None, mode: str | None = None, options: dict | None = None,
            name: str | None = None, disable: bool = False, recompile_limit: int | None = None,
            isolate_recompiles: bool = False, shapes_spec: Any = None) -> Any:
    """``model`` unchanged: brickwork is eager and compiles nothing (used as ``@compile(...)``, a no-op decorator).

    Every option is accepted and ignored, so scripts that wrap their model in ``torch.compile`` run as they
    would with ``disable=True``, with the same results and no compilation time.

    Example:
        >>> import brickwork as torch
        >>> f = lambda x: x + 1
        >>> torch.compile(f) is f, torch.compile(mode="max-autotune")(f) is f
        (True, True)
    """
    if model is None:
        return lambda fn: fn
    return model


def _assert(condition: Any, message: str) -> None:
    """``assert condition, message`` as a function (PyTorch's form that tracing can keep); AssertionError if false.

    Example:
        >>> import brickwork as torch
        >>> torch._assert(torch.tensor(True), "fine")
    """
    if not condition:
        raise AssertionError(message)


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision (``'highest'``, ``'high'`` or ``'medium'``).

    brickwork's float32 products always run in full float32 ('highest'); the setting is kept so that
    `get_float32_matmul_precision` reads it back, as scripts expect. An unknown value warns and is ignored,
    as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> torch.set_float32_matmul_precision("high"); torch.get_float32_matmul_precision()
        'high'
        >>> torch.set_float32_matmul_precision("highest")
    """
    if precision not in ("highest", "high", "medium"):
        import warnings

        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.", UserWarning, stacklevel=2)
        return
    _MATMUL_PRECISION[0] = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision last set (``'highest'`` by default).

    Example:
        >>> import brickwork as torch
        >>> torch.get_float32_matmul_precision()
        'highest'
    """
    return _MATMUL_PRECISION[0]
