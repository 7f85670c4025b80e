"""The public API is declared (STYLE.md, principle 10): every ``__init__.py`` imports each name it exports
explicitly and lists it in a literal ``__all__``; nothing is assembled at run time, so a missing file is an
ImportError rather than a silently smaller API, and type checkers and readers see what a reader of the file sees.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "brickwork"
INITS = sorted(PACKAGE.rglob("__init__.py"))
# importlib only where it loads on first use what is declared already: the subpackages ``import brickwork`` leaves
# for later, and the compiled kernels each Kernel names by a string (so Numba loads only when a kernel runs)
LOADS_ON_FIRST_USE = {PACKAGE / "__init__.py", PACKAGE / "kernels" / "__init__.py"}


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).parent.parts)


@pytest.mark.parametrize("path", INITS, ids=_module_name)
def test_init_declares_its_names(path: Path) -> None:
    tree = ast.parse(path.read_text())
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            problems.append(f"line {node.lineno}: star import from {node.module}; import the names explicitly")
        if isinstance(node, ast.Name) and node.id in ("importlib", "import_module") and path not in LOADS_ON_FIRST_USE:
            problems.append(f"line {node.lineno}: run-time import machinery ({node.id}); import the module by name")
    alls = [n for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and any(
        getattr(t, "id", None) == "__all__" for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
    private = any(part.startswith("_") for part in path.relative_to(PACKAGE).parent.parts)
    if private and not alls:
        pass  # a private package (kernels/_cpu) need not declare an API
    elif len(alls) != 1 or not isinstance(alls[0].value, ast.List) or not all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in alls[0].value.elts):
        problems.append("__all__ must be assigned once, as a literal list of strings")
    assert not problems, f"{path.relative_to(PACKAGE.parent)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", INITS, ids=_module_name)
def test_every_exported_name_exists(path: Path) -> None:
    module = importlib.import_module(_module_name(path))
    if not hasattr(module, "__all__"):
        pytest.skip("a private package without a declared API")
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{module.__name__}.__all__ lists names the module does not define: {missing}"
    assert len(set(module.__all__)) == len(module.__all__), f"{module.__name__}.__all__ lists a name twice"


def test_top_level_exports_every_op() -> None:
    import brickwork

    missing = set(brickwork.ops.__all__) - set(brickwork.__all__)
    assert not missing, f"brickwork/__init__.py does not re-export these ops: {sorted(missing)}"
    for name in ("nn", "optim", "utils", "io", "datasets", "train", "distributed", "save", "load", "FormatError",
                 "summary"):
        assert getattr(brickwork, name) is not None  # loaded on first use


def test_functional_and_modules_are_complete() -> None:
    import brickwork.nn as nn
    import brickwork.nn.functional as F

    assert set(nn.modules.__all__) <= set(nn.__all__)
    assert {"cross_entropy", "scaled_dot_product_attention", "linear", "conv2d"} <= set(F.__all__)
