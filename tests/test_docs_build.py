"""The documentation site (guide pages and the API reference generated from docstrings) builds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_builds(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings_handlers.python")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d",
                        str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-4000:]
    page = (tmp_path / "site" / "reference" / "nn" / "index.html").read_text()
    assert "brickwork.nn.Module" in page and "Sequential" in page
    layers = (tmp_path / "site" / "reference" / "layers" / "index.html").read_text()
    assert "Conv2d" in layers and "Linear" in layers
    assert (tmp_path / "site" / "coming-from-pytorch" / "index.html").exists()
    shutil.rmtree(tmp_path / "site")
