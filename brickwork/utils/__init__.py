"""Utilities with PyTorch's layout: `brickwork.utils.data` holds datasets, samplers and the DataLoader.

Example:
    >>> import brickwork as torch
    >>> torch.utils.data.DataLoader
    <class 'brickwork.utils.data.dataloader.DataLoader'>
"""

from . import data, dlpack

__all__ = ["data", "dlpack"]
