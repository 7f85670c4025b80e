"""``nn.Module``: registration of parameters, buffers and submodules, traversal, train/eval, ``to()`` and repr.

State dicts live in `._state`, hooks in `.hooks`, lazy materialization in `.lazy`.
"""

from __future__ import annotations

import warnings
from itertools import islice
from typing import Any, Callable, Iterator

from .. import dtypes as _dt
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..backends import DeviceMismatchError
from ..ops.random import Generator, default_generator
from . import lazy
from ._device_context import add_module_context, add_module_path
from ._state import StateDictMixin
from .hooks import HooksMixin
from .parameter import Parameter, is_pending

__all__ = ["Module"]

# The op errors that Module.__call__ names the module in (docs/CONTRIBUTING-internal.md, "Errors"): shape and
# argument errors. Other types (IndexError, TypeError, KeyError and subclasses) keep the op's own message.
_NAMED_ERRORS = (RuntimeError, ValueError)


def _forward_unimplemented(self: "Module", *args: Any, **kwargs: Any) -> Any:
    """The computation run by every call of the module; each subclass overrides it."""
    raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')


def _cast_method(dt: _dt.dtype) -> Callable[["Module"], "Module"]:
    def cast(self: "Module") -> "Module":
        return self._convert(None, dt)

    cast.__doc__ = f"Cast floating-point parameters and buffers to {dt.name}; returns ``self``."
    return cast


