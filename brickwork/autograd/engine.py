"""The backward engine: graph nodes, the topological walk, and ``autograd.grad``.

Every recorded op creates one `Node` holding its backward function, its inputs and the tensors it
saved. Backward functions are written with tensor ops, so running them with recording on
(``create_graph=True``) builds the graph of the gradient and higher derivatives come for free.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

import numpy as np

from .._tensor import LEAF_HOOKS as _LEAF_HOOKS, Tensor, _make, _RemovableHandle
from .anomaly_mode import STATE as _ANOMALY, check_gradients
from .grad_mode import STATE

__all__ = ["Node", "BinaryNode", "UnaryNode", "edge", "array_backward", "ARRAY_BACKWARD", "backward", "grad",
           "queue_callback"]

_FREED: Any = "freed"  # sentinel (compared by identity) for freed saved tensors and outputs


class Node:
    """One recorded op: the ``grad_fn`` of its outputs.

    A node holds what its backward needs and nothing more: its backward function, an *edge* per input
    captured when it was recorded (the producing node and output index, the leaf tensor itself, or None where
    no gradient flows), the tensors it saved (freed by backward) and the named attributes its op gave it
    (``record(out, name, backward, inputs, saved=(a,), dim=1)`` makes ``node.dim``). It never holds its input
    tensors, so a graph whose backward has run keeps no activation alive; and because edges are captured at
    record time, a later in-place change of an input does not redirect gradients recorded before it.

    ``backward(node, *grads)`` returns one gradient (or None) per input. ``_dev`` is the device of the node's
    outputs (where their gradients live), written by whoever makes the node.

    Example:
        >>> import brickwork as torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> y = (x * 2).sum(); y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()
        ('SumBackward0', 'MulBackward0')
    """

    __slots__ = ("_name", "_backward", "edges", "_saved", "_versions", "_uses", "_dev", "__dict__", "__weakref__")
    # rarely changed, so class defaults rather than per-node writes on the hot path
    _out: Any = None
    n_out = 1
    _hooks: list | None = None

    if TYPE_CHECKING:  # the named attributes that record() gives a node (node.dim, node.shape...)
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self, name: str, backward: Callable, inputs: tuple, saved: tuple = (), n_out: int = 1) -> None:
        self._name = name
        self._backward = backward
        self._uses = 0
        self._dev: Any = None  # (the caller writes its outputs' device)
        if len(inputs) == 1:  # one input, the commonest case, written out (see edge)
            t = inputs[0]
            if t is None or not t._requires_grad:
                self.edges: tuple = (None,)
            else:
                fn = t.grad_fn
                if fn is None:
                    self.edges = (t,)
                else:
                    fn._uses += 1
                    self.edges = (fn if t._out_idx == 0 else (fn, t._out_idx),)
        elif len(inputs) == 2:  # two, the next commonest (matmul, ops of two tensors)
            a, b = inputs
            self.edges = (None if a is None or not a._requires_grad else edge(a),
                          None if b is None or not b._requires_grad else edge(b))
        else:
            self.edges = tuple([None if t is None or not t._requires_grad else edge(t) for t in inputs])
        self._saved = saved
        n = len(saved)  # one and two saved tensors written out: a comprehension costs more than the rest here
        self._versions: tuple[int, ...]
        if n == 0:
            self._versions = ()
        elif n == 1:
            self._versions = (saved[0]._version_counter[0],)
        elif n == 2:
            self._versions = (saved[0]._version_counter[0], saved[1]._version_counter[0])
        else:
            self._versions = tuple([t._version_counter[0] for t in saved])
        if n_out != 1:
            self.n_out = n_out

    def name(self) -> str:
        """The op's name, e.g. ``'MulBackward0'``."""
        return self._name

    def __repr__(self) -> str:
        return f"<{self._name} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """``(grad_fn, output_index)`` for each input, as in PyTorch (``None`` where no grad flows)."""
        out: list[tuple[Any, int]] = []
        for e in self.edges:
            if e is None:
                out.append((None, 0))
            elif e.__class__ is tuple:
                out.append(e)
            elif isinstance(e, Node):
                out.append((e, 0))
            else:
                out.append((_AccumulateGrad(e), 0))
        return tuple(out)

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input, whether a gradient must flow to it (as ``ctx.needs_input_grad`` in PyTorch)."""
        return tuple([e is not None for e in self.edges])

    def save_output(self, out: Tensor) -> None:
        """Keep an output's data for backward without a reference cycle through ``out.grad_fn``."""
        self._out = (out._data, out._device, out._version_counter, out._version_counter[0])

    def output(self) -> Tensor:
        """The saved output, re-attached to this node so double backward sees it depend on the inputs."""
        data = self.output_data()
        o = self._out
        t = _make(data, o[1], True, self)
        t._version_counter = o[2]
        return t

    def output_data(self) -> Any:
        """The saved output's array, checked as `output` checks it (for first-order backward on arrays)."""
        o = self._out
        if o is None or o is _FREED:
            raise _freed_error(self)
        if o[2][0] != o[3]:
            raise _version_error(self, "its output", o[3], o[2][0])
        return o[0]

    @property
    def saved_tensors(self) -> tuple:
        """The saved tensors, after checking none was freed or modified in place since it was saved."""
        s = self._saved
        if s is _FREED:
            raise _freed_error(self)
        v = self._versions
        if len(s) == 2:  # the commonest, checked without a loop
            if s[0]._version_counter[0] == v[0] and s[1]._version_counter[0] == v[1]:
                return s
        for i, t in enumerate(s):
            if t._version_counter[0] != self._versions[i]:
                raise _version_error(self, f"saved tensor {i} (shape {tuple(t.shape)})", self._versions[i],
                                     t._version_counter[0])
        return s

    def _add_hook(self, idx: int, hook: Callable) -> _RemovableHandle:
        if self._hooks is None:
            self._hooks = []
        hooks, entry = self._hooks, (idx, hook)
        if getattr(hook, "_retains_grad", False):
            hooks.append(entry)
        else:  # PyTorch runs retain_grad's hook after every other hook, whatever the order of registration
            pos = next((i for i, (_, h) in enumerate(hooks) if getattr(h, "_retains_grad", False)), len(hooks))
            hooks.insert(pos, entry)
        return _RemovableHandle(hooks, entry)

    def register_hook(self, hook: Callable) -> _RemovableHandle:
        """Not supported on nodes; register hooks on tensors instead."""
        raise RuntimeError("register_hook on a grad_fn is not supported in brickwork; use tensor.register_hook")

    def _free(self) -> None:
        """Drop what backward needed: saved tensors, the saved output, and array-valued attributes."""
        if self._saved:
            self._saved = _FREED
            self._backward = _freed
        if self._out is not None:  # (a dictionary entry where the node saved its output)
            self._out = _FREED
            self._backward = _freed
        d = self.__dict__
        if d:
            big = []
            for k, v in d.items():  # written out without calls: this runs for most nodes of every backward
                c = v.__class__
                if c is tuple or c is list:
                    if k != "_hooks":
                        for x in v:
                            if x.__class__ not in _PLAIN and _is_array(x):
                                big.append(k)
                                break
                elif c not in _PLAIN and _is_array(v):
                    big.append(k)
            if big:
                for k in big:
                    del d[k]
                self._saved = _FREED  # its backward would need them: a second backward is an error
                self._backward = _freed


