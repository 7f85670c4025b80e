"""The package type-checks (STYLE.md, principle 11): ``mypy brickwork`` passes under pyproject.toml's [tool.mypy],
and code written for ``torch`` gets real types: ``import brickwork as torch`` followed by ``x.sum()``,
``torch.nn.Linear(...)`` or ``F.cross_entropy(...)`` reveals brickwork's classes, and a misspelt method is an error.

mypy runs once in a subprocess from the repository root, on the package and on a small user script together,
with a fresh cache in pytest's temporary directory (a cold run takes 10-60 s). Skipped where mypy is not
installed (it is in the ``test`` extra).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parents[1]

# (expression, the type mypy must reveal for it)
REVEALS = [
    ("x.sum()", "brickwork._tensor.Tensor"),
    ("x + 1", "brickwork._tensor.Tensor"),
    ("1 - x", "brickwork._tensor.Tensor"),
    ("x.T", "brickwork._tensor.Tensor"),
    ("x[0]", "brickwork._tensor.Tensor"),
    ("x.add_(1)", "brickwork._tensor.Tensor"),
    ("x.float()", "brickwork._tensor.Tensor"),
    ("torch.sum(x)", "brickwork._tensor.Tensor"),
    ("torch.tensor([1.0, 2.0])", "brickwork._tensor.Tensor"),
    ("torch.nn.Linear(3, 2)", "brickwork.nn.modules.linear.Linear"),
    ("torch.nn.LazyLinear(2)", "brickwork.nn.modules.linear.LazyLinear"),
    ("torch.optim.SGD([x], lr=0.1)", "brickwork.optim.sgd.SGD"),
    ("F.cross_entropy(x, torch.tensor([0, 1]))", "brickwork._tensor.Tensor"),
]
SCRIPT = "\n".join(["import brickwork as torch", "import brickwork.nn.functional as F", "",
                    "x = torch.ones(2, 3)"] + [f"reveal_type({e})" for e, _ in REVEALS]
                   + ["x.definitely_not_a_method()", ""])


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    tmp = tmp_path_factory.mktemp("mypy")
    (tmp / "user_script.py").write_text(SCRIPT)
    cmd = [sys.executable, "-m", "mypy", "brickwork", str(tmp / "user_script.py"), "--config-file",
           "pyproject.toml", "--cache-dir", str(tmp / "mypy-cache")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    return f"`python {' '.join(cmd[1:])}`", (proc.stdout + proc.stderr).splitlines()


def test_mypy_passes(mypy_output: tuple[str, list[str]]) -> None:
    cmd, lines = mypy_output
    errors = [ln for ln in lines if ln.startswith("brickwork") and ": error:" in ln]
    assert not errors, (f"{cmd} found type errors in brickwork; fix them (or add a `# type: ignore[code]` where an "
                        "annotation is impractical):\n" + "\n".join(errors))


def test_user_code_gets_real_types(mypy_output: tuple[str, list[str]]) -> None:
    cmd, lines = mypy_output
    mine = [ln for ln in lines if "user_script.py:" in ln]
    revealed = {int(m.group(1)): m.group(2) for ln in mine
                if (m := re.search(r"user_script\.py:(\d+): note: Revealed type is \"(.*)\"", ln))}
    first = SCRIPT.splitlines().index(f"reveal_type({REVEALS[0][0]})") + 1
    wrong = [f"{e}: expected {t}, mypy revealed {revealed.get(first + i)}" for i, (e, t) in enumerate(REVEALS)
             if revealed.get(first + i) != t]
    assert not wrong, f"{cmd}:\n" + "\n".join(wrong)
    errors = [ln for ln in mine if ": error:" in ln]
    assert len(errors) == 1 and "definitely_not_a_method" in errors[0] and "[attr-defined]" in errors[0], (
        f"{cmd}: expected exactly one error, for x.definitely_not_a_method(); got:\n" + "\n".join(errors))
