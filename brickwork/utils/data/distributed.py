"""``DistributedSampler``: each rank of a job reads its own shard of the dataset, like PyTorch's.

The shards are disjoint and together cover the dataset: the (shuffled, for ``shuffle=True``) index list is padded
by repeating its start until it divides evenly (or cut, with ``drop_last=True``), and rank ``r`` takes every
``num_replicas``-th index from position ``r``. The shuffle is ``randperm`` seeded with ``seed + epoch``, so it is the
same on every rank and changes with `DistributedSampler.set_epoch`. brickwork's ``randperm`` does not
reproduce PyTorch's order for a seed, so the shards hold other indices than PyTorch's for the same seed (the
unshuffled shards are identical).
"""

from __future__ import annotations

import math
from typing import Iterator, Sized

from ...ops.random import Generator, randperm
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """Restrict a data loader to this rank's shard of ``dataset`` (the same number of indices on every rank).

    Args:
        dataset: the dataset (only its length is used).
        num_replicas: how many ranks share it (default: the default process group's size).
        rank: this rank (default: its rank in the default group).
        shuffle: shuffle the indices, the same way on every rank (default ``True``).
        seed: the shuffle's seed; every rank must use the same.
        drop_last: drop the tail that does not divide evenly instead of repeating indices to pad it.

    Example:
        >>> from brickwork.utils.data.distributed import DistributedSampler
        >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False)) for r in (0, 1)]
        [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad > 0:
                indices += (indices * math.ceil(pad / max(len(indices), 1)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``seed + epoch`` for the next shuffle; call it at the start of every epoch on every rank.

        Example:
            >>> from brickwork.utils.data.distributed import DistributedSampler
            >>> s = DistributedSampler(range(8), num_replicas=2, rank=0); s.set_epoch(3); s.epoch
            3
        """
        self.epoch = epoch
