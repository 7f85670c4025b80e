"""The one state-dict comparison: `compare` a model's tensors with a state dict, into a `LoadReport`.

``Module.load_state_dict`` (brickwork/nn/_state.py, per module, with PyTorch's wording) and ``brickwork.io``'s
``load_into`` (brickwork/io/_report.py, for the whole model, plus ties) both collect every missing, unexpected,
shape-, dtype- and type-mismatched key here, and raise once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .._tensor import Tensor
from .parameter import is_pending

__all__ = ["LoadReport", "Mismatch", "compare"]


class Mismatch(NamedTuple):
    """One key whose checkpoint value does not fit the model: ``kind`` is ``'size'``, ``'dtype'`` or ``'type'``;
    ``checkpoint`` and ``model`` are the two shapes, dtypes or types.

    Example:
        >>> import brickwork as torch
        >>> m = Mismatch("fc.bias", "size", torch.Size([3]), torch.Size([2])); m.problem
        'shape (3,) in the checkpoint, (2,) in the model'
    """

    key: str
    kind: str
    checkpoint: Any
    model: Any

    @property
    def problem(self) -> str:
        """What differs, in a few words."""
        if self.kind == "size":
            return f"shape {tuple(self.checkpoint)} in the checkpoint, {tuple(self.model)} in the model"
        if self.kind == "dtype":
            return f"dtype {self.checkpoint} in the checkpoint, {self.model} in the model"
        return f"a {self.checkpoint.__name__} in the checkpoint, a tensor in the model"

    def torch_message(self) -> str:
        """The line PyTorch's ``load_state_dict`` writes for this problem."""
        if self.kind == "size":
            return (f"size mismatch for {self.key}: copying a param with shape {self.checkpoint} from checkpoint, "
                    f"the shape in current model is {self.model}.")
        if self.kind == "dtype":
            return (f"dtype mismatch for {self.key}: copying a param with dtype {self.checkpoint} from checkpoint, "
                    f"the dtype in current model is {self.model}.")
        return (f'While copying the parameter named "{self.key}", expected brickwork.Tensor from checkpoint but '
                f"received {self.checkpoint}")


@dataclass
class LoadReport:
    """What comparing a state dict with a model found (and, for ``brickwork.io.load_into``, did).

    Attributes:
        missing_keys: the model's keys the state dict lacks (for ``load_into``, keys filled through a tied
            weight are not missing).
        unexpected_keys: keys of the state dict the model does not have.
        mismatched: a `Mismatch` for every value whose shape, dtype or type differs from the model's.
        broken_ties: ``(key_a, key_b)`` pairs that share memory in the model but hold different values in the
            state dict, so one value would be lost.
        skipped: the mismatched keys left unloaded because of ``skip_mismatched=True``.

    Unpacking gives ``(missing_keys, unexpected_keys)``, like ``load_state_dict``'s result.

    Example:
        >>> r = LoadReport(missing_keys=["fc.bias"]); r.ok, list(r)
        (False, [['fc.bias'], []])
    """

    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    mismatched: list[Mismatch] = field(default_factory=list)
    broken_ties: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every key matched, with nothing skipped or lost."""
        return not (self.missing_keys or self.unexpected_keys or self.mismatched or self.broken_ties)

    def __iter__(self) -> Iterator[list[str]]:
        return iter((self.missing_keys, self.unexpected_keys))

    def __str__(self) -> str:
        if self.ok:
            return "<All keys matched successfully>"
        lines = []
        if self.missing_keys:
            lines.append("missing keys: " + ", ".join(self.missing_keys))
        if self.unexpected_keys:
            lines.append("unexpected keys: " + ", ".join(self.unexpected_keys))
        for m in self.mismatched:
            lines.append(f"{m.key}: {m.problem}" + (" (skipped)" if m.key in self.skipped else ""))
        for a, b in self.broken_ties:
            lines.append(f"broken tie: {a} and {b} share memory in the model but differ in the state dict")
        return "\n".join(lines)


def compare(model_sd: Mapping[str, Any], state_dict: Mapping[str, Any]) -> LoadReport:
    """Every key of ``model_sd`` missing from ``state_dict``, every key of ``state_dict`` the model lacks, and
    every value whose shape, dtype or type does not fit (a 0-d model tensor takes a checkpoint value of shape
    (1,); NumPy arrays count as tensors; lazy placeholders fit any shape, which they take when loading).

    Example:
        >>> import brickwork as torch
        >>> r = compare({"w": torch.zeros(2), "b": torch.zeros(2)}, {"w": torch.zeros(3), "x": torch.zeros(1)})
        >>> r.missing_keys, r.unexpected_keys, [m.problem for m in r.mismatched]
        (['b'], ['x'], ['shape (3,) in the checkpoint, (2,) in the model'])
    """
    report = LoadReport()
    for key, mine in model_sd.items():
        if key not in state_dict:
            report.missing_keys.append(key)
            continue
        if not isinstance(mine, Tensor) or is_pending(mine):
            continue
        theirs = state_dict[key]
        if isinstance(theirs, np.ndarray):
            from ..ops.creation import as_tensor

            theirs = as_tensor(theirs)
        if not isinstance(theirs, Tensor):
            report.mismatched.append(Mismatch(key, "type", type(theirs), Tensor))
        elif theirs.shape != mine.shape and not (mine.ndim == 0 and tuple(theirs.shape) == (1,)):
            report.mismatched.append(Mismatch(key, "size", theirs.shape, mine.shape))
        elif theirs.dtype is not mine.dtype:
            report.mismatched.append(Mismatch(key, "dtype", theirs.dtype, mine.dtype))
    report.unexpected_keys = [k for k in state_dict if k not in model_sd]
    return report
