"""The optimizer base class: parameter groups, per-parameter state, state dicts in PyTorch's format, step hooks.

Concrete optimizers (SGD, Adam, ...) write each update as one function over raw arrays (``p._data``,
``p.grad._data``, the state's arrays) that works in place with ``out=`` arguments, so a step records nothing,
allocates nothing after the first call, and bumps each parameter's version counter. ``Optimizer._update`` runs
that function on cache-sized chunks of large parameters, with scratch arrays kept by the optimizer.
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain
from typing import Any, Callable, Iterable

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..autograd.grad_mode import enable_grad
from ..backends import CPU
from ..backends._fused import fused_update
from ..kernels import mode as _kernel_mode
from ..kernels.optim import adam_step, sgd_step
from ..nn.hooks import RemovableHandle

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_CHUNK_BYTES = 1 << 17  # per operand of an update: a chunk of every operand stays in L2 across all passes


class _RequiredParameter:
    """Marks an optimizer default that every parameter group must give (like ``torch.optim.optimizer.required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


_global_pre_hooks: "OrderedDict[int, Callable]" = OrderedDict()
_global_post_hooks: "OrderedDict[int, Callable]" = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``; it may return new (args, kwargs).

    As in PyTorch, ``args`` starts with the optimizer itself.

    Example:
        >>> import brickwork as torch
        >>> h = torch.optim.optimizer.register_optimizer_step_pre_hook(lambda opt, a, k: None); h.remove()
    """
    return _register(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """Run ``hook(optimizer, args, kwargs)`` after every optimizer's ``step``.

    Example:
        >>> import brickwork as torch
        >>> h = torch.optim.optimizer.register_optimizer_step_post_hook(lambda opt, a, k: None); h.remove()
    """
    return _register(_global_post_hooks, hook)


def _with_step_hooks(step: Callable) -> Callable:
    """Wrap a ``step`` method so the step hooks run around it (once, even when a subclass calls ``super().step``)."""

    @functools.wraps(step)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        self = args[0]  # hooks see args with the optimizer first, as in PyTorch
        self._opt_called = True  # lets LR schedulers warn when they are stepped before the optimizer
        if self._in_step or not (_global_pre_hooks or _global_post_hooks or self._optimizer_step_pre_hooks
                                 or self._optimizer_step_post_hooks):
            return step(*args, **kwargs)
        self._in_step = True
        try:
            for hook in chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"{type(self).__name__}.step pre-hook {hook!r} must return None or a "
                                           f"tuple of (new_args, new_kwargs), but got {result!r}")
                    args, kwargs = result
            out = step(*args, **kwargs)
            for hook in chain(self._optimizer_step_post_hooks.values(), _global_post_hooks.values()):
                hook(self, args, kwargs)
            return out
        finally:
            self._in_step = False

    wrapper._hooked = True  # type: ignore[attr-defined]
    return wrapper


def _typename(x: Any) -> str:
    return "brickwork.Tensor" if isinstance(x, Tensor) else f"{type(x).__module__}.{type(x).__qualname__}"


def scalar_state(value: float = 0.0) -> Tensor:
    """A 0-d CPU tensor for a counter such as ``state["step"]`` (float64 when that is the default dtype).

    Example:
        >>> scalar_state(3.0)
        tensor(3.)
    """
    dt = np.float64 if _dt.get_default_dtype() is _dt.float64 else np.float32
    return _make(np.array(value, dtype=dt), CPU)


def as_float(x: Any) -> float:
    """A hyperparameter (Python number or one-element tensor) as a Python float."""
    return x if x.__class__ is float else float(x)


# -- pieces of the in-place update kernels (arrays; ``tmp`` and ``gbuf`` are the scratch arrays of ``_update``) --

def update_grad(xp: Any, p: Any, g: Any, tmp: Any, gbuf: Any, maximize: bool, wd: float) -> Any:
    """The gradient an update uses: ``g`` negated when ``maximize``, plus the L2 term ``wd * p``.

    A modified gradient is written to ``gbuf``; the parameter's own gradient ``g`` is never changed.
    """
    if maximize:
        g = xp.negative(g, out=gbuf)
    if wd != 0:
        xp.multiply(p, wd, out=tmp)
        g = xp.add(g, tmp, out=gbuf)
    return g


def lerp_(xp: Any, a: Any, b: Any, w: float, tmp: Any) -> None:
    """``a.lerp_(b, w)`` in place, with PyTorch's two formulas (from ``a`` for ``w < 0.5``, else from ``b``)."""
    xp.subtract(b, a, out=tmp)
    if w < 0.5:
        tmp *= w
        a += tmp
    else:
        tmp *= 1 - w
        xp.subtract(b, tmp, out=a)


def square_avg_(xp: Any, v: Any, g: Any, beta: float, tmp: Any) -> None:
    """``v.mul_(beta).addcmul_(g, g, value=1 - beta)`` in place: the running average of squared gradients."""
    v *= beta
    xp.multiply(g, 1 - beta, out=tmp)
    tmp *= g
    v += tmp


# the compiled CPU forms of the generic updates (same arguments without the scratch arrays)
_CPU_UPDATES = {"brickwork.optim.adam._adam": adam_step, "brickwork.optim.sgd._sgd": sgd_step}


def _compiled_update(kernel: Callable) -> Callable | None:
    """The compiled CPU kernel for the update ``kernel``, or None (none, ``BRICKWORK_KERNELS=reference``, no Numba)."""
    k = _CPU_UPDATES.get(f"{kernel.__module__}.{kernel.__qualname__}")
    return None if k is None or _kernel_mode() != "auto" else k.compiled()


class Optimizer:
    """Base class of all optimizers, like ``torch.optim.Optimizer``.

    Args:
        params: an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts defining parameter groups
            (each with a ``"params"`` entry and optional per-group options).
        defaults: the default value of every option, used where a group does not give one.

    Subclasses implement ``step``; ``self.state[p]`` holds each parameter's state (a dict).

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(3, requires_grad=True)
        >>> opt = torch.optim.SGD([w], lr=0.1)
        >>> (w - 1.0).pow(2).sum().backward(); opt.step(); opt.zero_grad()
        >>> w
        tensor([0.2000, 0.2000, 0.2000], requires_grad=True)
    """

    _in_step = False
    _opt_called = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "_hooked", False):
            cls.step = _with_step_hooks(step)  # type: ignore[method-assign]

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._init_transient()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got brickwork.Tensor; wrap it in a list: optimizer([tensor])")
        self.state: defaultdict[Tensor, Any] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list; pass the tensors to optimize, e.g. "
                             "model.parameters()")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def _init_transient(self) -> None:
        self._optimizer_step_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict[int, Callable] = OrderedDict()
        self._scratch: dict[tuple, Any] = {}

    # -- pickling, printing ------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_optimizer_step_pre_hooks" not in self.__dict__:
            self._init_transient()
        self.defaults.setdefault("differentiable", False)

    def __repr__(self) -> str:
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # -- groups ------------------------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (the rest come from ``defaults``).

        Raises a ValueError if one of the parameters is already in another group.

        Example:
            >>> import brickwork as torch
            >>> opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
            >>> opt.add_param_group({"params": [torch.zeros(3, requires_grad=True)], "lr": 0.01})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.01]
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for i, p in enumerate(tensors):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)} "
                                f"(entry {i} of the group)")
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError(f"can't optimize a non-leaf Tensor (entry {i} of the group, computed by "
                                 f"{p.grad_fn.name()}); optimize the leaf tensors it was computed from, or use "
                                 ".detach().requires_grad_() to make a new leaf")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        new_ids = set(ids)
        for gi, group in enumerate(self.param_groups):
            if ("param_names" in param_group) != ("param_names" in group):
                kind = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {kind} to the optimizer")
            for pi, p in enumerate(group["params"]):
                if id(p) in new_ids:
                    raise ValueError(
                        f"some parameters appear in more than one parameter group: parameter {pi} of group {gi} "
                        f"(shape {tuple(p.shape)}) is also in the new group; give each parameter to exactly one "
                        "group")
        self.param_groups.append(param_group)

    # -- gradients and steps -------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors: to None (default), or to zeros in place.

        Example:
            >>> import brickwork as torch
            >>> w = torch.ones(2, requires_grad=True); (w * 2).sum().backward()
            >>> opt = torch.optim.SGD([w]); opt.zero_grad(); w.grad is None
            True
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    g._data.fill(0)
                    g._version_counter[0] += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update the parameters once; ``closure`` re-evaluates the model and returns the loss (returned here).

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(1, requires_grad=True); opt = torch.optim.SGD([w], lr=0.5)
            >>> def closure():
            ...     opt.zero_grad(); loss = ((w - 2) ** 2).sum(); loss.backward(); return loss
            >>> opt.step(closure)
            tensor(4., grad_fn=<SumBackward0>)
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement step(); subclasses of Optimizer "
                                  "must define it")

    def _run_closure(self, closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _buf(self, shape: tuple, dtype: Any, dev: Any, slot: int) -> Any:
        """A scratch array (shared by parameters of equal shape, dtype and device)."""
        key = (shape, dtype, dev, slot)
        b = self._scratch.get(key)
        if b is None:
            b = self._scratch[key] = dev.xp.empty(shape, dtype)
        return b

    def _update(self, kernel: Callable, dev: Any, arrays: tuple, need_gbuf: bool, *args: Any) -> None:
        """Run ``kernel(xp, *arrays, tmp, gbuf, *args)``, the in-place update of one parameter.

        ``arrays`` starts with the parameter and its gradient (None entries are passed through). On NumPy, large
        contiguous parameters are updated in chunks of ``_CHUNK_BYTES`` per array, so that every pass of the
        update finds its operands in cache (Adam's 13 passes over a 784x256 float32 weight: about 1.2x faster than
        whole-array passes); the scratch arrays ``tmp`` (and ``gbuf``, for a modified gradient) then have the
        chunk's size only. Chunking changes no result: every operation is elementwise. Updates with a fused form
        (Adam, SGD) run as one kernel instead: a compiled CPU kernel on NumPy (``kernels/optim.py``), one CuPy
        launch on a GPU; all three give the same bits.
        """
        p = arrays[0]
        xp = dev.xp
        if xp is not np:
            if fused_update(kernel, xp, arrays, args):  # one GPU launch (backends/_fused.py)
                return
        else:
            compiled = _compiled_update(kernel)
            if compiled is not None:  # one compiled CPU pass (kernels/optim.py)
                compiled(*arrays, *args)
                return
        n, dtype = p.size, p.dtype
        step = _CHUNK_BYTES // p.itemsize
        if n <= 2 * step or xp is not np or not all(a is None or a.flags.c_contiguous for a in arrays):
            gbuf = self._buf(p.shape, dtype, dev, 1) if need_gbuf else None
            kernel(xp, *arrays, self._buf(p.shape, dtype, dev, 0), gbuf, *args)
            return
        flat = [None if a is None else a.reshape(-1) for a in arrays]
        tmp = self._buf((step,), dtype, dev, 0)
        gbuf = self._buf((step,), dtype, dev, 1) if need_gbuf else None
        for s in range(0, n, step):
            e = min(s + step, n)
            kernel(xp, *[None if a is None else a[s:e] for a in flat], tmp[:e - s],
                   None if gbuf is None else gbuf[:e - s], *args)

    def _follow(self, p: Tensor, state: dict[str, Any]) -> None:
        """Move/cast ``p``'s state tensors (all but ``step``) to ``p``'s device and dtype after ``p`` moved."""
        dt = p.dtype if p.is_floating_point() else None
        for k, v in state.items():
            if k != "step" and isinstance(v, Tensor):
                state[k] = v.to(device=p._device, dtype=dt if v.is_floating_point() else None)
        self._scratch.clear()

    def _grad_of(self, p: Tensor) -> Any:
        """The gradient array of ``p`` (None when it has no gradient), checked to be on ``p``'s device."""
        g = p._grad
        if g is None:
            return None
        if g._device is not p._device:
            raise RuntimeError(f"{type(self).__name__}.step: a parameter of shape {tuple(p.shape)} is on "
                               f"{p._device} but its gradient is on {g._device}; move the gradient too "
                               "(p.grad = p.grad.to(p.device)) or call zero_grad() after moving the model")
        return g._data

    # -- hooks ---------------------------------------------------------------------------------------

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Run ``hook(optimizer, args, kwargs)`` before each ``step``; it may return new ``(args, kwargs)``.

        As in PyTorch, ``args`` starts with the optimizer itself.

        Example:
            >>> import brickwork as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)])
            >>> calls = []; h = opt.register_step_pre_hook(lambda o, a, k: calls.append(1))
            >>> opt.step(); h.remove(); opt.step(); calls
            [1]
        """
        return _register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """Run ``hook(optimizer, args, kwargs)`` after each ``step``.

        Example:
            >>> import brickwork as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)])
            >>> calls = []; h = opt.register_step_post_hook(lambda o, a, k: calls.append(1))
            >>> opt.step(); calls
            [1]
        """
        return _register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Run ``hook(optimizer)`` before ``state_dict()`` builds its result."""
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Run ``hook(optimizer, state_dict)`` after ``state_dict()``; a returned dict replaces the result."""
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Run ``hook(optimizer, state_dict)`` before loading; a returned dict is loaded instead."""
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Run ``hook(optimizer)`` after ``load_state_dict()``."""
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state dicts ---------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's format: ``state`` keyed by parameter index, and ``param_groups``.

        Each group's ``"params"`` is a list of indices (numbered across groups in order). State tensors are
        returned by reference, as PyTorch does; save or copy them before stepping again.

        Example:
            >>> import brickwork as torch
            >>> opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
            >>> sd = opt.state_dict(); sd["state"], sd["param_groups"][0]["params"]
            ({}, [0])
        """
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        index: dict[int, int] = {}
        start = 0

        def pack(group: dict[str, Any]) -> dict[str, Any]:
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from `state_dict` (this optimizer's or PyTorch's format).

        State tensors are copied onto each parameter's device, and floating ones cast to its dtype (``step``
        counters are copied as they are), so the loaded optimizer continues exactly where the saved one was.

        Example:
            >>> import brickwork as torch
            >>> w = torch.zeros(2, requires_grad=True)
            >>> a = torch.optim.Adam([w], lr=0.1); w.grad = torch.ones(2); a.step()
            >>> b = torch.optim.Adam([w], lr=0.5); b.load_state_dict(a.state_dict())
            >>> b.param_groups[0]["lr"], b.state[w]["step"]
            (0.1, tensor(1.))
        """
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups: it has "
                             f"{len(saved_groups)} but the optimizer has {len(groups)}; build the optimizer with the "
                             "same groups as the one that was saved")
        for i, (g, s) in enumerate(zip(groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group: group {i} has {len(s['params'])} parameters in the state dict "
                                 f"but {len(g['params'])} in the optimizer")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))
        state: defaultdict[Any, dict[Any, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if isinstance(k, str) and k.isdigit() and int(k) in id_map:
                k = int(k)  # keys turned into strings by a JSON-like round trip
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v)
            else:
                state[k] = v
        param_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            param_groups.append(s)
        self.__setstate__({"state": state, "param_groups": param_groups})
        self._scratch.clear()
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _register(hooks: "OrderedDict[int, Callable]", hook: Callable, prepend: bool = False) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _cast(param: Tensor, value: Any, key: Any = None) -> Any:
    """A deep copy of a loaded state value with its tensors on ``param``'s device (and dtype, if floating)."""
    if isinstance(value, Tensor):
        if key == "step":
            out = value
        elif param.is_floating_point() and value.is_floating_point():
            out = value.to(device=param._device, dtype=param.dtype)
        else:
            out = value.to(device=param._device)
        if out is value:  # never alias the loaded dict's tensors: both optimizers could then step them
            out = _make(value._data.copy(), value._device)
        return out
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


