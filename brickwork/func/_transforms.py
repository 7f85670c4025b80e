"""``torch.func``'s derivative transforms (grad, vjp, jvp, jacrev, jacfwd, hessian) on brickwork's reverse mode.

PyTorch's functorch gives each transform its own level of autograd. Here a transform differentiates fresh
copies of its inputs with `brickwork.autograd.grad`, and builds a graph through its results (``create_graph``)
exactly when an input already requires grad, which is the case when it is nested inside another transform
(``grad(grad(f))``, ``jacrev(jacrev(f))``) or when the caller wants to differentiate the results. Tensors that
``func`` closes over are not inputs: derivatives with respect to them need them passed as arguments.

Forward mode is not separate: `jvp` uses the double-vjp trick (``u -> J^T u`` is linear, so its derivative in
the direction ``t`` is ``J t``), and `jacfwd` computes the same Jacobian as `jacrev`.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from .._tensor import Tensor
from ..autograd import enable_grad, grad as autograd_grad, is_grad_enabled
from ._pytree import spec_str, tree_flatten, tree_map, tree_unflatten

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize"]


def _argnums(argnums: int | tuple[int, ...], n: int) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or not all(isinstance(a, int) for a in nums):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    if len(set(a % n for a in nums)) != len(nums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(a % n for a in nums)


def _nested(*trees: Any) -> bool:
    """Whether results need a graph: grad mode is on and some input tensor already requires grad."""
    return is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad
                                     for tree in trees for t in tree_flatten(tree)[0])


def _fresh(leaves: list[Any]) -> list[Tensor]:
    """Tensors to differentiate with respect to: linked to the originals when those require grad."""
    out = []
    for t in leaves:
        if not isinstance(t, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
        if not t.dtype.is_floating_point and not t.dtype.is_complex:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        out.append(t.view_as(t) if t.requires_grad else t.detach().requires_grad_())
    return out


def _grads(outputs: list[Tensor], inputs: list[Tensor], grad_outputs: list[Any] | None,
           create_graph: bool) -> list[Tensor]:
    """d(outputs)/d(inputs) against ``grad_outputs``, with zeros for inputs the outputs do not depend on."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or [None] * len(outputs)) if o.requires_grad]
    got: tuple[Tensor | None, ...] = (None,) * len(inputs)
    if pairs:
        got = autograd_grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                            create_graph=create_graph, allow_unused=True)
    return [g if g is not None else t.new_zeros(t.shape) for g, t in zip(got, inputs)]


def _finish(tree: Any, nested: bool) -> Any:
    return tree if nested else tree_map(lambda t: t.detach() if isinstance(t, Tensor) else t, tree)


