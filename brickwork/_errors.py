"""Op errors that a module can name: the one way an error raised inside a model says where it happened.

An op raises ``op_error(RuntimeError, "linear", "expected input with last dimension 20, got shape (2, 30)")``:
an ordinary ``RuntimeError`` whose message is ``'linear: expected ...'`` and which remembers the part after the
op's name. ``Module.__call__`` (brickwork/nn/module.py) catches every ``RuntimeError`` and ``ValueError`` (exact
types) leaving a module's forward and calls `brickwork.nn._device_context.add_module_path`: the message
becomes ``'<where>: <detail>'``, where ``<where>`` is the module, ``'Linear'``, or its path in the model the user
called, ``'2 (Linear) of Sequential'``. Each enclosing module rewrites it from itself, so the outermost call
leaves a path that matches ``state_dict()`` keys. An error raised without `op_error` keeps its whole
message after the prefix (``'Flatten: reshape: ...'``). The exception object, its type and its traceback are
the ones raised; only the message changes. Device mismatches carry more (the members on another device) and
are named by ``add_module_context`` in the same ``<where>`` format.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["AcceleratorError", "FatalError", "OutOfMemoryError", "op_error"]

E = TypeVar("E", bound=Exception)


def op_error(cls: type[E], op: str, detail: str) -> E:
    """``cls(f"{op}: {detail}")`` remembering ``detail``, so that a module calling the op can name itself instead.

    Example:
        >>> err = op_error(RuntimeError, "linear", "expected input with last dimension 20")
        >>> type(err).__name__, str(err), err.op_detail
        ('RuntimeError', 'linear: expected input with last dimension 20', 'expected input with last dimension 20')
    """
    err = cls(f"{op}: {detail}")
    err.op_detail = detail  # type: ignore[attr-defined]
    return err


class OutOfMemoryError(RuntimeError):
    """PyTorch's error for a device that ran out of memory.

    brickwork's arrays report exhaustion as NumPy's ``MemoryError`` or CuPy's ``OutOfMemoryError``; this
    class is here so that handlers written for torch (``except torch.OutOfMemoryError:``) import and run.

    Example:
        >>> import brickwork as torch
        >>> issubclass(torch.OutOfMemoryError, RuntimeError)
        True
    """


class AcceleratorError(RuntimeError):
    """PyTorch's error raised while executing on an accelerator device.

    Example:
        >>> import brickwork as torch
        >>> issubclass(torch.AcceleratorError, RuntimeError)
        True
    """


class FatalError(Exception):
    """PyTorch's error for an unrecoverable internal failure.

    Example:
        >>> import brickwork as torch
        >>> issubclass(torch.FatalError, Exception)
        True
    """
