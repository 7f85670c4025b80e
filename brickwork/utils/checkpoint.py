"""Activation checkpointing: run a block without keeping its intermediate tensors and recompute them in backward.

`checkpoint` runs ``function`` under ``no_grad`` (so nothing inside it is saved for backward), and when
the gradient arrives it runs ``function`` again with recording on, from the same inputs and the same random
state (dropout draws the same masks), and backpropagates through that fresh graph. Memory for the block's
activations is traded for a second forward pass.

As in PyTorch's reentrant variant, the gradients of tensors the block reads but does not take as arguments
(a module's parameters) are accumulated into their ``.grad`` during ``backward()``; ``autograd.grad`` and
``create_graph=True`` through a checkpoint are not supported (the recomputed graph is first-order only).

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
from ..autograd.function import Function, once_differentiable
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


class _Checkpoint(Function):
    """Forward without a graph; backward recomputes the forward with one and backpropagates through it."""

    @staticmethod
    def forward(ctx: Any, anchor: Tensor, run: Callable, preserve: bool, recompute_ctx: Callable,
                *args: Any) -> Any:
        ctx.run, ctx.preserve, ctx.recompute_ctx = run, preserve, recompute_ctx
        ctx.rng = _random.get_rng_state() if preserve else None  # one generator serves every device
        ctx.args = [None if isinstance(a, Tensor) else a for a in args]
        ctx.save_for_backward(*(a if isinstance(a, Tensor) else None for a in args))
        out = run(*args)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, *grads: Any) -> tuple:
        saved = ctx.saved_tensors
        inputs = [s.detach().requires_grad_(s.requires_grad) if s is not None else a
                  for s, a in zip(saved, ctx.args)]
        after = _random.get_rng_state()
        if ctx.rng is not None:
            _random.set_rng_state(ctx.rng)
        try:
            with enable_grad(), ctx.recompute_ctx():
                outs = ctx.run(*inputs)
        finally:
            _random.set_rng_state(after)
        outs = outs if isinstance(outs, tuple) else (outs,)
        pairs = [(o, g) for o, g in zip(outs, grads) if isinstance(o, Tensor) and o.requires_grad and g is not None]
        if pairs:
            autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None, None, None, *[x.grad if isinstance(x, Tensor) and x.requires_grad else None
                                          for x in inputs])


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
        return _Checkpoint.apply(anchor, run, preserve, recompute, *args)


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
