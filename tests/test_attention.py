"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and TransformerEncoder against
PyTorch with the same weights (eval mode, so exact), plus float64 finite differences for the attention core."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import brickwork as bw
import brickwork.nn.functional as F

TF = torch.nn.functional
R = np.random.default_rng(0)
TOL = dict(rtol=1e-4, atol=2e-5)


def _leaf(a: np.ndarray, grad: bool = True) -> tuple[torch.Tensor, bw.Tensor]:
    return torch.tensor(a, requires_grad=grad), bw.tensor(a, requires_grad=grad)


def _randn(*shape: int) -> np.ndarray:
    return R.standard_normal(shape).astype(np.float32)


def _close(got: bw.Tensor, expected: torch.Tensor, tol: dict = TOL) -> None:
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), **tol)


def _copy_weights(tm: torch.nn.Module, bm: bw.nn.Module) -> None:
    assert list(bm.state_dict()) == list(tm.state_dict())
    bm.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def _bool_mask(*shape: int) -> np.ndarray:
    m = R.random(shape) > 0.4
    m[..., 0] = True  # every query keeps at least one key
    return m


SDPA = {
    "plain": ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7), {}),
    "unbatched-2d": ((5, 4), (6, 4), (6, 3), {}),
    "3d": ((2, 5, 4), (2, 6, 4), (2, 6, 4), {}),
    "causal": ((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4), {"is_causal": True}),
    "causal-rectangular": ((1, 2, 3, 4), (1, 2, 6, 4), (1, 2, 6, 4), {"is_causal": True}),
    "bool-mask": ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7), {"attn_mask": lambda: _bool_mask(5, 6)}),
    "bool-mask-masked-row": ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7),
                             {"attn_mask": lambda: np.where(np.arange(5)[:, None] == 2, False, _bool_mask(5, 6))}),
    "float-mask": ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7), {"attn_mask": lambda: _randn(3, 5, 6)}),
    "float-mask-batch": ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7), {"attn_mask": lambda: _randn(2, 1, 5, 6)}),
    "scale": ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7), {"scale": 0.37}),
    "gqa": ((2, 4, 5, 4), (2, 2, 6, 4), (2, 2, 6, 3), {"enable_gqa": True}),
    "broadcast-kv": ((2, 3, 5, 4), (1, 3, 6, 4), (1, 3, 6, 4), {}),
}


@pytest.mark.parametrize("name", list(SDPA))
def test_sdpa_matches_torch(name: str) -> None:
    qs, ks, vs, extra = SDPA[name]
    leaves = [_leaf(_randn(*s)) for s in (qs, ks, vs)]
    tk, bk = {}, {}
    mask_pair = None
    for k, v in extra.items():
        if callable(v):
            a = v()
            mask_pair = _leaf(a, a.dtype.kind == "f")
            tk[k], bk[k] = mask_pair
        else:
            tk[k] = bk[k] = v
    expected = TF.scaled_dot_product_attention(*[t for t, _ in leaves], **tk)
    got = F.scaled_dot_product_attention(*[b for _, b in leaves], **bk)
    _close(got, expected)
    up = _randn(*expected.shape)
    expected.backward(torch.tensor(up))
    got.backward(bw.tensor(up))
    for t, b in leaves:
        _close(b.grad, t.grad)
    if mask_pair is not None and mask_pair[0].requires_grad:
        _close(mask_pair[1].grad, mask_pair[0].grad)


def test_sdpa_gradcheck_float64() -> None:
    def leaf(*s):
        return bw.tensor(R.standard_normal(s), dtype=bw.float64, requires_grad=True)

    q, k, v, m = leaf(2, 3, 2), leaf(2, 4, 2), leaf(2, 4, 3), leaf(3, 4)
    assert bw.autograd.gradcheck(lambda a, b, c, d: F.scaled_dot_product_attention(a, b, c, attn_mask=d),
                                 (q, k, v, m))
    keep = bw.tensor(_bool_mask(3, 4))
    assert bw.autograd.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=keep, scale=0.7),
                                 (q, k, v))
    assert bw.autograd.gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c), (q, k, v))


def test_sdpa_dropout_is_unbiased_and_consistent() -> None:
    bw.manual_seed(0)
    q, k, v = bw.randn(1, 4, 3), bw.randn(1, 5, 3), bw.randn(1, 5, 3)
    exact = F.scaled_dot_product_attention(q, k, v)
    mean = sum(F.scaled_dot_product_attention(q, k, v, dropout_p=0.3) for _ in range(2000)) / 2000
    np.testing.assert_allclose(mean.numpy(), exact.numpy(), atol=0.08)
    # the backward reuses the forward's dropout mask: the gradient of v is (dropped weights)^T @ upstream
    vg = v.clone().requires_grad_()
    out, weights = bw.ops.attention._attention(q, k, vg, None, 0.5, 3 ** -0.5, True)
    out.sum().backward()
    np.testing.assert_allclose(vg.grad.numpy(), weights.detach().numpy().transpose(0, 2, 1).sum(-1, keepdims=True)
                               .repeat(3, -1), rtol=1e-5, atol=1e-6)


