"""The tracing hook: while one forward runs, every public op entry point records the call it made.

How it works, in one place. For the duration of :func:`tracing`, each public op (the functions of
``brickwork.ops``, ``brickwork.nn.functional`` and the op methods and operators of ``Tensor``) is swapped, in every
``brickwork`` module namespace and on the model's modules, for a wrapper that

* runs the original op (so the trace computes exactly the eager values), and,
* when it is the outermost op (an op called by another op is part of it and is not recorded), hands the call, its
  result and the module path it ran in to the ``on_call`` callback, which maps it to ONNX nodes.

Ops without a converter are swapped for wrappers that refuse, naming the op and the module path; so are the
conversions that turn a tensor into a Python value (``item``, ``tolist``, ``bool(t)``...), whose result the graph could
not follow. Nothing is patched outside an export, so the hot path pays nothing. The swap is found by identity
(every name bound to the same function object), so it keeps working as ops move between files.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .._tensor import Tensor
from .errors import OnnxExporterError, UnsupportedOperatorError

# Tensor -> Python conversions: data-dependent values a traced graph cannot follow
_CONVERSIONS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__", "__array__",
                "__iter__", "__len__")


class Tracer:
    """State of one traced forward: the module path stack, the nesting depth and the callback."""

    def __init__(self, on_call: Callable[[str, Any, tuple, dict, Any], None]) -> None:
        self.on_call = on_call
        self.depth = 0
        self.thread = threading.get_ident()
        self.path: list[tuple[str, str]] = []  # (dotted name, class name) of the modules being run

    def where(self) -> str:
        """``'encoder.layers.0.self_attn (MultiheadAttention)'``, or the model's own class for the root."""
        if not self.path:
            return "the model's forward"
        name, cls = self.path[-1]
        return f"'{name}' ({cls})" if name else f"the model's forward ({cls})"


def _public_ops() -> dict[int, tuple[str, Any]]:
    """id -> (public name, function) for every public op entry point."""
    from .. import ops
    from ..nn import functional as F

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


@contextmanager
def tracing(tracer: Tracer, mapped: dict[int, tuple[str, Callable]], model: Any) -> Iterator[None]:
    """Swap the public ops for recording wrappers while the block runs (see the module docstring).

    ``mapped`` maps ``id(function)`` to ``(name, function)`` for the entry points that have a converter (public
    ops, and internal ones a layer calls directly); every other public op refuses.
    """
    table: dict[int, Any] = {}
    for key, (name, fn) in _public_ops().items():
        table[key] = _recording(tracer, name, fn) if key in mapped else _refusing(tracer, name, fn)
    for key, (name, fn) in mapped.items():
        if key not in table:
            table[key] = _recording(tracer, name, fn)
    swapped: list[tuple[Any, str, Any]] = []

    def swap(owner: Any, attrs: dict) -> None:
        for attr, value in list(attrs.items()):
            if isinstance(value, property) and value.fget is not None and id(value.fget) in table:
                new: Any = property(table[id(value.fget)], value.fset, value.fdel, value.__doc__)
            elif id(value) in table and callable(value):
                new = table[id(value)]
            else:
                continue
            swapped.append((owner, attr, value))
            setattr(owner, attr, new)

    for mod_name, mod in list(sys.modules.items()):
        if mod is not None and (mod_name == "brickwork" or mod_name.startswith("brickwork.")) and \
                not mod_name.startswith("brickwork.onnx"):
            swap(mod, vars(mod))
    swap(Tensor, dict(vars(Tensor)))
    for m in model.modules():  # functions kept as attributes (TransformerEncoderLayer.activation)
        swap(m, {k: v for k, v in vars(m).items() if callable(v) and id(v) in table})
    for attr in _CONVERSIONS:
        original = vars(Tensor).get(attr)
        if original is not None:
            swapped.append((Tensor, attr, original))
            setattr(Tensor, attr, _refusing(tracer, f"Tensor.{attr}", original, conversion=True))
    handles = []
    for name, m in model.named_modules():
        handles.append(m.register_forward_pre_hook(_push(tracer, name, type(m).__name__), prepend=True))
        handles.append(m.register_forward_hook(_pop(tracer), always_call=True))
    try:
        yield
    finally:
        for h in handles:
            h.remove()
        for owner, attr, value in reversed(swapped):
            setattr(owner, attr, value)


def _push(tracer: Tracer, name: str, cls: str) -> Callable:
    def hook(module: Any, args: Any) -> None:
        tracer.path.append((name, cls))
    return hook


def _pop(tracer: Tracer) -> Callable:
    def hook(module: Any, args: Any, out: Any) -> None:
        if tracer.path:
            tracer.path.pop()
    return hook


def _recording(tracer: Tracer, name: str, fn: Callable) -> Callable:
    def traced(*args: Any, **kwargs: Any) -> Any:
        if tracer.depth or threading.get_ident() != tracer.thread:
            return fn(*args, **kwargs)
        tracer.depth += 1  # the op's own calls, and the converter's, are not recorded
        try:
            out = fn(*args, **kwargs)
            tracer.on_call(name, fn, args, kwargs, out)
        finally:
            tracer.depth -= 1
        return out

    traced.__wrapped__ = fn  # type: ignore[attr-defined]
    return traced


def _refusing(tracer: Tracer, name: str, fn: Callable, conversion: bool = False) -> Callable:
    def refused(*args: Any, **kwargs: Any) -> Any:
        if tracer.depth or threading.get_ident() != tracer.thread:
            return fn(*args, **kwargs)
        if conversion:
            raise OnnxExporterError(
                f"brickwork.onnx.export: {name}() at {tracer.where()} turns a tensor into a Python value; the "
                "exported graph cannot follow a value computed outside it. Keep the computation in tensor ops "
                "(e.g. torch.where instead of `if t:`, t.shape instead of len(t))")
        raise UnsupportedOperatorError(
            f"brickwork.onnx.export: the op '{name}' at {tracer.where()} has no ONNX mapping; write that step "
            "with supported ops (see docs/guide/onnx.md for the list)")

    return refused
