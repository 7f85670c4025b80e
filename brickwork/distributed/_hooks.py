"""A stand-in for two autograd-engine features DDP uses, installed only while the engine lacks them.

``Tensor.register_post_accumulate_grad_hook(hook)`` runs ``hook(param)`` after a backward pass has accumulated
``param.grad``; ``brickwork.autograd.queue_callback(fn)`` runs ``fn()`` when the current backward pass ends. The
engine is gaining both natively; this file wraps its leaf accumulation and its pass runner to provide them in
the meantime and does nothing once the engine has them.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import autograd as _autograd
from .._tensor import Tensor, _RemovableHandle
from ..autograd import engine as _engine

__all__: list[str] = []

if not hasattr(Tensor, "register_post_accumulate_grad_hook"):
    _callbacks: list[Callable[[], None]] = []
    _depth = [0]
    _accumulate = _engine._accumulate
    _run = _engine._run

    def _accumulate_then_hooks(t: Tensor, g: Tensor, assigned: set, create_graph: bool) -> None:
        _accumulate(t, g, assigned, create_graph)
        for hook in list(t.__dict__.get("_post_accumulate_hooks", ())):
            hook(t)

    def _run_then_callbacks(*args: Any, **kwargs: Any) -> Any:
        _depth[0] += 1
        try:
            out = _run(*args, **kwargs)
        except BaseException:
            if _depth[0] == 1:
                _callbacks.clear()
            raise
        finally:
            _depth[0] -= 1
        if _depth[0] == 0:
            while _callbacks:
                _callbacks.pop(0)()
        return out

    def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], None]) -> _RemovableHandle:
        """Run ``hook(self)`` after backward has accumulated this leaf's ``.grad``."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        hooks = self.__dict__.setdefault("_post_accumulate_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def queue_callback(fn: Callable[[], None]) -> None:
        """Run ``fn()`` once the current backward pass has finished."""
        if _depth[0] == 0:
            raise RuntimeError("Final callbacks can only be installed during backward pass.")
        _callbacks.append(fn)

    class _ExecutionEngine:
        queue_callback = staticmethod(queue_callback)

    class Variable:
        _execution_engine = _ExecutionEngine()

    _engine._accumulate = _accumulate_then_hooks
    _engine._run = _run_then_callbacks
    Tensor.register_post_accumulate_grad_hook = register_post_accumulate_grad_hook  # type: ignore[attr-defined]
    if not hasattr(_autograd, "queue_callback"):
        _autograd.queue_callback = queue_callback  # type: ignore[attr-defined]
        _autograd.Variable = Variable  # type: ignore[attr-defined]
