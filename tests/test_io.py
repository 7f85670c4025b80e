"""brickwork.io: save/load round trips, ties, safetensors and PyTorch interop, map_location, mmap, atomic saves,
malformed files (FormatError), checkpoints with bit-identical resumption, and load_into's report."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch as T

import brickwork as torch
from brickwork import nn
from brickwork.io import (
    FormatError,
    LoadReport,
    load_checkpoint,
    load_into,
    save_checkpoint,
)

ROOT = Path(__file__).resolve().parents[1]


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **kw)


def split(data: bytes):
    n = struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:8 + n]), data[8 + n:]


def join(header, body: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + body


def saved_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def same(a, b):
    return a.dtype is b.dtype and a.shape == b.shape and np.array_equal(a._host().view(np.uint8),
                                                                          b._host().view(np.uint8))


def torch_bytes(obj, **kw) -> bytes:
    buf = io.BytesIO()
    T.save(obj, buf, **kw)
    return buf.getvalue()


class MLP(nn.Module):
    """A two-layer perceptron from plain parameters, named like torch's Sequential(Linear, ReLU, Linear)."""

    def __init__(self, d_in=4, d_hidden=8, d_out=3):
        super().__init__()
        self.layers = nn.ModuleDict()
        for i, (a, b) in ((0, (d_in, d_hidden)), (2, (d_hidden, d_out))):
            layer = nn.Module()
            layer.weight = nn.Parameter(torch.randn(b, a) * 0.3)
            layer.bias = nn.Parameter(torch.randn(b) * 0.1)
            self.layers[str(i)] = layer

    def state_dict(self, *args, **kwargs):  # drop the "layers." prefix so keys match torch's Sequential
        sd = super().state_dict(*args, **kwargs)
        return OrderedDict((k[len("layers."):], v) for k, v in sd.items())

    def load_state_dict(self, sd, strict=True, assign=False):
        return super().load_state_dict(OrderedDict(("layers." + k, v) for k, v in sd.items()), strict, assign)

    def forward(self, x):
        l0, l2 = self.layers["0"], self.layers["2"]
        return torch.relu(x @ l0.weight.T + l0.bias) @ l2.weight.T + l2.bias


# -- round trips ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
                                   "uint8", "bool"])
def test_every_dtype_roundtrips_bit_exactly(dtype):
    dt = getattr(torch, dtype)
    x = (torch.randn(3, 5) * 50).to(dt)
    y = roundtrip(x)
    assert same(x, y)


def test_shapes_zero_dim_empty_and_non_contiguous():
    x = torch.arange(24.0).reshape(2, 3, 4)
    cases = [torch.tensor(3.5), torch.zeros(0), torch.zeros(2, 0, 3), x.permute(2, 0, 1), x[:, ::2], x[1]]
    back = roundtrip(cases)
    assert isinstance(back, list) and len(back) == len(cases)
    for a, b in zip(cases, back):
        assert a.shape == b.shape and np.array_equal(a.numpy(), b.numpy())


def test_nested_structure_keeps_types_and_values():
    g = torch.Generator().manual_seed(7)
    obj = OrderedDict(
        model=OrderedDict([("fc.weight", torch.ones(2, 2)), ("fc.bias", torch.zeros(2))]),
        optimizer={"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.ones(2)}},
                   "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0], "amsgrad": False,
                                     "foreach": None}]},
        numbers=[1, -2**70, 2.5, float("nan"), float("inf"), -float("inf"), True, None, "text ü"],
        keys={(1, "a"): 1, 2: "two", None: 3, 1.5: 4, False: 5},
        dtype=torch.bfloat16, device=torch.device("cpu"), size=torch.Size([2, 3]), empty=({}, [], ()),
        array=np.arange(6, dtype=np.int32).reshape(2, 3), scalar=np.float32(0.5), gen=g,
    )
    back = roundtrip(obj)
    assert type(back) is OrderedDict and list(back) == list(obj)
    assert type(back["model"]) is OrderedDict and same(back["model"]["fc.weight"], obj["model"]["fc.weight"])
    assert back["optimizer"]["param_groups"] == obj["optimizer"]["param_groups"]
    assert type(back["optimizer"]["state"]) is dict and list(back["optimizer"]["state"]) == [0]
    assert back["optimizer"]["state"][0]["step"].item() == 3.0
    nums = back["numbers"]
    assert nums[0] == 1 and nums[1] == -2**70 and nums[2] == 2.5 and math.isnan(nums[3])
    assert nums[4:] == [math.inf, -math.inf, True, None, "text ü"] and type(nums[6]) is bool
    assert back["keys"] == obj["keys"] and [type(k) for k in back["keys"]] == [type(k) for k in obj["keys"]]
    assert back["dtype"] is torch.bfloat16 and back["device"] == torch.device("cpu")
    assert isinstance(back["size"], torch.Size) and back["size"] == (2, 3)
    assert back["empty"] == ({}, [], ())
    assert isinstance(back["array"], np.ndarray) and np.array_equal(back["array"], obj["array"])
    assert back["scalar"] == 0.5
    assert torch.equal(torch.rand(4, generator=back["gen"]), torch.rand(4, generator=g))


