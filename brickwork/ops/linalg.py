"""Matrix products: matmul (every PyTorch broadcasting case), mm, bmm, mv, dot, outer, addmm, einsum."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor, _make
from ..autograd.grad_mode import STATE
from ._core import array_backward, needs_grad, record, renamed, same_device, sum_to, sum_to_array, wrap
from .elementwise import make_inplace


def _arrays(a: Tensor, b: Tensor, op: str) -> tuple[Any, Any, Any]:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    da, db, dev = same_device(op, a, b) if a._device is not b._device else (a._data, b._data, a._device)
    if da.dtype != db.dtype:
        raise RuntimeError(f"{op}: expected both arguments to have the same dtype, but got {a.dtype} and "
                           f"{b.dtype}; convert one, e.g. b.to(a.dtype)")
    if da.dtype.kind == "b":
        raise RuntimeError(f"{op}: not implemented for bool tensors; convert to a numeric dtype first")
    return da, db, dev


def _is_low(a: Any) -> bool:
    """float16 or bfloat16 (NumPy's kinds 'f' and 'V' with 2 bytes)."""
    return a.dtype.itemsize == 2 and a.dtype.kind in "fV"


def _matmul_arrays(a: Any, b: Any) -> Any:
    return a @ b


def _low_precision_safe(a: Any, b: Any, f: Any) -> Any:
    """``f(a, b)``; on NumPy, half-precision operands are multiplied in float32 and the result rounded back to
    their dtype (as PyTorch accumulates; NumPy's float16 product is slow, and bfloat16's comes out float32)."""
    if _is_low(a) and isinstance(a, np.ndarray):
        return f(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    return f(a, b)


def _mm_nd(a: Tensor, b: Tensor, op: str) -> Tensor:
    """The product of (batches of) matrices, both at least 2-d, batch dimensions broadcast."""
    da, db, dev = _arrays(a, b, op)
    if da.shape[-1] != db.shape[-2]:
        raise RuntimeError(f"{op}: mat1 and mat2 shapes cannot be multiplied ({_fmt(da.shape)} and "
                           f"{_fmt(db.shape)}): the last dimension of the first ({da.shape[-1]}) must equal the "
                           f"second-to-last of the second ({db.shape[-2]})")
    try:
        r = wrap(da @ db if da.dtype.itemsize > 2 else _low_precision_safe(da, db, _matmul_arrays), dev)
    except ValueError:
        raise RuntimeError(f"{op}: batch dimensions {tuple(da.shape[:-2])} and {tuple(db.shape[:-2])} cannot "
                           "be broadcast together") from None
    if STATE.enabled and (a._requires_grad or b._requires_grad):
        record(r, "MmBackward0" if da.ndim == 2 and db.ndim == 2 else "BmmBackward0", _mm_backward, (a, b),
               (a, b))
    return r


def _fmt(shape: tuple) -> str:
    return "x".join(str(s) for s in shape)


def _mm_backward(node: Any, g: Tensor) -> tuple:
    (a, b), (ea, eb) = node.saved_tensors, node.edges
    ga = None if ea is None else sum_to(_mm_nd(g, b.mT, "matmul"), a)
    gb = None if eb is None else sum_to(_mm_nd(a.mT, g, "matmul"), b)
    return ga, gb


@array_backward(_mm_backward)
def _mm_backward_arrays(node: Any, gd: Any) -> Any:
    (a, b), (ea, eb) = node.saved_tensors, node.edges
    ad, bd = a._data, b._data
    if gd.dtype.kind != "f" or gd.dtype.itemsize <= 2 or not gd.dtype is ad.dtype is bd.dtype:
        return NotImplemented  # (float32/64 only: the two products on arrays)
    if gd.ndim == 2 and ad.ndim == 2 and bd.ndim == 2:  # mm: nothing to reduce
        return (None if ea is None else gd @ bd.T, None if eb is None else ad.T @ gd)
    la, lb = (ad.shape, ad.dtype), (bd.shape, bd.dtype)
    return (None if ea is None else sum_to_array(gd @ bd.swapaxes(-1, -2), la),
            None if eb is None else sum_to_array(ad.swapaxes(-1, -2) @ gd, lb))


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product with PyTorch's rules: 1-d operands are vectors, leading dimensions broadcast.

    Example:
        >>> import brickwork as torch
        >>> a, b = torch.ones(2, 3), torch.ones(3)
        >>> (a @ b).shape, torch.matmul(torch.ones(5, 2, 3), torch.ones(3, 4)).shape
        (brickwork.Size([2]), brickwork.Size([5, 2, 4]))
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(input).__name__} and {type(other).__name__}")
    na, nb = input._data.ndim, other._data.ndim
    if na == 0 or nb == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, but got {na}D and {nb}D tensors; "
                           "use * for scalars")
    if na == 2 and nb == 2:  # the commonest: no vectors to lift, MmBackward0 as in PyTorch
        return _mm_nd(input, other, "matmul")
    if na == 1 and nb == 1:
        return dot(input, other)
    a = input.unsqueeze(0) if na == 1 else input
    b = other.unsqueeze(-1) if nb == 1 else other
    r = _mm_nd(a, b, "matmul")
    if na == 1:
        r = r.squeeze(-2)
    if nb == 1:
        r = r.squeeze(-1)
    # the name of PyTorch's last step: it folds batches into one mm/bmm and views the result back
    name = "CloneBackward0" if na == 2 and nb > 2 else "UnsafeViewBackward0" if na > 2 or nb > 2 else \
        "MvBackward0" if na == 2 and nb == 1 else "SqueezeBackward4" if na == 1 else None
    return renamed(r, name, input, other) if name else r