def _split_aux(out: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, tuple) or len(out) != 2:
        raise RuntimeError(f"{where}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return out


def _with_diff_args(args: tuple, nums: tuple[int, ...]) -> tuple[list[Tensor], Any, Callable[[list], tuple]]:
    """The fresh leaves of ``args[nums]``, their spec, and a function that puts leaves back into ``args``."""
    leaves, spec = tree_flatten(tuple(args[i] for i in nums))
    fresh = _fresh(leaves)

    def rebuild(new_leaves: list) -> tuple:
        full = list(args)
        for i, part in zip(nums, tree_unflatten(spec, new_leaves)):
            full[i] = part
        return tuple(full)

    return fresh, spec, rebuild


def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(gradient, value)`` of scalar ``func`` with respect to the arguments ``argnums``.

    The gradient has the structure of the chosen argument (a tuple of them when ``argnums`` is a tuple); with
    ``has_aux=True`` ``func`` returns ``(value, aux)`` and the result is ``(gradient, (value, aux))``.

    Example:
        >>> import brickwork as torch
        >>> torch.func.grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1.0, 2.0]))
        (tensor([2., 4.]), tensor(5.))
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = _argnums(argnums, len(args))
        nested = _nested(args, kwargs)
        with enable_grad():
            fresh, spec, rebuild = _with_diff_args(args, nums)
            value, aux = _split_aux(func(*rebuild(fresh), **kwargs), has_aux, "grad_and_value(f)(*args)")
            if not isinstance(value, Tensor):
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got "
                                   f"{type(value)}")
            if value.ndim != 0:
                raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {value.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs "
                                   "instead?")
            grads = tree_unflatten(spec, _grads([value], fresh, None, nested))
        grads = grads[0] if isinstance(argnums, int) else grads
        value = _finish(value, nested)
        return _finish(grads, nested), ((value, _finish(aux, nested)) if has_aux else value)

    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """A function returning the gradient of scalar ``func`` with respect to the arguments ``argnums``.

    Compose freely: ``grad(grad(f))`` is the second derivative, ``vmap(grad(f))`` gives per-sample gradients.
    With ``has_aux=True`` the result is ``(gradient, aux)``.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.func import grad
        >>> grad(grad(lambda x: x ** 3))(torch.tensor(2.0))
        tensor(12.)
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def _output_leaves(out: Any, where: str) -> tuple[list[Tensor], Any]:
    leaves, spec = tree_flatten(out)
    for t in leaves:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{where}: expected f(*primals) to return only tensors, got unsupported type "
                               f"{type(t)}")
    return leaves, spec


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(func(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` is the vector-Jacobian product, a tuple like ``primals``.

    With ``has_aux=True`` ``func`` returns ``(output, aux)`` and the result is ``(output, vjp_fn, aux)``.

    Example:
        >>> import brickwork as torch
        >>> out, vjp_fn = torch.func.vjp(torch.sin, torch.tensor([0.0, 1.0]))
        >>> vjp_fn(torch.ones(2))
        (tensor([1.0000, 0.5403]),)
    """
    nested = _nested(primals)
    with enable_grad():
        leaves, spec = tree_flatten(primals)
        fresh = _fresh(leaves)
        out, aux = _split_aux(func(*tree_unflatten(spec, fresh)), has_aux, "vjp(f, *primals)")
        outs, out_spec = _output_leaves(out, "vjp(f, *primals)")

    def vjp_fn(cotangents: Any, *, retain_graph: bool = True, create_graph: bool | None = None) -> tuple:
        cts, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as pytree structure of "
                               f"outputs to the function. cotangents: {spec_str(ct_spec)}, primal output: "
                               f"{spec_str(out_spec)}")
        for i, (c, o) in enumerate(zip(cts, outs)):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and output[{i}] "
                                   f"has a shape of {o.shape}.")
        graph = create_graph if create_graph is not None else nested or _nested(cotangents)
        with enable_grad():
            return _finish(tree_unflatten(spec, _grads(outs, fresh, cts, graph)), graph)

    result = (_finish(out, nested), vjp_fn)
    return (*result, _finish(aux, nested)) if has_aux else result


def _jvp(func: Callable[..., Any], primals: tuple, tangents: tuple, has_aux: bool, where: str) -> tuple[Any, ...]:
    """(output, J tangents, aux, output spec) by the double-vjp trick, with checks named after ``where``."""
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{where}: Expected primals to be a tuple. E.g. it should be valid to call f(*primals).")
    leaves, spec = tree_flatten(primals)
    tans, tan_spec = tree_flatten(tangents)
    if tan_spec != spec:
        raise RuntimeError(f"{where}: Expected primals and tangents to have the same python structure. For example, "
                           "if primals is a tuple of 3 tensors, tangents also must be. Got primals with structure "
                           f"{spec_str(spec)} and tangents with structure {spec_str(tan_spec)}")
    for p, t in zip(leaves, tans):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                               f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                               f"forward gradient is of size {list(t.shape)}.")
    nested = _nested(primals, tangents)
    with enable_grad():
        fresh = _fresh(leaves)
        out, aux = _split_aux(func(*tree_unflatten(spec, fresh)), has_aux, where)
        outs, out_spec = _output_leaves(out, where)
        # J^T u is linear in u, so the value of u does not matter (zeros keep it finite).
        us = [o.new_zeros(o.shape).requires_grad_() for o in outs]
        back = _grads(outs, fresh, us, create_graph=True)
        forward = _grads(back, us, tans, nested)
    return _finish(out, nested), _finish(tree_unflatten(out_spec, forward), nested), _finish(aux, nested)


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> tuple[Any, ...]:
    """``(func(*primals), J tangents)``: the output and the Jacobian-vector product (structured like the output).

    ``primals`` and ``tangents`` are tuples of the same structure. Computed by the double-vjp trick (two backward
    passes; see the module docstring). With ``has_aux=True`` the result is ``(output, jvp_out, aux)``.

    Example:
        >>> import brickwork as torch
        >>> torch.func.jvp(lambda x: x ** 2, (torch.tensor([1.0, 2.0]),), (torch.tensor([1.0, 0.0]),))
        (tensor([1., 4.]), tensor([2., 0.]))
    """
    if strict:
        raise RuntimeError("jvp(f, primals, tangents, strict=True): strict is not implemented yet")
    out, tangent_out, aux = _jvp(func, primals, tangents, has_aux, "jvp(f, primals, tangents)")
    return (out, tangent_out, aux) if has_aux else (out, tangent_out)


