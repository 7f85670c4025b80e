"""Where an error happened inside a model, added to the op's error by ``Module.__call__``.

Each ``Module.__call__`` an error passes through names the module the same way: the innermost module that
raised, and its path from the module doing the naming, ``'2 (Linear) of Sequential'`` (``'Linear'`` when the
user called the layer itself). Each enclosing module rewrites the message from itself, so the outermost call
(the model the user called) leaves paths that match ``state_dict()`` keys. Nothing runs unless an error is
raised.

- `add_module_path` (``RuntimeError`` and ``ValueError``): the message becomes ``'<where>: <detail>'``,
  where ``<detail>`` is what the op said after its own name when it raised through
  `brickwork._errors.op_error`, and its whole message otherwise.
- `add_module_context` (`DeviceMismatchError`): the op's message, then
  ``'In <where>: '`` and which parameters and buffers sit on another device than the input, with the fix.
"""

from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from ..backends import DeviceMismatchError


def add_module_context(err: DeviceMismatchError, module: Any, args: tuple, kwargs: dict) -> None:
    """Record ``module`` in ``err`` (innermost first) and rewrite the message with its path and the fix.

    Example:
        >>> import brickwork as torch
        >>> err = torch.backends.DeviceMismatchError("add: two devices", "add", (torch.device("cpu"),) * 2)
        >>> add_module_context(err, torch.nn.Module(), (), {}); err.module_path
        ''
    """
    if err.module is None:
        err.module, err.module_path = module, ""
        err.input_device = _input_device(args, kwargs)
        err.members = _tensors(module)
        err.root = module
    else:
        path = _path_of(err.module, module)
        if path is None:  # called from a module outside this one's tree: keep the inner description
            return
        err.module_path, err.root = path, module
    err.args = (_message(err),)


def add_module_path(err: BaseException, module: Any) -> None:
    """Name ``module`` (the innermost first, then each enclosing one) in ``err``'s message, in place.

    Example:
        >>> import brickwork as torch
        >>> from brickwork._errors import op_error
        >>> err = op_error(RuntimeError, "linear", "expected input with last dimension 20")
        >>> add_module_path(err, torch.nn.Linear(20, 1)); str(err)
        'Linear: expected input with last dimension 20'
    """
    state = err.__dict__.get("_module_where")
    if state is None:  # [innermost module, outermost so far, path between them, the message after <where>]
        detail = getattr(err, "op_detail", None)
        state = err.__dict__["_module_where"] = [module, module, "", str(err) if detail is None else detail]
    else:
        path = _path_of(state[0], module)
        if path is None:  # called from a module outside this one's tree: keep the inner description
            return
        state[1], state[2] = module, path
    err.args = (f"{where(state[0], state[2], state[1])}: {state[3]}",)


def where(module: Any, path: str, root: Any) -> str:
    """``module`` as errors name it: ``'Linear'``, or ``'2 (Linear) of Sequential'`` at ``path`` in ``root``.

    Example:
        >>> import brickwork as torch
        >>> net = torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 2))
        >>> where(net[1], "1", net), where(net[1], "", net[1])
        ('1 (Linear) of Sequential', 'Linear')
    """
    inner = type(module).__name__
    if not path:
        return inner
    return f"{path} ({inner})" + (f" of {type(root).__name__}" if root is not module else "")


def _tensors(module: Any) -> list[tuple[str, Any, str]]:
    """``(name, device, kind)`` of every parameter and buffer of ``module``."""
    return [(n, t._device, kind) for kind, items in (("parameter", module.named_parameters()),
                                                   ("buffer", module.named_buffers()))
            for n, t in items if isinstance(t, Tensor)]


def _input_device(args: tuple, kwargs: dict) -> Any:
    for v in list(args) + list(kwargs.values()):
        items = v if isinstance(v, (list, tuple)) else v.values() if isinstance(v, dict) else (v,)
        for x in items:
            if isinstance(x, Tensor):
                return x._device
    return None


def _path_of(target: Any, root: Any) -> str | None:
    for path, m in root.named_modules():
        if m is target:
            return path
    return None


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _message(err: Any) -> str:
    path = err.module_path
    place = where(err.module, path, err.root)
    full = [(f"{path}.{n}" if path else n, d, k) for n, d, k in err.members]
    indev = err.input_device
    devices = {d for _, d, _ in full}
    if indev is not None:
        elsewhere = [(n, d, k) for n, d, k in full if d is not indev]
        if elsewhere:
            there = elsewhere[0][1]
            kinds = {k for _, _, k in elsewhere}
            what = (kinds.pop() if len(kinds) == 1 else "parameter/buffer") + ("s" if len(elsewhere) > 1 else "")
            verb = "is" if len(elsewhere) == 1 else "are"
            detail = (f"{what} {_names([n for n, _, _ in elsewhere])} {verb} on {there} but the input is on {indev}; move the model with "
                      f"model.to('{indev}') or the input with x.to('{there}')")
        else:
            others = [str(d) for d in err.devices if d is not indev]
            detail = (f"the input and the module's parameters are on {indev}, but a tensor used in forward is on "
                      f"{others[0] if others else 'another device'}; create tensors inside forward with "
                      "device=x.device, or move them with .to(x.device)")
    elif len(devices) > 1:
        listing = ", ".join(f"{n} on {d}" for n, d, _ in full[:6])
        detail = f"its parameters/buffers are on several devices ({listing}); move the model with model.to(device)"
    else:
        detail = "move every tensor the op uses to one device with .to(device)"
    return f"{err.message}. In {place}: {detail}"
