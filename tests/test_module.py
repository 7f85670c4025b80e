"""nn.Module, Parameter/Buffer, containers and nn.utils, checked against PyTorch where PyTorch defines behaviour.

The same architectures are built with both libraries from one factory (custom modules holding Parameters
directly), so names, orders, reprs and error lists can be compared exactly.
"""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys
import textwrap
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import nn


def classes(lib):
    """Small modules written once, built with either library."""
    lnn = lib.nn

    class Affine(lnn.Module):
        def __init__(self, n_in, n_out, bias=True):
            super().__init__()
            self.n_in, self.n_out = n_in, n_out
            self.weight = lnn.Parameter(lib.randn(n_out, n_in))
            if bias:
                self.bias = lnn.Parameter(lib.zeros(n_out))
            else:
                self.register_parameter("bias", None)

        def forward(self, x):
            y = x @ self.weight.T
            return y + self.bias if self.bias is not None else y

        def extra_repr(self):
            return f"n_in={self.n_in}, n_out={self.n_out}, bias={self.bias is not None}"

    class Act(lnn.Module):
        def forward(self, x):
            return x.relu()

    class Norm(lnn.Module):
        def __init__(self, n):
            super().__init__()
            self.gain = lnn.Parameter(lib.ones(n))
            self.register_buffer("running_mean", lib.zeros(n))
            self.register_buffer("scratch", lib.zeros(n), persistent=False)
            self.register_buffer("steps", lib.tensor(0))

        def forward(self, x):
            return (x - self.running_mean) * self.gain

        def extra_repr(self):
            return f"{self.gain.shape[0]}"

    class Net(lnn.Module):
        def __init__(self):
            super().__init__()
            self.enc = lnn.Sequential(Affine(3, 4), Act(), Affine(4, 4, bias=False))
            self.blocks = lnn.ModuleList([Norm(4), Norm(4), Act()])
            self.heads = lnn.ModuleDict({"b": Affine(4, 2), "a": Affine(4, 1)})
            self.scale = lnn.Parameter(lib.ones(1))
            self.register_buffer("count", lib.zeros(1))

        def forward(self, x):
            h = self.enc(x)
            for blk in self.blocks:
                h = blk(h)
            return self.heads["a"](h) * self.scale + self.heads["b"](h).sum(-1, keepdim=True)

    class Tied(lnn.Module):
        def __init__(self):
            super().__init__()
            self.enc = Affine(3, 3)
            self.dec = Affine(3, 3)
            self.dec.weight = self.enc.weight

        def forward(self, x):
            return self.dec(self.enc(x))

    return Affine, Act, Norm, Net, Tied


BAffine, BAct, BNorm, BNet, BTied = classes(bw)
for _cls in (BAffine, BAct, BNorm, BNet, BTied):  # picklable by name
    _cls.__qualname__ = "B" + _cls.__name__
TAffine, TAct, TNorm, TNet, TTied = classes(torch)


def copy_weights(dst_bw, src_torch):
    """Give the brickwork model the torch model's values (same architecture)."""
    sd = {k: bw.tensor(v.detach().numpy()) for k, v in src_torch.state_dict().items()}
    dst_bw.load_state_dict(sd)


def torch_text(s: str) -> str:
    return s.replace("brickwork", "torch")


# -- registration ---------------------------------------------------------------------------------------------

def test_attribute_assignment_registers_parameters_modules_and_buffers():
    m = nn.Module()
    m.w = nn.Parameter(bw.ones(2))
    m.child = nn.Module()
    m.buf = nn.Buffer(bw.zeros(3))
    m.hidden = nn.Buffer(bw.zeros(1), persistent=False)
    m.plain = bw.ones(1)
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"]
    assert list(m._buffers) == ["buf", "hidden"] and "plain" not in m._buffers
    assert list(m.state_dict()) == ["w", "buf"]
    assert m.w is m._parameters["w"] and m.child is m._modules["child"]
    m.buf = bw.ones(3)  # a tensor assigned to a buffer name stays a buffer
    assert bw.equal(m._buffers["buf"], bw.ones(3))
    m.w = None
    assert m._parameters["w"] is None and list(m.parameters()) == []
    del m.child
    assert "child" not in m._modules


