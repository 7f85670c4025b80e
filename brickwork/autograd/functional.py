"""``torch.autograd.functional``: Jacobians, Hessians and their products for functions of tensors.

Everything is built on reverse mode (`brickwork.autograd.grad`). Forward-mode products (`jvp`, `hvp`) use the
double-vjp trick: ``u -> J^T u`` is linear in ``u``, so differentiating it with respect to ``u`` in the direction
``v`` gives ``J v``. ``vectorize=True`` and ``strategy="forward-mode"`` are accepted and give the same values
(brickwork computes one vector-Jacobian product per output element either way).
"""

from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from .engine import grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(value: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether ``value`` was a tuple, ``value`` as a tuple of tensors); a TypeError names a non-tensor entry."""
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, el in enumerate(values):
        if not isinstance(el, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors but "
                            f"{where} has type {type(el)}.")
    return is_tuple, values


def _unpack(res: Any, is_tuple: bool | tuple[bool, bool]) -> Any:
    """Undo `_as_tuple` on a result: one level per flag (outputs, then inputs for Jacobians)."""
    if isinstance(is_tuple, tuple):
        if not is_tuple[1]:
            res = tuple(el[0] for el in res)
        return res if is_tuple[0] else res[0]
    return res if is_tuple else res[0]


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool, need_graph: bool) -> tuple[Tensor, ...]:
    """Fresh leaves to differentiate with respect to; with ``create_graph`` inputs that require grad stay linked."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
                 for t in inputs)


def _finish(values: Any, create_graph: bool) -> Any:
    """Detach the results (nested tuples of tensors) unless the caller asked for a graph through them."""
    if create_graph:
        return values
    return tuple(v.detach() if isinstance(v, Tensor) else _finish(v, False) for v in values)


def _check_v(v: tuple[Tensor, ...], other: tuple[Tensor, ...], is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {el_other.shape} but got {el_v.shape}.")


_INDEPENDENT = {
    "hessian": "The hessian of the user-provided function with respect to input {i} is independent of the input. "
               "This is not allowed in strict mode. You should ensure that your function is thrice differentiable "
               "and that the hessian depends on the inputs.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided function with respect "
                "to input {i} is independent of the input. This is not allowed in strict mode. You should ensure "
                "that your function is twice differentiable and that the jacobian depends on the inputs (this "
                "would be violated by a linear function for example).",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the user-provided "
                   "function. This is not allowed in strict mode.",
    "outputs": "Output {i} of the user-provided function does not require gradients. The outputs must be computed "
               "in a differentiable manner from the input when running in strict mode.",
}


def _check_requires_grad(values: tuple[Tensor | None, ...], kind: str, strict: bool) -> None:
    """In strict mode, fail when a value (an output, a gradient) does not depend on the inputs."""
    if not strict:
        return
    for i, t in enumerate(values):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_INDEPENDENT[kind].format(i=i))


def _grad(outputs: tuple[Tensor | None, ...], inputs: tuple[Tensor, ...], grad_outputs: Any = None,
          create_graph: bool = False, retain_graph: bool | None = None) -> tuple[Tensor | None, ...]:
    """`grad` over the outputs that require grad only; all None when none does."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    kept = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return grad([o for o, _ in kept], inputs, [g for _, g in kept], allow_unused=True, create_graph=create_graph,
                retain_graph=retain_graph)


_MISSING = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict "
            "mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when "
                  "using the double backward trick to compute forward mode gradients. This is not allowed in "
                  "strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed "
                   "in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the "
                         "grad_jacobian. This is not allowed in strict mode as it prevents from using the double "
                         "backward trick to replace forward mode AD.",
}


def _zeros_for_none(grads: tuple[Tensor | None, ...], refs: tuple[Tensor, ...], strict: bool, create_graph: bool,
                    stage: str) -> tuple[Tensor, ...]:
    """Zeros shaped like ``refs[i]`` where ``grads[i]`` is None; in strict mode an error instead."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_MISSING[stage].format(i=i))
            g = refs[i].new_zeros(refs[i].shape)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is "
                               "not allowed in strict mode when create_graph=True.")
        res.append(g)
    return tuple(res)


def _stack_rows(rows: list[Tensor], shape: tuple[int, ...]) -> Tensor:
    """The rows (at least one, all one shape) stacked in a new first dimension, viewed as ``shape``."""
    out = rows[0].new_zeros((len(rows), *rows[0].shape))
    for i, r in enumerate(rows):
        out[i] = r
    return out.view(shape)