def restore_group_defaults(opt: Optimizer, **defaults: Any) -> None:
    """After unpickling: give every group the options it lacks (older checkpoints) and tensor step counters."""
    for group in opt.param_groups:
        for key, default in defaults.items():
            group.setdefault(key, default)
    fix_step_state(opt)


def fix_step_state(opt: Optimizer) -> None:
    """Turn ``step`` counters saved as Python numbers (old checkpoints) into 0-d tensors, as PyTorch does."""
    for group in opt.param_groups:
        for p in group["params"]:
            st = opt.state.get(p)
            if st and "step" in st and not isinstance(st["step"], Tensor):
                st["step"] = scalar_state(float(st["step"]))


def check_lr(lr: Any) -> None:
    """PyTorch's learning-rate checks (a Tensor lr must have one element; lr must be >= 0)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError(f"Tensor lr must be 1-element, got shape {tuple(lr.shape)}")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr} (expected lr >= 0)")


def check_nonneg(name: str, label: str, value: Any) -> None:
    """Raise PyTorch's ``Invalid <label> value`` error when ``value`` is negative."""
    if not 0.0 <= value:
        raise ValueError(f"Invalid {label} value: {value} (expected {name} >= 0)")


def check_flags(name: str, foreach: Any, fused: Any, differentiable: bool) -> None:
    """Accept PyTorch's implementation flags: brickwork has one implementation, so only conflicts are errors."""
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if differentiable:
        raise RuntimeError(f"{name}(differentiable=True) is not supported: brickwork optimizers update parameters "
                           "in place outside autograd; leave differentiable=False")


