"""Moving data between devices for data parallelism: device lists, scatter, gather and the gradient all-reduce.

Scatter and gather are differentiable (they are chunk/cat and ``.to(device)``), so gradients flow back from the
devices' outputs to the batch and from the replicas to the original parameters.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

from ... import backends as _b
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ...backends import device

__all__ = ["as_device", "default_devices", "scatter", "scatter_kwargs", "gather", "all_reduce_gradients"]


def as_device(d: Any) -> device:
    """A device from a device, a string, or an int (a CUDA ordinal when CUDA is available, else a virtual CPU).

    Example:
        >>> as_device(0)
        device(type='cpu')
    """
    if isinstance(d, int) and not isinstance(d, bool):
        return device("cuda", d) if _b.cuda_device_count() > 0 else device("cpu", d)
    return device(d)


def default_devices() -> list[device]:
    """Every CUDA device; without one, the virtual CPU devices when ``BRICKWORK_CPU_DEVICES`` > 1; else none.

    Example:
        >>> isinstance(default_devices(), list)
        True
    """
    n = _b.cuda_device_count()
    if n:
        return [device("cuda", i) for i in range(n)]
    n = _b.cpu_device_count()
    return [device("cpu", i) for i in range(n)] if n > 1 else []


def _scatter_tensor(t: Tensor, devices: Sequence[device], dim: int) -> list[Tensor]:
    return [c.to(d) for c, d in zip(t.chunk(len(devices), dim), devices)]


def scatter(inputs: Any, target_devices: Sequence[Any], dim: int = 0) -> list[Any]:
    """Split every tensor in ``inputs`` into chunks along ``dim``, one per device, and copy each to its device.

    Tuples, lists and dicts are split element by element; anything else is passed to every device as is. With
    fewer rows than devices there are fewer chunks (and the result is shorter).

    Example:
        >>> import brickwork as torch
        >>> [c.shape for c in scatter(torch.ones(5, 2), ["cpu", "cpu"])]
        [brickwork.Size([3, 2]), brickwork.Size([2, 2])]
    """
    devices = [as_device(d) for d in target_devices]

    def go(obj: Any) -> list[Any]:
        if isinstance(obj, Tensor):
            return _scatter_tensor(obj, devices, dim)
        if isinstance(obj, tuple) and obj:
            parts = list(zip(*map(go, obj)))
            return [type(obj)(*p) if hasattr(obj, "_fields") else tuple(p) for p in parts]
        if isinstance(obj, list) and obj:
            return [list(p) for p in zip(*map(go, obj))]
        if isinstance(obj, dict) and obj:
            return [type(obj)(p) for p in zip(*map(go, obj.items()))]
        return [obj for _ in devices]

    return go(inputs)


def scatter_kwargs(inputs: tuple, kwargs: dict | None, target_devices: Sequence[Any],
                   dim: int = 0) -> tuple[tuple, tuple]:
    """`scatter` for a call's positional and keyword arguments, padded to the same number of devices.

    Example:
        >>> import brickwork as torch
        >>> args, kw = scatter_kwargs((torch.ones(4, 1),), {"scale": 2}, ["cpu", "cpu"]); len(args), kw
        (2, ({'scale': 2}, {'scale': 2}))
    """
    scattered = scatter(inputs, target_devices, dim) if inputs else []
    kw = scatter(kwargs, target_devices, dim) if kwargs else []
    if len(scattered) < len(kw):
        scattered.extend(() for _ in range(len(kw) - len(scattered)))
    elif len(kw) < len(scattered):
        kw.extend({} for _ in range(len(scattered) - len(kw)))
    return tuple(scattered), tuple(kw)


def gather(outputs: Sequence[Any], target_device: Any, dim: int = 0) -> Any:
    """Concatenate the devices' outputs along ``dim`` on ``target_device`` (nested tuples, lists, dicts too).

    0-d outputs (one loss per device) become a vector, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> gather([torch.ones(2), torch.zeros(1)], "cpu")
        tensor([1., 1., 0.])
    """
    dev = device("cpu") if target_device == -1 else as_device(target_device)

    def go(outs: Sequence[Any]) -> Any:
        out = outs[0]
        if isinstance(out, Tensor):
            from ...ops.movement import cat, stack

            moved = [o.to(dev) for o in outs]
            if all(o.ndim == 0 for o in moved):
                warnings.warn("gather: all outputs are scalars; returning a vector of them along dimension 0",
                              stacklevel=3)
                return stack(moved)
            return cat(moved, dim)
        if out is None:
            return None
        if isinstance(out, dict):
            if any(len(o) != len(out) for o in outs):
                raise ValueError("gather: the devices' output dicts have different keys")
            return type(out)((k, go([o[k] for o in outs])) for k in out)
        if isinstance(out, (list, tuple)):
            parts = [go(p) for p in zip(*outs)]
            return type(out)(*parts) if hasattr(out, "_fields") else type(out)(parts)
        raise TypeError(f"gather: cannot gather outputs of type {type(out).__name__}; return tensors (or tuples, "
                        "lists, dicts of tensors) from forward")

    return go(outputs)


def all_reduce_gradients(replicas: Sequence[Any], module: Any = None) -> None:
    """Sum the gradients of corresponding parameters of ``replicas`` and give every replica the sum.

    Replicas made by ``replicate(module, devices, detach=True)`` each compute gradients of their own part of
    the batch; afterwards each replica holds the total (an all-reduce) and, given ``module``, the total is added
    to the gradients of the original module's parameters on their device, ready for ``optimizer.step()``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.parallel import replicate
        >>> net = torch.nn.Linear(2, 1); a, b = replicate(net, ["cpu", "cpu"], detach=True)
        >>> a(torch.ones(1, 2)).sum().backward(); b(torch.ones(1, 2)).sum().backward()
        >>> all_reduce_gradients([a, b], net); net.bias.grad
        tensor([2.])
    """
    groups = [list(r.parameters()) for r in replicas]
    if module is not None:
        groups.append(list(module.parameters()))
    if len({len(g) for g in groups}) > 1:
        raise ValueError(f"all_reduce_gradients: the replicas have different numbers of parameters "
                         f"({[len(g) for g in groups]}); pass replicas of one module")
    n = len(replicas)
    with no_grad():
        for params in zip(*groups):
            grads = [p.grad for p in params[:n] if p.grad is not None]
            if not grads:
                continue
            home = params[-1]._device
            total = grads[0].to(home)
            for g in grads[1:]:
                total = total + g.to(home)
            for p in params[:n]:
                p.grad = total.to(p._device, copy=True)
            if module is not None:
                q = params[-1]
                q.grad = total if q.grad is None else q.grad + total
