"""Numerical gradient checks for users: `gradcheck` and `gradgradcheck`."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .._tensor import Tensor
from .engine import grad
from .grad_mode import enable_grad, no_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when analytical and numerical gradients disagree."""


def _outputs(func: Callable, inputs: tuple) -> list[Tensor]:
    out = func(*inputs)
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor)]


def _flat(outs: list[Tensor]) -> np.ndarray:
    return np.concatenate([o._host().astype(np.float64).reshape(-1) for o in outs]) if outs else np.zeros(0)


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, **_: Any) -> bool:
    """Compare autograd's Jacobian of ``func`` with central finite differences, input by input.

    Use float64 inputs; each input that requires grad is perturbed element by element.

    Example:
        >>> import brickwork as torch
        >>> x = torch.randn(3, dtype=torch.float64, requires_grad=True)
        >>> torch.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
        True
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff = [(i, t) for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    outs = _outputs(func, inputs)
    sizes = [o._data.size for o in outs]
    n_out = int(sum(sizes))
    for i, t in diff:
        if t.dtype.name != "float64":
            import warnings

            warnings.warn(f"gradcheck: input {i} is {t.dtype}, not float64; the check will likely fail from "
                          "rounding", stacklevel=2)
        numeric = np.zeros((t._data.size, n_out))
        with no_grad():
            for j in range(t._data.size):
                pos = np.unravel_index(j, t._data.shape)
                orig = t._data[pos].item()
                t._data[pos] = orig + eps
                plus = _flat(_outputs(func, inputs))
                t._data[pos] = orig - eps
                minus = _flat(_outputs(func, inputs))
                t._data[pos] = orig
                numeric[j] = (plus - minus) / (2 * eps)
        analytic = np.zeros_like(numeric)
        k = 0
        for o, n in zip(outs, sizes):
            if not o._requires_grad:
                k += n
                continue
            for m in range(n):
                go = np.zeros(n)
                go[m] = 1
                g = grad([o], [t], [o.new_tensor(go.reshape(o._data.shape))],
                         retain_graph=True, allow_unused=True)[0]
                if g is not None:
                    analytic[:, k + m] = g._host().astype(np.float64).reshape(-1)
            k += n
        bad = np.abs(analytic - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            j, m = np.argwhere(bad)[0]
            msg = (f"Jacobian mismatch for output {m} with respect to input {i} (element {j}): numerical "
                   f"{numeric[j, m]:.6g} vs analytical {analytic[j, m]:.6g}; {int(bad.sum())} of {bad.size} "
                   f"entries differ.\nnumerical:\n{numeric}\nanalytical:\n{analytic}")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func: Callable[..., Any], inputs: Any, grad_outputs: Sequence[Tensor | None] | None = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
                  **_: Any) -> bool:
    """Check second derivatives: `gradcheck` applied to the gradient of ``func``.

    Example:
        >>> import brickwork as torch
        >>> x = torch.randn(3, dtype=torch.float64, requires_grad=True)
        >>> torch.autograd.gradgradcheck(lambda t: (t.exp() * t).sum(), (x,))
        True
    """
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)  # fixed, so a failing check reproduces
        grad_outputs = [o.new_tensor(rng.standard_normal(tuple(o.shape))) if o.dtype.is_floating_point
                        else None for o in outs]

    def first(*xs: Any) -> tuple:
        with enable_grad():  # gradcheck evaluates this under no_grad for its finite differences
            ys = _outputs(func, xs)
            pairs = [(y, g) for y, g in zip(ys, grad_outputs) if y._requires_grad]  # e.g. integer indices have no gradient
            ds = [x for x in xs if isinstance(x, Tensor) and x._requires_grad]
            gs = grad([y for y, _ in pairs], ds, [g for _, g in pairs], create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
