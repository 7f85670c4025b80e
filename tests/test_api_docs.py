"""The public API is documented and annotated (STYLE.md, principles 10-12).

Walks everything exported from brickwork's public namespaces and checks, once per object (aliases such as
``divide = div`` are the same object):

- public functions and classes have a docstring whose first line is a one-line summary and that holds an
  ``Example`` section with at least one ``>>>`` line (classes: the class docstring; functions: their own);
- public functions annotate every parameter (``self``/``cls`` excepted, ``*args``/``**kwargs`` included) and
  their return;
- the public methods and properties that brickwork defines on those classes have a docstring with a summary
  line (their own, or the one they override); examples are not required for them. Methods and ``__init__``
  are annotated like functions.

All violations are collected and reported in one assertion message.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
from collections.abc import Callable, Iterator

NAMESPACES = (
    "brickwork", "brickwork.nn", "brickwork.nn.functional", "brickwork.nn.init", "brickwork.nn.utils",
    "brickwork.optim", "brickwork.optim.lr_scheduler", "brickwork.autograd", "brickwork.utils.data",
    "brickwork.io", "brickwork.datasets", "brickwork.cuda", "brickwork.distributed", "brickwork.nn.parallel",
    "brickwork.distributions", "brickwork.distributions.constraints", "brickwork.special",
)
EXAMPLE_HEADER = re.compile(r"^\s*Examples?:?\s*$", re.MULTILINE)


def _exports(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    return sorted(names)


def _ours(obj: object) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "brickwork"


def _public_objects() -> Iterator[tuple[str, object]]:
    """(first public name, object) for each exported function and class, each object once."""
    seen: set[int] = set()
    for ns in NAMESPACES:
        module = importlib.import_module(ns)
        for name in _exports(module):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or not _ours(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{ns}.{name}", obj


def _summary_problem(doc: str | None) -> str | None:
    if not doc or not doc.strip():
        return "no docstring"
    lines = inspect.cleandoc(doc).splitlines()
    if not lines[0].strip():
        return "docstring does not start with a summary line"
    if len(lines) > 1 and lines[1].strip():
        return "summary is not one line (the second docstring line must be blank)"
    return None


def _example_problem(doc: str | None) -> str | None:
    if not doc or not EXAMPLE_HEADER.search(doc) or ">>>" not in doc:
        return "docstring has no 'Example:' section with a '>>>' line"
    return None


def _annotation_problems(fn: Callable[..., object]) -> list[str]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return ["signature cannot be read"]
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    problems = [f"parameter(s) without annotation: {', '.join(missing)}"] if missing else []
    if sig.return_annotation is inspect.Signature.empty:
        problems.append("no return annotation")
    return problems


def _members(cls: type) -> Iterator[tuple[str, object, str | None]]:
    """(name, function or property, docstring) for each public method and property brickwork defines on ``cls``.

    Classes of ``cls``'s MRO outside brickwork are skipped. An override without a docstring of its own shows the
    one it overrides (as ``help()`` does), so a layer's ``forward`` may rely on ``Module.forward``'s.
    """
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, attr in vars(klass).items():
            if name.startswith("_"):
                continue
            if isinstance(attr, property):
                yield name, attr, inspect.getdoc(attr)
                continue
            fn = attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr
            if not inspect.isfunction(fn) or not _ours(fn):
                continue
            yield name, fn, inspect.getdoc(getattr(klass, name))


def _violations() -> list[str]:
    out: list[str] = []
    checked: set[int] = set()
    for qualname, obj in _public_objects():
        if inspect.isclass(obj):
            doc = obj.__dict__.get("__doc__")
            problems = [p for p in (_summary_problem(doc), _example_problem(doc)) if p]
            init = obj.__dict__.get("__init__")
            if inspect.isfunction(init) and id(init) not in checked:
                checked.add(id(init))
                problems += [f"__init__: {p}" for p in _annotation_problems(init)]
            for name, member, mdoc in _members(obj):
                if id(member) in checked:
                    continue
                checked.add(id(member))
                where = f"{qualname}.{name}"
                if inspect.isfunction(member):
                    where = f"{member.__module__}.{member.__qualname__} (method of {qualname})"
                    out += [f"{where}: {p}" for p in _annotation_problems(member)]
                problem = _summary_problem(mdoc)
                if problem:
                    out.append(f"{where}: {problem}")
        else:
            doc = obj.__doc__
            problems = [p for p in (_summary_problem(doc), _example_problem(doc)) if p]
            problems += _annotation_problems(obj)
        out += [f"{qualname}: {p}" for p in problems]
    return out


def test_walk_finds_the_api() -> None:
    names = {q for q, _ in _public_objects()}
    for expected in ("brickwork.tensor", "brickwork.Tensor", "brickwork.nn.Linear", "brickwork.optim.SGD",
                     "brickwork.nn.functional.relu", "brickwork.utils.data.DataLoader", "brickwork.io.save"):
        assert expected in names, f"{expected} missing from the public API walk"


def test_checks_can_fail() -> None:
    def bare(x, y=1):  # type: ignore[no-untyped-def]
        return x

    def multi_line() -> None:
        """Summary that
        goes on.
        """

    assert _summary_problem(bare.__doc__) == "no docstring"
    assert _example_problem(bare.__doc__) is not None
    assert _annotation_problems(bare) == ["parameter(s) without annotation: x, y", "no return annotation"]
    assert _summary_problem(multi_line.__doc__) is not None


def test_public_api_is_documented_and_annotated() -> None:
    violations = _violations()
    assert not violations, f"{len(violations)} public API documentation/annotation violation(s):\n" + "\n".join(
        violations)