def test_buffer_and_parameter_types():
    t = bw.ones(2)
    p = nn.Parameter(t)
    assert type(p) is nn.Parameter and isinstance(p, bw.Tensor) and p.requires_grad
    p.data[0] = 5  # shares memory with t, like torch
    assert t[0].item() == 5
    assert not nn.Parameter(bw.ones(1), requires_grad=False).requires_grad
    with bw.no_grad():
        assert nn.Parameter(bw.ones(1)).requires_grad
    b = nn.Buffer(bw.zeros(2))
    assert type(b) is bw.Tensor and isinstance(b, nn.Buffer) and not isinstance(bw.zeros(1), nn.Buffer)
    assert torch_text(repr(nn.Parameter(bw.ones(2)))) == repr(torch.nn.Parameter(torch.ones(2)))
    assert type(p * 2) is bw.Tensor and type(p.detach()) is bw.Tensor


def test_registration_errors_match_torch():
    for lib in (bw, torch):
        m = lib.nn.Module()
        m.x = 1
        with pytest.raises(KeyError, match="already exists"):
            m.register_parameter("x", None)
        with pytest.raises(KeyError, match='contain'):
            m.register_buffer("a.b", lib.ones(1))
        with pytest.raises(KeyError, match="empty string"):
            m.add_module("", lib.nn.Module())
        with pytest.raises(TypeError, match="cannot assign"):
            m.register_parameter("w", lib.ones(1))
        m.w = lib.nn.Parameter(lib.ones(1))
        with pytest.raises(TypeError, match="as parameter 'w'"):
            m.w = lib.ones(1)
        if lib is bw:
            with pytest.raises(ValueError, match="non-leaf"):
                m.register_parameter("v", _nonleaf_param())
        with pytest.raises(TypeError, match="is not a Module subclass"):
            m.add_module("k", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(bw.ones(1))
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def _nonleaf_param():
    p = nn.Parameter(bw.ones(1))
    q = p * 2
    q.__class__ = nn.Parameter  # a Parameter object that has a grad_fn
    return q


def test_getattr_error_names_the_class_and_dir_lists_members():
    net = BNet()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'foo'"):
        net.foo
    d = dir(net)
    assert {"enc", "scale", "count", "forward", "training"} <= set(d)
    assert not any(k[0].isdigit() for k in dir(net.enc))


def test_plain_list_or_dict_of_modules_warns():
    m = nn.Module()
    with pytest.warns(UserWarning, match="ModuleList"):
        m.layers = [nn.Module(), nn.Module()]
    with pytest.warns(UserWarning, match="ModuleDict"):
        m.table = {"a": nn.Module()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.numbers = [1, 2, 3]
        m.layers2 = nn.ModuleList([nn.Module()])


def test_missing_forward_raises_like_torch():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
        nn.Module()(bw.ones(1))


# -- traversal -------------------------------------------------------------------------------------------------

def test_named_members_match_torch():
    b, t = BNet(), TNet()
    assert [n for n, _ in b.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in b.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in b.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in b.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in b.named_parameters(prefix="model")] == [n for n, _ in t.named_parameters(prefix="model")]
    assert [n for n, _ in b.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in b.enc.named_modules(prefix="enc")] == [n for n, _ in t.enc.named_modules(prefix="enc")]
    assert len(list(b.parameters())) == len(list(t.parameters()))
    assert len(list(b.modules())) == len(list(t.modules()))
    assert [type(c).__name__ for c in b.children()] == ["Sequential", "ModuleList", "ModuleDict"]


def test_shared_module_and_parameters_listed_once_unless_asked():
    for lib, Tied in ((bw, BTied), (torch, TTied)):
        m = Tied()
        shared = lib.nn.Module()
        m.s1 = shared
        m.s2 = shared
        names = [n for n, _ in m.named_parameters()]
        assert names == ["enc.weight", "enc.bias", "dec.bias"], lib
        assert [n for n, _ in m.named_parameters(remove_duplicate=False)] == \
            ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
        assert [n for n, _ in m.named_modules()] == ["", "enc", "dec", "s1"]
        assert [n for n, _ in m.named_modules(remove_duplicate=False)] == ["", "enc", "dec", "s1", "s2"]


def test_tied_parameters_gradients_add_up_like_torch():
    b, t = BTied(), TTied()
    copy_weights(b, t)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    b(bw.tensor(x)).sum().backward()
    t(torch.tensor(x)).sum().backward()
    assert b.enc.weight is b.dec.weight
    np.testing.assert_allclose(b.enc.weight.grad.numpy(), t.enc.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert bw.nn.utils.count_parameters(b) == sum(p.numel() for p in t.parameters()) == 15


def test_submodule_parameter_buffer_lookup():
    net = BNet()
    assert net.get_submodule("") is net
    assert net.get_submodule("enc.0") is net.enc[0]
    assert net.get_parameter("heads.a.weight") is net.heads["a"].weight
    assert net.get_buffer("blocks.0.running_mean") is net.blocks[0].running_mean
    with pytest.raises(AttributeError, match="Sequential has no attribute `9`"):
        net.get_submodule("enc.9")
    with pytest.raises(AttributeError, match="`running_mean` is not an nn.Parameter"):
        net.get_parameter("blocks.0.running_mean")
    with pytest.raises(AttributeError, match="`gain` is not a buffer"):
        net.get_buffer("blocks.0.gain")
    with pytest.raises(AttributeError, match="`scale` is not an nn.Module"):
        net.get_submodule("scale")


# -- modes and bulk changes ------------------------------------------------------------------------------------

def test_train_eval_apply_zero_grad_requires_grad():
    net = BNet()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")

    order_b, order_t = [], []
    net.apply(lambda m: order_b.append(type(m).__name__))
    TNet().apply(lambda m: order_t.append(type(m).__name__))
    assert order_b == order_t

    net(bw.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net and not any(p.requires_grad for p in net.parameters())


def test_train_recurses_through_overrides():
    class Frozen(nn.Module):
        def train(self, mode=True):
            return super().train(False)

    net = nn.Sequential(Frozen())
    net.train()
    assert net.training and not net[0].training


def test_to_keeps_parameter_identity_ties_and_int_buffers():
    m = BTied()
    m.norm = BNorm(3)
    params = list(m.parameters())
    m(bw.ones(1, 3)).sum().backward()
    assert m.to(bw.float64) is m
    assert [p for p in m.parameters()] == params and all(a is b for a, b in zip(m.parameters(), params))
    assert all(p.dtype is bw.float64 and (p.grad is None or p.grad.dtype is bw.float64) for p in m.parameters())
    assert m.enc.weight.grad.dtype is bw.float64
    assert m.enc.weight is m.dec.weight
    assert m.norm.running_mean.dtype is bw.float64 and m.norm.steps.dtype is bw.int64
    m.half()
    assert m.enc.weight.dtype is bw.float16 and m.norm.steps.dtype is bw.int64
    m.float()
    assert m.enc.weight.dtype is bw.float32
    m.double().cpu()
    assert m.enc.bias.dtype is bw.float64 and m.enc.bias.device.type == "cpu"
    with pytest.raises(TypeError, match="floating point"):
        m.to(bw.int64)
    m.to(bw.zeros(1, dtype=bw.float32))
    assert m.enc.weight.dtype is bw.float32
    m.to(device="cpu", dtype=bw.float64)
    assert m.dec.weight.dtype is bw.float64


def test_to_device_moves_everything_and_keeps_identity_on_virtual_cpus():
    code = textwrap.dedent("""
        import brickwork as bw
        from brickwork import nn
        m = nn.Module(); m.w = nn.Parameter(bw.ones(2)); m.inner = nn.Module(); m.inner.w = m.w
        m.register_buffer("b", bw.zeros(2)); m.inner.register_buffer("b", m.b)
        (m.w * 2).sum().backward()
        p = m.w
        m.to("cpu:1")
        assert m.w is p and m.inner.w is p and str(p.device) == "cpu:1" and str(p.grad.device) == "cpu:1"
        assert str(m.b.device) == "cpu:1" and m.inner.b is m.b  # a shared buffer stays shared
        u = nn.UninitializedParameter(); m.u = u; m.to("cpu:0")
        assert str(u.device) == "cpu:0"
        print("ok")
    """)
    env = dict(os.environ, BRICKWORK_CPU_DEVICES="2")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


# -- state dict ------------------------------------------------------------------------------------------------

def test_state_dict_keys_order_and_values_match_torch():
    b, t = BNet(), TNet()
    assert list(b.state_dict()) == list(t.state_dict())
    assert list(b.state_dict(prefix="m.")) == list(t.state_dict(prefix="m."))
    assert list(b.state_dict()._metadata) == list(t.state_dict()._metadata)
    copy_weights(b, t)
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k].numpy(), v.numpy())
    sd = b.state_dict()
    assert not sd["scale"].requires_grad and type(sd["scale"]) is bw.Tensor
    sd["scale"].fill_(7)  # detached values share memory with the module's tensors, like torch
    assert b.scale.item() == 7
    assert b.state_dict(keep_vars=True)["scale"] is b.scale


def test_tied_state_dict_has_both_keys_and_load_keeps_ties():
    b, t = BTied(), TTied()
    assert list(b.state_dict()) == list(t.state_dict())
    sd = {k: v.clone() + 1 for k, v in b.state_dict().items()}
    b.load_state_dict(sd)
    assert b.enc.weight is b.dec.weight
    np.testing.assert_allclose(b.enc.weight.detach().numpy(), sd["enc.weight"].numpy())


def test_load_state_dict_roundtrip_and_result():
    a, b = BNet(), BNet()
    res = b.load_state_dict(a.state_dict())
    assert repr(res) == "<All keys matched successfully>" and res.missing_keys == [] and res.unexpected_keys == []
    for (k, v), (_, w) in zip(a.state_dict().items(), b.state_dict().items()):
        assert bw.equal(v, w), k
    x = bw.ones(2, 3)
    assert bw.equal(a(x), b(x))


def _broken(sd, lib):
    sd = dict(sd)
    del sd["enc.0.bias"], sd["blocks.1.running_mean"]
    sd["extra.weight"] = lib.ones(1)
    sd["enc.unknown"] = lib.ones(1)
    sd["heads.a.weight"] = lib.ones(5, 5)
    return sd


def test_load_state_dict_collects_every_problem_once_like_torch():
    b, t = BNet(), TNet()
    with pytest.raises(RuntimeError) as tb:
        t.load_state_dict(_broken(t.state_dict(), torch))
    bad = _broken(b.state_dict(), bw)
    bad["scale"] = bad["scale"].double()
    with pytest.raises(RuntimeError) as bb:
        b.load_state_dict(bad)
    tmsg, bmsg = str(tb.value), str(bb.value)
    tlines, blines = tmsg.split("\n\t"), bmsg.split("\n\t")
    assert blines[:3] == [torch_text(line) for line in tlines[:3]]  # header, missing keys, unexpected keys
    assert tlines[3] in [torch_text(line) for line in blines]  # the size mismatch
    assert "dtype mismatch for scale" in bmsg and "strict=False" in bmsg and "model.to(dtype)" in bmsg
    # non-strict: the same missing/unexpected lists as torch, size mismatches still raise
    sd_t, sd_b = _broken(t.state_dict(), torch), _broken(b.state_dict(), bw)
    del sd_t["heads.a.weight"], sd_b["heads.a.weight"]
    rt, rb = t.load_state_dict(sd_t, strict=False), b.load_state_dict(sd_b, strict=False)
    assert rb.missing_keys == rt.missing_keys and rb.unexpected_keys == rt.unexpected_keys
    assert repr(rb) == repr(rt)


def test_load_state_dict_assign_and_types():
    m = BAffine(2, 3)
    w = bw.ones(3, 2)
    m.load_state_dict({"weight": w, "bias": bw.zeros(3)}, assign=True)
    assert type(m.weight) is nn.Parameter and m.weight.requires_grad
    w[0, 0] = 9
    assert m.weight[0, 0].item() == 9  # assign keeps the checkpoint's memory
    m.load_state_dict({"weight": np.full((3, 2), 2.0, np.float32), "bias": bw.zeros(3)})
    assert m.weight[0, 0].item() == 2
    with pytest.raises(TypeError, match="dict-like"):
        m.load_state_dict([("weight", w)])
    with pytest.raises(RuntimeError, match="expected brickwork.Tensor"):
        m.load_state_dict({"weight": "nope", "bias": bw.zeros(3)})


def test_extra_state_and_load_hook_override():
    class WithExtra(nn.Module):
        def __init__(self):
            super().__init__()
            self.cfg = {"k": 1}

        def get_extra_state(self):
            return dict(self.cfg)

        def set_extra_state(self, state):
            self.cfg = state

    m = WithExtra()
    sd = m.state_dict()
    assert list(sd) == ["_extra_state"]
    n = WithExtra()
    n.load_state_dict({"_extra_state": {"k": 5}})
    assert n.cfg == {"k": 5}
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "_extra_state"'):
        nn.Module().load_state_dict({"_extra_state": 1})


# -- copying ---------------------------------------------------------------------------------------------------

def test_deepcopy_and_pickle_keep_ties_and_copy_memory():
    m = BTied()
    m(bw.ones(1, 3)).sum().backward()
    for c in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert c.enc.weight is c.dec.weight and c.enc.weight is not m.enc.weight
        assert type(c.enc.weight) is nn.Parameter and c.enc.weight.requires_grad
        assert bw.equal(c.enc.weight, m.enc.weight)
        assert c.enc.weight.grad is None  # PyTorch's Parameter drops the grad when copied
        with bw.no_grad():
            c.enc.weight.add_(1)
        assert not bw.equal(c.enc.weight, m.enc.weight)
        assert c._init_seed == m._init_seed


# -- repr ------------------------------------------------------------------------------------------------------

def test_repr_matches_torch():
    assert repr(BNet()) == repr(TNet())
    assert repr(BTied()) == repr(TTied())
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential())
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    ml_b = nn.ModuleList([BAct(), BAct(), BAffine(2, 2), BAffine(2, 2), BAct()])
    ml_t = torch.nn.ModuleList([TAct(), TAct(), TAffine(2, 2), TAffine(2, 2), TAct()])
    assert repr(ml_b) == repr(ml_t)

    def params(lib):
        return [lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(2, dtype=lib.float64), "x"]

    assert torch_text(repr(nn.ParameterList(params(bw)))) == repr(torch.nn.ParameterList(params(torch)))
    pd = {"b": bw.ones(2, 3), "a": nn.Parameter(bw.zeros(1, dtype=bw.int64), requires_grad=False)}
    tpd = {"b": torch.ones(2, 3), "a": torch.nn.Parameter(torch.zeros(1, dtype=torch.int64), requires_grad=False)}
    assert torch_text(repr(nn.ParameterDict(pd))) == repr(torch.nn.ParameterDict(tpd))

    class Multi(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    class TMulti(torch.nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    b, t = nn.Sequential(Multi()), torch.nn.Sequential(TMulti())
    assert repr(b).replace("Multi", "X") == repr(t).replace("TMulti", "X")


# -- hooks -----------------------------------------------------------------------------------------------------

def test_forward_hooks_modify_inputs_and_outputs_in_order():
    m = BAffine(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("a") or out + 1)
    m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(("kw", kwargs)), with_kwargs=True)
    out = m(bw.ones(1, 2))
    assert bw.equal(out, bw.ones(1, 2)) and calls == ["first", "a", ("kw", {})]
    h1.remove()
    h2.remove()
    h2.remove()  # removing twice is a no-op
    calls.clear()
    m(bw.ones(1, 2))
    assert calls == ["first", ("kw", {})]
    with m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True):
        assert bw.allclose(m(bw.ones(1, 2)), m.forward(bw.full((1, 2), 2.0)))
    assert bw.allclose(m(bw.ones(1, 2)), m.forward(bw.ones(1, 2)))


def test_forward_hook_always_call_runs_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    m = Boom()
    m.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
    m.register_forward_hook(lambda mod, args, out: seen.append("never"))
    with pytest.raises(ValueError, match="boom"):
        m(bw.ones(1))
    assert seen == [None]


def test_full_backward_hooks_match_torch():
    b, t = BAffine(3, 2), TAffine(3, 2)
    copy_weights(b, t)
    got = {}
    for lib, m in (("bw", b), ("torch", t)):
        rec = got.setdefault(lib, [])
        m.register_full_backward_pre_hook(lambda mod, go, rec=rec: rec.append(("pre", go[0].numpy().copy())))
        m.register_full_backward_hook(lambda mod, gi, go, rec=rec: rec.append(
            ("full", gi[0].numpy().copy(), go[0].numpy().copy())))
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    xb, xt = bw.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (b(xb) ** 2).sum().backward()
    (t(xt) ** 2).sum().backward()
    assert [r[0] for r in got["bw"]] == [r[0] for r in got["torch"]] == ["pre", "full"]
    for rb, rt in zip(got["bw"], got["torch"]):
        for u, v in zip(rb[1:], rt[1:]):
            np.testing.assert_allclose(u, v, rtol=1e-5)
    np.testing.assert_allclose(xb.grad.numpy(), xt.grad.numpy(), rtol=1e-5)


def test_backward_hook_can_replace_grad_input_and_sees_none_for_data_inputs():
    m = BAffine(3, 2)
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append(gi))
    m(bw.ones(2, 3)).sum().backward()  # the input needs no grad: the hook still runs, with None
    assert len(seen) == 1 and seen[0] == (None,)
    m2 = BAffine(3, 2)
    m2.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0,))
    x = bw.ones(2, 3, requires_grad=True)
    m2(x).sum().backward()
    assert bw.equal(x.grad, bw.zeros(2, 3)) and m2.weight.grad is not None