class BinaryNode(Node):
    """The node of a binary op on tensors or numbers (``a * b``, ``a + 2``), made by `record_binary`.

    ``likes`` holds, for each operand, the ``(shape, dtype)`` that `sum_to` needs (None for a number) and
    ``numbers`` each operand that is a number (None for a tensor). They are slots, not named attributes, and
    repeated values are shared: these nodes are the commonest in a graph, and every object that outlives the op
    is one more for Python's garbage collector to visit.
    """

    __slots__ = ("likes", "numbers")


class UnaryNode(Node):
    """The node of a one-input op (``x.exp()``, ``x.relu()``, ``x.reshape(4)``), made by `record_unary`: its
    named attributes are plain values, so backward frees it by dropping its saved tensor and output, without
    looking for arrays among them. Its saved output is a slot (always written: None when not saved), not a
    dictionary entry as in other nodes."""

    __slots__ = ("_out",)


def edge(t: Tensor) -> Any:
    """The edge to a tensor that requires grad, counted as one more use of its node (``node._uses``): the
    tensor itself for a leaf (its gradient is accumulated into ``t.grad``), its node for a first output, else
    ``(node, output index)``; None (no gradient) is written by the caller. The engine tells them apart by class.
    Every edge is made here or written out the same way (`record_unary`, `record_binary`)."""
    fn = t.grad_fn
    if fn is None:
        return t
    fn._uses += 1
    i = t._out_idx
    return fn if i == 0 else (fn, i)


