"""Python containers <-> safetensors: the structure as JSON in the metadata, the tensors as named buffers.

`pack` walks a tensor or any nesting of dict / OrderedDict / list / tuple holding tensors, NumPy arrays,
generators, dtypes, devices and plain Python values, and returns the arrays to store plus the metadata.
Stored names are the dotted paths (``fc.weight``, ``optimizer.state.0.exp_avg``) so a plain state dict reads
naturally in any safetensors tool.

Tensors that share memory are stored once. The same tensor object comes back as the same object; distinct
tensors over the same memory (tied weights, views) come back as distinct tensors over one new buffer. Only
the first name of a tied group is a safetensors key; the others are recorded in the metadata, because the
safetensors format forbids overlapping buffers.

`unpack` is the inverse; it checks every field of the (untrusted) metadata and raises FormatError.
"""

from __future__ import annotations

import json
import math
import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Size, Tensor, _make
from ..backends import CPU
from ..backends import device as _device
from ..ops.random import Generator
from ._files import Source
from ._location import Placer, place, view
from ._safetensors import Entry, from_code, layout_problem, to_code

__all__ = ["VERSION", "pack", "unpack"]

VERSION = 1
_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _parameter_class(imported_only: bool = False) -> type | None:
    """brickwork.nn.Parameter, or None if nn is missing (or, with ``imported_only``, not imported yet: then no
    parameter can exist, and saving need not pay for importing nn)."""
    if imported_only:
        mod = sys.modules.get("brickwork.nn.parameter")
        return getattr(mod, "Parameter", None)
    try:
        from ..nn.parameter import Parameter
    except ImportError:
        return None
    return Parameter


class _Encoder:
    """One walk over the object: JSON for the structure, and every distinct tensor with the path it was met at."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, str, str]] = []  # (tensor or ndarray, path, kind)
        self.index: dict[int, int] = {}
        self.active: set[int] = set()

    def tensor(self, t: Any, path: list[Any], kind: str) -> dict[str, int]:
        i = self.index.get(id(t))
        if i is None:
            i = self.index[id(t)] = len(self.items)
            self.items.append((t, ".".join(map(str, path)) or "tensor", kind))
        return {"tensor": i}

    def key(self, k: Any, path: list[Any]) -> Any:
        if k is None or isinstance(k, (str, int, float, bool, tuple)):
            return self.encode(k, path)
        raise TypeError(f"save: cannot save the dict key {k!r} ({type(k).__name__}) at {_where(path)}; keys must "
                        "be str, int, float, bool, None or tuples of those")

    def encode(self, obj: Any, path: list[Any]) -> Any:
        if obj is None or obj is True or obj is False:
            return obj
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            f = float(obj)
            return f if math.isfinite(f) else {"float": repr(f)}
        if isinstance(obj, Tensor):
            return self.tensor(obj, path, "tensor")
        if isinstance(obj, np.ndarray):
            return self.tensor(obj, path, "ndarray")
        if isinstance(obj, np.generic):  # a NumPy scalar is saved as the Python number it holds
            return self.encode(obj.item(), path)
        if isinstance(obj, _dt.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, _device):
            return {"device": str(obj)}
        if isinstance(obj, Generator):
            return {"generator": [str(obj.device), self.tensor(obj.get_state(), path, "tensor")]}
        if not isinstance(obj, (dict, list, tuple)):
            raise TypeError(f"save: cannot save an object of type {type(obj).__name__} at {_where(path)}; brickwork "
                            "saves tensors, NumPy arrays, dicts, lists, tuples, numbers, strings, None, dtypes, "
                            "devices and generators (and never pickles)")
        if id(obj) in self.active:
            raise ValueError(f"save: the object at {_where(path)} contains itself; cyclic structures cannot be saved")
        self.active.add(id(obj))
        try:
            if isinstance(obj, dict):
                tag = "odict" if isinstance(obj, OrderedDict) else "dict"
                return {tag: [[self.key(k, path), self.encode(v, path + [k])] for k, v in obj.items()]}
            items = [self.encode(v, path + [i]) for i, v in enumerate(obj)]
            return {"size" if isinstance(obj, Size) else "list" if isinstance(obj, list) else "tuple": items}
        finally:
            self.active.discard(id(obj))


def _where(path: list[Any]) -> str:
    return "the top level" if not path else "obj" + "".join(f"[{p!r}]" for p in path)


def _ptr(a: Any) -> int:
    return a.__array_interface__["data"][0] if isinstance(a, np.ndarray) else a.data.ptr


def _extent(a: Any) -> tuple[int, int]:
    """The byte range ``[lo, hi)`` an array's elements occupy."""
    lo = hi = _ptr(a)
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi + a.itemsize


