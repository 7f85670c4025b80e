"""The Tensor: an array on a device, plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

This file holds only the data container, conversions, printing and the entry point to the backward pass. The
ops live in `brickwork.ops`; the ones that are also methods (``x.sum()``, ``x + 1``) are declared in
`brickwork.ops._tensor_methods.TensorMethods`, which ``Tensor`` inherits for type checkers and which
``brickwork.ops`` copies into ``Tensor`` at import (the ops import this file, so it cannot import them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, SupportsIndex, overload

import numpy as np

from . import dtypes as _dt
from .backends import CPU, device as _device_cls

__all__ = ["Tensor"]

_new = object.__new__

if TYPE_CHECKING:
    from .ops._tensor_methods import TensorMethods
else:
    TensorMethods = object  # its body is copied into Tensor by brickwork.ops (see the module docstring)


class Tensor(TensorMethods):
    """A multi-dimensional array with autograd, like ``torch.Tensor``.

    Create tensors with `brickwork.tensor`, `brickwork.zeros` and friends. Calling
    ``Tensor(data)`` copies ``data`` into a float32 tensor; ``Tensor(2, 3)`` makes an uninitialised one.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward()
        >>> x.grad
        tensor([2., 4.])
    """

    __slots__ = ("_data", "_device", "_requires_grad", "grad_fn", "_version_counter", "__dict__", "__weakref__")
    _data: Any  # the NumPy or CuPy array
    _device: _device_cls
    _requires_grad: bool
    grad_fn: Any  # the autograd Node that made this tensor, or None
    _version_counter: list[int]  # version counter, shared with views
    # rarely set, so kept out of the slots: instances read these class defaults until they are set
    _out_idx = 0
    _grad: "Tensor | None" = None
    _base: "Tensor | None" = None
    _hooks: "list[Callable] | None" = None
    _retains_grad = False
    __array_priority__ = 1000  # so `ndarray * tensor` defers to Tensor.__rmul__

    def __new__(cls, *args: Any, **kwargs: Any) -> "Tensor":
        # the legacy constructor: Tensor([1, 2]) copies as the default float type, Tensor(2, 3) is uninitialised
        from .backends import canonical, get_default_device

        dev = kwargs.pop("device", None)
        if kwargs:
            raise TypeError(f"Tensor(): unexpected keyword arguments {sorted(kwargs)}")
        f = _dt.get_default_dtype().np
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            arr = np.array(data._host() if isinstance(data, Tensor) else data, dtype=f)
        else:
            arr = np.empty(tuple(int(n) for n in args), dtype=f)
        device = get_default_device() if dev is None else canonical(dev)
        t = _make(arr if device.type == "cpu" else device.backend.from_host(arr, device.index), device)
        if cls is not Tensor:
            return cls._wrap_as(t) if hasattr(cls, "_wrap_as") else t
        return t

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    # -- attributes -------------------------------------------------------------------------------

    @property
    def shape(self) -> "Size":
        """The size of each dimension, as a `Size` (a tuple)."""
        return Size(self._data.shape)

    @overload
    def size(self, dim: None = None) -> "Size": ...

    @overload
    def size(self, dim: int) -> int: ...

    def size(self, dim: int | None = None) -> "Size | int":
        """The shape, or the size of one dimension.

        Example:
            >>> import brickwork as torch
            >>> torch.zeros(2, 3).size(), torch.zeros(2, 3).size(-1)
            (brickwork.Size([2, 3]), 3)
        """
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim, "size")]

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def dim(self) -> int:
        """Number of dimensions.

        Example:
            >>> import brickwork as torch
            >>> torch.zeros(2, 3).dim()
            2
        """
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """Number of elements.

        Example:
            >>> import brickwork as torch
            >>> torch.zeros(2, 3).numel()
            6
        """
        return int(self._data.size)

    nelement = numel

    @property
    def dtype(self) -> _dt.dtype:
        """The element type."""
        return _dt.from_np(self._data.dtype)

    @property
    def device(self) -> _device_cls:
        """The device holding the data."""
        return self._device

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on a CUDA device."""
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the tensor lives on a CPU device."""
        return self._device.type == "cpu"

    @property
    def is_xpu(self) -> bool:
        """Whether the tensor lives on an Intel GPU (never: brickwork has CPU and CUDA devices)."""
        return False

    @property
    def is_mps(self) -> bool:
        """Whether the tensor lives on an Apple GPU (never: brickwork has CPU and CUDA devices)."""
        return False

    @property
    def is_sparse(self) -> bool:
        """Whether the tensor has a sparse layout (False: see ``brickwork.sparse_coo_tensor`` for sparse ones)."""
        return False

    @property
    def layout(self) -> Any:
        """The memory layout: always ``brickwork.strided`` (dense)."""
        from ._layouts import strided

        return strided

    @property
    def is_meta(self) -> bool:
        """Whether the tensor is a shape-only "meta" tensor (never: brickwork tensors hold data)."""
        return False

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for leaves and single-output ops)."""
        return self._out_idx

    def get_device(self) -> int:
        """The CUDA device index, or -1 for a tensor on a CPU device, as in PyTorch.

        Example:
            >>> import brickwork as torch
            >>> torch.ones(1).get_device()
            -1
        """
        return -1 if self._device.type == "cpu" else int(self._device.index or 0)

    def is_pinned(self) -> bool:
        """Whether the memory is page-locked for fast GPU copies (never: brickwork does not pin memory)."""
        return False

    def pin_memory(self, device: Any = None) -> "Tensor":
        """A copy in page-locked memory; without a GPU an error, as in PyTorch.

        With a GPU the copy is ordinary memory: brickwork does not page-lock it.

        Example:
            >>> import brickwork as torch
            >>> torch.ones(1).is_pinned()
            False
        """
        from . import cuda

        if not cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        return self.clone()

    def is_inference(self) -> bool:
        """Whether the tensor is a PyTorch "inference tensor" (never in brickwork).

        brickwork does not mark tensors made in ``inference_mode``; they behave as tensors made under ``no_grad``.
        """
        return False

    def is_distributed(self) -> bool:
        """A legacy PyTorch query; always False."""
        return False

    def is_signed(self) -> bool:
        """Whether the dtype is signed (every floating and signed integer dtype).

        Example:
            >>> import brickwork as torch
            >>> torch.ones(1).is_signed(), torch.ones(1, dtype=torch.uint8).is_signed()
            (True, False)
        """
        return bool(self.dtype.is_signed)

    def is_same_size(self, other: "Tensor") -> bool:
        """Whether ``other`` has the same shape."""
        return tuple(self._data.shape) == tuple(other._data.shape)

    def is_nonzero(self) -> bool:
        """The truth value of a one-element tensor (an error for any other number of elements).

        Example:
            >>> import brickwork as torch
            >>> torch.tensor([1.5]).is_nonzero()
            True
        """
        n = self._data.size
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if n == 0 else 'more than one value'} "
                               "is ambiguous")
        return bool(self._data.reshape(()))

    def dim_order(self, *, ambiguity_check: bool = False) -> tuple[int, ...]:
        """The dimensions from outermost to innermost in memory (by decreasing stride).

        Example:
            >>> import brickwork as torch
            >>> torch.ones(2, 3).t().dim_order()
            (1, 0)
        """
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return tuple(sorted(range(len(st)), key=lambda k: -st[k]))  # stable: ties keep dimension order

    def is_set_to(self, tensor: "Tensor") -> bool:
        """Whether both tensors view the same memory with the same shape and strides."""
        return (self.data_ptr() == tensor.data_ptr() and tuple(self._data.shape) == tuple(tensor._data.shape)
                and self.stride() == tensor.stride() and self._device == tensor._device)

    def const_data_ptr(self) -> int:
        """Address of the first element (as `data_ptr`)."""
        return self.data_ptr()

    def as_subclass(self, cls: type) -> "Tensor":
        """This tensor's data and history as an instance of ``cls``, a subclass of `Tensor`.

        Example:
            >>> import brickwork as torch
            >>> class Tagged(torch.Tensor): pass
            >>> type(torch.ones(1).as_subclass(Tagged)).__name__
            'Tagged'
        """
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass: cls must be a subclass of Tensor, got {cls!r}")
        t = _new(cls)
        t._data, t._device, t._requires_grad, t.grad_fn = self._data, self._device, self._requires_grad, self.grad_fn
        t._version_counter = self._version_counter
        if self._out_idx:
            t._out_idx = self._out_idx
        return t

    def __reversed__(self) -> "Tensor":
        """``reversed(x)``: the tensor flipped along its first dimension, as in PyTorch (a 0-d tensor is itself).

        Example:
            >>> import brickwork as torch
            >>> reversed(torch.tensor([1, 2, 3]))
            tensor([3, 2, 1])
        """
        return self if self._data.ndim == 0 else self.flip(0)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating type.

        Example:
            >>> import brickwork as torch
            >>> torch.ones(1).is_floating_point()
            True
        """
        return self._data.dtype.kind == "f" or self.dtype is _dt.bfloat16

    def element_size(self) -> int:
        """Bytes per element."""
        return int(self._data.itemsize)

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return int(self._data.itemsize)

    @property
    def nbytes(self) -> int:
        """Bytes taken by the elements."""
        return int(self._data.nbytes)

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        """Strides in elements, like PyTorch's (NumPy's byte strides divided by the item size).

        Example:
            >>> import brickwork as torch
            >>> torch.zeros(2, 3).stride()
            (3, 1)
        """
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim, "stride")]

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """Whether the elements are laid out in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        """Address of the first element (for checking whether two tensors share memory)."""
        return self._device.backend.data_ptr(self._data)

    def untyped_storage(self) -> "_Storage":
        """A handle on the underlying buffer; ``data_ptr()`` on it identifies shared storage."""
        return _Storage(self)

    # -- autograd attributes ------------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records ops on this tensor; settable on leaves only."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place on a leaf; returns ``self``.

        Example:
            >>> import brickwork as torch
            >>> torch.zeros(2).requires_grad_().requires_grad
            True
        """
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False): this tensor is not a leaf (it was computed by "
                f"{self.grad_fn.name()}); use .detach() to get a tensor that does not require grad")
        if requires_grad and not self.is_floating_point():
            if self._data.dtype.kind == "c":
                raise RuntimeError(f"requires_grad_: a complex tensor cannot be a leaf that requires grad in "
                                   f"brickwork (got dtype {self.dtype}); keep the leaf real, as a (real, imag) "
                                   "pair combined with torch.complex, whose gradients flow")
            raise RuntimeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}; "
                               "convert first, e.g. x.float().requires_grad_()")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self) -> "Tensor | None":
        """The accumulated gradient of a leaf (or of a non-leaf after ``retain_grad()``)."""
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad must be a Tensor or None, got {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"assigned grad has shape {tuple(value.shape)} but the tensor has shape "
                                   f"{tuple(self.shape)}; they must match")
            if value._device is not self._device:
                raise RuntimeError(f"assigned grad is on {value._device} but the tensor is on {self._device}")
            allowed = self.__dict__.get("_grad_dtype", self.dtype)
            if allowed is not None and value.dtype != allowed:
                raise RuntimeError(f"assigned grad has dtype {value.dtype} but the tensor has grad_dtype {allowed} "
                                   f"(by default its dtype); convert it first, e.g. x.grad = g.to({allowed}), or set "
                                   "x.grad_dtype (None allows any dtype)")
        self._grad = value

    @property
    def grad_dtype(self) -> "_dt.dtype | None":
        """The dtype the autograd engine casts this leaf's incoming gradients to (by default its own dtype).

        None leaves gradients as they come and lets ``.grad`` be assigned any dtype.

        Example:
            >>> import brickwork as torch
            >>> x = torch.ones(2, requires_grad=True); x.grad_dtype = torch.float64
            >>> (x * 2).sum().backward(); x.grad.dtype
            brickwork.float64
        """
        if self.grad_fn is not None:
            raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
        return self.__dict__.get("_grad_dtype", self.dtype)

    @grad_dtype.setter
    def grad_dtype(self, value: "_dt.dtype | None") -> None:
        if self.grad_fn is not None:
            raise RuntimeError("grad_dtype can only be set on leaf tensors.")
        if value is not None and not isinstance(value, _dt.dtype):
            raise RuntimeError(f"grad_dtype must be a torch.dtype or None, but got {type(value).__name__}")
        self.__dict__["_grad_dtype"] = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (including all that do not require grad)."""
        return self.grad_fn is None

    @property
    def data(self) -> "Tensor":
        """A tensor sharing this one's memory without autograd history; assignable."""
        t = _make(self._data, self._device)
        t._version_counter = self._version_counter
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be set to a Tensor, got {type(value).__name__}")
        self._data, self._device = value._data, value._device

    @property
    def _version(self) -> int:
        """How many times the memory has been modified in place."""
        return self._version_counter[0]

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward.

        Example:
            >>> import brickwork as torch
            >>> x = torch.ones(2, requires_grad=True); y = x * 3; y.retain_grad()
            >>> y.sum().backward(); y.grad
            tensor([1., 1.])
        """
        if not self._requires_grad:
            raise RuntimeError("retain_grad() called on a tensor that does not require grad")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref

        ref = weakref.ref(self)

        def keep(g: Tensor) -> None:
            t = ref()
            if t is not None:
                # a copy: g itself flows on and may become another tensor's .grad (PyTorch clones too)
                t._grad = _make(g._data.copy(), g._device) if t._grad is None else (t._grad + g).detach()

        keep._retains_grad = True  # type: ignore[attr-defined]  # run after the user's hooks
        self.__dict__["_retain_handle"] = self.grad_fn._add_hook(self._out_idx, keep)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf."""
        return self._retains_grad

    def register_post_accumulate_grad_hook(self, hook: Callable[["Tensor"], None]) -> "_RemovableHandle":
        """Call ``hook(tensor)`` after backward has accumulated this leaf's ``.grad`` (as PyTorch does).

        The hook sees the leaf, not the gradient, and returns None; it runs as soon as the leaf's gradient
        is complete, while the rest of backward may still be running (``DistributedDataParallel`` starts
        reducing gradients from it).

        Example:
            >>> import brickwork as torch
            >>> w = torch.ones(2, requires_grad=True); seen = []
            >>> h = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
            >>> (w * 3).sum().backward(); seen
            [[3.0, 3.0]]
        """
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors; register "
                               "the hook on the leaf (e.g. the parameter) instead")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = self.__dict__.setdefault("_post_accumulate_hooks", [])
        hooks.append(hook)
        LEAF_HOOKS[0] = True
        return _RemovableHandle(hooks, hook)

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> "_RemovableHandle":
        """Run ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces the grad.

        Example:
            >>> import brickwork as torch
            >>> x = torch.ones(2, requires_grad=True)
            >>> h = x.register_hook(lambda g: g * 10)
            >>> (x * 2).sum().backward(); x.grad
            tensor([20., 20.])
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self.grad_fn is not None:
            return self.grad_fn._add_hook(self._out_idx, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        LEAF_HOOKS[0] = True
        return _RemovableHandle(self._hooks, hook)

    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Args:
            gradient: the gradient of some scalar with respect to ``self``; needed unless ``self`` has one
                element.
            retain_graph: keep the graph so backward can run through it again (default: ``create_graph``).
            create_graph: record the backward pass too, for higher derivatives.
            inputs: accumulate only into these tensors.

        Example:
            >>> import brickwork as torch
            >>> x = torch.tensor(3.0, requires_grad=True)
            >>> (x ** 2).backward(); x.grad
            tensor(6.)
        """
        backward = _ENGINE_BACKWARD[0]
        if backward is None:  # autograd is an upper layer: imported on first use, then kept
            from .autograd.engine import backward

            _ENGINE_BACKWARD[0] = backward
        if gradient is None and self._data.dtype.kind == "c":
            raise RuntimeError("backward: grad can be implicitly created only for real scalar outputs, got a complex "
                               "tensor; take a real part first (e.g. z.abs().sum() or z.real.sum())")
        backward([self], None if gradient is None else [gradient], retain_graph, create_graph, inputs)

    def detach(self) -> "Tensor":
        """A tensor sharing memory with this one but cut from the graph.

        Example:
            >>> import brickwork as torch
            >>> torch.ones(2, requires_grad=True).detach().requires_grad
            False
        """
        t = _make(self._data, self._device)
        t._version_counter = self._version_counter
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place, making it a leaf that does not require grad.

        Example:
            >>> import brickwork as torch
            >>> y = torch.ones(2, requires_grad=True) * 2; y.detach_().requires_grad
            False
        """
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("detach_(): can't detach views in-place (this tensor is a view of a tensor that "
                               "requires grad); use y = y.detach() instead")
        if self.grad_fn is not None:  # nodes recorded before keep their edges to the old history
            if self._retains_grad:
                self.__dict__.pop("_retain_handle").remove()
                self._retains_grad = False
            self.grad_fn = None
            self.__dict__.pop("_out_idx", None)
        self._requires_grad = False
        return self

    # -- conversion ----------------------------------------------------------------------------------

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        Example:
            >>> import brickwork as torch
            >>> torch.tensor([2.5]).item()
            2.5
        """
        if self._data.size != 1:
            raise RuntimeError(f"item(): a Tensor with {self._data.size} elements cannot be converted to a "
                               f"Python number (shape {tuple(self.shape)}); index one element or use tolist()")
        return self._host().reshape(-1)[0].item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists.

        Example:
            >>> import brickwork as torch
            >>> torch.arange(3).tolist()
            [0, 1, 2]
        """
        h = self._host()
        if self.dtype is _dt.bfloat16:
            h = h.astype(np.float32)
        return h.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array sharing memory (CPU tensors that do not require grad only).

        Example:
            >>> import brickwork as torch
            >>> torch.ones(2).numpy()
            array([1., 1.], dtype=float32)
        """
        if self._requires_grad and not force:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; use "
                               "tensor.detach().numpy() instead")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(f"numpy(): the tensor is on {self._device}; copy it to host memory first "
                                "with tensor.cpu().numpy()")
            return self._device.backend.to_host(self._data)
        return self._data

    def __dlpack__(self, *, stream: Any = -1, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """A DLPack capsule sharing this tensor's memory, for ``np.from_dlpack``, ``torch.from_dlpack``, CuPy...

        Refused (``BufferError``, saying what to do) for tensors that require grad, bfloat16, negative strides
        and read-only memory.

        Example:
            >>> import numpy as np, brickwork as torch
            >>> t = torch.zeros(2); a = np.from_dlpack(t); a[0] = 3; t
            tensor([3., 0.])
        """
        from ._dlpack import dlpack

        return dlpack(self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """The DLPack device of the memory: ``(1, 0)`` for the CPU, ``(2, index)`` for a CUDA device.

        Example:
            >>> import brickwork as torch
            >>> torch.zeros(1).__dlpack_device__()
            (1, 0)
        """
        if self._device.type == "cpu":
            return (1, 0)
        return tuple(int(v) for v in self._data.__dlpack_device__())  # type: ignore[return-value]

    def _host(self) -> np.ndarray:
        return self._device.backend.to_host(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if self._requires_grad:
            raise RuntimeError("can't convert a tensor that requires grad to a NumPy array; use "
                               "np.asarray(tensor.detach()) instead")
        a = self._host()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} elements is ambiguous; use "
                               ".any() or .all()")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    __hash__ = object.__hash__  # by identity: ``==`` is elementwise

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __repr__(self) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self)

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple:
        # pickling (deepcopy, multiprocessing) keeps data, dtype, device and requires_grad
        d = {k: v for k, v in self.__dict__.items() if k not in _AUTOGRAD_STATE}
        return (_rebuild, (type(self), self._host().copy(), str(self._device), self._requires_grad, d or None))

    def __deepcopy__(self, memo: dict) -> "Tensor":
        if self.grad_fn is not None:
            raise RuntimeError("only leaf tensors (created by the user, not by an op) support deepcopy; "
                               "call .detach() first")
        cls = type(self)
        t = _make(self._data.copy(), self._device, self._requires_grad, cls=cls)
        memo[id(self)] = t
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        import copy

        for k, v in self.__dict__.items():
            if k not in _AUTOGRAD_STATE:
                t.__dict__[k] = copy.deepcopy(v, memo)
        return t

    def __getstate__(self) -> Any:
        raise TypeError("tensors pickle through __reduce_ex__")