def linearize(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(func(*primals), jvp_fn)``: ``jvp_fn(*tangents)`` is the Jacobian-vector product at ``primals``.

    Example:
        >>> import brickwork as torch
        >>> out, jvp_fn = torch.func.linearize(torch.sin, torch.tensor([0.0, 1.0]))
        >>> jvp_fn(torch.ones(2))
        tensor([1.0000, 0.5403])
    """
    out = _jvp(func, primals, tree_map(lambda t: t.new_zeros(t.shape), primals), False, "linearize")[0]

    def jvp_fn(*tangents: Any) -> Any:
        return _jvp(func, primals, tangents, False, "linearize")[1]

    return out, jvp_fn


def _jacobian(func: Callable[..., Any], argnums: int | tuple[int, ...], has_aux: bool, where: str) -> Callable:
    """The Jacobian function of `jacrev` and `jacfwd`: output structure outside, ``argnums`` structure inside."""
    from ..ops import stack

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args))
        nested = _nested(args, kwargs)
        with enable_grad():
            fresh, spec, rebuild = _with_diff_args(args, nums)
            out, aux = _split_aux(func(*rebuild(fresh), **kwargs), has_aux, where)
            outs, out_spec = _output_leaves(out, where)
            per_output = []
            for o in outs:
                flat = o.reshape(-1)
                rows = [_grads([flat[k]], fresh, None, nested) for k in range(o.numel())]
                jac = [stack([r[j] for r in rows]).view(*o.shape, *x.shape) if rows
                       else x.new_zeros((*o.shape, *x.shape)) for j, x in enumerate(fresh)]
                tree = tree_unflatten(spec, jac)
                per_output.append(tree[0] if isinstance(argnums, int) else tree)
        jac_tree = _finish(tree_unflatten(out_spec, per_output), nested)
        return (jac_tree, _finish(aux, nested)) if has_aux else jac_tree

    return wrapper


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable[..., Any]:
    """The Jacobian of ``func`` by reverse mode: for each output, ``output.shape + input.shape`` per input.

    The result has the output's structure, each leaf holding the structure of the ``argnums`` arguments.
    ``chunk_size`` is accepted and changes nothing (one backward pass per output element either way).

    Example:
        >>> import brickwork as torch
        >>> torch.func.jacrev(torch.sin)(torch.tensor([0.0, 1.0]))
        tensor([[1.0000, 0.0000],
                [0.0000, 0.5403]])
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux, "jacrev(f, ...)(*args)")


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable[..., Any]:
    """The Jacobian of ``func``, as `jacrev` computes it (brickwork has no separate forward mode; same values).

    Example:
        >>> import brickwork as torch
        >>> torch.func.jacfwd(lambda x: x ** 2)(torch.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got "
                           f"{randomness}")
    return _jacobian(func, argnums, has_aux, "jacfwd(f, ...)(*args)")


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian of scalar ``func`` with respect to the arguments ``argnums``: ``jacfwd(jacrev(func))``.

    Example:
        >>> import brickwork as torch
        >>> torch.func.hessian(lambda x: (x ** 3).sum())(torch.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)
