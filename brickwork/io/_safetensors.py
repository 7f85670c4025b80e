"""The safetensors container: write arrays with a JSON header, and read a header back, checking all of it.

Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
``{"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}``,
then the byte buffer that the offsets point into. The writer pads the header with spaces to a multiple of 8
and orders tensors by decreasing item size with no gaps, as the reference library does, so every array is
aligned and the reference library accepts the file.

The reader checks the header against the file's real size before allocating anything.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ._files import Source

__all__ = ["MAX_HEADER", "Entry", "build", "from_code", "layout_problem", "read_arrays", "read_header", "to_code"]

MAX_HEADER = 100_000_000  # the reference library's limit on the JSON header
_MAX_DIMS = 32
_LIMIT = 1 << 60  # no real array has more elements, strides or offsets than this; NumPy overflows near 2**63

_CODES = {"F16": _dt.float16, "BF16": _dt.bfloat16, "F32": _dt.float32, "F64": _dt.float64, "I8": _dt.int8,
          "I16": _dt.int16, "I32": _dt.int32, "I64": _dt.int64, "U8": _dt.uint8, "BOOL": _dt.bool_,
          "C64": _dt.complex64}
_NAMES = {d.name: code for code, d in _CODES.items()}
_UNSUPPORTED = {"U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C128"}


def to_code(d: _dt.dtype) -> str:
    """The safetensors dtype code of a brickwork dtype.

    Example:
        >>> import brickwork as torch
        >>> to_code(torch.bfloat16)
        'BF16'
    """
    if d.name not in _NAMES:  # complex128: the safetensors format has no code for it
        raise TypeError(f"save: safetensors has no {d.name} dtype; store complex128 tensors as complex64 "
                        "(x.to(torch.complex64)), as a real pair (torch.view_as_real(x)), or save to a .pt file")
    return _NAMES[d.name]


def from_code(code: Any, where: str, src: Source) -> _dt.dtype:
    """The brickwork dtype of a safetensors dtype code; a FormatError naming ``where`` for anything else."""
    d = _CODES.get(code) if isinstance(code, str) else None
    if d is None:
        if isinstance(code, str) and code in _UNSUPPORTED:
            raise src.error(f"{where} has dtype {code}, which brickwork does not support (it has "
                            + ", ".join(_CODES) + ")")
        raise src.error(f"{where} has unknown dtype {code!r}")
    return d


class Entry:
    """One tensor's record in a header: dtype, shape, and its byte range within the data buffer."""

    __slots__ = ("begin", "dtype", "end", "key", "shape")

    def __init__(self, key: str, dtype: _dt.dtype, shape: tuple[int, ...], begin: int, end: int) -> None:
        self.key, self.dtype, self.shape, self.begin, self.end = key, dtype, shape, begin, end


def build(arrays: Sequence[tuple[str, np.ndarray]], metadata: dict[str, str]) -> list[Any]:
    """The chunks of a safetensors file holding C-contiguous host ``arrays`` (header first, then each buffer).

    Example:
        >>> import numpy as np
        >>> chunks = build([("w", np.zeros(2, np.float32))], {"format": "pt"})
        >>> sum(len(memoryview(c).cast("B")) for c in chunks)
        104
    """
    order = sorted(range(len(arrays)), key=lambda i: -arrays[i][1].dtype.itemsize)  # stable: keeps ties in order
    header: dict[str, Any] = {"__metadata__": metadata}
    chunks: list[Any] = [b""]
    offset = 0
    for i in order:
        key, a = arrays[i]
        n = a.nbytes
        header[key] = {"dtype": to_code(_dt.from_np(a.dtype)), "shape": list(a.shape),
                       "data_offsets": [offset, offset + n]}
        offset += n
        if n:
            chunks.append(a.reshape(-1).view(np.uint8))  # the array's own memory: no copy
    text = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    chunks[0] = struct.pack("<Q", len(text)) + text
    return chunks


def _int(x: Any) -> bool:
    return type(x) is int


