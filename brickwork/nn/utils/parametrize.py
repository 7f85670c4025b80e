"""Parametrizations (PyTorch's ``nn.utils.parametrize``): a module's tensor computed on access from "original"
tensors, e.g. ``weight = g * v / ||v||``. The module's class becomes ``Parametrized<Class>`` with a property for
the tensor; the originals live in ``module.parametrizations[name]`` (state-dict keys
``parametrizations.weight.original``, or ``original0``, ``original1``... when ``right_inverse`` returns several)."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..containers import ModuleDict, ModuleList
from ..module import Module
from ..parameter import Parameter

__all__ = ["register_parametrization", "remove_parametrizations", "is_parametrized", "type_before_parametrizations",
           "cached", "ParametrizationList"]

_CACHE: dict[tuple[int, str], Tensor] | None = None


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside this block each parametrized tensor is computed once, then reused.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils import parametrize
        >>> m = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 2))
        >>> with parametrize.cached():
        ...     m.weight is m.weight
        True
    """
    global _CACHE
    outer = _CACHE
    _CACHE = {} if outer is None else outer
    try:
        yield
    finally:
        _CACHE = outer


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the ``original`` tensor(s) they start from.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 3))
        >>> type(m.parametrizations.weight).__name__, [n for n, _ in m.parametrizations.weight.named_parameters()]
        ('ParametrizationList', ['original0', 'original1'])
    """

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        new = original
        with no_grad():
            if hasattr(first, "right_inverse"):
                try:
                    new = first.right_inverse(original)
                except NotImplementedError:  # as PyTorch: a parametrization that cannot invert keeps the original
                    pass
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        grad = original.requires_grad
        if self.is_tensor:
            self.original = Parameter(_copy_into(original, new), requires_grad=grad)
        else:
            for i, t in enumerate(new):
                setattr(self, f"original{i}", Parameter(t.detach().clone(), requires_grad=grad))

    def originals(self) -> tuple:
        """The original tensor(s), in order."""
        if self.is_tensor:
            return (self.original,)
        return tuple(getattr(self, f"original{i}") for i in range(self.ntensors))

    def right_inverse(self, value: Tensor) -> None:
        """Set the originals so that the parametrized tensor becomes ``value`` (through each ``right_inverse``)."""
        with no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    value = module.right_inverse(value)
                elif not self.unsafe and module is not self[0]:
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse")
            values = (value,) if self.is_tensor else tuple(value)
            for orig, v in zip(self.originals(), values):
                orig.copy_(v)

    def forward(self) -> Tensor:
        x = self[0](*self.originals())
        for module in list(self)[1:]:
            x = module(x)
        return x


def _copy_into(original: Tensor, new: Tensor) -> Tensor:
    return new.detach().clone() if new is not original else original.detach().clone()


def _property(name: str) -> property:
    def get(self: Module) -> Tensor:
        if _CACHE is not None:
            key = (id(self), name)
            if key not in _CACHE:
                _CACHE[key] = self.parametrizations[name]()
            return _CACHE[key]
        return self.parametrizations[name]()

    def set_(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(get, set_, doc=f"``{name}``, computed by ``parametrizations.{name}``.")


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` be ``parametrization(original)``, recomputed on every access.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils import parametrize
        >>> class Symmetric(torch.nn.Module):
        ...     def forward(self, x):
        ...         return x.triu() + x.triu(1).mT
        >>> m = parametrize.register_parametrization(torch.nn.Linear(3, 3), "weight", Symmetric())
        >>> bool((m.weight == m.weight.T).all()), type(m).__name__
        (True, 'ParametrizedLinear')
    """
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            value = getattr(module, tensor_name)
            out = parametrization(value)
            if not isinstance(out, Tensor) or tuple(out.shape) != tuple(value.shape) or out.dtype != value.dtype:
                raise ValueError(f"register_parametrization: the parametrization must return a tensor of shape "
                                 f"{tuple(value.shape)} and dtype {value.dtype}, got "
                                 f"{tuple(getattr(out, 'shape', ()))}; pass unsafe=True to skip this check")
        plist.append(parametrization)
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    original = getattr(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe)
    if not unsafe:
        out = plist()
        if not isinstance(out, Tensor) or tuple(out.shape) != tuple(original.shape):
            raise ValueError(f"register_parametrization: the parametrization of '{tensor_name}' must keep its shape "
                             f"{tuple(original.shape)}, got {tuple(getattr(out, 'shape', ()))}")
    delattr(module, tensor_name)
    if not is_parametrized(module):
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), {"_unparametrized": cls})
        module.parametrizations = ModuleDict()
    setattr(type(module), tensor_name, _property(tensor_name))
    module.parametrizations[tensor_name] = plist
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` (or its ``tensor_name``) has parametrizations.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils import parametrize
        >>> parametrize.is_parametrized(torch.nn.Linear(2, 2))
        False
    """
    plist = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(plist, ModuleDict):
        return False
    return len(plist) > 0 if tensor_name is None else tensor_name in plist


def type_before_parametrizations(module: Module) -> type:
    """The module's class as it was before any parametrization.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils import parametrize
        >>> m = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 2))
        >>> parametrize.type_before_parametrizations(m).__name__
        'Linear'
    """
    return _type_before(type(module)) if is_parametrized(module) else type(module)


def _type_before(cls: type) -> type:
    """The class a ``Parametrized<Class>`` was made from (the class itself otherwise)."""
    return getattr(cls, "_unparametrized", cls)


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Remove the parametrizations of ``tensor_name``, keeping its current value (or the original).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils import parametrize
        >>> m = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 2))
        >>> type(parametrize.remove_parametrizations(m, "weight")).__name__, list(m.state_dict())
        ('Linear', ['bias', 'weight'])
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name).detach().clone()
        requires_grad = plist.originals()[0].requires_grad
        new: Any = Parameter(value, requires_grad=requires_grad)
    else:
        if not plist.is_tensor:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                             "in terms of a sequence of tensors.")
        new = plist.original
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    module.register_parameter(tensor_name, new)
    if not is_parametrized(module):
        del module.parametrizations
        module.__class__ = _type_before(type(module))
    return module
