"""Adamax: Adam with the infinity norm of past gradients in the denominator."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, lerp_,
                        param_state, plain_grad, scalar_state, zeros_state)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, like ``torch.optim.Adamax`` (same defaults, state and update order).

    ``m = lerp(m, g, 1 - beta1)``; ``u = max(beta2 * u, |g| + eps)``; ``p -= lr / (1 - beta1**t) * m / u``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the first moment and of the infinity norm (default (0.9, 0.999)).
        eps: term added to the norm (default 1e-8).
        weight_decay: L2 penalty (default 0).
        foreach, capturable: accepted for compatibility; brickwork has one implementation.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> torch.optim.Adamax([w], lr=0.1).step(); w
        tensor([-0.1000, -0.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        check_lr(lr)
        check_nonneg("eps", "epsilon", eps)
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]} (expected 0 <= beta < 1)")
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        check_flags("Adamax", foreach, None, differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.Adamax([w]); opt.step(); sorted(opt.state[w])
            ['exp_avg', 'exp_inf', 'step']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = as_float(group["lr"]), group["betas"], group["eps"]
            wd, maximize = as_float(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                state = param_state(self, p, lambda: dict(
                    step=scalar_state(), exp_avg=zeros_state(p), exp_inf=zeros_state(p)))
                xp, pd = p._device.xp, p._data
                sd = state["step"]._data
                sd += 1
                g = plain_grad(xp, pd, gd, maximize, wd)
                m, u = state["exp_avg"]._data, state["exp_inf"]._data
                lerp_(xp, m, g, 1 - beta1, xp.empty_like(m))
                u *= beta2
                xp.maximum(u, xp.abs(g) + eps, out=u)
                clr = lr / (1 - beta1 ** float(sd))
                pd += m * -clr / u
                p._version_counter[0] += 1
        return loss