# The array forms of backward functions (see `array_backward`), by the backward function they stand for.
ARRAY_BACKWARD: dict[Callable, Callable] = {}
_NO_ARRAYS: dict[Callable, Callable] = {}
_F = TypeVar("_F", bound=Callable[..., Any])


def array_backward(of: Callable) -> Callable[[_F], _F]:
    """Declare the decorated function the array form of the backward function ``of``.

    A first-order backward pass (``create_graph=False``, the usual one) carries bare arrays from node to node,
    not tensors: for a node whose backward has an array form, the engine calls ``form(node, grad_array)``, which
    returns one array (or None) per input, or ``NotImplemented`` for a case it leaves to ``of`` (a broadcast, a
    complex number...). Any other node gets its gradient wrapped as a tensor on its device and its results
    unwrapped. An array form saves making and freeing a tensor per gradient, which on small tensors is a good
    part of an op's cost; it is written beside its op, computes what ``of`` computes in its first-order case,
    and must not change the arrays it is given (they may be another input's gradient too).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.autograd.engine import ARRAY_BACKWARD
        >>> y = torch.ones(2, requires_grad=True) * torch.ones(2, requires_grad=True)
        >>> y.grad_fn._backward in ARRAY_BACKWARD
        True
    """
    def register(fn: _F) -> _F:
        ARRAY_BACKWARD[of] = fn
        return fn

    return register


# classes that never hold an array: most node attributes (dims, flags, shapes, dtypes) are answered without a call
_PLAIN = frozenset({int, float, bool, str, tuple, list, type(None), np.dtype,
                    *{type(np.dtype(c)) for c in "?bhilqBHILQefdgFDG"}})


def _is_array(v: Any) -> bool:
    """Whether an attribute holds a tensor or an array (freed by backward, like saved tensors)."""
    c = v.__class__
    if c is np.ndarray or c is Tensor:
        return True
    return c not in _PLAIN and (c.__name__ == "ndarray" or isinstance(v, Tensor))


class _AccumulateGrad:
    """Stands for a leaf in ``next_functions``."""

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions: tuple = ()


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"Trying to backward through the graph a second time ({node.name()} has already freed its saved "
        "tensors). Pass retain_graph=True to the first backward() or autograd.grad() call if you need to "
        "backward through the graph again.")


def _version_error(node: Node, what: str, saved: int, now: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{what} of {node.name()} is at version {now}; expected version {saved} instead. Hint: compute "
        "out of place (e.g. x = x + 1 instead of x += 1), or .clone() the tensor before modifying it.")


def _dependencies(roots: list[Node]) -> dict[Any, int]:
    """For every node reachable from ``roots``, how many recorded uses of its outputs feed it a gradient;
    for every leaf reached (the tensor is the key: tensors hash by identity), how many edges lead to it."""
    deps: dict[Any, int] = dict.fromkeys(roots, 0)
    stack = list(roots)
    get, push = deps.get, stack.append
    while stack:
        for e in stack.pop().edges:
            if e is None:
                continue
            ec = e.__class__
            if ec is tuple:
                e = e[0]
                ec = e.__class__
            c = get(e)
            if c is None:
                deps[e] = 1
                if ec is BinaryNode or ec is UnaryNode or ec is Node:
                    push(e)
            else:
                deps[e] = c + 1
    return deps


def _owned(g: Tensor) -> bool:
    d = g._data
    return getattr(d, "base", None) is None


_CALLBACKS: list[list[Callable[[], None]]] = []  # one list per backward pass in progress (they can nest)


