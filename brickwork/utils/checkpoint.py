"""Activation checkpointing: run a block without keeping its intermediate tensors and recompute them in backward.

`checkpoint` runs ``function`` under ``no_grad`` (so nothing inside it is saved for backward), and when
the gradient arrives it runs ``function`` again with recording on, from the same inputs and the same random
state (dropout draws the same masks), and backpropagates through that fresh graph. Memory for the block's
activations is traded for a second forward pass.

The tensors the block reads without taking them as arguments are found where they usually are: the parameters of
``function`` when it is a module (or a module's method), and the modules and tensors in its closure, in the
globals its code names, or in a ``functools.partial``. They become inputs of the checkpoint's node, so ``autograd.grad`` gives their gradients
and ``backward()`` accumulates them as for any input; with ``create_graph=True`` the recomputation is itself
recorded, so second derivatives work. A tensor that requires grad and is reached some other way (a global, say)
has its gradient accumulated into its ``.grad`` during the recomputation, as in PyTorch's reentrant variant.

Example:
    >>> import brickwork as torch
    >>> from brickwork.utils.checkpoint import checkpoint
    >>> lin = torch.nn.Linear(3, 3)
    >>> x = torch.ones(2, 3, requires_grad=True)
    >>> checkpoint(lambda t: lin(t).relu(), x, use_reentrant=False).sum().backward()
    >>> x.grad.shape, lin.weight.grad.shape
    (brickwork.Size([2, 3]), brickwork.Size([3, 3]))
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

from .. import autograd
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..ops import random as _random

__all__ = ["checkpoint", "checkpoint_sequential", "noop_context_fn"]


def noop_context_fn() -> tuple[contextlib.AbstractContextManager, contextlib.AbstractContextManager]:
    """The default ``context_fn``: no extra context around the forward and the recomputation.

    Example:
        >>> from brickwork.utils.checkpoint import noop_context_fn
        >>> len(noop_context_fn())
        2
    """
    return contextlib.nullcontext(), contextlib.nullcontext()


def _reads(function: Callable) -> list[Tensor]:
    """The tensors requiring grad that ``function`` reads besides its arguments.

    They are its parameters if it is a module (or a bound method of one), and the parameters of the modules and
    the tensors in its closure, in the globals its code names, or in a ``functools.partial``'s arguments.
    """
    found: dict[int, Tensor] = {}
    partial_args = getattr(function, "args", ()) if hasattr(function, "func") else ()
    cells = [c.cell_contents for c in (getattr(function, "__closure__", None) or ()) if c.cell_contents is not None]
    code, names = getattr(function, "__code__", None), getattr(function, "__globals__", {})
    named = [names[n] for n in (code.co_names if code is not None else ()) if n in names]
    for obj in [function, getattr(function, "__self__", None), getattr(function, "func", None), *partial_args,
                *cells, *named]:
        for item in (obj if isinstance(obj, (list, tuple)) else (obj,)):
            if isinstance(item, Tensor):
                tensors = [item]
            elif callable(getattr(item, "parameters", None)) and not isinstance(item, type):
                tensors = list(item.parameters())
            else:
                continue
            found.update((id(t), t) for t in tensors if t.requires_grad)
    return list(found.values())


def _other_leaves(outs: list[Tensor], known: list[Tensor]) -> list[Tensor]:
    """The leaves requiring grad that ``outs``' graph reaches, other than ``known`` (the walk stops at them)."""
    stop = {id(t) for t in known} | {id(t.grad_fn) for t in known if t.grad_fn is not None}
    seen: set[int] = set()
    leaves: dict[int, Tensor] = {}
    todo = [o.grad_fn for o in outs if o.grad_fn is not None and id(o.grad_fn) not in stop]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for edge in getattr(node, "edges", ()):  # None, a leaf, a node or (node, output index): see engine.edge
            if edge is None:
                continue
            if edge.__class__ is tuple:
                edge = edge[0]
            if isinstance(edge, Tensor):
                if id(edge) not in stop:
                    leaves[id(edge)] = edge
            elif id(edge) not in stop:
                todo.append(edge)
    return list(leaves.values())


