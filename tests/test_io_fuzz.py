"""Fuzzing brickwork.load: mutated valid files (flipped bytes, truncation, corrupted header and metadata fields,
corrupted pickles) and random bytes may load or raise FormatError, and nothing else may escape."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import torch as T
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import brickwork as torch
from brickwork.io import FormatError

# BRICKWORK_FUZZ_EXAMPLES=5000 runs a deeper search than the default, which keeps this file under ~20 s
FUZZ = settings(max_examples=int(os.environ.get("BRICKWORK_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def _brickwork_file() -> bytes:
    w = torch.arange(12.0).reshape(3, 4)
    base = torch.arange(10, dtype=torch.int32)
    obj = OrderedDict(
        model=OrderedDict([("w", w), ("tied", w), ("t", w.t()), ("half", torch.ones(3).half()),
                           ("bf", torch.ones(2, dtype=torch.bfloat16)), ("flag", torch.tensor([True]))]),
        views={"a": base[0:6], "b": base[4:10]},
        optimizer={"state": {0: {"step": torch.tensor(2.0)}}, "param_groups": [{"lr": 0.1, "betas": (0.9, 0.99)}]},
        extra=[1, 2.5, float("nan"), None, "s", torch.float16, torch.Size([1, 2]), np.arange(3)],
        gen=torch.Generator().manual_seed(0),
    )
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _torch_file(**kw) -> bytes:
    base = T.arange(8.0)
    obj = {"model": OrderedDict(w=T.ones(2, 3), b=T.zeros(3, dtype=T.int64)), "view": base[2:6], "base": base,
           "p": T.nn.Parameter(T.ones(2)), "meta": {"epoch": 1, "name": "x", "betas": (0.9, 0.99)}}
    buf = io.BytesIO()
    T.save(obj, buf, **kw)
    return buf.getvalue()


BW = _brickwork_file()
TZ = _torch_file()
TL = _torch_file(_use_new_zipfile_serialization=False)
HEADER_END = 8 + struct.unpack("<Q", BW[:8])[0]


def check(data: bytes) -> None:
    """Loading may succeed or raise FormatError; any other exception fails the test."""
    try:
        torch.load(io.BytesIO(data), map_location="cpu")
    except FormatError:
        pass


def base_header() -> dict:
    """A fresh copy of the brickwork file's JSON header."""
    return json.loads(BW[8:HEADER_END])


def check_header(header: dict) -> None:
    """:func:`check` the brickwork file with its JSON header replaced by ``header``."""
    text = json.dumps(header).encode()
    check(struct.pack("<Q", len(text)) + text + BW[HEADER_END:])


def flip(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    b = bytearray(data)
    for pos, x in edits:
        b[pos % len(b)] ^= x
    return bytes(b)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8)
    | st.sampled_from(["F32", "BF16", "U16", "tensor", "dict", "cuda:0", "cpu", "view", "nan"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6) | st.sampled_from(
        ["tensor", "list", "dict", "key", "view", "dtype", "shape", "data_offsets"]), inner, max_size=3),
    max_leaves=8)


def test_base_files_are_valid():
    assert torch.load(io.BytesIO(BW))["model"]["w"] is not None
    for data in (TZ, TL):
        assert torch.load(io.BytesIO(data))["model"]["w"].shape == (2, 3)


@FUZZ
@given(st.lists(st.tuples(st.one_of(st.integers(0, HEADER_END - 1), st.integers(0, len(BW) - 1)),
                          st.integers(1, 255)), min_size=1, max_size=6))
def test_flipped_bytes(edits):
    check(flip(BW, edits))


@FUZZ
@given(st.sampled_from([BW, TZ, TL]), st.data())
def test_truncated(base, data):
    check(base[:data.draw(st.integers(0, len(base) - 1))])


@FUZZ
@given(st.data())
def test_corrupted_header_fields(data):
    header = base_header()
    key = data.draw(st.sampled_from(sorted(header)))
    if key == "__metadata__":
        header[key][data.draw(st.sampled_from(["format", "brickwork", "other"]))] = data.draw(json_values)
    elif data.draw(st.booleans()):
        header[key][data.draw(st.sampled_from(["dtype", "shape", "data_offsets", "other"]))] = data.draw(json_values)
    else:
        header[key] = data.draw(json_values)
    check_header(header)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


@FUZZ
@given(st.data())
def test_corrupted_structure_metadata(data):
    header = base_header()
    meta = json.loads(header["__metadata__"]["brickwork"])
    paths = list(_paths(meta))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths[1:]))
        node = meta
        try:
            for p in path[:-1]:
                node = node[p]
            node[path[-1]] = data.draw(json_values)
        except (KeyError, IndexError, TypeError):  # an earlier edit removed this path
            pass
    header["__metadata__"]["brickwork"] = json.dumps(meta)
    check_header(header)


