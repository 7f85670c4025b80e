"""Issue 10's glue, checked against PyTorch where it has behaviour: ``.pt`` files both ways, ``jit``/``compile``
pass-through, activation checkpointing that really recomputes, ``testing.assert_close``, legacy typed
constructors, backend flags, ``accelerator``, CUDA device names without CuPy, lazy ``.data`` initialisation."""

from __future__ import annotations

import io
import types
import warnings
from collections import OrderedDict
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import nn


# -- weights both ways: brickwork writes .pt files that torch.load(weights_only=True) reads ----------------------

def test_pt_files_written_by_brickwork_load_in_torch(tmp_path: Path) -> None:
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    sd = net.state_dict()
    extra = {"model": sd, "step": 7, "lr": 0.5, "name": "run", "flags": [True, None], "shape": (2, 3),
             "ints": bw.arange(5), "half": bw.ones(2, dtype=bw.float16), "bf": bw.ones(3, dtype=bw.bfloat16),
             "mask": bw.tensor([True, False]), "u8": bw.tensor([1, 255], dtype=bw.uint8),
             "nc": bw.arange(6.0).reshape(2, 3).T, "empty": bw.zeros(0, 3), "scalar": bw.tensor(2.5),
             "dtype": bw.float64, "dev": bw.device("cpu")}
    path = tmp_path / "model.pt"
    bw.save(extra, path)
    back = torch.load(path, weights_only=True)
    assert isinstance(back["model"], OrderedDict) and list(back["model"]) == list(sd)
    for k, v in sd.items():
        np.testing.assert_array_equal(back["model"][k].numpy(), v.numpy())
    assert back["step"] == 7 and back["lr"] == 0.5 and back["name"] == "run" and back["flags"] == [True, None]
    assert back["shape"] == (2, 3) and back["dtype"] is torch.float64 and back["dev"] == torch.device("cpu")
    for k in ("ints", "half", "mask", "u8", "nc", "empty", "scalar"):
        assert back[k].dtype == getattr(torch, str(extra[k].dtype).split(".")[-1]), k
        np.testing.assert_array_equal(back[k].numpy(), extra[k].numpy(), err_msg=k)
    assert back["bf"].dtype is torch.bfloat16 and back["bf"].float().tolist() == [1.0, 1.0, 1.0]
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tnet.load_state_dict(back["model"])
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    np.testing.assert_allclose(tnet(torch.tensor(x)).detach().numpy(), net(bw.tensor(x)).detach().numpy(), rtol=1e-6)
    again = bw.load(path)  # and brickwork reads its own .pt file back
    assert again["step"] == 7 and bw.equal(again["model"]["0.weight"], sd["0.weight"])


def test_pt_files_keep_parameters_and_tied_tensors(tmp_path: Path) -> None:
    w = nn.Parameter(bw.ones(2, 2))
    bw.save({"a": w, "b": w, "t": bw.zeros(1)}, tmp_path / "p.pth")
    back = torch.load(tmp_path / "p.pth", weights_only=True)
    assert isinstance(back["a"], torch.nn.Parameter) and back["a"] is back["b"] and back["a"].requires_grad


def test_pt_files_refuse_what_weights_only_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"\['opt'\].*safetensors"):
        bw.save({"opt": object()}, tmp_path / "bad.pt")
    with pytest.raises(TypeError, match="uninitialized lazy parameter"):
        bw.save(nn.LazyLinear(2).state_dict(), tmp_path / "lazy.pt")
    bw.save({"w": bw.ones(1)}, tmp_path / "w.safetensors")  # other suffixes stay safetensors
    assert (tmp_path / "w.safetensors").read_bytes()[:2] != b"PK"


# -- jit, compile, checkpoint ---------------------------------------------------------------------------------

def test_jit_and_compile_return_the_code_unchanged() -> None:
    net = nn.Linear(2, 1)
    assert bw.jit.script(net) is net and bw.jit.trace(net, bw.ones(1, 2)) is net and bw.compile(net) is net
    assert bw.compile(mode="reduce-overhead")(len) is len and not bw.jit.is_scripting() and not bw.jit.is_tracing()

    class M(nn.Module):
        @bw.jit.ignore
        def helper(self, x: Any) -> Any:
            return x + 1

        @bw.jit.unused
        def other(self, x: Any) -> Any:
            return x * 2

        @bw.jit.ignore(drop=True)
        def dropped(self, x: Any) -> Any:
            return x - 1

    m = M()
    assert m.helper(1) == 2 and m.other(2) == 4 and m.dropped(3) == 2


