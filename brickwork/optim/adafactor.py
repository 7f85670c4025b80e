"""Adafactor: Adam-like steps with a factored (row x column) second-moment estimate for matrices."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor, _make
from .optimizer import Optimizer, as_float, fix_step_state, param_state, scalar_state, zeros_state

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor, like ``torch.optim.Adafactor`` (same defaults, state and update order).

    Parameters with more than one dim keep a row and a column average of squared gradients (``row_var``,
    ``col_var``) instead of a full second moment; vectors keep ``variance``. The step is scaled by the parameter's
    RMS (at least ``eps[1]``) and the relative step size ``min(lr, 1 / sqrt(t))``, and clipped by ``d``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: the cap of the relative step size (default 1e-2).
        beta2_decay: the second-moment weight is ``t ** beta2_decay`` (default -0.8).
        eps: ``(eps1, eps2)``: the floor of the variance estimate (None: the dtype's machine epsilon) and of the
            parameter RMS (default ``(None, 1e-3)``).
        d: the clipping threshold of the update's RMS (default 1.0).
        weight_decay: decoupled weight decay (default 0).
        foreach: accepted for compatibility; brickwork has one implementation.
        maximize: maximize the objective instead of minimizing it.

    Example:
        >>> import brickwork as torch
        >>> w = torch.ones(2, 2, requires_grad=True); w.grad = torch.ones(2, 2)
        >>> opt = torch.optim.Adafactor([w]); opt.step(); sorted(opt.state[w])
        ['col_var', 'row_var', 'step']
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError(f"Tensor lr must be 1-element, got shape {tuple(lr.shape)}")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("foreach", None)
        fix_step_state(self)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(2, requires_grad=True); w.grad = torch.ones(2)
            >>> opt = torch.optim.Adafactor([w]); opt.step(); sorted(opt.state[w])
            ['step', 'variance']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, beta2_decay, d = as_float(group["lr"]), group["beta2_decay"], group["d"]
            eps1_opt, eps2 = group["eps"]
            wd, maximize = as_float(group["weight_decay"]), group["maximize"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                dev = p._device
                xp = dev.xp

                def init(p: Tensor = p, gd: Any = gd) -> dict[str, Any]:
                    if gd.ndim > 1:
                        row = list(gd.shape)
                        row[-1] = 1
                        col = list(gd.shape)
                        col[-2] = 1
                        return {"step": scalar_state(), "row_var": _make(xp.zeros(row, gd.dtype), dev),
                                "col_var": _make(xp.zeros(col, gd.dtype), dev)}
                    return {"step": scalar_state(), "variance": zeros_state(p)}

                state = param_state(self, p, init)
                pd = p._data
                g = -gd if maximize else gd
                eps1 = float(xp.finfo(pd.dtype).eps) if eps1_opt is None else eps1_opt
                sd = state["step"]._data
                sd += 1
                t = float(sd)
                w = t ** beta2_decay
                rho_t = min(lr, 1 / (t ** 0.5))
                alpha = max(eps2, float(xp.sqrt((pd * pd).sum())) / (pd.size ** 0.5)) * rho_t
                if wd != 0:
                    pd *= 1 - lr * wd
                if g.ndim > 1:
                    rv, cv = state["row_var"]._data, state["col_var"]._data
                    row_mean = xp.sqrt((g * g).sum(-1, keepdims=True)) ** 2 / g.shape[-1]
                    rv += (row_mean - rv) * w
                    col_mean = xp.sqrt((g * g).sum(-2, keepdims=True)) ** 2 / g.shape[-2]
                    cv += (col_mean - cv) * w
                    var_est = xp.matmul(rv, cv)
                    var_est /= xp.maximum(rv.mean(-2, keepdims=True), eps1)
                else:
                    v = state["variance"]._data
                    v += (g * g - v) * w
                    var_est = v.copy()
                update = 1 / xp.sqrt(xp.maximum(var_est, eps1 * eps1))
                update *= g
                denom = max(1.0, float(xp.sqrt((update * update).sum())) / ((update.size ** 0.5) * d))
                pd += update * (-alpha / denom)
                p._version_counter[0] += 1
        return loss
