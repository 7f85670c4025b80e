"""Copies of a module on several devices, sharing structure (ties, shared submodules) like the original."""

from __future__ import annotations

from typing import Any, Sequence

from ..._tensor import Tensor
from ...autograd.grad_mode import enable_grad, no_grad
from ...ops.creation import _convert
from ..module import Module
from ..parameter import Parameter, is_pending
from .comm import as_device

__all__ = ["replicate"]


def replicate(network: Module, devices: Sequence[Any], detach: bool = False) -> list[Module]:
    """One copy of ``network`` per device, like ``torch.nn.parallel.replicate``.

    Each replica is a shallow copy of every submodule whose parameters and buffers are copies on its device;
    tied parameters and shared submodules stay tied and shared within a replica. On ``network``'s own device
    the replica uses the original tensors, so in-place buffer updates there (running statistics) are kept.

    With ``detach=False`` the copies are differentiable: a backward pass through the replicas adds their
    gradients into the original parameters. With ``detach=True`` each replica has its own leaf parameters
    (use `all_reduce_gradients` to combine their gradients).

    Example:
        >>> import brickwork as torch
        >>> net = torch.nn.Linear(2, 1); r = replicate(net, ["cpu"])[0]
        >>> r is net, r.weight is net.weight
        (False, True)
    """
    devs = [as_device(d) for d in devices]
    for name, t in list(network.named_parameters()) + list(network.named_buffers()):
        if is_pending(t):
            raise RuntimeError(f"replicate: {name} of {type(network).__name__} is not initialized yet (a lazy "
                               "module); run one forward pass on a single device before replicating it")
    params = list(network.parameters())
    buffers = list(network.buffers())
    replicas = []
    for dev in devs:
        tensors: dict[int, Tensor] = {}
        for p in params:
            tensors[id(p)] = _copy_param(p, dev, detach)
        with no_grad():
            for b in buffers:
                tensors[id(b)] = _convert(b.detach() if detach or not b.requires_grad else b, dev, None) \
                    if b._device is not dev else b
        replicas.append(_copy_module(network, tensors, {}))
    return replicas


def _copy_param(p: Tensor, dev: Any, detach: bool) -> Tensor:
    if detach:
        with no_grad():
            data = p.detach() if p._device is dev else _convert(p.detach(), dev, None)
        return Parameter(data, requires_grad=p.requires_grad)
    with enable_grad():
        return _convert(p, dev, None)  # p itself on its own device; else a copy whose backward reaches p


def _copy_module(m: Module, tensors: dict[int, Tensor], memo: dict[int, Module]) -> Module:
    done = memo.get(id(m))
    if done is not None:
        return done
    r = object.__new__(type(m))
    d = r.__dict__
    d.update(m.__dict__)
    memo[id(m)] = r
    d["_parameters"] = {k: None if p is None else tensors[id(p)] for k, p in m._parameters.items()}
    d["_buffers"] = {k: None if b is None else tensors[id(b)] for k, b in m._buffers.items()}
    d["_non_persistent_buffers_set"] = set(m._non_persistent_buffers_set)
    d["_modules"] = {k: None if c is None else _copy_module(c, tensors, memo) for k, c in m._modules.items()}
    d["_is_replica"] = True
    return r
