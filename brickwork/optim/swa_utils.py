"""Weight averaging (``torch.optim.swa_utils``): SWA and EMA copies of a model, SWALR, and ``update_bn``.

Example:
    >>> import brickwork as torch
    >>> from brickwork.optim.swa_utils import AveragedModel
    >>> net = torch.nn.Linear(1, 1, bias=False)
    >>> swa = AveragedModel(net)
    >>> for w in (1.0, 2.0, 6.0):
    ...     _ = net.weight.data.fill_(w)
    ...     swa.update_parameters(net)
    >>> swa.module.weight.item(), int(swa.n_averaged)
    (3.0, 3)
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any, Literal

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..dtypes import int64
from ..ops.creation import tensor
from ..nn.module import Module
from ..nn.modules.batchnorm import _BatchNorm
from .lr_scheduler import LRScheduler, _format_param
from .optimizer import Optimizer

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_avg_fn", "get_ema_multi_avg_fn", "get_swa_avg_fn",
           "get_swa_multi_avg_fn"]

AvgFn = Callable[[Tensor, Tensor, "Tensor | int"], Tensor]
MultiAvgFn = Callable[[list[Tensor], list[Tensor], "Tensor | int"], None]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """An exponential moving average for one tensor: ``decay * ema + (1 - decay) * current``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.optim.swa_utils import get_ema_avg_fn
        >>> get_ema_avg_fn(0.5)(torch.tensor(0.0), torch.tensor(2.0), 1)
        tensor(1.)
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Tensor | int) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The running mean for one tensor: ``avg + (current - avg) / (num_averaged + 1)``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.optim.swa_utils import get_swa_avg_fn
        >>> get_swa_avg_fn()(torch.tensor(1.0), torch.tensor(4.0), 2)
        tensor(2.)
    """
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Tensor | int) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _lerp_all(averaged: list[Tensor], current: list[Tensor], weight: Any, fallback: AvgFn, num: Any) -> None:
    """``a.lerp_(c, weight)`` for floating lists (torch's foreach path, same rounding); ``fallback`` otherwise."""
    with no_grad():
        for a, c in zip(averaged, current, strict=True):
            if a.is_floating_point():
                a.lerp_(c, weight)
            else:
                a.copy_(fallback(a, c, num))


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The in-place EMA update over lists of tensors (``AveragedModel(multi_avg_fn=...)``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.optim.swa_utils import get_ema_multi_avg_fn
        >>> ema = [torch.zeros(2)]
        >>> get_ema_multi_avg_fn(0.75)(ema, [torch.ones(2)], 1)
        >>> ema[0]
        tensor([0.2500, 0.2500])
    """
    single = get_ema_avg_fn(decay)

    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor], _: Tensor | int) -> None:
        _lerp_all(ema_param_list, current_param_list, 1 - decay, single, _)

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The in-place running-mean update over lists of tensors.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.optim.swa_utils import get_swa_multi_avg_fn
        >>> avg = [torch.zeros(1)]
        >>> get_swa_multi_avg_fn()(avg, [torch.ones(1)], 1)
        >>> avg[0]
        tensor([0.5000])
    """
    single = get_swa_avg_fn()

    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor],
                   num_averaged: Tensor | int) -> None:
        # 1 / (n + 1) of an integer tensor is a default-dtype scalar, as in torch (its rounding shows in the result)
        _lerp_all(averaged_param_list, current_param_list, 1 / (num_averaged + 1), single, num_averaged)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are averaged over the calls to ``update_parameters``.

    Args:
        model: the model to average (deep-copied).
        device: where the copy lives (default: where ``model`` is).
        avg_fn: per-tensor average ``(averaged, current, n_averaged) -> new averaged``; default the running mean.
        multi_avg_fn: in-place average over lists of tensors; give at most one of the two.
        use_buffers: average the buffers too (otherwise they are copied from ``model`` at every update).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        >>> net = torch.nn.Linear(2, 1)
        >>> ema = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(0.9))
        >>> ema.update_parameters(net)
        >>> torch.equal(ema.module.weight, net.weight)
        True
    """

    n_averaged: Tensor

    def __init__(self, model: Module, device: Any = None, avg_fn: AvgFn | None = None,
                 multi_avg_fn: MultiAvgFn | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged copy."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers, with ``use_buffers``) into the average."""
        if self.use_buffers:
            ours: Iterable[Tensor] = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs: Iterable[Tensor] = itertools.chain(model.parameters(), model.buffers())
        else:
            ours, theirs = self.parameters(), model.parameters()
        averaged, current = [], []
        first = int(self.n_averaged.item()) == 0
        with no_grad():
            for a, c in zip(ours, theirs):
                a, c = a.detach(), c.detach().to(a.device)
                averaged.append(a)
                current.append(c)
                if first:
                    a.copy_(c)
            if not first and averaged:
                n = self.n_averaged.to(averaged[0].device)
                multi = self.multi_avg_fn
                if multi is None and self.avg_fn is None and averaged[0].device.type == "cuda":
                    multi = get_swa_multi_avg_fn()  # torch's foreach path: only on accelerators
                if multi is not None:
                    multi(averaged, current, n)
                else:
                    single = self.avg_fn or get_swa_avg_fn()
                    for a, c in zip(averaged, current, strict=True):
                        a.copy_(single(a, c, n))
            if not self.use_buffers:
                for b_ours, b_theirs in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_ours.detach().copy_(b_theirs.detach().to(b_ours.device))
            self.n_averaged += 1


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute every BatchNorm's running statistics with one pass over ``loader`` (after SWA).

    Batches that are lists or tuples contribute their first element. The statistics are a plain average over the
    batches (momentum ``None`` during the pass); each layer's momentum and the model's train/eval mode are restored.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.optim.swa_utils import update_bn
        >>> net = torch.nn.BatchNorm1d(1)
        >>> update_bn([torch.full((4, 1), 3.0)], net)
        >>> net.running_mean
        tensor([3.])
    """
    momenta: dict[Module, Any] = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` epochs, then hold it.

    Args:
        optimizer: the wrapped optimizer.
        swa_lr: the target learning rate (one per group, or one for all).
        anneal_epochs: epochs of annealing (0: jump at the first step).
        anneal_strategy: ``"cos"`` or ``"linear"``.
        last_epoch: the index of the last epoch (-1 to start).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.optim.swa_utils import SWALR
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = SWALR(opt, swa_lr=0.5, anneal_epochs=2, anneal_strategy="linear")
        >>> for _ in range(2):
        ...     opt.step(); sched.step(); print(sched.get_last_lr())
        [0.75]
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, swa_lr: float, anneal_epochs: int = 10,
                 anneal_strategy: Literal["cos", "linear"] = "cos", last_epoch: int = -1) -> None:
        for value, group in zip(_format_param("swa_lr", optimizer, swa_lr), optimizer.param_groups, strict=True):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t: float) -> float:
        """The fraction of the way to ``swa_lr`` at annealing progress ``t`` in [0, 1]."""
        return t if self._anneal_strategy == "linear" else (1 - math.cos(math.pi * t)) / 2

    def get_lr(self) -> list[Any]:
        """Each group's rate for this step, interpolated from the rate before annealing began."""
        self._warn_get_lr()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        alpha = self.anneal_func(max(0, min(1, step / span)))
        groups = self.optimizer.param_groups
        # the rate before annealing, recovered from the current one (it was set by this schedule's last step)
        start = [g["swa_lr"] if prev_alpha == 1 else (g["lr"] - prev_alpha * g["swa_lr"]) / (1 - prev_alpha)
                 for g in groups]
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, start, strict=True)]
