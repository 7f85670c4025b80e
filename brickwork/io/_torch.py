"""Reading PyTorch checkpoints (``torch.save``'s zip format, and the older non-zip format) without PyTorch.

A checkpoint is a pickle plus one raw buffer per storage. The pickle is read by `_Unpickler`, whose
``find_class`` admits only a short list of names (``collections.OrderedDict``, torch's tensor and parameter
rebuild functions, storage types, dtypes, ``torch.Size``, ``torch.device``, ``_codecs.encode`` for bytes,
``set`` and ``frozenset``) and maps each to brickwork's own inert stand-in; any other global raises
`FormatError` naming it, so nothing in the file is ever run. Stand-ins cannot be modified by the pickle
(its BUILD opcode), and tensors are assembled only after unpickling, from checked offsets and shapes.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
import struct
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Size, _make
from ..backends import device as _device
from ._errors import FormatError
from ._files import Source
from ._location import Placer, place, view
from ._safetensors import layout_problem
from ._structure import _parameter_class

__all__ = ["load_legacy", "load_zip"]

_MAGIC = 0x1950A86A20F9469CFC6C
_MAX_PICKLE = 1 << 30
_MAX_DEPTH = 1000  # tuples and sets nested deeper than this are refused (CPython's hash recursion has no guard)

_STORAGES = {"FloatStorage": _dt.float32, "DoubleStorage": _dt.float64, "HalfStorage": _dt.float16,
             "BFloat16Storage": _dt.bfloat16, "LongStorage": _dt.int64, "IntStorage": _dt.int32,
             "ShortStorage": _dt.int16, "CharStorage": _dt.int8, "ByteStorage": _dt.uint8, "BoolStorage": _dt.bool_,
             "ComplexFloatStorage": _dt.complex64, "ComplexDoubleStorage": _dt.complex128}
_DTYPES = {"float32": "float32", "float": "float32", "float64": "float64", "double": "float64",
           "float16": "float16", "half": "float16", "bfloat16": "bfloat16", "int8": "int8", "int16": "int16",
           "short": "int16", "int32": "int32", "int": "int32", "int64": "int64", "long": "int64",
           "uint8": "uint8", "bool": "bool", "complex64": "complex64", "cfloat": "complex64",
           "complex128": "complex128", "cdouble": "complex128"}


class _Inert:
    """Base of what the pickle can hold: no ``__dict__`` and no attribute assignment, so its BUILD opcode cannot
    alter these objects (nor, through them, brickwork)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def _init(self, **fields: Any) -> None:
        for k, v in fields.items():
            object.__setattr__(self, k, v)


class _Call(_Inert):
    """Stands in for an admitted torch function: calling it runs brickwork's own checked version."""

    __slots__ = ("fn", "name")
    fn: Any
    name: str

    def __init__(self, name: str, fn: Any) -> None:
        self._init(name=name, fn=fn)

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)


class _StorageType(_Inert):
    """``torch.FloatStorage`` and friends: only their dtype matters."""

    __slots__ = ("dtype",)
    dtype: _dt.dtype

    def __init__(self, dtype: _dt.dtype) -> None:
        self._init(dtype=dtype)


class _Dtype(_Inert):
    """A torch dtype met in the pickle (``torch.float32``)."""

    __slots__ = ("dtype",)
    dtype: _dt.dtype

    def __init__(self, dtype: _dt.dtype) -> None:
        self._init(dtype=dtype)


class _Device(_Inert):
    """A ``torch.device`` met in the pickle; becomes a brickwork device (or its name, if absent here)."""

    __slots__ = ("name",)
    name: str

    def __init__(self, *args: Any) -> None:
        if not (1 <= len(args) <= 2 and isinstance(args[0], str)) or len(args) == 2 and type(args[1]) is not int:
            raise ValueError(f"torch.device{args!r:.60}: expected a device string")
        self._init(name=args[0] if len(args) == 1 else f"{args[0]}:{args[1]}")


