"""Training checkpoints: model, optimizer, scheduler, epoch, and the state of every random generator.

Restoring the random state too (brickwork's default generator, any `Generator` you pass,
Python's ``random`` and NumPy's global generator) is what makes a resumed run continue exactly as an
uninterrupted one would: the same shuffles, the same dropout masks, the same parameters bit for bit.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._errors import FormatError, describe
from ._serialization import load, save

__all__ = ["load_checkpoint", "save_checkpoint"]

_MARK = "brickwork_checkpoint"
_RESERVED = {_MARK, "model", "optimizer", "scheduler", "epoch", "rng"}


def _rng_state(generators: Mapping[str, Any] | None) -> dict[str, Any]:
    from ..ops.random import default_generator

    kind, key, pos, has_gauss, gauss = np.random.get_state(legacy=True)
    return {"default": default_generator.get_state(), "python": random.getstate(),
            "numpy": (kind, np.asarray(key).tolist(), pos, has_gauss, gauss),
            "generators": {name: g.get_state() for name, g in (generators or {}).items()}}


def _set_rng_state(state: Any, generators: Mapping[str, Any] | None, where: str) -> None:
    from ..ops.random import default_generator

    try:
        default_generator.set_state(state["default"])
        random.setstate(state["python"])
        kind, key, pos, has_gauss, gauss = state["numpy"]
        np.random.set_state((kind, np.array(key, np.uint32), pos, has_gauss, gauss))
        saved = state["generators"]
    except (KeyError, TypeError, ValueError) as e:
        raise FormatError(f"{where}: malformed random-generator state in the checkpoint ({e})") from None
    for name, g in (generators or {}).items():
        if name not in saved:
            raise KeyError(f"load_checkpoint: the checkpoint has no state for generator {name!r}; it has "
                           f"{sorted(saved)}")
        g.set_state(saved[name])


def save_checkpoint(path: str | os.PathLike, model: Any = None, optimizer: Any = None, scheduler: Any = None,
                    epoch: int | None = None, *, generators: Mapping[str, Any] | None = None, **extra: Any) -> None:
    """Save everything needed to resume training, atomically, to one file.

    Args:
        path: the file to write (replaced atomically).
        model: anything with ``state_dict()``, usually a `Module`.
        optimizer: an optimizer (its ``state_dict()`` is saved).
        scheduler: a learning-rate scheduler (its ``state_dict()`` is saved).
        epoch: the number of finished epochs, or any step count.
        generators: extra `Generator` objects by name (e.g. a DataLoader's); the default
            generator, Python's ``random`` and NumPy's global generator are always saved.
        extra: more values to keep (best metric, config...), returned by `load_checkpoint` under their
            names.

    Example:
        >>> import os, tempfile, brickwork as torch
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save_checkpoint(path, epoch=3, best=0.9)
        >>> ckpt = load_checkpoint(path); ckpt["epoch"], ckpt["best"]
        (3, 0.9)
    """
    clash = _RESERVED.intersection(extra)
    if clash:
        raise ValueError(f"save_checkpoint: {sorted(clash)} are reserved names; pass them differently")
    ckpt: dict[str, Any] = {_MARK: 1}
    for name, obj in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None:
            ckpt[name] = obj.state_dict()
    ckpt["epoch"] = epoch
    ckpt["rng"] = _rng_state(generators)
    ckpt.update(extra)
    save(ckpt, path)


def load_checkpoint(path: Any, model: Any = None, optimizer: Any = None, scheduler: Any = None, *,
                    generators: Mapping[str, Any] | None = None, map_location: Any = None, strict: bool = True,
                    restore_rng: bool = True) -> dict[str, Any]:
    """Restore what `save_checkpoint` saved into the given objects, and return the whole checkpoint.

    Args:
        path: the checkpoint file (or a binary file object).
        model: receives the model state via ``load_state_dict(state, strict=strict)``.
        optimizer: receives the optimizer state.
        scheduler: receives the scheduler state.
        generators: `Generator` objects by name to restore in place.
        map_location: as for `brickwork.load`.
        strict: passed to the model's ``load_state_dict``.
        restore_rng: also restore the default generator, Python's ``random`` and NumPy's global generator.

    Returns:
        the checkpoint dict: ``model``, ``optimizer``, ``scheduler`` (when saved), ``epoch``, ``rng`` and the
        extra values saved by name.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
        >>> save_checkpoint(path, epoch=1); load_checkpoint(path)["epoch"]
        1
    """
    ckpt = load(path, map_location=map_location)
    where = describe(path)
    if not isinstance(ckpt, dict) or ckpt.get(_MARK) != 1:
        raise FormatError(f"{where}: not a checkpoint written by brickwork.io.save_checkpoint; use brickwork.load "
                          "to read it")
    for name, obj in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None:
            if name not in ckpt:
                raise KeyError(f"load_checkpoint: {where} holds no {name} state (it has {sorted(ckpt)})")
            if name == "model":
                obj.load_state_dict(ckpt[name], strict=strict)
            else:
                obj.load_state_dict(ckpt[name])
    if restore_rng:
        _set_rng_state(ckpt.get("rng"), generators, where)
    return ckpt
