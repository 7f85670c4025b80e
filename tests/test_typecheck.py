"""The package type-checks (STYLE.md, principle 11): ``mypy brickwork`` passes under pyproject.toml's [tool.mypy].

mypy runs in a subprocess from the repository root, with a fresh cache in pytest's temporary directory (a cold
run takes about 10 s). Skipped where mypy is not installed (it is in the ``test`` extra).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_passes(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "mypy", "brickwork", "--config-file", "pyproject.toml",
           "--cache-dir", str(tmp_path / "mypy-cache")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, (f"`python {' '.join(cmd[1:])}` exited with {proc.returncode}; fix these type "
                                  "errors (or add a `# type: ignore[code]` where an annotation is impractical):\n"
                                  f"{proc.stdout}{proc.stderr}")
