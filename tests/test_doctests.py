"""Every docstring example in brickwork runs as a doctest (STYLE.md, principle 12).

One pytest case per module under ``brickwork/``; modules that need an optional package that is not installed
(CuPy) are skipped with the reason. Examples must be deterministic: seed with ``manual_seed`` or do not print
random values.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import types

import pytest

import brickwork

OPTIONFLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
OPTIONAL_PACKAGES = ("cupy", "cupyx", "matplotlib")


def _module_names() -> list[str]:
    names = [brickwork.__name__]
    for info in pkgutil.walk_packages(brickwork.__path__, prefix=brickwork.__name__ + "."):
        names.append(info.name)
    return sorted(names)


def _import(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # ModuleNotFoundError included
        missing = getattr(exc, "name", None) or ""
        if missing.split(".")[0] in OPTIONAL_PACKAGES:
            pytest.skip(f"{name} needs the optional package {missing!r}, which is not installed")
        raise


def _global_state() -> tuple[object, ...]:
    """Process-wide settings an example may change and must put back."""
    return (brickwork.get_default_dtype(), brickwork.get_default_device(), brickwork.is_grad_enabled(),
            brickwork.is_inference_mode_enabled(), repr(brickwork.tensor([1.0, 2.5])))


def test_walk_finds_the_modules() -> None:
    names = _module_names()
    for expected in ("brickwork", "brickwork.ops.elementwise", "brickwork.nn.modules.linear", "brickwork.optim.sgd"):
        assert expected in names


@pytest.mark.parametrize("module_name", _module_names())
def test_docstring_examples(module_name: str) -> None:
    module = _import(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    # like `python -m doctest`, each docstring runs in a fresh copy of its module's globals
    tests = finder.find(module, module_name)
    runner = doctest.DocTestRunner(optionflags=OPTIONFLAGS, verbose=False)
    failures: list[str] = []
    for test in sorted(tests, key=lambda t: t.name):
        if not test.examples:
            continue
        # the default random generator is shared: reset it so an example's printed values do not depend on
        # the examples that ran before it
        brickwork.manual_seed(0)
        out: list[str] = []
        before = _global_state()
        result = runner.run(test, out=out.append, clear_globs=True)
        if result.failed:
            failures.append("".join(out))
        elif _global_state() != before:
            failures.append(f"{test.name}: the example changed global state (default dtype or device, grad mode, "
                            f"print options) without restoring it: {before} -> {_global_state()}")
    if failures:
        pytest.fail(f"{len(failures)} failing docstring example(s) in {module_name}:\n" + "\n".join(failures),
                    pytrace=False)
