"""ASGD: averaged stochastic gradient descent."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .._tensor import Tensor, _make
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, param_state,
                        plain_grad, scalar_state, zeros_state)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD, like ``torch.optim.ASGD`` (same defaults, state and update order).

    ``p = p * (1 - lambd * eta) - eta * g``; the average ``ax`` follows ``p`` with weight ``mu``; then
    ``eta = lr / (1 + lambd * lr * t) ** alpha`` and ``mu = 1 / max(1, t - t0)``. ``eta`` and ``mu`` are 0-d state
    tensors on the parameter's device, as in PyTorch.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the ``eta`` update (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable: accepted for compatibility; brickwork has one implementation.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> torch.optim.ASGD([w], lr=0.1).step(); w
        tensor([-0.1000, -0.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        check_flags("ASGD", foreach, None, differentiable)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.ASGD([w]); opt.step(); sorted(opt.state[w])
            ['ax', 'eta', 'mu', 'step']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = as_float(group["lr"]), group["lambd"], group["alpha"], group["t0"]
            wd, maximize = as_float(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue

                def init(p: Tensor = p) -> dict[str, Any]:
                    dt = scalar_state()._data.dtype
                    return {"step": scalar_state(), "eta": _make(p._device.xp.asarray(np.array(lr, dt)), p._device),
                            "mu": _make(p._device.xp.asarray(np.array(1.0, dt)), p._device), "ax": zeros_state(p)}

                state = param_state(self, p, init)
                xp, pd = p._device.xp, p._data
                sd = state["step"]._data
                sd += 1
                step = float(sd)
                g = plain_grad(xp, pd, gd, maximize, wd)
                eta, mu = float(state["eta"]._data), float(state["mu"]._data)
                pd *= 1 - lambd * eta
                pd += g * -eta
                ax = state["ax"]._data
                if mu != 1:
                    ax += (pd - ax) * mu
                else:
                    ax[...] = pd
                # PyTorch makes the new values default-dtype tensors first (a float64 state then holds them rounded)
                state["eta"]._data[...] = scalar_state(lr / ((1 + lambd * lr * step) ** alpha))._data
                state["mu"]._data[...] = scalar_state(1 / max(1, step - t0))._data
                p._version_counter[0] += 1
        return loss
