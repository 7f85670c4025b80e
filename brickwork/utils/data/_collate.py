"""Turning a list of samples into a batch: `default_collate` (stack tensors, arrays and numbers,
recurse into dicts, tuples, lists and namedtuples, keep strings) and `default_convert` (arrays to
tensors, without batching), with PyTorch's rules and extension point (``collate_fn_map``).
"""

from __future__ import annotations

import collections.abc
import copy
import re
from typing import Any, Callable

import numpy as np

from ..._tensor import Tensor, _make
from ...ops.creation import as_tensor, tensor
from ...ops.movement import stack
from ... import dtypes as _dt

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

_STR_OR_OBJECT = re.compile(r"[SaUO]")  # NumPy dtype codes of strings and objects, which have no tensor
_ERR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"

CollateMap = dict[type | tuple[type, ...], Callable]


def collate_tensor_fn(batch: list, *, collate_fn_map: CollateMap | None = None) -> Tensor:
    """Stack tensors along a new first dimension."""
    first = batch[0]
    if not any(t._requires_grad for t in batch) and all(t._device is first._device for t in batch):
        try:
            return _make(first._device.xp.stack([t._data for t in batch]), first._device)
        except ValueError:
            pass  # unequal shapes: stack() below raises PyTorch's error
    return stack(batch, 0)


def collate_numpy_array_fn(batch: list, *, collate_fn_map: CollateMap | None = None) -> Any:
    """Stack NumPy arrays into one tensor (string and object arrays are an error)."""
    if _STR_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: list, *, collate_fn_map: CollateMap | None = None) -> Tensor:
    """NumPy scalars to a 1-d tensor of their dtype."""
    return as_tensor(np.array(batch))


def collate_float_fn(batch: list, *, collate_fn_map: CollateMap | None = None) -> Tensor:
    """Python floats to a float64 tensor (as PyTorch)."""
    return tensor(batch, dtype=_dt.float64)


def collate_int_fn(batch: list, *, collate_fn_map: CollateMap | None = None) -> Tensor:
    """Python ints to an int64 tensor (bools to a bool tensor)."""
    return tensor(batch)


def collate_str_fn(batch: list, *, collate_fn_map: CollateMap | None = None) -> list:
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map: CollateMap = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch: collections.abc.Sequence, *, collate_fn_map: CollateMap | None = None) -> Any:
    """Collate ``batch`` with the functions in ``collate_fn_map``.

    Functions are looked up by exact type, then by ``isinstance`` in insertion order; mappings, namedtuples and
    sequences are collated element by element.

    Example:
        >>> from brickwork.utils.data import collate, default_collate_fn_map
        >>> collate([{"n": 1}, {"n": 2}], collate_fn_map=default_collate_fn_map)
        {'n': tensor([1, 2])}
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        parts = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        return _rebuild_mapping(elem, parts)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        parts_list = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return parts_list  # a list, as PyTorch (kept for backward compatibility there)
        return _rebuild_sequence(elem, parts_list)
    raise TypeError(_ERR.format(elem_type))


def _rebuild_mapping(like: Any, parts: dict) -> Any:
    """``parts`` in a mapping of ``like``'s type where that type allows it, else a dict."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(parts)
            return clone
        return type(like)(parts)
    except TypeError:
        return parts


def _rebuild_sequence(like: Any, parts: list) -> Any:
    """``parts`` in a sequence of ``like``'s type where that type allows it, else a list."""
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            for i, p in enumerate(parts):
                clone[i] = p
            return clone
        return type(like)(parts)
    except TypeError:
        return parts


def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch, the DataLoader's default.

    Tensors and NumPy arrays are stacked along a new first dimension, Python floats become a float64 tensor,
    ints an int64 tensor, strings stay a list; dicts, namedtuples and lists are collated field by field and
    tuples become lists (as in PyTorch).

    Example:
        >>> from brickwork.utils.data import default_collate
        >>> default_collate([(1, 0.5, "a"), (2, 1.5, "b")])
        [tensor([1, 2]), tensor([0.5000, 1.5000], dtype=brickwork.float64), ('a', 'b')]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars (also inside dicts, namedtuples and sequences) into tensors.

    Nothing is batched: this is the DataLoader's default when automatic batching is off (``batch_size=None``).

    Example:
        >>> import numpy as np
        >>> from brickwork.utils.data import default_convert
        >>> default_convert({"x": np.array([1, 2]), "n": 3})
        {'x': tensor([1, 2]), 'n': 3}
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "bytes_", "string_"):
        if isinstance(data, np.ndarray) and _STR_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # a list, as PyTorch
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data