@FUZZ
@given(st.data())
def test_random_views_in_metadata(data):
    header = base_header()
    meta = json.loads(header["__metadata__"]["brickwork"])
    entry = data.draw(st.sampled_from(meta["tensors"]))
    mostly = lambda good, bad: st.one_of(good, good, good, bad)
    num = mostly(st.integers(-8, 64), st.integers(-2**66, 2**66))
    ndim = data.draw(st.integers(0, 3))
    shape = data.draw(st.lists(num, min_size=ndim, max_size=ndim))
    strides = data.draw(st.lists(num, min_size=ndim, max_size=ndim) | st.lists(num, max_size=3))
    entry["view"] = [data.draw(num), shape, strides, data.draw(st.sampled_from(["F32", "U8", "BF16", "I64", "X"]))]
    if data.draw(st.booleans()):
        entry["key"] = data.draw(st.sampled_from([k for k in header if k != "__metadata__"]))
    header["__metadata__"]["brickwork"] = json.dumps(meta)
    check_header(header)


def _rezip(pkl: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(TZ))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, pkl if info.filename.endswith("data.pkl") else src.read(info))
    return out.getvalue()


PKL = zipfile.ZipFile(io.BytesIO(TZ)).read([n for n in zipfile.ZipFile(io.BytesIO(TZ)).namelist()
                                             if n.endswith("data.pkl")][0])


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(PKL) - 1), st.integers(1, 255)), min_size=1, max_size=4),
       st.integers(1, len(PKL)))
def test_corrupted_pickles_with_valid_zip_crc(edits, cut):
    check(_rezip(flip(PKL, edits)[:cut]))


class _Tensor:
    """Pickles like a torch tensor with arbitrary (possibly nonsensical) layout arguments."""

    def __init__(self, args):
        self.args = args

    def __reduce__(self):
        return T._utils._rebuild_tensor_v2, self.args


class _StoragePickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, _Pid) else None


class _Pid:
    def __init__(self, pid):
        self.pid = pid


@FUZZ
@given(st.sampled_from([T.FloatStorage, T.HalfStorage, T.LongStorage, T.BoolStorage, T.BFloat16Storage]),
       st.integers(0, 40), st.data())
def test_random_tensor_layouts_in_torch_zips(stype, numel, data):
    mostly = lambda good, bad: st.one_of(good, good, good, bad)
    dim = mostly(st.integers(0, 6), st.integers(-2**64, 2**64))
    ndim = data.draw(st.integers(0, 4))
    size = data.draw(st.lists(dim, min_size=ndim, max_size=ndim) | st.lists(dim, max_size=4))
    stride = data.draw(st.lists(dim, min_size=ndim, max_size=ndim) | st.lists(dim, max_size=4))
    offset = data.draw(dim)
    location = data.draw(mostly(st.just("cpu"), st.sampled_from(["cuda:0", "", "cpu:x", "x" * 99])))
    rg = data.draw(mostly(st.booleans(), st.integers()))
    itemsize = 8 if stype is T.LongStorage else 4 if stype is T.FloatStorage else 1 if stype is T.BoolStorage else 2
    record = numel * itemsize + data.draw(mostly(st.just(0), st.integers(-5, 5)))
    pid = _Pid(("storage", stype, "0", location, numel))
    buf = io.BytesIO()
    _StoragePickler(buf, protocol=2).dump({"t": _Tensor((pid, offset, tuple(size), tuple(stride), rg, OrderedDict()))})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        z.writestr("archive/data/0", bytes(max(record, 0)))
    check(out.getvalue())


@FUZZ
@given(st.sampled_from([TZ, TL]),
       st.lists(st.tuples(st.integers(0, 2**20), st.integers(1, 255)), min_size=1, max_size=6))
def test_flipped_bytes_in_torch_files(base, edits):
    check(flip(base, edits))


@FUZZ
@given(st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06", b"\x80\x02", b"\x80\x04\x95",
                        struct.pack("<Q", 40) + b'{"a":']), st.binary(max_size=300))
def test_random_bytes(prefix, tail):
    check(prefix + tail)


def test_mmap_loading_of_mutated_files(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(60):
        base = (BW, TZ)[i % 2]
        data = base[:rng.integers(1, len(base))] if i % 3 == 0 else flip(
            base, [(int(p), int(x)) for p, x in zip(rng.integers(0, HEADER_END, 3), rng.integers(1, 256, 3))])
        path = tmp_path / f"f{i}"
        path.write_bytes(data)
        try:
            torch.load(path, mmap=True, map_location="cpu")
        except FormatError:
            pass
