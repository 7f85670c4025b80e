"""Automatic differentiation: the backward engine, grad modes, custom functions and gradient checks."""

from .engine import Node, backward, grad
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["Node", "backward", "grad", "Function", "FunctionCtx", "once_differentiable", "enable_grad",
           "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled", "gradcheck", "gradgradcheck"]