# -- containers ------------------------------------------------------------------------------------------------

def test_sequential_behaves_like_torch():
    def build(lib, Act):
        return lib.nn.Sequential(Act(), Act(), Act(), Act())

    for lib, Act in ((bw, BAct), (torch, TAct)):
        s = build(lib, Act)
        a = s[1]
        assert isinstance(s[1:3], lib.nn.Sequential) and list(s[1:3]._modules) == ["1", "2"]
        assert s[-3] is a and len(s) == 4 and list(s) == list(s._modules.values())
        with pytest.raises(IndexError):
            s[4]
        del s[0]
        assert list(s._modules) == ["0", "1", "2"] and s[0] is a
        new = Act()
        s[1] = new
        assert s[1] is new
        s.append(Act()).insert(0, Act())
        assert len(s) == 5 and s[1] is a
        s.insert(-1, Act())
        assert len(s) == 6
        popped = s.pop(1)
        assert popped is a and len(s) == 5
        s.extend([Act()])
        assert len(s) == 6 and list(s._modules) == [str(i) for i in range(6)]
        assert len(s + build(lib, Act)) == 10 and len(s * 2) == 12 and len(2 * s) == 12
        d = lib.nn.Sequential(OrderedDict([("first", Act()), ("second", Act())]))
        assert list(d._modules) == ["first", "second"] and isinstance(d.first, Act)
        with pytest.raises(ValueError):
            s + lib.nn.ModuleList()
    x = bw.tensor([-1.0, 2.0])
    assert bw.equal(nn.Sequential(BAct(), BAct())(x), bw.tensor([0.0, 2.0]))


