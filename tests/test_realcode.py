"""Real model programs, written as plain torch code, run with torch and with ``brickwork`` in torch's place.

Each program under ``tests/realcode/`` is ordinary PyTorch code (``import torch``, ``import torch.nn as nn``, ...).
``load`` executes the same file twice: once as is, and once with ``sys.modules`` mapping ``torch`` and its
submodules to brickwork's, so the model text is literally the same. Both copies start from the same weights (the
torch model's state dict is loaded into the brickwork one) and the same NumPy data; the test compares outputs,
losses over a few training steps, gradients and final weights. Every program runs in float64, where the
tolerances are tight enough that a difference means a brickwork bug, not rounding; most also run in float32, the
dtype real scripts use, to check that every result keeps torch's dtype. A program that needs a torch name brickwork
lacks is a strict xfail naming it, so it starts counting as soon as the name lands.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import brickwork as bw

from _helpers import npy

PROGRAMS = Path(__file__).parent / "realcode"


class _TorchAsBrickwork(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """While on ``sys.meta_path``, ``import torch.X`` gives the already imported module ``brickwork.X``."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname.startswith("torch."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec: Any) -> Any:
        return importlib.import_module("brickwork" + spec.name[len("torch"):])

    def exec_module(self, module: Any) -> None:
        pass


def load(name: str, lib: Any) -> Any:
    """Execute ``tests/realcode/<name>.py`` with ``import torch`` resolving to ``lib`` (torch or brickwork)."""
    spec = importlib.util.spec_from_file_location(f"realcode_{name}_{lib.__name__}", PROGRAMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    if lib is torch:
        spec.loader.exec_module(module)
        return module
    saved = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    finder = _TorchAsBrickwork()
    try:
        for k in saved:
            del sys.modules[k]
        sys.modules["torch"] = bw
        sys.meta_path.insert(0, finder)
        spec.loader.exec_module(module)
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k == "torch" or k.startswith("torch.")]:
            del sys.modules[k]
        sys.modules.update(saved)
    return module


# float64 shows any semantic difference; float32 (the default dtype real scripts run in) checks that every result
# keeps torch's dtype, with tolerances for float32 rounding (about 6e-8 per op, summed in a different order by each
# library's kernels) grown over a few optimizer steps. A gradient that is exactly zero in exact arithmetic (the bias
# of a conv followed by InstanceNorm, the key bias in attention) is rounding noise in both libraries, and Adam turns
# it into a step of up to lr * noise / eps: in float64 that is ~1e-9 (hence atol 1e-8), in float32 a full step of
# size lr whose sign is the noise's, so there the trained weights (results named "...state") are not compared.
TOLERANCES = {"float64": dict(rtol=1e-9, atol=1e-8, weights=True),
              "float32": dict(rtol=2e-4, atol=2e-5, weights=False)}


@pytest.fixture(params=sorted(TOLERANCES))
def dtype(request):
    """Both libraries build their parameters in this default dtype inside the test; yields its tolerances."""
    torch.set_default_dtype(getattr(torch, request.param))
    bw.set_default_dtype(getattr(bw, request.param))
    try:
        yield TOLERANCES[request.param]
    finally:
        torch.set_default_dtype(torch.float32)
        bw.set_default_dtype(bw.float32)


# the whole file must stay within ~30 s of one CPU: the costlier programs whose layers the float32 runs of the
# others already cover run in float64 only
float64_only = pytest.mark.parametrize("dtype", ["float64"], indirect=True)


def copy_weights(src: Any, dst: Any) -> None:
    """Load the state of torch module(s) ``src`` into the brickwork module(s) ``dst`` of the same program."""
    if isinstance(src, dict):
        assert src.keys() == dst.keys()
        for k in src:
            copy_weights(src[k], dst[k])
        return
    dst.load_state_dict({k: bw.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()})