class Module(StateDictMixin, HooksMixin):
    """Base class for all layers and models.

    Subclass it, assign layers and parameters in ``__init__``, and write ``forward``.

    Assigning a `Parameter`, a `Module` or a `Buffer` as an attribute registers it;
    registered tensors are found by ``parameters()``, saved by ``state_dict()`` and moved by ``to()``.

    Reproducible initialization (beyond PyTorch): each module draws one 64-bit seed from the default
    generator when it is constructed (``self._init_seed``), and layers initialize their weights from
    ``self._init_generator()``, a fresh generator seeded from it, sampling on the host. So for one
    ``manual_seed`` a model gets the same initial weights whatever device it is built on, and whether its
    layers are lazy (materialized later, see `brickwork.nn.lazy`) or eager.

    Example:
        >>> import brickwork as torch
        >>> class Affine(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.scale = torch.nn.Parameter(torch.ones(2))
        ...     def forward(self, x):
        ...         return x * self.scale
        >>> m = Affine(); m(torch.tensor([1.0, 2.0])), [n for n, _ in m.named_parameters()]
        (tensor([1., 2.], grad_fn=<MulBackward0>), ['scale'])
    """

    _version = 1
    _lazy_pending = False  # set per instance when a lazy placeholder is registered
    _lazy_tree = False  # this module or a descendant registered a placeholder
    training: bool
    forward: Callable[..., Any] = _forward_unimplemented

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments; Module.__init__ takes "
                            "none (call super().__init__() without arguments)")
        d = self.__dict__
        d["training"] = True
        d["_parameters"], d["_buffers"], d["_modules"] = {}, {}, {}
        d["_non_persistent_buffers_set"] = set()
        d["_init_seed"] = int(default_generator._np.bit_generator.random_raw())  # 64 random bits
        self._init_hooks()

    def _init_generator(self) -> Generator:
        """A fresh generator seeded from this module's construction-time seed, for ``reset_parameters``."""
        return Generator().manual_seed(self._init_seed)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:  # free unless raised (Python 3.11+): errors are caught only to say where they happened
            if self._lazy_pending:
                lazy.materialize_module(self, *args)
            if self._forward_hooks or self._forward_pre_hooks or self._backward_hooks or self._backward_pre_hooks:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        except DeviceMismatchError as e:
            add_module_context(e, self, args, kwargs)
            raise
        except (RuntimeError, ValueError) as e:
            if type(e) in _NAMED_ERRORS:  # subclasses (UninitializedError...) carry their own context
                add_module_path(e, self)
            raise

    # -- registration -------------------------------------------------------------------------------------

    def _check_name(self, name: Any, kind: str, store: dict) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in store:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a placeholder skipped by ``to()`` and ``state_dict()``) under ``name``.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.register_parameter("w", torch.nn.Parameter(torch.ones(1)))
            >>> [n for n, _ in m.named_parameters()]
            ['w']
        """
        self._check_name(name, "parameter", self.__dict__.get("_parameters", {}))
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(brickwork.nn.Parameter or None required); wrap it: nn.Parameter(tensor)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                             "the value in the forward() method.")
        self._parameters[name] = param
        if param is not None and is_pending(param):
            lazy.track(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. running statistics) under ``name``.

        Non-persistent buffers move with ``to()`` but are left out of ``state_dict()``.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.register_buffer("mean", torch.zeros(2), persistent=False)
            >>> [n for n, _ in m.named_buffers()], list(m.state_dict())
            (['mean'], [])
        """
        self._check_name(name, "buffer", self.__dict__.get("_buffers", {}))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(brickwork Tensor or None required)")
        self._buffers[name] = tensor
        (self._non_persistent_buffers_set.discard if persistent else self._non_persistent_buffers_set.add)(name)
        if tensor is not None and is_pending(tensor):
            lazy.track(self, name, tensor)

    def add_module(self, name: str, module: "Module | None") -> None:
        """Add a child module under ``name`` (also ``register_module``).

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.add_module("inner", torch.nn.Module()); [n for n, _ in m.named_children()]
            ['inner']
        """
        if module is not None and not isinstance(module, Module):
            what = getattr(module, "__qualname__", type(module).__name__)
            hint = (f"; wrap it in a Module (e.g. nn.ReLU() for torch.relu, or a small Module whose forward calls "
                    f"{what})" if callable(module) else "")
            raise TypeError(f"{type(self).__name__}.{name}: {what} is not a Module subclass{hint}")
        self._check_name(name, "module", self.__dict__.get("_modules", {}))
        self._modules[name] = module
        if module is not None and module._lazy_tree:
            lazy.rename(module, name)
            self.__dict__["_lazy_tree"] = True

    register_module = add_module

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params, modules, buffers = d.get("_parameters"), d.get("_modules"), d.get("_buffers")
        if isinstance(value, Tensor):
            target = params if isinstance(value, Parameter) else buffers if getattr(value, "_is_buffer", False) \
                else False
        else:
            target = modules if isinstance(value, Module) else False
        if target is not False:
            if params is None:
                raise AttributeError(f"cannot assign {type(value).__name__} before Module.__init__() call")
            for store in (d, params, modules, buffers):
                if store is not target and store is not None:  # the target keeps the name's position
                    store.pop(name, None)
            if target is params:
                self.register_parameter(name, value)
            elif target is modules:
                self.add_module(name, value)
            else:
                self.register_buffer(name, value, getattr(value, "persistent", True))
            return
        if (params is None or name not in params) and (modules is None or name not in modules) and \
                (buffers is None or name not in buffers):
            _warn_plain_container(self, name, value)
            object.__setattr__(self, name, value)
            return
        for store, what, allowed in ((params, "parameter", "brickwork.nn.Parameter"),
                                     (modules, "child module", "brickwork.nn.Module"),
                                     (buffers, "buffer", "brickwork.nn.Buffer, brickwork.Tensor")):
            if store is not None and name in store:
                if value is not None and not (store is buffers and isinstance(value, Tensor)):
                    raise TypeError(f"cannot assign '{type(value).__name__}' as {what} '{name}' ({allowed} or None "
                                    "expected)")
                if store is buffers:
                    self.register_buffer(name, value, name not in self._non_persistent_buffers_set)
                else:
                    store[name] = None
                return

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            s = d.get(store)
            if s is not None and name in s:
                return s[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = list(dir(type(self))) + list(self.__dict__) + list(self._parameters) + list(self._modules) + \
            list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    # -- traversal (every walk is named_modules) ----------------------------------------------------------

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(path, module)`` for this module and every descendant, depth first, each module once.

        Example:
            >>> import brickwork as torch
            >>> net = torch.nn.Module(); net.body = torch.nn.Module(); [p for p, _ in net.named_modules()]
            ['', 'body']
        """
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def _named_members(self, get: Callable[["Module"], Any], prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        walk = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for path, m in walk:
            for k, v in get(m):
                if v is None or id(v) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (f"{path}.{k}" if path else k), v

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(path, parameter)``; a parameter shared by several modules is listed once (first path).

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.w = torch.nn.Parameter(torch.ones(1)); [n for n, _ in m.named_parameters()]
            ['w']
        """
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every parameter once (for optimizers)."""
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Yield ``(path, buffer)`` for every buffer, persistent or not."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Yield every buffer once."""
        return (b for _, b in self.named_buffers(recurse=recurse))

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """Yield ``(name, module)`` for each direct child, each module once."""
        return ((n, m) for n, m in self._named_members(lambda m: m._modules.items(), recurse=False))

    def children(self) -> Iterator["Module"]:
        """Yield each direct child module once."""
        return (m for _, m in self.named_children())

    def modules(self) -> Iterator["Module"]:
        """Yield this module and every descendant once."""
        return (m for _, m in self.named_modules())

    def get_submodule(self, target: str) -> "Module":
        """The submodule at dotted path ``target`` (``''`` is this module).

        Example:
            >>> import brickwork as torch
            >>> net = torch.nn.Module(); net.body = torch.nn.Module(); net.get_submodule("body") is net.body
            True
        """
        mod: Module = self
        for item in target.split(".") if target else []:
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}` (looking up '{target}')")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module (looking up '{target}')")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``, e.g. ``'body.weight'``."""
        return self._get_tensor(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``."""
        return self._get_tensor(target, "_buffers", "a buffer")

    def _get_tensor(self, target: str, store: str, what: str) -> Any:
        path, _, name = target.rpartition(".")
        mod = self.get_submodule(path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}` (looking up '{target}')")
        if name not in getattr(mod, store):
            raise AttributeError(f"`{name}` is not {what} (looking up '{target}')")
        return getattr(mod, store)[name]

    # -- modes and bulk changes ---------------------------------------------------------------------------

    def train(self, mode: bool = True) -> "Module":
        """Set training mode (``training``) on this module and its descendants; returns ``self``.

        Example:
            >>> import brickwork as torch
            >>> torch.nn.Module().eval().training
            False
        """
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {type(mode).__name__}")
        self.__dict__["training"] = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode (``train(False)``); returns ``self``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Set ``requires_grad`` on every parameter; returns ``self``."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), or to zeros in place."""
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_().zero_()

    def apply(self, fn: Callable[["Module"], Any]) -> "Module":
        """Call ``fn`` on every descendant, then on this module; returns ``self``.

        On a lazy module ``fn`` is replayed right after materialization, so initializers are not lost.

        Example:
            >>> import brickwork as torch
            >>> names = []; _ = torch.nn.Module().apply(lambda m: names.append(type(m).__name__)); names
            ['Module']
        """
        for m in self.children():
            m.apply(fn)
        lazy.apply_fn(self, fn)
        return self

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True,
               pending: Callable[[Tensor], None] | None = None) -> "Module":
        """Replace every tensor ``t`` by ``fn(t)``: parameters in place (``p.data = fn(p)``, keeping identity
        and ties), their grads, and buffers (a buffer shared by two modules stays shared)."""
        with no_grad():
            for p in self.parameters(recurse):
                if is_pending(p):
                    if pending is not None:
                        pending(p)
                    continue
                new = fn(p)
                if new is not p:
                    p.data = new
                if p._grad is not None:
                    p._grad = fn(p._grad)
            done: dict[int, Tensor] = {}
            for m in (self.modules() if recurse else [self]):
                for k, b in m._buffers.items():
                    if b is None:
                        continue
                    if id(b) not in done:
                        if is_pending(b) and pending is not None:
                            pending(b)
                        done[id(b)] = b if is_pending(b) else fn(b)
                    m._buffers[k] = done[id(b)]
        return self

    def to(self, *args: Any, **kwargs: Any) -> "Module":
        """Move and/or cast parameters and buffers in place: ``to(device)``, ``to(dtype)``, ``to(tensor)``.

        A dtype applies to floating-point tensors only. Parameters stay the same objects (so ties and
        optimizers keep working); lazy placeholders remember the target for when they are materialized.

        Example:
            >>> import brickwork as torch
            >>> m = torch.nn.Module(); m.w = torch.nn.Parameter(torch.ones(1)); p = m.w
            >>> m.to(torch.float64).w.dtype, m.w is p
            (brickwork.float64, True)
        """
        from ..ops.creation import _parse_to

        dev, dt, _ = _parse_to(args, dict(kwargs), None)
        if dt is not None and not dt.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dt}")
        return self._convert(dev, dt)

    def _convert(self, dev: Any, dt: Any) -> "Module":
        from ..ops.creation import _convert

        def fn(t: Tensor) -> Tensor:
            return _convert(t, dev, dt if dt is not None and t.is_floating_point() else None)

        return self._apply(fn, pending=lambda t: lazy.retarget(t, dev, dt))

    def cpu(self) -> "Module":
        """Move everything to the CPU."""
        return self.to("cpu")

    def cuda(self, device: Any = None) -> "Module":
        """Move everything to a CUDA device (the current one by default)."""
        return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)

    float = _cast_method(_dt.float32)
    double = _cast_method(_dt.float64)
    half = _cast_method(_dt.float16)
    bfloat16 = _cast_method(_dt.bfloat16)

    # -- repr ---------------------------------------------------------------------------------------------

    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's repr parentheses (override to show hyperparameters)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): {_addindent(repr(m), 2)}" for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            body = extra_lines[0] if len(extra_lines) == 1 and not child_lines else "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line if line else line for line in lines[1:])


def _warn_plain_container(module: Module, name: str, value: Any) -> None:
    if not isinstance(value, (list, tuple, dict)):
        return
    items = value.values() if isinstance(value, dict) else value
    if any(isinstance(v, Module) for v in islice(items, 8)):  # a few suffice; big data lists stay cheap
        kind, fix = ("dict", "nn.ModuleDict") if isinstance(value, dict) else (type(value).__name__, "nn.ModuleList")
        warnings.warn(f"{type(module).__name__}.{name} is a plain {kind} of Modules: they are not registered, so "
                      "their parameters are missing from parameters(), state_dict() and to(). Use "
                      f"{fix}(...) instead", stacklevel=3)
