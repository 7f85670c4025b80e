"""Lazy initialization: a lazy layer is an ordinary layer waiting for its input size.

There is no class swapping (PyTorch turns ``LazyLinear`` into ``Linear``; brickwork does not need to).
``nn.LazyLinear`` is a class, ``class LazyLinear(LazyModuleMixin, Linear)``, whose ``__init__`` is
``Linear.__init__`` with ``None`` for the input size; calling it builds that ordinary ``Linear`` waiting for a
size (``type(nn.LazyLinear(10)) is nn.Linear``, before and after its first input, so code that tests
``type(m) == nn.Linear`` works as with PyTorch). ``isinstance(m, nn.LazyLinear)`` is True while a ``Linear``
still waits for its size, as in PyTorch, and a subclass of ``nn.LazyLinear`` is a class of its own (its
instances are its own type and stay so). Every lazy layer, and any module that registers a placeholder itself,
is materialized by the one path below.

The protocol (what a layer does, and what `Module` does for it):

1. A layer constructed with ``None`` for an input size registers `UninitializedParameter`
   (and `UninitializedBuffer`) placeholders for the tensors whose shapes depend on it,
   passing ``device=`` and ``dtype=``, and skips ``reset_parameters``. Registering a placeholder sets the
   module's ``_lazy_pending`` flag and records its path (``net.0.weight``) for error messages.
2. The layer implements ``_lazy_shapes(self, *inputs) -> dict[str, tuple[int, ...]]``, the shape of every
   placeholder (by attribute name) given the forward's positional inputs (it may validate them too), and
   ``_sizes_from_params(self) -> None``, which sets its size attributes from the materialized shapes
   (e.g. ``self.in_features = self.weight.shape[1]``).
3. ``Module.__call__`` sees the flag and calls `materialize_module`: it asks ``_lazy_shapes``, gives each
   placeholder its shape IN PLACE (the same Python object becomes a normal parameter with data of that shape,
   its dtype and device, so an optimizer created earlier trains it), then calls ``_sizes_from_params()``,
   ``reset_parameters()``, and replays the functions ``module.apply(fn)`` applied to it while it was lazy,
   so initializers applied early are not lost.
4. Touching a placeholder's data, shape or any op raises `UninitializedError`
   naming its path, e.g. ``net.0.weight of Linear is not initialized yet: run a forward pass ...``.
5. ``load_state_dict`` gives placeholders the checkpoint's shapes (`materialize_from_state`, the same
   path as step 3) before copying the values.
6. ``repr`` before materialization shows ``Linear(in_features=None, out_features=10, bias=True)``; after it,
   repr and ``state_dict`` are the eager layer's. Initial weights equal the eager layer's for the same seed,
   because ``reset_parameters`` samples from ``self._init_generator()``, seeded when the module was built.
7. `materialize` (also ``brickwork.nn.utils.materialize``) infers every lazy shape of a model with one
   forward pass on example inputs, in eval mode and without gradients.
"""

from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from .parameter import UninitializedError, _Pending, is_pending

__all__ = ["LazyModuleMixin", "materialize", "materialize_module", "materialize_from_state", "has_uninitialized"]


def _own_pending(module: Any) -> dict[str, Tensor]:
    out = {k: v for k, v in module._parameters.items() if v is not None and is_pending(v)}
    out.update((k, v) for k, v in module._buffers.items() if v is not None and is_pending(v))
    return out


def has_uninitialized(module: Any) -> bool:
    """Whether ``module`` or a descendant still has uninitialized parameters or buffers.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Module(); m.w = torch.nn.UninitializedParameter(); has_uninitialized(m)
        True
    """
    return any(_own_pending(m) for m in module.modules())


def track(module: Any, name: str, tensor: Tensor) -> None:
    """Note that ``module`` registered the placeholder ``tensor`` as ``name`` (called on registration)."""
    pending: _Pending = tensor._data
    pending.path, pending.owner = name, type(module).__name__
    module.__dict__["_lazy_pending"] = True
    module.__dict__["_lazy_tree"] = True


