"""``torch.vmap``, eagerly: the function runs once per sample and the results are stacked.

PyTorch's vmap traces the function once over batched tensors; brickwork calls it on each slice along the
mapped dimension and stacks the outputs, which gives the same values (and gradients, through ``stack``) for
functions without side effects, at the cost of one call per sample. So ``chunk_size`` changes nothing here, and
``randomness="error"`` is checked by watching the default generator's state across the first call.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from .._tensor import Tensor
from ._pytree import broadcast_prefix, spec_str, tree_flatten, tree_unflatten

__all__ = ["vmap"]


def _name(func: Callable[..., Any]) -> str:
    return getattr(func, "__name__", repr(func))


def _in_dims_per_leaf(func: Callable[..., Any], in_dims: Any, args: tuple) -> list[Any]:
    """One mapped dimension (an int in range, or None) per leaf of ``args``."""
    where = f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)) and in_dims is not None:
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    dims = broadcast_prefix(in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args), args, "in_dims")
    if dims is None:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                         f"structure {spec_str(tree_flatten(in_dims)[1])} but inputs has structure "
                         f"{spec_str(tree_flatten(args)[1])}.")
    leaves = tree_flatten(args)[0]
    out: list[int | None] = []
    for d, leaf in zip(dims, leaves):
        if d is None:
            out.append(None)
            continue
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type {type(leaf)}. We "
                             "cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
        if not -leaf.ndim <= d < max(leaf.ndim, 0) or leaf.ndim == 0:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                             f"dimensionality {leaf.ndim} so expected in_dim to satisfy -{leaf.ndim} <= in_dim < "
                             f"{leaf.ndim}.")
        out.append(d % leaf.ndim)
    return out


def _changed(before: Tensor, after: Tensor) -> bool:
    return before.shape != after.shape or not bool((before == after).all())


def _stack_outputs(func: Callable[..., Any], outs: list[Any], out_dims: Any) -> Any:
    """The per-sample outputs (one tree each) stacked leaf by leaf along ``out_dims``."""
    from ..ops import stack

    leaves0, spec = tree_flatten(outs[0])
    dims = broadcast_prefix(out_dims, outs[0], "out_dims")
    if dims is None:
        raise ValueError(f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with "
                         f"the structure of `outputs`. out_dims has structure {spec_str(tree_flatten(out_dims)[1])} "
                         f"but outputs has structure {spec_str(spec)}.")
    per_sample = [tree_flatten(o)[0] for o in outs]
    stacked = []
    for k, (leaf, d) in enumerate(zip(leaves0, dims)):
        if d is None:
            stacked.append(leaf)
            continue
        if not isinstance(leaf, Tensor):
            raise ValueError(f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                             f"{type(leaf)}. Did you mean to set out_dims= to None for output?")
        stacked.append(stack([s[k] for s in per_sample], d))
    return tree_unflatten(spec, stacked)


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """``func`` mapped over dimension ``in_dims`` of its tensor arguments, the outputs stacked along ``out_dims``.

    ``in_dims`` is an int, or a tuple with one entry per positional argument, each an int, None (not mapped) or
    a nested tuple/list/dict matching that argument; ``out_dims`` likewise for the outputs. ``randomness``:
    ``"error"`` (random ops inside raise), ``"different"`` (each sample draws its own) or ``"same"`` (every sample
    draws the same numbers). Eager: ``func`` runs once per sample (see the module docstring).

    Example:
        >>> import brickwork as torch
        >>> torch.vmap(torch.dot)(torch.ones(3, 2), torch.ones(3, 2))
        tensor([2., 2., 2.])
        >>> torch.func.vmap(lambda w, x: w @ x, in_dims=(None, 0))(torch.eye(2), torch.ones(3, 2)).shape
        brickwork.Size([3, 2])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        from ..ops import get_rng_state, set_rng_state

        if not args:
            raise ValueError(f"vmap({_name(func)})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you "
                             "are trying to vmap over a function with no inputs. The latter is unsupported.")
        dims = _in_dims_per_leaf(func, in_dims, args)
        leaves, spec = tree_flatten(args)
        sizes = [leaf.shape[d] for leaf, d in zip(leaves, dims) if d is not None]
        if not sizes:
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): at least one input must be a "
                             "Tensor mapped over a dimension (an in_dim that is not None)")
        if len(set(sizes)) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        state = get_rng_state()
        outs = []
        for i in range(sizes[0]):
            if randomness == "same":
                set_rng_state(state)
            sample = [leaf.select(d, i) if d is not None else leaf for leaf, d in zip(leaves, dims)]
            outs.append(func(*tree_unflatten(spec, sample), **kwargs))
            if randomness == "error" and i == 0 and _changed(state, get_rng_state()):
                raise RuntimeError("vmap: called random operation while in randomness error mode. Please either "
                                   "use the 'same' or 'different' randomness flags on vmap or perform the "
                                   "randomness operation out of vmap")
        return _stack_outputs(func, outs, out_dims)

    return mapped