def layout_problem(shape: Any, strides: Any = None, offset: Any = 0, itemsize: int = 1, nbytes: int = 0) -> str:
    """What is wrong with an array layout read from a file ('' if nothing): sizes, and for views, bounds.

    ``strides`` and ``offset`` are in bytes; given strides, the view must lie within ``nbytes`` bytes.

    Example:
        >>> layout_problem([2, -1]), layout_problem([2, 3], [12, 4], 0, 4, 24)
        ('negative size in shape [2, -1]', '')
    """
    if not (isinstance(shape, (list, tuple)) and len(shape) <= _MAX_DIMS and all(_int(s) for s in shape)):
        return f"shape must be a list of at most {_MAX_DIMS} integers, got {shape!r:.80}"
    if any(s < 0 for s in shape):
        return f"negative size in shape {list(shape)}"
    count = 1
    for s in shape:
        count *= max(s, 1)
    if count > _LIMIT:
        return f"shape {list(shape)} is absurdly large"
    if strides is None:
        return ""
    if not (isinstance(strides, (list, tuple)) and len(strides) == len(shape)
            and all(_int(s) and abs(s) <= _LIMIT for s in strides) and _int(offset) and 0 <= offset <= _LIMIT):
        return f"malformed strides {strides!r:.80} or offset {offset!r:.40} for shape {list(shape)}"
    if 0 in shape:
        return "" if offset <= nbytes else f"offset {offset} is beyond the {nbytes} bytes"
    lo = hi = offset
    for n, s in zip(shape, strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    if lo < 0 or hi + itemsize > nbytes:
        return (f"a view of shape {list(shape)}, strides {list(strides)} at offset {offset} reaches outside "
                f"{nbytes} bytes")
    return ""


def read_header(src: Source) -> tuple[dict[str, Entry], dict[str, str] | None, int]:
    """Parse and check a safetensors header: its entries by name (file order), its metadata, and where data starts.

    Every length, dtype, shape and offset is checked against the file's size before anything is allocated.
    """
    if src.size == 0:
        raise src.error("empty file (0 bytes)")
    if src.size < 8:
        raise src.error(f"truncated: {src.size} bytes, but a safetensors file starts with an 8-byte header length")
    (n,) = struct.unpack("<Q", src.read_at(0, 8, "the header length"))
    if n > MAX_HEADER:
        raise src.error(f"header length {n} is absurdly large (the limit is {MAX_HEADER} bytes); the file is "
                        "corrupt or not a safetensors file")
    if 8 + n > src.size:
        raise src.error(f"header length {n} is beyond the file ({src.size} bytes): the file is truncated or corrupt")
    raw = src.read_at(8, n, "the header")
    try:
        header = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise src.error(f"the header is not valid UTF-8 ({e})") from None
    except (ValueError, RecursionError) as e:
        raise src.error(f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise src.error(f"the header must be a JSON object, got {type(header).__name__}")
    start = 8 + n
    buffer = src.size - start
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (isinstance(metadata, dict)
                                     and all(isinstance(v, str) for v in metadata.values())):
        raise src.error("__metadata__ must map strings to strings")
    entries: dict[str, Entry] = {}
    for key, info in header.items():
        where = f"tensor {key!r}"
        if not isinstance(info, dict):
            raise src.error(f"{where}: expected an object with dtype, shape and data_offsets, got {info!r:.80}")
        dtype = from_code(info.get("dtype"), where, src)
        shape, offsets = info.get("shape"), info.get("data_offsets")
        if not isinstance(shape, list):
            raise src.error(f"{where}: shape must be a list of integers, got {shape!r:.80}")
        problem = layout_problem(shape)
        if problem:
            raise src.error(f"{where}: {problem}")
        numel = 1
        for s in shape:
            numel *= s
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_int(o) for o in offsets)):
            raise src.error(f"{where}: data_offsets must be [begin, end] integers, got {offsets!r:.80}")
        begin, end = offsets
        if not 0 <= begin <= end <= buffer:
            raise src.error(f"{where}: data_offsets [{begin}, {end}] are out of range (the data buffer holds "
                            f"{buffer} bytes)")
        if end - begin != numel * dtype.itemsize:
            raise src.error(f"{where}: {end - begin} bytes of data disagree with shape {shape} and dtype "
                            f"{to_code(dtype)} ({numel * dtype.itemsize} bytes)")
        entries[key] = Entry(key, dtype, tuple(shape), begin, end)
    spans = sorted((e.begin, e.end, e.key) for e in entries.values() if e.end > e.begin)
    for (_, end_a, a), (begin_b, _, b) in pairwise(spans):
        if begin_b < end_a:
            raise src.error(f"tensors {a!r} and {b!r} have overlapping data_offsets")
    return entries, metadata, start


def read_arrays(src: Source, entries: dict[str, Entry], start: int, use_mmap: bool) -> dict[str, np.ndarray]:
    """One host array per entry: each read into its own new buffer, or a copy-on-write view of a memory map."""
    out: dict[str, np.ndarray] = {}
    if use_mmap:
        mm, base = src.mmap()
        for e in entries.values():
            np_dtype = e.dtype.np
            if e.end == e.begin:
                out[e.key] = np.empty(e.shape, np_dtype)
            else:
                a = np.frombuffer(mm, np_dtype, (e.end - e.begin) // e.dtype.itemsize, base + start + e.begin)
                out[e.key] = a.reshape(e.shape)
        return out
    for e in sorted(entries.values(), key=lambda e: e.begin):  # sequential reads
        a = np.empty(e.shape, e.dtype.np)
        if a.nbytes:
            src.readinto_at(start + e.begin, a.reshape(-1).view(np.uint8), f"tensor {e.key!r}")
        out[e.key] = a
    return {k: out[k] for k in entries}
