"""How ops record themselves in the graph: `record` (the one way to make a node), `needs_grad`,
and `sum_to`, which reduces a broadcast gradient to the shape of the input it belongs to.

Gradients are computed with tensor methods, so this file needs nothing from ``ops/``.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from .engine import BinaryNode, Node, UnaryNode, array_backward, edge as _edge
from .grad_mode import STATE

__all__ = ["record", "record_unary", "record_binary", "BinaryNode", "SAME", "SAME_PAIR", "needs_grad", "like",
           "sum_to", "sum_to_array", "array_backward", "COMPLEX_SAFE"]

# The nodes that may produce a complex tensor needing a gradient: their backward is right for complex gradients under
# PyTorch's convention (the gradient of a real loss L with respect to z = x + iy is dL/dx + i dL/dy). Any other op
# giving a complex result that needs a gradient raises in `record` (division, exp or matmul, for instance).
COMPLEX_SAFE = frozenset({
    "AddBackward0", "SubBackward0", "MulBackward0", "NegBackward0", "SumBackward0", "SumBackward1", "MeanBackward0",
    "MeanBackward1", "ViewBackward0", "UnsafeViewBackward0", "ReshapeAliasBackward0", "PermuteBackward0",
    "TransposeBackward0", "TransposeBackward1", "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2",
    "SqueezeBackward4", "UnsqueezeBackward0", "ExpandBackward0", "SliceBackward0", "SelectBackward0",
    "IndexBackward0", "CatBackward0", "StackBackward0", "CloneBackward0", "ToCopyBackward0", "FlipBackward0",
    "RollBackward0", "ComplexBackward0", "ConjBackward0", "ViewAsComplexBackward0", "FftC2CBackward0",
    "FftR2CBackward0", "FftC2RBackward0"})


def record(out: Tensor, name: str, backward: Callable, inputs: tuple, saved: tuple = (), *,
           save_output: bool = False, n_out: int = 1, **attrs: Any) -> Tensor:
    """Attach a new graph node to ``out`` (called only when recording is on and an input requires grad).

    The one way ops record: ``record(out, "MulBackward0", _mul_backward, (a, b), saved=(a, b), dim=dim)``.
    ``inputs`` are the op's tensor inputs (None for a non-tensor), from which the node captures its edges;
    ``saved`` the tensors its backward reads (``node.saved_tensors``, version-checked, freed by backward);
    ``save_output`` keeps the result for backward (``node.output()``); ``n_out`` is the number of outputs sharing
    the node (see ``ops/multi_output.py``); every other keyword becomes a named
    attribute of the node (``node.dim``). The backward returns one gradient (or None) per input and may
    consult ``node.needs_input_grad``.
    """
    if out._data.dtype.kind == "c" and name not in COMPLEX_SAFE:
        raise RuntimeError(f"{name}: this op would make a complex tensor that requires grad, but brickwork "
                           "differentiates through complex tensors only in the FFTs, torch.complex/view_as_complex/"
                           "view_as_real, .real/.imag/abs/angle, +, -, *, sum, mean and reshaping or indexing ops; "
                           "compute this part on (real, imag) pairs, or under torch.no_grad()")
    node = Node(name, backward, inputs, saved, n_out)
    node._dev = out._device
    if attrs:
        if n_out != 1:  # n_out lives in the node's dictionary when it is not 1
            attrs["n_out"] = n_out
        node.__dict__ = attrs
    out.grad_fn = node
    out._requires_grad = True
    if save_output:
        node.save_output(out)
    return out


_NEW_NODE = UnaryNode.__new__
_NEW_BINARY = BinaryNode.__new__
_ZERO_VERSION = (0,)


def record_unary(out: Tensor, name: str, backward: Callable, x: Tensor, save_input: bool = False,
                 save_output: bool = False, attrs: dict | None = None) -> Tensor:
    """Record a one-input op on ``x`` (which requires grad) as a `UnaryNode`: ``record(out, name, backward,
    (x,), saved)`` written out for the commonest ops (exp, tanh, relu, neg...), saving ``x`` with
    ``save_input`` and the result with ``save_output``. ``attrs`` become named attributes (``node.shape``),
    and must be plain values (shapes, dims, flags; no arrays): backward frees the node without looking at them."""
    if out._data.dtype.kind == "c" and name not in COMPLEX_SAFE:
        record(out, name, backward, (x,))  # raises the complex error
    node = _NEW_NODE(UnaryNode)
    node._name = name
    node._backward = backward
    node._uses = 0
    node._dev = out._device
    fn = x.grad_fn
    if fn is None:
        node.edges = (x,)
    else:  # as engine.edge
        fn._uses += 1
        node.edges = (fn if x._out_idx == 0 else (fn, x._out_idx),)
    if save_input:
        node._saved = (x,)
        v = x._version_counter[0]
        node._versions = _ZERO_VERSION if v == 0 else (v,)
    else:
        node._saved = node._versions = ()
    if save_output:
        vc = out._version_counter
        node._out = (out._data, out._device, vc, vc[0])
    else:
        node._out = None
    if attrs is not None:
        node.__dict__ = attrs
    out.grad_fn = node
    out._requires_grad = True
    return out


class _Same:
    """The `like` of an operand with the output's shape and dtype: `sum_to` gives such a gradient back as it is."""

    def __repr__(self) -> str:
        return "SAME"


SAME: Any = _Same()
SAME_PAIR = (SAME, SAME)  # the likes of a binary node on two real tensors of the output's shape and dtype
_LIKES: dict[tuple, tuple] = {}  # the likes pairs of binary nodes, shared (see BinaryNode)
_NO_NUMBERS = (None, None)


