"""Fetching one batch from a dataset: per sample through ``__getitem__``/``__getitems__`` and the collate
function, or by indexing whole arrays at once when the dataset allows it (the fast path).

The fast path applies when the collate function is `default_collate` and the dataset is a
`TensorDataset` (or a `Subset` of one, at any depth) whose tensors do not require grad, or a
dataset whose ``_batcher()`` method returns such a function (brickwork's image datasets do when their
transform works on batches).
Indexing the arrays once per batch gives exactly what stacking the samples would, about 10x faster.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..._tensor import _make
from ._collate import default_collate
from .dataset import Subset, TensorDataset

BatchFn = Callable[[Any], Any]  # takes a list or an integer array of indices


def fast_batcher(dataset: Any) -> BatchFn | None:
    """A function from a list of indices to the collated batch, or None where the dataset needs the slow path."""
    cls = type(dataset)
    if getattr(cls, "__getitem__", None) is TensorDataset.__getitem__:
        tensors = dataset.tensors
        if any(t._requires_grad for t in tensors):
            return None  # stacking keeps the autograd history; indexing the arrays would drop it
        arrays = [(t._data, t._device) for t in tensors]

        def batch(indices: list) -> list:
            idx = np.asarray(indices, dtype=np.intp)
            return [_make(a[idx] if dev.type == "cpu" else a[dev.xp.asarray(idx)], dev) for a, dev in arrays]

        return batch
    if getattr(cls, "__getitems__", None) is Subset.__getitems__ and cls.__getitem__ is Subset.__getitem__:
        inner = fast_batcher(dataset.dataset)
        if inner is None:
            return None
        mapping = np.asarray(dataset.indices, dtype=np.intp)
        return lambda indices: inner(mapping[np.asarray(indices, dtype=np.intp)])
    batcher = getattr(dataset, "_batcher", None)
    return batcher() if callable(batcher) else None


class MapFetcher:
    """Fetches batches (or single samples) from a map-style dataset."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.fast = fast_batcher(dataset) if auto_collation and collate_fn is default_collate else None

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.fast is not None:
            return self.fast(index)
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if getitems else [self.dataset[i] for i in index]
        return self.collate_fn(data)


class IterableFetcher:
    """Fetches batches (or single samples) from an iterable-style dataset; raises StopIteration at its end."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable, drop_last: bool) -> None:
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(iterable: bool, dataset: Any, auto_collation: bool, collate_fn: Callable,
                 drop_last: bool) -> MapFetcher | IterableFetcher:
    """The fetcher for the dataset's kind."""
    cls = IterableFetcher if iterable else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
