"""``swap_in_optimizer_params_and_state``: run an optimizer on other parameters and state for a while."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from .._tensor import Tensor
from .optimizer import Optimizer

__all__ = ["swap_in_optimizer_params_and_state"]

_NAME = "swap_in_optimizer_params_and_state"


def _checked_groups(optimizer: Optimizer, swapin_optim_state: Any, count: int) -> list[tuple[dict, dict, slice]]:
    """(live group, swap-in group, slice of the swap-in parameters) per group, after PyTorch's checks."""
    if not optimizer.state:
        raise RuntimeError(f"{_NAME} requires initialized optimizer state.")
    if not isinstance(swapin_optim_state, dict):
        raise RuntimeError(f"{_NAME} requires a DCP-style optimizer state_dict.")
    state, groups = swapin_optim_state.get("state"), swapin_optim_state.get("param_groups")
    if not isinstance(state, dict):
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['state'] to be a dict mapping packed parameter ids "
                           f"to per-param state dicts, got {type(state).__name__}.")
    if any(isinstance(k, Tensor) for k in state):
        raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style state keyed by packed parameter ids.")
    if any(isinstance(k, int) and not isinstance(v, dict) for k, v in state.items()):
        raise RuntimeError(f"{_NAME} requires per-parameter optimizer state entries to be dictionaries.")
    if not isinstance(groups, list):
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['param_groups'] to be a list of param-group dicts, "
                           f"got {type(groups).__name__}.")
    if len(groups) != len(optimizer.param_groups):
        raise RuntimeError("swapin_optim_state has a different number of parameter groups than the live optimizer.")
    out, start, seen = [], 0, set()
    for i, (live, new) in enumerate(zip(optimizer.param_groups, groups)):
        if not isinstance(new, dict):
            raise RuntimeError(f"{_NAME} requires each optimizer param group to be a dictionary.")
        ids = new.get("params")
        if not isinstance(ids, list) or not all(isinstance(k, int) for k in ids):
            raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style param_groups[*]['params'] entries "
                               "keyed by packed parameter ids.")
        if len(ids) != len(live["params"]):
            raise RuntimeError(f"swapin_optim_state param group {i} has a different number of params than the live "
                               "optimizer param group.")
        only_new, only_live = [k for k in new if k not in live], [k for k in live if k not in new]
        if only_new or only_live:
            raise RuntimeError(f"{_NAME} requires optimizer.state_dict()-style param group keys to exactly match "
                               f"the live optimizer group keys for group {i}. Keys only in swap-in: {only_new}. "
                               f"Keys only in live: {only_live}.")
        if start + len(ids) > count:
            raise RuntimeError(f"{_NAME} requires the explicit parameter state to match optimizer.param_groups "
                               "ordering.")
        out.append((live, new, slice(start, start + len(ids))))
        start += len(ids)
        seen.update(ids)
    extra = [k for k in state if k not in seen]
    if extra:
        raise RuntimeError(f"{_NAME} requires swapin_optim_state['state'] to be keyed only by packed parameter ids "
                           f"from param_groups[*]['params']; got extra keys {extra!r}.")
    return out


@contextlib.contextmanager
def swap_in_optimizer_params_and_state(optimizer: Optimizer, swapin_parameters: dict[str, Tensor],
                                       swapin_optim_state: dict[str, Any]) -> Iterator[None]:
    """Temporarily replace ``optimizer``'s parameters and state with the given ones, then restore them.

    ``swapin_parameters`` holds the tensors to optimize, in the order of the optimizer's parameters (as in
    ``model.named_parameters()``); ``swapin_optim_state`` is shaped like ``optimizer.state_dict()`` (its
    ``param_groups`` options are used inside the context). ``step()`` updates the swapped-in tensors, and
    in-place changes to the swapped-in state tensors stay in ``swapin_optim_state``; the live optimizer's
    parameters, options and state are as before on exit.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> w.grad = torch.ones(2); opt.step()
        >>> other = torch.zeros(2, requires_grad=True); other.grad = torch.ones(2)
        >>> with torch.optim.swap_in_optimizer_params_and_state(opt, {"w": other}, opt.state_dict()):
        ...     opt.step()
        >>> w, other
        (tensor([-0.1000, -0.1000], requires_grad=True), tensor([-0.1900, -0.1900], requires_grad=True))
    """
    tensors = list(swapin_parameters.values())
    plan = _checked_groups(optimizer, swapin_optim_state, len(tensors))
    state = swapin_optim_state["state"]
    original_state = optimizer.state
    snapshots = [dict(g) for g in optimizer.param_groups]
    try:
        swapped: defaultdict[Tensor, Any] = defaultdict(dict)
        for live, new, where in plan:
            live["params"] = tensors[where]
            live.update({k: v for k, v in new.items() if k != "params"})
            for p, k in zip(live["params"], new["params"]):
                swapped[p] = dict(state.get(k, {}))  # a shallow copy: in-place tensor updates reach the caller
        optimizer.state = swapped
        yield
    finally:
        for group, snapshot in zip(optimizer.param_groups, snapshots):
            group.clear()
            group.update(snapshot)
        optimizer.state = original_state