def _apply(func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool, name: str,
           v_like_inputs: bool) -> tuple[bool, tuple[Tensor, ...], bool, tuple[Tensor, ...], tuple[Tensor, ...] | None]:
    """The shared front of the product functions: inputs prepared, ``func`` run, ``v`` checked."""
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    vs: tuple[Tensor, ...] | None = None
    if v_like_inputs:
        if v is not None:
            vs = _prepare(_as_tuple(v, "v", name)[1], create_graph, need_graph=False)
            _check_v(vs, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
    is_outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", name)
    _check_requires_grad(outputs, "outputs", strict)
    return is_inputs_tuple, inputs, is_outputs_tuple, outputs, vs


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), v^T J)``: the outputs and the vector-Jacobian product with ``v`` (shaped like them).

    ``v`` may be None only when ``func`` returns one single-element tensor. ``strict=True`` raises when an output
    does not depend on the inputs instead of returning zeros.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.autograd.functional import vjp
        >>> vjp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.ones(2))
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs, is_outputs_tuple, outputs, _ = _apply(func, inputs, None, create_graph, strict,
                                                                       "vjp", v_like_inputs=False)
        vs = None
        if v is not None:
            vs = _prepare(_as_tuple(v, "v", "vjp")[1], create_graph, need_graph=False)
            _check_v(vs, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _zeros_for_none(_grad(outputs, inputs, vs, create_graph), inputs, strict, create_graph, "back")
    return _unpack(_finish(outputs, create_graph), is_outputs_tuple), _unpack(_finish(res, create_graph),
                                                                              is_inputs_tuple)


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), J v)``: the outputs and the Jacobian-vector product with ``v`` (shaped like the inputs).

    Computed by the double-vjp trick (see the module docstring), so it costs two backward passes.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.autograd.functional import jvp
        >>> jvp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
        (tensor([1., 4.]), tensor([2., 0.]))
    """
    with enable_grad():
        _, inputs, is_outputs_tuple, outputs, vs = _apply(func, inputs, v, create_graph, strict, "jvp",
                                                          v_like_inputs=True)
        # The backward is linear in grad_outputs: its value does not matter, only that it is finite.
        grad_outputs = tuple(o.new_zeros(o.shape).requires_grad_() for o in outputs)
        grad_inputs = _grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _zeros_for_none(_grad(grad_inputs, grad_outputs, vs, create_graph), outputs, strict, create_graph,
                              "back_trick")
    return _unpack(_finish(outputs, create_graph), is_outputs_tuple), _unpack(_finish(res, create_graph),
                                                                              is_outputs_tuple)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: entry ``[i][j]`` has shape ``outputs[i].shape + inputs[j].shape``.

    A tensor (not a tuple) for a function of one tensor returning one tensor; one level of tuple is dropped for
    each side that is a single tensor, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.autograd.functional import jacobian
        >>> jacobian(lambda x: x ** 2, torch.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and `strategy='
                                      '"forward-mode"` are not supported together (yet). Please either set '
                                      '`create_graph=False` or `strategy="reverse-mode"`.')
        if strict:
            raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
                               'are not supported together (yet). Please either set `strict=False` or '
                               '`strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                      "only implemented for `vectorize=True`.")
    with enable_grad():
        is_inputs_tuple, inputs, is_outputs_tuple, outputs, _ = _apply(func, inputs, None, create_graph, strict,
                                                                       "jacobian", v_like_inputs=False)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        jac = []
        for i, out in enumerate(outputs):
            rows: list[list[Tensor]] = [[] for _ in inputs]
            flat = out.reshape(-1)
            for k in range(out.numel()):
                row = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (g, inp) in enumerate(zip(row, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent of "
                                               f"input {j}. This is not allowed in strict mode.")
                        g = inp.new_zeros(inp.shape)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is independent of input "
                                           f"{i}. This is not allowed in strict mode when create_graph=True.")
                    rows[j].append(g)
            jac.append(tuple(_stack_rows(r, (*out.shape, *inp.shape)) if r else out.new_zeros((*out.shape,
                                                                                               *inp.shape))
                             for r, inp in zip(rows, inputs)))
        res: Any = _finish(tuple(jac), create_graph)
        if strategy == "forward-mode":  # PyTorch's forward-mode path nests lists
            res = [list(r) for r in res]
        return _unpack(res, (is_outputs_tuple, is_inputs_tuple))


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of scalar ``func`` at ``inputs``: entry ``[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.autograd.functional import hessian
        >>> hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single "
                               "element")
        return out.squeeze()

    def jac_func(*inp: Tensor) -> Any:
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(single_output, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _unpack(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(outputs: tuple[Tensor, ...], is_outputs_tuple: bool, name: str) -> None:
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), v^T H)``: the scalar output and the vector-Hessian product (shaped like the inputs).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.autograd.functional import vhp
        >>> vhp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]), torch.ones(2))
        (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs, is_outputs_tuple, outputs, vs = _apply(func, inputs, v, create_graph, strict,
                                                                        "vhp", v_like_inputs=True)
        _scalar_output(outputs, is_outputs_tuple, "vhp")
        jac = _grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _zeros_for_none(_grad(jac, inputs, vs, create_graph), inputs, strict, create_graph, "double_back")
    return _unpack(_finish(outputs, create_graph), is_outputs_tuple), _unpack(_finish(res, create_graph),
                                                                              is_inputs_tuple)


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), H v)``: the scalar output and the Hessian-vector product, by the double-vjp trick.

    Equal to `vhp` for twice continuously differentiable functions (the Hessian is symmetric), at the cost of
    one more backward pass, as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.autograd.functional import hvp
        >>> hvp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]), torch.ones(2))
        (tensor(9.), tensor([ 6., 12.]))
    """
    with enable_grad():
        is_inputs_tuple, inputs, is_outputs_tuple, outputs, vs = _apply(func, inputs, v, create_graph, strict,
                                                                        "hvp", v_like_inputs=True)
        _scalar_output(outputs, is_outputs_tuple, "hvp")
        jac = _grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grad_jac = tuple(t.new_zeros(t.shape).requires_grad_() for t in inputs)
        double_back = _grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _zeros_for_none(_grad(double_back, grad_jac, vs, create_graph), inputs, strict, create_graph,
                              "double_back_trick")
    return _unpack(_finish(outputs, create_graph), is_outputs_tuple), _unpack(_finish(res, create_graph),
                                                                              is_inputs_tuple)
