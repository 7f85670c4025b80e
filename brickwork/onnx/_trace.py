"""The tracing hook: while one forward runs, every public op entry point records the call it made.

How it works, in one place. For the duration of `tracing`, each public op (the functions of
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

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from ..nn._swap import find, public_ops, swapped
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


@contextmanager
def tracing(tracer: Tracer, mapped: dict[int, tuple[str, Callable]], model: Any) -> Iterator[None]:
    """Swap the public ops for recording wrappers while the block runs (see the module docstring).

    ``mapped`` maps ``id(function)`` to ``(name, function)`` for the entry points that have a converter (public
    ops, and internal ones a layer calls directly); every other public op refuses.
    """
    table: dict[int, Any] = {}
    for key, (name, fn) in public_ops().items():
        table[key] = _recording(tracer, name, fn) if key in mapped else _refusing(tracer, name, fn)
    for key, (name, fn) in mapped.items():
        if key not in table:
            table[key] = _recording(tracer, name, fn)
    conversions = {id(v): _refusing(tracer, f"Tensor.{a}", v, conversion=True)
                   for a in _CONVERSIONS if (v := vars(Tensor).get(a)) is not None}
    locations = find(table, model.modules())  # module attributes too (TransformerEncoderLayer.activation)
    locations += [(Tensor, a, v) for a in _CONVERSIONS if (v := vars(Tensor).get(a)) is not None]
    table.update(conversions)
    handles = []
    for name, m in model.named_modules():
        handles.append(m.register_forward_pre_hook(_push(tracer, name, type(m).__name__), prepend=True))
        handles.append(m.register_forward_hook(_pop(tracer), always_call=True))
    try:
        with swapped(locations, table):
            yield
    finally:
        for h in handles:
            h.remove()


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