def test_requires_grad_and_parameters_survive():
    p = nn.Parameter(torch.ones(2))
    frozen = nn.Parameter(torch.ones(2), requires_grad=False)
    leaf = torch.zeros(3, requires_grad=True)
    back = roundtrip({"p": p, "frozen": frozen, "leaf": leaf, "plain": torch.ones(1)})
    assert type(back["p"]) is nn.Parameter and back["p"].requires_grad
    assert type(back["frozen"]) is nn.Parameter and not back["frozen"].requires_grad
    assert type(back["leaf"]) is torch.Tensor and back["leaf"].requires_grad
    assert not back["plain"].requires_grad


def test_paths_pathlike_and_file_objects(tmp_path):
    x = {"w": torch.arange(4)}
    torch.save(x, str(tmp_path / "a.st"))
    torch.save(x, tmp_path / "b.st")
    with open(tmp_path / "c.st", "wb") as f:
        f.write(b"prefix")
        torch.save(x, f)
    for name in ("a.st", "b.st"):
        assert torch.equal(torch.load(tmp_path / name)["w"], x["w"])
        assert torch.equal(torch.load(str(tmp_path / name))["w"], x["w"])
    with open(tmp_path / "c.st", "rb") as f:
        f.read(6)  # a file object is read from its current position, as torch.load does
        assert torch.equal(torch.load(f)["w"], x["w"])
    assert sorted(os.listdir(tmp_path)) == ["a.st", "b.st", "c.st"]  # no temporary files left
    with open(tmp_path / "a.st") as text, pytest.raises(TypeError, match="'rb'"):
        torch.load(text)


def test_unsupported_values_name_where_they_are():
    with pytest.raises(TypeError, match=r"type object at obj\['a'\]\[1\]"):
        torch.save({"a": [1, object()]}, io.BytesIO())
    with pytest.raises(TypeError, match="dict key"):
        torch.save({torch.ones(1): 1}, io.BytesIO())
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        torch.save(loop, io.BytesIO())
    lazy = nn.UninitializedParameter()
    with pytest.raises(RuntimeError, match="cannot save 'w'"):
        torch.save({"w": lazy}, io.BytesIO())


def test_formaterror_is_exported_and_a_valueerror():
    assert torch.FormatError is FormatError and issubclass(FormatError, ValueError)
    assert torch.io.save is torch.save and torch.io.load is torch.load


# -- ties and views -------------------------------------------------------------------------------------------


def test_same_object_comes_back_as_one_object_and_is_stored_once():
    w = torch.randn(4, 3)
    data = saved_bytes(OrderedDict([("encoder.embed.weight", w), ("decoder.head.weight", w)]))
    header, _ = split(data)
    assert [k for k in header if k != "__metadata__"] == ["encoder.embed.weight"]
    back = torch.load(io.BytesIO(data))
    assert back["encoder.embed.weight"] is back["decoder.head.weight"]


def test_tied_state_dict_tensors_share_memory_after_loading():
    w = torch.randn(4, 3)
    sd = OrderedDict([("a", w.detach()), ("b", w.detach())])  # what Module.state_dict gives for a tied weight
    back = roundtrip(sd)
    assert back["a"] is not back["b"]
    back["a"][0, 0] = 123.0
    assert back["b"][0, 0].item() == 123.0