def _host(a: Any, dev: _device) -> np.ndarray:
    h = a if isinstance(a, np.ndarray) else dev.backend.to_host(a)
    return h if h.flags.c_contiguous else np.array(h, order="C")


def pack(obj: Any) -> tuple[list[tuple[str, np.ndarray]], dict[str, str]]:
    """The arrays to store (name, C-contiguous host array) and the safetensors metadata describing ``obj``.

    Example:
        >>> import brickwork as torch
        >>> w = torch.ones(2, 2)
        >>> arrays, meta = pack({"a.weight": w, "b.weight": w, "step": 3})
        >>> [name for name, _ in arrays]
        ['a.weight']
    """
    enc = _Encoder()
    root = enc.encode(obj, [])
    param_cls = _parameter_class(imported_only=True)
    used: set[str] = {"__metadata__"}
    stored: list[tuple[int, str, np.ndarray]] = []  # (first item stored there, name, array)
    table: list[dict[str, Any]] = [{} for _ in enc.items]

    def store(item: int, a: np.ndarray, suffix: str = "") -> str:
        name = key = enc.items[item][1] + suffix
        n = 1
        while key in used:
            n += 1
            key = f"{name}#{n}"
        used.add(key)
        stored.append((item, key, a))
        return key

    spans: list[tuple[int, int, int, Any, _device]] = []  # (lo, hi, item index, array, device)
    for i, (t, path, kind) in enumerate(enc.items):
        a, dev = (t, CPU) if kind == "ndarray" else (t._data, t._device)
        if type(a).__name__ == "_Pending":  # an uninitialized lazy parameter has no data to save
            raise RuntimeError(f"save: cannot save {path!r}: {a.error()}")
        try:
            _dt.from_np(a.dtype)
        except TypeError as e:
            raise TypeError(f"save: cannot save {path!r}: {e}") from None
        entry = table[i]
        if kind != "tensor":
            entry["kind"] = kind
        else:
            if dev is not CPU:
                entry["device"] = str(dev)
            if t.requires_grad:
                entry["grad"] = True
            if param_cls is not None and isinstance(t, param_cls):
                entry["param"] = True
        if a.size == 0:
            entry["key"] = store(i, _host(a, dev))
        else:
            spans.append((*_extent(a), i, a, dev))

    # tensors whose memory overlaps form a group, stored once; sweep them in address order per device
    spans.sort(key=lambda s: (str(s[4]), s[0]))
    group: list[tuple[int, int, int, Any, _device]] = []
    hi = 0
    for s in spans:
        if group and s[4] is group[0][4] and s[0] < hi:
            group.append(s)
            hi = max(hi, s[1])
            continue
        if group:
            _store_group(sorted(group, key=lambda g: g[2]), table, store)
        group, hi = [s], s[1]
    if group:
        _store_group(sorted(group, key=lambda g: g[2]), table, store)
    stored.sort(key=lambda s: s[0])
    meta = {"version": VERSION, "tensors": table, "root": root}
    return ([(key, a) for _, key, a in stored],
            {"format": "pt", "brickwork": json.dumps(meta, separators=(",", ":"), allow_nan=False)})


def _same(a: Any, b: Any) -> bool:
    return _ptr(a) == _ptr(b) and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype


