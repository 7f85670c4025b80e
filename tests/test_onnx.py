"""ONNX export checked in ONNX Runtime: every layer of the layer table and whole models, at two batch sizes, equal
to brickwork's eager output; and the refusals (unmapped ops, tensors made outside the trace, size-dependent values)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import brickwork as bw  # noqa: E402
from brickwork import nn  # noqa: E402
from brickwork.nn.modules.loss import _Loss  # noqa: E402
from brickwork.onnx import OnnxExporterError, UnsupportedOperatorError  # noqa: E402
from test_layers import LAYERS  # noqa: E402
from test_layers_torch_nn import LAYERS as TORCH_NN_LAYERS  # noqa: E402

R = np.random.default_rng(1)
TOL = 1e-5
STATIC = {"Conv2d-valid-unbatched"}  # no batch axis to make dynamic
TORCH_NN_STATIC = {"InstanceNorm1d-unbatched", "Conv3d-same-reflect-unbatched", "Transformer-unbatched-nobias",
                   "ReplicationPad1d", "ZeroPad1d", "GLU"}
TORCH_NN_AXIS = {"TransformerDecoderLayer": 1, "TransformerDecoder": 1, "Transformer": 1}  # sequence first


def _session(proto):
    onnx.checker.check_model(proto, full_check=True)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(proto.SerializeToString(), so, providers=["CPUExecutionProvider"])


def _arrays(shapes, grow=0, axis=0):
    out = []
    for s in shapes:
        if isinstance(s, tuple):
            s = s[:axis] + (s[axis] + grow,) + s[axis + 1:]
            out.append(R.standard_normal(s).astype(np.float32))
        else:
            out.append(np.concatenate([s] + [s[:1]] * grow) if grow else s)
    return out


def _flat(out):
    if isinstance(out, bw.Tensor):
        return [out]
    return [t for o in out if o is not None for t in _flat(o)]


def check_export(model, shapes, dynamic=True, tol=TOL, opset_version=None, axis=0):
    """Export on ``shapes``, then compare ONNX Runtime with eager brickwork at that and a larger batch size."""
    model.eval()
    xs = [bw.tensor(a) for a in _arrays(shapes)]
    names = [f"x{i}" for i in range(len(xs))]
    dyn = {n: {axis: "batch"} for n in names} if dynamic else None
    buf = io.BytesIO()
    proto = bw.onnx.export(model, tuple(xs), buf, input_names=names, dynamic_axes=dyn, opset_version=opset_version)
    assert buf.getvalue() == proto.SerializeToString()
    sess = _session(proto)
    for grow in ((0, 3) if dynamic else (0,)):
        arrays = _arrays(shapes, grow, axis)
        with bw.no_grad():
            want = _flat(model(*[bw.tensor(a) for a in arrays]))
        got = sess.run(None, dict(zip(names, arrays)))
        assert len(got) == len(want)
        for w, g_ in zip(want, got):
            np.testing.assert_allclose(g_, w.numpy(), rtol=tol, atol=tol, err_msg=f"batch +{grow}")
    return proto


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_of_the_layer_table_exports(name):
    make, _, shapes, _ = LAYERS[name]
    m = make()
    if name.startswith("BatchNorm"):  # non-trivial running statistics
        m.train()
        for _ in range(2):
            m(*[bw.tensor(a) for a in _arrays(shapes)])
    check_export(m, shapes, dynamic=name not in STATIC)


class Fn(nn.Module):
    """A functional op as a layer (``weight`` a parameter when given)."""

    def __init__(self, fn, weight=None):
        super().__init__()
        self.fn = fn
        self.weight = None if weight is None else nn.Parameter(bw.tensor(weight))

    def forward(self, x):
        return self.fn(x) if self.weight is None else self.fn(x, self.weight)


F = nn.functional
FUNCTIONAL = {
    "prelu": (Fn(F.prelu, [0.1, 0.2, 0.3]), [(2, 3, 4)]), "hardswish": (Fn(F.hardswish), [(2, 5)]),
    "hardsigmoid": (Fn(F.hardsigmoid), [(2, 5)]), "relu6": (Fn(F.relu6), [(2, 5)]),
    "hardtanh": (Fn(lambda x: F.hardtanh(x, -0.5, 0.5)), [(2, 5)]), "selu": (Fn(F.selu), [(2, 5)]),
    "celu": (Fn(lambda x: F.celu(x, 0.7)), [(2, 5)]), "softsign": (Fn(F.softsign), [(2, 5)]),
    "logsigmoid": (Fn(F.logsigmoid), [(2, 5)]), "tanhshrink": (Fn(F.tanhshrink), [(2, 5)]),
    "threshold": (Fn(lambda x: F.threshold(x, 0.1, -2.0)), [(2, 5)]), "glu": (Fn(F.glu), [(2, 6)]),
    "softmin": (Fn(lambda x: F.softmin(x, -1)), [(2, 5)]), "instance_norm": (Fn(F.instance_norm), [(2, 3, 6)]),
    "adaptive_avg_pool1d": (Fn(lambda x: F.adaptive_avg_pool1d(x, 3)), [(2, 3, 7)]),
    "adaptive_max_pool1d": (Fn(lambda x: F.adaptive_max_pool1d(x, 2)), [(2, 3, 6)]),
    "normalize": (Fn(F.normalize), [(2, 4)]), "pad-reflect": (Fn(lambda x: F.pad(x, (1, 2), "reflect")), [(2, 3, 5)]),
    "pad-constant": (Fn(lambda x: F.pad(x, (1, 0, 2, 1), value=3.0)), [(2, 3, 5)]),
    "softplus": (Fn(lambda x: F.softplus(x * 30)), [(2, 5)]), "silu": (Fn(F.silu), [(2, 5)]),
    "elu": (Fn(F.elu), [(2, 5)]), "leaky_relu": (Fn(F.leaky_relu), [(2, 5)]),
    "cosine_similarity": (Fn(lambda x: F.cosine_similarity(x, x.flip(0))), [(2, 4)]),
    # Tensor methods whose parameters are not the torch function's (self, y): x == y, x.where(c, y)...
    "method-eq-ne": (Fn(lambda x: (x == x.flip(1)).float() + (x != 0.5).float()), [(2, 4)]),
    "method-where": (Fn(lambda x: x.where(x > 0, x * 2)), [(2, 4)]),
    "method-norm-split": (Fn(lambda x: x.norm(dim=1, keepdim=True) + x.split(2, dim=1)[1]), [(2, 4)]),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_ops_export(name):
    m, shapes = FUNCTIONAL[name]
    check_export(m, shapes)


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        out += x  # in place, as ResNet writes it
        return nn.functional.relu(out, inplace=True)


def resnet():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), ResBlock(8), ResBlock(8),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))


class GPT(nn.Module):
    def __init__(self, vocab=50, d=32, heads=4, layers=2, ctx=16):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList(nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, activation="gelu",
                                                               batch_first=True, norm_first=True)
                                    for _ in range(layers))
        self.ln, self.head = nn.LayerNorm(d), nn.Linear(d, vocab, bias=False)
        self.register_buffer("mask", bw.full((ctx, ctx), float("-inf")).triu(1))

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok(idx) + self.pos(bw.arange(T))
        for b in self.blocks:
            x = b(x, src_mask=self.mask[:T, :T], is_causal=True)
        return self.head(self.ln(x))


class CausalSelfAttention(nn.Module):
    """The attention of a GPT written with F.scaled_dot_product_attention, as nanoGPT does."""

    def __init__(self, d=32, heads=4):
        super().__init__()
        self.qkv, self.proj, self.h = nn.Linear(d, 3 * d), nn.Linear(d, d), heads

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in (q, k, v))
        y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


@pytest.mark.parametrize("name,make,shapes,tol", [
    ("mlp", lambda: nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 5)), [(4, 20)], TOL),
    ("lenet", lambda: LAYERS["LeNet"][0](), [(2, 1, 28, 28)], TOL),
    ("resnet", resnet, [(2, 3, 8, 8)], TOL),
    ("transformer-encoder", lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 2, 32, batch_first=True), 2),
     [(2, 6, 16)], TOL),
    ("transformer-encoder-seq-first", lambda: nn.TransformerEncoderLayer(16, 4, 24), [(5, 2, 16)], TOL),
    ("gpt", GPT, [R.integers(0, 50, (2, 16))], TOL),
    ("sdpa-attention", CausalSelfAttention, [(2, 8, 32)], TOL),
])
def test_models_export_at_two_batch_sizes(name, make, shapes, tol):
    bw.manual_seed(0)
    m = make()
    if name == "resnet":
        m.train()
        m(bw.randn(4, 3, 8, 8))
    proto = check_export(m, shapes, dynamic=name != "transformer-encoder-seq-first", tol=tol)
    if name == "mlp":
        assert not any(n.op_type.startswith("Dropout") for n in proto.graph.node)
        assert {i.name for i in proto.graph.initializer} == {"0.weight", "0.bias", "3.weight", "3.bias"}


@pytest.mark.parametrize("make,shapes,axis", [
    (lambda: nn.LSTM(3, 4, num_layers=2, proj_size=2), [(5, 2, 3)], 1),
    (lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True), [(2, 4, 3)], 0),
    (lambda: nn.LSTMCell(3, 4), [(2, 3)], 0),
    (lambda: nn.GRUCell(3, 4), [(2, 3)], 0),
    (lambda: nn.RNNCell(3, 4), [(2, 3)], 0),
])
def test_recurrent_layers_export(make, shapes, axis):
    bw.manual_seed(0)
    check_export(make(), shapes, axis=axis)


def test_training_mode_is_restored_and_dropout_in_training_is_refused():
    m = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    m.train()
    bw.onnx.export(m, (bw.randn(2, 3),))
    assert m.training and m[1].training
    with pytest.raises(UnsupportedOperatorError, match=r"'dropout' at '1' \(Dropout\).*eval mode"):
        bw.onnx.export(m, (bw.randn(2, 3),), training=bw.onnx.TrainingMode.TRAINING)


class Unmapped(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(3, 3))

    def forward(self, x):
        return self.inner(x).cumprod(1)


class OutsideTensor(nn.Module):
    """Keeps a tensor computed outside the traced forward as a plain attribute (not a buffer)."""

    def __init__(self, batch):
        super().__init__()
        self.lin = nn.Linear(3, 3)
        self.offset = bw.ones(batch, 3) * 2

    def forward(self, x):
        return self.lin(x) + self.offset


class SizeBaked(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(6, 6)

    def forward(self, x):
        b = x.shape[0]
        return self.lin(x).view(b * 2, 3)  # the batch size taken out of the graph as a number


class ItemRead(nn.Module):
    def forward(self, x):
        return x * float(x.max())


def test_refusals_name_the_op_and_the_module_path():
    x = bw.randn(2, 3)
    with pytest.raises(UnsupportedOperatorError, match=r"'cumprod' at the model's forward \(Unmapped\)"):
        bw.onnx.export(Unmapped(), (x,))
    with pytest.raises(OnnxExporterError, match=r"'add' at the model's forward.*did not see being made"):
        bw.onnx.export(OutsideTensor(2), (x,))
    with pytest.raises(OnnxExporterError, match=r"Tensor.__float__.*Python value"):
        bw.onnx.export(ItemRead(), (x,))
    with pytest.raises(ValueError, match="opset_version=9"):
        bw.onnx.export(nn.ReLU(), (x,), opset_version=9)


def test_a_value_computed_from_the_batch_size_is_never_baked_in_silently():
    m = SizeBaked().eval()
    x = bw.randn(2, 6)
    proto = bw.onnx.export(m, (x,), input_names=["x"])  # static: correct for this size only, and says so
    assert [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim] == [2, 6]
    with pytest.raises(OnnxExporterError, match=r"dynamic axis at 'view' at the model's forward \(SizeBaked\)"):
        bw.onnx.export(m, (x,), input_names=["x"], dynamic_axes={"x": [0]})

    class ConstantFromSize(nn.Module):  # a constant made in forward with the batch size in its shape
        def forward(self, x):
            return x + bw.ones(x.shape[0], 6)

    assert bw.onnx.export(ConstantFromSize(), (x,)) is not None
    with pytest.raises(OnnxExporterError, match=r"dynamic axis at 'add' at the model's forward \(ConstantFromSize\)"):
        bw.onnx.export(ConstantFromSize(), (x,), input_names=["x"], dynamic_axes={"x": [0]})
    fixed = nn.Sequential(nn.Linear(6, 6), nn.Unflatten(1, (2, 3)), nn.Flatten(0, 1))  # the same, size-free
    check_export(fixed, [(2, 6)])


def test_inplace_on_a_view_and_getitem_and_movement_ops():
    class Movement(nn.Module):
        def forward(self, x):
            a = x[:, 1:, None, ::2]
            b = x.permute(0, 2, 1).flip(1)[..., 0]
            c = bw.cat([x, x * 2], dim=1).sum(1, keepdim=True).expand(-1, 4, -1)
            d = bw.stack(x.unbind(1), 2).mean((1, 2)) + x.chunk(2, dim=2)[1].amax(-1).amax(-1)
            e = bw.where(x > 0, x, 0.5).clamp(-1, 1) ** 2 - 1 / (x.abs() + 1) + x.var(1).unsqueeze(1)
            return a.flatten(1), b, c, d, e, x.softmax(-1).log(), x.max(1).values, x.argmax(-1)

    check_export(Movement(), [(2, 3, 4)])


def test_opsets_and_file_path(tmp_path):
    m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.GroupNorm(1, 3), nn.Flatten(), nn.LazyLinear(4))  # materialized by export
    for opset in (18, 21):
        check_export(m, [(2, 2, 5, 5)], opset_version=opset)
    path = tmp_path / "m.onnx"
    bw.onnx.export(m, bw.randn(1, 2, 5, 5), str(path))
    assert onnx.load(str(path)).opset_import[0].version == 20


def test_cli_export(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "models_for_cli.py").write_text(
        "import brickwork as torch\n"
        "def make():\n"
        "    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),"
        " torch.nn.LazyLinear(3))\n")
    out = tmp_path / "m.onnx"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd()] + sys.path))
    r = subprocess.run([sys.executable, "-m", "brickwork", "export", "models_for_cli:make", "--input-size", "1", "1",
                        "6", "6", str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "batch axis dynamic" in r.stdout
    sess = _session(onnx.load(str(out)))
    assert sess.run(None, {"input": np.zeros((5, 1, 6, 6), np.float32)})[0].shape == (5, 3)
    r = subprocess.run([sys.executable, "-m", "brickwork", "export", "models_for_cli:nothing", "--input-size", "1",
                        str(out)], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2 and "no callable 'nothing'" in r.stderr and "Traceback" not in r.stderr


MORE_LAYERS = {
    "Conv3d": (lambda: nn.Conv3d(2, 3, 2, padding=1), [(2, 2, 4, 4, 4)]),
    "ConvTranspose3d": (lambda: nn.ConvTranspose3d(2, 3, 2, stride=2), [(2, 2, 3, 3, 3)]),
    "MaxPool3d": (lambda: nn.MaxPool3d(2), [(2, 2, 4, 4, 4)]),
    "AvgPool3d": (lambda: nn.AvgPool3d(2), [(2, 2, 4, 4, 4)]),
    "AdaptiveAvgPool3d": (lambda: nn.AdaptiveAvgPool3d((2, 3, 1)), [(2, 2, 4, 5, 4)]),
    "AdaptiveMaxPool3d": (lambda: nn.AdaptiveMaxPool3d(2), [(2, 2, 4, 4, 4)]),
    "BatchNorm3d": (lambda: nn.BatchNorm3d(2), [(2, 2, 3, 3, 3)]),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True), [(2, 3, 4, 4)]),
    "LPPool1d": (lambda: nn.LPPool1d(2, 2), [(2, 3, 4)]),
    # odd p: a window summing to about zero has an ill-conditioned cube root, so the inputs are kept positive
    "LPPool2d": (lambda: nn.Sequential(nn.Softplus(), nn.LPPool2d(3, 2)), [(2, 3, 4, 4)]),
    "Hardshrink": (lambda: nn.Hardshrink(), [(2, 5)]), "Softshrink": (lambda: nn.Softshrink(0.3), [(2, 5)]),
    "RReLU": (lambda: nn.RReLU(), [(2, 5)]), "PReLU": (lambda: nn.PReLU(3), [(2, 3, 4)]),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), [(2, 8, 3, 3)]),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), [(2, 2, 4, 4)]),
    "ChannelShuffle": (lambda: nn.ChannelShuffle(2), [(2, 4, 3, 3)]),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(), [(2, 4), (2, 4)]),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(), [(2, 4), (2, 4)]),
    "FeatureAlphaDropout": (lambda: nn.FeatureAlphaDropout(0.2), [(2, 3, 4)]),
    "CircularPad2d": (lambda: nn.CircularPad2d(1), [(2, 3, 5, 5)]),
    "ReflectionPad2d": (lambda: nn.ReflectionPad2d(1), [(2, 3, 5, 5)]),
    "ReplicationPad1d": (lambda: nn.ReplicationPad1d((1, 2)), [(2, 3, 5)]),
    "ZeroPad2d": (lambda: nn.ZeroPad2d(1), [(2, 3, 5, 5)]),
    "Softmax2d": (lambda: nn.Softmax2d(), [(2, 3, 4, 4)]),
    "Upsample-nearest": (lambda: nn.Upsample(scale_factor=2), [(2, 3, 4, 4)]),
    "Upsample-nearest-size": (lambda: nn.Upsample(size=(7, 5)), [(2, 3, 4, 4)]),
    "Upsample-bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), [(2, 3, 4, 4)]),
    "UpsamplingBilinear2d": (lambda: nn.UpsamplingBilinear2d(scale_factor=2), [(2, 3, 4, 4)]),
    "Transformer": (lambda: nn.Transformer(16, 2, 1, 1, 32, batch_first=True), [(2, 5, 16), (2, 4, 16)]),
    "TransformerDecoderLayer": (lambda: nn.TransformerDecoderLayer(16, 2, 32, batch_first=True),
                                [(2, 5, 16), (2, 4, 16)]),
}


@pytest.mark.parametrize("name", sorted(MORE_LAYERS))
def test_more_shipped_layers_export(name):
    bw.manual_seed(0)
    make, shapes = MORE_LAYERS[name]
    check_export(make(), shapes)


@pytest.mark.parametrize("make,shapes,dynamic", [
    (lambda: nn.EmbeddingBag(10, 3), [R.integers(0, 10, (4, 3))], True),
    (lambda: nn.EmbeddingBag(10, 3, mode="max", padding_idx=2), [np.array([[1, 2], [2, 2], [3, 4]])], True),
    (lambda: nn.EmbeddingBag(10, 3, padding_idx=2, max_norm=1.0), [np.array([[1, 2, 5], [2, 2, 9]])], True),
    (lambda: nn.Unfold(2), [(2, 3, 4, 4)], True),
    (lambda: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), [(2, 3, 5, 7)], True),
    (lambda: nn.Unfold(2), [(3, 4, 4)], False),  # unbatched: the leading axis is the channel
    (lambda: nn.Fold((4, 4), 2), [(2, 12, 9)], True),
    (lambda: nn.Fold((5, 6), (2, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1)), [(2, 12, 12)], True),
    (lambda: nn.Fold((4, 4), 2), [(12, 9)], False),
])
def test_bags_and_sliding_blocks_export(make, shapes, dynamic):
    check_export(make(), shapes, dynamic=dynamic)


@pytest.mark.parametrize("mode,extra", [("sum", {}), ("mean", {}), ("max", {}), ("sum", {"padding_idx": 2}),
                                        ("mean", {"padding_idx": 2}), ("max", {"include_last_offset": True}),
                                        ("sum", {"per_sample_weights": True})])
def test_embedding_bag_with_offsets_keeps_bags_dynamic(mode, extra):
    """The bags' number and lengths come from the offsets input, so a second call with other offsets agrees."""
    extra = dict(extra)
    weighted = extra.pop("per_sample_weights", False)
    m = nn.EmbeddingBag(10, 3, mode=mode, **extra).eval()

    class Bag(nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = m

        def forward(self, idx, off, *w):
            return self.bag(idx, off, *w)

    last = extra.get("include_last_offset", False)
    samples = [(np.array([1, 2, 4, 5, 2, 3, 2, 9]), np.array([0, 3, 3, 6])),  # an empty bag, padding rows
               (np.array([7, 2, 2, 0, 1]), np.array([0, 1]))]
    samples = [(i, np.append(o, len(i)) if last else o) for i, o in samples]
    names = ["idx", "off"] + (["w"] if weighted else [])
    weights = [R.standard_normal(len(i)).astype(np.float32) for i, _ in samples]
    args = (bw.tensor(samples[0][0]), bw.tensor(samples[0][1])) + ((bw.tensor(weights[0]),) if weighted else ())
    proto = bw.onnx.export(Bag(), args, input_names=names, dynamic_axes={n: {0: n + "_len"} for n in names})
    sess = _session(proto)
    for (i, o), w in zip(samples, weights):
        feeds = dict(zip(names, [i, o] + ([w] if weighted else [])))
        want = m(*[bw.tensor(v) for v in feeds.values()])
        np.testing.assert_allclose(sess.run(None, feeds)[0], want.detach().numpy(), rtol=TOL, atol=TOL)


RECURRENT = {
    "LSTM": (lambda: nn.LSTM(3, 4), [(5, 2, 3)], 1),
    "LSTM-batch-first-2layers-bidir": (lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
                                      [(2, 5, 3)], 0),
    "LSTM-nobias-unbatched": (lambda: nn.LSTM(3, 4, bias=False), [(5, 3)], None),
    "GRU": (lambda: nn.GRU(3, 4), [(5, 2, 3)], 1),
    "GRU-bidir-batch-first": (lambda: nn.GRU(3, 4, bidirectional=True, batch_first=True), [(2, 5, 3)], 0),
    "GRU-3layers-nobias": (lambda: nn.GRU(3, 4, num_layers=3, bias=False), [(5, 2, 3)], 1),
}


@pytest.mark.parametrize("name", sorted(RECURRENT))
def test_fused_recurrent_layers_export_to_onnx_lstm_and_gru_nodes(name):
    bw.manual_seed(0)
    make, shapes, axis = RECURRENT[name]
    proto = check_export(make(), shapes, dynamic=axis is not None, axis=axis or 0)
    kinds = {n.op_type for n in proto.graph.node}
    assert ("LSTM" if name.startswith("LSTM") else "GRU") in kinds


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_recurrent_layers_export_with_initial_states(name):
    bw.manual_seed(0)
    m = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=True).eval()

    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = m

        def forward(self, x, h, *c):
            out, state = self.rnn(x, (h, c[0]) if c else h)
            return (out,) + (tuple(state) if c else (state,))

    shapes = [(2, 5, 3), (4, 2, 4)] + ([(4, 2, 4)] if name == "LSTM" else [])
    xs = [bw.tensor(a) for a in _arrays(shapes)]
    names = ["x", "h", "c"][:len(xs)]
    dyn = {"x": {0: "batch"}, "h": {1: "batch"}, "c": {1: "batch"}}
    proto = bw.onnx.export(WithState(), tuple(xs), input_names=names, dynamic_axes={n: dyn[n] for n in names})
    sess = _session(proto)
    for batch in (2, 5):
        arrays = [R.standard_normal((batch, 5, 3)).astype(np.float32)] + \
                 [R.standard_normal((4, batch, 4)).astype(np.float32) for _ in names[1:]]
        with bw.no_grad():
            want = _flat(WithState()(*[bw.tensor(a) for a in arrays]))
        for w, got in zip(want, sess.run(None, dict(zip(names, arrays)))):
            np.testing.assert_allclose(got, w.numpy(), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", sorted(TORCH_NN_LAYERS))
def test_every_layer_of_the_torch_nn_layer_table_exports(name):
    make, _, shapes, options = TORCH_NN_LAYERS[name]
    bw.manual_seed(0)
    m = make()
    if isinstance(m, _Loss):
        pytest.skip("a loss: export covers layers, model heads and activations, not training objectives")
    if options.get("train_steps"):  # non-trivial running statistics
        m.train()
        for _ in range(2):
            m(*[bw.tensor(a) for a in _arrays(shapes)])
    if name == "LPPool2d":  # p = 3: keep the window sums away from zero, where the cube root is ill-conditioned
        m = nn.Sequential(nn.Softplus(), m)
    check_export(m, shapes, dynamic=name not in TORCH_NN_STATIC, axis=TORCH_NN_AXIS.get(name, 0))
