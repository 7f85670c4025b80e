"""Random numbers: `Generator`, seeding, and sampling functions.

Samples are drawn on the host by NumPy's PCG64 generator and then placed on the tensor's device, so one seed
gives the same numbers on every device (PyTorch's CPU and CUDA streams differ). CUDA tensors may instead use
a CuPy generator for speed by passing ``generator=Generator('cuda')``.
"""

from __future__ import annotations

import json
from typing import Any, Sequence, cast

import numpy as np

from .. import dtypes as _dt
from .._tensor import Tensor
from ..backends import canonical, device as _device
from ._core import inplace, wrap
from .creation import _size, _finish, _place


class Generator:
    """A random number generator with PyTorch's interface (``manual_seed``, ``get_state``, ``set_state``).

    Example:
        >>> import brickwork as torch
        >>> g = torch.Generator().manual_seed(0)
        >>> a = torch.rand(2, generator=g); _ = g.manual_seed(0); torch.equal(a, torch.rand(2, generator=g))
        True
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = canonical(device)
        self._seed = 67280421310721  # PyTorch's default seed
        self._np = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> "Generator":
        """Reset the stream to the one given by ``seed``; returns ``self``."""
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        self._seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy and return the seed."""
        s = int(cast(int, np.random.SeedSequence().entropy)) % (1 << 63)  # entropy is an int when not given
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._seed

    def get_state(self) -> Tensor:
        """The full state as a uint8 tensor (restore it with `set_state`)."""
        st = self._np.bit_generator.state
        blob = json.dumps({"seed": self._seed, "state": st}, default=int).encode()
        return wrap(np.frombuffer(blob, dtype=np.uint8).copy(), canonical("cpu"))

    def set_state(self, new_state: Tensor) -> "Generator":
        """Restore a state from `get_state`; raises ValueError for anything else."""
        try:
            data = json.loads(bytes(np.asarray(new_state._host(), dtype=np.uint8)).decode())
            bg = np.random.PCG64()
            bg.state = data["state"]
        except Exception as e:
            raise ValueError(f"Generator.set_state: not a brickwork generator state ({type(e).__name__}: {e}); "
                             "pass a tensor returned by get_state()") from None
        self._np = np.random.Generator(bg)
        self._seed = int(data["seed"])
        return self

    def __getstate__(self) -> dict:
        return {"device": str(self.device), "state": self.get_state()._data.tobytes()}

    def __setstate__(self, d: dict) -> None:
        type(self).__init__(self, d["device"])
        self.set_state(wrap(np.frombuffer(d["state"], np.uint8), canonical("cpu")))


default_generator = Generator()