def test_module_list_and_dict_behave_like_torch():
    for lib, Act in ((bw, BAct), (torch, TAct)):
        ml = lib.nn.ModuleList([Act(), Act()])
        ml += [Act()]
        ml.append(Act()).extend([Act()])
        ml.insert(1, Act())
        assert len(ml) == 6 and list(ml._modules) == [str(i) for i in range(6)]
        assert isinstance(ml[1:3], lib.nn.ModuleList) and len(ml[1:3]) == 2
        del ml[::2]
        assert len(ml) == 3 and list(ml._modules) == ["0", "1", "2"]
        first = ml.pop(0)
        assert isinstance(first, Act) and len(ml) == 2 and len(ml + ml) == 4
        with pytest.raises(TypeError):
            ml.extend(3)
        md = lib.nn.ModuleDict({"b": Act()})
        md.update([("a", Act())])
        md["c"] = Act()
        assert list(md) == ["b", "a", "c"] and "a" in md and len(md) == 3
        assert list(md.keys()) == ["b", "a", "c"] and len(list(md.values())) == 3
        md.pop("a")
        del md["b"]
        assert list(md.items())[0][0] == "c"
        md.clear()
        assert len(md) == 0
        with pytest.raises(ValueError, match="length 3; 2 is required"):
            md.update([("a", Act(), 1)])


