"""Data parallelism over several devices, like ``torch.nn.parallel``: the model is copied onto each device, the
batch split between them, the copies run at once in threads, and the outputs gathered onto one device.

Gradients come back to the original parameters through autograd: each replica's parameters are differentiable
copies, so ``backward`` sums the replicas' contributions (an all-reduce) into the original ``.grad``. For the
hand-written style of the multi-GPU chapter, `replicate` with ``detach=True`` gives independent copies and
`all_reduce_gradients` sums their gradients. Works on GPUs and on virtual CPU devices
(``BRICKWORK_CPU_DEVICES=4``), where every step equals the single-device step.

Example:
    >>> import brickwork as torch
    >>> from brickwork.nn.parallel import DataParallel
    >>> net = DataParallel(torch.nn.Linear(3, 2), device_ids=["cpu"])
    >>> net(torch.ones(4, 3)).shape
    brickwork.Size([4, 2])
"""

from __future__ import annotations

from .comm import all_reduce_gradients, gather, scatter, scatter_kwargs
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel
from .parallel_apply import parallel_apply
from .replicate import replicate

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel", "replicate", "scatter", "scatter_kwargs",
           "gather", "parallel_apply", "all_reduce_gradients"]
