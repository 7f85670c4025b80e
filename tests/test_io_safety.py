"""Saving never damages what it does not own; loading bounds everything a hostile file can claim."""

from __future__ import annotations

import io
import os
import pickle
import select
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

import brickwork as bw
from brickwork.io import FormatError

SD = {"w": bw.arange(6.0).reshape(2, 3)}


def _bytes_of(obj: object) -> bytes:
    b = io.BytesIO()
    bw.save(obj, b)
    return b.getvalue()


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_is_written_not_replaced(tmp_path: Path) -> None:
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the same device as /dev/null
    bw.save(SD, str(node))
    st = os.stat(node)
    assert stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 1 and os.minor(st.st_rdev) == 3
    assert sorted(os.listdir(tmp_path)) == ["null"]  # no temporary file left behind


def test_a_fifo_nobody_reads_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    t = time.monotonic()
    with pytest.raises(OSError, match="no process is reading"):
        bw.save(SD, str(fifo))
    assert time.monotonic() - t < 2
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_fifo_with_a_reader_receives_the_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    want = _bytes_of(SD)
    got = bytearray()
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is present before the save opens the FIFO

    def read() -> None:  # read until every byte arrived (EOF may be seen before the writer connects)
        deadline = time.monotonic() + 10
        while len(got) < len(want) and time.monotonic() < deadline:
            select.select([fd], [], [], 0.1)
            try:
                got.extend(os.read(fd, 1 << 16))
            except BlockingIOError:
                pass

    th = threading.Thread(target=read)
    th.start()
    try:
        bw.save(SD, str(fifo))
        th.join(10)
    finally:
        os.close(fd)
    assert bytes(got) == want
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    try:
        with pytest.raises(OSError, match="socket"):
            bw.save(SD, str(path))
        assert stat.S_ISSOCK(os.stat(path).st_mode)
    finally:
        s.close()


def test_a_read_only_file_is_a_permission_error_and_stays(tmp_path: Path) -> None:
    f = tmp_path / "frozen.safetensors"
    f.write_bytes(b"keep me")
    f.chmod(0o444)
    with pytest.raises(PermissionError, match="not writable"):
        bw.save(SD, str(f))
    assert f.read_bytes() == b"keep me" and stat.S_IMODE(f.stat().st_mode) == 0o444


def test_a_hard_linked_file_is_updated_for_every_link(tmp_path: Path) -> None:
    a, b = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    a.write_bytes(b"old")
    os.link(a, b)
    ino = a.stat().st_ino
    bw.save(SD, str(a))
    assert a.stat().st_ino == ino and b.read_bytes() == a.read_bytes() == _bytes_of(SD)
    assert bw.load(str(b))["w"].tolist() == SD["w"].tolist()


def test_a_symlink_to_a_regular_file_replaces_the_target(tmp_path: Path) -> None:
    real, link = tmp_path / "real.safetensors", tmp_path / "link.safetensors"
    real.write_bytes(b"old")
    link.symlink_to(real)
    bw.save(SD, str(link))
    assert link.is_symlink() and real.read_bytes() == _bytes_of(SD)


def test_a_missing_folder_names_the_path_the_user_gave(tmp_path: Path) -> None:
    given = str(tmp_path / "nope" / "model.safetensors")
    with pytest.raises(FileNotFoundError) as e:
        bw.save(SD, given)
    assert given in str(e.value) and ".tmp" not in str(e.value)
    with pytest.raises(RuntimeError):  # torch's type for the same mistake: the error is both
        bw.save(SD, given.replace(".safetensors", ".pt"))
    with pytest.raises(RuntimeError):
        torch.save({"w": torch.zeros(1)}, given.replace(".safetensors", ".pt"))


# -- hostile .pt files -----------------------------------------------------------------------------------

class _Marker:
    pass


class _Pickler(pickle.Pickler):
    def __init__(self, f: io.BytesIO, numel: int) -> None:
        super().__init__(f, protocol=2)
        self.numel = numel

    def persistent_id(self, obj: object) -> object:
        if isinstance(obj, _Marker):
            return ("storage", torch.FloatStorage, "0", "cpu", self.numel)
        return None


class _TensorReduce:
    def __init__(self, numel: int) -> None:
        self.numel = numel

    def __reduce__(self) -> tuple:
        return (torch._utils._rebuild_tensor_v2, (_Marker(), 0, (self.numel,), (1,), False, OrderedDict()))


