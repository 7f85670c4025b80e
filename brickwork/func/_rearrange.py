"""``torch.func.rearrange``: einops-style axis rearrangement (``"b c (h w) -> b h w c"``) as reshapes and one permute."""

from __future__ import annotations

import math
import re
from typing import Sequence

from .._tensor import Tensor
from ..ops.movement import permute, reshape, stack

__all__ = ["rearrange"]

_TOKEN = re.compile(r"\.\.\.|[A-Za-z_][A-Za-z0-9_]*|\d+|[()]|\S")


def _side(text: str, where: str) -> list[list[str]]:
    """One side of the pattern as groups of axis names (``"..."`` for the ellipsis, ``"1"`` for a unit axis)."""
    groups: list[list[str]] = []
    current: list[str] | None = None
    for tok in _TOKEN.findall(text):
        if tok == "(":
            if current is not None:
                raise ValueError(f"rearrange: nested parentheses in the {where} side of the pattern")
            current = []
        elif tok == ")":
            if current is None:
                raise ValueError(f"rearrange: unbalanced ')' in the {where} side of the pattern")
            groups.append(current if current != ["..."] else ["...", "1"])  # "(...)": merged, not kept
            current = None
        elif tok == "..." or tok.isidentifier() or tok == "1":
            if current is not None:
                current.append(tok)
            else:
                groups.append([tok])
        else:
            raise ValueError(f"rearrange: unexpected {tok!r} in the {where} side of the pattern")
    if current is not None:
        raise ValueError(f"rearrange: unbalanced '(' in the {where} side of the pattern")
    names = [n for g in groups for n in g if n != "1"]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise ValueError(f"Indexing expression contains duplicate dimension '{dup}'")
    return groups


def rearrange(tensor: Tensor | Sequence[Tensor], pattern: str, **axes_lengths: int) -> Tensor:
    """Reorder, split and merge axes by an einops pattern, as ``torch.func.rearrange``.

    Names on the left bind the input's axes (a parenthesised group splits one axis; give all but one of its sizes
    as keywords), ``...`` stands for the axes not named, and the right side lists the same names in the new order,
    parentheses merging axes; ``1`` is a unit axis. A list of tensors is stacked on a new first axis.

    Example:
        >>> import brickwork as torch
        >>> x = torch.arange(24).reshape(2, 3, 4)
        >>> tuple(torch.func.rearrange(x, "b c (d e) -> e b (c d)", e=2).shape)
        (2, 2, 6)
    """
    x: Tensor = tensor if isinstance(tensor, Tensor) else stack(list(tensor))
    if "->" not in pattern:
        raise ValueError(f"rearrange: the pattern needs '->' between the input and output axes, got {pattern!r}")
    left_text, right_text = pattern.split("->", 1)
    left, right = _side(left_text, "left"), _side(right_text, "right")
    ellipsis = any("..." in g for g in left)
    if sum(g.count("...") for g in left) > 1 or any("..." in g and len(g) > 1 for g in left):
        raise ValueError("rearrange: '...' may appear once on the left side, outside parentheses")
    if sum(g.count("...") for g in right) > 1:
        raise ValueError("rearrange: '...' may appear once on the right side")
    n_rest = x.dim() - (len(left) - 1) if ellipsis else 0
    if (ellipsis and n_rest < 0) or (not ellipsis and len(left) != x.dim()):
        raise ValueError(f"Number of dimensions in pattern ({len(left)}) must be equal to the number of dimensions "
                         f"in the tensor ({x.dim()})")
    sizes: dict[str, int] = {}
    axis = 0
    for group in left:
        if group == ["..."]:
            sizes.update({f"...{i}": x.shape[axis + i] for i in range(n_rest)})
            axis += n_rest
            continue
        dim = x.shape[axis]
        axis += 1
        known = [axes_lengths[n] if n in axes_lengths else (1 if n == "1" else None) for n in group]
        unknown = [n for n, k in zip(group, known) if k is None]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of two dimensions at once {unknown[0]} and "
                             f"{unknown[1]}: give one of them as a keyword")
        product = math.prod(k for k in known if k is not None)
        if (unknown and (product == 0 or dim % product)) or (not unknown and product != dim):
            raise ValueError(f"rearrange: axis of size {dim} cannot be split into {group} with sizes {axes_lengths}")
        for n, k in zip(group, known):
            if n != "1":
                sizes[n] = dim // product if k is None else k
    def expand(groups: list[list[str]]) -> list[list[str]]:
        return [[m for n in g if n != "1" for m in (_ellipsis(n_rest) if n == "..." else [n])] for g in groups]

    names_left = [n for g in expand(left) for n in g]
    names_right = [n for g in expand(right) for n in g]
    if set(names_left) != set(names_right):
        only = set(names_left) ^ set(names_right)
        raise ValueError(f"Identifiers only on one side of rearrange expression (should be on both): {only}")
    unused = set(axes_lengths) - set(names_left)
    if unused:
        raise ValueError(f"rearrange: axes_lengths names axes the pattern does not have: {sorted(unused)}")
    moved = permute(reshape(x, [sizes[n] for n in names_left]), [names_left.index(n) for n in names_right])
    out_shape: list[int] = []
    for raw, g in zip(right, expand(right)):
        if raw == ["..."]:
            out_shape.extend(sizes[n] for n in g)  # the ellipsis keeps its axes
        else:
            out_shape.append(math.prod(sizes[n] for n in g))
    return reshape(moved, out_shape)


def _ellipsis(n: int) -> list[str]:
    """The internal names of the ``n`` axes an ellipsis stands for."""
    return [f"...{i}" for i in range(n)]