def queue_callback(callback: Callable[[], None]) -> None:
    """Run ``callback()`` once the backward pass in progress has finished (all gradients accumulated).

    Call it from inside backward (a tensor hook, a post-accumulate-grad hook or a custom backward); this is
    how ``DistributedDataParallel`` waits for its last gradient bucket. PyTorch spells it
    ``Variable._execution_engine.queue_callback``, which brickwork provides too.

    Example:
        >>> import brickwork as torch
        >>> done = []
        >>> x = torch.ones(2, requires_grad=True)
        >>> h = x.register_hook(lambda g: torch.autograd.queue_callback(lambda: done.append(True)))
        >>> x.sum().backward(); done
        [True]
    """
    if not _CALLBACKS:
        raise RuntimeError("queue_callback: final callbacks can only be installed during the backward pass "
                           "(call it from a hook or a custom Function's backward)")
    _CALLBACKS[-1].append(callback)


def _run(roots: Sequence[Tensor], grad_roots: Sequence[Tensor], retain_graph: bool, create_graph: bool,
         capture: dict | None, accumulate: bool) -> dict:
    # Gradients waiting for a node: keyed by the node for output 0, by (node, i) for other outputs. A node's
    # output-0 gradient waits here only while other uses of it have yet to send theirs: the last use takes
    # the sum out and hands it on with the node in the ready stack (most nodes have one use, and never wait).
    grads: dict[Any, Any] = {}
    captured: dict[Any, Any] = {}
    # A first-order pass carries bare arrays between nodes (see `array_backward`); a recorded one, tensors.
    arrays = not create_graph
    assigned: set[int] = {id(g._data) for g in grad_roots}  # arrays that must be copied before becoming a .grad
    # A leaf's gradients are summed before they are delivered, so its hooks see the total (as in PyTorch).
    leaves: dict[Tensor, list] = {}
    g: Any
    for t, g in zip(roots, grad_roots):
        if arrays:
            g = g._data
        fn = t.grad_fn
        if fn is None:  # a leaf: its gradient is the root gradient itself
            e = leaves.get(t)
            if e is None:
                leaves[t] = [t, g, False]
            else:
                e[1] = _sum(e[1], g, create_graph)
            continue
        key = fn if t._out_idx == 0 else (fn, t._out_idx)
        prev = grads.get(key)
        grads[key] = g if prev is None else _sum(prev, g, create_graph)
    roots_nodes = list(dict.fromkeys(k if k.__class__ is not tuple else k[0] for k in grads))
    # Kahn's algorithm, run as we go: a node is ready once every use of its outputs has sent its gradient.
    # Each node counts its uses as they are recorded (``_uses``), so no walk of the graph comes first; a use
    # this pass cannot reach (an output also used elsewhere, a graph built on it and dropped) leaves its node
    # waiting, and when nothing else is ready the waiting part of the graph is walked once for exact counts.
    # Leaves are counted only where a process has leaf hooks (tensor hooks on leaves, post-accumulate hooks:
    # DistributedDataParallel's): then each leaf is delivered as soon as its last use has sent its share, which
    # needs the walk; otherwise the leaves' sums are delivered when the pass ends.
    exact = _LEAF_HOOKS[0]
    deps: dict[Any, int] = _dependencies(roots_nodes) if exact else {}
    ready = [(r, grads.pop(r, None)) for r in roots_nodes if (deps[r] if exact else r._uses) == 0]
    anomaly = _ANOMALY[0]
    # A node with a single use is ready as soon as that use sends its gradient: it goes to the ready stack
    # without a count in ``deps``, unless counts are exact, a root is waiting in ``grads`` for more, or anomaly
    # mode wants every count checked (an under-counted node, a bug, would otherwise run once per use: the sums
    # stay right, since backward is linear, but a node that saved tensors raises the second time).
    direct = not grads and not exact and not anomaly
    prev_mode, STATE.enabled = STATE.enabled, create_graph
    pop, push, get = grads.pop, ready.append, deps.get
    plain = capture is None and not anomaly  # (autograd.grad looks at every node's gradients)
    free = not retain_graph
    aget = (ARRAY_BACKWARD if arrays else _NO_ARRAYS).get
    _CALLBACKS.append([])
    try:
        while True:
            while ready:
                node, g0 = ready.pop()
                if g0 is not None and plain and node.n_out == 1 and node._hooks is None:
                    # (a freed node's backward is `_freed`, which raises; it has no array form)
                    ab = aget(node._backward)
                    if ab is not None:
                        in_grads = ab(node, g0)
                        if in_grads is NotImplemented:
                            in_grads = _call_arrays(node, g0)
                    elif arrays:
                        in_grads = _call_arrays(node, g0)
                    else:
                        in_grads = node._backward(node, g0)
                    if free:
                        nc = node.__class__
                        if nc is BinaryNode:  # its attributes are slots, and it never saves its output
                            if node._saved:
                                node._saved = _FREED
                                node._backward = _freed
                        elif nc is UnaryNode:
                            if node._saved:
                                node._saved = _FREED
                                node._backward = _freed
                            if node._out is not None:
                                node._out = _FREED
                                node._backward = _freed
                        else:
                            node._free()
                else:  # several outputs, hooks, autograd.grad, anomaly mode, or no gradient at all
                    in_grads = _special(node, g0, pop, capture, captured, assigned, anomaly, free, arrays)
                for e, g in zip(node.edges, in_grads):
                    if e is None:
                        continue
                    ec = e.__class__
                    if ec is BinaryNode or ec is UnaryNode or ec is Node:  # output 0 of a node
                        if direct and e._uses == 1:
                            push((e, g))
                            continue
                        c = get(e)
                        c = (e._uses if c is None else c) - 1
                        deps[e] = c
                        if c > 0:
                            if g is not None:
                                prev = grads.get(e)
                                grads[e] = g if prev is None else _sum(prev, g, create_graph)
                        elif c == 0:
                            prev = pop(e, None)
                            push((e, g if prev is None else prev if g is None else _sum(prev, g, create_graph)))
                        else:
                            raise _miscount_error(e)
                    elif ec is tuple:  # a later output of a node
                        fn, i = e
                        if not i:
                            e = fn
                        if g is not None:
                            prev = grads.get(e)
                            grads[e] = g if prev is None else _sum(prev, g, create_graph)
                        c = get(fn)
                        c = (fn._uses if c is None else c) - 1
                        deps[fn] = c
                        if c == 0:
                            push((fn, pop(fn, None)))
                        elif c < 0:
                            raise _miscount_error(fn)
                    else:  # a leaf
                        if g is not None:
                            entry = leaves.get(e)
                            if entry is None:
                                leaves[e] = [e, g, False]
                            elif entry[2]:  # an array this pass summed and nobody else has seen: add in place
                                ed = entry[1]
                                if ed.dtype is g.dtype and ed.shape == g.shape:
                                    ed += g
                                else:
                                    entry[1] = _sum(ed, g, False)
                            else:
                                entry[1] = _sum(entry[1], g, create_graph)
                                entry[2] = arrays
                        if exact:
                            c = deps[e] - 1
                            deps[e] = c
                            if c == 0:
                                entry = leaves.pop(e, None)
                                if entry is not None:
                                    _deliver_leaf(e, _make(entry[1], e._device) if arrays else entry[1], capture,
                                                  captured, accumulate, assigned, create_graph)
            if not grads:
                break
            # Nodes wait for uses this pass does not reach: count the uses within what is left, and go on
            waiting = list(dict.fromkeys(k if k.__class__ is not tuple else k[0] for k in grads))
            counts = _dependencies(waiting)
            for n, c in counts.items():
                if n.__class__ is not Tensor and not isinstance(n, Tensor):
                    deps[n] = c
            ready.extend((n, pop(n, None)) for n in waiting if counts[n] == 0)
            if not ready:
                raise RuntimeError("autograd: the graph has a cycle among " + ", ".join(n.name() for n in waiting))
        for t, g, _ in leaves.values():  # leaves delivered at the end (and roots that are leaves themselves)
            _deliver_leaf(t, _make(g, t._device) if arrays else g, capture, captured, accumulate, assigned,
                          create_graph)
        callbacks = _CALLBACKS[-1]
        i = 0
        while i < len(callbacks):  # a callback may queue another
            callbacks[i]()
            i += 1
    finally:
        _CALLBACKS.pop()
        STATE.enabled = prev_mode
    return captured


