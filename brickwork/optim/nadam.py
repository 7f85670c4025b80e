"""NAdam: Adam with Nesterov momentum (and an optional decoupled weight decay)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, lerp_,
                        param_state, plain_grad, scalar_state, zeros_state)

__all__ = ["NAdam"]


def check_betas(betas: tuple[float, float]) -> None:
    """PyTorch's beta checks (each in ``[0, 1)``)."""
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]} (expected 0 <= beta < 1)")


class NAdam(Optimizer):
    """NAdam, like ``torch.optim.NAdam`` (same defaults, state and update order).

    The momentum coefficient follows ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))``; ``mu_product``
    (a 0-d state tensor, as in PyTorch) is the running product of the ``mu_t``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the moment averages (default (0.9, 0.999)).
        eps: term added to the denominator (default 1e-8).
        weight_decay: L2 penalty, or decoupled decay with ``decoupled_weight_decay`` (default 0).
        momentum_decay: the momentum schedule's decay (default 4e-3).
        decoupled_weight_decay: scale ``p`` by ``1 - lr * weight_decay`` instead of adding an L2 term (NAdamW).
        foreach, capturable: accepted for compatibility; brickwork has one implementation.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> opt = torch.optim.NAdam([w], lr=0.1); opt.step(); opt.state[w]["mu_product"]
        tensor(0.4501)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonneg("eps", "epsilon", eps)
        check_betas(betas)
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        check_nonneg("momentum_decay", "momentum_decay", momentum_decay)
        check_flags("NAdam", foreach, None, differentiable)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, maximize=False, foreach=None, capturable=False, differentiable=False,
                               decoupled_weight_decay=False)
        for st in self.state.values():
            if "mu_product" in st and not isinstance(st["mu_product"], Tensor):
                st["mu_product"] = scalar_state(float(st["mu_product"]))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.NAdam([w]); opt.step(); sorted(opt.state[w])
            ['exp_avg', 'exp_avg_sq', 'mu_product', 'step']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = as_float(group["lr"]), group["betas"], group["eps"]
            wd, maximize, md = as_float(group["weight_decay"]), group["maximize"], group["momentum_decay"]
            decoupled = group["decoupled_weight_decay"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                state = param_state(self, p, lambda: dict(
                    step=scalar_state(), mu_product=scalar_state(1.0), exp_avg=zeros_state(p),
                    exp_avg_sq=zeros_state(p)))
                xp, pd = p._device.xp, p._data
                sd = state["step"]._data
                sd += 1
                step = float(sd)
                g = plain_grad(xp, pd, gd, maximize, 0 if decoupled else wd)
                if decoupled and wd != 0:
                    pd *= 1 - lr * wd
                bc2 = 1 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
                mp = state["mu_product"]._data
                mp *= mu
                mu_product = float(mp)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                lerp_(xp, m, g, 1 - beta1, xp.empty_like(m))
                v *= beta2
                v += g * (1 - beta2) * g
                denom = xp.sqrt(v / bc2)
                denom += eps
                pd += g * (-lr * (1.0 - mu) / (1.0 - mu_product)) / denom
                pd += m * ((-lr * mu_next) / (1.0 - mu_product * mu_next)) / denom
                p._version_counter[0] += 1
        return loss
