"""Ops with several outputs recorded as one node: ``unstack`` (views of the slices along a dimension) and
``pass_through`` (outputs equal to their inputs whose gradients go through a callback: module backward hooks).

Example:
    >>> import brickwork as torch
    >>> from brickwork.ops.multi_output import unstack
    >>> a, b = unstack(torch.ones(2, 3, requires_grad=True), 0); a.grad_fn is b.grad_fn
    True
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from .._tensor import Tensor
from ._core import make_view, needs_grad, record, wrap

__all__ = ["record_outputs", "unstack", "pass_through"]


def record_outputs(outs: Sequence[Tensor], name: str, backward: Callable, inputs: tuple, saved: tuple = (),
                   **attrs: Any) -> None:
    """`record` for an op with several outputs: one node, ``backward(node, *grads)`` gets one gradient per
    output (None for outputs that received none).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.ops.multi_output import record_outputs
        >>> x = torch.ones(2, requires_grad=True)
        >>> a, b = x.detach() * 1, x.detach() * 2
        >>> record_outputs((a, b), "PairBackward0", lambda node, ga, gb: (ga + 2 * gb,), (x,))
        >>> (a + b).sum().backward(); x.grad
        tensor([3., 3.])
    """
    record(outs[0], name, backward, inputs, saved=saved, n_out=len(outs), **attrs)
    node = outs[0].grad_fn
    for i, o in enumerate(outs[1:], 1):
        o.grad_fn, o._requires_grad, o._out_idx = node, True, i


def unstack(input: Tensor, dim: int) -> tuple[Tensor, ...]:
    """Views of the slices along ``dim`` (removed), recorded as one node whose backward stacks the gradients.

    ``unbind`` records one slice op per piece, and each slice's backward writes into its own full-size zero
    tensor; splitting q/k/v or the time steps of a recurrence here costs one stack instead.

    Example:
        >>> import brickwork as torch
        >>> a, b = unstack(torch.tensor([[1, 2], [3, 4]]), 1); a, b
        (tensor([1, 3]), tensor([2, 4]))
    """
    d = input._data
    ax = dim % d.ndim
    head = (slice(None),) * ax
    outs = tuple(wrap(d[head + (i,)], input._device) for i in range(d.shape[ax]))
    for o in outs:
        make_view(o, input)
    if needs_grad(input):
        record_outputs(outs, "UnbindBackward0", _unstack_backward, (input,), dim=ax, shape=d.shape)
    return outs


def _unstack_backward(node: Any, *gs: Tensor | None) -> tuple:
    from .movement import stack

    ax, shape = node.dim, node.shape
    like = next(g for g in gs if g is not None)
    piece = shape[:ax] + shape[ax + 1:]
    return (stack([g if g is not None else like.new_zeros(piece) for g in gs], ax),)


def pass_through(tensors: Sequence[Tensor], name: str, backward: Callable) -> list[Tensor]:
    """Outputs equal to ``tensors`` (sharing memory and version counters) whose gradients pass through
    ``backward(node, *grads)``, which returns one gradient per tensor.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.ops.multi_output import pass_through
        >>> x = torch.ones(2, requires_grad=True)
        >>> (y,) = pass_through([x], "BackwardHookFunctionBackward", lambda node, g: (g * 10,))
        >>> y.sum().backward(); x.grad
        tensor([10., 10.])
    """
    outs = []
    for t in tensors:
        o = wrap(t._data, t._device)
        o._version_counter = t._version_counter
        outs.append(o)
    record_outputs(outs, name, backward, tuple(tensors))
    return outs
