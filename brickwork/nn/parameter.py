"""Parameters and buffers: `Parameter`, `Buffer`, and the lazy placeholders.

An uninitialized parameter is an ordinary `Parameter` whose data is a `_Pending` marker
(its future dtype and device, and the module path it was registered under) instead of an array. It becomes a
normal parameter in place, the same Python object, when `brickwork.nn.lazy` gives it a shape, so there is
no class swapping: ``isinstance(p, UninitializedParameter)`` simply asks whether the data is still pending.
"""

from __future__ import annotations

from typing import Any, SupportsIndex

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make, _rebuild
from ..backends import canonical, device as _device

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "UninitializedError",
           "is_lazy"]

_HINT = ("run a forward pass with an example input, or brickwork.nn.utils.materialize(model, example_input), "
         "or load a state dict")


class UninitializedError(ValueError, RuntimeError):
    """Raised when an uninitialized (lazy) parameter or buffer is used before it has a shape (a ``ValueError``,
    as PyTorch raises, and a ``RuntimeError``, as earlier brickwork did)."""


class _Pending:
    """What an uninitialized tensor holds instead of an array: dtype, device, and where it is registered.

    Ops read ``tensor._data``; every use of this marker as an array raises `UninitializedError`
    naming the parameter's module path, except ``.dtype``, so ``p.dtype`` and ``p.is_floating_point()``
    keep working (``Module.to`` needs them).
    """

    __slots__ = ("dtype", "device", "path", "owner")

    def __init__(self, dtype: np.dtype, device: _device, path: str = "", owner: str = "") -> None:
        self.dtype, self.device, self.path, self.owner = dtype, device, path, owner

    def copy(self) -> "_Pending":
        """Another marker for the same future tensor (deepcopy and pickling of a placeholder use it)."""
        return _Pending(self.dtype, self.device, self.path, self.owner)

    def error(self) -> UninitializedError:
        """The error for touching this tensor, naming its path and owning module."""
        what = self.path or "this parameter"
        where = f"{what} of {self.owner}" if self.owner else what
        return UninitializedError(f"{where} is not initialized yet: {_HINT}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise self.error()

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error()

    __array__ = __array_ufunc__ = __array_function__ = __len__ = __iter__ = __getitem__ = __setitem__ = _fail
    __bool__ = __float__ = __int__ = __index__ = __neg__ = __abs__ = __invert__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __matmul__ = __rmatmul__ = __pow__ = __rpow__ = __iadd__ = __imul__ = __isub__ = __itruediv__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = _fail

    def __repr__(self) -> str:
        return f"<pending {self.path or 'tensor'} ({_dt.from_np(self.dtype)}, {self.device})>"


# autograd bookkeeping in a tensor's __dict__, not part of a parameter's value: deepcopy and pickling drop it
# (PyTorch's Parameter drops the grad too)
_TRANSIENT = frozenset({"_grad", "_views", "_hooks", "_base", "_out_idx", "_retains_grad"})


def _state(t: Tensor) -> dict | None:
    return {k: v for k, v in t.__dict__.items() if k not in _TRANSIENT} or None


def is_pending(t: Any) -> bool:
    """Whether ``t`` is a tensor still waiting for its shape."""
    return type(getattr(t, "_data", None)) is _Pending


def _placeholder(cls: type, requires_grad: bool, device: Any, dtype: Any) -> Tensor:
    dt = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    dev = canonical(device)
    t = _make(_Pending(dt.np, dev), dev, cls=cls)
    t._requires_grad = bool(requires_grad)
    return t


class Parameter(Tensor):
    """A tensor that a `Module` registers as a parameter when assigned as an attribute.

    It shares memory with ``data`` and requires grad by default (even inside ``no_grad``).

    Args:
        data: the initial value (an empty tensor if omitted).
        requires_grad: whether the parameter requires gradient (default True).

    Example:
        >>> import brickwork as torch
        >>> torch.nn.Parameter(torch.ones(2))
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> "Parameter":
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}; wrap it first, e.g. "
                            "nn.Parameter(torch.tensor(data))")
        p: Any = _make(data._data, data._device, cls=cls)
        p._version_counter = data._version_counter
        if requires_grad:
            p.requires_grad_(True)
        return p

    @property
    def data(self) -> Tensor:
        """A tensor sharing this parameter's memory without autograd history; assignable.

        Before a lazy parameter has its shape, ``data`` is an empty tensor of its dtype and device, as in
        PyTorch: ``lazy.weight.data.normal_(0, 0.01)`` is accepted and changes nothing, because
        materialization initializes the parameter (``reset_parameters``) when its shape is known.
        """
        d = self._data
        if type(d) is _Pending:
            from ..ops.creation import empty

            return empty(0, dtype=_dt.from_np(d.dtype), device=d.device)
        return Tensor.data.fget(self)  # type: ignore[attr-defined]

    @data.setter
    def data(self, value: Tensor) -> None:
        Tensor.data.fset(self, value)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        if is_pending(self):
            return "<UninitializedParameter>"
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> "Parameter":
        if id(self) in memo:
            return memo[id(self)]
        import copy

        d = self._data
        data = d.copy()
        p: Any = _make(data, self._device, self._requires_grad, cls=type(self))
        memo[id(self)] = p
        for k, v in (_state(self) or {}).items():
            p.__dict__[k] = copy.deepcopy(v, memo)
        return p

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple:
        d = self._data
        if type(d) is _Pending:
            return (_rebuild_pending, (type(self), str(d.dtype), str(d.device), self._requires_grad, d.path, d.owner,
                                       _state(self)))
        return (_rebuild, (type(self), self._host().copy(), str(self._device), self._requires_grad, _state(self)))


def _rebuild_pending(cls: type, dtype: str, device: str, rg: bool, path: str, owner: str,
                     state: dict | None) -> Tensor:
    dev = canonical(device)
    t = _make(_Pending(np.dtype(dtype) if dtype != "bfloat16" else _dt.bfloat16.np, dev, path, owner), dev, rg,
              cls=cls)
    if state:
        t.__dict__.update(state)
    return t


class _PendingMeta(type):
    """``isinstance(t, UninitializedParameter)`` asks whether ``t`` is a parameter whose data is pending."""

    def __instancecheck__(cls, obj: Any) -> bool:
        if not is_pending(obj):
            return False
        return isinstance(obj, Parameter) == (cls is UninitializedParameter)


class UninitializedParameter(Parameter, metaclass=_PendingMeta):
    """A parameter whose shape is not known yet; a lazy layer registers one for each size-dependent weight.

    Calling it returns a `Parameter` holding no data; any use of its data raises an error that names
    the module path. It gets a shape in place (the same object, so an optimizer built earlier trains it) on
    the layer's first forward pass, from ``nn.utils.materialize``, or from a loaded state dict.

    Args:
        requires_grad: whether the materialized parameter requires grad (default True).
        device: where it will live (the default device if None).
        dtype: its floating dtype (the default dtype if None).

    Example:
        >>> import brickwork as torch
        >>> p = torch.nn.UninitializedParameter()
        >>> isinstance(p, torch.nn.UninitializedParameter), isinstance(p, torch.nn.Parameter)
        (True, True)
    """

    def __new__(cls, requires_grad: bool = True, device: Any = None,  # type: ignore[misc]
                dtype: Any = None) -> Parameter:
        return _placeholder(Parameter, requires_grad, device, dtype)  # type: ignore[return-value]


class UninitializedBuffer(Tensor, metaclass=_PendingMeta):
    """A buffer whose shape is not known yet (for example a lazy BatchNorm's running statistics).

    Args:
        requires_grad: whether the materialized buffer requires grad (default False).
        device: where it will live (the default device if None).
        dtype: its dtype (the default dtype if None).
        persistent: whether it is part of the module's ``state_dict`` (default True).

    Example:
        >>> import brickwork as torch
        >>> b = torch.nn.UninitializedBuffer()
        >>> isinstance(b, torch.nn.UninitializedBuffer), isinstance(b, torch.nn.Buffer)
        (True, True)
    """

    def __new__(cls, requires_grad: bool = False, device: Any = None, dtype: Any = None,  # type: ignore[misc]
                persistent: bool = True) -> Tensor:
        t: Any = _placeholder(Tensor, requires_grad, device, dtype)  # gains buffer-marker attributes
        t.persistent = persistent
        t._is_buffer = True
        return t


def is_lazy(param: Any) -> bool:
    """Whether ``param`` is an uninitialized parameter or buffer.

    Example:
        >>> import brickwork as torch
        >>> is_lazy(torch.nn.UninitializedParameter()), is_lazy(torch.nn.Parameter(torch.ones(1)))
        (True, False)
    """
    return is_pending(param)


class _BufferMeta(type):
    """``isinstance(t, Buffer)`` holds for tensors marked by ``Buffer(...)``, as in PyTorch."""

    def __instancecheck__(cls, obj: Any) -> bool:
        if cls is Buffer and isinstance(obj, Tensor) and getattr(obj, "_is_buffer", False):
            return True
        return type.__instancecheck__(cls, obj)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a buffer when assigned as a module attribute.

    ``Buffer(t)`` returns a tensor sharing ``t``'s memory (it is not a new type); assigning it to
    ``module.name`` calls ``module.register_buffer(name, t, persistent)``.

    Args:
        data: the buffer's value (an empty tensor if omitted).
        persistent: whether it is saved in ``state_dict`` (default True).

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Module(); m.steps = torch.nn.Buffer(torch.zeros(1))
        >>> list(m.state_dict())
        ['steps']
    """

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True) -> Tensor:  # type: ignore[misc]
        if data is None:
            from ..ops.creation import empty

            data = empty(0)
        t: Any = data.detach()  # gains buffer-marker attributes
        if data.requires_grad:
            t.requires_grad_(True)
        t.persistent = persistent
        t._is_buffer = True
        return t
