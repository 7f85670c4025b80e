"""PyTorch's default DDP communication hooks: average a bucket by all-reduce, optionally in float16/bfloat16.

Register one with ``ddp.register_comm_hook(process_group, hook)`` (``None`` for the default group). A hook gets
the group and a `GradBucket` and returns a `brickwork.futures.Future` whose value is the bucket's averaged
gradients; DDP waits for it at the end of backward.
"""

from __future__ import annotations

from typing import Any

from ... import _c10d
from ..._collectives import all_reduce
from ..._grad_bucket import GradBucket
from ..._group import GroupMember, ProcessGroup
from ....futures import Future
from ...._tensor import Tensor
from .... import dtypes

__all__ = ["allreduce_hook", "fp16_compress_hook", "bf16_compress_hook"]


def _size(process_group: ProcessGroup | None) -> tuple[Any, int]:
    group = process_group if process_group is not None else GroupMember.WORLD
    return group, _c10d.get_world_size(group)


def _allreduce_fut(process_group: ProcessGroup | None, tensor: Tensor) -> Future[Tensor]:
    group, n = _size(process_group)
    tensor.div_(n)  # divide first, so a low-precision sum cannot overflow
    work = all_reduce(tensor, group=group, async_op=True)
    assert work is not None  # async_op=True on a member of the group
    return work.get_future().then(lambda fut: fut.value()[0])


def allreduce_hook(process_group: ProcessGroup | None, bucket: GradBucket) -> Future[Tensor]:
    """Average the bucket by all-reduce: what DDP does without a hook (the division comes first here).

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> from brickwork.distributed.algorithms.ddp_comm_hooks import default_hooks
        >>> dist.init_process_group("gloo")
        >>> net = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 1))
        >>> net.register_comm_hook(None, default_hooks.allreduce_hook)
        >>> net(torch.ones(3, 2)).sum().backward(); net.module.bias.grad
        tensor([3.])
        >>> dist.destroy_process_group()
    """
    return _allreduce_fut(process_group, bucket.buffer())


def _compress_hook(dtype: Any, process_group: ProcessGroup | None, bucket: GradBucket) -> Future[Tensor]:
    group, n = _size(process_group)
    buffer = bucket.buffer()
    compressed = buffer.to(dtype).div_(n)

    def decompress(fut: Future[list[Tensor]]) -> Tensor:
        buffer.copy_(fut.value()[0])  # in place, back in the buffer's dtype
        return buffer

    work = all_reduce(compressed, group=group, async_op=True)
    assert work is not None  # async_op=True on a member of the group
    return work.get_future().then(decompress)


def fp16_compress_hook(process_group: ProcessGroup | None, bucket: GradBucket) -> Future[Tensor]:
    """Cast the bucket to float16, divide by the group's size, all-reduce, and cast back into the bucket.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> from brickwork.distributed.algorithms.ddp_comm_hooks import default_hooks
        >>> dist.init_process_group("gloo")
        >>> net = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 1))
        >>> net.register_comm_hook(None, default_hooks.fp16_compress_hook)
        >>> net(torch.ones(3, 2)).sum().backward(); net.module.bias.grad.dtype
        brickwork.float32
        >>> dist.destroy_process_group()
    """
    return _compress_hook(dtypes.float16, process_group, bucket)


def bf16_compress_hook(process_group: ProcessGroup | None, bucket: GradBucket) -> Future[Tensor]:
    """As `fp16_compress_hook`, in bfloat16 (the range of float32, fewer digits).

    Example:
        >>> from brickwork.distributed.algorithms.ddp_comm_hooks.default_hooks import bf16_compress_hook
        >>> bf16_compress_hook.__name__
        'bf16_compress_hook'
    """
    return _compress_hook(dtypes.bfloat16, process_group, bucket)
