"""``GradScaler``: loss scaling for float16 training, with ``torch.amp.GradScaler``'s API and numbers.

The loss is multiplied by a scale before ``backward`` so small float16 gradients do not flush to zero;
``unscale_`` divides the gradients back and records whether any is inf/NaN; ``step`` skips the optimizer step
when one is; ``update`` multiplies the scale by ``backoff_factor`` after such a step, and by ``growth_factor``
after ``growth_interval`` steps in a row without one.
"""

from __future__ import annotations

import warnings
from enum import Enum
from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    """Where an optimizer is in the scaler's cycle since the last ``update``."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


class GradScaler:
    """Scale the loss, unscale the gradients, skip steps with inf/NaN gradients, adapt the scale.

    Args:
        device: the device type of the gradients (``'cuda'`` by default, as PyTorch; ``'cpu'`` works too).
        init_scale: the first scale. growth_factor / backoff_factor: multiply the scale after ``growth_interval``
            clean steps / after a step with inf or NaN gradients. enabled: False makes every method a no-op.

    Example:
        >>> import brickwork as torch
        >>> w = torch.nn.Parameter(torch.ones(2)); opt = torch.optim.SGD([w], lr=0.1)
        >>> scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
        >>> scaler.scale((w * 3).sum()).backward()
        >>> scaler.step(opt); scaler.update()
        >>> w, scaler.get_scale()
        (Parameter containing:
        tensor([0.7000, 0.7000], requires_grad=True), 1024.0)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda":
            from .. import cuda

            if not cuda.is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                              UserWarning, stacklevel=2)
                self._enabled = False
        if self._enabled:
            if not growth_factor > 1.0:
                raise ValueError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise ValueError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._scale: float | None = None
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0
        self._growth_tracker: int | None = None
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    # -- the training-step methods ---------------------------------------------------------------------

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or an iterable of them) multiplied by the current scale.

        Example:
            >>> import brickwork as torch
            >>> torch.amp.GradScaler("cpu", init_scale=8.0).scale(torch.tensor(2.0))
            tensor(16.)
        """
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale, self._growth_tracker = self._init_scale, self._init_growth_tracker
        if isinstance(outputs, Tensor):
            return outputs * self._scale  # a float32 value: the product keeps the outputs' dtype, as PyTorch's
        if isinstance(outputs, Iterable):
            scaled = [self.scale(o) for o in outputs]
            return type(outputs)(scaled) if isinstance(outputs, (list, tuple)) else iter(scaled)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": OptState.READY, "found_inf": None})

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place, and record whether any is inf or NaN.

        Call it before clipping gradients; ``step`` then does not unscale again.

        Example:
            >>> import brickwork as torch
            >>> w = torch.nn.Parameter(torch.ones(1)); opt = torch.optim.SGD([w], lr=0.1)
            >>> s = torch.amp.GradScaler("cpu", init_scale=4.0); s.scale(w.sum()).backward()
            >>> s.unscale_(opt); w.grad
            tensor([1.])
        """
        if not self._enabled:
            return
        self._check_scale_initialized("unscale_")
        state = self._state(optimizer)
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = np.float32(np.float64(1.0) / np.float64(self._scale))  # type: ignore[arg-type]
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if g.dtype.name == "float16":
                    raise ValueError("Attempting to unscale FP16 gradients.")
                xp = g._device.xp
                d = g._data
                d *= inv.astype(d.dtype) if d.dtype != np.float32 else inv
                if not found and not bool(xp.isfinite(d).all()):
                    found = True
        state["found_inf"] = found
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale (unless done) and run ``optimizer.step()``, unless a gradient is inf or NaN; returns its result.

        Example:
            >>> import brickwork as torch
            >>> w = torch.nn.Parameter(torch.ones(1)); opt = torch.optim.SGD([w], lr=1.0)
            >>> s = torch.amp.GradScaler("cpu"); s.scale(w.sum() * float("inf")).backward()
            >>> s.step(opt) is None and w.item() == 1.0  # skipped: the gradient was inf
            True
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_scale_initialized("step")
        state = self._state(optimizer)
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        retval = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Adapt the scale after this iteration's steps (or set it to ``new_scale``), and start the next cycle.

        Example:
            >>> import brickwork as torch
            >>> s = torch.amp.GradScaler("cpu", init_scale=8.0); _ = s.scale(torch.ones(1)); s.update(2.0)
            >>> s.get_scale()
            2.0
        """
        if not self._enabled:
            return
        self._check_scale_initialized("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1:
                    raise ValueError("new_scale should be a single-element tensor (or a Python float)")
                if new_scale._requires_grad:
                    raise ValueError("new_scale should not require grad.")
                new_scale = new_scale.item()
            self._scale = float(np.float32(new_scale))
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            scale = np.float32(self._scale)
            if any(found):
                scale = np.float32(scale * np.float32(self._backoff_factor))
                self._growth_tracker = 0
            else:
                tracker = (self._growth_tracker or 0) + 1
                if tracker == self._growth_interval:
                    grown = np.float32(scale * np.float32(self._growth_factor))
                    if np.isfinite(grown):
                        scale = grown
                    tracker = 0
                self._growth_tracker = tracker
            self._scale = float(scale)
        self._per_optimizer.clear()

    def _check_scale_initialized(self, fn: str) -> None:
        if self._scale is None:
            raise AssertionError(f"Attempted {fn} but _scale is None.  This may indicate your script did not use "
                                 "scaler.scale(loss or outputs) earlier in the iteration.")

    # -- accessors and state -------------------------------------------------------------------------------

    def get_scale(self) -> float:
        """The current scale (the initial one before the first ``scale``; 1.0 when disabled).

        Example:
            >>> import brickwork as torch
            >>> torch.amp.GradScaler("cpu").get_scale()
            65536.0
        """
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        """The factor the scale grows by after ``growth_interval`` clean steps.

        Example:
            >>> GradScaler("cpu").get_growth_factor()
            2.0
        """
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor.

        Example:
            >>> s = GradScaler("cpu"); s.set_growth_factor(4.0); s.get_growth_factor()
            4.0
        """
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after a step with inf/NaN gradients.

        Example:
            >>> GradScaler("cpu").get_backoff_factor()
            0.5
        """
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor.

        Example:
            >>> s = GradScaler("cpu"); s.set_backoff_factor(0.25); s.get_backoff_factor()
            0.25
        """
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """How many clean steps in a row grow the scale.

        Example:
            >>> GradScaler("cpu").get_growth_interval()
            2000
        """
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the growth interval.

        Example:
            >>> s = GradScaler("cpu"); s.set_growth_interval(10); s.get_growth_interval()
            10
        """
        self._growth_interval = int(new_interval)

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        """Whether the scaler does anything.

        Example:
            >>> GradScaler("cpu", enabled=False).is_enabled()
            False
        """
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval`` and ``_growth_tracker`` (empty when
        disabled), as PyTorch's.

        Example:
            >>> sorted(GradScaler("cpu").state_dict())
            ['_growth_tracker', 'backoff_factor', 'growth_factor', 'growth_interval', 'scale']
        """
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned.

        Example:
            >>> s = GradScaler("cpu"); s.load_state_dict({**s.state_dict(), "scale": 8.0}); s.get_scale()
            8.0
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = self._init_scale
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_per_optimizer"] = {}
        return state