def test_sdpa_errors() -> None:
    q = bw.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=bw.ones(3, 3, dtype=bw.bool), is_causal=True)
    with pytest.raises(RuntimeError, match=r"got query \(2, 3, 4\), key \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, bw.zeros(2, 3, 5), q)
    with pytest.raises(RuntimeError, match="multiple of the key/value heads"):
        F.scaled_dot_product_attention(bw.zeros(1, 3, 2, 4), bw.zeros(1, 2, 2, 4), bw.zeros(1, 2, 2, 4),
                                       enable_gqa=True)


MHA = [
    pytest.param({}, {}, id="default"),
    pytest.param({"batch_first": True}, {"need_weights": False}, id="batch_first-no-weights"),
    pytest.param({}, {"average_attn_weights": False, "key_padding_mask": "bool"}, id="per-head-kpm"),
    pytest.param({"batch_first": True}, {"attn_mask": "bool2d", "key_padding_mask": "float"}, id="masks-merge"),
    pytest.param({}, {"attn_mask": "float3d", "need_weights": False}, id="float3d-mask"),
    pytest.param({}, {"attn_mask": "causal", "is_causal": True, "need_weights": False}, id="is_causal"),
    pytest.param({"kdim": 3, "vdim": 5}, {"cross": True}, id="kdim-vdim"),
    pytest.param({"batch_first": True}, {"cross": True, "key_padding_mask": "bool"}, id="cross-attention"),
    pytest.param({"add_bias_kv": True, "add_zero_attn": True}, {"key_padding_mask": "bool", "attn_mask": "bool2d"},
                 id="bias_kv-zero_attn"),
    pytest.param({"bias": False}, {"unbatched": True}, id="no-bias-unbatched"),
]


@pytest.mark.filterwarnings("ignore:Support for mismatched")
@pytest.mark.parametrize("ctor,call", MHA)
def test_multihead_attention_matches_torch(ctor: dict, call: dict) -> None:
    E, H, L, S, N = 8, 2, 4, 6, 3
    tm, bm = torch.nn.MultiheadAttention(E, H, **ctor), bw.nn.MultiheadAttention(E, H, **ctor)
    tm.eval()
    bm.eval()
    _copy_weights(tm, bm)
    call = dict(call)
    unbatched, cross = call.pop("unbatched", False), call.pop("cross", False)
    bf = ctor.get("batch_first", False)

    def shape(n, d):
        return (n, d) if unbatched else (N, n, d) if bf else (n, N, d)

    tq, bq = _leaf(_randn(*shape(L, E)))
    if cross or ctor.get("kdim"):
        tk, bk = _leaf(_randn(*shape(S, ctor.get("kdim", E))))
        tv, bv = (tk, bk) if not ctor.get("vdim") else _leaf(_randn(*shape(S, ctor["vdim"])))
        leaves = [(tq, bq), (tk, bk)] + ([(tv, bv)] if tv is not tk else [])
    else:
        tk = tv = tq
        bk = bv = bq
        leaves = [(tq, bq)]
    src = S if (cross or ctor.get("kdim")) else L
    tkw, bkw = {}, {}
    for name, kind in call.items():
        if not isinstance(kind, str):
            tkw[name] = bkw[name] = kind
            continue
        a = {"bool": lambda: ~_bool_mask(N, src), "float": lambda: _randn(N, src),
             "bool2d": lambda: ~_bool_mask(L, src), "float3d": lambda: _randn(N * H, L, src),
             "causal": lambda: np.triu(np.ones((L, src), bool), 1)}[kind]()
        tkw[name], bkw[name] = torch.tensor(a), bw.tensor(a)
    t_out, t_w = tm(tq, tk, tv, **tkw)
    b_out, b_w = bm(bq, bk, bv, **bkw)
    _close(b_out, t_out)
    t_loss, b_loss = t_out.sum(), b_out.sum()
    if t_w is None:
        assert b_w is None
    else:
        _close(b_w, t_w)
        wt = _randn(*t_w.shape)
        t_loss = t_loss + (t_w * torch.tensor(wt)).sum()
        b_loss = b_loss + (b_w * bw.tensor(wt)).sum()
    t_loss.backward()
    b_loss.backward()
    for t, b in leaves:
        _close(b.grad, t.grad)
    for (name, tp), bp in zip(tm.named_parameters(), bm.parameters()):
        _close(bp.grad, tp.grad)


def test_multihead_attention_init_and_errors() -> None:
    m = bw.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    t = torch.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == [(n, tuple(p.shape)) for n, p in
                                                                      t.named_parameters()]
    assert repr(m) == repr(t)
    assert float(m.in_proj_bias.abs().max()) == 0 and float(m.out_proj.bias.abs().max()) == 0
    bound = (6 / (16 + 48)) ** 0.5
    assert float(m.in_proj_weight.abs().max()) <= bound
    with pytest.raises(ValueError, match="multiple of num_heads"):
        bw.nn.MultiheadAttention(10, 3)
    x = bw.zeros(4, 2, 16)
    with pytest.raises(RuntimeError, match=r"key_padding_mask of shape \(N, S\) = \(2, 4\), got \(2, 5\)"):
        m(x, x, x, key_padding_mask=bw.zeros(2, 5, dtype=bw.bool))
    with pytest.raises(RuntimeError, match=r"should be \(L, S\) = \(4, 4\)"):
        m(x, x, x, attn_mask=bw.zeros(4, 3))
    with pytest.raises(RuntimeError, match="needs the causal attn_mask"):
        m(x, x, x, is_causal=True)


LAYER = [
    pytest.param({}, {}, id="post-norm"),
    pytest.param({"norm_first": True}, {}, id="pre-norm"),
    pytest.param({"batch_first": True, "activation": "gelu"}, {"src_mask": "causal"}, id="gelu-causal"),
    pytest.param({"norm_first": True, "activation": torch.tanh}, {"src_key_padding_mask": "bool"}, id="callable-kpm"),
    pytest.param({"bias": False, "batch_first": True, "norm_first": True},
                 {"src_mask": "causal", "is_causal": True}, id="no-bias-is_causal"),
    pytest.param({}, {"unbatched": True}, id="unbatched"),
]


def _layer_inputs(ctor: dict, call: dict, L: int, N: int, E: int) -> tuple:
    call = dict(call)
    unbatched = call.pop("unbatched", False)
    bf = ctor.get("batch_first", False)
    tx, bx = _leaf(_randn(*((L, E) if unbatched else (N, L, E) if bf else (L, N, E))))
    tkw, bkw = {}, {}
    for name, kind in call.items():
        if not isinstance(kind, str):
            tkw[name] = bkw[name] = kind
            continue
        a = np.triu(np.ones((L, L), bool), 1) if kind == "causal" else ~_bool_mask(N, L)
        tkw[name], bkw[name] = torch.tensor(a), bw.tensor(a)
    return tx, bx, tkw, bkw


@pytest.mark.parametrize("ctor,call", LAYER)
def test_transformer_encoder_layer_matches_torch(ctor: dict, call: dict) -> None:
    E, H, L, N = 8, 2, 5, 3
    bctor = dict(ctor)
    if callable(ctor.get("activation")):
        bctor["activation"] = bw.tanh
    tm = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, **ctor)
    bm = bw.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, **bctor)
    tm.eval()
    bm.eval()
    if not callable(ctor.get("activation")):
        assert repr(bm) == repr(tm)
    _copy_weights(tm, bm)
    tx, bx, tkw, bkw = _layer_inputs(ctor, call, L, N, E)
    t_out, b_out = tm(tx, **tkw), bm(bx, **bkw)
    _close(b_out, t_out)
    up = _randn(*t_out.shape)
    t_out.backward(torch.tensor(up))
    b_out.backward(bw.tensor(up))
    _close(bx.grad, tx.grad)
    for (name, tp), bp in zip(tm.named_parameters(), bm.parameters()):
        _close(bp.grad, tp.grad)