def test_parameter_list_and_dict_behave_like_torch():
    for lib in (bw, torch):
        pl = lib.nn.ParameterList([lib.ones(2), lib.nn.Parameter(lib.zeros(1))])
        pl.append(lib.ones(3))
        assert len(pl) == 3 and all(isinstance(p, lib.nn.Parameter) for p in pl)
        assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
        assert len(pl[1:]) == 2
        with pytest.raises(RuntimeError, match="should not be called"):
            pl(1)
        pd = lib.nn.ParameterDict({"z": lib.ones(1), "a": lib.ones(2)})  # a plain dict is sorted, as in torch
        assert list(pd) == ["a", "z"] and isinstance(pd["a"], lib.nn.Parameter)
        pd["m"] = lib.nn.Parameter(lib.ones(3))
        assert list(pd.keys()) == ["a", "z", "m"] and pd.get("nope", 5) == 5 and "m" in pd
        assert pd.popitem()[0] == "m" and len(pd) == 2
        assert pd.setdefault("q", lib.ones(1)) is pd["q"]
        assert list(pd | lib.nn.ParameterDict({"w": lib.ones(1)})) == ["a", "z", "q", "w"]
        assert [n for n, _ in pd.named_parameters()] == ["a", "z", "q"]
        pd.clear()
        assert len(pd) == 0


