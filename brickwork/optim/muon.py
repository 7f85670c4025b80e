"""Muon: momentum SGD whose update is orthogonalized by a Newton-Schulz iteration, for 2-d weight matrices."""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from .._tensor import Tensor
from .optimizer import Optimizer, as_float, lerp_, param_state, zeros_state

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5


def _bf16(xp: Any, a: Any) -> Any:
    """float32 ``a`` rounded to bfloat16 precision (to nearest, ties to even), kept as float32.

    PyTorch runs the iteration in bfloat16; rounding each result the same way gives its numbers on every backend
    (CuPy has no bfloat16) while the products accumulate in float32, as bfloat16 matrix kernels do.
    """
    bits = xp.ascontiguousarray(a, dtype=xp.float32).view(xp.uint32)
    rounded = (bits + xp.uint32(0x7FFF) + ((bits >> xp.uint32(16)) & xp.uint32(1))) & xp.uint32(0xFFFF0000)
    return rounded.view(xp.float32)


def _newton_schulz(xp: Any, g: Any, coefficients: tuple[float, float, float], steps: int, eps: float) -> Any:
    """The approximate orthogonalization ``U S' V^T`` of ``g = U S V^T`` (``S'`` near 1), in bfloat16 precision."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if g.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    tall = g.shape[0] > g.shape[1]
    x = _bf16(xp, g.T if tall else g)
    norm = float(_bf16(xp, xp.sqrt(xp.sum(x * x, dtype=xp.float32)).reshape(1))[0])
    x = _bf16(xp, x / max(norm, eps))
    for _ in range(steps):
        gram = _bf16(xp, x @ x.T)
        update = _bf16(xp, gram * b + (gram @ gram) * c)
        x = _bf16(xp, x * a + update @ x)
    return x.T if tall else x


def _adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: tuple) -> float:
    """Muon's learning-rate scale for an ``(A, B)`` matrix: ``sqrt(max(1, A / B))`` or ``0.2 * sqrt(max(A, B))``."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


class Muon(Optimizer):
    """Muon, like ``torch.optim.Muon`` (same defaults, state and bfloat16 Newton-Schulz iteration).

    ``B = lerp(B, g, 1 - momentum)``; the update ``U = NS(lerp(g, B, momentum))`` (Nesterov) or ``NS(B)``, where
    ``NS`` is ``ns_steps`` quintic Newton-Schulz steps with ``ns_coefficients``; then ``p *= 1 - lr * weight_decay``
    and ``p -= adjusted_lr * U``. Only 2-d parameters: optimize biases and embeddings with another optimizer.

    Args:
        params: 2-d tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        weight_decay: decoupled weight decay (default 0.1).
        momentum: momentum factor (default 0.95).
        nesterov: use Nesterov momentum (default True).
        ns_coefficients: the iteration's ``(a, b, c)`` (default (3.4445, -4.775, 2.0315)).
        eps: the smallest norm the update is divided by (default 1e-7).
        ns_steps: iteration steps, below 100 (default 5).
        adjust_lr_fn: None or ``"original"`` (``sqrt(max(1, A / B))``), or ``"match_rms_adamw"``
            (``0.2 * sqrt(max(A, B))``).

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, 2, requires_grad=True); w.grad = torch.eye(2)
        >>> torch.optim.Muon([w], lr=0.1).step(); w.diagonal()
        tensor([-0.1125, -0.1125], grad_fn=<DiagonalBackward0>)
    """

    def __init__(self, params: Iterable[Any], lr: float | Tensor = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C), eps: float = EPS,
                 ns_steps: int = DEFAULT_NS_STEPS, adjust_lr_fn: str | None = None) -> None:
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= momentum:
            raise ValueError(f"momentum should be >= 0 but is: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight decay should be >= 0 but is: {weight_decay}")
        if adjust_lr_fn is not None and adjust_lr_fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {adjust_lr_fn} is not supported")
        defaults = {"lr": lr, "weight_decay": weight_decay, "momentum": momentum, "nesterov": nesterov,
                    "ns_coefficients": ns_coefficients, "eps": eps, "ns_steps": ns_steps,
                    "adjust_lr_fn": adjust_lr_fn}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()``'s loss when given.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(2, 3, requires_grad=True); w.grad = torch.ones(2, 3)
            >>> opt = torch.optim.Muon([w]); opt.step(); sorted(opt.state[w])
            ['momentum_buffer']
        """
        loss = self._run_closure(closure)
        for group in self.param_groups:
            lr, wd, momentum = as_float(group["lr"]), as_float(group["weight_decay"]), group["momentum"]
            for p in group["params"]:
                gd = self._grad_of(p)
                if gd is None:
                    continue
                if gd.ndim != 2:
                    raise ValueError("Param gradient must be a 2D matrix")
                state = param_state(self, p, lambda: {"momentum_buffer": zeros_state(p)})
                xp, pd, buf = p._device.xp, p._data, state["momentum_buffer"]._data
                lerp_(xp, buf, gd, 1 - momentum, xp.empty_like(buf))
                update = buf
                if group["nesterov"]:
                    update = gd.copy()
                    lerp_(xp, update, buf, momentum, xp.empty_like(buf))
                ortho = _newton_schulz(xp, update, tuple(group["ns_coefficients"]), group["ns_steps"],
                                       group["eps"])
                pd *= 1 - lr * wd
                pd -= ortho.astype(pd.dtype) * _adjusted_lr(lr, group["adjust_lr_fn"], tuple(p.shape))
                p._version_counter[0] += 1
        return loss
