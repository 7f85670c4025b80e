"""Coverage against torch stays closed: names recorded as covered in docs/coverage.md stay in brickwork, and the
covered ``torch.nn.functional`` functions, ``torch.nn`` layer constructors, ``torch.*`` functions and ``Tensor``
methods keep torch's signatures wherever torch's can be read (most of torch's C++ builtins have none to read).

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

# Signature differences we know of and keep, each with its reason: qualified torch name -> reason.
KNOWN_DIFFERENCES: dict[str, str] = {
    "torch.einsum": "torch takes *args and parses them into the documented (equation, *operands) itself; brickwork "
                    "names that form in its signature, so the same calls work",
    "torch.load": "weights_only defaults to True (brickwork never unpickles arbitrary objects; torch's None also "
                  "means True since 2.6) and mmap to False (brickwork reads the file)",
    "torch.save": "brickwork writes its own allow-list pickle: pickle_module and pickle_protocol default to None, and "
                  "torch's private _use_new_zipfile_serialization/_disable_byteorder_record flags do not exist",
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


def _method_params(fn: object) -> list[tuple[str, str, str]] | None:
    """`_params` of a Tensor method: brickwork's ops double as methods, so their first parameter (``input``) is
    the tensor itself and is dropped like ``self``."""
    out = _params(fn)
    try:
        first = next(iter(inspect.signature(fn).parameters))  # type: ignore[arg-type]
    except (TypeError, ValueError, StopIteration):
        return out
    return out[1:] if out and first != "self" else out


def _signature_pairs() -> list[tuple[str, object, object]]:
    """(qualified torch name, torch's parameters, brickwork's parameters) for every covered callable whose
    signature torch exposes."""
    import torch

    pairs = []
    for name in COVERED["torch.nn.functional"]:
        pairs.append((f"torch.nn.functional.{name}", _params(getattr(torch.nn.functional, name)),
                      _params(getattr(_brickwork("torch.nn.functional"), name))))
    for name in COVERED["torch.nn"]:
        theirs = getattr(torch.nn, name)
        if inspect.isclass(theirs) and issubclass(theirs, torch.nn.Module):
            pairs.append((f"torch.nn.{name}", _params(theirs.__init__),
                          _params(getattr(_brickwork("torch.nn"), name).__init__)))
    for name in COVERED["torch"]:
        theirs = getattr(torch, name)
        if not inspect.isclass(theirs) and callable(theirs):
            pairs.append((f"torch.{name}", _params(theirs), _params(getattr(_brickwork("torch"), name))))
    for name in COVERED["torch.Tensor"]:
        theirs = inspect.getattr_static(torch.Tensor, name)
        if inspect.isfunction(theirs):  # torch's Python-defined methods; C++ ones and properties have no signature
            ours = inspect.getattr_static(_brickwork("torch.Tensor"), name)
            pairs.append((f"torch.Tensor.{name}", _params(theirs),
                          _method_params(ours) if callable(ours) else None))
    return pairs


def test_signatures_match_torch() -> None:
    pytest.importorskip("torch")
    problems = []
    for qualname, expected, got in _signature_pairs():
        if expected is None or qualname in KNOWN_DIFFERENCES:
            continue
        if expected != got:
            problems.append(f"{qualname}: torch {expected}\n    brickwork {got}")
    assert not problems, f"{len(problems)} signatures differ from torch:\n" + "\n".join(problems)


def test_known_differences_are_still_real() -> None:
    pytest.importorskip("torch")
    pairs = {q: (t, o) for q, t, o in _signature_pairs()}
    stale = [q for q in KNOWN_DIFFERENCES if q not in pairs or pairs[q][0] == pairs[q][1]]
    assert not stale, f"KNOWN_DIFFERENCES entries that now match torch (remove them): {stale}"
