"""Lazy initialization: placeholders materialize in place from the first input or a checkpoint, give the eager
layer's weights, name their path when touched early, and survive apply/to/deepcopy/pickle.

The layers here implement the protocol of brickwork/nn/lazy.py themselves (the real nn.Linear is tested at the
end when it exists).
"""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest

import brickwork as bw
from brickwork import nn
from brickwork.nn import init


class Dense(nn.Module):
    """A Linear-like layer following the lazy protocol (``in_features=None`` makes it lazy)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        if in_features is None:
            self.weight = nn.UninitializedParameter(device=device, dtype=dtype)
        else:
            self.weight = nn.Parameter(bw.empty(out_features, in_features, device=device, dtype=dtype))
        if bias:
            self.bias = nn.Parameter(bw.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        if in_features is not None:
            self.reset_parameters()

    def reset_parameters(self):
        g = self._init_generator()
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=g)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=g)

    def _lazy_shapes(self, x):
        if x.ndim < 1:
            raise ValueError("Dense: expected an input with at least one dimension")
        return {"weight": (self.out_features, x.shape[-1])}

    def _sizes_from_params(self):
        self.in_features = self.weight.shape[1]

    def forward(self, x):
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Stats(nn.Module):
    """A BatchNorm-like layer: lazy parameter and buffers; updates running_mean in training mode."""

    def __init__(self, num_features):
        super().__init__()
        self.num_features = num_features
        if num_features is None:
            self.gain = nn.UninitializedParameter()
            self.running_mean = nn.UninitializedBuffer()
        else:
            self.gain = nn.Parameter(bw.empty(num_features))
            self.running_mean = nn.Buffer(bw.empty(num_features))
        self.register_buffer("seen", bw.tensor(0))
        if num_features is not None:
            self.reset_parameters()

    def reset_parameters(self):
        init.ones_(self.gain)
        init.zeros_(self.running_mean)

    def _lazy_shapes(self, x):
        return {"gain": (x.shape[1],), "running_mean": (x.shape[1],)}

    def _sizes_from_params(self):
        self.num_features = self.gain.shape[0]

    def forward(self, x):
        if self.training:
            with bw.no_grad():
                self.running_mean.mul_(0.9).add_(x.mean(0) * 0.1)
                self.seen.add_(1)
        return (x - self.running_mean) * self.gain

    def extra_repr(self):
        return f"{self.num_features}"


class Model(nn.Module):
    def __init__(self, n_in=None):
        super().__init__()
        self.net = nn.Sequential(Dense(n_in, 8), Stats(None if n_in is None else 8), Dense(None if n_in is None
                                                                                           else 8, 2))

    def forward(self, x):
        return self.net(x)


X = bw.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))


def test_placeholder_is_a_parameter_and_the_layer_keeps_its_class():
    m = Dense(None, 4)
    assert type(m) is Dense
    assert isinstance(m.weight, nn.UninitializedParameter) and isinstance(m.weight, nn.Parameter)
    assert not isinstance(m.weight, nn.UninitializedBuffer) and nn.parameter.is_lazy(m.weight)
    assert repr(m.weight) == "<UninitializedParameter>"
    assert repr(m) == "Dense(in_features=None, out_features=4, bias=True)"
    assert m._lazy_pending and not Dense(2, 4)._lazy_pending
    w = m.weight
    m(X)
    assert m.weight is w and type(w) is nn.Parameter and not isinstance(w, nn.UninitializedParameter)
    assert w.shape == (4, 3) and m.in_features == 3 and not m._lazy_pending
    assert repr(m) == repr(Dense(3, 4))
    b = nn.UninitializedBuffer(persistent=False)
    assert isinstance(b, nn.UninitializedBuffer) and isinstance(b, nn.Buffer) and not isinstance(b, nn.Parameter)


def test_lazy_model_gets_the_eager_models_weights():
    bw.manual_seed(0)
    eager = Model(3)
    bw.manual_seed(0)
    lazy = Model()
    out = lazy(X)
    assert bw.equal(out, eager(X))
    assert list(lazy.state_dict()) == list(eager.state_dict())
    for (k, a), (_, b) in zip(lazy.state_dict().items(), eager.state_dict().items()):
        assert a.shape == b.shape and bw.equal(a, b), k
    assert repr(lazy) == repr(eager)


def test_touching_a_placeholder_names_its_path_and_the_fix():
    m = Model()
    with pytest.raises(RuntimeError, match=r"net\.0\.weight of Dense is not initialized yet: run a forward pass with "
                                           r"an example input, or brickwork\.nn\.utils\.materialize\(model, "
                                           r"example_input\), or load a state dict"):
        m.net[0].weight + 1
    with pytest.raises(RuntimeError, match=r"net\.1\.running_mean of Stats is not initialized"):
        m.net[1].running_mean.shape
    with pytest.raises(nn.parameter.UninitializedError, match="net.2.weight"):
        bw.ones(2) @ m.net[2].weight
    assert m.net[0].weight.dtype is bw.float32 and m.net[0].weight.requires_grad  # metadata still readable


def test_optimizer_built_before_materialization_trains_the_parameters():
    m = Model()
    params = list(m.parameters())
    assert len(params) == 5
    m(X).sum().backward()
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert all(p.grad is not None for p in params)
    before = m.net[0].weight.detach().clone()
    optim = pytest.importorskip("brickwork.optim")
    m2 = Model()
    opt = optim.SGD(m2.parameters(), lr=0.1)
    m2(X).sum().backward()
    w0 = m2.net[0].weight.detach().clone()
    opt.step()
    assert not bw.equal(m2.net[0].weight, w0) and before.shape == (8, 3)


def test_load_state_dict_materializes_from_checkpoint_shapes():
    eager = Model(3)
    eager(X)
    lazy = Model()
    params = list(lazy.parameters())
    res = lazy.load_state_dict(eager.state_dict())
    assert repr(res) == "<All keys matched successfully>"
    assert all(a is b for a, b in zip(lazy.parameters(), params))
    assert lazy.net[0].in_features == 3 and lazy.net[1].num_features == 8 and not lazy.net[0]._lazy_pending
    for (k, a), (_, b) in zip(lazy.state_dict().items(), eager.state_dict().items()):
        assert bw.equal(a, b), k
    assert bw.allclose(lazy.eval()(X), eager.eval()(X))


def test_partial_checkpoint_leaves_layers_lazy_and_reports_missing_keys():
    eager = Model(3)
    sd = {k: v for k, v in eager.state_dict().items() if not k.startswith("net.2.")}
    lazy = Model()
    res = lazy.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["net.2.weight", "net.2.bias"]
    assert not lazy.net[0]._lazy_pending and lazy.net[2]._lazy_pending
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "net.2.weight", "net.2.bias"'):
        Model().load_state_dict(sd)
    lazy(X)  # the rest materializes from the input
    assert lazy.net[2].weight.shape == (2, 8)


def test_apply_before_materialization_is_replayed_after():
    calls = []

    def init_weights(m):
        calls.append(type(m).__name__)
        if isinstance(m, Dense):
            init.constant_(m.weight, 0.5)
            init.zeros_(m.bias)

    m = Model().apply(init_weights)
    assert calls == ["Dense", "Stats", "Dense", "Sequential", "Model"]
    m(X)
    assert calls.count("Dense") == 4  # replayed once per lazy Dense, after reset_parameters
    assert bw.equal(m.net[0].weight, bw.full((8, 3), 0.5)) and bw.equal(m.net[2].bias, bw.zeros(2))
    m(X)
    assert calls.count("Dense") == 4  # not replayed again


def test_to_before_materialization_sets_dtype():
    m = Model().to(bw.float64)
    out = m(X.double())
    assert out.dtype is bw.float64 and m.net[0].weight.dtype is bw.float64
    assert m.net[1].seen.dtype is bw.int64
    m2 = Dense(None, 2, dtype=bw.float64)
    m2(X.double())
    assert m2.weight.dtype is bw.float64


def test_deepcopy_and_pickle_before_and_after_materialization():
    m = Model()
    c = copy.deepcopy(m)
    p = pickle.loads(pickle.dumps(m))
    assert isinstance(c.net[0].weight, nn.UninitializedParameter) and c.net[0].weight is not m.net[0].weight
    assert isinstance(p.net[1].running_mean, nn.UninitializedBuffer)
    with pytest.raises(RuntimeError, match="net.0.weight of Dense"):
        p.net[0].weight.numel()
    c(X)
    assert m.net[0]._lazy_pending and isinstance(m.net[0].weight, nn.UninitializedParameter)
    p(X)
    for (k, a), (_, b) in zip(c.state_dict().items(), p.state_dict().items()):
        assert bw.equal(a, b), k  # same construction seeds, so the same weights
    d = copy.deepcopy(c)
    assert bw.equal(d.net[0].weight, c.net[0].weight) and not d._lazy_pending


def test_materialize_dry_run_uses_eval_mode_and_restores_it():
    m = Model()
    assert nn.utils.materialize(m, (5, 3)) is m
    assert m.net[0].weight.shape == (8, 3) and m.training and all(x.training for x in m.modules())
    assert bw.equal(m.net[1].running_mean, bw.zeros(8)) and m.net[1].seen.item() == 0  # no stats update
    m2 = nn.utils.materialize(Model(), bw.ones(2, 6))
    assert m2.net[0].in_features == 6
    m3 = Model().eval()
    nn.utils.materialize(m3, (1, 3))
    assert not m3.training and not m3.net[0].training


def test_summary_materializes_a_lazy_model():
    s = nn.utils.summary(Model(), (2, 3), verbose=0)
    assert s.total_params == 8 * 3 + 8 + 8 + 2 * 8 + 2
    assert [r.output_shape for r in s.layers][-1] == "[2, 2]"


def test_protocol_errors():
    class NoShapes(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.UninitializedParameter()

        def forward(self, x):
            return x

    with pytest.raises(RuntimeError, match="defines no _lazy_shapes"):
        NoShapes()(X)

    class WrongShapes(NoShapes):
        def _lazy_shapes(self, x):
            return {"v": (1,)}

    with pytest.raises(RuntimeError, match="gave no shape for w"):
        WrongShapes()(X)
    with pytest.raises(ValueError, match="at least one dimension"):
        Dense(None, 3)(bw.tensor(1.0))


def test_placeholder_filled_by_hand_is_accepted():
    m = Dense(None, 2)
    m.weight.data = bw.ones(2, 5)
    out = m(bw.ones(1, 5))  # no reset: the hand-set values are kept, sizes are updated
    assert m.in_features == 5 and bw.equal(m.weight, bw.ones(2, 5)) and out.shape == (1, 2)


# -- the real layers, once brickwork/nn/modules/linear.py exists ---------------------------------------------

def test_real_lazy_linear_follows_the_protocol():
    import torch  # here, so the subprocess test that imports this file stays light

    lin = pytest.importorskip("brickwork.nn.modules.linear")
    lazy = lin.LazyLinear(4)
    assert type(lazy) is lin.Linear and isinstance(lazy, lin.LazyLinear)  # a Linear waiting for a size
    assert isinstance(lazy.weight, nn.UninitializedParameter)
    assert repr(lazy) == "Linear(in_features=None, out_features=4, bias=True)"
    bw.manual_seed(1)
    eager = nn.Sequential(lin.Linear(3, 4), lin.Linear(4, 2))
    bw.manual_seed(1)
    lz = nn.Sequential(lin.LazyLinear(4), lin.Linear(None, 2))
    with pytest.raises(RuntimeError, match=r"0\.weight of Linear is not initialized yet"):
        lz[0].weight.shape
    lz(X)
    assert type(lz[0].weight) is nn.Parameter and repr(lz) == repr(eager)
    assert type(lz[0]) is lin.Linear and not isinstance(lz[0], lin.LazyLinear)  # waits no more, as in PyTorch
    assert repr(lz) == repr(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2)))
    for (k, a), (_, b) in zip(lz.state_dict().items(), eager.state_dict().items()):
        assert bw.equal(a, b), k


def test_real_lazy_batchnorm_materializes_from_input_and_checkpoint():
    lin = pytest.importorskip("brickwork.nn.modules.linear")
    bn = pytest.importorskip("brickwork.nn.modules.batchnorm")
    bw.manual_seed(2)
    eager = nn.Sequential(lin.Linear(3, 5), bn.BatchNorm1d(5))
    bw.manual_seed(2)
    lazy = nn.Sequential(lin.LazyLinear(5), bn.LazyBatchNorm1d())
    assert isinstance(lazy[1].running_mean, nn.UninitializedBuffer)
    assert bw.allclose(lazy(X), eager(X))
    assert list(lazy.state_dict()) == list(eager.state_dict())
    for (k, a), (_, b) in zip(lazy.state_dict().items(), eager.state_dict().items()):
        assert bw.equal(a, b), k
    fresh = nn.Sequential(lin.LazyLinear(5), bn.LazyBatchNorm1d())
    fresh.load_state_dict(eager.state_dict())
    assert fresh[1].num_features == 5 and bw.equal(fresh[1].running_var, eager[1].running_var)
    assert repr(fresh) == repr(eager)


def test_initial_weights_do_not_depend_on_the_device_or_laziness():
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys; sys.path.insert(0, %r)
        import brickwork as bw
        from test_lazy import Dense, X
        weights = []
        for device, n_in in (("cpu:0", 3), ("cpu:1", 3), ("cpu:1", None)):
            bw.manual_seed(11)
            m = Dense(n_in, 4, device=device)
            m(X.to(device))
            weights.append([t.to("cpu:0") for t in m.state_dict().values()])
        assert all(bw.equal(a, b) for w in weights[1:] for a, b in zip(weights[0], w))
        print("ok")
    """ % os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, BRICKWORK_CPU_DEVICES="2")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_lazy_layers_are_classes_building_the_eager_layer():
    from brickwork.nn.lazy import LazyModuleMixin

    lazy_names = [n for n in nn.__all__ if n.startswith("Lazy")]
    assert len(lazy_names) >= 7
    for name in lazy_names:
        cls, eager = getattr(nn, name), getattr(nn, name[len("Lazy"):])
        assert isinstance(cls, type) and issubclass(cls, LazyModuleMixin) and issubclass(cls, eager), name
    m = nn.LazyConv2d(4, 3)
    assert type(m) is nn.Conv2d and isinstance(m, nn.LazyConv2d) and isinstance(m, LazyModuleMixin)
    assert not isinstance(m, nn.LazyConv1d) and not isinstance(nn.Linear(2, 3), nn.LazyLinear)
    assert isinstance(nn.Linear(None, 3), nn.LazyLinear)  # the same thing, spelt the eager way
    m(bw.zeros(1, 2, 5, 5))
    assert type(m) is nn.Conv2d and not isinstance(m, nn.LazyConv2d) and not isinstance(m, LazyModuleMixin)

    class Scaled(nn.LazyLinear):  # a user's subclass is its own class, still waiting for a size
        def forward(self, input):
            return super().forward(input) * 2

    s = Scaled(3)
    assert type(s) is Scaled and isinstance(s, nn.Linear)
    assert repr(s) == "Scaled(in_features=None, out_features=3, bias=True)"
    assert s(X).shape == (X.shape[0], 3) and s.in_features == X.shape[-1] and type(s) is Scaled
    bw.manual_seed(3)
    plain = nn.Linear(X.shape[-1], 3)
    bw.manual_seed(3)
    s2 = Scaled(3)
    assert bw.allclose(s2(X), plain(X) * 2)  # the same weights as the eager layer built with the same seed
