"""``BatchNorm3d`` (and its lazy form) and ``SyncBatchNorm``, which on one process is batch normalization of
any (N, C, *) input (brickwork has no process groups to synchronize across)."""

from __future__ import annotations

from typing import Any

from ..module import Module
from ..lazy import LazyModuleMixin
from .batchnorm import _BatchNorm

__all__ = ["BatchNorm3d", "LazyBatchNorm3d", "SyncBatchNorm"]


class BatchNorm3d(_BatchNorm):
    """Batch normalization over (N, C, D, H, W), per channel, as `BatchNorm1d`.

    Args: num_features (``None``: lazy), eps (1e-5), momentum (0.1; ``None``: cumulative average), affine,
    track_running_stats, device, dtype, bias (keyword).

    Shape: input (N, C, D, H, W); output the same.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.BatchNorm3d(4)(torch.randn(2, 4, 3, 3, 3)).shape
        brickwork.Size([2, 4, 3, 3, 3])
    """

    _dims, _layout = (5,), "(N, C, D, H, W)"


class LazyBatchNorm3d(LazyModuleMixin, BatchNorm3d):
    """A `BatchNorm3d` whose ``num_features`` comes from the first input.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyBatchNorm3d(); _ = m(torch.randn(2, 3, 2, 2, 2)); m.weight.shape
        brickwork.Size([3])
    """

    _eager = BatchNorm3d

    def __init__(self, eps: float = 1e-05, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        BatchNorm3d.__init__(self, None, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)


class SyncBatchNorm(_BatchNorm):
    """Batch normalization of (N, C, *) inputs; statistics are those of this process's batch.

    PyTorch synchronizes the statistics across the processes of ``process_group`` in distributed training;
    brickwork runs one process, where the two are the same computation. ``process_group`` is accepted and kept.

    Example:
        >>> import brickwork as torch
        >>> torch.nn.SyncBatchNorm(3)(torch.randn(4, 3, 5)).shape
        brickwork.Size([4, 3, 5])
    """

    _dims = tuple(range(2, 16))
    _layout = "(N, C, *)"

    def __init__(self, num_features: int, eps: float = 1e-05, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group: Any = None, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every BatchNorm layer replaced by a `SyncBatchNorm` holding the same state.

        Example:
            >>> import brickwork as torch
            >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
            >>> torch.nn.SyncBatchNorm.convert_sync_batchnorm(net)[1]
            SyncBatchNorm(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        """
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm) and \
                type(module).__name__.startswith("BatchNorm"):
            out = cls(int(module.num_features or 0), module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group, bias=module.bias is not None or not module.affine)
            out.load_state_dict(module.state_dict())
            out.train(module.training)
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out