# -- reproducible initialization -----------------------------------------------------------------------------

def test_each_module_draws_an_init_seed_from_the_default_generator():
    bw.manual_seed(0)
    a = [nn.Module()._init_seed for _ in range(3)]
    bw.manual_seed(0)
    b = [nn.Module()._init_seed for _ in range(3)]
    assert a == b and len(set(a)) == 3 and all(0 <= s < 2 ** 64 for s in a)
    m = nn.Module()
    g1, g2 = m._init_generator(), m._init_generator()
    assert g1 is not g2 and bw.equal(bw.rand(3, generator=g1), bw.rand(3, generator=g2))


# -- nn.utils --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    b, t = BNet(), TNet()
    copy_weights(b, t)
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    b(bw.tensor(x)).sum().backward()
    t(torch.tensor(x)).sum().backward()
    nb = nn.utils.clip_grad_norm_(b.parameters(), max_norm, norm_type)
    nt = torch.nn.utils.clip_grad_norm_(t.parameters(), max_norm, norm_type)
    assert isinstance(nb, bw.Tensor) and nb.dtype is bw.float32 and nb.shape == ()
    np.testing.assert_allclose(nb.item(), nt.item(), rtol=1e-5)
    for (n, p), q in zip(b.named_parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7, err_msg=n)


