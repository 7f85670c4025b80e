"""Custom differentiable functions: `Function`, its ``ctx``, and `once_differentiable`.

Unlike PyTorch, a ``Function`` whose backward would give silently wrong second derivatives (because it uses
intermediate tensors, stashed on ``ctx`` or passed to ``save_for_backward``, that are cut from the graph) raises
a clear error when double backward (``create_graph=True``) runs through it. Inputs and outputs, saved or kept
on ``ctx``, stay connected to the graph, so such Functions differentiate twice correctly.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from .._tensor import Tensor, _make
from .engine import Node
from .inplace import check_inplace, replace_history
from .record import sum_to
from .grad_mode import STATE, no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

_CTX_OWN = frozenset({"needs_input_grad", "materialize_grads", "_saved", "_versions", "_stashed", "_input_ids",
                      "_non_diff", "_dirty", "_intermediate", "_name", "_out_names"})


class FunctionCtx:
    """The ``ctx`` passed to ``forward`` and ``backward``: saves tensors and carries flags between them.

    Example:
        >>> ctx = FunctionCtx(); ctx.materialize_grads
        True
    """

    _stashed: list[tuple[str, Tensor]]  # set in __init__ past __setattr__, which appends to it

    def __init__(self) -> None:
        object.__setattr__(self, "_stashed", [])
        self.needs_input_grad: tuple[bool, ...] = ()
        self.materialize_grads = True
        self._saved: tuple = ()
        self._versions: tuple = ()
        self._input_ids: frozenset = frozenset()
        self._non_diff: set[int] = set()
        self._dirty: set[int] = set()
        self._intermediate = False
        self._name = "Function"
        self._out_names: set[str] = set()

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in _CTX_OWN:
            if isinstance(value, Tensor):
                self._stashed.append((name, value))
            elif isinstance(value, (list, tuple)):
                self._stashed.extend((f"{name}[{i}]", v) for i, v in enumerate(value) if isinstance(v, Tensor))
        object.__setattr__(self, name, value)

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward``; in-place changes to them afterwards are detected."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save tensors (or None), but argument {i} is a "
                                f"{type(t).__name__}; store other values as attributes of ctx")
        self._saved = tensors
        self._versions = tuple(t._version_counter[0] if t is not None else 0 for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors passed to ``save_for_backward``, checked for in-place modification."""
        for i, t in enumerate(self._saved):
            if t is not None and t._version_counter[0] != self._versions[i]:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: saved tensor {i} of {self._name} (shape {tuple(t.shape)}) is at version "
                    f"{t._version_counter[0]}; expected version {self._versions[i]}. Clone it before modifying it.")
        return self._saved

    saved_variables = saved_tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Declare outputs that have no gradient (e.g. indices); they will not require grad."""
        self._non_diff.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that ``forward`` modified in place (and returns)."""
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` receives zeros (True, the default) or None for outputs without a gradient."""
        self.materialize_grads = bool(value)


class Function:
    """Base class for ops with a hand-written backward.

    Subclass it with static ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` and call
    ``MyFunction.apply(...)``. ``backward`` returns one gradient (or None) per ``forward`` argument. Write
    ``backward`` with tensor ops on saved inputs and outputs and second derivatives work too.

    Example:
        >>> import brickwork as torch
        >>> class Cube(torch.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return g * 3 * x ** 2
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> (g,) = torch.autograd.grad(Cube.apply(x), x, create_graph=True); g, torch.autograd.grad(g, x)[0]
        (tensor(12., grad_fn=<MulBackward0>), tensor(12.))
    """

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs (recording is off inside)."""
        raise RuntimeError("a brickwork.autograd.Function subclass must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Gradients with respect to each ``forward`` argument."""
        raise RuntimeError("a brickwork.autograd.Function subclass must define a static backward(ctx, ...) to "
                           "be differentiated")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        """Optional (PyTorch 2 style): fill ``ctx`` here when ``forward`` takes no ``ctx``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"{type(self).__name__}: call {type(self).__name__}.apply(...) instead of creating "
                           "an instance (legacy autograd functions are not supported)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and, if an input requires grad, record ``backward`` for the outputs."""
        ctx = FunctionCtx()
        ctx._name = cls.__name__ + "Backward"
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        ctx._input_ids = frozenset(id(a) for a in args if isinstance(a, Tensor))
        record = STATE.enabled and any(ctx.needs_input_grad)
        new_style = cls.setup_context is not Function.setup_context
        with no_grad():
            if new_style:
                outs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outs)
            else:
                outs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outs, tuple)
        raw = (outs,) if single else outs
        tensor_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        inputs = [args[i] for i in tensor_idx]
        input_ids = {id(a) for a in inputs}
        wrapped: list[Any] = []
        dirty_inputs: list[tuple[int, Tensor]] = []
        for k, o in enumerate(raw):
            if not isinstance(o, Tensor):
                wrapped.append(o)
            elif id(o) in ctx._dirty:
                dirty_inputs.append((k, o))
                wrapped.append(o)
            else:
                wrapped.append(_make(o._data, o._device))
        if record:
            for k, o in dirty_inputs:  # the input keeps its identity but takes over this node's history
                pos = inputs.index(o)
                alias = _make(o._data, o._device, o._requires_grad, o.grad_fn)
                alias._out_idx = o._out_idx
                inputs[pos] = alias
            node = Node(ctx._name, _apply_backward, tuple(inputs), (), len(raw))
            node._dev = next((o._device for o in raw if isinstance(o, Tensor)), None)
            node.fn, node.ctx, node.tensor_idx, node.nargs = cls, ctx, tensor_idx, len(args)
            node.out_meta = [(tuple(o.shape), o.dtype, o._device) if isinstance(o, Tensor) else None for o in raw]
            node.in_meta = [(tuple(t.shape), t.dtype) for t in inputs]
            for name, t in ctx._stashed:  # ctx.y = y for an output y: the output itself, as in PyTorch
                for k, o in enumerate(raw):
                    if t is o and "[" not in name and isinstance(wrapped[k], Tensor):
                        object.__setattr__(ctx, name, wrapped[k])
                        ctx._out_names.add(name)
            saved = list(ctx._saved)
            for i, s in enumerate(saved):
                if s is None or id(s) in input_ids:
                    continue
                for k, o in enumerate(raw):
                    if s is o:
                        saved[i] = wrapped[k]
                        break
                else:
                    ctx._intermediate = True
            ctx._saved = tuple(saved)
            for k, w in enumerate(wrapped):
                if isinstance(w, Tensor) and id(raw[k]) not in ctx._non_diff and w.is_floating_point():
                    if any(w is o for _, o in dirty_inputs):
                        check_inplace(w, f"{cls.__name__} (mark_dirty)")
                        replace_history(w, node, True, k)  # nodes recorded earlier keep its old history
                    else:
                        w.grad_fn, w._requires_grad = node, True
                        if k:
                            w._out_idx = k
        for _, o in dirty_inputs:  # PyTorch bumps a dirty input's version once more, after forward's own bump
            o._version_counter[0] += 1
        return wrapped[0] if single else tuple(wrapped)


