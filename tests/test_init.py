"""nn.init: gains and fans equal PyTorch's; sample statistics match each initializer's formula; generators,
no_grad, dtypes and devices behave."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import brickwork as bw
from brickwork import nn
from brickwork.nn import init


def host(t):
    return t.detach().numpy().astype(np.float64)


@pytest.mark.parametrize("name", ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"])
def test_calculate_gain_equals_torch(name):
    assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name)


@pytest.mark.parametrize("param", [None, 0, 0.2, 1, 3.5])
def test_leaky_relu_gain_equals_torch(param):
    assert init.calculate_gain("leaky_relu", param) == torch.nn.init.calculate_gain("leaky_relu", param)


def test_calculate_gain_errors_match_torch():
    for lib in (init, torch.nn.init):
        with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
            lib.calculate_gain("softsign")
        with pytest.raises(ValueError, match="negative_slope True not a valid number"):
            lib.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 5), (8, 3, 5), (8, 4, 3, 3), (2, 6, 1, 2, 3)])
def test_fans_equal_torch(shape):
    got = init._calculate_fan_in_and_fan_out(bw.empty(*shape))
    assert got == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(bw.empty(*shape), mode) == \
            torch.nn.init._calculate_correct_fan(torch.empty(*shape), mode)


def test_fan_errors_name_the_problem():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(bw.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(bw.empty(3, 3), mode="fan_avg")


def _std_ok(x, std, rel=0.05):
    assert abs(x.std() - std) < rel * std, (x.std(), std)


def test_uniform_and_normal_statistics():
    w = host(init.uniform_(bw.empty(200, 100), -2.0, 3.0))
    assert w.min() >= -2 and w.max() < 3 and abs(w.mean() - 0.5) < 0.05
    _std_ok(w, 5 / math.sqrt(12))
    w = host(init.normal_(bw.empty(200, 100), 1.5, 0.5))
    assert abs(w.mean() - 1.5) < 0.01
    _std_ok(w, 0.5)


@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_xavier_statistics(gain):
    shape = (300, 200)
    bound = gain * math.sqrt(6.0 / 500)
    w = host(init.xavier_uniform_(bw.empty(*shape), gain=gain))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound and abs(w.mean()) < 0.01 * bound
    _std_ok(w, bound / math.sqrt(3))
    _std_ok(host(init.xavier_normal_(bw.empty(*shape), gain=gain)), gain * math.sqrt(2.0 / 500))


@pytest.mark.parametrize("a,mode,nonlinearity", [(0, "fan_in", "leaky_relu"), (0, "fan_out", "relu"),
                                                 (math.sqrt(5), "fan_in", "leaky_relu"), (0, "fan_in", "tanh")])
def test_kaiming_statistics(a, mode, nonlinearity):
    shape = (40, 30, 3, 3)
    fan = 30 * 9 if mode == "fan_in" else 40 * 9
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    w = host(init.kaiming_uniform_(bw.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity))
    assert np.abs(w).max() <= math.sqrt(3) * std and np.abs(w).max() > 0.99 * math.sqrt(3) * std
    _std_ok(w, std)
    _std_ok(host(init.kaiming_normal_(bw.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity)), std)


def test_kaiming_on_empty_tensor_warns_like_torch():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(bw.empty(0, 3))


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 3.0), (0.0, 0.02, -0.04, 0.04)])
def test_trunc_normal_statistics(mean, std, a, b):
    w = host(init.trunc_normal_(bw.empty(400, 250), mean, std, a, b))
    assert w.min() >= a and w.max() <= b
    # moments of the truncated normal
    al, be = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(be) - cdf(al)
    t_mean = mean + std * (pdf(al) - pdf(be)) / z
    t_var = std ** 2 * (1 + (al * pdf(al) - be * pdf(be)) / z - ((pdf(al) - pdf(be)) / z) ** 2)
    assert abs(w.mean() - t_mean) < 0.01 * std
    _std_ok(w, math.sqrt(t_var), rel=0.02)


def test_trunc_normal_warns_when_mean_far_from_interval():
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(bw.empty(4), mean=10.0, std=1.0)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 2, 3)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal(shape, gain):
    w = host(init.orthogonal_(bw.empty(*shape), gain=gain)).reshape(shape[0], -1)
    small = min(w.shape)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram, gain ** 2 * np.eye(small), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(bw.empty(3))


def test_sparse_zeros_per_column_and_std():
    w = host(init.sparse_(bw.empty(50, 400), sparsity=0.3, std=0.5))
    assert all((w[:, c] == 0).sum() == 15 for c in range(400))
    _std_ok(w[w != 0], 0.5)


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 2), ((4, 2, 3, 3, 3), 2), ((2, 5, 3), 1)])
def test_dirac_and_eye_equal_torch(shape, groups):
    np.testing.assert_array_equal(host(init.dirac_(bw.empty(*shape), groups)),
                                  torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())
    np.testing.assert_array_equal(host(init.eye_(bw.empty(3, 5))), torch.nn.init.eye_(torch.empty(3, 5)).numpy())
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        init.dirac_(bw.empty(3, 3))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(bw.empty(3, 3, 3))


def test_constants():
    assert init.constant_(bw.empty(2, 2), 0.25).tolist() == [[0.25, 0.25], [0.25, 0.25]]
    assert init.ones_(bw.empty(3)).tolist() == [1.0, 1.0, 1.0]
    assert init.zeros_(bw.empty(2, dtype=bw.int64)).tolist() == [0, 0]


RANDOM = [lambda t, g: init.uniform_(t, generator=g), lambda t, g: init.normal_(t, generator=g),
          lambda t, g: init.trunc_normal_(t, generator=g), lambda t, g: init.xavier_uniform_(t, generator=g),
          lambda t, g: init.xavier_normal_(t, generator=g), lambda t, g: init.kaiming_uniform_(t, generator=g),
          lambda t, g: init.kaiming_normal_(t, generator=g), lambda t, g: init.orthogonal_(t, generator=g),
          lambda t, g: init.sparse_(t, 0.5, generator=g)]


@pytest.mark.parametrize("fill", RANDOM)
def test_generators_make_results_reproducible(fill):
    a = fill(bw.empty(6, 4), bw.Generator().manual_seed(3))
    b = fill(bw.empty(6, 4), bw.Generator().manual_seed(3))
    c = fill(bw.empty(6, 4), bw.Generator().manual_seed(4))
    assert bw.equal(a, b) and not bw.equal(a, c)
    bw.manual_seed(5)
    d = fill(bw.empty(6, 4), None)
    bw.manual_seed(5)
    assert bw.equal(d, fill(bw.empty(6, 4), None))


@pytest.mark.parametrize("fill", RANDOM)
def test_in_place_on_parameters_without_recording(fill):
    p = nn.Parameter(bw.zeros(6, 4))
    v0 = p._version
    out = fill(p, None)
    assert out is p and p.requires_grad and p.grad_fn is None and p._version > v0
    assert p.dtype is bw.float32


@pytest.mark.parametrize("dtype", [bw.float64, bw.float16, bw.bfloat16])
def test_dtype_is_kept(dtype):
    for fill in RANDOM:
        t = bw.empty(6, 4, dtype=dtype)
        assert fill(t, bw.Generator().manual_seed(0)).dtype is dtype
    g1, g2 = bw.Generator().manual_seed(1), bw.Generator().manual_seed(1)
    lo = host(init.normal_(bw.empty(50, dtype=dtype), generator=g1))
    hi = host(init.normal_(bw.empty(50, dtype=bw.float64), generator=g2))
    np.testing.assert_allclose(lo, hi, rtol=1e-2, atol=1e-2)  # the same samples, rounded


def test_uninitialized_parameter_error_names_the_path():
    m = nn.Module()
    m.weight = nn.UninitializedParameter()
    with pytest.raises(RuntimeError, match="weight of Module is not initialized yet"):
        init.xavier_uniform_(m.weight)


def test_same_values_on_every_device():
    code = textwrap.dedent("""
        import brickwork as bw
        from brickwork.nn import init
        for fill in (init.kaiming_uniform_, init.trunc_normal_, init.orthogonal_):
            a = fill(bw.empty(5, 3, device="cpu:0"), generator=bw.Generator().manual_seed(7))
            b = fill(bw.empty(5, 3, device="cpu:1"), generator=bw.Generator().manual_seed(7))
            assert str(b.device) == "cpu:1" and bw.equal(a, b.to("cpu:0"))
        print("ok")
    """)
    env = dict(os.environ, BRICKWORK_CPU_DEVICES="2")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_deprecated_aliases_warn_like_torch():
    with pytest.warns(FutureWarning, match=r"`nn.init.normal` is now deprecated in favor of `nn.init.normal_`"):
        init.normal(bw.empty(2))
