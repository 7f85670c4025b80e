"""``DataParallel``: split each batch across devices, run a replica of the module on each, gather the outputs."""

from __future__ import annotations

from itertools import chain
from typing import Any, Sequence

from ...autograd.grad_mode import is_grad_enabled
from ..module import Module
from .comm import as_device, default_devices, gather, scatter_kwargs
from .parallel_apply import parallel_apply
from .replicate import replicate

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Run ``module`` on several devices at once by splitting the batch, like ``torch.nn.DataParallel``.

    Each forward scatters the inputs along ``dim`` over ``device_ids``, replicates the module onto those
    devices, runs the replicas in parallel threads and gathers the outputs on ``output_device``. A backward
    pass sums the replicas' gradients into the wrapped module's parameters, so an optimizer built on
    ``module.parameters()`` takes the same step as on one device. Buffers updated in place on
    ``device_ids[0]`` (BatchNorm's running statistics) are kept; updates on the other devices are not.

    Args:
        module: the module to run; its parameters and buffers must be on ``device_ids[0]``.
        device_ids: devices (ints, strings or devices; an int is a CUDA ordinal when CUDA is available, else a
            virtual CPU device). Default: every CUDA device, else every virtual CPU device
            (``BRICKWORK_CPU_DEVICES``); with none, the module is simply called.
        output_device: where outputs are gathered (default ``device_ids[0]``).
        dim: the batch dimension to split (default 0).

    Shape:
        - Input: any, split along ``dim``; non-tensor arguments are passed to every replica.
        - Output: the module's outputs concatenated along ``dim``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.parallel import DataParallel
        >>> net = DataParallel(torch.nn.Linear(3, 2), device_ids=["cpu"])
        >>> net(torch.ones(4, 3)).shape, list(net.state_dict())
        (brickwork.Size([4, 2]), ['module.weight', 'module.bias'])
    """

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        self.module = module
        ids = default_devices() if device_ids is None else [as_device(d) for d in device_ids]
        self.device_ids = ids
        self.dim = dim
        self.output_device = (as_device(output_device) if output_device is not None else ids[0]) if ids else None
        self.src_device_obj = ids[0] if ids else None
        if len(ids) == 1:
            module.to(ids[0])

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        _check_on(self.module, self.src_device_obj)
        args, kw = self.scatter(inputs, kwargs, self.device_ids)
        if not args and not kw:
            args, kw = ((),), ({},)
        if len(self.device_ids) == 1:
            return self.module(*args[0], **kw[0])
        replicas = self.replicate(self.module, self.device_ids[:len(args)])
        outputs = self.parallel_apply(replicas, args, kw)
        return self.gather(outputs, self.output_device)

    def replicate(self, module: Module, device_ids: Sequence[Any]) -> list[Module]:
        """Copies of ``module`` on ``device_ids`` (differentiable while recording gradients)."""
        return replicate(module, device_ids, not is_grad_enabled())

    def scatter(self, inputs: tuple, kwargs: dict, device_ids: Sequence[Any]) -> tuple[tuple, tuple]:
        """The inputs split along ``dim`` over ``device_ids``."""
        return scatter_kwargs(inputs, kwargs, device_ids, dim=self.dim)

    def parallel_apply(self, replicas: Sequence[Module], inputs: Sequence[Any], kwargs: Any) -> list[Any]:
        """The replicas' outputs, computed in parallel threads."""
        return parallel_apply(replicas, inputs, kwargs, self.device_ids[:len(replicas)])

    def gather(self, outputs: Sequence[Any], output_device: Any) -> Any:
        """The outputs concatenated along ``dim`` on ``output_device``."""
        return gather(outputs, output_device, dim=self.dim)


def _check_on(module: Module, src: Any) -> None:
    for name, t in chain(module.named_parameters(), module.named_buffers()):
        if t._device is not src:
            raise RuntimeError(f"DataParallel: module must have its parameters and buffers on device {src} "
                               f"(device_ids[0]) but found {name} on device {t.device}; move the model first "
                               f"with model.to('{src}')")


def data_parallel(module: Module, inputs: Any, device_ids: Sequence[Any] | None = None, output_device: Any = None,
                  dim: int = 0, module_kwargs: dict | None = None) -> Any:
    """The functional form of `DataParallel`: one parallel forward of ``module`` on ``inputs``.

    Example:
        >>> import brickwork as torch
        >>> data_parallel(torch.nn.Linear(3, 2), torch.ones(4, 3), device_ids=["cpu"]).shape
        brickwork.Size([4, 2])
    """
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    devs = default_devices() if device_ids is None else [as_device(d) for d in device_ids]
    if not devs:
        return module(*inputs, **(module_kwargs or {}))
    out_dev = devs[0] if output_device is None else as_device(output_device)
    _check_on(module, devs[0])
    args, kwargs = scatter_kwargs(inputs, module_kwargs or {}, devs, dim)
    if not args and not kwargs:
        args, kwargs = ((),), ({},)
    if len(devs) == 1:
        return module(*args[0], **kwargs[0])
    replicas = replicate(module, devs[:len(args)], not is_grad_enabled())
    return gather(parallel_apply(replicas, args, kwargs, devs[:len(replicas)]), out_dev, dim)
