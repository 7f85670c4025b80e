"""``torch.func``: composable function transforms (grad, vjp, jvp, Jacobians, Hessians, vmap) and module helpers.

All are eager and built on reverse mode (see `brickwork.func._transforms` and `brickwork.func._vmap` for what
that means: ``vmap`` runs the function once per sample; ``jvp`` and ``jacfwd`` use reverse mode).

Example:
    >>> import brickwork as torch
    >>> from brickwork.func import grad, vmap
    >>> vmap(grad(lambda w, x: (w * x).sum() ** 2), in_dims=(None, 0))(torch.ones(2), torch.eye(2))
    tensor([[2., 0.],
            [0., 2.]])
"""

from .._tensor import Tensor
from ._rearrange import rearrange
from ._module import functional_call, replace_all_batch_norm_modules_, stack_module_state
from ._transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from ._vmap import vmap

__all__ = ["debug_unwrap", "functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp",
           "linearize", "rearrange", "replace_all_batch_norm_modules_", "stack_module_state", "vjp", "vmap"]


def debug_unwrap(tensor: Tensor, *, recurse: bool = True) -> Tensor:
    """``tensor`` itself: brickwork's transforms do not wrap tensors (PyTorch's unwraps functorch's wrappers).

    Example:
        >>> import brickwork as torch
        >>> torch.func.debug_unwrap(torch.ones(1))
        tensor([1.])
    """
    return tensor

