"""``torch.vmap``, eagerly: the function runs once per sample and the results are stacked.

PyTorch's vmap traces the function once over batched tensors; brickwork calls it on each slice along the
mapped dimension and stacks the outputs, which gives the same values (and gradients, through ``stack``) for
functions without side effects, at the cost of one call per sample.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from ._tensor import Tensor

__all__ = ["vmap"]


def _dims_for(in_dims: Any, args: tuple) -> list:
    if isinstance(in_dims, int) or in_dims is None:
        return [in_dims if isinstance(a, Tensor) else None for a in args]
    dims = list(in_dims)
    if len(dims) != len(args):
        raise ValueError(f"vmap: in_dims is not compatible with the structure of `inputs`: in_dims has "
                         f"{len(dims)} elements but the function got {len(args)} positional arguments")
    for d, a in zip(dims, args):
        if d is not None and not isinstance(a, Tensor):
            raise ValueError(f"vmap: Got in_dim={d} for an input but the input is of type {type(a).__name__}; "
                             "only tensors can be mapped over (use None for the others)")
    return dims


def _stack(outs: list, out_dims: Any) -> Any:
    from .ops import stack

    first = outs[0]
    if isinstance(first, Tensor):
        return stack(outs, out_dims if isinstance(out_dims, int) else out_dims[0])
    if isinstance(first, (tuple, list)):
        dims = [out_dims] * len(first) if isinstance(out_dims, int) else list(out_dims)
        if len(dims) != len(first):
            raise ValueError(f"vmap: out_dims has {len(dims)} elements but the function returned {len(first)} "
                             "outputs")
        return type(first)(stack([o[k] for o in outs], d) for k, d in enumerate(dims))
    raise ValueError(f"vmap: the function must return a tensor or a tuple of tensors, got {type(first).__name__}")


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """``func`` mapped over dimension ``in_dims`` of its tensor arguments, the outputs stacked along ``out_dims``.

    An ``in_dims`` entry of None leaves that argument unmapped. Eager: ``func`` runs once per sample (see the
    module docstring).

    Example:
        >>> import brickwork as torch
        >>> torch.vmap(torch.dot)(torch.ones(3, 2), torch.ones(3, 2))
        tensor([2., 2., 2.])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")

    @functools.wraps(func)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        dims = _dims_for(in_dims, args)
        sizes = {a.shape[d] for a, d in zip(args, dims) if d is not None}
        if not sizes:
            raise ValueError("vmap: at least one input must be a tensor mapped over a dimension (in_dims not None)")
        if len(sizes) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sorted(sizes)} for the mapped dimension")
        n = sizes.pop()
        outs = [func(*[a.select(d, i) if d is not None else a for a, d in zip(args, dims)], **kwargs)
                for i in range(n)]
        return _stack(outs, out_dims)

    return mapped
