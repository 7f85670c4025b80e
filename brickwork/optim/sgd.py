"""Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor, _make
from .optimizer import Optimizer, as_float, check_flags, check_lr, update_grad

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, like ``torch.optim.SGD`` (same defaults and update order).

    With momentum ``mu`` and dampening ``tau``: ``b = g`` on the first step, then ``b = mu * b + (1 - tau) * g``;
    the update is ``p -= lr * (g + mu * b if nesterov else b)``, where ``g`` already includes ``weight_decay * p``
    (and is negated when ``maximize``).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3, as in PyTorch 2.x).
        momentum: momentum factor (default 0).
        dampening: dampening of the momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and zero dampening).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: accepted for compatibility; brickwork has a single in-place implementation.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True)
        >>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w - 1).pow(2).sum().backward(); opt.step()
        >>> w
        tensor([0.5400, 0.5400], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float | Tensor = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum} (expected momentum >= 0)")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay} (expected weight_decay >= 0)")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening (got momentum={momentum}, "
                             f"dampening={dampening}); pass momentum > 0 and dampening=0, or nesterov=False")
        check_flags("SGD", foreach, fused, differentiable)
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, default in (("nesterov", False), ("maximize", False), ("foreach", None),
                                 ("differentiable", False), ("fused", False)):
                group.setdefault(key, default)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.ones(1, requires_grad=True); w.grad = torch.ones(1)
            >>> torch.optim.SGD([w], lr=0.5).step(); w
            tensor([0.5000], requires_grad=True)
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr = as_float(group["lr"])
            wd = as_float(group["weight_decay"])
            momentum, dampening = group["momentum"], group["dampening"]
            nesterov, maximize = group["nesterov"], group["maximize"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                pd, dev = p._data, p._device
                if momentum == 0 and wd == 0 and not maximize and dev.backend.axpy(-lr, gd, pd):
                    p._version_counter[0] += 1  # p.add_(g, alpha=-lr) in one BLAS pass, a fused multiply-add as in PyTorch
                    continue
                buf, first = None, False
                if momentum != 0:
                    state = self.state[p]
                    t = state.get("momentum_buffer")
                    if t is None:
                        t = state["momentum_buffer"] = _make(dev.xp.empty_like(pd), dev)
                        first = True
                    elif t._device is not dev or t._data.dtype != pd.dtype:
                        self._follow(p, state)
                        t = state["momentum_buffer"]
                    buf = t._data
                self._update(_sgd, dev, (pd, gd, buf), maximize or wd != 0, lr, wd, momentum, dampening, nesterov,
                             maximize, first)
                p._version_counter[0] += 1
        return loss


def _sgd(xp: Any, p: Any, g: Any, buf: Any, tmp: Any, gbuf: Any, lr: float, wd: float, momentum: float,
         dampening: float, nesterov: bool, maximize: bool, first: bool) -> None:
    """One SGD update of the arrays ``p`` (and momentum ``buf``) in place, in PyTorch's order of operations."""
    g = update_grad(xp, p, g, tmp, gbuf, maximize, wd)
    if buf is not None:
        if first:
            xp.copyto(buf, g)  # the first buffer is the (modified) gradient itself
        else:
            buf *= momentum
            if dampening == 0:
                buf += g
            else:
                xp.multiply(g, 1 - dampening, out=tmp)
                buf += tmp
        if nesterov:
            xp.multiply(buf, momentum, out=tmp)
            g = xp.add(g, tmp, out=tmp)
        else:
            g = buf
    xp.multiply(g, -lr, out=tmp)
    p += tmp
