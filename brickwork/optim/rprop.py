"""Rprop: resilient backpropagation (per-coordinate step sizes driven by gradient signs)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor
from .optimizer import (Optimizer, as_float, check_flags, check_lr, restore_group_defaults, param_state, plain_grad,
                        scalar_state, zeros_state)

__all__ = ["Rprop"]

class Rprop(Optimizer):
    """Rprop, like ``torch.optim.Rprop`` (same defaults, state and update order).

    Where the gradient keeps its sign the step size grows by ``etas[1]``, where it flips it shrinks by ``etas[0]``
    (and that coordinate's gradient counts as 0 for this step); step sizes stay within ``step_sizes``; the
    parameter moves by ``-sign(g) * step_size``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: initial step size (default 1e-2).
        etas: multiplicative decrease and increase factors (default (0.5, 1.2)).
        step_sizes: minimal and maximal step sizes (default (1e-6, 50)).
        foreach, capturable: accepted for compatibility; brickwork has one implementation.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> torch.optim.Rprop([w], lr=0.1).step(); w
        tensor([-0.1000, -0.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]} (expected 0 < etas[0] < 1 < etas[1])")
        check_flags("Rprop", foreach, None, differentiable)
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, foreach=None, maximize=False, differentiable=False, capturable=False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.Rprop([w]); opt.step(); sorted(opt.state[w])
            ['prev', 'step', 'step_size']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, (etaminus, etaplus) = as_float(group["lr"]), group["etas"]
            smin, smax = group["step_sizes"]
            maximize = group["maximize"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                state = param_state(self, p, lambda: dict(
                    step=scalar_state(), prev=zeros_state(p), step_size=zeros_state(p, lr)))
                xp, pd = p._device.xp, p._data
                state["step"]._data += 1
                g = plain_grad(xp, pd, gd, maximize, 0)
                prev, ss = state["prev"]._data, state["step_size"]._data
                sign = xp.sign(g * prev)
                sign[sign > 0] = etaplus
                sign[sign < 0] = etaminus
                sign[sign == 0] = 1
                ss *= sign
                xp.clip(ss, smin, smax, out=ss)
                g = g.copy()
                g[sign == etaminus] = 0
                pd -= xp.sign(g) * ss
                prev[...] = g
                p._version_counter[0] += 1
        return loss
