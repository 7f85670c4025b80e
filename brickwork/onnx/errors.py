"""The exporter's errors, with ``torch.onnx.errors``' names.

Example:
    >>> from brickwork.onnx.errors import OnnxExporterError, UnsupportedOperatorError
    >>> issubclass(UnsupportedOperatorError, OnnxExporterError) and issubclass(OnnxExporterError, RuntimeError)
    True
"""

from __future__ import annotations

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """The model cannot be exported as traced: the message names the op, the module path and the fix.

    Example:
        >>> str(OnnxExporterError("what went wrong"))
        'what went wrong'
    """


class UnsupportedOperatorError(OnnxExporterError):
    """An op (or one of its options) has no ONNX mapping.

    Example:
        >>> issubclass(UnsupportedOperatorError, RuntimeError)
        True
    """
