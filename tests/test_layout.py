"""The layering rule for gradients (PROTOCOL / STYLE): a file that records a graph node lives in ``brickwork/ops/``.

Every file under ``brickwork/nn/`` is parsed with :mod:`ast` and must neither import the graph internals
(``brickwork.ops._core``, ``brickwork.autograd.engine``, ``.record``, ``.inplace``) nor call ``record(...)`` or ``Node(...)``. ``nn`` reaches
ops through their public names only (``brickwork.ops.conv.conv2d``, ``brickwork.ops.multi_output.unstack``...).
"""

from __future__ import annotations

import ast
from pathlib import Path

import brickwork

ROOT = Path(brickwork.__file__).parent
INTERNAL = {"brickwork.ops._core", "brickwork.autograd.engine", "brickwork.autograd.record",
            "brickwork.autograd.inplace"}
RECORDING_CALLS = {"record", "Node"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``from ... import`` statement names."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _problems(path: Path) -> list[str]:
    return _problems_in(path.read_text(), _module_name(path), path.name == "__init__.py",
                        str(path.relative_to(ROOT.parent)))


def _problems_in(source: str, module: str, is_package: bool, label: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, label)):
        where = f"{label}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names if a.name in INTERNAL]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, is_package)
            if target in INTERNAL:
                found.append(f"{where} imports from {target}")
            found += [f"{where} imports {target}.{a.name}" for a in node.names if f"{target}.{a.name}" in INTERNAL]
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if name in RECORDING_CALLS:
                found.append(f"{where} calls {name}(...)")
    return found


def test_nn_records_no_graph_nodes_and_imports_no_graph_internals() -> None:
    files = sorted((ROOT / "nn").rglob("*.py"))
    assert len(files) > 20  # the walk found the package
    problems = [p for f in files for p in _problems(f)]
    assert not problems, ("brickwork/nn must use public ops (move code that records nodes to brickwork/ops/):\n"
                          + "\n".join(problems))


def test_the_check_sees_each_kind_of_violation() -> None:
    src = ("from ...ops._core import wrap\nfrom ...autograd import engine\nimport brickwork.ops._core\n"
           "from ...ops import _core\nrecord(1)\nx = engine.Node(2)\nfrom ...ops.conv import conv2d\n")
    found = _problems_in(src, "brickwork.nn.functional._probe", False, "probe.py")
    kinds = sorted((int(p.split(" ", 1)[0].split(":")[1]), p.split(" ", 1)[1]) for p in found)
    assert [k for _, k in kinds] == ["imports from brickwork.ops._core", "imports brickwork.autograd.engine",
                                     "imports brickwork.ops._core", "imports brickwork.ops._core",
                                     "calls record(...)", "calls Node(...)"], kinds
