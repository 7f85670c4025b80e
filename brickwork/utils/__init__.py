"""Utilities with PyTorch's layout: :mod:`brickwork.utils.data` (datasets, samplers, the DataLoader) and
:mod:`brickwork.utils.checkpoint` (activation checkpointing).

Example:
    >>> import brickwork as torch
    >>> torch.utils.data.DataLoader
    <class 'brickwork.utils.data.dataloader.DataLoader'>
"""

from . import checkpoint, data, dlpack

__all__ = ["checkpoint", "data", "dlpack"]
