"""Affine maps: ``linear`` (a primitive in `brickwork.ops.linear`), ``bilinear`` and ``grouped_mm`` (composed of
tensor ops)."""

from __future__ import annotations

from ... import dtypes, ops
from ..._errors import op_error
from ..._tensor import Tensor
from ...ops.linear import linear

__all__ = ["linear", "bilinear", "grouped_mm"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y_k = input1 @ weight[k] @ input2 + bias_k`` for weight (out, in1, in2) and inputs (*, in1), (*, in2).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> F.bilinear(torch.ones(2, 3), torch.ones(2, 4), torch.ones(5, 3, 4)).shape
        brickwork.Size([2, 5])
    """
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise op_error(RuntimeError, "bilinear",
                       f"expected input1 (*, {weight.shape[1] if weight.ndim == 3 else '?'}) and "
                       f"input2 (*, {weight.shape[2] if weight.ndim == 3 else '?'}) for weight "
                       f"{list(weight.shape)}, got {list(input1.shape)} and {list(input2.shape)}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise op_error(RuntimeError, "bilinear",
                       f"input1 and input2 must have the same leading dimensions, got "
                       f"{list(input1.shape)} and {list(input2.shape)}")
    out_f, in1, in2 = weight.shape
    lead = tuple(input1.shape[:-1])
    a = input1.reshape(-1, in1)
    t = a.matmul(weight.permute(1, 0, 2).reshape(in1, out_f * in2)).reshape(-1, out_f, in2)
    y = (t * input2.reshape(-1, 1, in2)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(lead + (out_f,))


def grouped_mm(mat_a: Tensor, mat_b: Tensor, *, offs: Tensor | None = None, bias: Tensor | None = None,
               out_dtype: dtypes.dtype | None = None) -> Tensor:
    """Matrix products of groups (mixture-of-experts layers): a 2-d operand is cut into groups at ``offs``.

    The cases, with ``offs`` the int32 ends of the groups: ``(M, K) x (G, K, N)`` multiplies rows
    ``offs[g-1]:offs[g]`` by ``mat_b[g]`` into ``(M, N)``; ``(G, M, K) x (K, N)`` multiplies ``mat_a[g]`` by
    columns ``offs[g-1]:offs[g]`` into ``(M, N)``; ``(M, K) x (K, N)`` cuts the shared ``K`` into ``(G, M, N)``;
    two 3-d operands (no ``offs``) are a batched product. Output rows or columns after ``offs[-1]`` are 0
    (PyTorch leaves them unset).

    Example:
        >>> import brickwork as torch
        >>> import brickwork.nn.functional as F
        >>> b = torch.stack([torch.eye(2), 2 * torch.eye(2)])
        >>> F.grouped_mm(torch.ones(3, 2), b, offs=torch.tensor([1, 3], dtype=torch.int32))
        tensor([[1., 1.],
                [2., 2.],
                [2., 2.]])
    """
    if bias is not None:
        raise op_error(RuntimeError, "grouped_mm", "Bias not supported yet")
    if out_dtype is not None and out_dtype != mat_a.dtype:
        raise op_error(RuntimeError, "grouped_mm", "Grouped gemm output dtype must match `mat_a` dtype")
    if mat_a.dim() not in (2, 3) or mat_b.dim() not in (2, 3):
        raise op_error(RuntimeError, "grouped_mm", f"expected 2-d or 3-d operands, got shapes {tuple(mat_a.shape)} "
                       f"and {tuple(mat_b.shape)}")
    if (offs is None) != (mat_a.dim() == 3 and mat_b.dim() == 3):
        raise op_error(RuntimeError, "grouped_mm", "Have to provide offsets if there is a 2d matrix, or no offset if "
                       "both matrices are 3d")
    if offs is None:
        return ops.bmm(mat_a, mat_b)
    if offs.dtype != dtypes.int32 or offs.dim() != 1:
        raise op_error(RuntimeError, "grouped_mm", f"Offsets have to be int32 and 1-d, got {offs.dtype} of shape "
                       f"{tuple(offs.shape)}")
    ends = [int(e) for e in offs.tolist()]
    starts = [0] + ends[:-1]
    if mat_a.dim() == 2 and mat_b.dim() == 3:  # rows of mat_a by group
        parts = [mat_a[s:e] @ mat_b[g] for g, (s, e) in enumerate(zip(starts, ends))]
        rest = mat_a.shape[0] - ends[-1]
        return ops.cat(parts + [mat_a.new_zeros((rest, mat_b.shape[-1]))], 0)
    if mat_a.dim() == 3:                        # columns of mat_b by group
        parts = [mat_a[g] @ mat_b[:, s:e] for g, (s, e) in enumerate(zip(starts, ends))]
        rest = mat_b.shape[1] - ends[-1]
        return ops.cat(parts + [mat_a.new_zeros((mat_a.shape[1], rest))], 1)
    return ops.stack([mat_a[:, s:e] @ mat_b[s:e] for s, e in zip(starts, ends)], 0)  # the shared K by group
