"""``functional_call``: call a module with other tensors in place of its parameters and buffers."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

from ..._tensor import Tensor
from ..module import Module

__all__ = ["functional_call"]

_ABSENT = object()


def _untied(module: Module, given: dict[str, Tensor]) -> dict[str, Tensor]:
    """``given`` plus, for each given name of a tied tensor, every other name of that tensor (same value)."""
    named: dict[str, Tensor] = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    names_of: dict[int, set[str]] = {}
    for name, t in named.items():
        names_of.setdefault(id(t), set()).add(name)
    out = dict(given)
    for name in given:
        if name not in named:
            continue
        tied = names_of[id(named[name])]
        values = {id(given[n]) for n in tied if n in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied)}, which are tied. "
                             "Consider using tie_weights=False")
        out.update((n, given[name]) for n in tied)
    return out


def _swap(module: Module, name: str, value: Any) -> Any:
    """Put ``value`` at dotted ``name`` (a parameter, a buffer or a plain attribute); return what was there."""
    path, _, leaf = name.rpartition(".")
    owner = module.get_submodule(path) if path else module
    for kind in ("_parameters", "_buffers"):
        table = owner.__dict__[kind]
        if leaf in table:
            old, table[leaf] = table[leaf], value
            return old
    old = owner.__dict__.get(leaf, _ABSENT)
    if value is _ABSENT:
        owner.__dict__.pop(leaf, None)
    else:
        owner.__dict__[leaf] = value
    return old


@contextlib.contextmanager
def _reparametrized(module: Module, given: dict[str, Tensor], tie_weights: bool, strict: bool) -> Iterator[None]:
    """The module with ``given``'s tensors in place; on exit ``given`` holds what the call left at each name."""
    values = _untied(module, given) if tie_weights else dict(given)
    if strict:
        names = [n for n, _ in module.named_parameters(remove_duplicate=False)]
        names += [n for n, _ in module.named_buffers(remove_duplicate=False)]
        missing, unexpected = [n for n in names if n not in values], [n for n in values if n not in names]
        problems = ([f"Unexpected key(s): {', '.join(map(repr, unexpected))}."] if unexpected else []) + (
            [f"Missing key(s): {', '.join(map(repr, missing))}."] if missing else [])
        if problems:
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t" + "\n\t".join(problems))
    originals: list[tuple[str, Any]] = []
    try:
        for name, value in values.items():
            originals.append((name, _swap(module, name, value)))
        yield
    finally:
        for name, old in reversed(originals):
            values[name] = _swap(module, name, old)  # what the call left there: in-place or reassigned values
        given.update({k: values[k] for k in given})


def functional_call(module: Module, parameters_and_buffers: dict[str, Tensor], args: Any | tuple | None = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the tensors of ``parameters_and_buffers`` in place of its own.

    The tensors replace the module's parameters and buffers by dotted name; the module is unchanged afterwards.
    ``tie_weights=True`` gives every name of a tied tensor the value given for one of them; ``strict=True``
    requires exactly the module's names. Deprecated in PyTorch 2.0 for ``torch.func.functional_call``
    (a ``FutureWarning``, as PyTorch).

    Example:
        >>> import warnings
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.stateless import functional_call
        >>> lin = torch.nn.Linear(2, 1)
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     functional_call(lin, {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}, (torch.ones(1, 2),))
        tensor([[2.]])
    """
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 and will be removed "
                  "in a future version of PyTorch. Please use `torch.func.functional_call` instead which is a "
                  "drop-in replacement.", FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights, strict=strict)


def _functional_call(module: Module, parameters_and_buffers: dict[str, Tensor], args: Any | tuple | None = None,
                     kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    """`functional_call` without its deprecation warning, for ``torch.func.functional_call``."""
    args = args if isinstance(args, tuple) else () if args is None else (args,)
    with _reparametrized(module, parameters_and_buffers, tie_weights, strict):
        return module(*args, **(kwargs or {}))