def test_clip_grad_edge_cases():
    p = nn.Parameter(bw.zeros(2))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no grads
    p.grad = bw.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    v0 = p.grad._version
    nn.utils.clip_grad_value_(p, 0.5)
    assert p.grad.tolist() == [0.5, 0.5] and p.grad._version > v0
    q = nn.Parameter(bw.zeros(3, dtype=bw.float64))
    q.grad = bw.tensor([3.0, 4.0, 0.0], dtype=bw.float64)
    nn.utils.clip_grad_norm_([q], 1.0)
    np.testing.assert_allclose(q.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-6)


def test_parameters_vector_round_trip():
    b, t = BNet(), TNet()
    copy_weights(b, t)
    vb = nn.utils.parameters_to_vector(b.parameters())
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    np.testing.assert_array_equal(vb.detach().numpy(), vt.detach().numpy())
    params = list(b.parameters())
    nn.utils.vector_to_parameters(vb.detach() * 2, b.parameters())
    assert all(p is q for p, q in zip(b.parameters(), params))
    np.testing.assert_allclose(nn.utils.parameters_to_vector(b.parameters()).detach().numpy(), vt.detach().numpy() * 2)
    with pytest.raises(TypeError, match="expected brickwork.Tensor"):
        nn.utils.vector_to_parameters([1.0], b.parameters())


def test_summary_table_and_totals(capsys):
    net = BNet()
    s = nn.utils.summary(net, (2, 3))
    printed = capsys.readouterr().out
    assert printed.strip() == str(s)
    assert s.total_params == nn.utils.count_parameters(net) == sum(p.numel() for p in TNet().parameters())
    by_path = {r.path: r for r in s.layers}
    assert by_path["enc.0"].output_shape == "[2, 4]" and by_path["enc.0"].params == 16
    assert by_path["enc.0"].flops == 2 * 4  # Affine is no Linear: one operation per output element
    assert by_path[""].type == "Net" and by_path[""].output_shape == "[2, 1]"
    assert by_path["enc"].flops == sum(by_path[f"enc.{i}"].flops for i in range(3))
    assert s.total_flops == by_path[""].flops > 0
    for line in ("Layer (type)", "enc.0 (Affine)", "Total params: 56", "Trainable params: 56", "Total FLOPs:"):
        assert line in printed
    assert bw.summary is nn.utils.summary
    assert net.training  # modes restored after the eval-mode pass
    frozen = BAffine(2, 2).requires_grad_(False)
    assert nn.utils.summary(frozen, (1, 2), verbose=0).trainable_params == 0
    assert nn.utils.summary(BAffine(2, 2), input_data=bw.ones(1, 2), verbose=0).total_params == 6


def test_summary_counts_linear_and_conv_flops_exactly():
    linear = pytest.importorskip("brickwork.nn.modules.linear")
    m = nn.Sequential(linear.Linear(8, 16), linear.Linear(16, 4))
    s = nn.utils.summary(m, (5, 8), verbose=0)
    assert s.total_flops == 2 * 5 * 16 * 8 + 2 * 5 * 4 * 16
    assert s.total_params == 8 * 16 + 16 + 16 * 4 + 4