def test_views_of_one_array_are_stored_once_and_stay_views():
    w = torch.arange(12.0).reshape(3, 4)
    sd = OrderedDict([("w", w), ("t", w.t()), ("row", w[1]), ("flat", w.reshape(-1)), ("col", w[:, 2])])
    data = saved_bytes(sd)
    header, _ = split(data)
    assert [k for k in header if k != "__metadata__"] == ["w"]
    back = torch.load(io.BytesIO(data))
    for k in sd:
        assert torch.equal(back[k], sd[k]), k
    back["w"][1, 2] = -1.0
    assert back["t"][2, 1].item() == back["row"][2].item() == back["flat"][6].item() == back["col"][1].item() == -1


def test_overlapping_views_without_their_base_share_one_buffer():
    base = torch.arange(10.0)
    sd = {"a": base[0:6], "b": base[4:10], "alone": base[:2] * 1}
    back = roundtrip(sd)
    assert torch.equal(back["a"], sd["a"]) and torch.equal(back["b"], sd["b"])
    back["a"][5] = 99.0
    assert back["b"][1].item() == 99.0
    assert not np.shares_memory(back["alone"]._data, back["a"]._data)


def test_loaded_tensors_are_independent_storages():
    back = roundtrip({"a": torch.ones(3), "b": torch.ones(3)})
    assert back["a"].untyped_storage().data_ptr() != back["b"].untyped_storage().data_ptr()
    again = roundtrip(back)  # re-saving loaded tensors does not tie them
    again["a"][0] = 5.0
    assert again["b"][0].item() == 1.0


# -- safetensors interop --------------------------------------------------------------------------------------


def test_reference_safetensors_reads_our_files(tmp_path):
    from safetensors.numpy import load_file as np_load
    from safetensors.torch import load_file as torch_load

    w = torch.randn(3, 4)
    sd = OrderedDict([("fc1.weight", w), ("fc1.bias", torch.arange(3)), ("tied", w),
                      ("half", torch.randn(5).half()), ("flag", torch.tensor([True, False]))])
    torch.save(sd, tmp_path / "m.safetensors")
    got = np_load(str(tmp_path / "m.safetensors"))
    assert sorted(got) == ["fc1.bias", "fc1.weight", "flag", "half"]  # natural keys; the tie is stored once
    for k in got:
        assert np.array_equal(got[k], sd[k].numpy())
    bf = OrderedDict(w=torch.randn(2, 3).to(torch.bfloat16))
    torch.save(bf, tmp_path / "bf.safetensors")
    t = torch_load(str(tmp_path / "bf.safetensors"))["w"]
    assert t.dtype == T.bfloat16 and np.array_equal(t.view(T.int16).numpy(), bf["w"].numpy().view(np.int16))


def test_plain_safetensors_files_load_as_dicts(tmp_path):
    from safetensors.numpy import save_file as np_save
    from safetensors.torch import save_file as torch_save

    arrays = {"b": np.arange(3, dtype=np.int64), "a": np.ones((2, 2), np.float32)}
    np_save(arrays, str(tmp_path / "np.safetensors"), metadata={"format": "np"})
    back = torch.load(tmp_path / "np.safetensors")
    assert type(back) is dict and sorted(back) == ["a", "b"]
    assert all(np.array_equal(back[k].numpy(), arrays[k]) for k in arrays)
    torch_save({"x": T.randn(3, dtype=T.bfloat16)}, str(tmp_path / "t.safetensors"))
    x = torch.load(tmp_path / "t.safetensors", mmap=True)["x"]
    assert x.dtype is torch.bfloat16


# -- PyTorch checkpoints --------------------------------------------------------------------------------------


