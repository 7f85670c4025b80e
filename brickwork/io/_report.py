"""Loading a state dict into a model with a full report, and the option PyTorch lacks: skip mismatched shapes.

`load_into` compares the model's state dict with the incoming one (with
`brickwork.nn._state_compare.compare`, the check ``Module.load_state_dict`` uses too), collects every
missing, unexpected, shape- or dtype-mismatched key and every broken tie, and raises once listing all of them
(or, with ``skip_mismatched``, leaves mismatched tensors as they are). The copying itself is the model's own
``load_state_dict`` (brickwork/nn/_state.py), called with only the keys that fit.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..nn._state_compare import LoadReport, compare
from ..nn.parameter import is_pending
from ._serialization import load

__all__ = ["LoadReport", "load_into"]


def _identity(t: Tensor) -> tuple:
    a = t._data
    ptr = a.__array_interface__["data"][0] if isinstance(a, np.ndarray) else a.data.ptr
    return (t._device, ptr, a.shape, a.strides, a.dtype)


def load_into(model: Any, state_dict: Any, strict: bool = True, skip_mismatched: bool = False,
              assign: bool = False) -> LoadReport:
    """Load ``state_dict`` (a mapping, or a file to `load`) into ``model`` and report on every key.

    Args:
        model: a `Module` (anything with ``state_dict(keep_vars=True)`` and
            ``load_state_dict(state, strict=False)``).
        state_dict: a dict of tensors, or a path / file object holding one.
        strict: raise on missing or unexpected keys and on broken ties (mismatches always raise unless skipped).
        skip_mismatched: leave tensors whose shape or dtype differs from the checkpoint's untouched and report
            them in ``skipped``, instead of raising (useful to fine-tune with a new head).
        assign: passed to ``load_state_dict``.

    Returns:
        a `LoadReport`.

    Raises:
        RuntimeError: listing every problem at once; the model is left unchanged.

    Example:
        >>> import brickwork as torch
        >>> class Tiny:
        ...     def __init__(self): self.w = torch.zeros(2)
        ...     def state_dict(self, keep_vars=False): return {"w": self.w}
        ...     def load_state_dict(self, sd, strict=True): self.w.copy_(sd["w"]) if "w" in sd else None
        >>> r = load_into(Tiny(), {"w": torch.ones(3)}, skip_mismatched=True); r.skipped
        ['w']
    """
    if not isinstance(state_dict, Mapping):
        state_dict = load(state_dict)
    mine = model.state_dict(keep_vars=True)
    report = compare(mine, state_dict)
    groups: dict[tuple, list[str]] = {}
    for key, t in mine.items():
        if isinstance(t, Tensor) and not is_pending(t):
            groups.setdefault(_identity(t), []).append(key)
    tied = {k: g for g in groups.values() if len(g) > 1 for k in g}
    report.missing_keys = [k for k in report.missing_keys if not any(t in state_dict for t in tied.get(k, ()))]
    bad = {m.key for m in report.mismatched}
    for g in groups.values():
        present = [k for k in g if k in state_dict and k not in bad and isinstance(state_dict[k], Tensor)]
        for a, b in pairwise(present):
            ta, tb = state_dict[a], state_dict[b]
            if _identity(ta)[1:] != _identity(tb)[1:] and not np.array_equal(ta._host(), tb._host()):
                report.broken_ties.append((a, b))
    if skip_mismatched:
        report.skipped = [m.key for m in report.mismatched]
    errors = report.mismatched and not skip_mismatched
    if errors or strict and (report.missing_keys or report.unexpected_keys or report.broken_ties):
        name = type(model).__name__
        raise RuntimeError(f"load_into({name}): the state dict does not fit the model; nothing was loaded.\n"
                           f"{report}\nPass strict=False to ignore missing and unexpected keys, "
                           "skip_mismatched=True to leave mismatched tensors as they are.")
    keep = {k: v for k, v in state_dict.items() if k in mine and k not in report.skipped}
    filtered = OrderedDict(keep)
    if hasattr(state_dict, "_metadata"):
        filtered._metadata = state_dict._metadata  # type: ignore[attr-defined]
    if assign:
        model.load_state_dict(filtered, strict=False, assign=True)
    else:
        model.load_state_dict(filtered, strict=False)
    return report