def mm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Product of two matrices (no broadcasting).

    Example:
        >>> import brickwork as torch
        >>> torch.mm(torch.ones(2, 3), torch.ones(3, 4)).shape
        brickwork.Size([2, 4])
    """
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got {input.ndim}D (shape {tuple(input.shape)}) and "
                           f"{mat2.ndim}D (shape {tuple(mat2.shape)}); use matmul for other shapes")
    return _mm_nd(input, mat2, "mm")


def bmm(input: Tensor, mat2: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Batched product of 3-d tensors with equal batch sizes.

    Example:
        >>> import brickwork as torch
        >>> torch.bmm(torch.ones(5, 2, 3), torch.ones(5, 3, 4)).shape
        brickwork.Size([5, 2, 4])
    """
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {tuple(input.shape)} and {tuple(mat2.shape)}")
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes must match, got {input.shape[0]} and {mat2.shape[0]}")
    return _mm_nd(input, mat2, "bmm")


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product.

    Example:
        >>> import brickwork as torch
        >>> torch.mv(torch.ones(2, 3), torch.ones(3))
        tensor([3., 3.])
    """
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got shapes {tuple(input.shape)} and "
                           f"{tuple(vec.shape)}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-d tensors of equal length.

    Example:
        >>> import brickwork as torch
        >>> torch.dot(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
        tensor(11.)
    """
    da, db, dev = _arrays(input, other, "dot")
    if da.ndim != 1 or db.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {da.ndim}D and {db.ndim}D tensors")
    if da.shape[0] != db.shape[0]:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{da.shape[0]}] and src [{db.shape[0]}] "
                           "to have the same number of elements, but got different sizes")
    r = wrap(dev.xp.asarray(_low_precision_safe(da, db, _matmul_arrays)), dev)
    if needs_grad(input, other):
        record(r, "DotBackward0", _dot_backward, (input, other), (input, other))
    return r


def _dot_backward(node: Any, g: Tensor) -> tuple:
    (a, b), (ea, eb) = node.saved_tensors, node.edges
    return (None if ea is None else g * b, None if eb is None else g * a)


