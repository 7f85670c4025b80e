"""RMSprop, with optional momentum, centering and weight decay."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor, _make
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, lerp_,
                        scalar_state, square_avg_, update_grad)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, like ``torch.optim.RMSprop`` (same defaults, state and update order).

    ``v = alpha * v + (1 - alpha) * g * g``; the denominator is ``sqrt(v) + eps``, or with ``centered``
    ``sqrt(v - a * a) + eps`` where ``a = lerp(a, g, 1 - alpha)``. Without momentum ``p -= lr * g / denom``;
    with momentum ``b = momentum * b + g / denom`` and ``p -= lr * b``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: term added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by an estimate of the gradient's variance.
        maximize: maximize the objective instead of minimizing it.
        capturable, foreach: accepted for compatibility; brickwork has one in-place implementation.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
        >>> torch.optim.RMSprop([w], lr=0.01).step(); w
        tensor([-0.1000, -0.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        check_lr(lr)
        check_nonneg("eps", "epsilon", eps)
        check_nonneg("momentum", "momentum", momentum)
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        check_nonneg("alpha", "alpha", alpha)
        check_flags("RMSprop", foreach, None, differentiable)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, momentum=0, centered=False, foreach=None, maximize=False, differentiable=False,
                               capturable=False)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.RMSprop([w], momentum=0.9); opt.step(); sorted(opt.state[w])
            ['momentum_buffer', 'square_avg', 'step']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr = as_float(group["lr"])
            alpha, eps, wd = group["alpha"], group["eps"], as_float(group["weight_decay"])
            momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                pd, dev = p._data, p._device
                state = self.state[p]
                if len(state) == 0:
                    xp = dev.xp
                    state["step"] = scalar_state()
                    state["square_avg"] = _make(xp.zeros_like(pd), dev)
                    if momentum > 0:
                        state["momentum_buffer"] = _make(xp.zeros_like(pd), dev)
                    if centered:
                        state["grad_avg"] = _make(xp.zeros_like(pd), dev)
                elif state["square_avg"]._device is not dev or state["square_avg"]._data.dtype != pd.dtype:
                    self._follow(p, state)
                state["step"]._data += 1
                buf = state["momentum_buffer"]._data if momentum > 0 else None
                grad_avg = state["grad_avg"]._data if centered else None
                self._update(_rmsprop, dev, (pd, gd, state["square_avg"]._data, grad_avg, buf), maximize or wd != 0,
                             lr, alpha, eps, wd, momentum, maximize)
                p._version_counter[0] += 1
        return loss


def _rmsprop(xp: Any, p: Any, g: Any, sq: Any, ga: Any, buf: Any, tmp: Any, gbuf: Any, lr: float, alpha: float,
             eps: float, wd: float, momentum: float, maximize: bool) -> None:
    """One RMSprop update of ``p`` and its state arrays in place (``ga`` when centered, ``buf`` with momentum)."""
    g = update_grad(xp, p, g, tmp, gbuf, maximize, wd)
    square_avg_(xp, sq, g, alpha, tmp)
    if ga is not None:
        lerp_(xp, ga, g, 1 - alpha, tmp)  # the denominator is sqrt(sq - ga * ga)
        xp.multiply(ga, ga, out=tmp)
        xp.subtract(sq, tmp, out=tmp)
        xp.sqrt(tmp, out=tmp)
    else:
        xp.sqrt(sq, out=tmp)
    tmp += eps
    xp.divide(g, tmp, out=tmp)
    if buf is not None:
        buf *= momentum
        buf += tmp
        xp.multiply(buf, -lr, out=tmp)
    else:
        tmp *= -lr
    p += tmp