def _apply_backward(node: Node, *grads: Any) -> tuple:
    cls, ctx, tensor_idx, nargs, out_meta = node.fn, node.ctx, node.tensor_idx, node.nargs, node.out_meta
    if STATE.enabled and not getattr(cls.backward, "_once_differentiable", False):
        stashed = [n for n, t in ctx._stashed if n not in ctx._out_names and id(t) not in ctx._input_ids]
        if stashed or ctx._intermediate:
            what = (f"tensor(s) stashed on ctx ({', '.join('ctx.' + n for n in stashed)})" if stashed
                    else "an intermediate tensor saved with save_for_backward")
            raise RuntimeError(
                f"{cls.__name__}.backward: double backward (create_graph=True) would be silently wrong, because "
                f"backward uses {what}, which is cut from the graph. Save only inputs and outputs with "
                "ctx.save_for_backward (recompute intermediates from them in backward), or decorate backward "
                "with @once_differentiable to declare it first-order only.")
    if ctx.materialize_grads:
        grads = tuple(g if g is not None or m is None else _make(m[2].xp.zeros(m[0], dtype=m[1].np), m[2])
                      for g, m in zip(grads, out_meta))
    res = cls.backward(ctx, *grads)
    if not isinstance(res, tuple):
        res = (res,)
    if len(res) < nargs or any(g is not None for g in res[nargs:]):
        raise RuntimeError(f"Function {cls.__name__}Backward returned an incorrect number of gradients "
                           f"(expected {nargs}, got {len(res)}): return one gradient (or None) per forward "
                           "argument")
    out = []
    for j, i in enumerate(tensor_idx):
        g, (ins, in_dtype) = res[i], node.in_meta[j]
        if g is not None:
            if not isinstance(g, Tensor):
                raise TypeError(f"Function {cls.__name__}Backward returned a {type(g).__name__} as gradient {i}; "
                                "expected a Tensor or None")
            gs = tuple(g.shape)
            if gs != ins:
                # as in PyTorch: a gradient the input broadcasts to is summed back; anything else is an error
                if len(ins) > len(gs) or any(a != b and a != 1 for a, b in zip(ins[::-1], gs[::-1])):
                    raise RuntimeError(f"Function {cls.__name__}Backward returned an invalid gradient at index "
                                       f"{i} - got {list(gs)} but expected shape compatible with {list(ins)}")
                g = sum_to(g, (ins, in_dtype.np))
            if g.dtype is not in_dtype:
                g = g.to(in_dtype)
        out.append(g)
    return tuple(out)


def once_differentiable(fn: Callable) -> Callable:
    """Mark a ``backward`` as first-order only: differentiating its result raises a clear error.

    Example:
        >>> import brickwork as torch
        >>> class Sq(torch.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x); return x * x
        ...     @staticmethod
        ...     @torch.autograd.function.once_differentiable
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors; return 2 * x * g
        >>> x = torch.tensor(3.0, requires_grad=True); Sq.apply(x).backward(); x.grad
        tensor(6.)
    """
    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        recording = STATE.enabled
        with no_grad():
            outs = fn(ctx, *args)
        needs = [a for a in args if isinstance(a, Tensor) and a._requires_grad]
        if not recording or not needs:
            return outs
        single = not isinstance(outs, tuple)
        res = []
        for o in ((outs,) if single else outs):
            if isinstance(o, Tensor):
                node = Node("OnceDifferentiableBackward", _twice_error, tuple(needs))
                node._dev = o._device
                o = _make(o._data, o._device, True, node)
            res.append(o)
        return res[0] if single else tuple(res)

    wrapper._once_differentiable = True  # type: ignore[attr-defined]
    return wrapper


def _twice_error(node: Node, *grads: Any) -> tuple:
    raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")
