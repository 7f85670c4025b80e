"""autocast and GradScaler against PyTorch's on the CPU: output dtypes and values op by op, gradients, nesting,
the cast cache, and GradScaler's scale/step trajectory through an overflow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw

R = np.random.default_rng(0)


def _arr(*shape):
    return R.standard_normal(shape).astype(np.float32)


X, W, B, IMG, CW = _arr(4, 8), _arr(3, 8), _arr(3), _arr(2, 2, 6, 6), _arr(3, 2, 3, 3)
T = R.integers(0, 3, (4,))
Y = _arr(4, 3)
P = R.random((4, 3)).astype(np.float32)

# name -> f(lib, F, t) where t makes a tensor of the library from an array
CASES = {
    "linear": lambda L, F, t: F.linear(t(X), t(W), t(B)),
    "matmul": lambda L, F, t: t(X) @ t(W).t(),
    "rmatmul": lambda L, F, t: X[:3, :4].tolist() and t(W) @ t(X).t(),
    "mm": lambda L, F, t: t(X).mm(t(W).t()),
    "bmm": lambda L, F, t: t(X)[None].bmm(t(W).t()[None]),
    "addmm": lambda L, F, t: L.addmm(t(B), t(X), t(W).t()),
    "baddbmm": lambda L, F, t: L.baddbmm(t(B)[None, None], t(X)[None], t(W).t()[None]),
    "einsum": lambda L, F, t: L.einsum("ij,kj->ik", t(X), t(W)),
    "conv2d": lambda L, F, t: F.conv2d(t(IMG), t(CW)),
    "conv1d": lambda L, F, t: F.conv1d(t(IMG)[:, :, 0], t(CW)[:, :, 0]),
    "conv_transpose2d": lambda L, F, t: F.conv_transpose2d(t(IMG), t(CW).transpose(0, 1)),
    "sdpa": lambda L, F, t: F.scaled_dot_product_attention(t(X)[None, None], t(X)[None, None], t(X)[None, None]),
    "prelu": lambda L, F, t: F.prelu(t(X), t(np.array([0.2], np.float32))),
    "mv-stays": lambda L, F, t: t(X).mv(t(W)[0]),
    "softmax-follows": lambda L, F, t: F.linear(t(X), t(W)).softmax(-1),
    "sum-follows": lambda L, F, t: F.linear(t(X), t(W)).sum(),
    "layer_norm-follows": lambda L, F, t: F.layer_norm(F.linear(t(X), t(W)), (3,)),
    "relu-follows": lambda L, F, t: F.relu(F.linear(t(X), t(W))),
    "mixed-add-promotes": lambda L, F, t: F.linear(t(X), t(W)) + t(B),
    "mse_loss": lambda L, F, t: F.mse_loss(F.linear(t(X), t(W)), t(Y)),
    "cross_entropy": lambda L, F, t: F.cross_entropy(F.linear(t(X), t(W)), L.tensor(T)),
    "nll_loss": lambda L, F, t: F.nll_loss(F.linear(t(X), t(W)).log_softmax(-1), L.tensor(T)),
    "l1_loss": lambda L, F, t: F.l1_loss(F.linear(t(X), t(W)), t(Y)),
    "smooth_l1_loss": lambda L, F, t: F.smooth_l1_loss(F.linear(t(X), t(W)), t(Y)),
    "huber_loss": lambda L, F, t: F.huber_loss(F.linear(t(X), t(W)), t(Y)),
    "bce_with_logits": lambda L, F, t: F.binary_cross_entropy_with_logits(F.linear(t(X), t(W)), t(P)),
    "bce": lambda L, F, t: F.binary_cross_entropy(F.linear(t(X), t(W)).sigmoid(), t(P)),
    "kl_div": lambda L, F, t: F.kl_div(F.linear(t(X), t(W)).log_softmax(-1), t(P), reduction="batchmean"),
    "prod": lambda L, F, t: (F.linear(t(X), t(W)) * 0.1 + 1).prod(),
    "float64-untouched": lambda L, F, t: F.linear(t(X).double(), t(W).double()),
    "mha": lambda L, F, t: _mha(L, t),
}


def _mha(L, t):
    L.manual_seed(0)
    m = L.nn.MultiheadAttention(8, 2)
    with L.no_grad():
        for p, v in zip(m.parameters(), (np.linspace(-0.3, 0.3, p.numel(), dtype=np.float32) for p in m.parameters())):
            p.copy_(L.tensor(v.reshape(tuple(p.shape))))
    return m(t(X)[:, None], t(X)[:, None], t(X)[:, None], need_weights=False)[0]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_dtypes_and_values_match_torch_autocast(name, dtype):
    f = CASES[name]
    with torch.autocast("cpu", dtype=getattr(torch, dtype)):
        want = f(torch, torch.nn.functional, lambda a: torch.tensor(a))
    with bw.autocast("cpu", dtype=getattr(bw, dtype)):
        got = f(bw, bw.nn.functional, lambda a: bw.tensor(a))
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    tol = {"bfloat16": 2e-2, "float16": 2e-3}[dtype] if want.dtype != torch.float64 else 1e-6
    np.testing.assert_allclose(got.float().detach().numpy(), want.float().detach().numpy(), rtol=tol, atol=tol * 4)


def test_gradients_reach_float32_parameters_and_match_torch():
    lin_b, lin_t = bw.nn.Linear(8, 3), torch.nn.Linear(8, 3)
    lin_b.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in lin_t.state_dict().items()})
    for lib, lin in ((bw, lin_b), (torch, lin_t)):
        with lib.autocast("cpu"):
            loss = lib.nn.functional.mse_loss(lin(lib.tensor(X)), lib.tensor(Y))
        loss.backward()
    assert lin_b.weight.grad.dtype == bw.float32 and lin_b.weight.dtype == bw.float32
    np.testing.assert_allclose(lin_b.weight.grad.numpy(), lin_t.weight.grad.numpy(), rtol=3e-2, atol=3e-2)


def test_nesting_state_queries_cache_and_decorator():
    assert not bw.is_autocast_enabled("cpu")
    w = bw.nn.Parameter(bw.tensor(W))
    with bw.autocast("cpu"):
        assert bw.is_autocast_enabled("cpu") and bw.get_autocast_dtype("cpu") == bw.bfloat16
        a = bw.tensor(X) @ w.t()
        with bw.autocast("cpu", enabled=False):
            assert not bw.is_autocast_enabled("cpu")
            assert (bw.tensor(X) @ w.t()).dtype == bw.float32
        with bw.autocast("cpu", dtype=bw.float16):
            assert (bw.tensor(X) @ w.t()).dtype == bw.float16
        b = bw.tensor(X) @ w.t()
        assert a.dtype == b.dtype == bw.bfloat16
    assert (bw.tensor(X) @ w.t()).dtype == bw.float32  # outside: nothing swapped, nothing cast

    @bw.autocast("cpu")
    def f(x):
        return bw.nn.functional.linear(x, w)

    assert f(bw.tensor(X)).dtype == bw.bfloat16
    for old, new in ((bw.cpu.amp.autocast(), "cpu"),):
        assert old.device == new and old.fast_dtype == bw.bfloat16
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        bw.autocast("tpu")
    with pytest.warns(UserWarning, match="not supported. Disabling autocast"):
        bw.autocast("cpu", dtype=bw.float64)


def test_cuda_names_disable_cleanly_without_a_gpu():
    if bw.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        ac = bw.cuda.amp.autocast()
    with ac:
        assert (bw.ones(2, 2) @ bw.ones(2, 2)).dtype == bw.float32
    with pytest.warns(UserWarning, match="CUDA is not available"):
        assert not bw.cuda.amp.GradScaler().is_enabled()
    assert bw.amp.GradScaler is not None and bw.cpu.amp.GradScaler().get_scale() == 65536.0


def _scaler_run(lib, overflow_steps, **kw):
    """Train a linear layer a few steps with a GradScaler; some steps' losses overflow. Returns the trajectory."""
    lib.manual_seed(0)
    lin = lib.nn.Linear(4, 1)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor([[0.1, -0.2, 0.3, 0.05]]))
        lin.bias.fill_(0.1)
    opt = lib.optim.SGD(lin.parameters(), lr=0.01, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", **kw)
    x = lib.tensor(X[:, :4])
    out = []
    for step in range(8):
        opt.zero_grad()
        loss = (lin(x) ** 2).mean()
        if step in overflow_steps:
            loss = loss * 1e36  # scaled by 2**16 the gradients overflow float32
        scaler.scale(loss).backward()
        scaler.unscale_(opt) if step == 3 else None
        scaler.step(opt)
        scaler.update()
        out.append((scaler.get_scale(), scaler._get_growth_tracker(), lin.weight.detach().numpy().copy()))
    return out, scaler.state_dict()


def test_grad_scaler_trajectory_matches_torch_through_an_overflow():
    kw = dict(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, want_sd = _scaler_run(torch, {2, 5}, **kw)
    got, got_sd = _scaler_run(bw, {2, 5}, **kw)
    assert [s for s, _, _ in got] == [s for s, _, _ in want]
    assert [t for _, t, _ in got] == [t for _, t, _ in want]
    for (_, _, a), (_, _, b) in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert got_sd == want_sd
    assert got[2][2].tolist() == got[1][2].tolist()  # the overflow step was skipped


def test_grad_scaler_state_dict_and_errors():
    s = bw.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3)
    t = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3)
    assert s.state_dict() == t.state_dict()
    s2 = bw.amp.GradScaler("cpu")
    s2.load_state_dict(s.state_dict())
    assert s2.get_scale() == 8.0 and s2.get_growth_interval() == 3
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        s2.load_state_dict({})
    assert bw.amp.GradScaler("cpu", enabled=False).state_dict() == {}
    w = bw.nn.Parameter(bw.ones(2))
    opt = bw.optim.SGD([w], lr=0.1)
    s.scale(w.sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s.step(opt, closure=lambda: None)
    s.update()
    with pytest.raises(AssertionError, match="No inf checks"):
        s.update()
    with pytest.raises(ValueError, match="growth factor must be > 1.0"):
        bw.amp.GradScaler("cpu", growth_factor=0.5)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_transformer_training_step_under_autocast_follows_torch(dtype):
    tm = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True,
                                          norm_first=True)
    bm = bw.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
    bm.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = _arr(2, 5, 16)
    out = {}
    for lib, m in ((torch, tm), (bw, bm)):
        with lib.autocast("cpu", dtype=getattr(lib, dtype)):
            y = m(lib.tensor(x))
            loss = lib.nn.functional.mse_loss(y, lib.zeros(2, 5, 16))
        loss.backward()
        out[lib.__name__] = (str(y.dtype).split(".")[1], str(loss.dtype).split(".")[1], loss.item(),
                             m.linear1.weight.grad.float().numpy())
    (yt, lt, vt, gt), (yb, lb, vb, gb) = out["torch"], out["brickwork"]
    assert (yb, lb) == (yt, lt)
    assert abs(vb - vt) < 0.03 * abs(vt)
    np.testing.assert_allclose(gb, gt, rtol=0.1, atol=0.02 * np.abs(gt).max())
