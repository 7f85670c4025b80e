"""The older, hook-based ``weight_norm`` and ``spectral_norm`` (deprecated in PyTorch in favour of
`brickwork.nn.utils.parametrizations`): the parameters become ``weight_g``/``weight_v`` (or ``weight_orig``
with ``weight_u``/``weight_v`` buffers) and a forward pre-hook recomputes ``module.weight`` before each call."""

from __future__ import annotations

import warnings
from typing import Any

from ... import ops
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from .parametrizations import _norm_except_dim

__all__ = ["weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm"]


class _WeightNormHook:
    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute(self, module: Module) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module: Module, inputs: Any) -> None:
        object.__setattr__(module, self.name, self.compute(module))


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Hook-based weight normalization: ``weight = weight_g * weight_v / ||weight_v||`` (deprecated).

    Example:
        >>> import brickwork as torch, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     m = torch.nn.utils.weight_norm(torch.nn.Linear(20, 40))
        >>> m.weight_g.shape, m.weight_v.shape
        (brickwork.Size([40, 1]), brickwork.Size([40, 20]))
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, _WeightNormHook) and getattr(hook, "name", None) == name:
            raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    hook = _WeightNormHook(name, -1 if dim is None else dim)
    weight = getattr(module, name)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, hook.dim).detach().clone()))
    module.register_parameter(name + "_v", Parameter(weight.detach().clone()))
    object.__setattr__(module, name, hook.compute(module))
    module.register_forward_pre_hook(hook)
    return module


def _remove_hook(module: Module, name: str, kind: type) -> Any:
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, kind) and getattr(hook, "name", None) == name:
            del module._forward_pre_hooks[key]
            return hook
    what = "weight_norm" if kind is _WeightNormHook else "spectral_norm"
    raise ValueError(f"{what} of '{name}' not found in {module}")


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo `weight_norm`: ``weight`` becomes a parameter again (with its current value).

    Example:
        >>> import brickwork as torch, warnings
        >>> warnings.simplefilter("ignore")
        >>> m = torch.nn.utils.remove_weight_norm(torch.nn.utils.weight_norm(torch.nn.Linear(2, 3)))
        >>> [n for n, _ in m.named_parameters()]
        ['bias', 'weight']
    """
    hook = _remove_hook(module, name, _WeightNormHook)
    with no_grad():
        value = hook.compute(module).detach().clone()
    del module._parameters[name + "_g"], module._parameters[name + "_v"]
    object.__delattr__(module, name)
    module.register_parameter(name, Parameter(value))
    return module


class _SpectralNormHook:
    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def matrix(self, weight: Tensor) -> Tensor:
        return (weight.movedim(self.dim, 0) if self.dim else weight).flatten(1)

    def compute(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = self.matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(F.normalize(mat.mT.mv(u), dim=0, eps=self.eps))
                    u.copy_(F.normalize(mat.mv(v), dim=0, eps=self.eps))
                u, v = u.clone(), v.clone()
        return weight / ops.vdot(u, mat.mv(v))

    def __call__(self, module: Module, inputs: Any) -> None:
        object.__setattr__(module, self.name, self.compute(module, module.training))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """Hook-based spectral normalization: ``weight = weight_orig / sigma(weight_orig)`` by power iteration.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.utils.spectral_norm(torch.nn.Linear(20, 40))
        >>> m.weight_orig.shape, m.weight_u.shape, m.weight_v.shape
        (brickwork.Size([40, 20]), brickwork.Size([40]), brickwork.Size([20]))
    """
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    if n_power_iterations <= 0:
        raise ValueError(f"Expected n_power_iterations to be positive, but got n_power_iterations="
                         f"{n_power_iterations}")
    hook = _SpectralNormHook(name, n_power_iterations, dim, eps)
    weight = getattr(module, name)
    with no_grad():
        mat = hook.matrix(weight)
        h, w = mat.shape
        u = F.normalize(ops.randn(h, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
        v = F.normalize(ops.randn(w, dtype=weight.dtype, device=weight.device), dim=0, eps=eps)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    object.__setattr__(module, name, weight.detach() * 1.0)
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo `spectral_norm`: ``weight`` becomes a parameter again (the normalized value).

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.utils.remove_spectral_norm(torch.nn.utils.spectral_norm(torch.nn.Linear(2, 3)))
        >>> [n for n, _ in m.named_parameters()]
        ['bias', 'weight']
    """
    hook = _remove_hook(module, name, _SpectralNormHook)
    with no_grad():
        value = hook.compute(module, False).detach().clone()
    del module._parameters[name + "_orig"], module._buffers[name + "_u"], module._buffers[name + "_v"]
    object.__delattr__(module, name)
    module.register_parameter(name, Parameter(value))
    return module
