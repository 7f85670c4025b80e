"""The one exception every malformed file raises, and the helper that names the file in its message."""

from __future__ import annotations

from typing import Any

__all__ = ["FormatError", "describe"]


class FormatError(ValueError):
    """A file that `brickwork.load` cannot read: truncated, corrupt, or carrying something it refuses.

    Every malformed input raises this class (never a bare ``KeyError`` or ``struct.error``) with a message that
    names the file and the problem, for example ``model.pt: header length 9000000000 is beyond the file (512
    bytes)`` or ``model.pt: refused to load global 'posix.system' ...``. It subclasses ``ValueError``.

    Example:
        >>> import io, brickwork
        >>> try:
        ...     brickwork.load(io.BytesIO(b"not a checkpoint"))
        ... except brickwork.io.FormatError as e:
        ...     print("FormatError")
        FormatError
    """


def describe(f: Any) -> str:
    """A short name for a path or file object, used to start error messages."""
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        import os

        return os.fsdecode(os.fspath(f))
    name = getattr(f, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(f).__name__}>"