def _miscount_error(node: Node) -> RuntimeError:
    return RuntimeError(f"autograd: {node.name()} received more gradients than uses of its outputs were recorded "
                        "(an edge made without engine.edge/record?); please report this as a brickwork bug")


def _special(node: Node, g0: Any, pop: Callable, capture: Any, captured: dict, assigned: set, anomaly: bool,
             free: bool, arrays: bool) -> Any:
    """Run a node off the engine's fast path: one with several outputs (their gradients gathered from the
    waiting ones), hooks on its outputs, gradients autograd.grad captures, or anomaly mode's checks; a node no
    gradient reached gives None for each input without running. Hooks and captures see tensors: in a pass that
    carries arrays, the gradients are wrapped for them and the results unwrapped."""
    if node.n_out == 1:
        if g0 is None:
            return (None,) * len(node.edges)
        gs = [g0]
    else:
        gs = [g0] + [pop((node, i), None) for i in range(1, node.n_out)]
        if all(g is None for g in gs):
            return (None,) * len(node.edges)
    if not arrays:
        in_grads = node._backward(node, *_node_hooks(node, gs, capture, captured, assigned))
        if anomaly:
            check_gradients(node, in_grads)
    else:
        dev = node._dev
        gs = _node_hooks(node, [None if g is None else _make(g, dev) for g in gs], capture, captured, assigned)
        ab = ARRAY_BACKWARD.get(node._backward) if node.n_out == 1 else None
        in_grads = NotImplemented if ab is None else ab(node, gs[0]._data)
        if in_grads is NotImplemented:
            in_grads = _unwrap(node._backward(node, *gs))
        if anomaly:
            check_gradients(node, [None if g is None else _make(g, dev) for g in in_grads])
    if free:
        node._free()
    return in_grads


