"""Real model programs, written as plain torch code, run with torch and with ``brickwork`` in torch's place.

Each program under ``tests/realcode/`` is ordinary PyTorch code (``import torch``, ``import torch.nn as nn``, ...).
``load`` executes the same file twice: once as is, and once with ``sys.modules`` mapping ``torch`` and its
submodules to brickwork's, so the model text is literally the same. Both copies start from the same weights (the
torch model's state dict is loaded into the brickwork one) and the same NumPy data; the test compares outputs,
losses over a few training steps, gradients and final weights. Programs run in float64 so that the tolerances can
be tight: a difference means a brickwork bug, not rounding.
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


@pytest.fixture
def float64():
    """Both libraries build float64 parameters inside the test."""
    torch.set_default_dtype(torch.float64)
    bw.set_default_dtype(bw.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(torch.float32)
        bw.set_default_dtype(bw.float32)


def copy_weights(src: Any, dst: Any) -> None:
    """Load the state of torch module(s) ``src`` into the brickwork module(s) ``dst`` of the same program."""
    if isinstance(src, dict):
        assert src.keys() == dst.keys()
        for k in src:
            copy_weights(src[k], dst[k])
        return
    dst.load_state_dict({k: bw.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()})


def compare(ours: Any, ref: Any, rtol: float, atol: float, where: str = "result") -> None:
    """Recursively compare brickwork's results with torch's: dicts, lists, tensors and numbers."""
    if isinstance(ref, dict):
        assert isinstance(ours, dict) and ours.keys() == ref.keys(), (where, sorted(ours), sorted(ref))
        for k in ref:
            compare(ours[k], ref[k], rtol, atol, f"{where}[{k!r}]")
    elif isinstance(ref, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(ref), (where, ours, ref)
        for i, (a, b) in enumerate(zip(ours, ref)):
            compare(a, b, rtol, atol, f"{where}[{i}]")
    elif ref is None:
        assert ours is None, (where, ours)
    else:
        a, b = np.asarray(npy(ours)), np.asarray(npy(ref))
        assert a.shape == b.shape, (where, a.shape, b.shape)
        assert a.dtype == b.dtype, (where, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)


def both(name: str, data: dict[str, np.ndarray], rtol: float = 1e-9, atol: float = 1e-10) -> tuple[Any, Any]:
    """Build and run program ``name`` with both libraries from the same weights; compare and return the results."""
    ref_prog, our_prog = load(name, torch), load(name, bw)
    ref_models, our_models = ref_prog.build(), our_prog.build()
    copy_weights(ref_models, our_models)
    ref = ref_prog.run(ref_models, data)
    ours = our_prog.run(our_models, data)
    compare(ours, ref, rtol, atol)
    return ours, ref


def test_resnet(float64):
    rng = np.random.default_rng(0)
    data = {"images": rng.standard_normal((4, 3, 12, 12)), "labels": rng.integers(0, 10, 4)}
    both("resnet", data)


def test_word_language_model(float64):
    data = {"tokens": np.random.default_rng(1).integers(0, 20, 90)}
    both("word_language_model", data)


def test_seq2seq_attention(float64):
    rng = np.random.default_rng(2)
    lengths = np.array([5, 3, 6, 2])
    src = rng.integers(2, 11, (4, 6)) * (np.arange(6) < lengths[:, None])
    tgt_lengths = np.array([4, 5, 2, 3])
    tgt = rng.integers(2, 9, (4, 5)) * (np.arange(5) < tgt_lengths[:, None])
    both("seq2seq_attention", {"src": src, "lengths": lengths, "tgt": tgt})


def test_vit(float64):
    rng = np.random.default_rng(3)
    both("vit", {"images": rng.standard_normal((3, 3, 8, 8)), "labels": rng.integers(0, 5, 3)})


def test_dcgan(float64):
    rng = np.random.default_rng(4)
    data = {"real": np.tanh(rng.standard_normal((3, 4, 3, 16, 16))), "noise": rng.standard_normal((3, 4, 8, 1, 1))}
    both("dcgan", data)


def test_gpt(float64):
    both("gpt", {"tokens": np.random.default_rng(5).integers(0, 17, (3, 9))})