vdot = dot


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dimension of both (a plain product when either is 0-d).

    The result has shape ``input.shape[:-1] + other.shape[:-1]``.

    Example:
        >>> import brickwork as torch
        >>> torch.inner(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, 1.0]))
        tensor([3., 7.])
    """
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.ndim == 1 and other.ndim == 1:
        return dot(input, other)
    n, m = input.shape[-1], other.shape[-1]
    if n != m:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    flat = mm(input.reshape(-1, n), other.reshape(-1, n).t())
    return flat.reshape(tuple(input.shape[:-1]) + tuple(other.shape[:-1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors.

    Example:
        >>> import brickwork as torch
        >>> torch.outer(torch.tensor([1, 2]), torch.tensor([1, 10]))
        tensor([[ 1, 10],
                [ 2, 20]])
    """
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def _scaled_sum(input: Tensor, product: Tensor, beta: Any, alpha: Any, name: str, *inputs: Tensor) -> Tensor:
    """``beta * input + alpha * product`` with ``input`` broadcast to the product's shape (``beta=0`` ignores it)."""
    if tuple(np.broadcast_shapes(tuple(input.shape), tuple(product.shape))) != tuple(product.shape):
        raise RuntimeError(f"{name[:-9].lower()}: input of shape {tuple(input.shape)} cannot be broadcast to the "
                           f"product's shape {tuple(product.shape)}")
    p = product * alpha if alpha != 1 else product
    r = p + (input if beta == 1 else input * beta) if beta != 0 else p
    return renamed(r, name, input, *inputs)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``.

    Example:
        >>> import brickwork as torch
        >>> torch.addmm(torch.zeros(2), torch.ones(1, 3), torch.ones(3, 2))
        tensor([[3., 3.]])
    """
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha, "AddmmBackward0", mat1, mat2)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``.

    Example:
        >>> import brickwork as torch
        >>> torch.baddbmm(torch.ones(2, 1, 1), torch.ones(2, 1, 3), torch.ones(2, 3, 1), alpha=2).flatten()
        tensor([7., 7.])
    """
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha, "BaddbmmBackward0", batch1, batch2)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``: the batch of products summed.

    Example:
        >>> import brickwork as torch
        >>> torch.addbmm(torch.zeros(1, 1), torch.ones(2, 1, 3), torch.ones(2, 3, 1))
        tensor([[6.]])
    """
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha, "AddbmmBackward0", batch1, batch2)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``.

    Example:
        >>> import brickwork as torch
        >>> torch.addmv(torch.ones(2), torch.ones(2, 3), torch.ones(3), beta=0.5)
        tensor([3.5000, 3.5000])
    """
    return _scaled_sum(input, mv(mat, vec), beta, alpha, "AddmvBackward0", mat, vec)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``.

    Example:
        >>> import brickwork as torch
        >>> torch.addr(torch.zeros(2, 2), torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
        tensor([[3., 4.],
                [6., 8.]])
    """
    for arg, v in (("vec1", vec1), ("vec2", vec2)):
        if v.dim() != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {arg}, but got {v.dim()}-D")
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha, "AddrBackward0", vec1, vec2)


addmv_ = make_inplace(addmv, "addmv_", "torch.ones(2, 2), x", x="[0.25, 0.5]")


def _parse_einsum(equation: str, shapes: list[tuple]) -> tuple[list[str], str]:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise RuntimeError(f"einsum(): {len(ins)} subscripts in '{equation}' but {len(shapes)} operands given")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in string.ascii_letters if c not in used]
    ell_dims = max((len(s) - (len(sub) - 3) for sub, s in zip(ins, shapes) if "..." in sub), default=0)
    ell = "".join(free[:ell_dims])
    out_ins = []
    for sub, s in zip(ins, shapes):
        if "..." in sub:
            n = len(s) - (len(sub) - 3)
            sub = sub.replace("...", ell[ell_dims - n:] if n else "")
        if len(sub) != len(s):
            raise RuntimeError(f"einsum(): the subscripts '{sub}' do not match an operand of {len(s)} dimensions "
                               f"(shape {tuple(s)}) in '{equation}'")
        out_ins.append(sub)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts: dict[str, int] = {}
        for sub in out_ins:
            for c in sub:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    return out_ins, out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the indices of an Einstein-notation ``equation`` (``...`` broadcasts).

    Example:
        >>> import brickwork as torch
        >>> torch.einsum("ij,jk->ik", torch.ones(2, 3), torch.ones(3, 4)).shape
        brickwork.Size([2, 4])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = _parse_einsum(equation, [tuple(t.shape) for t in operands])
    dev = operands[0]._device
    arrays = []
    rdt = _dt.result_type(*operands) if len({t._data.dtype for t in operands}) > 1 else None
    for t in operands:
        if t._device is not dev:
            same_device("einsum", operands[0], t)
        arrays.append(t._data if rdt is None else t._data.astype(rdt.np))
    full = ",".join(ins) + "->" + out
    low = arrays[0].dtype if _is_low(arrays[0]) else None
    if low is not None and dev.xp is np:  # NumPy has no fast or exact half-precision products: float32, rounded
        arrays = [x.astype(np.float32) for x in arrays]
    r = dev.xp.einsum(full, *arrays, optimize=len(arrays) > 2)
    r = wrap(r if low is None or dev.xp is not np else r.astype(low), dev)
    if needs_grad(*operands):
        record(r, "EinsumBackward0", _einsum_backward, tuple(operands), tuple(operands), ins=ins, result=out)
    return r


def _einsum_backward(node: Any, g: Tensor) -> tuple:
    ops = node.saved_tensors
    ins, out = node.ins, node.result
    grads: list[Tensor | None] = []
    for i, t in enumerate(ops):
        if node.edges[i] is None:
            grads.append(None)
            continue
        sub = ins[i]
        if len(set(sub)) != len(sub):
            raise RuntimeError(f"einsum backward: repeated index in operand subscripts '{sub}' (a diagonal) is "
                               "not differentiable in brickwork; use torch.diagonal instead")
        others = [(ins[j], ops[j]) for j in range(len(ops)) if j != i]
        avail = set(out) | set("".join(s for s, _ in others))
        keep = "".join(c for c in sub if c in avail)
        eq = ",".join([out] + [s for s, _ in others]) + "->" + keep
        gk = einsum(eq, g, *[o for _, o in others])
        if keep != sub:
            shape = tuple(t.shape[sub.index(c)] if c in keep else 1 for c in sub)
            order = [c for c in sub if c in keep]
            gk = gk.reshape(tuple(t.shape[sub.index(c)] for c in order)).reshape(shape).expand(tuple(t.shape))
        grads.append(gk)
    return tuple(grads)


_ = np
