"""Adadelta: per-coordinate learning rates from running averages of squared gradients and squared updates."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, param_state,
                        plain_grad, scalar_state, zeros_state)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, like ``torch.optim.Adadelta`` (same defaults, state and update order).

    ``v = rho * v + (1 - rho) * g * g``; ``d = sqrt(u + eps) / sqrt(v + eps) * g``;
    ``u = rho * u + (1 - rho) * d * d``; ``p -= lr * d``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient that scales the update (default 1.0).
        rho: decay rate of the running averages (default 0.9).
        eps: term added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable: accepted for compatibility; brickwork has one implementation.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> torch.optim.Adadelta([w]).step(); w
        tensor([-0.0032, -0.0032], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho} (expected 0 <= rho <= 1)")
        check_nonneg("eps", "epsilon", eps)
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        check_flags("Adadelta", foreach, None, differentiable)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "capturable": capturable, "foreach": foreach, "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.Adadelta([w]); opt.step(); sorted(opt.state[w])
            ['acc_delta', 'square_avg', 'step']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, rho, eps = as_float(group["lr"]), group["rho"], group["eps"]
            wd, maximize = as_float(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                state = param_state(self, p, lambda: dict(
                    step=scalar_state(), square_avg=zeros_state(p), acc_delta=zeros_state(p)))
                xp, pd = p._device.xp, p._data
                state["step"]._data += 1
                g = plain_grad(xp, pd, gd, maximize, wd)
                sq, acc = state["square_avg"]._data, state["acc_delta"]._data
                sq *= rho
                sq += g * (1 - rho) * g
                std = xp.sqrt(sq + eps)
                delta = xp.sqrt(acc + eps)
                delta /= std
                delta *= g
                acc *= rho
                acc += delta * (1 - rho) * delta
                pd += delta * -lr
                p._version_counter[0] += 1
        return loss
