"""DLPack and NumPy exchange: zero-copy both ways with NumPy and PyTorch (CuPy on a GPU), and the guards."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork.utils.dlpack import from_dlpack, to_dlpack


def test_torch_to_brickwork_shares_memory_both_ways():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    b = bw.from_dlpack(t)
    assert b.shape == (2, 3) and b.dtype == bw.float32 and b.device == bw.device("cpu")
    t[0, 0] = 100.0
    b[1, 2] = -1.0
    assert b.tolist() == [[100.0, 1.0, 2.0], [3.0, 4.0, -1.0]]
    assert t.tolist() == b.tolist()
    assert b.data_ptr() == t.data_ptr()


@pytest.mark.parametrize("dtype", [bw.float32, bw.float64, bw.float16, bw.int64, bw.int32, bw.uint8, bw.bool])
def test_brickwork_to_torch_shares_memory_both_ways(dtype):
    b = bw.arange(4).to(dtype)
    t = torch.from_dlpack(b)
    assert str(t.dtype).split(".")[1] == str(dtype).split(".")[1]
    assert t.data_ptr() == b.data_ptr()
    t[0] = 1
    assert b[0].item() == 1
    b[1] = 0
    assert t[1].item() == 0
    assert torch.from_dlpack(b.t() if b.ndim == 2 else b[::2]).tolist() == b[::2].tolist()  # strided views too


def test_numpy_both_ways_and_capsules():
    a = np.zeros((2, 2), np.float32)
    b = bw.from_dlpack(a)
    b[0, 1] = 2.0
    assert a[0, 1] == 2.0
    n = np.from_dlpack(b)
    n[1, 1] = 3.0
    assert b[1, 1].item() == 3.0 and np.shares_memory(n, a)
    t = torch.ones(2, 3)[:, 1:]
    legacy = bw.from_dlpack(torch.utils.dlpack.to_dlpack(t))  # a bare capsule, imported writable
    legacy[0, 0] = 4.0
    assert t[0, 0].item() == 4.0 and legacy.stride() == t.stride()
    del t
    assert legacy.tolist() == [[4.0, 1.0], [1.0, 1.0]]  # the capsule's owner keeps the memory alive
    src = bw.arange(3.0)
    back = torch.utils.dlpack.from_dlpack(to_dlpack(src))
    back[0] = 9
    assert src[0].item() == 9
    assert from_dlpack(src.numpy()).data_ptr() == src.data_ptr()
    assert b.__dlpack_device__() == (1, 0) == tuple(int(v) for v in torch.ones(1).__dlpack_device__())


def test_copy_flag():
    a = np.zeros(3, np.float32)
    b = bw.from_dlpack(a, copy=True)
    b[0] = 1
    assert a[0] == 0
    c = np.from_dlpack(bw.zeros(2), copy=True)
    assert c.flags.writeable


def test_guards_say_what_to_do():
    with pytest.raises(BufferError, match=r"use tensor.detach\(\)"):
        bw.ones(2, requires_grad=True).__dlpack__()
    with pytest.raises(BufferError, match=r"bfloat16 .* t.float\(\)"):
        np.from_dlpack(bw.ones(2, dtype=bw.bfloat16))
    with pytest.raises(TypeError, match="bfloat16"):
        bw.from_dlpack(torch.ones(2, dtype=torch.bfloat16))
    reversed_view = bw.as_tensor(np.arange(4.0)[::-1])
    with pytest.raises(BufferError, match="negative strides.*clone"):
        torch.from_dlpack(reversed_view)
    assert torch.from_dlpack(reversed_view.clone()).tolist() == [3.0, 2.0, 1.0, 0.0]
    ro = np.arange(3.0)
    ro.flags.writeable = False
    with pytest.raises(BufferError, match="read-only.*copy=True"):
        bw.from_dlpack(ro)
    assert bw.from_dlpack(ro, copy=True).tolist() == [0.0, 1.0, 2.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ro_t = bw.from_numpy(ro)
    with pytest.raises(BufferError, match="read-only"):
        torch.from_dlpack(ro_t)
    with pytest.raises(TypeError, match="__dlpack__"):
        bw.from_dlpack([1, 2])


def test_from_numpy_and_numpy_share_memory_as_torch():
    for lib in (bw, torch):
        a = np.arange(4, dtype=np.float32)
        t = lib.from_numpy(a)
        a[0] = 5
        t[1] = 6
        n = t.numpy()
        n[2] = 7
        assert a.tolist() == t.tolist() == [5, 6, 7, 3] and np.shares_memory(n, a)
        with pytest.raises(ValueError, match="negative"):
            lib.from_numpy(a[::-1])
        ro = np.ones(2)
        ro.flags.writeable = False
        with pytest.warns(UserWarning, match="not writable"):
            lib.from_numpy(ro)
        with pytest.raises(RuntimeError, match="detach"):
            lib.ones(2, requires_grad=True).numpy()


@pytest.mark.skipif(not bw.cuda.is_available(), reason="needs a CUDA device")
def test_cupy_both_ways():
    import cupy

    c = cupy.zeros(3, cupy.float32)
    b = bw.from_dlpack(c)
    assert b.device.type == "cuda"
    b[0] = 4
    assert float(c[0]) == 4.0
    back = cupy.from_dlpack(bw.ones(2, device="cuda"))
    assert back.tolist() == [1.0, 1.0]
    assert bw.ones(1, device="cuda").__dlpack_device__()[0] == 2