def compare(ours: Any, ref: Any, rtol: float, atol: float, weights: bool = True, where: str = "result") -> None:
    """Recursively compare brickwork's results with torch's: dicts, lists, tensors and numbers.

    With ``weights=False`` the entries named ``...state`` (trained weights) are skipped.
    """
    if isinstance(ref, dict):
        assert isinstance(ours, dict) and ours.keys() == ref.keys(), (where, sorted(ours), sorted(ref))
        for k in ref:
            if weights or not str(k).endswith("state"):
                compare(ours[k], ref[k], rtol, atol, weights, f"{where}[{k!r}]")
    elif isinstance(ref, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(ref), (where, ours, ref)
        for i, (a, b) in enumerate(zip(ours, ref)):
            compare(a, b, rtol, atol, weights, f"{where}[{i}]")
    elif ref is None or isinstance(ref, str):
        assert ours == ref, (where, ours, ref)
    else:
        a, b = np.asarray(npy(ours)), np.asarray(npy(ref))
        assert a.shape == b.shape, (where, a.shape, b.shape)
        assert a.dtype == b.dtype, (where, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)


def both(name: str, data: dict[str, np.ndarray], rtol: float, atol: float, weights: bool) -> tuple[Any, Any]:
    """Build and run program ``name`` with both libraries from the same weights; compare and return the results."""
    default = np.dtype(str(torch.get_default_dtype()).removeprefix("torch."))
    data = {k: v.astype(default) if v.dtype.kind == "f" else v for k, v in data.items()}
    ref_prog, our_prog = load(name, torch), load(name, bw)
    ref_models, our_models = ref_prog.build(), our_prog.build()
    copy_weights(ref_models, our_models)
    # each library gets its own copy: from_numpy shares memory, and programs may write to their inputs in place
    ref = ref_prog.run(ref_models, {k: v.copy() for k, v in data.items()})
    ours = our_prog.run(our_models, {k: v.copy() for k, v in data.items()})
    compare(ours, ref, rtol, atol, weights)
    return ours, ref


def test_resnet(dtype):
    rng = np.random.default_rng(0)
    data = {"images": rng.standard_normal((4, 3, 12, 12)), "labels": rng.integers(0, 10, 4)}
    both("resnet", data, **dtype)


def test_word_language_model(dtype):
    data = {"tokens": np.random.default_rng(1).integers(0, 20, 66)}
    both("word_language_model", data, **dtype)


@float64_only
def test_seq2seq_attention(dtype):
    rng = np.random.default_rng(2)
    lengths = np.array([5, 3, 6, 2])
    src = rng.integers(2, 11, (4, 6)) * (np.arange(6) < lengths[:, None])
    tgt_lengths = np.array([4, 5, 2, 3])
    tgt = rng.integers(2, 9, (4, 5)) * (np.arange(5) < tgt_lengths[:, None])
    both("seq2seq_attention", {"src": src, "lengths": lengths, "tgt": tgt}, **dtype)


def test_vit(dtype):
    rng = np.random.default_rng(3)
    both("vit", {"images": rng.standard_normal((3, 3, 8, 8)), "labels": rng.integers(0, 5, 3)}, **dtype)


@float64_only
def test_dcgan(dtype):
    rng = np.random.default_rng(4)
    data = {"real": np.tanh(rng.standard_normal((3, 4, 3, 16, 16))), "noise": rng.standard_normal((3, 4, 8, 1, 1))}
    both("dcgan", data, **dtype)


def test_gpt(dtype):
    both("gpt", {"tokens": np.random.default_rng(5).integers(0, 17, (3, 9))}, **dtype)


def test_vae(dtype):
    rng = np.random.default_rng(6)
    data = {"images": (rng.random((10, 20)) < 0.4) * 1.0, "eps": rng.standard_normal((2, 3, 4, 3))}
    both("vae", data, **dtype)


@float64_only
def test_fast_neural_style(dtype):
    rng = np.random.default_rng(7)
    data = {"content": rng.uniform(0, 255, (3, 2, 3, 8, 8)), "style": rng.uniform(0, 255, (1, 3, 8, 8))}
    both("fast_neural_style", data, **dtype)


def test_gcn(dtype):
    rng = np.random.default_rng(8)
    data = {"features": rng.standard_normal((10, 6)), "labels": rng.integers(0, 3, 10),
            "edges": np.array([[0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 5, 7]])}
    both("gcn", data, **dtype)


@float64_only
def test_actor_critic(dtype):
    rng = np.random.default_rng(9)
    data = {"states": rng.standard_normal((3, 6, 4)), "actions": rng.integers(0, 3, (3, 6)),
            "rewards": rng.random((3, 6))}
    both("actor_critic", data, **dtype)


@float64_only
def test_time_sequence(dtype):
    rng = np.random.default_rng(10)
    t = np.arange(12) + rng.integers(-8, 8, (7, 1))
    both("time_sequence", {"waves": np.sin(t / 2.0)}, **dtype)


@float64_only
def test_mnist_checkpoint(dtype):
    rng = np.random.default_rng(11)
    both("mnist_checkpoint", {"images": rng.random((17, 1, 12, 12)), "labels": rng.integers(0, 10, 17)}, **dtype)


@float64_only
def test_transformer_translation(dtype):
    rng = np.random.default_rng(12)
    src = rng.integers(4, 13, (3, 7))
    src[1, 5:] = src[2, 4:] = 1  # padding
    tgt = np.concatenate([np.full((3, 1), 2), rng.integers(4, 11, (3, 5)), np.full((3, 1), 3)], axis=1)
    tgt[0, 4:] = 1
    both("transformer_translation", {"src": src, "tgt": tgt}, **dtype)


@float64_only
def test_text_classifier(dtype):
    rng = np.random.default_rng(13)
    data = {"tokens": rng.integers(1, 15, (4, 9)), "lengths": np.array([9, 4, 6, 2]), "labels": rng.integers(0, 3, 4)}
    both("text_classifier", data, **dtype)


def test_wgan_gp(dtype):
    rng = np.random.default_rng(14)
    data = {"real": rng.standard_normal((4, 5, 6)), "z": rng.standard_normal((4, 5, 4)), "alpha": rng.random((4, 5, 1))}
    both("wgan_gp", data, **dtype)


def test_dqn(dtype):
    rng = np.random.default_rng(15)
    data = {"states": rng.standard_normal((4, 6, 4)), "actions": rng.integers(0, 3, (4, 6)),
            "rewards": rng.random((4, 6)), "next_states": rng.standard_normal((4, 6, 4)),
            "done": rng.random((4, 6)) < 0.3}
    both("dqn", data, **dtype)


@float64_only
def test_efficient_cnns(dtype):
    rng = np.random.default_rng(16)
    both("efficient_cnns", {"images": rng.random((3, 3, 16, 16)), "labels": rng.integers(0, 4, 3)}, **dtype)


@float64_only
def test_llama(dtype):
    # the program casts logits and attention scores to float32 (.float()), as LLaMA's code does: float32 tolerances
    tolerances = {**dtype, "rtol": TOLERANCES["float32"]["rtol"], "atol": TOLERANCES["float32"]["atol"]}
    both("llama", {"tokens": np.random.default_rng(17).integers(0, 19, (2, 10))}, **tolerances)


@float64_only
def test_ddpm(dtype):
    rng = np.random.default_rng(18)
    data = {"images": np.tanh(rng.standard_normal((3, 1, 8, 8))), "t": rng.integers(0, 10, (3, 3)),
            "noise": rng.standard_normal((3, 3, 1, 8, 8)), "sampling_noise": rng.standard_normal((10, 3, 1, 8, 8))}
    both("ddpm", data, **dtype)


@float64_only
def test_swa_ema(dtype):
    rng = np.random.default_rng(19)
    both("swa_ema", {"x": rng.standard_normal((12, 5)), "y": rng.integers(0, 3, 12)}, **dtype)


@float64_only
def test_contrastive(dtype):
    rng = np.random.default_rng(20)
    base = rng.standard_normal((3, 5, 6))
    data = {"view1": base + 0.1 * rng.standard_normal(base.shape), "view2": base + 0.1 * rng.standard_normal(base.shape),
            "captions": rng.standard_normal((3, 5, 3))}
    both("contrastive", data, **dtype)
