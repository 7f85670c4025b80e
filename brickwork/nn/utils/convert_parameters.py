"""Flattening parameters into one vector and back: `parameters_to_vector`, `vector_to_parameters`."""

from __future__ import annotations

from typing import Iterable

from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable).

    Example:
        >>> import brickwork as torch
        >>> parameters_to_vector([torch.ones(2, 2), torch.zeros(1)])
        tensor([1., 1., 1., 1., 0.])
    """
    from ...ops.movement import cat

    ps = list(parameters)
    dev = ps[0].device if ps else None
    for i, p in enumerate(ps):
        if p.device != dev:
            raise TypeError(f"parameters_to_vector: parameter {i} is on {p.device} but parameter 0 is on {dev}; "
                            "move the model to one device first")
    return cat([p.reshape(-1) for p in ps])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each of ``parameters`` its slice of ``vec`` (the inverse of `parameters_to_vector`).

    Each parameter's data becomes a view of ``vec`` (shared memory), as in PyTorch.

    Example:
        >>> import brickwork as torch
        >>> w = torch.nn.Parameter(torch.zeros(2)); vector_to_parameters(torch.tensor([1.0, 2.0]), [w]); w.data
        tensor([1., 2.])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected brickwork.Tensor, but got: {type(vec).__name__}")
    ps = list(parameters)
    need = sum(p.numel() for p in ps)
    if vec.numel() != need:
        raise RuntimeError(f"vector_to_parameters: vec has {vec.numel()} elements but the parameters hold {need}")
    pointer = 0
    for p in ps:
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