def _call_arrays(node: Node, gd: Any) -> tuple:
    """A node without an array form of its backward, in a pass that carries arrays: its gradient wrapped as a
    tensor on its device, its backward's results unwrapped."""
    return _unwrap(node._backward(node, _make(gd, node._dev)))


def _unwrap(gs: Any) -> tuple:
    return tuple([None if g is None else g._data for g in gs])


def _freed(node: Node, *grads: Any) -> Any:
    """The backward of a node whose saved tensors a backward pass has freed: running it again is an error."""
    raise _freed_error(node)


def _sum(a: Any, b: Any, create_graph: bool) -> Any:
    """Two gradients for one tensor added: arrays in a first-order pass, tensors in a recorded one (which needs
    ``a + b`` in the graph)."""
    if create_graph:
        return a + b
    r = a + b
    if r.__class__ is not np.ndarray and isinstance(r, np.generic):  # 0-d arrays add to a NumPy scalar
        r = np.asarray(r)
    return r


def _node_hooks(node: Node, gs: list, capture: Any, captured: dict, assigned: set) -> list:
    """Run tensor hooks registered on the node's outputs, and capture gradients autograd.grad asked for.

    A gradient a hook has seen may be kept by the user, so it must be copied before it becomes a ``.grad``
    (``assigned`` collects such gradients).
    """
    if node._hooks:
        for idx, hook in node._hooks:
            if gs[idx] is not None:
                assigned.add(id(gs[idx]._data))
                r = hook(gs[idx])
                if r is not None:
                    gs[idx] = r
                    assigned.add(id(r._data))
    if capture is not None:
        for i in range(node.n_out):
            key = (id(node), i)
            if key in capture and gs[i] is not None:
                captured[key] = gs[i]
    return gs


