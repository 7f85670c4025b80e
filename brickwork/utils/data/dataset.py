"""Datasets with PyTorch's interface: the map-style and iterable bases, tensor/concatenated/stacked/chained
datasets, `Subset` and `random_split`.
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator
from typing import Any, Generic, Sequence, TypeVar

from ..._tensor import Tensor
from ...ops.random import Generator, default_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and usually ``__len__``.

    A subclass may also define ``__getitems__(indices)`` returning a list of samples; the DataLoader then
    fetches a whole batch in one call. ``a + b`` concatenates two datasets.

    Example:
        >>> from brickwork.utils.data import Dataset
        >>> class Squares(Dataset):
        ...     def __len__(self): return 4
        ...     def __getitem__(self, i): return i * i
        >>> ds = Squares(); len(ds), ds[3], len(ds + ds)
        (4, 9, 8)
    """

    def __getitem__(self, index: Any) -> T_co:
        raise TypeError(f"{type(self).__name__} is a Dataset without __getitem__: define "
                        "__getitem__(self, index) returning one sample (and __len__ returning the size)")

    def __add__(self, other: "Dataset[T_co]") -> "ConcatDataset[T_co]":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co], Iterable):
    """A dataset that is a stream: subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy of the dataset; split the work in ``__iter__``
    with `get_worker_info` (as in PyTorch) or each sample arrives once per worker. ``a + b`` chains.

    Example:
        >>> from brickwork.utils.data import IterableDataset
        >>> class Count(IterableDataset):
        ...     def __iter__(self): return iter(range(3))
        >>> list(Count()), list(Count() + Count())
        ([0, 1, 2], [0, 1, 2, 0, 1, 2])
    """

    def __add__(self, other: "Dataset[T_co]") -> "ChainDataset":  # type: ignore[override]
        return ChainDataset([self, other])


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are ``tuple(t[i] for t in tensors)``; all tensors share their first dimension.

    The DataLoader batches a TensorDataset by indexing each tensor once per batch (no per-sample stacking).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.utils.data import TensorDataset
        >>> ds = TensorDataset(torch.arange(6).reshape(3, 2), torch.tensor([0, 1, 0]))
        >>> len(ds), ds[1]
        (3, (tensor([2, 3]), tensor(1)))
    """

    tensors: tuple[Tensor, ...]

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor, got none")
        n = tensors[0].size(0)
        sizes = [t.size(0) for t in tensors]
        if any(s != n for s in sizes):
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions are {sizes}; every "
                             "tensor must hold one row per sample")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    """Samples are tuples (positional datasets) or dicts (keyword datasets) of the datasets' samples.

    Example:
        >>> from brickwork.utils.data import StackDataset
        >>> StackDataset(x=[1, 2], y=["a", "b"])[1]
        {'x': 2, 'y': 'b'}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: pass datasets either as positional arguments (samples are tuples) or "
                             "as keyword arguments (samples are dicts), not both")
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset: at least one dataset should be passed")
        lengths = [len(d) for d in parts]  # type: ignore[arg-type]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f"StackDataset: size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]
        self.datasets: tuple | dict = args if args else kwargs

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[T_co]):
    """Several map-style datasets read one after another.

    Example:
        >>> from brickwork.utils.data import ConcatDataset
        >>> ds = ConcatDataset([[1, 2], [3]]); len(ds), ds[2], ds.cumulative_sizes
        (3, 3, [2, 3])
    """

    datasets: list
    cumulative_sizes: list[int]

    @staticmethod
    def cumsum(sequence: Sequence[Any]) -> list[int]:
        """Running totals of the lengths of ``sequence``'s items."""
        return list(itertools.accumulate(len(e) for e in sequence))

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset (entry {i} is "
                                f"{type(d).__name__}); chain streams with ChainDataset instead")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T_co:
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets streamed one after another.

    Example:
        >>> from brickwork.utils.data import ChainDataset, IterableDataset
        >>> class Two(IterableDataset):
        ...     def __iter__(self): return iter([1, 2])
        >>> list(ChainDataset([Two(), Two()]))
        [1, 2, 1, 2]
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def _check(self, d: Any) -> None:
        if not isinstance(d, IterableDataset):
            raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}; concatenate "
                            "map-style datasets with ConcatDataset")

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            self._check(d)
            yield from d  # type: ignore[misc]  # _check made sure it is an IterableDataset

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            self._check(d)
            total += len(d)  # type: ignore[arg-type]
        return total


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example:
        >>> from brickwork.utils.data import Subset
        >>> s = Subset([10, 11, 12, 13], [3, 0]); len(s), s[0], s.__getitems__([0, 1])
        (2, 13, [13, 10])
    """

    dataset: Dataset
    indices: Sequence[int]

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        if type(self).__getitem__ is not Subset.__getitem__ and type(self).__getitems__ is Subset.__getitems__:
            raise TypeError(f"{type(self).__name__} overrides __getitem__ but not __getitems__; the DataLoader "
                            "fetches batches through __getitems__, so define it too, e.g.\n"
                            "    def __getitems__(self, indices):\n"
                            "        return [self[i] for i in indices]")

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = default_generator) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping subsets of the given lengths (or fractions).

    Fractions that sum to 1 become ``floor(fraction * len(dataset))`` items each, the remainder dealt out one
    by one from the first split on. The same ``generator`` seed gives the same split.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.utils.data import random_split
        >>> a, b = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(0))
        >>> len(a), len(b), sorted(list(a) + list(b)) == list(range(10))
        (7, 3, True)
    """
    n = len(dataset)  # type: ignore[arg-type]
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input dataset! (lengths "
                         f"{list(lengths)} sum to {sum(lengths)}, the dataset has {n} items)")
    perm = (generator or default_generator)._np.permutation(n).tolist()
    return [Subset(dataset, perm[end - size:end])
            for end, size in zip(itertools.accumulate(lengths), lengths)]  # type: ignore[arg-type]