def param_state(opt: Optimizer, p: Tensor, init: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``opt.state[p]``, filled from ``init()`` when empty; state shaped like ``p`` follows ``p``'s device/dtype.

    Used by the optimizers whose updates are plain array expressions (Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop).
    0-d entries (``step``, NAdam's ``mu_product``, ASGD's ``eta`` and ``mu``) keep their dtype, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> w = torch.zeros(2, requires_grad=True); opt = torch.optim.SGD([w])
        >>> sorted(param_state(opt, w, lambda: {"step": scalar_state()}))
        ['step']
    """
    state = opt.state[p]
    if len(state) == 0:
        state.update(init())
        return state
    for k, v in state.items():
        if k != "step" and isinstance(v, Tensor) and v.ndim > 0 and (
                v._device is not p._device or v._data.dtype != p._data.dtype):
            state[k] = v.to(device=p._device, dtype=p.dtype if v.is_floating_point() else None)
    return state


def zeros_state(p: Tensor, fill: float = 0.0) -> Tensor:
    """A state tensor like ``p`` (same shape, dtype, device) filled with ``fill``.

    Example:
        >>> import brickwork as torch
        >>> zeros_state(torch.ones(2), 0.5)
        tensor([0.5000, 0.5000])
    """
    return _make(p._device.xp.full_like(p._data, fill), p._device)


def plain_grad(xp: Any, p: Any, g: Any, maximize: bool, wd: float) -> Any:
    """A new gradient array: ``-g`` when maximizing, plus ``wd * p`` (PyTorch's ``grad.add(param, alpha=wd)``)."""
    if maximize:
        g = xp.negative(g)
    if wd != 0:
        g = g + p * wd
    return g