def _likes(a: Any, b: Any) -> tuple:
    """``(like(a), like(b))``, one shared tuple per combination of shapes and dtypes."""
    key = (None if a is None else a.shape, None if a is None else a.dtype,
           None if b is None else b.shape, None if b is None else b.dtype)
    r = _LIKES.get(key)
    if r is None:
        if len(_LIKES) >= 4096:  # a program with ever-changing shapes: start again rather than grow
            _LIKES.clear()
        r = _LIKES[key] = (None if a is None else key[:2], None if b is None else key[2:])
    return r


def record_binary(out: Tensor, name: str, backward: Callable, a: Any, b: Any, save: bool,
                  same: bool = False) -> Tensor:
    """Record a binary op on ``a`` and ``b`` (tensors or numbers) as a `BinaryNode` (the hot path of arithmetic).

    With ``save`` the tensor operands are saved for backward (``a * b`` needs both; ``a + b`` neither). Equivalent
    to ``record(out, name, backward, (a or None, b or None), saved, likes=..., numbers=...)``, written out because
    it runs for most recorded ops. ``same`` says both operands are tensors of the output's shape and dtype:
    their likes are then `SAME_PAIR` for a real output, which backward functions take as "no reduction, no cast,
    no complex conjugate".
    """
    if same:  # the commonest: two tensors of one shape (``y * b``)
        ta = tb = True
    else:
        ta = a.__class__ is Tensor or isinstance(a, Tensor)
        tb = b.__class__ is Tensor or isinstance(b, Tensor)
    node = _NEW_BINARY(BinaryNode)
    node._name = name
    node._backward = backward
    node._uses = 0
    node._dev = out._device
    node.edges = (_edge(a) if ta and a._requires_grad else None, _edge(b) if tb and b._requires_grad else None)
    if ta and tb:
        node.numbers = _NO_NUMBERS
        if save:
            node._saved = (a, b)
            va, vb = a._version_counter[0], b._version_counter[0]
            node._versions = (0, 0) if va == 0 and vb == 0 else (va, vb)
        else:
            node._saved = node._versions = ()
    else:
        node.numbers = (None if ta else a, None if tb else b)
        t = a if ta else b
        if save and (ta or tb):
            node._saved = (t,)
            node._versions = (t._version_counter[0],)
        else:
            node._saved = node._versions = ()
    if out._data.dtype.kind == "c":
        if name not in COMPLEX_SAFE:
            record(out, name, backward, (a if ta else None, b if tb else None))  # raises the complex error
        node.likes = _likes(a._data if ta else None, b._data if tb else None)
    else:
        node.likes = SAME_PAIR if same else _likes(a._data if ta else None, b._data if tb else None)
    out.grad_fn = node
    out._requires_grad = True
    return out


def sum_to_array(gd: Any, like: Any) -> Any:
    """`sum_to` on a gradient array (first order): ``like`` is `SAME`, None (gives None) or ``(shape, dtype)``;
    NotImplemented where `sum_to` must work on tensors (a reduction outside float32/float64).

    Example:
        >>> import numpy as np
        >>> from brickwork.autograd.record import sum_to_array
        >>> sum_to_array(np.ones((4, 3), np.float32), ((3,), np.dtype(np.float32))).tolist()
        [4.0, 4.0, 4.0]
    """
    if like is SAME or like is None:
        return gd if like is SAME else None
    shape, dtype = like
    gt = gd.dtype
    if gd.shape == shape and gt is dtype:
        return gd
    if gt.kind != "f" or dtype.kind != "f" or gt.itemsize <= 2:
        return NotImplemented
    lead = gd.ndim - len(shape)
    if lead == 1 and gd.shape[1:] == shape:  # the commonest broadcast (a bias): one leading dimension
        r = gd.sum(axis=0)
    else:
        dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gd.shape[i + lead] != 1)
        r = gd.sum(axis=dims, keepdims=True) if dims else gd
        if lead:
            r = r.reshape(shape)
    return r if r.dtype is dtype else r.astype(dtype)


def needs_grad(*ts: Any) -> bool:
    """Whether an op on these inputs must be recorded."""
    if not STATE.enabled:
        return False
    for t in ts:
        if t.__class__ is not int and getattr(t, "_requires_grad", False):
            return True
    return False


def like(t: Any) -> tuple | None:
    """What `sum_to` needs to know of an input, ``(shape, dtype)``, without keeping the tensor alive
    (None for a non-tensor)."""
    if isinstance(t, Tensor):
        d = t._data
        return (d.shape, d.dtype)
    return None


def sum_to(g: Tensor, like: Any) -> Tensor | None:
    """Reduce a broadcast gradient back to the shape (and dtype) of the input it belongs to.

    ``like`` is the input tensor or its `like` record ``(shape, dtype)``; None gives None, `SAME` gives ``g``.
    """
    if like is SAME:
        return g
    if like is None:
        return None
    if isinstance(like, Tensor):
        shape, dtype = like._data.shape, like._data.dtype
    elif isinstance(like, tuple):
        shape, dtype = like
    else:
        return None
    gd = g._data
    if gd.shape == shape and gd.dtype is dtype:
        return g
    if not STATE.enabled:  # first order: the reduction on the array, without recording or dispatch
        r = sum_to_array(gd, (shape, dtype))
        if r is not NotImplemented:
            return _make(r, g._device)
    if gd.shape != shape:
        lead = gd.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and
                                          gd.shape[i + lead] != 1)
        if dims:
            g = g.sum(dims, keepdim=True)
        if lead:
            g = g.reshape(shape)
    if g._data.dtype != dtype:
        g = g.to(_dt.from_np(dtype))
    return g
