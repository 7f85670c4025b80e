"""nn.utils additions against PyTorch: conv/linear + batch-norm fusion, skip_init, weight memory formats and
stateless.functional_call (tied weights, strict keys, values written back)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import brickwork as bw

R = np.random.default_rng(0)


def _copy(b, t):
    b.load_state_dict({k: bw.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})


def _bn_pair(make_t, make_b, n):
    tb = make_t(n).double()
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1)
        tb.running_var.uniform_(0.5, 2)
        tb.weight.uniform_(0.5, 2)
        tb.bias.uniform_(-1, 1)
    bb = make_b(n).double()
    _copy(bb, tb)
    return tb.eval(), bb.eval()


@pytest.mark.parametrize("kind", ["Conv2d", "ConvTranspose2d", "Conv1d", "Conv3d"])
def test_fuse_conv_bn_eval_matches_torch(kind: str) -> None:
    d = {"Conv1d": 1, "Conv3d": 3}.get(kind, 2)
    tc, bc = getattr(torch.nn, kind)(3, 4, 3).double().eval(), getattr(bw.nn, kind)(3, 4, 3).double().eval()
    _copy(bc, tc)
    norm = f"BatchNorm{d}d"
    tb, bb = _bn_pair(getattr(torch.nn, norm), getattr(bw.nn, norm), 4)
    transpose = kind.startswith("ConvTranspose")
    tf, bf = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose), bw.nn.utils.fuse_conv_bn_eval(bc, bb, transpose)
    x = R.standard_normal((2, 3) + (5,) * d)
    np.testing.assert_allclose(bf(bw.tensor(x)).detach().numpy(), tf(torch.tensor(x)).detach().numpy(), atol=1e-12)
    assert isinstance(bf.weight, bw.nn.Parameter) and bf is not bc and bc.weight is not bf.weight
    with pytest.raises(AssertionError, match="eval"):
        bw.nn.utils.fuse_conv_bn_eval(bc.train(), bb)


def test_fuse_linear_bn_eval_matches_torch() -> None:
    tl, bl = torch.nn.Linear(3, 4).double().eval(), bw.nn.Linear(3, 4).double().eval()
    _copy(bl, tl)
    tb, bb = _bn_pair(torch.nn.BatchNorm1d, bw.nn.BatchNorm1d, 4)
    x = R.standard_normal((5, 3))
    want = torch.nn.utils.fuse_linear_bn_eval(tl, tb)(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(bw.nn.utils.fuse_linear_bn_eval(bl, bb)(bw.tensor(x)).detach().numpy(), want,
                               atol=1e-12)
    for lib in (torch, bw):
        with pytest.raises(AssertionError):
            lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(3, 4).eval(), lib.nn.BatchNorm1d(5).eval())
    w, b = bw.nn.utils.fuse_linear_bn_weights(bl.weight, None, bb.running_mean, bb.running_var, bb.eps, bb.weight,
                                              bb.bias)
    tw, tb_ = torch.nn.utils.fuse_linear_bn_weights(tl.weight, None, tb.running_mean, tb.running_var, tb.eps,
                                                    tb.weight, tb.bias)
    np.testing.assert_allclose(b.detach().numpy(), tb_.detach().numpy(), atol=1e-12)


def test_skip_init_and_memory_formats_like_torch() -> None:
    for lib in (torch, bw):
        m = lib.nn.utils.skip_init(lib.nn.Linear, 5, 1, bias=False)
        assert type(m).__name__ == "Linear" and tuple(m.weight.shape) == (1, 5) and m.bias is None
        with pytest.raises(RuntimeError, match="device"):
            lib.nn.utils.skip_init(lib.nn.ReLU)
        with pytest.raises(RuntimeError, match="Expected a Module"):
            lib.nn.utils.skip_init(dict)
        net = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 1), lib.nn.Sequential(lib.nn.ConvTranspose2d(4, 2, 1)))
        before = [p.detach().clone() for p in net.parameters()]
        assert lib.nn.utils.convert_conv2d_weight_memory_format(net, lib.channels_last) is net
        assert all(lib.equal(a, b) for a, b in zip(before, net.parameters()))
        c3 = lib.nn.Conv3d(2, 2, 1)
        assert tuple(lib.nn.utils.convert_conv3d_weight_memory_format(c3, lib.channels_last_3d).weight.shape) == (
            2, 2, 1, 1, 1)


def _tied(lib):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = lib.nn.Linear(2, 2), lib.nn.Linear(2, 2)
            self.b.weight = self.a.weight
            self.register_buffer("count", lib.zeros(()))

        def forward(self, x):
            self.count = self.count + 1
            return self.b(self.a(x))
    return M()


def test_functional_call_matches_torch() -> None:
    seen = []
    for lib in (torch, bw):
        call = lib.nn.utils.stateless.functional_call
        m = _tied(lib)
        weight = m.a.weight
        values = {"a.weight": lib.eye(2), "a.bias": lib.zeros(2), "b.bias": lib.ones(2), "count": lib.zeros(())}
        with pytest.warns(FutureWarning, match="torch.func.functional_call"):
            tied = call(m, values, (lib.ones(1, 2),))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            untied = call(m, {"a.weight": lib.eye(2), "a.bias": lib.zeros(2)}, lib.ones(1, 2), tie_weights=False)
            with pytest.raises(RuntimeError, match="Unexpected key.*'zzz'"):
                call(m, {"a.weight": lib.eye(2), "zzz": lib.ones(1)}, lib.ones(1, 2), strict=True)
            with pytest.raises(ValueError, match="tied"):
                call(m, {"a.weight": lib.eye(2), "b.weight": lib.ones(2, 2)}, lib.ones(1, 2))
        assert m.a.weight is weight and m.b.weight is weight  # the module is as it was
        seen.append((tied.tolist(), values["count"].item(), m.count.item(),
                     (untied - m.b(lib.ones(1, 2) @ lib.eye(2))).abs().max().item() < 1e-6))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("shape,orthogonal_map,trivial", [
    ((4, 4), None, True), ((4, 4), "cayley", True), ((4, 4), "householder", True), ((2, 3, 3), None, True),
    ((4, 4), "householder", False), ((5, 3), "householder", False), ((3, 5), "householder", False)])
def test_orthogonal_parametrization_matches_torch(shape, orthogonal_map, trivial) -> None:
    w0, moved, up = R.standard_normal(shape), 0.3 * R.standard_normal(shape), R.standard_normal(shape)
    if orthogonal_map == "householder" or shape[-1] != shape[-2]:
        d = np.arange(min(shape[-2:]))
        moved[..., d, d] = 0.0  # the Householder map keeps the sign (the integer part) of the diagonal
    seen = []
    for lib in (torch, bw):
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.tensor(w0))
        lib.nn.utils.parametrizations.orthogonal(m, "weight", orthogonal_map, use_trivialization=trivial)
        start = m.weight.detach().numpy().copy()
        original = m.parametrizations.weight.original
        with lib.no_grad():
            original.add_(lib.tensor(moved))  # away from the starting point, where the map is not the identity
        (m.weight * lib.tensor(up)).sum().backward()
        seen.append([start, m.weight.detach().numpy(), original.grad.numpy()])
        w = m.weight.detach()
        eye = lib.eye(min(shape[-2:]), dtype=w.dtype)
        gram = w.mT @ w if shape[-2] >= shape[-1] else w @ w.mT
        assert lib.allclose(gram, eye.expand_as(gram), atol=1e-10)
    for ours, theirs in zip(seen[1], seen[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


def test_orthogonal_errors_like_torch() -> None:
    for lib in (torch, bw):
        with pytest.raises(ValueError, match="orthogonal_map"):
            lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), orthogonal_map="qr")
        with pytest.raises(ValueError, match="matrix"):
            lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), "bias")
        m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), use_trivialization=False)
        with pytest.raises(NotImplementedError, match="use_trivialization=False"):
            m.weight = lib.eye(3)  # the exponential map cannot be inverted without a base
        m = lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(4, 2))  # rectangular: random completion
        assert lib.allclose(m.weight @ m.weight.T, lib.eye(2), atol=1e-5)
