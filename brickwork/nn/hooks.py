"""Module hooks: forward pre-hooks, forward hooks and full backward hooks, and the hooked call.

``Module.__call__`` runs ``forward`` directly when a module has no hooks; otherwise it goes through
`HooksMixin._call_with_hooks`. Backward hooks wrap the module's tensor inputs and outputs in identity
nodes: the output node sees ``grad_output``, the input node sees ``grad_input`` and calls the hooks.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import STATE
from ..ops.multi_output import pass_through

__all__ = ["RemovableHandle", "HooksMixin"]

_ids = itertools.count()


class RemovableHandle:
    """Returned by every ``register_*_hook``: ``remove()`` unregisters the hook; also a context manager.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Module(); m.forward = lambda x: x
        >>> with m.register_forward_hook(lambda mod, args, out: out * 2):
        ...     print(m(torch.ones(1)))
        tensor([2.])
        >>> m(torch.ones(1))
        tensor([1.])
    """

    def __init__(self, hooks: dict, *extra: dict) -> None:
        self.id = next(_ids)
        self._dicts = (hooks,) + extra

    def remove(self) -> None:
        """Unregister the hook (a no-op when already removed)."""
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def _add(hooks: dict, hook: Callable, prepend: bool, *flags: tuple[dict, bool]) -> RemovableHandle:
    handle = RemovableHandle(hooks, *(d for d, _ in flags))
    if prepend:
        rest = list(hooks.items())
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(rest)
    else:
        hooks[handle.id] = hook
    for d, on in flags:
        if on:
            d[handle.id] = True
    return handle


class HooksMixin:
    """The hook half of `Module`: registration and the hooked ``__call__``."""

    _forward_pre_hooks: dict[int, Callable]
    _forward_pre_hooks_with_kwargs: dict[int, bool]
    _forward_hooks: dict[int, Callable]
    _forward_hooks_with_kwargs: dict[int, bool]
    _forward_hooks_always_called: dict[int, bool]
    _backward_hooks: dict[int, Callable]
    _backward_pre_hooks: dict[int, Callable]
    forward: Callable[..., Any]

    def _init_hooks(self) -> None:
        d = self.__dict__
        for name in ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
                     "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_backward_hooks",
                     "_backward_pre_hooks"):
            d[name] = {}

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call ``hook(module, args)`` (or ``hook(module, args, kwargs)``) before each ``forward``.

        A non-None result replaces the arguments: a tuple (or single value) of args, or with ``with_kwargs``
        an ``(args, kwargs)`` pair.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.forward = lambda x: x
            >>> h = m.register_forward_pre_hook(lambda mod, args: args[0] + 1); m(torch.zeros(1))
            tensor([1.])
        """
        return _add(self._forward_pre_hooks, hook, prepend, (self._forward_pre_hooks_with_kwargs, with_kwargs))

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call ``hook(module, args, output)`` (or ``hook(module, args, kwargs, output)``) after each ``forward``.

        A non-None result replaces the output. With ``always_call`` the hook also runs when ``forward`` raises.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.forward = lambda x: x; shapes = []
            >>> h = m.register_forward_hook(lambda mod, args, out: shapes.append(tuple(out.shape)))
            >>> _ = m(torch.zeros(2, 3)); shapes
            [(2, 3)]
        """
        return _add(self._forward_hooks, hook, prepend, (self._forward_hooks_with_kwargs, with_kwargs),
                    (self._forward_hooks_always_called, always_call))

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of the module's outputs are known.

        A non-None result (a tuple, one entry per output tensor) replaces ``grad_output``.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.forward = lambda x: x * 3
            >>> h = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
            >>> x = torch.ones(2, requires_grad=True); m(x).sum().backward(); x.grad
            tensor([0., 0.])
        """
        return _add(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's inputs are known.

        ``grad_input`` has one entry per positional tensor argument (None where no gradient flows);
        a non-None result replaces it.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.forward = lambda x: x * 3; seen = []
            >>> h = m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi[0], go[0])))
            >>> m(torch.ones(1, requires_grad=True)).sum().backward(); seen
            [(tensor([3.]), tensor([1.]))]
        """
        return _add(self._backward_hooks, hook, prepend)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(f"forward pre-hook {hook!r} of {type(self).__name__} must return None or "
                                           f"a tuple (new_args, new_kwargs), got {type(res).__name__}")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw = _BackwardHooks(self, args) if (self._backward_hooks or self._backward_pre_hooks) and \
            STATE.enabled else None
        if bw is not None:
            args = bw.wrap_inputs(args)
        try:
            out = self.forward(*args, **kwargs)
        except BaseException:
            for hid, hook in list(self._forward_hooks.items()):
                if hid in self._forward_hooks_always_called:
                    try:
                        self._run_forward_hook(hid, hook, args, kwargs, None)
                    except Exception:
                        pass  # the forward's own error is the one to report
            raise
        for hid, hook in list(self._forward_hooks.items()):
            res = self._run_forward_hook(hid, hook, args, kwargs, out)
            if res is not None:
                out = res
        return bw.wrap_outputs(out) if bw is not None else out

    def _run_forward_hook(self, hid: int, hook: Callable, args: tuple, kwargs: dict, out: Any) -> Any:
        if hid in self._forward_hooks_with_kwargs:
            return hook(self, args, kwargs, out)
        return hook(self, args, out)


class _BackwardHooks:
    """One call's backward-hook plumbing: captures ``grad_output``, then runs the hooks at the inputs."""

    def __init__(self, module: Any, args: tuple) -> None:
        self.module = module
        self.n_inputs = sum(isinstance(a, Tensor) for a in args)
        self.inputs_recorded = False
        self.grad_output: tuple = ()

    def wrap_inputs(self, args: tuple) -> tuple:
        pos = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a._requires_grad]
        if not pos:
            return args
        self.inputs_recorded = True
        tensor_slot = {i: k for k, i in enumerate(i for i, a in enumerate(args) if isinstance(a, Tensor))}
        slots = [tensor_slot[i] for i in pos]

        def backward(node: Any, *grads: Any) -> tuple:
            grad_input: list[Any] = [None] * self.n_inputs
            for s, g in zip(slots, grads):
                grad_input[s] = g
            new = self._run_hooks(tuple(grad_input))
            return tuple(new[s] for s in slots)

        wrapped = pass_through([args[i] for i in pos], "BackwardHookFunctionBackward", backward)
        out = list(args)
        for i, w in zip(pos, wrapped):
            out[i] = w
        return tuple(out)

    def wrap_outputs(self, out: Any) -> Any:
        single = isinstance(out, Tensor)
        items = [out] if single else list(out) if isinstance(out, (tuple, list)) else None
        if items is None:
            return out
        pos = [i for i, o in enumerate(items) if isinstance(o, Tensor) and o._requires_grad]
        if not pos:
            return out

        def backward(node: Any, *grads: Any) -> tuple:
            grad_output = tuple(grads)
            for hook in list(self.module._backward_pre_hooks.values()):
                res = hook(self.module, grad_output)
                if res is not None:
                    grad_output = res if isinstance(res, tuple) else (res,)
            self.grad_output = grad_output
            if not self.inputs_recorded:  # no input needs a gradient: the hooks run now, with None inputs
                self._run_hooks((None,) * self.n_inputs)
            return grad_output

        wrapped = pass_through([items[i] for i in pos], "BackwardHookFunctionBackward", backward)
        for i, w in zip(pos, wrapped):
            items[i] = w
        if single:
            return items[0]
        return type(out)(*items) if hasattr(out, "_fields") else type(out)(items)  # namedtuples take fields

    def _run_hooks(self, grad_input: tuple) -> tuple:
        for hook in list(self.module._backward_hooks.values()):
            res = hook(self.module, grad_input, self.grad_output)
            if res is not None:
                res = res if isinstance(res, tuple) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(f"backward hook {hook!r} of {type(self.module).__name__} returned "
                                       f"{len(res)} gradients, expected {len(grad_input)} (one per tensor input)")
                grad_input = res
        return grad_input
