"""State dicts: ``Module.state_dict`` and ``Module.load_state_dict``.

Keys are dotted paths in PyTorch's order (each module's parameters, then its persistent buffers, then its
children). Loading walks the modules the same way, gives lazy placeholders their shapes from the checkpoint
first, and collects every missing, unexpected, shape-mismatched and dtype-mismatched key (each module's own
keys checked by `compare`, the check ``brickwork.io.load_into`` uses too)
before raising once.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._state_compare import compare
from .parameter import Parameter, is_pending

__all__ = ["StateDictMixin"]

_EXTRA = "_extra_state"


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and the keys it did not use."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _quoted(keys: list[str]) -> str:
    return ", ".join(f'"{k}"' for k in keys)


class StateDictMixin:
    """The state-dict half of `Module`."""

    _parameters: dict[str, Any]
    _buffers: dict[str, Any]
    _modules: dict[str, Any]
    _non_persistent_buffers_set: set[str]
    _lazy_pending: bool
    named_modules: Callable[..., Iterator[tuple[str, Any]]]

    def state_dict(self, *, destination: Any = None, prefix: str = "", keep_vars: bool = False) -> Any:
        """An ordered dict of every parameter and persistent buffer, keyed by dotted path.

        Values are detached tensors sharing memory with the module's (the tensors themselves with
        ``keep_vars=True``). A parameter shared by two modules appears under both paths, as in PyTorch.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.w = torch.nn.Parameter(torch.ones(2))
            >>> m.register_buffer("count", torch.zeros(1)); list(m.state_dict())
            ['w', 'count']
        """
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        meta = getattr(destination, "_metadata", None)
        base = prefix[:-1] if prefix.endswith(".") else prefix
        for path, module in self.named_modules(prefix=base, remove_duplicate=False):
            if meta is not None:
                meta[path] = {"version": module._version}
            module._save_to_state_dict(destination, path + "." if path else "", keep_vars)
        return destination

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        """Put this module's own parameters, persistent buffers and extra state into ``destination``."""
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()
        if type(self).get_extra_state is not StateDictMixin.get_extra_state:
            destination[prefix + _EXTRA] = self.get_extra_state()

    def get_extra_state(self) -> Any:
        """Override to save extra (picklable) state under ``<prefix>_extra_state``; pair with set_extra_state."""
        raise RuntimeError(f"{type(self).__name__}.get_extra_state() was called but not overridden; define it "
                           "(and set_extra_state) to save extra state")

    def set_extra_state(self, state: Any) -> None:
        """Override to restore what `get_extra_state` saved."""
        raise RuntimeError(f"{type(self).__name__}.set_extra_state() was called but not overridden; define it "
                           "together with get_extra_state")

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module and its descendants.

        Every problem (missing and unexpected keys when ``strict``, shape and dtype mismatches always) is
        collected and reported in one RuntimeError. Lazy placeholders take their shapes from the checkpoint.

        Args:
            state_dict: a mapping from dotted names to tensors, like `state_dict` returns.
            strict: whether missing or unexpected keys are errors (default True).
            assign: replace the module's tensors by the checkpoint's instead of copying into them (parameters
                keep their ``requires_grad``).

        Returns:
            a named tuple ``(missing_keys, unexpected_keys)``.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.w = torch.nn.Parameter(torch.zeros(2))
            >>> m.load_state_dict({"w": torch.ones(2)}); m.w.tolist()
            <All keys matched successfully>
            [1.0, 1.0]
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict-like state_dict, got {type(state_dict).__name__}")
        metadata = getattr(state_dict, "_metadata", None)
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(module: Any, local: dict, prefix: str) -> None:
            meta = dict(metadata.get(prefix[:-1], {})) if metadata is not None else {}
            if assign:
                meta["assign_to_params_buffers"] = True
            if module._lazy_pending:
                from .lazy import materialize_from_state

                materialize_from_state(module, local, prefix)
            module._load_from_state_dict(local, prefix, meta, True, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    p = prefix + name + "."
                    load(child, {k: v for k, v in local.items() if k.startswith(p)}, p)

        load(self, dict(state_dict), "")
        if strict:
            if unexpected:
                errors.insert(0, f"Unexpected key(s) in state_dict: {_quoted(unexpected)}. ")
            if missing:
                errors.insert(0, f"Missing key(s) in state_dict: {_quoted(missing)}. ")
            if missing or unexpected:
                errors.append("To load only the keys that match, pass strict=False (size and dtype mismatches "
                              "are errors either way).")
        if any(e.startswith("dtype mismatch") for e in errors):
            errors.append("To fix dtype mismatches, convert the model (model.to(dtype)) or the checkpoint's tensors "
                          "(v.to(dtype)) before loading.")
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__,
                                                                                     "\n\t".join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list, error_msgs: list) -> None:
        """Load this module's own tensors from ``state_dict`` (keys under ``prefix``), recording problems.

        Override it (calling ``super()``) to convert old checkpoints; the lists are shared by the whole load.
        """
        local = {k: v for k, v in self._parameters.items() if v is not None}
        local.update((k, v) for k, v in self._buffers.items()
                     if v is not None and k not in self._non_persistent_buffers_set)
        assign = local_metadata.get("assign_to_params_buffers", False)
        own = {}
        for name, mine in local.items():
            if is_pending(mine) and prefix + name in state_dict:
                error_msgs.append(f"cannot load {prefix + name}: {type(self).__name__} still has uninitialized "
                                  "tensors whose shapes the checkpoint does not give (a key is missing); load a full "
                                  "checkpoint or run a forward pass first")
            else:
                own[prefix + name] = mine
        report = compare(own, {k: state_dict[k] for k in own if k in state_dict})
        if strict:
            missing_keys.extend(report.missing_keys)
        error_msgs.extend(m.torch_message() for m in report.mismatched)
        skip = set(report.missing_keys).union(m.key for m in report.mismatched)
        for name, mine in local.items():
            key = prefix + name
            if key not in own or key in skip:
                continue
            theirs = state_dict[key]
            if isinstance(theirs, np.ndarray):
                from ..ops.creation import as_tensor

                theirs = as_tensor(theirs)
            if mine.ndim == 0 and theirs.ndim == 1:
                theirs = theirs[0]
            with no_grad():
                if assign:
                    if isinstance(mine, Parameter):
                        theirs = Parameter(theirs, requires_grad=mine.requires_grad)
                    setattr(self, name, theirs)
                else:
                    mine.copy_(theirs)
        if type(self).set_extra_state is not StateDictMixin.set_extra_state:
            if prefix + _EXTRA in state_dict:
                self.set_extra_state(state_dict[prefix + _EXTRA])
            elif strict:
                missing_keys.append(prefix + _EXTRA)
        elif strict and prefix + _EXTRA in state_dict:
            unexpected_keys.append(prefix + _EXTRA)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != prefix + _EXTRA:
                    head, dot, _ = key[len(prefix):].partition(".")
                    if (head not in self._modules) if dot else (head not in local):
                        unexpected_keys.append(key)