def test_checkpoint_recomputes_the_forward_in_backward() -> None:
    calls = []
    lin = nn.Linear(3, 3)
    drop = nn.Dropout(0.5)

    def block(t: Any, scale: float = 1.0) -> Any:
        calls.append(bw.is_grad_enabled())
        return drop(lin(t).tanh()) * scale

    x = bw.randn(4, 3, requires_grad=True)
    bw.manual_seed(0)
    out = bw.utils.checkpoint.checkpoint(block, x, use_reentrant=False, scale=2.0)
    assert calls == [False] and out.grad_fn is not None  # forward ran without recording anything
    out.sum().backward()
    assert calls == [False, True]  # ... and ran again, recording, in backward
    gx, gw = x.grad.clone(), lin.weight.grad.clone()
    x.grad, lin.weight.grad = None, None
    bw.manual_seed(0)
    block(x, 2.0).sum().backward()  # the same dropout mask, so the same gradients as without checkpointing
    assert bw.allclose(x.grad, gx) and bw.allclose(lin.weight.grad, gw)
    # parameters get gradients even when no input requires grad
    lin.weight.grad = None
    bw.utils.checkpoint.checkpoint(lin, bw.ones(2, 3), use_reentrant=True).sum().backward()
    assert bw.allclose(lin.weight.grad, bw.full((3, 3), 2.0))


def test_checkpoint_works_with_autograd_grad_and_create_graph_like_torch() -> None:
    R = np.random.default_rng(3)
    w, xv = R.standard_normal((3, 3)), R.standard_normal((2, 3))
    results = []
    for L in (torch, bw):
        ck = L.utils.checkpoint.checkpoint
        lin = L.nn.Linear(3, 3).double()
        with L.no_grad():
            lin.weight.copy_(L.tensor(w))
            lin.bias.zero_()
        x = L.tensor(xv, requires_grad=True)

        def block(t: Any) -> Any:  # reads `lin` from its closure
            return lin(t).tanh()

        y = ck(block, x, use_reentrant=False)
        gx, gw = L.autograd.grad(y.pow(2).sum(), [x, lin.weight], create_graph=True)
        ggx = L.autograd.grad(gx.sum() + gw.sum(), x)[0]  # a second derivative through the recomputation
        g2 = L.autograd.grad(ck(lin, x, use_reentrant=False).sin().sum(), lin.weight)[0]
        assert x.grad is None and lin.weight.grad is None  # autograd.grad leaves .grad alone
        ck(partial(lambda m, t: m(t).exp(), lin), x, use_reentrant=False).sum().backward()
        results.append([t.detach().numpy() for t in (gx, gw, ggx, g2, x.grad, lin.weight.grad)])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_checkpoint_accumulates_tensors_read_some_other_way() -> None:
    holder = types.SimpleNamespace(w=bw.ones(3, requires_grad=True))  # an attribute: not found as an input
    x = bw.ones(3, requires_grad=True)
    bw.utils.checkpoint.checkpoint(lambda t: (t * holder.w).sum(), x, use_reentrant=False).backward()
    assert bw.equal(holder.w.grad, bw.ones(3)) and bw.equal(x.grad, bw.ones(3))


# -- testing.assert_close ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [
    lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0 + 1e-6])),
    lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0, 2.1])),
    lambda L: (L.tensor([1, 2]), L.tensor([1, 3])),
    lambda L: (L.ones(2), L.ones(3)),
    lambda L: (L.ones(2), L.ones(2, dtype=L.float64)),
    lambda L: (L.tensor([float("nan")]), L.tensor([float("nan")])),
    lambda L: ({"a": L.ones(1), "b": [1.0, 2]}, {"a": L.ones(1), "b": [1.0, 2]}),
    lambda L: ({"a": L.ones(1)}, {"b": L.ones(1)}),
    lambda L: ([L.ones(1), 1.5], [L.ones(1), 1.5 + 1e-3]),
    lambda L: (1, 1),
])
def test_assert_close_agrees_with_torch(case: Any) -> None:
    def outcome(L: Any) -> str:
        try:
            L.testing.assert_close(*case(L))
        except Exception as e:
            return type(e).__name__ + ":" + str(e).splitlines()[0].split(":")[0]
        return "ok"

    assert outcome(bw) == outcome(torch)


