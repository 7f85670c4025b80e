"""Weight initializers (``nn.init``): small functions over one fan helper and one gain table.

Every in-place function ends in ``_``, runs without recording gradients, and returns its tensor. Random ones
sample on the host from a brickwork `Generator` (``generator=`` or the default one) and
copy the values to the tensor's device, so one seed gives the same weights on every device.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops._special import erfinv
from ..ops.random import Generator, _fill_random, _gen

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "dirac_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
           "sparse_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "sigmoid")


def _fill(tensor: Tensor, values: np.ndarray, op: str) -> Tensor:
    """Copy host ``values`` (of the tensor's shape) into ``tensor`` in place, whatever its device."""
    with no_grad():
        return _fill_random(tensor, op, values)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: the factor that keeps activations' variance stable.

    linear, conv*, sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + negative_slope^2)) with
    ``param`` the slope (default 0.01); selu: 3/4.

    Example:
        >>> round(calculate_gain("relu"), 4), calculate_gain("tanh")
        (1.4142, 1.6666666666666667)
    """
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight: ``size(1) * receptive field`` and ``size(0) * receptive field``,
    where the receptive field is the product of the dimensions after the first two.

    Example:
        >>> import brickwork as torch
        >>> _calculate_fan_in_and_fan_out(torch.empty(8, 3, 5, 5))
        (75, 200)
    """
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {shape}); use a fan-free initializer such as uniform_ or normal_")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _empty_warning(tensor: Tensor) -> bool:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with samples of U(a, b).

    Example:
        >>> import brickwork as torch
        >>> w = uniform_(torch.empty(100), -1, 1); bool(w.abs().max() <= 1)
        True
    """
    return _fill(tensor, _gen(generator).uniform(a, b, tuple(tensor.shape)), "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with samples of N(mean, std^2).

    Example:
        >>> import brickwork as torch
        >>> normal_(torch.empty(3), 2.0, 0.0)
        tensor([2., 2., 2.])
    """
    return _fill(tensor, _gen(generator).normal(mean, std, tuple(tensor.shape)), "normal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std^2) truncated to [a, b].

    Sampled by the inverse CDF: ``mean + std * sqrt(2) * erfinv(u)`` with
    ``u ~ U(2 Phi(alpha) - 1, 2 Phi(beta) - 1)``, where ``alpha = (a - mean) / std``, ``beta = (b - mean) / std``
    and Phi is the standard normal CDF.

    Example:
        >>> import brickwork as torch
        >>> w = trunc_normal_(torch.empty(1000), a=-1.0, b=1.0); bool(w.abs().max() <= 1)
        True
    """
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    lo, hi = cdf((a - mean) / std), cdf((b - mean) / std)
    u = _gen(generator).uniform(2 * lo - 1, 2 * hi - 1, tuple(tensor.shape))
    values = np.clip(erfinv(u) * (std * math.sqrt(2.0)) + mean, a, b)
    return _fill(tensor, values, "trunc_normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``.

    Example:
        >>> import brickwork as torch
        >>> constant_(torch.empty(2), 0.5)
        tensor([0.5000, 0.5000])
    """
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1.

    Example:
        >>> import brickwork as torch
        >>> ones_(torch.empty(2))
        tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0.

    Example:
        >>> import brickwork as torch
        >>> zeros_(torch.empty(2))
        tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (``I[i, j] = 1 if i == j else 0``).

    A Linear layer with this weight preserves the identity of its inputs.

    Example:
        >>> import brickwork as torch
        >>> eye_(torch.empty(2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (eye_ got shape {tuple(tensor.shape)})")
    return _fill(tensor, np.eye(*tuple(tensor.shape)), "eye_")


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta.

    ``w[g*n + d, d, centre] = 1`` for each group ``g`` and channel ``d < min(out_channels / groups, in_channels)``,
    zero elsewhere, so the convolution preserves its input.

    Example:
        >>> import brickwork as torch
        >>> w = dirac_(torch.empty(2, 2, 3)); w[:, :, 1]
        tensor([[1., 0.],
                [0., 1.]])
    """
    shape = tuple(tensor.shape)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"Only tensors with 3, 4, or 5 dimensions are supported (dirac_ got shape {shape})")
    if shape[0] % groups != 0:
        raise ValueError(f"dim 0 must be divisible by groups (dirac_ got {shape[0]} and groups={groups})")
    per_group = shape[0] // groups
    values = np.zeros(shape)
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _fill(tensor, values, "dirac_")


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot uniform: U(-bound, bound) with ``bound = gain * sqrt(6 / (fan_in + fan_out))``.

    Example:
        >>> import brickwork as torch
        >>> w = xavier_uniform_(torch.empty(30, 20)); bool(w.abs().max() <= (6 / 50) ** 0.5)
        True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Example:
        >>> import brickwork as torch
        >>> xavier_normal_(torch.empty(30, 20)).shape
        brickwork.Size([30, 20])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    ``gain = calculate_gain(nonlinearity, a)`` and ``fan`` is the fan_in or fan_out (``mode``).

    Example:
        >>> import brickwork as torch
        >>> w = kaiming_uniform_(torch.empty(8, 50), nonlinearity="relu"); bool(w.abs().max() <= (6 / 50) ** 0.5)
        True
    """
    if _empty_warning(tensor):
        return tensor
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``, ``gain = calculate_gain(nonlinearity, a)``.

    Example:
        >>> import brickwork as torch
        >>> kaiming_normal_(torch.empty(8, 50), mode="fan_out").shape
        brickwork.Size([8, 50])
    """
    if _empty_warning(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times ``gain``.

    The matrix is ``Q`` of the QR decomposition of a standard normal ``rows x cols`` matrix (``rows = size(0)``,
    the rest flattened), its columns' signs fixed by ``sign(diag R)`` so the result is uniformly distributed.

    Example:
        >>> import brickwork as torch
        >>> w = orthogonal_(torch.empty(3, 3)); bool(((w @ w.T) - torch.eye(3)).abs().max() < 1e-5)
        True
    """
    if tensor.ndim < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported (orthogonal_ got shape "
                         f"{tuple(tensor.shape)})")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _gen(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tuple(tensor.shape)), "orthogonal_")


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Generator | None = None) -> Tensor:
    """A 2-D matrix of N(0, std^2) samples with ``ceil(sparsity * rows)`` random zeros in each column.

    Example:
        >>> import brickwork as torch
        >>> w = sparse_(torch.empty(10, 4), sparsity=0.5); int((w == 0).sum())
        20
    """
    if tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (sparse_ got shape {tuple(tensor.shape)})")
    rows, cols = tuple(tensor.shape)
    g = _gen(generator)
    values = g.normal(0.0, std, (rows, cols))
    n_zeros = int(math.ceil(sparsity * rows))
    for c in range(cols):
        values[g.permutation(rows)[:n_zeros], c] = 0
    return _fill(tensor, values, "sparse_")


def _deprecated(fn: Any) -> Any:
    old = fn.__name__[:-1]

    def deprecated(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{fn.__name__}`.", FutureWarning,
                      stacklevel=2)
        return fn(*args, **kwargs)

    deprecated.__name__ = old
    deprecated.__doc__ = f"Deprecated alias of `{fn.__name__}`."
    return deprecated


uniform, normal, constant, eye, dirac = map(_deprecated, (uniform_, normal_, constant_, eye_, dirac_))
xavier_uniform, xavier_normal = _deprecated(xavier_uniform_), _deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = _deprecated(kaiming_uniform_), _deprecated(kaiming_normal_)
orthogonal, sparse = _deprecated(orthogonal_), _deprecated(sparse_)