def _deliver_leaf(t: Tensor, g: Tensor, capture: Any, captured: dict, accumulate: bool, assigned: set,
                  create_graph: bool) -> None:
    gt, tt = g._data.dtype, t._data.dtype
    if gt is not tt and gt != tt and gt.kind in "fV" and tt.kind in "fV":  # a leaf's gradient has its dtype,
        g = g.to(t.dtype)  # as PyTorch's engine casts every gradient to its input's
    if t._hooks:
        for hook in t._hooks:
            assigned.add(id(g._data))
            r = hook(g)
            if r is not None:
                g = r
                assigned.add(id(g._data))
    if capture is not None and id(t) in capture:
        captured[id(t)] = g
    if accumulate:
        if "_grad_dtype" in t.__dict__:  # set by the user (Tensor.grad_dtype): cast what arrives, as PyTorch
            want = t.__dict__["_grad_dtype"]
            if want is not None and g.dtype != want:
                g = g.to(want)
        _accumulate(t, g, assigned, create_graph)
        hooks = t.__dict__.get("_post_accumulate_hooks")
        if hooks:
            for hook in list(hooks):
                hook(t)


def _accumulate(t: Tensor, g: Tensor, assigned: set, create_graph: bool) -> None:
    """Add ``g`` into ``t.grad`` the way PyTorch's AccumulateGrad does."""
    old = t._grad
    if old is None:
        if create_graph:
            g = g.clone()  # differentiable, and never shared with another leaf's .grad (as PyTorch clones)
        else:
            if id(g._data) in assigned or not _owned(g):
                g = _make(g._data.copy(), g._device)
            assigned.add(id(g._data))
            if g.grad_fn is not None or g._requires_grad:
                g = g.detach()
        t._grad = g
    elif create_graph or old._requires_grad or not getattr(old._data.flags, "writeable", True):  # CuPy has no such flag
        t._grad = old + g
    else:
        # PyTorch accumulates into the existing .grad in place, so references to it stay current
        od = old._data
        od += g._data if g._data.dtype == od.dtype else g._data.astype(od.dtype)
        old._version_counter[0] += 1


def _check_roots(outputs: Sequence[Tensor], grad_outputs: Sequence[Any] | None, where: str) -> list[Tensor]:
    gs: list[Tensor] = []
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: expected tensors as outputs, got {type(t).__name__} at position {i}")
        if not t._requires_grad:
            raise RuntimeError(
                f"{where}: element {i} of tensors does not require grad and does not have a grad_fn. "
                "Make sure an input has requires_grad=True and that the computation is not inside no_grad()")
        g = None if grad_outputs is None else grad_outputs[i]
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"{where}: grad can be implicitly created only for scalar outputs, but output {i} has "
                    f"shape {tuple(t.shape)}. Reduce it first (e.g. y.sum().backward()) or pass a gradient "
                    f"of shape {tuple(t.shape)}")
            d = t._data
            if d.__class__ is np.ndarray:  # np.array is C; np.ones_like goes through Python
                g = _make(np.array(1, dtype=d.dtype).reshape(d.shape) if d.ndim else np.array(1, dtype=d.dtype),
                          t._device)
            else:
                g = _make(t._device.xp.ones_like(d), t._device)
        elif not isinstance(g, Tensor):
            g = t.new_tensor(g)
        if g._data.shape != t._data.shape:
            raise RuntimeError(f"{where}: gradient {i} has shape {tuple(g.shape)} but output {i} has shape "
                               f"{tuple(t.shape)}; they must match")
        gk, tk = g._data.dtype, t._data.dtype
        if gk != tk:
            if gk.kind == "c" or tk.kind == "c":
                raise RuntimeError(
                    f"{where}: for complex tensors, both grad_output and output are required to have the same "
                    f"dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {g.dtype} and output[{i}] has a "
                    f"dtype of {t.dtype}; convert the gradient with .to({t.dtype})")
            if tk.kind in "fV":  # PyTorch casts it to the output's dtype
                g = g.to(t.dtype)
        gs.append(g)
    return gs


