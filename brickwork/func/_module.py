"""``torch.func``'s helpers for modules: call one with given tensors, stack the state of several (for vmap)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._tensor import Tensor

if TYPE_CHECKING:
    from ..nn import Module

__all__ = ["functional_call", "stack_module_state", "replace_all_batch_norm_modules_"]


def functional_call(module: Module, parameter_and_buffer_dicts: dict[str, Tensor] | Sequence[dict[str, Tensor]],
                    args: Any = None, kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """``module(*args, **kwargs)`` with the given tensors in place of its parameters and buffers (by dotted name).

    ``parameter_and_buffer_dicts`` is one dict or several (no name in two). The module is unchanged afterwards.
    This is what makes a module a function of its weights for `grad` and `vmap`.

    Example:
        >>> import brickwork as torch
        >>> lin = torch.nn.Linear(2, 1)
        >>> torch.func.functional_call(lin, {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}, torch.ones(1, 2))
        tensor([[2.]])
    """
    from ..nn.utils.stateless import _functional_call  # nn loads on first use, not with brickwork.func

    if isinstance(parameter_and_buffer_dicts, dict):
        given = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        keys = [k for d in parameter_and_buffer_dicts for k in d]
        repeated = sorted({k for k in keys if keys.count(k) > 1}, key=keys.index)
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        given = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    return _functional_call(module, given, args, kwargs, tie_weights=tie_weights, strict=strict)


def _stacked(tensors: list[Tensor], name: str) -> Tensor:
    from ..ops import stack

    flags = {t.requires_grad for t in tensors}
    if len(flags) > 1:
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    out = stack(tensors)
    return out.detach().requires_grad_() if flags == {True} else out


def stack_module_state(models: Sequence[Module]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(params, buffers)``: each name's tensors from all ``models`` stacked in a new first dimension.

    With `functional_call` and `vmap` this runs an ensemble of same-shaped models as one function. Stacked
    parameters are new leaves (they require grad when the models' do).

    Example:
        >>> import brickwork as torch
        >>> params, buffers = torch.func.stack_module_state([torch.nn.Linear(3, 2) for _ in range(4)])
        >>> params["weight"].shape
        brickwork.Size([4, 2, 3])
    """
    if len(models) == 0:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if len({type(m) for m in models}) > 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    params = [dict(m.named_parameters()) for m in models]
    buffers = [dict(m.named_buffers()) for m in models]
    return ({k: _stacked([p[k] for p in params], k) for k in params[0]},
            {k: _stacked([b[k] for b in buffers], k) for k in buffers[0]})


def replace_all_batch_norm_modules_(root: Module) -> Module:
    """Make every batch-norm layer in ``root`` use batch statistics only (no running stats), in place.

    Running statistics are state that a function of the weights cannot update under `vmap`.

    Example:
        >>> import brickwork as torch
        >>> net = torch.func.replace_all_batch_norm_modules_(torch.nn.Sequential(torch.nn.BatchNorm1d(3)))
        >>> net[0].track_running_stats, net[0].running_mean
        (False, None)
    """
    from ..nn.modules.batchnorm import _BatchNorm

    for m in root.modules():
        if isinstance(m, _BatchNorm) and m.track_running_stats:
            m.running_mean = None
            m.running_var = None
            m.num_batches_tracked = None
            m.track_running_stats = False
    return root