@pytest.mark.parametrize("zip_format", [True, False])
def test_torch_state_dict_loads_and_runs_in_an_equivalent_model(zip_format):
    T.manual_seed(0)
    ref = T.nn.Sequential(T.nn.Linear(4, 8), T.nn.ReLU(), T.nn.Linear(8, 3))
    data = torch_bytes(ref.state_dict(), _use_new_zipfile_serialization=zip_format)
    sd = torch.load(io.BytesIO(data))
    assert type(sd) is OrderedDict and list(sd) == list(ref.state_dict())
    for k, v in ref.state_dict().items():
        assert np.array_equal(sd[k].numpy(), v.numpy()), k
    model = MLP()
    report = load_into(model, sd)
    assert report.ok
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(model(torch.tensor(x)).detach().numpy(), ref(T.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_model_level_with_nn_linear():
    if not hasattr(nn, "Linear"):
        pytest.skip("brickwork.nn.Linear is not written yet")
    T.manual_seed(1)
    ref = T.nn.Sequential(T.nn.Linear(4, 8), T.nn.ReLU(), T.nn.Linear(8, 3))
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    model.load_state_dict(torch.load(io.BytesIO(torch_bytes(ref.state_dict()))))
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(model(torch.tensor(x)).detach().numpy(), ref(T.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    from safetensors.torch import load as st_load

    ref2 = T.nn.Sequential(T.nn.Linear(4, 8), T.nn.ReLU(), T.nn.Linear(8, 3))
    ref2.load_state_dict(st_load(buf.getvalue()))
    np.testing.assert_allclose(ref2(T.tensor(x)).detach().numpy(), ref(T.tensor(x)).detach().numpy(), rtol=1e-6)


def test_brickwork_files_load_into_torch_models(tmp_path):
    from safetensors.torch import load_file

    model = MLP()
    torch.save(model.state_dict(), tmp_path / "mlp.safetensors")
    ref = T.nn.Sequential(T.nn.Linear(4, 8), T.nn.ReLU(), T.nn.Linear(8, 3))
    ref.load_state_dict(load_file(str(tmp_path / "mlp.safetensors")))
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(ref(T.tensor(x)).detach().numpy(), model(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("zip_format", [True, False])
def test_torch_checkpoint_with_optimizer_state_views_and_plain_values(zip_format):
    T.manual_seed(0)
    lin = T.nn.Linear(3, 2)
    # what T.optim.Adam(...).state_dict() holds after a step (building a torch optimizer takes seconds)
    adam = {"state": {i: {"step": T.tensor(1.0), "exp_avg": T.randn(p.shape), "exp_avg_sq": T.rand(p.shape)}
                      for i, p in enumerate(lin.parameters())},
            "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
                              "foreach": None, "maximize": False, "params": [0, 1]}]}
    base = T.arange(10.0)
    ckpt = {"model": lin.state_dict(), "optimizer": adam, "epoch": 3, "loss": 0.25, "name": "run",
            "view": base[2:5], "base": base, "t": base.view(2, 5).t(), "param": T.nn.Parameter(T.ones(2)),
            "bf16": T.ones(3, dtype=T.bfloat16), "flags": T.tensor([True, False]), "dtype": T.float16,
            "size": T.Size([2, 3]), "device": T.device("cpu"), "bytes": b"\x00\xffab", "set": {1, 2},
            "tuple": (1, None), "empty": T.zeros(0, 3)}
    back = torch.load(io.BytesIO(torch_bytes(ckpt, _use_new_zipfile_serialization=zip_format)))
    assert back["epoch"] == 3 and back["loss"] == 0.25 and back["name"] == "run" and back["tuple"] == (1, None)
    assert back["dtype"] is torch.float16 and back["size"] == torch.Size([2, 3]) and back["device"] == "cpu"
    assert back["bytes"] == b"\x00\xffab" and back["set"] == {1, 2}
    st = back["optimizer"]["state"][0]
    np.testing.assert_array_equal(st["exp_avg"].numpy(), adam["state"][0]["exp_avg"].numpy())
    assert st["step"].item() == 1.0 and list(back["optimizer"]["state"]) == [0, 1]
    assert back["optimizer"]["param_groups"] == adam["param_groups"]
    assert np.array_equal(back["view"].numpy(), [2.0, 3.0, 4.0])
    assert np.array_equal(back["t"].numpy(), base.view(2, 5).t().numpy())
    back["base"][3] = -7.0  # views saved by torch share memory after loading, as in torch
    assert back["view"][1].item() == -7.0 and back["t"][3, 0].item() == -7.0
    assert type(back["param"]) is nn.Parameter and back["param"].requires_grad
    assert back["bf16"].dtype is torch.bfloat16 and back["flags"].tolist() == [True, False]
    assert back["empty"].shape == (0, 3)


def test_torch_zip_with_mmap_and_big_endian_records(tmp_path):
    sd = {"w": T.arange(6, dtype=T.float32).reshape(2, 3), "i": T.arange(4, dtype=T.int64)}
    T.save(sd, tmp_path / "m.pt")
    back = torch.load(tmp_path / "m.pt", mmap=True)
    assert np.array_equal(back["w"].numpy(), sd["w"].numpy()) and back["w"]._data.flags.writeable
    back["w"][0, 0] = 100.0  # copy-on-write: the file keeps its bytes
    assert torch.load(tmp_path / "m.pt")["w"][0, 0].item() == 0.0
    # the same archive rewritten as a big-endian checkpoint (byteorder record "big", swapped storages)
    src = zipfile.ZipFile(tmp_path / "m.pt")
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "m/byteorder":
                data = b"big"
            elif "/data/" in info.filename:  # 24 bytes: the float32 "w"; 32 bytes: the int64 "i"
                data = np.frombuffer(data, np.float32 if len(data) == 24 else np.int64).byteswap().tobytes()
            dst.writestr(info.filename, data)
    big.seek(0)
    back = torch.load(big)
    assert np.array_equal(back["w"].numpy(), sd["w"].numpy()) and np.array_equal(back["i"].numpy(), sd["i"].numpy())


# -- map_location ---------------------------------------------------------------------------------------------


def _with_device(data: bytes, location: str) -> bytes:
    header, body = split(data)
    meta = json.loads(header["__metadata__"]["brickwork"])
    for t in meta["tensors"]:
        t["device"] = location
    header["__metadata__"]["brickwork"] = json.dumps(meta)
    return join(header, body)


def test_map_location_forms():
    data = _with_device(saved_bytes({"w": torch.ones(2), "v": torch.zeros(3)}), "cuda:0")
    seen = []

    def fn(storage, location):
        seen.append((location, tuple(storage.shape)))
        return storage

    for m in ("cpu", torch.device("cpu"), {"cuda:0": "cpu"}, {"cuda:0": torch.device("cpu")}, fn):
        back = torch.load(io.BytesIO(data), map_location=m)
        assert back["w"].device == "cpu" and torch.equal(back["w"], torch.ones(2))
    assert sorted(seen) == [("cuda:0", (2,)), ("cuda:0", (3,))]
    with pytest.raises(TypeError, match="map_location"):
        torch.load(io.BytesIO(data), map_location=3.5)


def test_missing_device_suggests_map_location():
    try:
        import cupy  # noqa: F401

        pytest.skip("CUDA is available here")
    except ImportError:
        pass
    data = _with_device(saved_bytes({"w": torch.ones(2)}), "cuda:0")
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        torch.load(io.BytesIO(data))
    with pytest.raises(FormatError, match="malformed device location"):
        torch.load(io.BytesIO(_with_device(saved_bytes({"w": torch.ones(2)}), "cpu; rm -rf")))


def test_map_location_on_torch_files():
    data = torch_bytes({"w": T.ones(2)})
    locations = []
    back = torch.load(io.BytesIO(data), map_location=lambda s, loc: locations.append(loc))
    assert locations == ["cpu"] and torch.equal(back["w"], torch.ones(2))


# -- mmap -----------------------------------------------------------------------------------------------------


def test_mmap_gives_copy_on_write_views(tmp_path):
    sd = OrderedDict([("w", torch.randn(64, 64)), ("b", torch.arange(7)), ("e", torch.zeros(0))])
    path = tmp_path / "m.safetensors"
    torch.save(sd, path)
    back = torch.load(path, mmap=True)
    for k in sd:
        assert torch.equal(back[k], sd[k])
    base = back["w"]._data
    while isinstance(base.base, np.ndarray):
        base = base.base
    assert not base.flags.owndata  # a view of the mapping, not a copy
    back["w"][0, 0] = 1e6
    assert torch.load(path)["w"][0, 0].item() == sd["w"][0, 0].item()
    torch.save({"w": torch.zeros(1)}, path)  # replacing the file leaves mapped tensors valid
    assert back["w"][0, 0].item() == 1e6
    with pytest.raises(ValueError, match="mmap"):
        torch.load(io.BytesIO(saved_bytes(sd)), mmap=True)


# -- atomic saves ---------------------------------------------------------------------------------------------


def test_overwrite_keeps_permissions_and_leaves_no_temporaries(tmp_path):
    path = tmp_path / "w.st"
    torch.save({"a": torch.ones(1)}, path)
    os.chmod(path, 0o600)
    torch.save({"a": torch.zeros(1)}, path)
    assert (os.stat(path).st_mode & 0o777) == 0o600 and os.listdir(tmp_path) == ["w.st"]
    link = tmp_path / "link.st"
    link.symlink_to(path)
    torch.save({"a": torch.full((1,), 2.0)}, link)  # writes through the link, like open()
    assert link.is_symlink() and torch.load(path)["a"].item() == 2.0


def test_killed_save_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "model.safetensors"
    old = {"w": torch.arange(1000.0)}
    torch.save(old, path)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import brickwork as torch
        big = {{"w": torch.ones(50_000_000)}}  # 200 MB
        print("ready", flush=True)
        torch.save(big, {str(path)!r})
        print("done", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            if temps and temps[0].stat().st_size > 0:
                break
            time.sleep(0.0005)
        else:
            raise AssertionError("the save never started writing")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the child finished before it could be killed mid-save"
    assert torch.equal(torch.load(path)["w"], old["w"])  # the target is the old file, whole
    leftover = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftover) == 1 and leftover[0].stat().st_size < 200_000_000 + 200
    torch.save(old, path)  # the next save still works


# -- malformed files: one exception, naming the file and the problem -------------------------------------------


def _good() -> bytes:
    return saved_bytes(OrderedDict([("a", torch.ones(2, 3)), ("b", torch.arange(4))]))


def _header_edit(fn):
    header, body = split(_good())
    fn(header)
    return join(header, body)


MALFORMED = {
    "empty file": (b"", "empty file"),
    "short": (b"\x01\x02", "truncated"),
    "header beyond file": (struct.pack("<Q", 5000) + b"{}", "beyond the file"),
    "absurd header": (struct.pack("<Q", 1 << 60) + b"{}", "absurdly large"),
    "invalid utf8": (struct.pack("<Q", 4) + b"{\xff\xfe}", "UTF-8"),
    "invalid json": (struct.pack("<Q", 5) + b"{nope", "not valid JSON"),
    "not an object": (struct.pack("<Q", 2) + b"[]", "JSON object"),
    "unknown dtype": (_header_edit(lambda h: h["a"].update(dtype="F33")), "unknown dtype 'F33'"),
    "unsupported dtype": (_header_edit(lambda h: h["a"].update(dtype="U16", shape=[3, 2])), "does not support"),
    "negative shape": (_header_edit(lambda h: h["a"].update(shape=[-2, -3])), "negative size"),
    "enormous shape": (_header_edit(lambda h: h["a"].update(shape=[0, 2**62, 2**62])), "absurdly large"),
    "float shape": (_header_edit(lambda h: h["a"].update(shape=[2.0, 3])), "shape must be"),
    "offsets out of range": (_header_edit(lambda h: h["a"].update(data_offsets=[0, 10**12])), "out of range"),
    "overlapping offsets": (_header_edit(lambda h: h["b"].update(data_offsets=[8, 40])), "overlapping"),
    "byte count": (_header_edit(lambda h: h["a"].update(shape=[2, 2])), "disagree with shape"),
    "bad metadata": (_header_edit(lambda h: h["__metadata__"].update(brickwork="{")), "not valid JSON"),
    "bad tensor ref": (_header_edit(lambda h: h["__metadata__"].update(
        brickwork=h["__metadata__"]["brickwork"].replace('"tensor":1', '"tensor":9'))), "out of range"),
    "newer version": (_header_edit(lambda h: h["__metadata__"].update(
        brickwork=h["__metadata__"]["brickwork"].replace('"version":1', '"version":7'))), "newer brickwork"),
    "unhashable tag value": (_header_edit(lambda h: h["__metadata__"].update(
        brickwork=h["__metadata__"]["brickwork"].replace('"root":', '"root":{"float":[1]},"x":'))), "malformed"),
    "unhashable dict key": (_header_edit(lambda h: h["__metadata__"].update(
        brickwork=h["__metadata__"]["brickwork"].replace('"root":', '"root":{"dict":[[{"list":[]},1]]},"x":'))),
        "unhashable dict key"),
    "random bytes": (np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "header length"),
    "truncated data": (_good()[:-5], "out of range"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_files_raise_formaterror_naming_file_and_problem(name, tmp_path):
    data, problem = MALFORMED[name]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(FormatError, match=problem) as e:
        torch.load(path)
    assert str(e.value).startswith(str(path) + ": ")
    with pytest.raises(FormatError, match=problem):
        torch.load(io.BytesIO(data))


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _zip_with_pickle(pkl: bytes, drop: str = "") -> bytes:
    src = zipfile.ZipFile(io.BytesIO(torch_bytes({"w": T.ones(2)})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename.endswith(drop) and drop:
                continue
            dst.writestr(info.filename, pkl if info.filename.endswith("data.pkl") else src.read(info))
    return out.getvalue()


@pytest.mark.parametrize("container", ["zip", "raw pickle", "legacy"])
def test_pickles_carrying_code_are_refused_and_never_run(container, tmp_path):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({"w": _Evil(marker)}, protocol=2)
    assert evil.count(b"system")
    if container == "zip":
        data = _zip_with_pickle(evil)
    elif container == "raw pickle":
        data = pickle.dumps(_Evil(marker))
    else:  # a legacy checkpoint whose main pickle is the evil one
        data = b"".join(pickle.dumps(x, protocol=2) for x in (0x1950A86A20F9469CFC6C, 1001,
                                                                {"protocol_version": 1001, "little_endian": True}))
        data += evil
    path = tmp_path / "evil.pt"
    path.write_bytes(data)
    with pytest.raises(FormatError, match=r"refused to load global '(posix|os|nt)\.system'") as e:
        torch.load(path)
    assert str(path) in str(e.value)
    with pytest.raises(FormatError, match="refused"):
        torch.load(path, weights_only=False)  # never a way to run code
    assert not marker.exists()


def test_other_refused_globals_and_torch_file_problems(tmp_path):
    with pytest.raises(FormatError, match="'builtins.eval'"):
        torch.load(io.BytesIO(_zip_with_pickle(b"\x80\x02cbuiltins\neval\nX\x01\x00\x00\x001\x85R.")))
    with pytest.raises(FormatError, match="missing record"):
        torch.load(io.BytesIO(_zip_with_pickle(pickle.dumps(1), drop="data.pkl")))
    ok = torch_bytes({"w": T.ones(2)})
    names = zipfile.ZipFile(io.BytesIO(ok)).namelist()
    storage = [n for n in names if "/data/" in n][0]
    with pytest.raises(FormatError, match="missing record"):
        torch.load(io.BytesIO(_zip_with_pickle(zipfile.ZipFile(io.BytesIO(ok)).read(names[0]),
                                               drop=storage.split("/", 1)[1])))
    with pytest.raises(FormatError, match="not a valid zip"):
        torch.load(io.BytesIO(b"PK\x03\x04" + b"\x00" * 100))
    with pytest.raises(FormatError, match="not a PyTorch checkpoint"):
        torch.load(io.BytesIO(pickle.dumps({"a": 1}, protocol=2)))
    with pytest.raises(FormatError, match="truncated"):
        torch.load(io.BytesIO(torch_bytes({"w": T.ones(2)}, _use_new_zipfile_serialization=False)[:-3]))


# -- checkpoints ----------------------------------------------------------------------------------------------


TRAIN = """
import random, sys
import numpy as np
sys.path.insert(0, {root!r})
import brickwork as torch
from brickwork import nn, optim
from brickwork.io import load_checkpoint, save_checkpoint
from brickwork.utils.data import DataLoader, TensorDataset

def epoch(model, opt, sched, loader):
    noise = np.random.rand() + random.random()  # python's and numpy's generators are restored too
    for x, y in loader:  # shuffled by the loader's own generator
        loss = nn.functional.mse_loss(model(x), y * noise)  # the model's dropout draws from the default one
        opt.zero_grad()
        loss.backward()
        opt.step()
    sched.step()

mode, path = sys.argv[1], sys.argv[2]
torch.manual_seed(0); random.seed(0); np.random.seed(0)
data = TensorDataset(torch.randn(64, 4), torch.randn(64, 1))
shuffle = torch.Generator().manual_seed(1)
loader = DataLoader(data, batch_size=16, shuffle=True, generator=shuffle)
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))
opt = optim.Adam(model.parameters(), lr=0.01)
sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
if mode == "straight":
    epoch(model, opt, sched, loader); epoch(model, opt, sched, loader)
elif mode == "first":
    epoch(model, opt, sched, loader)
    save_checkpoint(path, model, opt, sched, epoch=1, generators={{"shuffle": shuffle}}, note="half way")
    sys.exit(0)
else:
    torch.manual_seed(123); random.seed(5); np.random.seed(9); shuffle.manual_seed(42)  # scramble everything
    ckpt = load_checkpoint(path, model, opt, sched, generators={{"shuffle": shuffle}})
    assert ckpt["epoch"] == 1 and ckpt["note"] == "half way"
    epoch(model, opt, sched, loader)
print("".join(p.detach().numpy().tobytes().hex() for p in model.parameters()))
"""


def test_resuming_from_a_checkpoint_in_a_fresh_process_is_bit_identical(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN.format(root=str(ROOT)))
    ckpt = str(tmp_path / "ckpt.safetensors")

    def run(mode):
        r = subprocess.run([sys.executable, str(script), mode, ckpt], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    straight = run("straight")
    assert run("first") == ""
    resumed = run("resume")
    assert len(straight) > 100 and resumed == straight


def test_checkpoint_restores_generators_in_process(tmp_path):
    path = tmp_path / "c.st"
    g = torch.Generator().manual_seed(3)
    torch.manual_seed(11)
    save_checkpoint(path, epoch=0, generators={"g": g}, best=0.5)
    expect = (torch.rand(3), torch.rand(2, generator=g), np.random.rand(), __import__("random").random())
    torch.manual_seed(0)
    g.manual_seed(0)
    ckpt = load_checkpoint(path, generators={"g": g})
    got = (torch.rand(3), torch.rand(2, generator=g), np.random.rand(), __import__("random").random())
    assert torch.equal(got[0], expect[0]) and torch.equal(got[1], expect[1]) and got[2:] == expect[2:]
    assert ckpt["best"] == 0.5 and ckpt["epoch"] == 0
    with pytest.raises(ValueError, match="reserved"):
        save_checkpoint(path, rng=1)
    torch.save({"w": torch.ones(1)}, path)
    with pytest.raises(FormatError, match="not a checkpoint"):
        load_checkpoint(path)


# -- load_into ------------------------------------------------------------------------------------------------


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Module()
        self.head = nn.Module()
        self.embed.weight = nn.Parameter(torch.zeros(5, 3))
        self.head.weight = self.embed.weight
        self.head.bias = nn.Parameter(torch.zeros(5))
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))


def test_load_into_reports_everything_at_once_and_changes_nothing():
    model = Tied()
    sd = {"embed.weight": torch.ones(4, 3), "head.bias": torch.ones(5, dtype=torch.float64), "extra": torch.ones(1)}
    with pytest.raises(RuntimeError) as e:
        load_into(model, sd)
    msg = str(e.value)
    for part in ("missing keys: steps", "unexpected keys: extra", "embed.weight: shape (4, 3)",
                 "head.bias: dtype brickwork.float64"):
        assert part in msg
    assert "head.weight" not in msg.split("missing keys:")[1].split("\n")[0]  # filled through the tie
    assert float(model.embed.weight.sum()) == 0.0


def test_load_into_skips_mismatched_and_loads_the_rest():
    model = Tied()
    sd = {"embed.weight": torch.ones(4, 3), "head.bias": torch.full((5,), 2.0), "steps": torch.tensor(7)}
    report = load_into(model, sd, skip_mismatched=True)
    assert isinstance(report, LoadReport) and report.skipped == ["embed.weight"]
    assert report.missing_keys == [] and report.unexpected_keys == [] and not report.ok
    assert model.head.bias.tolist() == [2.0] * 5 and model.steps.item() == 7
    assert float(model.embed.weight.sum()) == 0.0
    missing, unexpected = load_into(model, {"head.bias": torch.ones(5)}, strict=False)
    assert sorted(missing) == ["embed.weight", "head.weight", "steps"] and unexpected == []


def test_load_into_detects_broken_ties_and_reads_files(tmp_path):
    model = Tied()
    good = {"embed.weight": torch.ones(5, 3), "head.weight": torch.ones(5, 3), "head.bias": torch.ones(5),
            "steps": torch.tensor(1)}
    assert load_into(model, good).ok
    bad = dict(good, **{"head.weight": torch.full((5, 3), 3.0)})
    with pytest.raises(RuntimeError, match="broken tie: embed.weight and head.weight"):
        load_into(model, bad)
    report = load_into(model, bad, strict=False)
    assert report.broken_ties == [("embed.weight", "head.weight")]
    torch.save(model.state_dict(), tmp_path / "tied.st")
    fresh = Tied()
    assert load_into(fresh, tmp_path / "tied.st").ok
    assert fresh.head.weight is fresh.embed.weight and torch.equal(fresh.embed.weight, model.embed.weight)


def test_module_docstring_examples_run():
    import doctest
    import importlib

    for name in ("_errors", "_files", "_location", "_safetensors", "_structure", "_serialization", "_checkpoint",
                 "_report"):
        mod = importlib.import_module(f"brickwork.io.{name}")
        assert doctest.testmod(mod).failed == 0, name
