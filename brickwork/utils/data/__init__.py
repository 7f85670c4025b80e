"""Datasets, samplers and the DataLoader, with ``torch.utils.data``'s names and behaviour.

Example:
    >>> import brickwork as torch
    >>> from brickwork.utils.data import DataLoader, TensorDataset
    >>> x, y = torch.arange(6.0).reshape(3, 2), torch.tensor([0, 1, 0])
    >>> [b[1].tolist() for b in DataLoader(TensorDataset(x, y), batch_size=2)]
    [[0, 1], [0]]
"""

from ._collate import collate, default_collate, default_collate_fn_map, default_convert
from ._worker import WorkerInfo, get_worker_info
from .dataloader import DataLoader
from .distributed import DistributedSampler
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
                      random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler",
           "IterableDataset",
           "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler",
           "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "collate", "default_collate",
           "default_collate_fn_map", "default_convert", "get_worker_info", "random_split"]
