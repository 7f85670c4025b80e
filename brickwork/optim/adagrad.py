"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor, _make
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, scalar_state,
                        update_grad)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, like ``torch.optim.Adagrad`` (same defaults, state and update order).

    Per step ``t``: ``s += g * g`` and ``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)``, where ``s``
    starts at ``initial_accumulator_value`` (the state exists from construction, as in PyTorch).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lr_decay: learning rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of the sum of squares (default 0).
        eps: term added to the denominator (default 1e-10).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: accepted for compatibility; brickwork has one in-place implementation.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> torch.optim.Adagrad([w], lr=0.1).step(); w
        tensor([-0.1000, -0.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        check_lr(lr)
        check_nonneg("lr_decay", "lr_decay", lr_decay)
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        check_nonneg("initial_accumulator_value", "initial_accumulator_value", initial_accumulator_value)
        check_nonneg("eps", "epsilon", eps)
        check_flags("Adagrad", foreach, fused, differentiable)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        state["step"] = scalar_state()
        state["sum"] = _make(p._device.xp.full_like(p._data, group["initial_accumulator_value"]), p._device)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, foreach=None, maximize=False, differentiable=False, fused=None)

    def share_memory(self) -> None:
        """Nothing to do: brickwork state lives in ordinary process memory (kept for API compatibility)."""

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.Adagrad([w]); opt.step(); opt.state[w]["sum"]
            tensor([1.])
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr = as_float(group["lr"])
            lr_decay, eps, maximize = group["lr_decay"], group["eps"], group["maximize"]
            wd = as_float(group["weight_decay"])
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                pd, dev = p._data, p._device
                state = self.state[p]
                if len(state) == 0:
                    self._init_state(p, group)
                elif state["sum"]._device is not dev or state["sum"]._data.dtype != pd.dtype:
                    self._follow(p, state)
                sd = state["step"]._data
                sd += 1
                clr = lr / (1 + (float(sd) - 1) * lr_decay)
                self._update(_adagrad, dev, (pd, gd, state["sum"]._data), maximize or wd != 0, clr, eps, wd,
                             maximize)
                p._version_counter[0] += 1
        return loss


def _adagrad(xp: Any, p: Any, g: Any, s: Any, tmp: Any, gbuf: Any, clr: float, eps: float, wd: float,
             maximize: bool) -> None:
    """One Adagrad update of ``p`` and its sum of squares ``s`` in place, in PyTorch's order of operations."""
    g = update_grad(xp, p, g, tmp, gbuf, maximize, wd)
    xp.multiply(g, g, out=tmp)
    s += tmp
    xp.sqrt(s, out=tmp)
    tmp += eps
    xp.divide(g, tmp, out=tmp)
    tmp *= -clr
    p += tmp