# per-instance autograd and view bookkeeping: never pickled or deep-copied (a copy is a fresh leaf)
_AUTOGRAD_STATE = frozenset({"_grad", "_base", "_hooks", "_out_idx", "_retains_grad", "_retain_handle", "_post_accumulate_hooks",
                             "_views"})


def _rebuild(cls: type, array: np.ndarray, dev: str, rg: bool, d: dict | None) -> Tensor:
    device = _device_cls(dev)
    data = array if device.type == "cpu" else device.backend.from_host(array, device.index)
    t = _make(data, device, rg, cls=cls)
    if d:
        t.__dict__.update(d)
    return t


# Set once a hook is registered on a leaf (a tensor hook or a post-accumulate-grad hook) and never cleared: from
# then on, backward counts every leaf's uses and delivers each leaf's gradient as soon as it is complete, where
# the hooks can see it (autograd/engine.py); without leaf hooks, nothing can tell when it is delivered.
LEAF_HOOKS = [False]
_ENGINE_BACKWARD: list = [None]  # autograd.engine.backward, once Tensor.backward has imported it


def _make(data: Any, device: Any = CPU, rg: bool = False, grad_fn: Any = None, cls: type = Tensor) -> Tensor:
    """Wrap an array as a tensor without copying or checks (the hot path of every op)."""
    if data.__class__ is not np.ndarray and isinstance(data, np.generic):  # NumPy ufuncs give scalars for 0-d inputs; a tensor holds a writable array
        data = np.asarray(data)
    t: Tensor = _new(cls)
    t._data = data
    t._device = device
    t._requires_grad = rg
    t.grad_fn = grad_fn
    t._version_counter = [0]
    return t


def _wrap_dim(dim: int, ndim: int, where: str) -> int:
    """A dimension index made non-negative, with PyTorch's range error."""
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"{where}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


class Size(tuple):
    """A tensor shape: a tuple of ints, printed like ``torch.Size``.

    Example:
        >>> Size([2, 3]).numel()
        6
    """

    def __repr__(self) -> str:
        return f"brickwork.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements a tensor of this shape has."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i: Any) -> Any:
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other: Any) -> "Size":
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other: Any) -> "Size":
        return Size(tuple(other) + tuple(self))


class _Storage:
    """A minimal view of a tensor's underlying buffer (identity and size only)."""

    def __init__(self, t: Tensor) -> None:
        base = t._data
        while getattr(base, "base", None) is not None:
            base = base.base
        self._base, self._backend = base, t._device.backend

    def data_ptr(self) -> int:
        """Address of the buffer's start."""
        return self._backend.data_ptr(self._base)

    def nbytes(self) -> int:
        """Size of the buffer in bytes."""
        return int(self._base.nbytes)

    def size(self) -> int:
        """Size of the buffer in bytes."""
        return int(self._base.nbytes)


class _RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook: object) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Unregister the hook (a no-op if already removed)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