class _Buffer:
    """One stored buffer (never handed to the pickle): where its bytes lie, the host array once read, and the
    array placed on its device."""

    __slots__ = ("host", "itemsize", "key", "location", "nbytes", "offset", "placed", "swapped")

    def __init__(self, key: str, location: str, nbytes: int, itemsize: int) -> None:
        self.key, self.location, self.nbytes, self.itemsize = key, location, nbytes, itemsize
        self.offset: int | None = None  # where the bytes start in the file (set once the zip header is read)
        self.host: np.ndarray | None = None
        self.placed: tuple[Any, _device] | None = None
        self.swapped = 0  # the item size a big-endian buffer was byte-swapped for


class _Storage(_Inert):
    """A typed window on a buffer, as ``persistent_load`` hands it to the rebuild functions."""

    __slots__ = ("buffer", "dtype", "numel", "start")
    buffer: _Buffer
    start: int
    dtype: _dt.dtype
    numel: int

    def __init__(self, buffer: _Buffer, start: int, dtype: _dt.dtype, numel: int) -> None:
        self._init(buffer=buffer, start=start, dtype=dtype, numel=numel)


class _TensorRef(_Inert):
    """A tensor to build after unpickling (so a pickle never holds a live, modifiable tensor)."""

    __slots__ = ("offset", "param", "requires_grad", "size", "storage", "stride")
    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]
    requires_grad: bool
    param: bool

    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple, rg: bool, param: bool) -> None:
        self._init(storage=storage, offset=offset, size=size, stride=stride, requires_grad=rg, param=param)


def _ints(x: Any, what: str) -> tuple[int, ...]:
    if not isinstance(x, (tuple, list)) or len(x) > 32 or not all(type(i) is int and i >= 0 for i in x):
        raise ValueError(f"{what} must be a tuple of non-negative integers, got {x!r:.60}")
    return tuple(x)


