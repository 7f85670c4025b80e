"""Coverage against torch stays closed: names recorded as covered in docs/coverage.md stay in brickwork, and the
covered ``torch.nn.functional`` functions and ``torch.nn`` layer constructors keep torch's signatures.

docs/coverage.md is written by ``python -m brickwork.utils.coverage``; rerun it after adding names.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

COVERAGE_MD = Path(__file__).resolve().parents[1] / "docs" / "coverage.md"
OURS = {ns: ours for ns, ours, _ in importlib.import_module("brickwork.utils.coverage").NAMESPACES}

# Signature differences we know of and keep, each with its reason: qualified torch name -> reason. None at present.
KNOWN_DIFFERENCES: dict[str, str] = {
}


def _covered() -> dict[str, list[str]]:
    """namespace -> covered names, read from docs/coverage.md's ``**Covered (N):**`` lines."""
    text = COVERAGE_MD.read_text(encoding="utf-8")
    covered: dict[str, list[str]] = {}
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        ns = section.splitlines()[0].strip()
        match = re.search(r"^\*\*Covered \((\d+)\):\*\* (.*)$", section, flags=re.MULTILINE)
        assert match, f"docs/coverage.md: section {ns} has no Covered line; rerun python -m brickwork.utils.coverage"
        names = re.findall(r"`([^`]+)`", match.group(2))
        assert len(names) == int(match.group(1)), f"docs/coverage.md: {ns}'s Covered count is off"
        covered[ns] = names
    return covered


COVERED = _covered()


def _brickwork(ns: str) -> object:
    from brickwork.utils.coverage import _resolve

    return _resolve(OURS[ns])


def test_covered_names_still_exist() -> None:
    assert set(COVERED) == set(OURS), "docs/coverage.md's sections differ from coverage.NAMESPACES; regenerate it"
    gone = [f"{OURS[ns]}.{name}" for ns, names in COVERED.items() for name in names
            if not hasattr(_brickwork(ns), name)]
    assert not gone, (f"{len(gone)} names recorded as covered in docs/coverage.md are gone from brickwork: "
                      f"{', '.join(gone)}. Restore them, or (if removed on purpose) rerun "
                      "python -m brickwork.utils.coverage")


def _params(fn: object) -> list[tuple[str, str, str]] | None:
    """(name, kind, repr of default) per parameter; None when there is no signature to read."""
    try:
        sig = inspect.signature(fn)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    kinds = [p.kind for p in sig.parameters.values() if p.name != "self"]
    if kinds == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]:
        return None  # torch's boolean-dispatch wrappers (max_pool*d) and RNN.__init__ hide their parameters
    out = []
    for p in sig.parameters.values():
        if p.name == "self":
            continue
        if p.default is inspect.Parameter.empty:
            default = "<required>"
        elif callable(p.default):
            default = getattr(p.default, "__name__", repr(p.default))  # activation=F.relu: compare by name
        else:
            default = repr(p.default)
        # torch dtypes and brickwork dtypes print as torch.float32 / brickwork.float32
        default = default.replace("brickwork.", "torch.")
        out.append((p.name, p.kind.name, default))
    return out


def _signature_pairs() -> list[tuple[str, object, object]]:
    import torch

    pairs = []
    for name in COVERED["torch.nn.functional"]:
        pairs.append((f"torch.nn.functional.{name}", getattr(torch.nn.functional, name),
                      getattr(_brickwork("torch.nn.functional"), name)))
    for name in COVERED["torch.nn"]:
        theirs = getattr(torch.nn, name)
        if inspect.isclass(theirs) and issubclass(theirs, torch.nn.Module):
            pairs.append((f"torch.nn.{name}", theirs.__init__, getattr(_brickwork("torch.nn"), name).__init__))
    return pairs


def test_signatures_match_torch() -> None:
    pytest.importorskip("torch")
    problems = []
    for qualname, theirs, ours in _signature_pairs():
        expected, got = _params(theirs), _params(ours)
        if expected is None or qualname in KNOWN_DIFFERENCES:
            continue
        if expected != got:
            problems.append(f"{qualname}: torch {expected}\n    brickwork {got}")
    assert not problems, f"{len(problems)} signatures differ from torch:\n" + "\n".join(problems)


def test_known_differences_are_still_real() -> None:
    pytest.importorskip("torch")
    pairs = {q: (t, o) for q, t, o in _signature_pairs()}
    stale = [q for q in KNOWN_DIFFERENCES if q not in pairs or _params(pairs[q][0]) == _params(pairs[q][1])]
    assert not stale, f"KNOWN_DIFFERENCES entries that now match torch (remove them): {stale}"