class _Checkpoint(Function):
    """Forward without a graph; backward recomputes the forward with one and differentiates it."""

    @staticmethod
    def forward(ctx: Any, anchor: Tensor, run: Callable, preserve: bool, recompute_ctx: Callable, n_args: int,
                *args_and_reads: Any) -> Any:
        args = args_and_reads[:n_args]
        ctx.run, ctx.preserve, ctx.recompute_ctx, ctx.n_args = run, preserve, recompute_ctx, n_args
        # one generator serves every device; its state (a uint8 tensor, not a differentiable value) is kept in a
        # dict so that ctx's double-backward check, which looks for stashed tensors, does not count it
        ctx.rng = {"state": _random.get_rng_state()} if preserve else None
        ctx.args = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(a if isinstance(a, Tensor) else None for a in args_and_reads))
        return run(*args)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        saved = ctx.saved_tensors
        higher = is_grad_enabled()  # create_graph=True: record the recomputation, from the inputs themselves
        args = [(s if higher else s.detach().requires_grad_(s.requires_grad)) if s is not None else a
                for s, a in zip(saved[:ctx.n_args], ctx.args)]
        reads = list(saved[ctx.n_args:])
        after = _random.get_rng_state()
        if ctx.rng is not None:
            _random.set_rng_state(ctx.rng["state"])
        try:
            with enable_grad(), ctx.recompute_ctx():
                outs = ctx.run(*args)
        finally:
            _random.set_rng_state(after)
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(o, g) for o, g in zip(outs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None]
        wrt = [t for t in args + reads if isinstance(t, Tensor) and t.requires_grad]
        found: dict[int, Any] = {}
        if pairs:
            roots = [o for o, _ in pairs]
            others = _other_leaves(roots, wrt)
            with enable_grad() if higher else contextlib.nullcontext():
                got = autograd.grad(roots, wrt + others, [g for _, g in pairs], create_graph=higher,
                                    allow_unused=True)
            found = {id(t): g for t, g in zip(wrt, got)}
            for t, g in zip(others, got[len(wrt):]):  # read some other way: accumulated, as the reentrant variant
                if g is not None:
                    t.grad = g if t.grad is None else t.grad + g
        return (None, None, None, None, None, *[found.get(id(t)) if isinstance(t, Tensor) else None
                                                for t in args + reads])


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable[[], tuple] = noop_context_fn, determinism_check: str = "default",
               debug: bool = False, early_stop: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` without saving its intermediate tensors; they are recomputed in backward.

    ``preserve_rng_state=True`` (a keyword, the default) replays the random state so that the recomputation
    draws the same dropout masks. ``use_reentrant`` is accepted for PyTorch compatibility (both variants
    behave the same here); ``determinism_check``, ``debug`` and ``early_stop`` are accepted and ignored.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.utils.checkpoint import checkpoint
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> checkpoint(torch.exp, x, use_reentrant=False).sum().backward()
        >>> torch.allclose(x.grad, x.exp())
        True
    """
    preserve = bool(kwargs.pop("preserve_rng_state", True))
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    run = (lambda *a: function(*a, **kwargs)) if kwargs else function
    forward_ctx, recompute_ctx = context_fn()
    if not is_grad_enabled():
        with forward_ctx:
            return run(*args)
    # a leaf that requires grad makes the node record even when no input does, so that the parameters the block
    # reads still receive gradients (PyTorch's reentrant variant would leave them without)
    from ..ops.creation import zeros

    anchor = zeros((), requires_grad=True)
    first = [True]

    def recompute() -> Any:
        if first[0]:  # context_fn gave one context for the forward; a fresh pair for each recomputation
            first[0] = False
            return recompute_ctx
        return context_fn()[1]

    with forward_ctx:
        return _Checkpoint.apply(anchor, run, preserve, recompute, len(args), *args, *_reads(function))


def checkpoint_sequential(functions: Any, segments: int, input: Tensor, use_reentrant: bool | None = None,
                          **kwargs: Any) -> Any:
    """Run a sequence of modules in ``segments`` checkpointed pieces (the last piece runs normally).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.utils.checkpoint import checkpoint_sequential
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1))
        >>> checkpoint_sequential(net, 2, torch.ones(3, 2), use_reentrant=False).shape
        brickwork.Size([3, 1])
    """
    fns = list(functions.children()) if hasattr(functions, "children") else list(functions)
    n = len(fns)
    size = max(n // max(segments, 1), 1)
    x = input
    start = 0
    while start + size < n:
        piece = fns[start:start + size]

        def run(t: Any, piece: list = piece) -> Any:
            for f in piece:
                t = f(t)
            return t

        x = checkpoint(run, x, use_reentrant=use_reentrant, **kwargs)
        start += size
    for f in fns[start:]:
        x = f(x)
    return x