def rename(child: Any, name: str) -> None:
    """Prefix the recorded paths of ``child``'s placeholders with ``name`` (called by ``add_module``)."""
    for path, t in child.named_parameters(prefix=name, remove_duplicate=False):
        if is_pending(t):
            t._data.path = path
    for path, t in child.named_buffers(prefix=name, remove_duplicate=False):
        if is_pending(t):
            t._data.path = path


def retarget(tensor: Tensor, device: Any, dtype: Any) -> None:
    """Change the device and/or dtype a placeholder will be materialized with (``Module.to`` on a lazy model)."""
    pending: _Pending = tensor._data
    if device is not None:
        pending.device = tensor._device = device
    if dtype is not None and pending.dtype.kind == "f":
        pending.dtype = dtype.np


def _fill(tensor: Tensor, shape: tuple[int, ...]) -> None:
    """Give a placeholder zeros of ``shape`` in place, on its device and with its dtype."""
    from ..ops.creation import zeros
    from .. import dtypes as _dt

    pending: _Pending = tensor._data
    z = zeros(tuple(int(s) for s in shape), dtype=_dt.from_np(pending.dtype), device=pending.device)
    tensor._data, tensor._device = z._data, z._device


def _finish(module: Any, shapes: dict[str, Any], where: str) -> None:
    pending = _own_pending(module)
    if not pending:
        module.__dict__["_lazy_pending"] = False
        return
    absent = [n for n in pending if n not in shapes]
    if absent:
        raise RuntimeError(f"{type(module).__name__}: {where} gave no shape for {', '.join(absent)} (got "
                           f"{sorted(shapes)}); _lazy_shapes must return a shape for every uninitialized tensor")
    with no_grad():
        for name, t in pending.items():
            _fill(t, shapes[name])
        if hasattr(module, "_sizes_from_params"):
            module._sizes_from_params()
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
        for fn in module.__dict__.pop("_lazy_applied", ()):
            fn(module)
    module.__dict__["_lazy_pending"] = False


def materialize_module(module: Any, *inputs: Any) -> None:
    """Materialize ``module``'s placeholders from the shapes its ``_lazy_shapes(*inputs)`` gives.

    Example:
        >>> import brickwork as torch
        >>> class Scale(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__(); self.w = torch.nn.UninitializedParameter()
        ...     def _lazy_shapes(self, x):
        ...         return {"w": (x.shape[-1],)}
        ...     def forward(self, x):
        ...         return x * self.w
        >>> m = Scale(); materialize_module(m, torch.ones(2, 3)); m.w.shape
        brickwork.Size([3])
    """
    if not _own_pending(module):  # filled by hand (p.data = ...): keep the values, update the sizes
        module.__dict__["_lazy_pending"] = False
        if hasattr(module, "_sizes_from_params"):
            module._sizes_from_params()
        return
    shapes_fn = getattr(module, "_lazy_shapes", None)
    if shapes_fn is None:
        raise RuntimeError(f"{type(module).__name__} has uninitialized parameters {sorted(_own_pending(module))} "
                           "but defines no _lazy_shapes(*inputs) to give their shapes; define it (see "
                           "brickwork.nn.lazy), or load a state dict")
    _finish(module, shapes_fn(*inputs), "_lazy_shapes")


def materialize_from_state(module: Any, state_dict: dict, prefix: str) -> None:
    """Materialize ``module``'s placeholders from a checkpoint's shapes, if it has every one of them."""
    pending = _own_pending(module)
    shapes = {n: tuple(state_dict[prefix + n].shape) for n in pending if prefix + n in state_dict}
    if pending and len(shapes) == len(pending):
        _finish(module, shapes, "the state dict")