def backward(tensors: Sequence[Tensor] | Tensor, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the leaves they depend on.

    Example:
        >>> import brickwork as torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> torch.autograd.backward([(x * 3).sum()]); x.grad
        tensor([3., 3.])
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    roots = list(tensors)
    grad_roots = _check_roots(roots, grad_tensors, "backward()")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        if isinstance(inputs, Tensor):
            inputs = [inputs]
        inputs = list(inputs)
        got = grad(roots, inputs, grad_roots, retain_graph=retain_graph, create_graph=create_graph,
                   allow_unused=True)
        assigned = {id(g._data) for g in got if g is not None}  # results may be shared: copied before kept
        for t, g in zip(inputs, got):
            if g is not None:
                _accumulate(t, g, assigned, create_graph)
        return
    _run(roots, grad_roots, retain_graph, create_graph, None, True)


def grad(outputs: Sequence[Tensor] | Tensor, inputs: Sequence[Tensor] | Tensor, grad_outputs: Any = None,
         retain_graph: bool | None = None, create_graph: bool = False, only_inputs: bool = True,
         allow_unused: bool | None = None, is_grads_batched: bool = False,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    With ``create_graph=True`` the result is itself differentiable, so second derivatives work.
    ``only_inputs`` is deprecated and ignored, as in PyTorch. With ``is_grads_batched=True`` the first dimension
    of every ``grad_outputs`` entry is a batch of vectors, one backward pass each (a loop here, where PyTorch
    uses vmap), and each result gains that dimension in front.

    Example:
        >>> import brickwork as torch
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> (g,) = torch.autograd.grad(x ** 3, x, create_graph=True)
        >>> g, torch.autograd.grad(g, x)[0]
        (tensor(12., grad_fn=<MulBackward0>), tensor(12.))
    """
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.", FutureWarning,
                      stacklevel=2)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, create_graph, allow_unused, materialize_grads)
    if isinstance(outputs, Tensor):
        outputs = [outputs]
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("autograd.grad(): the `inputs` argument cannot be empty; pass the tensors to "
                           "differentiate with respect to")
    if isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    outputs = list(outputs)
    grad_roots = _check_roots(outputs, grad_outputs, "autograd.grad()")
    if retain_graph is None:
        retain_graph = create_graph
    keys: list[Any] = []
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad(): inputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t._requires_grad:
            raise RuntimeError(f"autograd.grad(): inputs[{i}] does not require grad; set requires_grad=True "
                               "on it before computing the outputs")
        keys.append(id(t) if t.grad_fn is None else (id(t.grad_fn), t._out_idx))
    captured = _run(outputs, grad_roots, retain_graph, create_graph, dict.fromkeys(keys), False)
    result: list[Tensor | None] = []
    for i, (t, k) in enumerate(zip(inputs, keys)):
        g = captured.get(k)
        if g is None:
            if materialize_grads:
                g = _make(t._device.xp.zeros_like(t._data), t._device)
            elif not allow_unused:
                raise RuntimeError(
                    f"autograd.grad(): inputs[{i}] (shape {tuple(t.shape)}) was not used to compute the "
                    "outputs; pass allow_unused=True to get None for it, or materialize_grads=True for zeros")
        elif not create_graph and (g.grad_fn is not None or g._requires_grad):
            g = g.detach()
        result.append(g)
    return tuple(result)


def _batched_grad(outputs: Any, inputs: Any, grad_outputs: Any, create_graph: bool, allow_unused: bool | None,
                  materialize_grads: bool) -> tuple[Tensor | None, ...]:
    """`grad` with ``is_grads_batched=True``: one vector-Jacobian product per row of the ``grad_outputs``."""
    rows = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs or [])
    if not rows or any(not isinstance(r, Tensor) or r.ndim == 0 for r in rows):
        raise RuntimeError("autograd.grad(): is_grads_batched=True needs grad_outputs with a leading batch "
                           "dimension (one tensor per output); got " + repr([getattr(r, "shape", r) for r in rows]))
    n = rows[0].shape[0]
    per_row = [grad(outputs, inputs, [r[i] for r in rows], retain_graph=True, create_graph=create_graph,
                    allow_unused=allow_unused, materialize_grads=materialize_grads) for i in range(n)]
    stacked: list[Tensor | None] = []
    for j, first in enumerate(per_row[0]):
        if first is None:
            stacked.append(None)
            continue
        out = first.new_zeros((n, *first.shape))
        for i in range(n):
            out[i] = per_row[i][j]
        stacked.append(out)
    return tuple(stacked)