def _gen(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._np


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (used for every device) and return it.

    Example:
        >>> import brickwork as torch
        >>> _ = torch.manual_seed(0); a = torch.randn(2); _ = torch.manual_seed(0)
        >>> torch.equal(a, torch.randn(2))
        True
    """
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator non-deterministically and return the seed.

    Example:
        >>> import brickwork as torch
        >>> state = torch.get_rng_state()
        >>> s = torch.seed(); torch.initial_seed() == s
        True
        >>> torch.set_rng_state(state)
    """
    return default_generator.seed()


def initial_seed() -> int:
    """The seed of the default generator.

    Example:
        >>> import brickwork as torch
        >>> _ = torch.manual_seed(42); torch.initial_seed()
        42
    """
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state as a uint8 tensor.

    Example:
        >>> import brickwork as torch
        >>> state = torch.get_rng_state(); state.dtype
        brickwork.uint8
    """
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default generator's state.

    Example:
        >>> import brickwork as torch
        >>> state = torch.get_rng_state(); a = torch.rand(3)
        >>> torch.set_rng_state(state); torch.equal(a, torch.rand(3))
        True
    """
    default_generator.set_state(new_state)


def _float_dtype(dtype: Any) -> _dt.dtype:
    dt = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    if not dt.is_floating_point:
        raise RuntimeError(f"expected a floating dtype for random floats, got {dt}")
    return dt


def _sample(arr: np.ndarray, dt: _dt.dtype, device: Any, requires_grad: bool) -> Tensor:
    dev = canonical(device)
    return _finish(_place(arr.astype(dt.np, copy=False), dev), dev, requires_grad)


def rand(*args: Any, size: Any = None, generator: Generator | None = None, out: Tensor | None = None,
         dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """Uniform samples from [0, 1).

    Example:
        >>> import brickwork as torch
        >>> x = torch.rand(1000); bool(x.min() >= 0) and bool(x.max() < 1)
        True
    """
    dt = _float_dtype(dtype)
    shape = _size(args if size is None else (size,), "rand")
    a = _gen(generator).random(shape, dtype=np.float64 if dt is _dt.float64 else np.float32)
    return _sample(a, dt, device, requires_grad)


def randn(*args: Any, size: Any = None, generator: Generator | None = None, out: Tensor | None = None,
          dtype: Any = None, layout: Any = None, device: Any = None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """Standard normal samples.

    Example:
        >>> import brickwork as torch
        >>> abs(float(torch.randn(10000).mean())) < 0.05
        True
    """
    dt = _dt.to_dtype(dtype) if dtype is not None and _dt.to_dtype(dtype).is_complex else _float_dtype(dtype)
    shape = _size(args if size is None else (size,), "randn")
    if dt.is_complex:  # real and imaginary parts each of variance 1/2, as in PyTorch
        part = dt.to_real().np
        pairs = _gen(generator).standard_normal(tuple(shape) + (2,), dtype=part) * part.type(np.sqrt(0.5))
        return _sample(np.ascontiguousarray(pairs).view(dt.np)[..., 0], dt, device, requires_grad)
    a = _gen(generator).standard_normal(shape, dtype=np.float64 if dt is _dt.float64 else np.float32)
    return _sample(a, dt, device, requires_grad)


def randint(low: int = 0, high: Any = None, size: Sequence[int] | None = None, *,
            generator: Generator | None = None, out: Tensor | None = None, dtype: Any = None, layout: Any = None,
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in ``[low, high)``; ``randint(high, size)`` starts at 0.

    Example:
        >>> import brickwork as torch
        >>> x = torch.randint(0, 3, (100,)); x.dtype, bool(x.max() < 3)
        (brickwork.int64, True)
    """
    if size is None:
        if high is None or isinstance(high, int):
            raise TypeError("randint(): missing the size argument, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint(): missing the high argument")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = _dt.int64 if dtype is None else _dt.to_dtype(dtype)
    a = _gen(generator).integers(low, high, _size((size,), "randint"), dtype=np.int64)
    return _sample(a, dt, device, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, out: Tensor | None = None, dtype: Any = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1``.

    Example:
        >>> import brickwork as torch
        >>> sorted(torch.randperm(4).tolist())
        [0, 1, 2, 3]
    """
    dt = _dt.int64 if dtype is None else _dt.to_dtype(dtype)
    return _sample(_gen(generator).permutation(n), dt, device, requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, out: Tensor | None = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples with the given mean and standard deviation (numbers or tensors).

    Example:
        >>> import brickwork as torch
        >>> torch.normal(2.0, 0.0, size=(2,))
        tensor([2., 2.])
    """
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        shape = tuple(np.broadcast_shapes(tuple(getattr(mean, "shape", ())), tuple(getattr(std, "shape", ()))))
        z = randn(shape, generator=generator, dtype=ref.dtype, device=ref._device)
        return (z * std + mean).detach()
    if size is None:
        size = ()
    z = randn(tuple(size), generator=generator, dtype=dtype, device=device)
    z = z * std + mean if (std != 1.0 or mean != 0.0) else z
    return z.requires_grad_() if requires_grad else z


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 samples with probabilities ``input`` (or a fixed ``p``).

    Example:
        >>> import brickwork as torch
        >>> torch.bernoulli(torch.tensor([0.0, 1.0]))
        tensor([0., 1.])
    """
    probs = input._host() if p is None else np.full(input._data.shape, p)
    u = _gen(generator).random(input._data.shape)
    return _sample((u < probs), input.dtype, input._device, False)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices sampled from the (unnormalised) probability rows of ``input``.

    Example:
        >>> import brickwork as torch
        >>> torch.multinomial(torch.tensor([0.0, 1.0]), 2, replacement=True)
        tensor([1, 1])
    """
    w = input._host().astype(np.float64)
    rows = w.reshape(-1, w.shape[-1])
    g = _gen(generator)
    out = []
    for r in rows:
        if (r < 0).any() or not np.isfinite(r).all() or r.sum() <= 0:
            raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0, or "
                               "sums to zero")
        if not replacement and num_samples > (r > 0).sum():
            raise RuntimeError("multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
                               "replacement")
        out.append(g.choice(len(r), num_samples, replace=replacement, p=r / r.sum()))
    res = np.stack(out).reshape(w.shape[:-1] + (num_samples,))
    return _sample(res, _dt.int64, input._device, False)


def _like(name: str, fn: Any) -> Any:
    def like(input: Tensor, *, dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False, memory_format: Any = None, generator: Generator | None = None) -> Tensor:
        return fn(tuple(input.shape), generator=generator, dtype=dtype or input.dtype,
                  device=device or input._device, requires_grad=requires_grad)

    like.__name__ = like.__qualname__ = name
    like.__doc__ = f"""Like `{fn.__name__}` with the shape, dtype and device of ``input``.

    Example:
        >>> import brickwork as torch
        >>> x = torch.{name}(torch.zeros(2, 3, dtype=torch.float64)); x.shape, x.dtype
        (brickwork.Size([2, 3]), brickwork.float64)
    """
    return like


rand_like = _like("rand_like", rand)
randn_like = _like("randn_like", randn)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None,
                 device: Any = None, requires_grad: bool = False) -> Tensor:
    """Like `randint` with the shape, dtype and device of ``input``.

    Example:
        >>> import brickwork as torch
        >>> x = torch.randint_like(torch.zeros(2, 3, dtype=torch.int64), 10); x.shape, x.dtype
        (brickwork.Size([2, 3]), brickwork.int64)
        >>> bool(((x >= 0) & (x < 10)).all())
        True
    """
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype, device=device or input._device,
                   requires_grad=requires_grad)


# -- in-place sampling methods ------------------------------------------------------------------------------

def _fill_random(self: Tensor, op: str, arr: np.ndarray) -> Tensor:
    vals = _place(arr.astype(self._data.dtype, copy=False), self._device)
    return inplace(self, op, lambda t: wrap(vals, t._device))


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with uniform samples from ``[a, b)`` in place.

    Example:
        >>> import brickwork as torch
        >>> x = torch.empty(100).uniform_(-1, 1); bool(x.abs().max() <= 1)
        True
    """
    return _fill_random(self, "uniform_", _gen(generator).uniform(a, b, self._data.shape))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with normal samples in place.

    Example:
        >>> import brickwork as torch
        >>> torch.empty(3).normal_(0, 0).tolist()
        [0.0, 0.0, 0.0]
    """
    return _fill_random(self, "normal_", _gen(generator).normal(mean, std, self._data.shape))


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 0/1 samples (1 with probability ``p``) in place.

    Example:
        >>> import brickwork as torch
        >>> torch.empty(4).bernoulli_(1.0)
        tensor([1., 1., 1., 1.])
        >>> x = torch.empty(100).bernoulli_(0.3); bool(((x == 0) | (x == 1)).all())
        True
    """
    probs = p._host() if isinstance(p, Tensor) else p
    return _fill_random(self, "bernoulli_", _gen(generator).random(self._data.shape) < probs)


def random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator: Generator | None = None) -> Tensor:
    """Fill with integers uniform in ``[from_, to)`` in place.

    Example:
        >>> import brickwork as torch
        >>> x = torch.empty(100).random_(0, 3); sorted(set(x.tolist())) <= [0.0, 1.0, 2.0]
        True
    """
    if to is None:
        to = 2 ** 24 if self.is_floating_point() else int(np.iinfo(self._data.dtype).max) + 1
    return _fill_random(self, "random_", _gen(generator).integers(from_, to, self._data.shape))


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with exponential samples of rate ``lambd`` in place.

    Example:
        >>> import brickwork as torch
        >>> bool((torch.empty(100).exponential_(2.0) >= 0).all())
        True
    """
    return _fill_random(self, "exponential_", _gen(generator).exponential(1.0 / lambd, self._data.shape))


_ = _device


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson samples with the rates in ``input`` (same shape and dtype; no gradient, as in PyTorch).

    Example:
        >>> import brickwork as torch
        >>> torch.poisson(torch.zeros(3))
        tensor([0., 0., 0.])
    """
    if not input.is_floating_point():
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{str(input.dtype).split('.')[-1]}'")
    rates = input._host().astype(np.float64)
    if (rates < 0).any() or np.isnan(rates).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _sample(_gen(generator).poisson(rates), input.dtype, input._device, False)


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial samples: successes in ``count`` trials of probability ``prob`` (floating tensors, broadcast).

    Example:
        >>> import brickwork as torch
        >>> torch.binomial(torch.tensor([5.0, 3.0]), torch.tensor([1.0, 0.0]))
        tensor([5., 0.])
    """
    for name, t in (("count", count), ("prob", prob)):
        if not t.is_floating_point():
            raise ValueError(f"binomial only supports floating-point dtypes for {name}, got: {t.dtype}")
    n, p = np.broadcast_arrays(count._host().astype(np.float64), prob._host().astype(np.float64))
    n, p = np.maximum(np.nan_to_num(n), 0), np.clip(np.nan_to_num(p), 0, 1)  # PyTorch does not check either
    return _sample(_gen(generator).binomial(n.astype(np.int64), p).astype(np.float64), count.dtype, count._device,
                   False)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with Cauchy samples ``median + sigma * tan(pi * (u - 1/2))`` in place.

    Example:
        >>> import brickwork as torch
        >>> torch.empty(1000).cauchy_(2.0, 0.5).median().round()
        tensor(2.)
    """
    if sigma <= 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _fill_random(self, "cauchy_", median + sigma * _gen(generator).standard_cauchy(self._data.shape))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with samples of ``exp(N(mean, std))`` in place.

    Example:
        >>> import brickwork as torch
        >>> bool((torch.empty(100).log_normal_(0.0, 0.5) > 0).all())
        True
    """
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill_random(self, "log_normal_", _gen(generator).lognormal(mean, std, self._data.shape))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with geometric samples (the number of trials up to the first success, from 1) in place.

    Example:
        >>> import brickwork as torch
        >>> x = torch.empty(100).geometric_(0.5); bool((x >= 1).all()), bool((x == x.round()).all())
        (True, True)
    """
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill_random(self, "geometric_", _gen(generator).geometric(p, self._data.shape))
