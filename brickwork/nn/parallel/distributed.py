"""``DistributedDataParallel``: one process per replica, gradients averaged over the processes in buckets.

Each rank runs its own copy of the model on its own part of the data. At construction rank 0's parameters and
buffers are copied to every rank; during backward, as each parameter's gradient is accumulated (a
post-accumulate-grad hook), it is copied into a bucket, and a full bucket starts an asynchronous all-reduce while
backward is still computing the rest. When backward ends (a callback queued in the engine), the buckets are
waited for and every ``.grad`` holds the average over the ranks, so ``optimizer.step()`` takes the same step on all.
A communication hook (`DistributedDataParallel.register_comm_hook`) replaces the all-reduce of each bucket.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Sequence

from ... import distributed as dist
from ...distributed._grad_bucket import GradBucket
from ..._tensor import Tensor
from ... import autograd
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...dtypes import int32
from ...ops.creation import zeros
from ...ops.movement import cat
from ..module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's first bucket is small so communication starts early


class _Reduced:
    """The work of a bucket reduced synchronously: nothing to wait for."""

    def wait(self) -> None:
        """Already done."""


_DONE = _Reduced()


class _Bucket:
    """Parameters whose gradients are reduced together, in one flat tensor of one dtype."""

    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        self.flat = zeros(sum(p.numel() for p in params), dtype=params[0].dtype, device=params[0].device)
        self.views: list[Tensor] = []
        k = 0
        for p in params:
            self.views.append(self.flat[k:k + p.numel()].view(p.shape))
            k += p.numel()
        self.pending = len(params)
        self.work: Any = None


class DistributedDataParallel(Module):
    """Data parallelism over processes, like ``torch.nn.parallel.DistributedDataParallel``.

    Call `brickwork.distributed.init_process_group` first, give each rank its own shard of the data
    (`brickwork.utils.data.distributed.DistributedSampler`), and train the wrapper as the module itself.
    Like PyTorch, the wrapper is a module holding the model as ``.module``, so its ``state_dict()`` keys start
    with ``module.``; save ``ddp.module.state_dict()`` on rank 0 to get the model's own keys.

    Args:
        module: the model; every rank must build the same architecture.
        device_ids: accepted for PyTorch's signature (one device per process: the module's own).
        output_device: accepted for PyTorch's signature.
        dim: accepted for PyTorch's signature (the batch is split by the data loader, not here).
        broadcast_buffers: copy rank 0's buffers (BatchNorm statistics) to every rank before each forward.
        init_sync: copy rank 0's parameters and buffers to every rank at construction (default ``True``).
        process_group: the group to average over (default: the whole job).
        bucket_cap_mb: bucket size in MiB (default 25, and then the first bucket is 1 MiB, as in PyTorch).
        find_unused_parameters: find, after each forward, the parameters the output does not depend on and
            reduce zeros for them, so backward can finish; a parameter unused on every rank keeps its ``.grad``.
        check_reduction: accepted and ignored, as in recent PyTorch.
        gradient_as_bucket_view: make each ``.grad`` a view into its bucket (saves a copy and memory).
        static_graph: accepted for PyTorch's signature.

    Shape:
        - Input and output: the module's.

    Example:
        >>> import brickwork as torch, brickwork.distributed as dist
        >>> from brickwork.nn.parallel import DistributedDataParallel as DDP
        >>> dist.init_process_group("gloo")
        >>> net = DDP(torch.nn.Linear(3, 1)); net(torch.ones(2, 3)).sum().backward()
        >>> net.module.bias.grad, list(net.state_dict())
        (tensor([2.]), ['module.weight', 'module.bias'])
        >>> dist.destroy_process_group()
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group: Any = None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False) -> None:
        super().__init__()
        if not dist.is_initialized():
            raise ValueError("DistributedDataParallel: the default process group has not been initialized; call "
                             "brickwork.distributed.init_process_group() first")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.process_group: Any = process_group if process_group is not None else dist.group.WORLD
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self._first_bucket_bytes = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self._world = dist.get_world_size(self.process_group)
        named = list(module.named_parameters())
        self._params: list[Tensor] = [p for _, p in named if p.requires_grad]
        self._names = {id(p): n for n, p in named}
        if not self._params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        if self._world > 1:
            self._check_same_model(named)
            if init_sync:
                self._broadcast([p for _, p in named] + [b for b in module.buffers()])
        self._buckets = self._make_buckets(self._params)
        self._where = {id(p): (i, j) for i, b in enumerate(self._buckets) for j, p in enumerate(b.params)}
        self._active = False  # this iteration's backward reduces gradients
        self._queued = False
        self._next = 0  # the next bucket to launch: buckets start in order, the same on every rank
        self._used: set[int] | None = None  # with find_unused_parameters: ids of the parameters the output uses
        self._unfinished: list[str] = []
        self._marked: set[int] = set()
        self._comm_hook: tuple[Any, Any] | None = None  # (state, hook)
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in self._params]

    # -- construction ---------------------------------------------------------------------------

    def _check_same_model(self, named: list) -> None:
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in named]
        every: list[Any] = [None] * self._world
        dist.all_gather_object(every, mine, group=self.process_group)
        for r, theirs in enumerate(every):
            if theirs != mine:
                diff = next((f"{a} vs {b}" for a, b in zip(mine, theirs) if a != b),
                            f"{len(mine)} vs {len(theirs)} parameters")
                raise RuntimeError(f"DistributedDataParallel: rank {r}'s model differs from this rank's ({diff}); "
                                   "every rank must build the same model")

    def _broadcast(self, tensors: list[Tensor]) -> None:
        """Copy rank 0's values of ``tensors`` to every rank, one broadcast per dtype."""
        src = dist.get_global_rank(self.process_group, 0)
        by_dtype: dict[Any, list[Tensor]] = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        with no_grad():
            for group in by_dtype.values():
                flat = cat([t.detach().reshape(-1) for t in group])
                dist.broadcast(flat, src=src, group=self.process_group)
                k = 0
                for t in group:
                    t.copy_(flat[k:k + t.numel()].view(t.shape))
                    k += t.numel()

    def _make_buckets(self, params: Sequence[Tensor]) -> list[_Bucket]:
        """Buckets in reverse parameter order (roughly the order backward produces gradients), one dtype each."""
        buckets: list[_Bucket] = []
        open_: dict[Any, tuple[list[Tensor], int]] = {}
        for p in reversed(params):
            key = (p.dtype, p.device)
            members, size = open_.get(key, ([], 0))
            members.append(p)
            size += p.numel() * p.element_size()
            cap = self._first_bucket_bytes if not buckets else self.bucket_bytes_cap
            if size >= cap:
                buckets.append(_Bucket(members))
                members, size = [], 0
            open_[key] = (members, size)
        buckets.extend(_Bucket(m) for m, _ in open_.values() if m)
        return buckets

    def register_comm_hook(self, state: object, hook: Callable[[Any, GradBucket], Any]) -> None:
        """Reduce each bucket with ``hook(state, bucket)`` instead of the built-in all-reduce, as in PyTorch.

        The hook gets a `brickwork.distributed.GradBucket` and returns a `brickwork.futures.Future` whose value
        is the bucket's flat tensor of averaged gradients (it must do the averaging itself). Hooks of
        `brickwork.distributed.algorithms.ddp_comm_hooks.default_hooks` average by all-reduce, optionally
        compressed to float16 or bfloat16; their ``state`` is the process group (``None``: the default one).
        Register once, before the first backward; with a hook the buckets are reduced in a world of one too.

        Example:
            >>> import brickwork as torch, brickwork.distributed as dist
            >>> from brickwork.nn.parallel import DistributedDataParallel as DDP
            >>> dist.init_process_group("gloo"); net = DDP(torch.nn.Linear(2, 1))
            >>> def halve(state, bucket):
            ...     fut = torch.futures.Future(); fut.set_result(bucket.buffer() / 2); return fut
            >>> net.register_comm_hook(None, halve)
            >>> net(torch.ones(3, 2)).sum().backward(); net.module.bias.grad
            tensor([1.5000])
            >>> dist.destroy_process_group()
        """
        if not callable(hook):
            raise TypeError("Communication hook must be callable.")
        if self._comm_hook is not None:
            raise RuntimeError("register_comm_hook or register_builtin_comm_hook can only be called once.")
        self._comm_hook = (state, hook)

    # -- forward ------------------------------------------------------------------------------

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._unfinished:
            missing, self._unfinished = self._unfinished, []
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss: "
                f"{', '.join(missing)}. Pass find_unused_parameters=True to DistributedDataParallel, or make sure "
                "all forward outputs take part in the loss.")
        self._active = (self._world > 1 or self._comm_hook is not None) and is_grad_enabled() and \
            self.require_backward_grad_sync
        if self._active:
            self._queued = False
            self._next = 0
            self._marked = set()
            for b in self._buckets:
                b.pending, b.work = len(b.params), None
        if self._world > 1 and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast(buffers)
        out = self.module(*inputs, **kwargs)
        if self._active and self.find_unused_parameters:
            self._used = _leaves_reached(out)
        return out

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, backward accumulates gradients locally; the first backward after it averages the total.

        Example:
            >>> import brickwork as torch, brickwork.distributed as dist
            >>> from brickwork.nn.parallel import DistributedDataParallel as DDP
            >>> dist.init_process_group("gloo"); net = DDP(torch.nn.Linear(2, 1))
            >>> with net.no_sync():
            ...     net(torch.ones(1, 2)).sum().backward()
            >>> net(torch.ones(1, 2)).sum().backward(); net.module.bias.grad
            tensor([2.])
            >>> dist.destroy_process_group()
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # -- backward -----------------------------------------------------------------------------

    def _grad_ready(self, p: Tensor) -> None:
        """A parameter's gradient is accumulated: put it in its bucket; launch the buckets that are complete."""
        if not self._active:
            return
        if not self._queued:
            self._queued = True
            autograd.queue_callback(self._finish)
            if self._used is not None:  # parameters the output does not reach count as ready, with zeros
                for q in self._params:
                    if id(q) not in self._used:
                        self._mark(q, None)
        self._mark(p, p.grad)
        self._launch()

    def _mark(self, p: Tensor, grad: Tensor | None) -> None:
        i, j = self._where[id(p)]
        b = self._buckets[i]
        if b.work is not None or b.pending == 0:
            raise RuntimeError(f"DistributedDataParallel: parameter {self._names.get(id(p), '?')} got a gradient "
                               "twice in one iteration (two backward passes through one forward); reduce the "
                               "losses into one before backward, or use no_sync() for the extra passes")
        view = b.views[j]
        with no_grad():
            if grad is None:
                view.zero_()
            elif grad is not view:
                view.copy_(grad)
        b.pending -= 1
        self._marked.add(id(p))

    def _launch(self) -> None:
        buckets = self._buckets
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            b = buckets[self._next]
            if self._comm_hook is not None:
                state, hook = self._comm_hook
                b.work = hook(state, GradBucket(self._next, b.flat, b.params, b.views,
                                                self._next == len(buckets) - 1))
                if not hasattr(b.work, "wait") or not hasattr(b.work, "then"):
                    raise TypeError(f"DistributedDataParallel: the communication hook returned "
                                    f"{type(b.work).__name__}; it must return a brickwork.futures.Future whose "
                                    "value is the bucket's averaged flat tensor")
            else:
                # asynchronous while gradients are still to come: the MPI engine runs it on its communication
                # thread as backward goes on. The last bucket has nothing left to overlap with, so it is reduced
                # here and now, without handing it to that thread and back (two thread wake-ups and GIL handovers,
                # milliseconds on a busy machine, for the bucket a small model puts all its gradients in)
                last = self._next == len(buckets) - 1
                b.work = dist.all_reduce(b.flat, group=self.process_group, async_op=not last) or _DONE
            self._next += 1

    def _finish(self) -> None:
        """End of backward: wait for the reductions and write the averages into the gradients."""
        self._active = False
        used_anywhere = None
        if self._used is not None:
            flags = zeros(len(self._params), dtype=int32)
            for k, p in enumerate(self._params):
                if id(p) in self._used:
                    flags[k] = 1
            dist.all_reduce(flags, op=dist.ReduceOp.MAX, group=self.process_group)
            used_anywhere = {id(p) for k, p in enumerate(self._params) if flags[k].item()}
            self._used = None
        missing = [self._names.get(id(p), "?") for b in self._buckets[self._next:] for p in b.params
                   if id(p) not in self._marked]
        for b in self._buckets[:self._next]:
            reduced = b.work.wait()
            with no_grad():
                if self._comm_hook is None:
                    b.flat.div_(self._world)
                elif reduced is not b.flat:
                    if not isinstance(reduced, Tensor) or tuple(reduced.shape) != tuple(b.flat.shape):
                        raise TypeError("DistributedDataParallel: the communication hook's future holds "
                                        f"{type(reduced).__name__}, expected the bucket's flat tensor of shape "
                                        f"{tuple(b.flat.shape)}")
                    b.flat.copy_(reduced)
                for q, view in zip(b.params, b.views):
                    if used_anywhere is not None and id(q) not in used_anywhere:
                        continue  # unused on every rank: its .grad is left as it was
                    if self.gradient_as_bucket_view:
                        if q.grad is not view:
                            q.grad = view
                    elif q.grad is None:
                        q.grad = view.clone()
                    else:
                        q.grad.copy_(view)
        if self._next < len(self._buckets):
            self._unfinished = missing or ["?"]


def _leaves_reached(out: Any) -> set[int]:
    """The ids of the leaf tensors the autograd graph of ``out`` (tensors in any nesting) leads to."""
    roots: list[Any] = []

    def collect(o: Any) -> None:
        if isinstance(o, Tensor):
            if o.grad_fn is not None:
                roots.append(o.grad_fn)
        elif isinstance(o, (list, tuple)):
            for x in o:
                collect(x)
        elif isinstance(o, dict):
            for x in o.values():
                collect(x)

    collect(out)
    seen: set[int] = set()
    leaves: set[int] = set()
    stack = roots
    while stack:
        fn = stack.pop()
        var = getattr(fn, "variable", None)
        if var is not None:  # a leaf's AccumulateGrad (made afresh on each visit: its id may be reused)
            leaves.add(id(var))
            continue
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        for nxt, _ in getattr(fn, "next_functions", ()):
            if nxt is not None:
                stack.append(nxt)
    return leaves
