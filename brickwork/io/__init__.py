"""Reading and writing: state dicts and checkpoints as safetensors files, and PyTorch checkpoints read safely.

- `save` / `load` (also ``brickwork.save`` / ``brickwork.load``): any nesting of dicts, lists and
  tuples holding tensors, in one safetensors file; ``load`` also reads other tools' safetensors files and
  ``torch.save`` checkpoints, never running code from a file.
- `save_checkpoint` / `load_checkpoint`: model, optimizer, scheduler, epoch and every random
  generator's state, so a resumed run continues bit for bit.
- `load_into`: load a state dict into a model and get a `LoadReport` of missing, unexpected,
  mismatched and broken-tie keys, optionally skipping mismatched shapes.
- `FormatError`: the one exception raised for every malformed file.

Example:
    >>> import io, brickwork as torch
    >>> buf = io.BytesIO(); torch.save({"w": torch.zeros(2)}, buf); _ = buf.seek(0)
    >>> torch.load(buf)["w"]
    tensor([0., 0.])
"""

from __future__ import annotations

from ._checkpoint import load_checkpoint, save_checkpoint
from ._errors import FormatError
from ._report import LoadReport, load_into
from ._serialization import load, save

__all__ = ["FormatError", "LoadReport", "load", "load_checkpoint", "load_into", "save", "save_checkpoint"]
