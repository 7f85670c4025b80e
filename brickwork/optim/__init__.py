"""Optimizers and learning-rate schedulers with PyTorch's names, defaults and numerics (``torch.optim``).

Example:
    >>> import brickwork as torch
    >>> w = torch.zeros(2, requires_grad=True)
    >>> opt = torch.optim.AdamW([w], lr=0.1)
    >>> sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10)
    >>> opt.zero_grad(); (w - 1).pow(2).sum().backward(); opt.step(); sched.step()
    >>> w
    tensor([0.1000, 0.1000], requires_grad=True)
"""

from __future__ import annotations

from . import lr_scheduler, optimizer, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adafactor import Adafactor
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .muon import Muon
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from ._stateless import swap_in_optimizer_params_and_state

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
           "Rprop", "LBFGS", "Adafactor", "Muon", "lr_scheduler", "optimizer", "swa_utils",
           "swap_in_optimizer_params_and_state"]
