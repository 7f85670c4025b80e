"""brickwork.datasets: SyntheticDigits (shapes, balance, determinism, batching), IDX parsing, MNIST /
FashionMNIST / CIFAR10 from local files, downloads (checksums, resume over a local HTTP server, offline
errors) and transforms against torch. Everything runs offline."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import tarfile
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork.datasets import (CIFAR10, MNIST, DownloadError, FashionMNIST, SyntheticDigits, download_url,
                                read_idx, render_digits, transforms as T, write_idx)
from brickwork.datasets import synthetic as synth
from brickwork.utils.data import DataLoader, default_collate
from brickwork.utils.data import _fetch


# -- SyntheticDigits ----------------------------------------------------------------------------------------------

def test_synthetic_samples_shapes_and_balance():
    ds = SyntheticDigits(train=False, size=500, seed=1)
    img, label = ds[3]
    assert isinstance(img, bw.Tensor) and img.shape == (1, 28, 28) and img.dtype == bw.float32
    assert isinstance(label, int) and 0 <= label <= 9
    assert 0.0 <= img.min().item() and img.max().item() <= 1.0 and img.max().item() > 0.5
    assert len(ds) == 500 and ds.data.shape == (500, 28, 28) and ds.data.dtype == bw.uint8
    assert np.bincount(ds.targets.numpy(), minlength=10).tolist() == [50] * 10
    assert len(SyntheticDigits(size=30)) == 30
    assert "SyntheticDigits" in repr(ds) and "Test" in repr(ds)
    with pytest.raises(ValueError, match="size must be >= 0"):
        SyntheticDigits(size=-1)


def test_synthetic_images_look_like_digits():
    ds = SyntheticDigits(size=2000, seed=2)
    x = ds.data.numpy().astype(np.float32) / 255
    y = ds.targets.numpy()
    ink = x.mean((1, 2))
    assert 0.05 < ink.mean() < 0.3  # mostly dark background with bright strokes, like MNIST (0.13)
    centre, border = x[:, 6:22, 6:22].mean(), np.concatenate([x[:, :2].ravel(), x[:, -2:].ravel()]).mean()
    assert centre > 4 * border
    means = np.stack([x[y == d].mean(0) for d in range(10)])
    dists = ((means[:, None] - means[None]) ** 2).sum((2, 3))
    assert (dists + np.eye(10) * 1e9).min() > 1.0  # every class has its own average shape
    # not trivial: images of one class differ from each other a lot
    ones = x[y == 1]
    assert ((ones[:, None] - ones[None, :20]) ** 2).sum((2, 3)).mean() > 10


def test_synthetic_determinism_and_splits():
    a = SyntheticDigits(size=300, seed=5)
    synth._cache.clear()
    b = SyntheticDigits(size=300, seed=5)
    c = SyntheticDigits(size=300, seed=6)
    test = SyntheticDigits(train=False, size=300, seed=5)
    assert np.array_equal(a.data.numpy(), b.data.numpy()) and np.array_equal(a.targets.numpy(), b.targets.numpy())
    assert not np.array_equal(a.data.numpy(), c.data.numpy())
    assert not np.array_equal(a.data.numpy(), test.data.numpy())
    assert SyntheticDigits(size=300, seed=5)._images is b._images  # served from the in-memory cache
    with pytest.raises(ValueError):
        b._images[0, 0, 0, 0] = 1  # the shared arrays are read-only
    labels = np.arange(5000) % 10
    first = render_digits(labels, seed=9)
    assert np.array_equal(first, render_digits(labels, seed=9))
    assert np.array_equal(first[:2048], render_digits(labels[:2048], seed=9))  # chunk-wise streams
    with pytest.raises(ValueError, match="labels must be digits"):
        render_digits(np.array([10]))


def test_synthetic_npz_cache(tmp_path):
    a = SyntheticDigits(root=tmp_path, size=50, seed=3)
    files = list((tmp_path / "SyntheticDigits").glob("*.npz"))
    assert len(files) == 1
    synth._cache.clear()
    b = SyntheticDigits(root=tmp_path, size=50, seed=3)
    assert np.array_equal(a.data.numpy(), b.data.numpy())
    assert b.root == tmp_path


def test_synthetic_transforms_and_fast_batches():
    norm = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.25,))])
    plain = SyntheticDigits(size=40, seed=1)
    ds = SyntheticDigits(size=40, seed=1, transform=norm, target_transform=lambda t: t + 100)
    img, label = ds[7]
    assert label == plain[7][1] + 100
    assert bw.allclose(img, (plain[7][0] - 0.5) / 0.25)
    assert _fetch.fast_batcher(ds) is None  # a target_transform works per sample
    fast_ds = SyntheticDigits(size=40, seed=1, transform=norm)
    assert _fetch.fast_batcher(fast_ds) is not None
    assert _fetch.fast_batcher(SyntheticDigits(size=40, seed=1, transform=T.Lambda(lambda v: v))) is None
    fast = list(DataLoader(fast_ds, batch_size=16))
    slow = list(DataLoader(fast_ds, batch_size=16, collate_fn=lambda b: default_collate(b)))
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.shape == sx.shape == (fx.shape[0], 1, 28, 28) and fx.dtype == sx.dtype == bw.float32
        assert bw.allclose(fx, sx) and bw.equal(fy, sy) and fy.dtype == bw.int64


# -- transforms ----------------------------------------------------------------------------------------------------

def test_to_tensor_matches_torch_reference():
    rng = np.random.default_rng(0)
    hwc = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    ref = torch.from_numpy(hwc).permute(2, 0, 1).float().div(255)
    out = T.ToTensor()(hwc)
    assert out.shape == (3, 5, 4) and out.dtype == bw.float32 and np.array_equal(out.numpy(), ref.numpy())
    assert T.ToTensor()(hwc[:, :, 0]).shape == (1, 5, 4)
    f = rng.random((2, 2, 1)).astype(np.float64)
    assert T.ToTensor()(f).dtype == bw.float64 and np.array_equal(T.ToTensor()(f).numpy()[0], f[:, :, 0])
    t = bw.ones(1, 2, 2)
    assert T.ToTensor()(t) is t
    with pytest.raises(TypeError, match="ToTensor"):
        T.ToTensor()("image")
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 3, 4), np.uint8))


def test_normalize_compose_lambda():
    x = np.random.default_rng(1).random((2, 3, 4, 4)).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.6, 0.7)
    ref = (torch.from_numpy(x) - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    out = T.Normalize(mean, std)(bw.from_numpy(x.copy()))
    assert np.allclose(out.numpy(), ref.numpy(), atol=1e-6)
    inplace = bw.from_numpy(x[0].copy())
    assert T.Normalize(mean, std, inplace=True)(inplace) is inplace
    assert np.allclose(inplace.numpy(), ref[0].numpy(), atol=1e-6)
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize((0.5,), (0.5,))(bw.zeros(1, 2, 2, dtype=bw.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(bw.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="channels"):
        T.Normalize((0.5, 0.5), (1.0, 1.0))(bw.zeros(3, 2, 2))
    comp = T.Compose([T.ToTensor(), T.Lambda(lambda v: v * 2)])
    assert comp(np.full((1, 1), 255, np.uint8)).item() == 2.0
    assert not comp.batchable and T.Compose([T.ToTensor(), T.Normalize((0,), (1,))]).batchable
    assert "ToTensor()" in repr(comp)
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)


# -- IDX ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, dtype, gz):
    a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    p = tmp_path / ("a.idx.gz" if gz else "a.idx")
    write_idx(p, a)
    b = read_idx(p)
    assert b.dtype == np.dtype(dtype) and np.array_equal(a, b)


def test_idx_validation(tmp_path):
    p = tmp_path / "x"
    write_idx(p, np.zeros((3, 2, 2), np.uint8))
    assert p.read_bytes()[:4] == bytes([0, 0, 8, 3]) and int.from_bytes(p.read_bytes()[:4], "big") == 2051
    with pytest.raises(ValueError, match="magic number 2051 where 2049 was expected"):
        read_idx(p, magic=2049)
    p.write_bytes(p.read_bytes()[:-1])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        read_idx(p)
    p.write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="bad IDX magic number 0x01020304"):
        read_idx(p)
    p.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="too short"):
        read_idx(p)
    g = tmp_path / "y.gz"
    g.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02ab")[:-6])
    with pytest.raises(ValueError, match="cannot decompress"):
        read_idx(g)
    with pytest.raises(TypeError, match="no element type"):
        write_idx(tmp_path / "z", np.zeros(2, np.uint64))


# -- MNIST / FashionMNIST from local files ------------------------------------------------------------------------

def make_mnist(folder, n_train=12, n_test=5, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n).astype(np.uint8)
        ext = ".gz" if gz else ""
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", imgs)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels)
        out[prefix] = (imgs, labels)
    return out


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
@pytest.mark.parametrize("gz", [True, False])
def test_mnist_from_local_files(tmp_path, cls, gz):
    truth = make_mnist(tmp_path / cls.__name__ / "raw", gz=gz)
    train = cls(tmp_path)
    test = cls(str(tmp_path), train=False, transform=T.Normalize((0.5,), (0.5,)), target_transform=str)
    assert len(train) == 12 and len(test) == 5
    img, label = train[4]
    assert img.shape == (1, 28, 28) and img.dtype == bw.float32 and isinstance(label, int)
    ref = torch.from_numpy(truth["train"][0][4]).float().div(255)
    assert np.array_equal(img.numpy()[0], ref.numpy()) and label == truth["train"][1][4]
    timg, tlabel = test[2]
    assert np.allclose(timg.numpy()[0], truth["t10k"][0][2] / 255 * 2 - 1, atol=1e-6)
    assert tlabel == str(truth["t10k"][1][2])
    assert np.array_equal(train.data.numpy(), truth["train"][0]) and train.targets.dtype == bw.int64
    assert train.class_to_idx[cls.classes[3]] == 3
    x, y = next(iter(DataLoader(train, batch_size=5, shuffle=False)))
    assert x.shape == (5, 1, 28, 28) and y.tolist() == truth["train"][1][:5].tolist()


def test_mnist_missing_files_message(tmp_path, monkeypatch):
    monkeypatch.setenv("BRICKWORK_DATA", str(tmp_path / "cache"))
    with pytest.raises(RuntimeError) as err:
        MNIST()
    msg = str(err.value)
    assert "MNIST not found in" in msg and str(tmp_path / "cache" / "MNIST" / "raw") in msg
    assert "download=True" in msg and "SyntheticDigits" in msg and "train-images-idx3-ubyte.gz" in msg


def test_mnist_inconsistent_files(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    make_mnist(raw)
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="same N"):
        MNIST(tmp_path)
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.full(12, 11, np.uint8))
    with pytest.raises(ValueError, match="label 11"):
        MNIST(tmp_path)
    write_idx(raw / "train-labels-idx1-ubyte.gz", np.zeros((12, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="magic number 2051 where 2049"):
        MNIST(tmp_path)


# -- downloads ---------------------------------------------------------------------------------------------------

class Server:
    """A bounded HTTP server on 127.0.0.1 serving in-memory files, with optional Range support; it shuts
    itself down after 30 s whatever happens."""

    def __init__(self, files, ranges=True, cut_after=None):
        self.files, self.ranges, self.cut_after = files, ranges, cut_after
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 5

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                body = outer.files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                start = 0
                rng = self.headers.get("Range")
                if outer.ranges and rng and rng.startswith("bytes="):
                    start = int(rng[6:].split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                part = body[start:]
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                if outer.cut_after is not None:
                    part, outer.cut_after = part[:outer.cut_after], None  # drop the connection once
                self.wfile.write(part)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.watchdog = threading.Timer(30, self.httpd.shutdown)

    def __enter__(self):
        self.thread.start()
        self.watchdog.start()
        return self

    def __exit__(self, *exc):
        self.watchdog.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def md5(b):
    return hashlib.md5(b).hexdigest()


BLOB = bytes(range(256)) * 400


def test_download_file_url_and_checksums(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(BLOB)
    dest = download_url(src.as_uri(), tmp_path / "out" / "a.bin", "md5:" + md5(BLOB))
    assert dest.read_bytes() == BLOB and not (tmp_path / "out" / "a.bin.part").exists()
    sha = hashlib.sha256(BLOB).hexdigest()
    assert download_url(src.as_uri(), tmp_path / "b.bin", sha).read_bytes() == BLOB  # bare SHA-256
    with pytest.raises(DownloadError, match="md5 checksum mismatch"):
        download_url(src.as_uri(), tmp_path / "c.bin", "0" * 32)
    assert not (tmp_path / "c.bin").exists() and not (tmp_path / "c.bin.part").exists()


def test_download_resumes_with_range(tmp_path):
    dest = tmp_path / "f.bin"
    (tmp_path / "f.bin.part").write_bytes(BLOB[:30000])
    with Server({"f.bin": BLOB}) as srv:
        download_url(srv.url + "f.bin", dest, md5(BLOB))
    assert dest.read_bytes() == BLOB
    assert srv.requests == [("/f.bin", "bytes=30000-")]


def test_download_restarts_when_range_is_ignored(tmp_path):
    (tmp_path / "f.bin.part").write_bytes(b"garbage" * 10)
    with Server({"f.bin": BLOB}, ranges=False) as srv:
        download_url(srv.url + "f.bin", tmp_path / "f.bin", md5(BLOB))
    assert (tmp_path / "f.bin").read_bytes() == BLOB and srv.requests[0][1] == "bytes=70-"


def test_download_interrupted_then_resumed(tmp_path):
    with Server({"f.bin": BLOB}, cut_after=40000) as srv:
        with pytest.raises((urllib.error.URLError, OSError)):
            download_url(srv.url + "f.bin", tmp_path / "f.bin", md5(BLOB))
        assert (tmp_path / "f.bin.part").stat().st_size == 40000
        download_url(srv.url + "f.bin", tmp_path / "f.bin", md5(BLOB))
    assert (tmp_path / "f.bin").read_bytes() == BLOB and srv.requests[-1][1] == "bytes=40000-"
    # a complete .part left behind (the server answers 416) is verified and moved into place
    (tmp_path / "g.bin.part").write_bytes(BLOB)
    with Server({"g.bin": BLOB}) as srv:
        download_url(srv.url + "g.bin", tmp_path / "g.bin", md5(BLOB))
    assert (tmp_path / "g.bin").read_bytes() == BLOB


def test_mnist_download_from_mirrors(tmp_path, monkeypatch):
    src = make_mnist(tmp_path / "src", n_train=6, n_test=3)
    files = {p.name: p.read_bytes() for p in (tmp_path / "src").iterdir()}
    monkeypatch.setattr(MNIST, "resources", [(n, md5(b)) for n, b in sorted(files.items())])
    with Server({}) as dead, Server(files) as good:
        monkeypatch.setattr(MNIST, "mirrors", [dead.url, good.url])
        ds = MNIST(tmp_path / "data", download=True)
        assert len(ds) == 6 and np.array_equal(ds.data.numpy(), src["train"][0])
        assert len(dead.requests) == 4 and len(good.requests) == 4  # the first mirror 404s, the second serves
        MNIST(tmp_path / "data", train=False, download=True)  # everything is there: no request
        assert len(good.requests) == 4
    monkeypatch.setattr(MNIST, "resources", [(n, "0" * 32) for n in sorted(files)])
    with Server(files) as bad:
        monkeypatch.setattr(MNIST, "mirrors", [bad.url])
        with pytest.raises(DownloadError, match="checksum mismatch"):
            MNIST(tmp_path / "other", download=True)


def test_offline_error_message(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DownloadError) as err:
        FashionMNIST(tmp_path, download=True)
    msg = str(err.value)
    assert "FashionMNIST: could not download train-images-idx3-ubyte.gz (no internet connection?)" in msg
    assert "name resolution" in msg and "SyntheticDigits" in msg and str(tmp_path / "FashionMNIST" / "raw") in msg
    assert msg.count("http") >= 2  # every mirror tried and named


# -- CIFAR10 (binary version) --------------------------------------------------------------------------------------

def cifar_records(n, seed):
    rng = np.random.default_rng(seed)
    rec = rng.integers(0, 256, (n, 3073), dtype=np.uint8)
    rec[:, 0] = rng.integers(0, 10, n)
    return rec


def cifar_archive(batches):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in batches.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_cifar10_local_and_download(tmp_path, monkeypatch):
    recs = {f"data_batch_{i}.bin": cifar_records(4, i) for i in range(1, 6)}
    recs["test_batch.bin"] = cifar_records(3, 9)
    members = {f"cifar-10-batches-bin/{k}": v.tobytes() for k, v in recs.items()}
    members["cifar-10-batches-bin/batches.meta.txt"] = b"airplane\n"
    members["../evil.bin"] = b"x"  # must not be written outside the target folder
    archive = cifar_archive(members)
    monkeypatch.setattr(CIFAR10, "archive", ("cifar-10-binary.tar.gz", md5(archive)))
    with pytest.raises(RuntimeError, match="CIFAR10 not found in .*download=True.*binary version"):
        CIFAR10(tmp_path)
    with Server({"cifar-10-binary.tar.gz": archive}) as srv:
        monkeypatch.setattr(CIFAR10, "mirrors", [srv.url])
        train = CIFAR10(tmp_path, download=True)
    test = CIFAR10(tmp_path, train=False)
    assert not (tmp_path.parent / "evil.bin").exists() and not (tmp_path / "evil.bin").exists()
    assert len(train) == 20 and len(test) == 3
    img, label = train[5]
    rec = recs["data_batch_2.bin"][1]
    assert img.shape == (3, 32, 32) and img.dtype == bw.float32 and label == rec[0]
    assert np.array_equal(np.round(img.numpy() * 255).astype(np.uint8), rec[1:].reshape(3, 32, 32))
    assert train.data.shape == (20, 32, 32, 3) and np.array_equal(train.data[5], rec[1:].reshape(3, 32, 32)
                                                                     .transpose(1, 2, 0))
    assert train.targets[5] == int(rec[0]) and isinstance(train.targets, list)
    (tmp_path / "cifar-10-batches-bin" / "test_batch.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="not a whole number of 3073-byte"):
        CIFAR10(tmp_path, train=False)
