"""Numba implementations of the kernels (imported on first use; never by ``import brickwork``)."""