def apply_fn(module: Any, fn: Callable[[Any], Any]) -> None:
    """Run ``fn(module)`` for ``Module.apply``; on a lazy module, also replay it after materialization.

    ``fn`` runs now too (errors from touching placeholders are deferred rather than raised), and again after
    ``reset_parameters`` at materialization, so that an initializer applied early is what the weights get.
    """
    if not module._lazy_pending or not _own_pending(module):
        fn(module)
        return
    module.__dict__.setdefault("_lazy_applied", []).append(fn)
    try:
        fn(module)
    except UninitializedError:
        pass


def _example(x: Any, device: Any) -> Any:
    if isinstance(x, (tuple, list)) and all(isinstance(s, int) for s in x):
        from ..ops.creation import zeros

        return zeros(tuple(x), device=device)
    return x


def model_device(model: Any) -> Any:
    """The device of a model's first parameter or buffer (placeholders included), or None."""
    for t in model.parameters():
        return t._device
    for t in model.buffers():
        return t._device
    return None


def dry_run(model: Any, inputs: tuple, kwargs: dict | None = None) -> Any:
    """Run ``model`` once on ``inputs`` in eval mode without gradients, restoring each module's mode after."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad():
            return model(*inputs, **(kwargs or {}))
    finally:
        for m, mode in modes:
            m.__dict__["training"] = mode


def materialize(model: Any, *example_inputs: Any) -> Any:
    """Give every lazy parameter of ``model`` its shape with one dry forward pass; returns ``model``.

    Each example input is a tensor, or a shape (a tuple of ints) for a zero tensor of that shape. The pass
    runs in eval mode under ``no_grad``, so running statistics and random streams are untouched.

    Example:
        >>> import brickwork as torch
        >>> class Scale(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__(); self.w = torch.nn.UninitializedParameter()
        ...     def _lazy_shapes(self, x):
        ...         return {"w": (x.shape[-1],)}
        ...     def forward(self, x):
        ...         return x * self.w
        >>> m = materialize(Scale(), (2, 5)); m.w.shape
        brickwork.Size([5])
    """
    dev = model_device(model)
    dry_run(model, tuple(_example(x, dev) for x in example_inputs))
    return model


def _module_class() -> type:
    from .module import Module  # module.py imports this file

    return Module


class _LazyLayerType(type):
    """The metaclass of the lazy layer classes: building one builds the eager layer it names, waiting for a size."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        eager = cls.__dict__.get("_eager")
        if eager is None:  # a user's subclass of a lazy class: an ordinary class of its own
            return super().__call__(*args, **kwargs)
        layer = object.__new__(eager)
        cls.__init__(layer, *args, **kwargs)  # type: ignore[misc]  # the eager __init__, None for the input size
        return layer

    def __instancecheck__(cls, obj: Any) -> bool:
        if type.__instancecheck__(cls, obj):
            return True
        eager = cls.__dict__.get("_eager", False)  # False: a user's subclass; None: LazyModuleMixin itself
        if eager is False or not isinstance(obj, eager or _module_class()):
            return False
        return bool(_own_pending(obj))


class LazyModuleMixin(metaclass=_LazyLayerType):
    """The base of the lazy layer classes (``LazyLinear``, ``LazyConv2d``, ...): an eager layer waiting for a size.

    A lazy class is ``class LazyX(LazyModuleMixin, X)`` with ``_eager = X`` and an ``__init__`` that calls
    ``X.__init__(self, None, ...)``. Calling it builds an ``X`` whose input size comes from its first input
    (materialized by `materialize_module`); ``isinstance(m, LazyX)`` holds while such an ``X`` still waits.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.LazyLinear(3)
        >>> type(m) is torch.nn.Linear, isinstance(m, torch.nn.LazyLinear), isinstance(m, LazyModuleMixin)
        (True, True, True)
        >>> _ = m(torch.ones(2, 5)); m.weight.shape, isinstance(m, torch.nn.LazyLinear)
        (brickwork.Size([3, 5]), False)
    """

    _eager: type | None = None  # the layer a lazy class builds (set on each of brickwork's lazy classes)

