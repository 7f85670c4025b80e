"""ONNX export with ``torch.onnx``'s API: `export` traces one forward and writes an ONNX model.

See ``docs/guide/onnx.md``. Needs the ``onnx`` package (``pip install 'brickwork[onnx]'``, which also installs
``onnxruntime`` to run the result).

Example:
    >>> import brickwork as torch
    >>> proto = torch.onnx.export(torch.nn.Linear(3, 2), (torch.randn(1, 3),))
    >>> proto.graph.node[0].op_type
    'Gemm'
"""

from __future__ import annotations

from . import errors
from ._export import TrainingMode, export
from .errors import OnnxExporterError, UnsupportedOperatorError

__all__ = ["export", "TrainingMode", "errors", "OnnxExporterError", "UnsupportedOperatorError"]
