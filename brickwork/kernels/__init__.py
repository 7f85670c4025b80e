"""Kernels: fused fast paths for the hot primitives, each registered beside its reference implementation.

A kernel is one primitive's array computation (no graph recording: the ops in `brickwork.ops` record and
call kernels from their forward and backward). Each has two implementations with one signature:

- the **reference**, composed of array-module calls against ``xp`` (NumPy or CuPy), readable and used on every
  backend without a kernel of its own;
- a **CPU kernel**, compiled with Numba (``@njit(fastmath=True, cache=True)``): one loop nest doing in one pass
  what the reference does in several. It lives in ``brickwork/kernels/_cpu/`` and is named by a string, so
  Numba is imported only when a kernel is first called on NumPy arrays (``import brickwork`` never loads it).
  Compiled code is cached on disk next to the source (or in ``NUMBA_CACHE_DIR``): a second process loads it
  instead of compiling.

A family module (``kernels/norm.py``, ``kernels/conv.py``...: every public module of this package) declares its
kernels, and its CPU implementations go in ``kernels/_cpu/<family>.py``::

    layer_norm_forward = kernel("layer_norm_forward", _layer_norm_forward_reference,
                                cpu="brickwork.kernels._cpu.norm:layer_norm_forward")

and ops call ``layer_norm_forward(xp, x, weight, bias, eps)``. `kernel` registers a `Kernel` and gives its
dispatcher, a plain function (calling a function costs ~0.15 us less than calling an object, which counts on
small tensors), carrying the kernel's ``name``, ``reference``, ``has_cpu`` and ``compiled()``. ``BRICKWORK_KERNELS=reference`` (or
`set_mode`) makes every kernel run its reference, which is how tests compare the two. If Numba cannot be
imported the references run, with one warning.

Example:
    >>> import numpy as np
    >>> from brickwork import kernels
    >>> double = kernels.Kernel("doctest_double", lambda xp, a: a * 2)
    >>> double(np, np.ones(2)).tolist(), kernels.get("doctest_double") is double
    ([2.0, 2.0], True)
"""

from __future__ import annotations

import contextlib
import importlib
import os
import warnings
from typing import Any, Callable, Iterator, Protocol, cast

import numpy as np

__all__ = ["Kernel", "KernelFunction", "kernel", "get", "registry", "mode", "set_mode", "use_mode", "set_num_threads", "get_num_threads"]

_MODES = ("auto", "reference")
_REGISTRY: dict[str, Kernel] = {}
_state: dict[str, Any] = {"mode": os.environ.get("BRICKWORK_KERNELS", "auto") or "auto", "numba": None}
if _state["mode"] not in _MODES:
    warnings.warn(f"BRICKWORK_KERNELS={_state['mode']!r} is not one of {_MODES}; using 'auto'", RuntimeWarning)
    _state["mode"] = "auto"

_UNLOADED = object()


class Kernel:
    """One primitive with a reference implementation (``reference(xp, *args)``) and an optional CPU kernel.

    ``cpu`` names the compiled implementation as ``"module:function"``; it takes the same arguments without
    ``xp``, returns the same results (to rounding), and is imported on the first call with NumPy arrays.
    Creating a kernel registers it under ``name`` (a name is registered once).

    Example:
        >>> import numpy as np
        >>> from brickwork.kernels import Kernel
        >>> add = Kernel("doctest_add", lambda xp, a, b: xp.add(a, b))
        >>> add(np, np.ones(2), np.ones(2)).tolist(), add.has_cpu
        ([2.0, 2.0], False)
    """

    __slots__ = ("name", "reference", "cpu", "_impl", "run")
    name: str
    reference: Callable[..., Any]
    cpu: str | None

    def __init__(self, name: str, reference: Callable[..., Any], cpu: str | None = None) -> None:
        if name in _REGISTRY:
            raise ValueError(f"kernel {name!r} is already registered (by {_REGISTRY[name].reference.__module__}); "
                             "choose another name")
        self.name = name
        self.reference = reference
        self.cpu = cpu
        self._impl: Any = _UNLOADED if cpu is not None else None
        self.run: KernelFunction = _dispatcher(self)
        _REGISTRY[name] = self

    @property
    def has_cpu(self) -> bool:
        """Whether a compiled CPU implementation is declared."""
        return self.cpu is not None

    def __call__(self, xp: Any, *args: Any) -> Any:
        return self.run(xp, *args)

    def compiled(self) -> Callable[..., Any] | None:
        """The CPU implementation (imported now), or None when there is none or Numba is missing."""
        return self._load() if self._impl is _UNLOADED else self._impl

    def _load(self) -> Any:
        if _numba() is None:
            self._impl = None
            return None
        module, _, function = self.cpu.partition(":")  # type: ignore[union-attr]
        self._impl = getattr(importlib.import_module(module), function)
        return self._impl

    def __repr__(self) -> str:
        return f"Kernel({self.name!r}, cpu={self.cpu!r})"


class KernelFunction(Protocol):
    """What `kernel` gives: the kernel's dispatcher, ``f(xp, *args)``, with the kernel's description on it."""

    name: str
    reference: Callable[..., Any]
    has_cpu: bool
    kernel: Kernel

    def __call__(self, xp: Any, *args: Any) -> Any: ...

    def compiled(self) -> Callable[..., Any] | None: ...