def _pt(obj: object, numel: int, payload: bytes, compress: int = zipfile.ZIP_STORED) -> bytes:
    pkl = io.BytesIO()
    _Pickler(pkl, numel).dump(obj)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl.getvalue())
        z.writestr("archive/byteorder", b"little")
        z.writestr(zipfile.ZipInfo("archive/data/0"), payload, compress_type=compress)
        z.writestr("archive/version", b"3\n")
    return out.getvalue()


def _load_quickly(data: bytes, tmp_path: Path) -> None:
    f = tmp_path / "hostile.pt"
    f.write_bytes(data)
    t = time.monotonic()
    with pytest.raises(FormatError):
        bw.load(str(f))
    assert time.monotonic() - t < 1.0


def test_our_hand_made_checkpoints_are_real_ones(tmp_path: Path) -> None:
    good = _pt({"w": _TensorReduce(2)}, 2, struct.pack("<2f", 1.5, -2.0))
    (tmp_path / "good.pt").write_bytes(good)
    assert torch.load(tmp_path / "good.pt", weights_only=True)["w"].tolist() == [1.5, -2.0]
    assert bw.load(str(tmp_path / "good.pt"))["w"].tolist() == [1.5, -2.0]


def test_a_record_claiming_gigabytes_fails_before_allocating(tmp_path: Path) -> None:
    numel = (1 << 30) - 1  # 4 GB of float32
    data = bytearray(_pt({"w": _TensorReduce(numel)}, numel, b"\0" * 8))
    # patch the central directory's sizes of data/0 to claim 4 GB
    name = b"archive/data/0"
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        n = struct.unpack("<H", data[at + 28:at + 30])[0]
        if bytes(data[at + 46:at + 46 + n]) == name:
            break
        at += 4
    data[at + 20:at + 28] = struct.pack("<II", 4 * numel, 4 * numel)  # compressed and uncompressed sizes
    _load_quickly(bytes(data), tmp_path)


def test_a_compressed_record_is_refused(tmp_path: Path) -> None:
    numel = 1 << 20
    data = _pt({"w": _TensorReduce(numel)}, numel, b"\0" * (4 * numel), compress=zipfile.ZIP_DEFLATED)
    assert len(data) < 100_000  # 4 MB of zeros squeezed into a few KB
    _load_quickly(data, tmp_path)


def test_deeply_nested_tuples_in_a_key_are_refused_without_crashing(tmp_path: Path) -> None:
    # CPython hashes nested tuples recursively in C: 200,000 levels as a dict key would crash the process
    depth = 200_000
    body = pickle.PROTO + bytes([2]) + pickle.EMPTY_DICT + pickle.EMPTY_TUPLE + pickle.TUPLE1 * depth + \
        pickle.NONE + pickle.SETITEM + pickle.STOP
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", body)
        z.writestr("archive/version", b"3\n")
    f = tmp_path / "deep.pt"
    f.write_bytes(out.getvalue())
    code = ("import sys, brickwork as bw\n"
            "try:\n    bw.load(sys.argv[1])\nexcept bw.io.FormatError as e:\n    print('refused:', e)\n")
    r = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "refused:" in r.stdout and "deep" in r.stdout


def test_state_dicts_come_back_as_plain_containers(tmp_path: Path) -> None:
    class Hostile:
        def __reduce__(self) -> tuple:
            return (OrderedDict, (), {"keys": "shadowed", "items": 1, "get": None}, None,
                    iter([("w", _TensorReduce(2))]))

    data = _pt(Hostile(), 2, struct.pack("<2f", 1.0, 2.0))
    f = tmp_path / "attrs.pt"
    f.write_bytes(data)
    sd = bw.load(str(f))
    assert type(sd) is OrderedDict and not sd.__dict__
    assert list(sd.keys()) == ["w"] and sd.get("w").tolist() == [1.0, 2.0]
    real = tmp_path / "real.pt"  # torch's own state dicts carry `_metadata`: dropped too, the tensors kept
    torch.save(torch.nn.Linear(2, 1).state_dict(), real)
    sd = bw.load(str(real))
    assert sorted(sd) == ["bias", "weight"] and not sd.__dict__