def _store_group(group: list, table: list, store: Callable[..., str]) -> None:
    """Store one set of overlapping arrays (in first-seen order): once, with the others as views into it."""
    first = group[0]
    dev = first[4]
    lo, hi = min(g[0] for g in group), max(g[1] for g in group)
    if all(_same(g[3], first[3]) for g in group):
        key = store(first[2], _host(first[3], dev))
        for g in group:
            table[g[2]]["key"] = key
        return
    cover = next((g for g in group if g[0] == lo and g[1] == hi and g[3].flags.c_contiguous), None)
    if cover is not None:
        key = store(cover[2], _host(cover[3], dev))
        base_ptr = _ptr(cover[3])
    else:  # no member spans the others: store the bytes they all lie in
        root = first[3]
        while isinstance(getattr(root, "base", None), np.ndarray):
            root = root.base
        r_lo, r_hi = _extent(root) if isinstance(root, np.ndarray) else (0, 0)
        if not (r_lo <= lo and hi <= r_hi and root.flags.c_contiguous):
            for g in group:  # memory we cannot reach as one buffer (a CUDA pool): store each tensor whole
                table[g[2]]["key"] = store(g[2], _host(g[3], dev))
            return
        base = np.ndarray((hi - lo,), np.uint8, buffer=root.reshape(-1).view(np.uint8), offset=lo - r_lo)
        key = store(first[2], base, ".__storage__")
        base_ptr = lo
    for g in group:
        a = g[3]
        entry = table[g[2]]
        entry["key"] = key
        if not (g is cover or cover is not None and _same(a, cover[3])):
            entry["view"] = [_ptr(a) - base_ptr, list(a.shape), list(a.strides), to_code(_dt.from_np(a.dtype))]


# -- loading ---------------------------------------------------------------------------------------------------


class _Decoder:
    """Rebuilds the structure from checked JSON; every unexpected shape of data is a FormatError."""

    def __init__(self, src: Source, tensors: list[Any]) -> None:
        self.src, self.tensors = src, tensors

    def bad(self, what: str) -> Exception:
        return self.src.error(f"malformed brickwork metadata: {what}")

    def decode(self, node: Any) -> Any:
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not dict or len(node) != 1:
            raise self.bad(f"unexpected node {node!r:.60}")
        ((tag, val),) = node.items()
        if tag in ("list", "tuple", "size"):
            if type(val) is not list:
                raise self.bad(f"{tag} must hold a list")
            items = [self.decode(v) for v in val]
            return items if tag == "list" else tuple(items) if tag == "tuple" else Size(self._ints(items, tag))
        if tag in ("dict", "odict"):
            out: dict = {} if tag == "dict" else OrderedDict()
            if type(val) is not list:
                raise self.bad(f"{tag} must hold a list of [key, value] pairs")
            for kv in val:
                if type(kv) is not list or len(kv) != 2:
                    raise self.bad(f"{tag} entries must be [key, value] pairs, got {kv!r:.60}")
                k, v = self.decode(kv[0]), self.decode(kv[1])
                try:
                    out[k] = v
                except TypeError:
                    raise self.bad(f"unhashable dict key {k!r:.60}") from None
            return out
        if tag == "tensor":
            if type(val) is not int or not 0 <= val < len(self.tensors):
                raise self.bad(f"tensor reference {val!r:.60} is out of range")
            return self.tensors[val]
        if tag == "float" and type(val) is str and val in _FLOATS:
            return _FLOATS[val]
        if tag == "dtype" and type(val) is str and val in _dt.BY_NAME:
            return _dt.BY_NAME[val]
        if tag == "device" and type(val) is str:
            try:
                return _device(val)
            except (RuntimeError, ValueError, TypeError):  # a device this machine lacks: keep the name
                return val
        if tag == "generator" and type(val) is list and len(val) == 2 and type(val[0]) is str:
            return self._generator(val[0], self.decode(val[1]))
        raise self.bad(f"unknown or malformed node {{{tag!r}: {val!r:.60}}}")

    def _ints(self, items: list, tag: str) -> list:
        if not all(type(i) is int for i in items):
            raise self.bad(f"{tag} must hold integers")
        return items

    def _generator(self, dev: str, state: Any) -> Any:
        try:
            g = Generator(dev)
        except (RuntimeError, ValueError, TypeError):
            g = Generator("cpu")  # brickwork draws every device's numbers on the host, so the stream is the same
        if not isinstance(state, Tensor) or state.dtype is not _dt.uint8 or state.ndim != 1:
            raise self.bad("a generator's state must be a 1-D uint8 tensor")
        try:
            return g.set_state(state)
        except ValueError as e:
            raise self.bad(str(e)) from None


