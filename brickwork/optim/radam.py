"""RAdam: Adam with a rectified variance estimate (and an optional decoupled weight decay)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor
from .nadam import check_betas
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, lerp_,
                        param_state, plain_grad, scalar_state, zeros_state)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam, like ``torch.optim.RAdam`` (same defaults, state and update order).

    While the length of the approximated simple moving average ``rho_t`` is at most 5, the step is plain bias-
    corrected momentum (``p -= lr * m / (1 - beta1**t)``); after that it is Adam's step times the rectification.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the moment averages (default (0.9, 0.999)).
        eps: term added to the denominator (default 1e-8).
        weight_decay: L2 penalty, or decoupled decay with ``decoupled_weight_decay`` (default 0).
        decoupled_weight_decay: scale ``p`` by ``1 - lr * weight_decay`` instead of adding an L2 term (RAdamW).
        foreach, capturable: accepted for compatibility; brickwork has one implementation.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> torch.optim.RAdam([w], lr=0.1).step(); w
        tensor([-0.1000, -0.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonneg("eps", "epsilon", eps)
        check_betas(betas)
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        check_flags("RAdam", foreach, None, differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable, "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, foreach=None, maximize=False, differentiable=False, decoupled_weight_decay=False,
                               capturable=False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.RAdam([w]); opt.step(); sorted(opt.state[w])
            ['exp_avg', 'exp_avg_sq', 'step']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = as_float(group["lr"]), group["betas"], group["eps"]
            wd, maximize, decoupled = as_float(group["weight_decay"]), group["maximize"], \
                group["decoupled_weight_decay"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                state = param_state(self, p, lambda: dict(
                    step=scalar_state(), exp_avg=zeros_state(p), exp_avg_sq=zeros_state(p)))
                xp, pd = p._device.xp, p._data
                sd = state["step"]._data
                sd += 1
                step = float(sd)
                g = plain_grad(xp, pd, gd, maximize, 0 if decoupled else wd)
                if decoupled and wd != 0:
                    pd *= 1 - lr * wd
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                lerp_(xp, m, g, 1 - beta1, xp.empty_like(m))
                v *= beta2
                v += g * (1 - beta2) * g
                bc1, bc2 = 1 - beta1 ** step, 1 - beta2 ** step
                upd = m / bc1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
                upd *= lr
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    den = xp.sqrt(v)
                    den += eps
                    upd *= (bc2 ** 0.5) / den
                    upd *= rect
                pd -= upd
                p._version_counter[0] += 1
        return loss
