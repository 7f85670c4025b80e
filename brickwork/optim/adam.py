"""Adam and AdamW (Adam with decoupled weight decay), with AMSGrad and maximize options."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor, _make
from .optimizer import (Optimizer, as_float, check_flags, check_lr, check_nonneg, restore_group_defaults, lerp_,
                        scalar_state, square_avg_, update_grad)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, like ``torch.optim.Adam`` (same defaults, state and update order).

    Per step ``t``: ``m = lerp(m, g, 1 - beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``, and
    ``p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)``, with ``v`` replaced by its running
    maximum under AMSGrad. ``weight_decay`` adds ``weight_decay * p`` to the gradient, or with
    ``decoupled_weight_decay=True`` (AdamW) scales ``p`` by ``1 - lr * weight_decay`` first.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: term added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        amsgrad: use the AMSGrad variant (default False).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: apply AdamW's decoupled weight decay.
        foreach, capturable, fused: accepted for compatibility; brickwork has one in-place implementation.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True)
        >>> opt = torch.optim.Adam([w], lr=0.1)
        >>> opt.zero_grad(); (w - 1).pow(2).sum().backward(); opt.step()
        >>> w
        tensor([0.1000, 0.1000], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        check_lr(lr)
        check_nonneg("eps", "epsilon", eps)
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]} (expected 0 <= beta < 1)")
        check_nonneg("weight_decay", "weight_decay", weight_decay)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError(f"betas must be either both floats or both Tensors, got "
                             f"({type(betas[0]).__name__}, {type(betas[1]).__name__}); write e.g. (0.9, 0.999)")
        check_flags(type(self).__name__, foreach, fused, differentiable)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_group_defaults(self, amsgrad=False, maximize=False, foreach=None, capturable=False,
                               differentiable=False, decoupled_weight_decay=False, fused=None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.ones(1, requires_grad=True); w.grad = torch.ones(1)
            >>> opt = torch.optim.Adam([w], lr=0.5); opt.step(); opt.state[w]["step"], w
            (tensor(1.), tensor([0.5000], requires_grad=True))
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr = as_float(group["lr"])
            # a Tensor lr makes PyTorch compute lr-derived scalars in the tensor's dtype; do the same
            lr_arr = group["lr"]._data if isinstance(group["lr"], Tensor) else None
            beta1, beta2 = (as_float(b) for b in group["betas"])
            eps, wd = group["eps"], as_float(group["weight_decay"])
            amsgrad, maximize = group["amsgrad"], group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                pd, dev = p._data, p._device
                state = self.state[p]
                if len(state) == 0:
                    xp = dev.xp
                    state["step"] = scalar_state()
                    state["exp_avg"] = _make(xp.zeros_like(pd), dev)
                    state["exp_avg_sq"] = _make(xp.zeros_like(pd), dev)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _make(xp.zeros_like(pd), dev)
                elif state["exp_avg"]._device is not dev or state["exp_avg"]._data.dtype != pd.dtype:
                    self._follow(p, state)
                sd = state["step"]._data
                sd += 1
                step = float(sd)
                decay = None
                if wd != 0 and decoupled:
                    decay = 1 - lr * wd if lr_arr is None else float(1 - lr_arr * wd)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                step_size = lr / bias_correction1 if lr_arr is None else float(lr_arr / bias_correction1)
                vmax = state["max_exp_avg_sq"]._data if amsgrad else None
                self._update(_adam, dev, (pd, gd, state["exp_avg"]._data, state["exp_avg_sq"]._data, vmax),
                             maximize or (wd != 0 and not decoupled), maximize, 0 if decoupled else wd, decay,
                             beta1, beta2, eps, bias_correction2 ** 0.5, step_size)
                p._version_counter[0] += 1
        return loss


def _adam(xp: Any, p: Any, g: Any, m: Any, v: Any, vmax: Any, tmp: Any, gbuf: Any, maximize: bool, wd: float,
          decay: float | None, beta1: float, beta2: float, eps: float, bc2_sqrt: float, step_size: float) -> None:
    """One Adam update of the arrays ``p``, ``m``, ``v`` (and ``vmax``) in place, in PyTorch's order of operations.

    ``wd`` is the L2 term added to the gradient; ``decay`` (AdamW) the factor ``p`` is scaled by first.
    """
    g = update_grad(xp, p, g, tmp, gbuf, maximize, wd)  # wd is 0 when decay is given
    if decay is not None:
        p *= decay
    lerp_(xp, m, g, 1 - beta1, tmp)
    square_avg_(xp, v, g, beta2, tmp)
    if vmax is not None:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    # p.addcdiv_(m, sqrt(v) / sqrt(bias_correction2) + eps, value=-step_size)
    xp.sqrt(v, out=tmp)
    tmp /= bc2_sqrt
    tmp += eps
    xp.divide(m, tmp, out=tmp)
    tmp *= -step_size
    p += tmp


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay, like ``torch.optim.AdamW`` (default ``weight_decay=1e-2``).

    Each step first scales the parameters by ``1 - lr * weight_decay``, then applies the Adam update.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the moment averages (default (0.9, 0.999)).
        eps: term added to the denominator (default 1e-8).
        weight_decay: decoupled weight decay (default 1e-2).
        amsgrad: use the AMSGrad variant.
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, fused: accepted for compatibility.
        differentiable: must be False.

    Example:
        >>> import brickwork as torch
        >>> w = torch.ones(2, requires_grad=True); w.grad = torch.zeros(2)
        >>> torch.optim.AdamW([w], lr=0.1, weight_decay=0.5).step(); w
        tensor([0.9500, 0.9500], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3,
                 betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