def test_assert_close_options_and_message() -> None:
    bw.testing.assert_close(bw.tensor([1.0]), bw.tensor([1.05]), rtol=0.1, atol=0.0)
    bw.testing.assert_close(bw.tensor([float("nan")]), bw.tensor([float("nan")]), equal_nan=True)
    bw.testing.assert_close(bw.ones(2), bw.ones(2, dtype=bw.float64), check_dtype=False)
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 3 \(33.3%\)") as e:
        bw.testing.assert_close(bw.tensor([1.0, 2.0, 3.0]), bw.tensor([1.0, 2.0, 4.0]))
    assert "Greatest absolute difference: 1 at index (2,)" in str(e.value)
    with pytest.raises(AssertionError, match="custom"):
        bw.testing.assert_close(bw.ones(1), bw.zeros(1), msg="custom")
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        bw.testing.assert_close(bw.ones(1), bw.ones(1), rtol=0.1)


# -- typed constructors, flags, accelerator, devices -------------------------------------------------------------

def test_legacy_typed_constructors_match_torch() -> None:
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor", "HalfTensor"):
        b, t = getattr(bw, name), getattr(torch, name)
        assert str(b(2, 3).dtype).split(".")[-1] == str(t(2, 3).dtype).split(".")[-1] and b(2, 3).shape == (2, 3)
        assert b([1, 0, 2]).tolist() == t([1, 0, 2]).tolist() and tuple(b().shape) == tuple(t().shape)
    assert bw.LongTensor([1.5, -2.7]).tolist() == torch.LongTensor([1.5, -2.7]).tolist()
    assert isinstance(bw.ones(2), bw.FloatTensor) and not isinstance(bw.ones(2), bw.LongTensor)
    assert isinstance(bw.arange(3), bw.LongTensor) and bw.FloatTensor(bw.Size([2])).shape == (2,)


def test_flags_and_matmul_precision_are_recorded() -> None:
    assert bw.backends.cudnn.enabled and not bw.backends.cudnn.deterministic and not bw.backends.cudnn.benchmark
    bw.backends.cudnn.benchmark = True
    bw.backends.cuda.matmul.allow_tf32 = True
    try:
        assert bw.backends.cudnn.benchmark and bw.backends.cuda.matmul.allow_tf32
    finally:
        bw.backends.cudnn.benchmark = False
        bw.backends.cuda.matmul.allow_tf32 = False
    assert not bw.backends.mps.is_available() and bw.backends.device is bw.device  # the device package still works
    assert bw.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    bw.set_float32_matmul_precision("medium")
    assert bw.get_float32_matmul_precision() == "medium"
    with pytest.warns(UserWarning, match="not one of"):
        bw.set_float32_matmul_precision("low")
    bw.set_float32_matmul_precision("highest")
    assert bw.accelerator.is_available() == bw.cuda.is_available()
    assert (bw.accelerator.current_accelerator() is None) == (not bw.cuda.is_available())
    with pytest.raises(AssertionError, match="bad shape"):
        bw._assert(bw.tensor(False), "bad shape")
    bw._assert(True, "fine")


def test_nn_parallel_and_data_parallel_are_attributes() -> None:
    assert bw.nn.parallel.DataParallel is bw.nn.DataParallel
    assert bw.nn.DataParallel(nn.Linear(2, 2))(bw.ones(3, 2)).shape == (3, 2)


def test_tensor_device_flags_and_reversed() -> None:
    x = bw.arange(3)
    assert not x.is_xpu and not x.is_mps and not x.is_sparse
    assert reversed(x).tolist() == [2, 1, 0] and reversed(bw.tensor(5)).item() == 5