def test_summary_flop_rules_for_conv_recurrent_and_attention_layers():
    conv = pytest.importorskip("brickwork.nn.modules.conv")
    rnn = pytest.importorskip("brickwork.nn.modules.rnn")
    attention = pytest.importorskip("brickwork.nn.modules.attention")
    s = nn.utils.summary(conv.Conv2d(3, 8, 3, padding=1), (2, 3, 6, 6), verbose=0)
    assert s.total_flops == 2 * (2 * 8 * 6 * 6) * (3 * 3 * 3) and s.layers[0].output_shape == "[2, 8, 6, 6]"
    s = nn.utils.summary(rnn.LSTM(4, 6, num_layers=2, batch_first=True), (2, 5, 4), verbose=0)
    assert s.total_flops == 2 * 10 * (24 * 4 + 24 * 6 + 24 * 6 + 24 * 6)
    assert s.layers[0].output_shape == "[2, 5, 6], [2, 2, 6], [2, 2, 6]"
    mha = attention.MultiheadAttention(8, 2, batch_first=True)
    x = bw.zeros(2, 5, 8)
    s = nn.utils.summary(mha, input_data=(x, x, x), verbose=0)
    assert s.total_flops == 2 * 8 * (3 * 10 * 8) + 4 * 10 * 5 * 8 + 2 * 10 * 8 * 8

    class Custom(nn.Module):
        def forward(self, x):
            return x

        def _flops(self, inputs, output):
            return 42

    assert nn.utils.summary(Custom(), (3,), verbose=0).total_flops == 42


# -- with the real layer classes, once they exist ------------------------------------------------------------

def test_repr_and_state_dict_with_real_layers_match_torch():
    lin = pytest.importorskip("brickwork.nn.modules.linear")
    b = nn.Sequential(lin.Linear(3, 4), nn.Sequential(lin.Linear(4, 2, bias=False)))
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Sequential(torch.nn.Linear(4, 2, bias=False)))
    assert repr(b) == repr(t)
    assert list(b.state_dict()) == list(t.state_dict())
    copy_weights(b, t)
    x = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(b(bw.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5)


def test_op_errors_name_the_module_path_once_whatever_the_depth():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom: the forward failed")

    net = nn.Sequential(nn.ReLU(), nn.Sequential(nn.Linear(3, 3), nn.Linear(20, 1)), Boom())
    with pytest.raises(RuntimeError) as info:
        net(bw.ones(2, 3))
    assert type(info.value) is RuntimeError
    assert str(info.value).startswith("1.1 (Linear) of Sequential: expected input with last dimension 20, got "
                                      "shape (2, 3)"), str(info.value)
    with pytest.raises(RuntimeError, match=r"^Linear: expected input with last dimension 20"):
        net[1][1](bw.ones(2, 3))  # the layer called by itself
    with pytest.raises(RuntimeError, match=r"^linear: expected input with last dimension 20"):
        nn.functional.linear(bw.ones(2, 3), bw.ones(1, 20))  # no module: the op's own message
    net[1] = nn.Identity()
    with pytest.raises(ValueError, match=r"^2 \(Boom\) of Sequential: boom: the forward failed$"):
        net(bw.ones(2, 3))  # not an op error: the whole message after the path
    with pytest.raises(IndexError, match=r"^embedding: index 5"):  # other types keep the op's message
        nn.Sequential(nn.Embedding(5, 2))(bw.tensor([5]))


def test_one_state_dict_comparison_serves_load_state_dict_and_load_into():
    from brickwork.io import load_into
    from brickwork.nn._state_compare import compare

    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = dict(net.state_dict())
    sd["0.weight"] = bw.zeros(4, 2)  # size
    sd["0.bias"] = sd["0.bias"].double()  # dtype
    sd["1.weight"] = "nope"  # type
    del sd["1.bias"]
    sd["2.weight"] = bw.ones(1)
    report = compare(net.state_dict(), sd)
    assert report.missing_keys == ["1.bias"] and report.unexpected_keys == ["2.weight"]
    assert [(m.key, m.kind) for m in report.mismatched] == [("0.weight", "size"), ("0.bias", "dtype"),
                                                             ("1.weight", "type")]
    with pytest.raises(RuntimeError) as by_module:
        net.load_state_dict(sd)
    with pytest.raises(RuntimeError) as by_io:
        load_into(net, sd)
    for m in report.mismatched:
        assert m.torch_message() in str(by_module.value) and f"{m.key}: {m.problem}" in str(by_io.value)
    assert '"1.bias"' in str(by_module.value) and "missing keys: 1.bias" in str(by_io.value)
    assert '"2.weight"' in str(by_module.value) and "unexpected keys: 2.weight" in str(by_io.value)
