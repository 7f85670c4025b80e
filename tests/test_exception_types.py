"""brickwork raises the exception types torch raises (code written for torch catches them), with its own
messages inside: one case per row, each run against both libraries."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import pytest
import torch

import brickwork as bw


def _cases(L: Any) -> dict[str, Callable[[], Any]]:
    F = L.nn.functional
    return {
        "add broadcast": lambda: L.ones(2, 3) + L.ones(2, 4),
        "mul broadcast": lambda: L.ones(2, 3) * L.ones(4),
        "add_ broadcast": lambda: L.ones(2, 3).add_(L.ones(2, 4)),
        "where broadcast": lambda: L.where(L.ones(2, 3, dtype=L.bool), L.ones(2, 4), 0.0),
        "eq broadcast": lambda: L.ones(2, 3) == L.ones(2, 4),
        "masked_fill broadcast": lambda: L.ones(2, 3).masked_fill(L.ones(2, 4, dtype=L.bool), 0.0),
        "mse_loss broadcast": lambda: F.mse_loss(L.ones(3, 2), L.ones(3, 4)),
        "l1_loss broadcast": lambda: F.l1_loss(L.ones(3, 2), L.ones(3, 4)),
        "cat of nothing": lambda: L.cat([]),
        "cross_entropy batch mismatch": lambda: F.cross_entropy(L.ones(3, 4), L.tensor([0, 1])),
        "narrow past the end": lambda: L.ones(3).narrow(0, 2, 5),
        "uninitialized lazy parameter": lambda: L.nn.LazyLinear(3).weight + 1,
        "integer // 0": lambda: L.tensor([1, 2]) // 0,
        "integer % 0": lambda: L.tensor([1, 2]) % 0,
        "bce target above 1": lambda: F.binary_cross_entropy(L.tensor([0.5, 0.5]), L.tensor([0.0, 2.0])),
        "bce_with_logits integer target": lambda: F.binary_cross_entropy_with_logits(L.ones(3), L.tensor([0, 1, 1])),
        "ragged nested list": lambda: L.tensor([[1, 2], [3]]),
        "function in Sequential": lambda: L.nn.Sequential(L.nn.Linear(2, 2), L.relu),
    }


NAMES = list(_cases(bw))


def _raised(fn: Callable[[], Any]) -> type:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn()
        except Exception as e:  # noqa: BLE001  (the type is what is compared)
            return type(e)
    raise AssertionError("no exception was raised")


@pytest.mark.parametrize("name", NAMES)
def test_same_exception_type_as_torch(name: str) -> None:
    theirs = _raised(_cases(torch)[name])
    ours = _raised(_cases(bw)[name])
    assert issubclass(ours, theirs), f"{name}: torch raises {theirs.__name__}, brickwork {ours.__name__}"


def test_messages_say_where_and_what() -> None:
    with pytest.raises(RuntimeError, match=r"add: .*tensor a \(3\).*tensor b \(4\).*\(2, 3\) and \(2, 4\)"):
        bw.ones(2, 3) + bw.ones(2, 4)
    with pytest.raises(ValueError, match=r"batch_size \(3\).*batch_size \(2\)"):
        bw.nn.functional.cross_entropy(bw.ones(3, 4), bw.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"length 2 at dim 1 \(got 1\)"):
        bw.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match=r"Sequential\.1: .*relu.*nn\.ReLU\(\)"):
        bw.nn.Sequential(bw.nn.Linear(2, 2), bw.relu)


def test_ieee_specials_are_silent_as_in_torch_but_users_numpy_still_warns() -> None:
    """1/0, log(0), overflow and 0 * inf give inf/nan without a NumPy RuntimeWarning (PyTorch is silent), even
    under ``python -W error``; the user's own NumPy calls keep warning."""
    import subprocess
    import sys

    code = (
        "import numpy as np, torch, brickwork as bw\n"
        "for lib in (bw, torch):\n"
        "    x = lib.tensor([1.0, 0.0, -1.0])\n"
        "    r = [x / 0, x.log(), (x * 1e30) * 1e30, x.sqrt(), lib.exp(x * 1000), x.pow(-1), x * float('inf'),\n"
        "         x.sum() / 0]\n"
        "    print([t.tolist() for t in r])\n"
        "try:\n"
        "    np.log(np.zeros(1))\n"
        "except RuntimeWarning:\n"
        "    print('numpy warns')\n")
    r = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == lines[1], lines  # brickwork's values are PyTorch's
    assert lines[2] == "numpy warns"