def test_lazy_parameters_accept_data_initialisation_before_materialisation() -> None:
    m = nn.LazyLinear(1)
    m.weight.data.normal_(0, 0.01)  # accepted, as in PyTorch; materialisation initialises the parameter
    m.bias.data.fill_(0)
    assert tuple(m.weight.data.shape) == (0,)
    bw.manual_seed(0)
    out = m(bw.ones(2, 3))
    assert out.shape == (2, 1) and m.weight.shape == (1, 3)
    m.weight.data.normal_(0, 0.01)  # afterwards it changes the real weights
    assert float(m.weight.abs().max()) < 0.1


def test_meshgrid_without_indexing_warns_like_torch() -> None:
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        a, b = bw.meshgrid(bw.arange(2), bw.arange(3))
    assert a.shape == (2, 3) and any("indexing" in str(w.message) for w in got)


def test_sparse_coo_converts_and_multiplies_like_torch() -> None:
    idx, vals = [[0, 1, 1, 2], [2, 0, 0, 1]], [1.0, 2.0, 3.0, -1.0]  # a duplicate entry at (1, 0)
    dense = np.random.default_rng(0).standard_normal((3, 2)).astype("float32")
    b_vals, t_vals = bw.tensor(vals, requires_grad=True), torch.tensor(vals, requires_grad=True)
    b_x, t_x = bw.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    bs = bw.sparse_coo_tensor(bw.tensor(idx), b_vals, (3, 3))
    ts = torch.sparse_coo_tensor(torch.tensor(idx), t_vals, (3, 3))
    assert bs.is_sparse and not bw.ones(1).is_sparse and bs.shape == (3, 3) and bs._nnz() == 4
    np.testing.assert_allclose(bs.to_dense().detach().numpy(), ts.to_dense().detach().numpy())
    c, tc = bs.coalesce(), ts.coalesce()
    assert c.indices().tolist() == tc.indices().tolist() and c.values().tolist() == tc.values().tolist()
    with pytest.raises(RuntimeError, match="coalesce"):
        bs.values()
    bo, to = bw.spmm(bs, b_x), torch.spmm(ts, t_x)
    np.testing.assert_allclose(bo.detach().numpy(), to.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose((bs @ b_x).detach().numpy(), to.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(bw.sparse.mm(bs, b_x).detach().numpy(), to.detach().numpy(), rtol=1e-6)
    g = np.random.default_rng(1).standard_normal((3, 2)).astype("float32")
    bo.backward(bw.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(b_vals.grad.numpy(), t_vals.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(b_x.grad.numpy(), t_x.grad.numpy(), rtol=1e-6)
    d = bw.tensor([[0.0, 2.0], [3.0, 0.0]])
    s = d.to_sparse()
    assert s._nnz() == 2 and bw.equal(s.to_dense(), d) and bw.equal(d.to_dense(), d)
    assert s.indices().tolist() == torch.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse().indices().tolist()
    with pytest.raises(RuntimeError, match="size is inconsistent"):
        bw.sparse_coo_tensor([[0, 5]], [1.0, 2.0], (3,))


def test_sparse_sum_like_torch() -> None:
    idx, vals = [[0, 1, 1, 0], [2, 0, 2, 0]], [3.0, 4.0, 5.0, -3.0]  # row 0's entries sum to zero over dim 1
    weights = np.array([1.0, 2.0, 3.0])
    results = []
    for lib in (bw, torch):
        v = lib.tensor(vals, requires_grad=True)
        s = lib.sparse_coo_tensor(lib.tensor(idx), v, (2, 3))
        by_row = lib.sparse.sum(s, dim=1)
        by_col = lib.sparse.sum(s, dim=0)
        (by_col.to_dense() * lib.tensor(weights, dtype=lib.float32)).sum().backward()
        results.append((by_row.indices().tolist(), by_row.values().tolist(), by_col.to_dense().tolist(),
                        lib.sparse.sum(s).item(), lib.sparse.sum(s, dim=(0, 1)).item(),
                        str(lib.sparse.sum(s, dtype=lib.float64).dtype).split(".")[1], v.grad.tolist()))
    assert results[0] == results[1]
    with pytest.raises(RuntimeError):
        bw.sparse.sum(bw.ones(2))