def _rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any = False,
                    hooks: Any = None, metadata: Any = None, dtype: Any = None) -> _TensorRef:
    if not isinstance(storage, _Storage):
        raise ValueError(f"expected a storage, got {type(storage).__name__}")
    if dtype is not None:  # _rebuild_tensor_v3 passes an untyped storage and the dtype
        if not isinstance(dtype, _Dtype):
            raise ValueError(f"expected a dtype, got {type(dtype).__name__}")
        storage = _Storage(storage.buffer, storage.start, dtype.dtype,
                           storage.numel * storage.dtype.itemsize // dtype.dtype.itemsize)
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    if type(offset) is not int or offset < 0 or type(requires_grad) is not bool:
        raise ValueError(f"malformed tensor: offset {offset!r:.40}, requires_grad {requires_grad!r:.40}")
    k = storage.dtype.itemsize
    problem = layout_problem(size, tuple(s * k for s in stride), storage.start + offset * k, k,
                             storage.start + storage.numel * k)
    if problem:
        raise ValueError(f"tensor of size {list(size)}: {problem}")
    return _TensorRef(storage, offset, size, stride, requires_grad, False)


def _rebuild_tensor_v3(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any, hooks: Any,
                       dtype: Any, metadata: Any = None) -> _TensorRef:
    return _rebuild_tensor(storage, offset, size, stride, requires_grad, hooks, metadata, dtype)


def _rebuild_parameter(data: Any, requires_grad: Any, hooks: Any, state: Any = None) -> _TensorRef:
    if not isinstance(data, _TensorRef) or type(requires_grad) is not bool or state:
        raise ValueError("malformed parameter")
    return _TensorRef(data.storage, data.offset, data.size, data.stride, requires_grad, True)


def _encode(text: Any, encoding: Any = "utf-8") -> bytes:
    # protocol-2 pickles spell bytes as _codecs.encode(latin-1 text, "latin1")
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise ValueError("_codecs.encode is admitted only to rebuild bytes from latin-1 text")
    return text.encode("latin1")


def _globals() -> dict[tuple[str, str], Any]:
    g: dict[tuple[str, str], Any] = {
        ("collections", "OrderedDict"): OrderedDict,  # a C type: the pickle cannot modify it
        ("torch._utils", "_rebuild_tensor_v2"): _Call("_rebuild_tensor_v2", _rebuild_tensor),
        ("torch._utils", "_rebuild_tensor_v3"): _Call("_rebuild_tensor_v3", _rebuild_tensor_v3),
        ("torch._utils", "_rebuild_parameter"): _Call("_rebuild_parameter", _rebuild_parameter),
        ("torch._utils", "_rebuild_parameter_with_state"): _Call("_rebuild_parameter", _rebuild_parameter),
        ("torch", "Size"): _Call("Size", lambda s=(): Size(_ints(s, "torch.Size"))),
        ("torch", "device"): _Call("device", _Device),
        ("torch.storage", "UntypedStorage"): _StorageType(_dt.uint8),
        ("torch", "UntypedStorage"): _StorageType(_dt.uint8),
        ("_codecs", "encode"): _Call("encode", _encode),
        ("builtins", "set"): _Call("set", lambda items=(): set(items)),
        ("builtins", "frozenset"): _Call("frozenset", lambda items=(): frozenset(items)),
    }
    for name, d in _STORAGES.items():
        g["torch", name] = g["torch.cuda", name] = _StorageType(d)
    for name, brickwork_name in _DTYPES.items():
        g["torch", name] = _Dtype(_dt.BY_NAME[brickwork_name])
    return g


_GLOBALS = _globals()


class _Unpickler(pickle._Unpickler):  # type: ignore[name-defined]
    """The restricted unpickler: admitted globals map to inert stand-ins, storages to `_Buffer` windows.

    It is the pure-Python ``pickle`` unpickler, whose memo is a dict: a corrupt memo index cannot make it
    allocate gigabytes, as the C unpickler's list-based memo can.
    """

    proto: int  # the pickle protocol, set by the PROTO opcode
    stack: list  # the pure-Python unpickler's value stack

    def __init__(self, stream: io.BytesIO, src: Source, buffers: dict[str, _Buffer], legacy: bool) -> None:
        super().__init__(stream)
        self.src, self.buffers, self.legacy = src, buffers, legacy
        self.depths: dict[int, int] = {}  # nesting depth of each tuple and frozenset made so far
        self.kept: list = []  # keeps them alive so their ids stay unique while unpickling

    # Hashing a tuple nested 200,000 deep (as a dict key or set member) overflows CPython's C stack: track the
    # depth of every tuple and frozenset as it is made (their items exist before them) and refuse deep ones.
    dispatch = dict(pickle._Unpickler.dispatch)  # type: ignore[attr-defined]

    def _nested(self) -> None:
        x = self.stack[-1]
        d = 1
        get = self.depths.get
        for v in x:
            k = get(id(v))
            if k is not None and k >= d:
                d = k + 1
        if d > _MAX_DEPTH:
            raise self.src.error(f"the pickle nests tuples or sets more than {_MAX_DEPTH} deep, which no checkpoint "
                                 "does (a hostile or corrupt file)")
        self.depths[id(x)] = d
        self.kept.append(x)

    def _wrapping(op: Any) -> Any:  # noqa: N805  (a helper run while the class body is built)
        def run(self: Any) -> None:
            op(self)
            self._nested()

        return run

    for _code in (pickle.TUPLE, pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3, pickle.FROZENSET):
        dispatch[_code[0]] = _wrapping(pickle._Unpickler.dispatch[_code[0]])  # type: ignore[attr-defined]
    del _code, _wrapping

    def find_class(self, module: str, name: str) -> Any:
        if self.proto < 3 and (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[module, name]
        elif self.proto < 3:
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        g = _GLOBALS.get((module, name))
        if g is None:
            raise self.src.error(
                f"refused to load global '{module}.{name}': brickwork never runs code from a file, and admits only "
                "tensors, storages, dtypes, torch.Size, torch.device, OrderedDict and plain Python values. If the "
                "file comes from a source you trust, load it with torch.load and re-save its tensors with "
                "brickwork.save")
        return g

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or len(pid) != (6 if self.legacy else 5) or pid[0] not in ("storage", b"storage"):
            raise ValueError(f"unexpected persistent id {pid!r:.80}")
        stype, key, location, numel = pid[1:5]
        location = location.decode("ascii") if isinstance(location, bytes) else location
        if not (isinstance(stype, _StorageType) and isinstance(key, str) and isinstance(location, str)
                and type(numel) is int and numel >= 0):
            raise ValueError(f"malformed storage reference {pid!r:.80}")
        nbytes = numel * stype.dtype.itemsize
        buf = self.buffers.get(key)
        if buf is None:
            buf = self.buffers[key] = _Buffer(key, location, nbytes, stype.dtype.itemsize)
        elif buf.nbytes < nbytes:
            raise ValueError(f"storage {key!r} is referenced with {nbytes} bytes and with {buf.nbytes}")
        if self.legacy and pid[5] is not None:  # (view key, offset, numel) of a view of the root storage
            v = pid[5]
            if not (isinstance(v, tuple) and len(v) == 3 and type(v[1]) is int and type(v[2]) is int
                    and 0 <= v[1] and v[1] + v[2] <= numel and v[2] >= 0):
                raise ValueError(f"malformed storage view {v!r:.80}")
            s = stype.dtype.itemsize
            return _Storage(buf, v[1] * s, stype.dtype, v[2])
        return _Storage(buf, 0, stype.dtype, numel)


def _unpickle(stream: io.BytesIO, src: Source, buffers: dict[str, _Buffer], legacy: bool, what: str) -> Any:
    """The next object pickled in ``stream``; every failure, refusal included, is a FormatError naming ``what``."""
    try:
        return _Unpickler(stream, src, buffers, legacy).load()
    except FormatError:
        raise
    except Exception as e:  # a corrupt pickle can fail in any way
        raise src.error(f"corrupt pickle in {what} ({type(e).__name__}: {e})") from None


class _Builder:
    """Turns the unpickled object's stand-ins into tensors, dtypes and devices, preserving shared objects."""

    def __init__(self, src: Source, placer: Placer, big_endian: bool) -> None:
        self.src, self.placer, self.big = src, placer, big_endian
        self.memo: dict[int, Any] = {}
        self.busy: set[int] = set()

    def build(self, x: Any) -> Any:
        t = type(x)
        if t in (int, float, str, bytes, bool) or x is None:
            return x
        done = self.memo.get(id(x))
        if done is not None:
            return done
        if t is _TensorRef:
            out = self.memo[id(x)] = self.tensor(x)
            return out
        if t is _Dtype:
            return x.dtype
        if t is _Device:
            try:
                return _device(x.name)
            except (RuntimeError, ValueError):  # a device this machine lacks: keep its name
                return x.name
        if t is list:
            self.memo[id(x)] = x
            x[:] = [self.build(v) for v in x]
            return x
        if t is dict or t is OrderedDict:
            # a fresh container: the pickle's BUILD may have given an OrderedDict instance attributes (torch
            # sets `_metadata`; a hostile file could shadow keys/items/get), none of which is kept
            out = self.memo[id(x)] = t()
            out.update((self.build(k), self.build(v)) for k, v in dict.items(x))
            return out
        if t in (tuple, set, frozenset, Size):
            if id(x) in self.busy:
                raise self.src.error("the pickle holds a cycle through a tuple or set, which no checkpoint has")
            self.busy.add(id(x))
            out = self.memo[id(x)] = t(self.build(v) for v in x)
            self.busy.discard(id(x))
            return out
        if isinstance(x, _Inert) or callable(x):
            raise self.src.error(f"the pickle leaves a bare {type(x).__name__} in the result; brickwork loads "
                                 "tensors, not storages or functions")
        return x  # other plain values (complex numbers from protocol 4+, bytearray)

    def tensor(self, r: _TensorRef) -> Any:
        s = r.storage
        buf = s.buffer
        if buf.host is None:
            raise self.src.error(f"storage {buf.key!r} has no data")
        if self.big and s.dtype.itemsize > 1 and buf.swapped != s.dtype.itemsize:
            if buf.swapped:
                raise self.src.error(f"big-endian storage {buf.key!r} holds tensors of two item sizes")
            n = buf.nbytes // s.dtype.itemsize * s.dtype.itemsize
            buf.host[:n].view(s.dtype.np).byteswap(inplace=True)
            buf.swapped = s.dtype.itemsize
        if buf.placed is None:
            dev = self.placer.device(buf.location, buf.host, self.src)
            buf.placed = (place(buf.host, dev), dev)
        base, dev = buf.placed
        k = s.dtype.itemsize
        try:
            data = view(base, s.start + r.offset * k, r.size, tuple(st * k for st in r.stride), s.dtype.np)
        except (ValueError, TypeError, OverflowError) as e:  # checked before; NumPy is the last word
            raise self.src.error(f"tensor of size {list(r.size)} on storage {buf.key!r}: {e}") from None
        t = _make(data, dev)
        if r.requires_grad and t.is_floating_point():
            t._requires_grad = True
        cls = _parameter_class() if r.param else None
        if cls is not None:
            t = cls(t, requires_grad=t._requires_grad)
        return t


def _finish(src: Source, obj: Any, placer: Placer, big_endian: bool) -> Any:
    try:
        return _Builder(src, placer, big_endian).build(obj)
    except RecursionError:
        raise src.error("the pickle is nested too deeply") from None


def load_zip(src: Source, placer: Placer, use_mmap: bool) -> Any:
    """Load a ``torch.save`` zip checkpoint."""
    try:
        zf = zipfile.ZipFile(src.window())
        infos = {i.filename: i for i in zf.infolist()}
    except Exception as e:  # zipfile fails in many ways on corrupt input
        raise src.error(f"not a valid zip archive ({type(e).__name__}: {e})") from None
    roots = [n for n in infos if n.endswith("data.pkl") and n.count("/") == 1 and n.split("/")[1] == "data.pkl"]
    if len(roots) != 1:
        if any(n.endswith("constants.pkl") or "/code/" in n for n in infos):
            raise src.error("a TorchScript archive (torch.jit.save), which brickwork cannot load; save the "
                            "model's state_dict() with torch.save instead")
        raise src.error("a zip archive without a PyTorch 'data.pkl' record (missing record)")
    prefix = roots[0][: -len("data.pkl")]

    def record(name: str, limit: int) -> bytes:
        info = infos.get(prefix + name)
        if info is None:
            raise src.error(f"the zip archive has no record '{prefix + name}' (missing record)")
        _check_stored(src, info)
        if info.file_size > limit:
            raise src.error(f"record '{prefix + name}' claims {info.file_size} bytes, more than allowed ({limit})")
        try:
            return zf.read(info)
        except Exception as e:
            raise src.error(f"cannot read record '{prefix + name}' ({type(e).__name__}: {e})") from None

    big = False
    if prefix + "byteorder" in infos:
        order = record("byteorder", 16)
        if order not in (b"little", b"big"):
            raise src.error(f"unknown byte order {order!r:.20} in the 'byteorder' record")
        big = order == b"big"
    buffers: dict[str, _Buffer] = {}
    obj = _unpickle(io.BytesIO(record("data.pkl", _MAX_PICKLE)), src, buffers, False, f"'{prefix}data.pkl'")
    for buf in buffers.values():
        info = infos.get(f"{prefix}data/{buf.key}")
        if info is None:
            raise src.error(f"the zip archive has no record '{prefix}data/{buf.key}' for a storage (missing record)")
        if info.file_size != buf.nbytes:
            raise src.error(f"record '{info.filename}' holds {info.file_size} bytes but its storage needs "
                            f"{buf.nbytes}")
        _check_stored(src, info)
        head = src.read_at(info.header_offset, 30, f"the zip header of '{info.filename}'")
        if head[:4] != b"PK\x03\x04":
            raise src.error(f"record '{info.filename}' has a corrupt local header")
        n, m = struct.unpack("<HH", head[26:30])
        buf.offset = info.header_offset + 30 + n + m
        if buf.offset + buf.nbytes > src.size:  # before allocating anything for it
            raise src.error(f"truncated: record '{info.filename}' claims {buf.nbytes} bytes at offset {buf.offset}, "
                            f"but the file has {src.size}")
    mm = src.mmap() if use_mmap and buffers else None
    for buf in sorted(buffers.values(), key=lambda b: b.offset or 0):
        name = f"{prefix}data/{buf.key}"
        offset = buf.offset or 0  # set for every buffer above
        if mm is not None:
            data = np.frombuffer(mm[0], np.uint8, buf.nbytes, mm[1] + offset)
        else:
            data = np.empty(buf.nbytes, np.uint8)
            src.readinto_at(offset, data, f"record '{name}'")
        buf.host = data
    return _finish(src, obj, placer, big)


def _check_stored(src: Source, info: zipfile.ZipInfo) -> None:
    """Refuse a compressed or encrypted record (torch.save writes neither: a small file expanding to gigabytes is
    hostile), and one whose claimed size runs past the end of the file."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 1:
        raise src.error(f"record '{info.filename}' is compressed or encrypted, which torch.save never writes; "
                        "brickwork refuses it rather than expand it (re-save the checkpoint with torch.save)")
    if info.header_offset + info.file_size > src.size:
        raise src.error(f"truncated: record '{info.filename}' claims {info.file_size} bytes at offset "
                        f"{info.header_offset}, but the file has {src.size}")


def load_legacy(src: Source, placer: Placer) -> Any:
    """Load a checkpoint in PyTorch's pre-1.6 format: a sequence of pickles followed by raw storages."""
    data = src.read_at(0, src.size, "the checkpoint")
    stream = io.BytesIO(data)
    buffers: dict[str, _Buffer] = {}

    def next_pickle(what: str) -> Any:
        return _unpickle(stream, src, buffers, True, what)

    if next_pickle("the header") != _MAGIC:
        raise src.error("a pickle that is not a PyTorch checkpoint (no PyTorch magic number); brickwork loads only "
                        "tensors and state dicts")
    if next_pickle("the header") != 1001:
        raise src.error("unsupported PyTorch legacy protocol version")
    info = next_pickle("the header")
    if not isinstance(info, dict) or info.get("little_endian") is not True:
        raise src.error("a big-endian legacy checkpoint, which brickwork cannot read")
    obj = next_pickle("the checkpoint")
    keys = next_pickle("the storage list")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise src.error("malformed storage list")
    pos = stream.tell()
    for key in keys:
        buf = buffers.get(key)
        if buf is None:
            raise src.error(f"storage {key!r} is listed but never used")
        if pos + 8 > len(data):
            raise src.error(f"truncated: storage {key!r} is missing")
        (numel,) = struct.unpack("<q", data[pos:pos + 8])
        if numel * buf.itemsize != buf.nbytes:
            raise src.error(f"storage {key!r} records {numel} elements but the pickle says "
                            f"{buf.nbytes // buf.itemsize}")
        if pos + 8 + buf.nbytes > len(data):
            raise src.error(f"truncated: storage {key!r} needs {buf.nbytes} bytes at offset {pos + 8}, but the file "
                            f"has {len(data)}")
        buf.host = np.frombuffer(data, np.uint8, buf.nbytes, pos + 8).copy()
        pos += 8 + buf.nbytes
    return _finish(src, obj, placer, False)
