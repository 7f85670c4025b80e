"""Utilities with PyTorch's layout: `brickwork.utils.data` holds datasets, samplers and the DataLoader,
`brickwork.utils.checkpoint` activation checkpointing.

Example:
    >>> import brickwork as torch
    >>> torch.utils.data.DataLoader
    <class 'brickwork.utils.data.dataloader.DataLoader'>
"""

from . import checkpoint, data, dlpack

__all__ = ["checkpoint", "data", "dlpack"]
