"""Swapping functions by identity: every name bound to a function object, in every ``brickwork`` namespace and on
``Tensor``, replaced by a stand-in for the length of a block.

This is how an ONNX export traces the public ops and how ``autocast`` casts their arguments without a check on any
op's hot path: nothing is swapped outside those blocks. Finding names by identity (rather than by a list of
places) keeps it working as ops move between files and as modules import them under their own names.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from .._tensor import Tensor

Location = tuple[Any, str, Any]  # (namespace object, attribute, original value)


def resolve(path: str) -> Any:
    """The function at ``path``: ``'F.linear'`` (nn.functional), ``'ops.cat'``, ``'Tensor.reshape'`` (a property's
    getter for properties) or a full ``module.attr``; None when it does not exist (renamed or moved)."""
    import importlib

    from .. import ops
    from . import functional as F

    head, _, attr = path.rpartition(".")
    if head == "Tensor":
        v = vars(Tensor).get(attr)
        return v.fget if isinstance(v, property) else v
    owner = {"F": F, "ops": ops}.get(head)
    if owner is None:
        try:
            owner = importlib.import_module(head)
        except ModuleNotFoundError:
            return None
    return getattr(owner, attr, None)


def public_ops() -> dict[int, tuple[str, Any]]:
    """``id -> (public name, function)`` for every public op entry point: the functions of ``brickwork.ops`` and
    ``brickwork.nn.functional``, and the op methods, operators and properties of ``Tensor``."""
    from .. import ops
    from . import functional as F

    found: dict[int, tuple[str, Any]] = {}
    for n in ops.__all__:
        v = getattr(ops, n, None)
        if callable(v) and not isinstance(v, type):
            found.setdefault(id(v), (n, v))
    for n in F.__all__:
        v = getattr(F, n, None)
        if callable(v) and not isinstance(v, type):
            found.setdefault(id(v), (n, v))
    for n, v in vars(Tensor).items():
        if isinstance(v, property) and v.fget is not None and v.fget.__module__.startswith("brickwork.ops"):
            found.setdefault(id(v.fget), (n, v.fget))
        elif callable(v) and getattr(v, "__module__", "").startswith(("brickwork.ops", "brickwork.nn")):
            found.setdefault(id(v), (n.strip("_") if n.startswith("__") else n, v))
    return found


def find(table: dict[int, Any], extra: Iterable[Any] = ()) -> list[Location]:
    """Where the functions keyed (by ``id``) in ``table`` are bound: ``brickwork`` modules, ``Tensor`` (including
    properties whose getter is such a function) and the namespaces in ``extra`` (module instances, say)."""
    found: list[Location] = []

    def scan(owner: Any, attrs: dict) -> None:
        for attr, value in list(attrs.items()):
            if isinstance(value, property) and value.fget is not None and id(value.fget) in table:
                found.append((owner, attr, value))
            elif callable(value) and id(value) in table:
                found.append((owner, attr, value))

    for name, mod in list(sys.modules.items()):
        if mod is not None and (name == "brickwork" or name.startswith("brickwork.")) and \
                not name.startswith(("brickwork.onnx", "brickwork.amp")):
            scan(mod, vars(mod))
    scan(Tensor, dict(vars(Tensor)))
    for ns in extra:
        scan(ns, dict(vars(ns)))
    return found


@contextmanager
def swapped(locations: list[Location], table: dict[int, Any]) -> Iterator[None]:
    """Bind each location to its stand-in ``table[id(original)]`` while the block runs, then restore it."""
    done: list[Location] = []
    try:
        for owner, attr, value in locations:
            if isinstance(value, property):
                new: Any = property(table[id(value.fget)], value.fset, value.fdel, value.__doc__)
            else:
                new = table[id(value)]
            setattr(owner, attr, new)
            done.append((owner, attr, value))
        yield
    finally:
        for owner, attr, value in reversed(done):
            setattr(owner, attr, value)


def install(locations: list[Location], table: dict[int, Any]) -> Callable[[], None]:
    """Bind the stand-ins now; returns the function that restores the originals."""
    cm = swapped(locations, table)
    cm.__enter__()

    def restore() -> None:
        cm.__exit__(None, None, None)
    return restore
