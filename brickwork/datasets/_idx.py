"""Reading the IDX format of MNIST-style files (plain or gzipped), with the header checked against the data.

An IDX file starts with a magic number ``0x0000TTDD`` (TT: element type, DD: number of dimensions), then one
big-endian uint32 per dimension, then the elements in big-endian row-major order.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "write_idx"]

_TYPES: dict[int, np.dtype] = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
                               0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {v.newbyteorder("="): k for k, v in _TYPES.items()}


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:
            return f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"{path}: cannot decompress ({e}); the file is truncated or corrupt: delete it and "
                         "download it again") from None


def read_idx(path: str | Path, magic: int | None = None) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` or not), in native byte order.

    Args:
        path: the file.
        magic: the expected magic number (2051 for MNIST images, 2049 for labels), if any.

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
        >>> write_idx(p, np.array([3, 1], np.uint8)); read_idx(p, magic=2049)
        array([3, 1], dtype=uint8)
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path}: {len(raw)} bytes is too short for an IDX file; delete it and download it again")
    found = int.from_bytes(raw[:4], "big")
    zero, type_code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or type_code not in _TYPES or ndim == 0:
        raise ValueError(f"{path}: bad IDX magic number 0x{found:08X} (expected 0x0000TTDD with a known element "
                         "type TT and DD >= 1 dimensions): not an IDX file, or corrupt")
    if magic is not None and found != magic:
        raise ValueError(f"{path}: IDX magic number {found} where {magic} was expected: this is a different kind "
                         "of IDX file (images and labels swapped?)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes for {ndim} dimensions)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = _TYPES[type_code]
    want = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != want:
        raise ValueError(f"{path}: the header promises shape {shape} ({want} bytes of data) but the file holds "
                         f"{len(raw) - header} bytes: truncated or corrupt, delete it and download it again")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in ``.gz``).

    Example:
        >>> import numpy as np, tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "x-idx3-ubyte.gz"
        >>> write_idx(p, np.zeros((2, 28, 28), np.uint8)); read_idx(p, magic=2051).shape
        (2, 28, 28)
    """
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"write_idx: IDX has no element type for {array.dtype}; use uint8, int8, int16, int32, "
                        "float32 or float64")
    blob = (bytes([0, 0, code, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
            + array.astype(_TYPES[code]).tobytes())
    path = Path(path)
    if path.suffix == ".gz":
        blob = gzip.compress(blob, compresslevel=6, mtime=0)
    path.write_bytes(blob)
