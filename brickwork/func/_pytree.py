"""Nested tuples, lists and dicts of tensors ("pytrees"): flattened to leaves and rebuilt, for the transforms."""

from __future__ import annotations

from typing import Any, Callable

# A spec is None for a leaf, or (kind, keys, child specs): kind a tuple/list type, or dict with its keys.
Spec = Any


def tree_flatten(tree: Any) -> tuple[list[Any], Spec]:
    """The leaves of ``tree`` in order, and the spec that `tree_unflatten` rebuilds it from."""
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [tree_flatten(tree[k]) for k in keys]
        return [leaf for p in parts for leaf in p[0]], (dict, keys, [p[1] for p in parts])
    if isinstance(tree, (tuple, list)):
        parts = [tree_flatten(t) for t in tree]
        return [leaf for p in parts for leaf in p[0]], (type(tree), None, [p[1] for p in parts])
    return [tree], None


def tree_unflatten(spec: Spec, leaves: list[Any]) -> Any:
    """The tree of `tree_flatten` with ``leaves`` in place of its own."""
    it = iter(leaves)

    def build(s: Spec) -> Any:
        if s is None:
            return next(it)
        kind, keys, children = s
        if kind is dict:
            return {k: build(c) for k, c in zip(keys, children)}
        values = [build(c) for c in children]
        return kind(*values) if hasattr(kind, "_fields") else kind(values)  # namedtuples take fields

    return build(spec)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    leaves, spec = tree_flatten(tree)
    return tree_unflatten(spec, [fn(leaf) for leaf in leaves])


def spec_str(spec: Spec) -> str:
    """A spec as text, ``*`` for a leaf, for error messages."""
    if spec is None:
        return "*"
    kind, keys, children = spec
    inner = ", ".join(f"{k!r}: {spec_str(c)}" if kind is dict else spec_str(c) for k, c in zip(keys or children,
                                                                                              children))
    return f"{kind.__name__}({inner})"


def broadcast_prefix(prefix: Any, tree: Any, what: str) -> list[Any] | None:
    """``prefix`` (a tree whose leaves stand for whole subtrees of ``tree``) expanded to one value per leaf of
    ``tree``; None when the structures do not match."""
    if isinstance(prefix, dict):
        if not isinstance(tree, dict) or list(prefix) != list(tree):
            return None
        parts = [broadcast_prefix(prefix[k], tree[k], what) for k in prefix]
    elif isinstance(prefix, (tuple, list)):
        if not isinstance(tree, (tuple, list)) or len(prefix) != len(tree):
            return None
        parts = [broadcast_prefix(p, t, what) for p, t in zip(prefix, tree)]
    else:
        return [prefix] * len(tree_flatten(tree)[0])
    if any(p is None for p in parts):
        return None
    return [v for p in parts for v in p]  # type: ignore[union-attr]