def _check_view(src: Source, v: Any, base: Entry, i: int) -> tuple[int, tuple, tuple, _dt.dtype]:
    if not (type(v) is list and len(v) == 4 and type(v[1]) is list and type(v[2]) is list):
        raise src.error(f"malformed brickwork metadata: tensor {i} has a malformed view {v!r:.80}")
    offset, shape, strides = v[0], tuple(v[1]), tuple(v[2])
    dt = from_code(v[3], f"view {i} of {base.key!r}", src)
    problem = layout_problem(shape, strides, offset, dt.itemsize, base.end - base.begin)
    if problem:
        raise src.error(f"malformed brickwork metadata: tensor {i} (a view of {base.key!r}): {problem}")
    return offset, shape, strides, dt


def unpack(src: Source, text: str, entries: dict[str, Entry], arrays: dict[str, np.ndarray],
           placer: Placer) -> Any:
    """Rebuild what `pack` described, from the checked header ``entries`` and their loaded ``arrays``."""
    try:
        meta = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise src.error(f"malformed brickwork metadata: not valid JSON ({e})") from None
    if type(meta) is not dict or type(meta.get("tensors")) is not list or "root" not in meta:
        raise src.error("malformed brickwork metadata: expected an object with 'version', 'tensors' and 'root'")
    version = meta.get("version")
    if type(version) is not int or version < 1:
        raise src.error(f"malformed brickwork metadata: format version {version!r:.40}")
    if version != VERSION:
        raise src.error(f"written by a newer brickwork (format version {meta.get('version')!r}; this one reads "
                        f"{VERSION}); upgrade brickwork")
    placed: dict[tuple[str, str], tuple[Any, _device]] = {}
    tensors: list[Any] = []
    for i, entry in enumerate(meta["tensors"]):
        if type(entry) is not dict or type(entry.get("key")) is not str or entry["key"] not in entries:
            raise src.error(f"malformed brickwork metadata: tensor {i} names no stored tensor ({entry!r:.80})")
        key, kind = entry["key"], entry.get("kind", "tensor")
        if kind not in ("tensor", "ndarray"):
            raise src.error(f"malformed brickwork metadata: tensor {i} has unknown kind {kind!r:.40}")
        host = arrays[key]
        if kind == "ndarray":
            dev, base = CPU, host
        else:
            loc = entry.get("device", "cpu")
            if type(loc) is not str:
                raise src.error(f"malformed brickwork metadata: tensor {i} has device {loc!r:.40}")
            if (key, loc) not in placed:
                dev = placer.device(loc, host, src)
                placed[key, loc] = (place(host, dev), dev)
            base, dev = placed[key, loc]
        data = base
        if "view" in entry:
            offset, shape, strides, dt = _check_view(src, entry["view"], entries[key], i)
            try:
                data = view(base, offset, shape, strides, dt.np)
            except (ValueError, TypeError, OverflowError) as err:  # checked before; NumPy is the last word
                raise src.error(f"malformed brickwork metadata: tensor {i}: {err}") from None
        if kind == "ndarray":
            tensors.append(data)
            continue
        t = _make(data, dev)
        if entry.get("grad") is True and t.is_floating_point():
            t._requires_grad = True
        cls = _parameter_class() if entry.get("param") is True else None
        if cls is not None:
            t = cls(t, requires_grad=t._requires_grad)
        tensors.append(t)
    try:
        return _Decoder(src, tensors).decode(meta["root"])
    except RecursionError:
        raise src.error("malformed brickwork metadata: nested too deeply") from None