def _dispatcher(k: Kernel) -> KernelFunction:
    """``k``'s call as a plain function: the compiled implementation for NumPy arrays in ``'auto'`` mode (imported
    on the first such call), else the reference."""
    def run(xp: Any, *args: Any) -> Any:
        impl = k._impl
        if impl is not None and xp is np and _state["mode"] == "auto":
            if impl is _UNLOADED:
                impl = k._load()
            if impl is not None:
                return impl(*args)
        return k.reference(xp, *args)

    reference = k.reference
    f = cast(Any, run)
    f.__name__ = f.__qualname__ = k.name
    f.__doc__ = f"The kernel {k.name!r}: {reference.__doc__ or ''}".rstrip()
    f.name, f.reference, f.has_cpu, f.kernel, f.compiled = k.name, reference, k.cpu is not None, k, k.compiled
    return cast(KernelFunction, f)


def kernel(name: str, reference: Callable[..., Any], cpu: str | None = None) -> KernelFunction:
    """Register the kernel ``name`` (see `Kernel`) and give its dispatcher: how family modules declare kernels.

    Example:
        >>> import numpy as np
        >>> from brickwork.kernels import kernel
        >>> triple = kernel("doctest_triple", lambda xp, a: a * 3)
        >>> triple(np, np.ones(2)).tolist(), triple.has_cpu, triple.name
        ([3.0, 3.0], False, 'doctest_triple')
    """
    return Kernel(name, reference, cpu).run


def get(name: str) -> Kernel:
    """The kernel registered under ``name``.

    Example:
        >>> from brickwork import kernels
        >>> kernels.get("layer_norm_forward").name
        'layer_norm_forward'
    """
    _import_families()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no kernel named {name!r}; registered: {sorted(_REGISTRY)}") from None


def registry() -> dict[str, Kernel]:
    """Every registered kernel by name (a copy).

    Example:
        >>> from brickwork import kernels
        >>> "layer_norm_backward" in kernels.registry()
        True
    """
    _import_families()
    return dict(_REGISTRY)


def _import_families() -> None:
    """Import every family module of this package (ops import the ones they use; registry() wants them all)."""
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def mode() -> str:
    """``'auto'`` (compiled kernels where there are some) or ``'reference'`` (every kernel's reference).

    Example:
        >>> from brickwork import kernels
        >>> kernels.mode() in ("auto", "reference")
        True
    """
    return _state["mode"]


def set_mode(value: str) -> None:
    """Choose ``'auto'`` or ``'reference'`` for every kernel (``BRICKWORK_KERNELS`` sets the initial mode).

    Example:
        >>> from brickwork import kernels
        >>> old = kernels.mode(); kernels.set_mode("reference"); kernels.mode()
        'reference'
        >>> kernels.set_mode(old)
    """
    if value not in _MODES:
        raise ValueError(f"kernel mode must be one of {_MODES}, got {value!r}")
    _state["mode"] = value


@contextlib.contextmanager
def use_mode(value: str) -> Iterator[None]:
    """A context in which kernels run in mode ``value`` (see `set_mode`).

    Example:
        >>> from brickwork import kernels
        >>> with kernels.use_mode("reference"):
        ...     kernels.mode()
        'reference'
    """
    old = _state["mode"]
    set_mode(value)
    try:
        yield
    finally:
        _state["mode"] = old


def _numba() -> Any:
    """Numba, imported on first use (None, with one warning, when it cannot be imported)."""
    nb = _state["numba"]
    if nb is None:
        try:
            import numba
        except Exception as e:  # ImportError, or an llvmlite that does not load
            warnings.warn(f"brickwork: Numba could not be imported ({type(e).__name__}: {e}); kernels run their "
                          "NumPy reference implementations (pip install numba for the compiled ones)",
                          RuntimeWarning, stacklevel=3)
            nb = False
        else:
            nb = numba
            if "NUMBA_THREADING_LAYER" not in os.environ:
                # Numba's own thread pool: its GNU OpenMP layer, once launched in a process where PyTorch runs
                # OpenMP too, made PyTorch's LayerNorm 8x slower here (tests and benchmarks run both)
                nb.config.THREADING_LAYER = "workqueue"
            threads = _threads["n"]
            if threads is not None:
                nb.set_num_threads(min(threads, nb.config.NUMBA_NUM_THREADS))
        _state["numba"] = nb
    return nb or None


_threads: dict[str, int | None] = {"n": None}


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in compiled kernels and in the BLAS (as ``torch.set_num_threads``).

    Example:
        >>> import brickwork as torch
        >>> old = torch.get_num_threads(); torch.set_num_threads(1); torch.get_num_threads()
        1
        >>> torch.set_num_threads(old)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer number of threads, got {n!r}")
    from . import _blas

    _threads["n"] = n
    _blas.set_num_threads(n)
    nb = _state["numba"]
    if nb:
        nb.set_num_threads(min(n, nb.config.NUMBA_NUM_THREADS))


def get_num_threads() -> int:
    """The number of threads kernels and the BLAS use (as ``torch.get_num_threads``).

    Example:
        >>> import brickwork as torch
        >>> torch.get_num_threads() >= 1
        True
    """
    if _threads["n"] is not None:
        return _threads["n"]
    from . import _blas

    return _blas.get_num_threads() or os.cpu_count() or 1
