"""``brickwork.save`` and ``brickwork.load``: one safetensors file per object, and readers for PyTorch files."""

from __future__ import annotations

import os
from typing import Any

from .._tensor import _make
from ._files import Source, is_path, write_to
from ._location import Placer, place
from ._safetensors import build, read_arrays, read_header
from ._structure import pack, unpack
from ._torch import load_legacy, load_zip
from ._torch_write import torch_zip_bytes

_TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")

__all__ = ["load", "save"]


def save(obj: Any, f: Any, pickle_module: Any = None, pickle_protocol: Any = None) -> None:
    """Save a tensor, or any nesting of dicts, lists and tuples holding tensors and plain values, to one file.

    A path ending in ``.pt``, ``.pth``, ``.bin`` or ``.ckpt`` gets PyTorch's zip format instead, with a pickle that
    only rebuilds tensors and plain containers, so ``torch.load(path, weights_only=True)`` reads it; such files
    hold tensors, dict/OrderedDict/list/tuple, str/int/float/bool/None, dtypes and devices (anything else raises
    TypeError). Safetensors stays the recommended format.

    Otherwise the file is a safetensors file: the tensors are its named buffers (a plain state dict keeps its
    dotted keys) and the structure around them is JSON in its metadata, so the reference ``safetensors`` library
    opens it too. Tensors sharing memory (tied weights, views) are stored once and come back sharing memory; the same
    tensor object met twice comes back as one object. Nothing is pickled.

    Saving to a path is atomic: the data goes to a temporary file in the same folder, which is fsynced and then
    renamed over ``f``, so an interrupted save leaves the previous file intact. A file object is written in
    place.

    Args:
        obj: what to save: tensors, NumPy arrays, dict / OrderedDict / list / tuple, int, float, bool, str,
            None, dtypes, devices and `Generator` objects (saved with their state).
        f: a path (str or os.PathLike) or a binary file object opened for writing.
        pickle_module: accepted for compatibility with ``torch.save`` and ignored.
        pickle_protocol: accepted for compatibility with ``torch.save`` and ignored.

    Example:
        >>> import io, brickwork as torch
        >>> buf = io.BytesIO(); torch.save({"w": torch.ones(2), "step": 3}, buf); _ = buf.seek(0)
        >>> torch.load(buf)
        {'w': tensor([1., 1.]), 'step': 3}
    """
    if is_path(f) and os.fsdecode(os.fspath(f)).lower().endswith(_TORCH_SUFFIXES):
        write_to(f, [torch_zip_bytes(obj)])
        return
    arrays, metadata = pack(obj)
    write_to(f, build(arrays, metadata))


def load(f: Any, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool = True,
         mmap: bool = False, **pickle_load_args: Any) -> Any:
    """Load what `save` wrote, a safetensors file from any tool, or a ``torch.save`` checkpoint.

    Nothing from the file is ever executed. PyTorch checkpoints (zip ``.pt``/``.pth`` files and the older
    non-zip format) are read by a restricted unpickler that builds only tensors, OrderedDicts and plain values,
    without PyTorch installed; any other object in the pickle raises `FormatError` naming it. A plain
    safetensors file from another tool loads as a dict of tensors.

    Args:
        f: a path or a binary file object (read from its current position).
        map_location: where tensors go: None (the device they were saved from), a device or string
            (``'cpu'``), a dict mapping saved locations to new ones (``{'cuda:0': 'cpu'}``), or a callable
            ``fn(storage, location)`` as in PyTorch, whose result's device is used (None keeps the saved one).
        pickle_module: accepted for compatibility and ignored (brickwork never unpickles arbitrary objects).
        weights_only: accepted for compatibility; loading is always restricted to weights and plain data, so
            ``False`` does not enable arbitrary objects.
        mmap: map the file into memory instead of reading it: tensors are copy-on-write views of the file's
            pages, read lazily on first touch. Writing to them works and never changes the file. Keep the file
            in place (replacing it, as `save` does, is fine) while they are in use.
        pickle_load_args: accepted for compatibility and ignored.

    Raises:
        FormatError: the file is empty, truncated, corrupt, or holds something brickwork refuses to load.

    Example:
        >>> import io, brickwork as torch
        >>> buf = io.BytesIO(); torch.save([torch.arange(3)], buf); _ = buf.seek(0)
        >>> torch.load(buf, map_location="cpu")
        [tensor([0, 1, 2])]
    """
    placer = Placer(map_location)
    with Source(f) as src:
        if src.size == 0:
            raise src.error("empty file (0 bytes)")
        head = src.read_at(0, min(src.size, 512), "the file's first bytes")
        if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
            return load_zip(src, placer, mmap)
        if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05") and head[8:9] != b"{":
            return load_legacy(src, placer)
        if head[257:262] == b"ustar":
            raise src.error("a tar archive (PyTorch's format before version 0.4?), which brickwork cannot read; "
                            "re-save it with a recent torch.save")
        entries, metadata, start = read_header(src)
        arrays = read_arrays(src, entries, start, mmap)
        text = metadata.get("brickwork") if metadata else None
        if text is not None:
            return unpack(src, text, entries, arrays, placer)
        out = {}
        for key, a in arrays.items():  # a safetensors file from another tool: a flat dict of tensors
            dev = placer.device("cpu", a, src)
            out[key] = _make(place(a, dev), dev)
        return out
