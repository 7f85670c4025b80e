"""Running module replicas at once, one thread per device (NumPy and CuPy release the GIL inside kernels)."""

from __future__ import annotations

import threading
from typing import Any, Sequence

from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled, set_grad_enabled
from ...backends import device
from .comm import as_device

__all__ = ["parallel_apply"]


def _device_of(module: Any, inputs: Any) -> device | None:
    for t in module.parameters():
        return t._device
    for t in module.buffers():
        return t._device
    for x in inputs:
        if isinstance(x, Tensor):
            return x._device
    return None


def parallel_apply(modules: Sequence[Any], inputs: Sequence[Any], kwargs_tup: Sequence[dict] | None = None,
                   devices: Sequence[Any] | None = None) -> list[Any]:
    """Call ``modules[i](*inputs[i], **kwargs_tup[i])`` for every ``i`` in parallel threads; the outputs in order.

    Each thread runs with the caller's grad mode and with its device as the default device (for a GPU, also
    the current CUDA device, so CuPy launches its kernels there). An exception in a replica is raised again
    here, with a note naming the replica and device.

    Example:
        >>> import brickwork as torch
        >>> lin = torch.nn.Linear(2, 1)
        >>> [o.shape for o in parallel_apply([lin, lin], [torch.ones(1, 2), torch.ones(3, 2)])]
        [brickwork.Size([1, 1]), brickwork.Size([3, 1])]
    """
    if len(modules) != len(inputs):
        raise ValueError(f"parallel_apply: got {len(modules)} modules but {len(inputs)} inputs; give one input "
                         "(tuple of arguments) per module")
    kwargs_tup = [{} for _ in modules] if kwargs_tup is None else list(kwargs_tup)
    if len(kwargs_tup) != len(modules):
        raise ValueError(f"parallel_apply: got {len(modules)} modules but {len(kwargs_tup)} keyword dicts")
    args = [x if isinstance(x, (list, tuple)) else (x,) for x in inputs]
    devs = [as_device(d) if d is not None else _device_of(m, a)
            for m, a, d in zip(modules, args, devices or [None] * len(modules))]
    grad = is_grad_enabled()
    results: list[Any] = [None] * len(modules)
    errors: list[BaseException | None] = [None] * len(modules)

    def work(i: int) -> None:
        dev = devs[i]
        try:
            with set_grad_enabled(grad):
                if dev is None:
                    results[i] = modules[i](*args[i], **kwargs_tup[i])
                else:
                    with dev:
                        results[i] = modules[i](*args[i], **kwargs_tup[i])
                    if dev.type != "cpu":  # the caller copies the outputs next: let the GPU finish them
                        dev.backend.synchronize(dev.index)
        except BaseException as e:  # re-raised in the caller's thread below
            errors[i] = e

    if len(modules) == 1:
        work(0)
    else:
        threads = [threading.Thread(target=work, args=(i,), name=f"brickwork-replica-{i}")
                   for i in range(len(modules))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for i, e in enumerate(errors):
        if e is not None:
            if hasattr(e, "add_note"):  # Python 3.11+
                e.add_note(f"(raised in replica {i} on device {devs[i]}, run by nn.parallel.parallel_apply)")
            raise e
    return results
