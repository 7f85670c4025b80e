"""The NumPy backend's speed tricks (backends/_numpy.py): they give the plain result, the backend chooses them
(other backends get the plain form), and the process-wide allocator setting is explicit and can be switched off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import brickwork as bw
from brickwork.backends import Backend, CupyBackend, _numpy

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("shape", [(1, 7), (5, 7), (_numpy.FEW_ROWS, 7), (_numpy.FEW_ROWS + 3, 7), (0, 7),
                                   (2, 3, 7), (7,)])
@pytest.mark.parametrize("bias", [True, False])
def test_affine_is_the_plain_product(shape, bias):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((4, 7)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32) if bias else None
    want = x @ w.T + (0 if b is None else b)
    for fn in (_numpy.affine, _numpy.affine_generic):
        got = fn(x, w, b)
        assert got.shape == want.shape and got.flags.c_contiguous
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_the_backend_owns_the_kernels():
    cpu = bw.device("cpu").backend
    assert cpu.affine is _numpy.affine and cpu.axpy is _numpy.axpy
    # a GPU backend does the plain thing (checked on the class: CuPy may be missing here)
    assert CupyBackend.affine is _numpy.affine_generic and CupyBackend.axpy is _numpy.decline_axpy
    assert Backend.axpy is _numpy.axpy
    assert not _numpy.decline_axpy(1.0, np.ones(2), np.ones(2))
    t = bw.ones(3)
    assert t.data_ptr() == t.numpy().__array_interface__["data"][0] == t.untyped_storage().data_ptr()


def _allocator_tuned(env: dict) -> str:
    code = "import brickwork.backends._numpy as n; import brickwork; print(n.ALLOCATOR_TUNED)"
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    full.pop("BRICKWORK_NO_MALLOPT", None) if "BRICKWORK_NO_MALLOPT" not in env else None
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True,
                          timeout=120).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_import_tunes_the_allocator_unless_told_not_to():
    assert _allocator_tuned({}) == "True"
    assert _allocator_tuned({"BRICKWORK_NO_MALLOPT": "1"}) == "False"
