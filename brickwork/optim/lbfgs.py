"""L-BFGS: a limited-memory quasi-Newton method, with an optional strong-Wolfe line search."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .._tensor import Tensor, _make
from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, as_float, check_lr

__all__ = ["LBFGS"]


def _cubic_interpolate(x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any,
                       bounds: tuple[Any, Any] | None = None) -> Any:
    """The minimiser of the cubic through two points with values and slopes, clipped to ``bounds``."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square ** 0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj: Callable, x: list, t: Any, d: Any, f: float, g: Any, gtd: Any, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple:
    """A line search along ``d`` for a step ``t`` meeting the strong Wolfe conditions (bracketing, then zoom)."""
    d_norm = abs(d).max()
    g = g.copy()
    f_new, g_new = obj(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list = []
    bracket_f: list = []
    bracket_g: list = []
    bracket_gtd: list = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS, like ``torch.optim.LBFGS`` (same defaults, state entries and iteration; one parameter group).

    ``step(closure)`` runs up to ``max_iter`` iterations, each re-evaluating ``closure`` (which must clear the
    gradients, compute the loss, call ``backward`` and return the loss). The state lives in the first parameter's
    entry of ``self.state``, as in PyTorch.

    Args:
        params: tensors to optimize (one group only; all on one device).
        lr: learning rate (default 1).
        max_iter: maximal number of iterations per step (default 20).
        max_eval: maximal number of closure evaluations per step (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the largest gradient entry is at most this (default 1e-7).
        tolerance_change: stop when the loss or the parameters change less than this (default 1e-9).
        history_size: number of curvature pairs kept (default 100).
        line_search_fn: ``None`` (fixed step ``lr``) or ``"strong_wolfe"``.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True)
        >>> opt = torch.optim.LBFGS([w])
        >>> def closure():
        ...     opt.zero_grad(); loss = (w - 3).pow(2).sum(); loss.backward(); return loss
        >>> _ = opt.step(closure); w
        tensor([3., 3.], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval, "tolerance_grad": tolerance_grad,
                    "tolerance_change": tolerance_change, "history_size": history_size,
                    "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups); pass one list of "
                             "tensors")
        self._params = self.param_groups[0]["params"]

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self) -> Any:
        xp = self._params[0]._device.xp
        return xp.concatenate([xp.zeros(p._data.size, p._data.dtype) if p._grad is None else
                               p._grad._data.reshape(-1) for p in self._params])

    def _add_grad(self, t: Any, d: Any) -> None:
        off = 0
        for p in self._params:
            n = p._data.size
            p._data += (d[off:off + n] * t).reshape(p._data.shape)
            p._version_counter[0] += 1
            off += n

    def _set_param(self, data: list) -> None:
        for p, a in zip(self._params, data):
            p._data[...] = a
            p._version_counter[0] += 1

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations (``closure`` recomputes loss and gradients); returns the first loss.

        Example:
            >>> import brickwork as torch
            >>> w = torch.ones(1, requires_grad=True); opt = torch.optim.LBFGS([w], max_iter=1)
            >>> def closure():
            ...     opt.zero_grad(); loss = (w * w).sum(); loss.backward(); return loss
            >>> opt.step(closure)
            tensor(1., grad_fn=<SumBackward0>)
        """
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that clears the gradients, computes the loss, calls "
                               "backward() and returns the loss: opt.step(closure)")
        group = self.param_groups[0]
        lr = as_float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        dev = self._params[0]._device

        def run() -> Any:
            with enable_grad():
                return closure()

        def arr(v: Any) -> Any:
            return v._data[()] if isinstance(v, Tensor) and v.ndim == 0 else v._data if isinstance(v, Tensor) else v

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = run()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if abs(flat_grad).max() <= tol_grad:
            return orig_loss
        d, t = arr(state.get("d")), arr(state.get("t"))
        old_dirs = [arr(v) for v in state.get("old_dirs") or []]
        old_stps = [arr(v) for v in state.get("old_stps") or []]
        ro = [arr(v) for v in state.get("ro") or []]
        h_diag = arr(state.get("H_diag"))
        prev_flat_grad = arr(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")
        al: list = [arr(v) for v in state["al"]] if "al" in state else []
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                if not al:
                    al = [None] * history_size
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q += old_dirs[i] * -al[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tol_change:
                break
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError(f"only 'strong_wolfe' is supported as LBFGS's line_search_fn, got "
                                       f"{line_search_fn!r}")
                x_init = [p._data.copy() for p in self._params]

                def obj(x: list, t: Any, d: Any) -> tuple:
                    self._add_grad(t, d)
                    f = float(run())
                    g = self._flat_grad()
                    self._set_param(x)
                    return f, g

                loss, flat_grad, t, ls_evals = _strong_wolfe(obj, x_init, t, d, loss, flat_grad, gtd,
                                                             max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = abs(flat_grad).max() <= tol_grad
            else:
                self._add_grad(t, d)
                ls_evals = 0
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(run())
                    flat_grad = self._flat_grad()
                    opt_cond = abs(flat_grad).max() <= tol_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        def wrap(v: Any) -> Any:
            if v is None or isinstance(v, (int, float)):
                return v
            return _make(dev.xp.asarray(v), dev)

        state["d"], state["t"] = wrap(d), wrap(t)
        state["old_dirs"], state["old_stps"] = [wrap(v) for v in old_dirs], [wrap(v) for v in old_stps]
        state["ro"], state["H_diag"] = [wrap(v) for v in ro], wrap(h_diag)
        if al:
            state["al"] = [wrap(v) for v in al]
        state["prev_flat_grad"], state["prev_loss"] = wrap(prev_flat_grad), prev_loss
        return orig_loss
