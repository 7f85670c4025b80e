"""Automatic differentiation: the backward engine, grad modes, custom functions and gradient checks."""

from typing import Any

from .._tensor import Tensor
from . import functional
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .engine import Node, backward, grad, queue_callback
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["Node", "backward", "grad", "queue_callback", "Variable", "Function", "FunctionCtx", "once_differentiable", "enable_grad",
           "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled", "gradcheck", "gradgradcheck",
           "detect_anomaly", "set_detect_anomaly"]


class _ExecutionEngine:
    """PyTorch's ``Variable._execution_engine``: only ``queue_callback`` is meaningful in brickwork."""

    @staticmethod
    def queue_callback(callback: Any) -> None:
        """Run ``callback`` at the end of the backward pass in progress (see `queue_callback`)."""
        queue_callback(callback)


class _VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated ``Variable``: every tensor is one; ``Variable(t)`` returns ``t`` detached.

    Example:
        >>> import brickwork as torch
        >>> v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
        >>> v.requires_grad, isinstance(v, torch.autograd.Variable)
        (True, True)
    """

    _execution_engine = _ExecutionEngine()

    def __new__(cls, data: Tensor, requires_grad: bool = False, volatile: bool = False) -> Any:  # type: ignore[misc]
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
