"""Every example in examples/ runs to completion (training examples with --quick), as CI's smoke test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path: Path, tmp_path: Path) -> None:
    if path.name == "export_onnx.py":
        pytest.importorskip("onnx")
        pytest.importorskip("onnxruntime")
    args = [sys.executable, str(path)] + (["--quick"] if path.name.startswith("train_") else [])
    env = dict(os.environ, MPLBACKEND="Agg")
    r = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{path.name} failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"


def test_gpu_example_on_two_virtual_devices(tmp_path: Path) -> None:
    path = next(p for p in EXAMPLES if p.name == "07_gpus.py")
    env = dict(os.environ, BRICKWORK_CPU_DEVICES="2")
    r = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    assert "cpu:0 cpu:1" in r.stdout and "same device" in r.stdout


def test_cli_demo_bad_input_is_one_line_error(tmp_path: Path) -> None:
    for argv, fragment in ((["demo", "--device", "tpu"], "unknown device type"),
                           (["demo", "--data", str(tmp_path / "missing")], "--data"),
                           (["demo", "--epochs", "0"], "positive int")):
        r = subprocess.run([sys.executable, "-m", "brickwork", *argv], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 2, (argv, r.stderr)
        assert fragment in r.stderr and "Traceback" not in r.stderr, (argv, r.stderr)


def test_cli_demo_quick_run(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "brickwork", "demo", "--epochs", "1", "--train-size", "1200",
                        "--out", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-4000:]
    assert "predictions identical" in r.stdout and "test accuracy" in r.stdout
    assert (tmp_path / "demo.safetensors").exists()
    assert f"output folder {tmp_path}" in r.stdout.splitlines()[0], r.stdout[:500]  # named before training