@pytest.mark.filterwarnings("ignore:Support for mismatched")
def test_transformer_encoder_matches_torch() -> None:
    E, H, L, N = 8, 2, 5, 3
    t_layer = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, norm_first=True)
    tm = torch.nn.TransformerEncoder(t_layer, 2, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    b_layer = bw.nn.TransformerEncoderLayer(E, H, dim_feedforward=16, norm_first=True)
    bm = bw.nn.TransformerEncoder(b_layer, 2, norm=bw.nn.LayerNorm(E), enable_nested_tensor=False)
    assert bm.layers[0] is not bm.layers[1]
    assert bw.equal(bm.layers[0].linear1.weight, bm.layers[1].linear1.weight)
    tm.eval()
    bm.eval()
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.randn(p.shape) * 0.1)  # make the two layers differ
    _copy_weights(tm, bm)
    tx, bx = _leaf(_randn(L, N, E))
    mask = np.triu(np.full((L, L), -np.inf, np.float32), 1)
    kpm = ~_bool_mask(N, L)
    t_out = tm(tx, mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(kpm))
    b_out = bm(bx, mask=bw.tensor(mask), src_key_padding_mask=bw.tensor(kpm))
    _close(b_out, t_out)
    t_out.sum().backward()
    b_out.sum().backward()
    _close(bx.grad, tx.grad)
    for tp, bp in zip(tm.parameters(), bm.parameters()):
        _close(bp.grad, tp.grad)


def test_transformer_training_mode_dropout() -> None:
    bw.manual_seed(1)
    layer = bw.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x = bw.randn(4, 2, 8)
    assert not bw.equal(layer(x), layer(x))
    layer.eval()
    assert bw.equal(layer(x), layer(x))
    with pytest.raises(RuntimeError, match="activation should be 'relu', 'gelu'"):
        bw.nn.TransformerEncoderLayer(8, 2, activation="swish")
