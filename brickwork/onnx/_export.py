"""``export``: trace one forward (twice when an axis is dynamic), map each op to ONNX nodes, write the model."""

from __future__ import annotations

import enum
import os
from typing import IO, Any, Callable, Mapping, Sequence

import numpy as np

from .._tensor import Tensor, _make
from .errors import OnnxExporterError, UnsupportedOperatorError
from ._trace import Tracer, tracing

DEFAULT_OPSET = 20  # torch.onnx's default
MIN_OPSET = 18


class TrainingMode(enum.IntEnum):
    """Which mode the model is exported in, as ``torch.onnx.TrainingMode``.

    Example:
        >>> from brickwork.onnx import TrainingMode
        >>> TrainingMode.EVAL.name
        'EVAL'
    """

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class Graph:
    """The ONNX graph being built: nodes, initializers, and the ONNX name of every tensor the trace saw.

    Converters call `name` for their inputs' names, `op` to add nodes and `const` for constants.
    """

    def __init__(self, opset: int) -> None:
        import onnx

        self.onnx = onnx
        self.opset = opset
        self.nodes: list[Any] = []
        self.node_owner: list[int] = []  # index of the traced call each node came from
        self.initializers: dict[str, np.ndarray] = {}
        self.names: dict[int, str] = {}
        self.keep: list[Any] = []  # tensors whose ids are names: kept alive so ids are not reused
        self.count = 0
        self.call = -1
        self.op_name = ""
        self.where = ""
        self.calls: list[str] = []  # "'op' at where" of each traced call
        self._consts: dict[tuple, str] = {}

    # -- names -----------------------------------------------------------------------------------------

    def fresh(self, hint: str = "v") -> str:
        self.count += 1
        return f"/{hint}_{self.count}"

    def bind(self, t: Tensor, name: str) -> None:
        self.names[id(t)] = name
        self.keep.append(t)

    def name(self, t: Any, like: Tensor | None = None) -> str:
        """The ONNX name of tensor ``t`` (a Python number becomes a constant of ``like``'s dtype)."""
        if not isinstance(t, Tensor):
            if isinstance(t, (bool, int, float, np.number)) and like is not None:
                return self.const(np.asarray(t, dtype=like._data.dtype))
            raise self.unsupported(f"expected a tensor argument, got {type(t).__name__}")
        n = self.names.get(id(t))
        if n is None:
            raise OnnxExporterError(
                f"brickwork.onnx.export: '{self.op_name}' at {self.where} was given a tensor (shape "
                f"{tuple(t.shape)}, dtype {t.dtype}) that the trace did not see being made: it is not an input, a "
                "parameter or buffer of the model, nor the result of a traced op. A value computed outside the "
                "traced forward would be baked into the graph as a constant; register it as a buffer "
                "(module.register_buffer) or compute it inside forward with tensor ops")
        return n

    def unsupported(self, why: str) -> UnsupportedOperatorError:
        """The error for a converter that cannot map this call."""
        return UnsupportedOperatorError(f"brickwork.onnx.export: '{self.op_name}' at {self.where}: {why}")

    # -- nodes and constants ---------------------------------------------------------------------------

    def op(self, op_type: str, *inputs: str | None, outputs: int = 1, **attrs: Any) -> Any:
        """Add a node; returns its output name (a tuple of names when ``outputs > 1``)."""
        outs = [self.fresh(op_type) for _ in range(outputs)]
        ins = ["" if i is None else i for i in inputs]
        while ins and ins[-1] == "":
            ins.pop()
        self.nodes.append(self.onnx.helper.make_node(op_type, ins, outs, name=outs[0].replace("/", "n"),
                                                     **{k: v for k, v in attrs.items() if v is not None}))
        self.node_owner.append(self.call)
        return outs[0] if outputs == 1 else tuple(outs)

    def const(self, value: Any, dtype: Any = None) -> str:
        """An initializer holding ``value`` (deduplicated)."""
        a = np.asarray(value, dtype=dtype)
        if a.dtype == np.float64 and dtype is None and not isinstance(value, np.ndarray):
            a = a.astype(np.float32)
        key = (a.dtype.str, a.shape, a.tobytes())
        n = self._consts.get(key)
        if n is None:
            n = self._consts[key] = self.fresh("const")
            self.initializers[n] = a
        return n

    def ints(self, values: Sequence[int]) -> str:
        """A 1-D int64 constant (shapes, axes, pads)."""
        return self.const(np.asarray(list(values), dtype=np.int64))

    def scalar(self, v: Any, like: Tensor | np.dtype) -> str:
        """A 0-d constant in ``like``'s dtype."""
        dt = like._data.dtype if isinstance(like, Tensor) else np.dtype(like)
        return self.const(np.asarray(v, dtype=dt))

    def cast(self, name: str, src: Any, dst: Any) -> str:
        """``name`` cast from NumPy dtype ``src`` to ``dst`` (no node when they agree)."""
        src, dst = np.dtype(src), np.dtype(dst)
        if src == dst:
            return name
        return self.op("Cast", name, to=int(self.onnx.helper.np_dtype_to_tensor_dtype(dst)))

    def reduce(self, op_type: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """A Reduce* node over ``axes`` (all axes for None)."""
        if axes is None:
            return self.op(op_type, x, keepdims=int(keepdims))
        return self.op(op_type, x, self.ints(axes), keepdims=int(keepdims))


def _flatten(out: Any) -> list[Any]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _flatten(o)]
    return []


def _bind_outputs(g: Graph, out: Any, names: Any) -> None:
    if isinstance(out, Tensor):
        if not isinstance(names, str):
            raise g.unsupported("the converter returned no name for its tensor result")
        g.bind(out, names)
    elif isinstance(out, (tuple, list)):
        if not isinstance(names, (tuple, list)) or len(names) != len(out):
            raise g.unsupported("the converter's results do not match the op's")
        for o, n in zip(out, names):
            _bind_outputs(g, o, n)


def _trace(model: Any, args: tuple, kwargs: dict, opset: int, converters: dict[int, tuple[str, Any, Callable]],
           input_names: list[str]) -> tuple[Graph, list[Any]]:
    """Run one forward under the tracing hook; returns the graph and the flat list of output tensors."""
    g = Graph(opset)
    flat_inputs = _flatten(list(args) + list(kwargs.values()))
    for t, n in zip(flat_inputs, input_names):
        g.bind(t, n)
    seen: set[int] = set()
    for pname, p in list(model.named_parameters()) + list(model.named_buffers()):
        if p is not None and id(p) not in seen:
            seen.add(id(p))
            g.bind(p, pname)
            g.initializers[pname] = np.array(p.detach().cpu().numpy(), copy=True)
    calls = [0]

    def on_call(name: str, fn: Any, a: tuple, kw: dict, out: Any) -> None:
        g.call = calls[0]
        calls[0] += 1
        g.op_name = name
        g.where = tracer.where()
        g.calls.append(f"'{name}' at {g.where}")
        _, _, conv = converters[id(fn)]
        names = conv(g, out, *a, **kw)
        _bind_outputs(g, out, names)

    tracer = Tracer(on_call)
    mapped = {k: (n, fn) for k, (n, fn, _) in converters.items()}
    from ..autograd.grad_mode import no_grad

    with no_grad(), tracing(tracer, mapped, model):
        result = model(*args, **kwargs)
    outs = _flatten(result)
    if not outs:
        raise OnnxExporterError("brickwork.onnx.export: the model's forward returned no tensors")
    return g, outs


def _inputs_tuple(args: Any) -> tuple[tuple, dict]:
    if isinstance(args, Tensor):
        return (args,), {}
    args = tuple(args)
    if args and isinstance(args[-1], dict):
        return args[:-1], dict(args[-1])
    return args, {}


def _grow(t: Tensor, axes: Sequence[int]) -> Tensor:
    """``t`` one longer along each of ``axes`` (its first slice repeated): the second trace's input."""
    a = t.detach().cpu().numpy()
    for ax in axes:
        a = np.concatenate([a, np.take(a, [0], axis=ax)], axis=ax)
    out = _make(np.ascontiguousarray(a), t._device) if t._device.type == "cpu" else \
        _make(t._device.backend.from_host(np.ascontiguousarray(a), t._device.index), t._device)
    return out


def _dynamic(dynamic_axes: Mapping[str, Any] | None) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if isinstance(axes, Mapping):
            out[name] = {int(k): str(v) for k, v in axes.items()}
        else:
            out[name] = {int(k): f"{name}_dynamic_axes_{i + 1}" for i, k in enumerate(axes)}
    return out


def export(model: Any, args: Any = (), f: str | os.PathLike | IO[bytes] | None = None, *,
           kwargs: dict[str, Any] | None = None, verbose: bool | None = None, input_names: Sequence[str] | None = None,
           output_names: Sequence[str] | None = None, opset_version: int | None = None, dynamo: bool = True,
           external_data: bool = True, dynamic_shapes: Any = None, export_params: bool = True,
           keep_initializers_as_inputs: bool = False,
           dynamic_axes: Mapping[str, Mapping[int, str]] | Mapping[str, Sequence[int]] | None = None,
           training: TrainingMode = TrainingMode.EVAL, do_constant_folding: bool = True) -> Any:
    """Export ``model`` to an ONNX file by tracing one forward on ``args``, like ``torch.onnx.export``.

    Every public op the forward calls is mapped to ONNX nodes; parameters and buffers become initializers under
    their ``state_dict`` names. Export refuses, naming the op and the module path, any op it cannot map, any tensor
    it did not see being made (a value computed outside the traced forward), and any Python value read from a
    tensor. With ``dynamic_axes`` the forward is traced a second time with those axes one longer: a value that
    depends on their size (a shape baked from ``x.size(0)``...) must come out the same, or export refuses.

    Args:
        model: the module to export (exported in eval mode unless ``training`` says otherwise).
        args: the example inputs: a tensor or a tuple of tensors (a trailing dict holds keyword inputs).
        f: a path or binary file to write; None writes nothing.
        input_names, output_names: names of the graph's inputs and outputs (default ``input_0``... ``output_0``...).
        opset_version: ONNX opset, 18 or later (default 20, as PyTorch's).
        dynamic_axes: ``{name: {axis: 'dim_name'}}`` or ``{name: [axis, ...]}`` for inputs and outputs whose size
            may change (typically the batch axis).
        training: ``TrainingMode.EVAL`` (default), ``PRESERVE`` or ``TRAINING``.
        kwargs, verbose, dynamo, external_data, export_params, keep_initializers_as_inputs, do_constant_folding:
            accepted for PyTorch compatibility; the model is always written whole, in one file, with its
            parameters as initializers.

    Returns:
        the ``onnx.ModelProto``.

    Example:
        >>> import brickwork as torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
        >>> proto = torch.onnx.export(net, (torch.randn(2, 4),), None, input_names=["x"],
        ...                           dynamic_axes={"x": {0: "batch"}})
        >>> [n.op_type for n in proto.graph.node]
        ['Gemm', 'Relu']
    """
    try:
        import onnx
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError("brickwork.onnx.export needs the onnx package: pip install 'brickwork[onnx]'") from e
    from ._ops import converters

    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < MIN_OPSET or opset > onnx.defs.onnx_opset_version():
        raise ValueError(f"brickwork.onnx.export: opset_version={opset} is not supported; use {MIN_OPSET} to "
                         f"{onnx.defs.onnx_opset_version()} (default {DEFAULT_OPSET})")
    if dynamic_shapes is not None:
        raise ValueError("brickwork.onnx.export: dynamic_shapes is not supported; name the dynamic axes with "
                         "dynamic_axes={'input_name': {0: 'batch'}}")
    a, kw = _inputs_tuple(args)
    kw.update(kwargs or {})
    flat_in = _flatten(list(a) + list(kw.values()))
    in_names = list(input_names or [])
    in_names += [f"input_{i}" for i in range(len(in_names), len(flat_in))]
    dyn = _dynamic(dynamic_axes)
    known = set(in_names) | set(output_names or [])
    for n in dyn:
        if n not in known and not n.startswith("output_"):
            raise ValueError(f"brickwork.onnx.export: dynamic_axes names {n!r}, which is neither an input name "
                             f"{in_names} nor an output name {list(output_names or [])}")

    modes = [(m, m.training) for m in model.modules()]
    if training == TrainingMode.EVAL:
        model.eval()
    elif training == TrainingMode.TRAINING:
        model.train()
    if any(getattr(m, "_lazy_pending", False) for m in model.modules()):  # lazy layers take their sizes first
        from ..autograd.grad_mode import no_grad

        with no_grad():
            model(*a, **kw)
    state = [(t, t._data.copy()) for t in list(model.parameters()) + [b for b in model.buffers() if b is not None]]
    try:
        convs = converters()
        g, outs = _trace(model, a, kw, opset, convs, in_names)
        out_names = list(output_names or [])
        out_names += [f"output_{i}" for i in range(len(out_names), len(outs))]
        out_dyn: dict[int, dict[int, str]] = {}
        if any(n in dyn for n in in_names):
            grow = {id(t): sorted(dyn[n]) for t, n in zip(flat_in, in_names) if n in dyn}
            a2 = tuple(_grow(t, grow[id(t)]) if id(t) in grow else t for t in a)
            kw2 = {k: _grow(v, grow[id(v)]) if id(v) in grow else v for k, v in kw.items()}
            for t, saved in state:
                t._data[...] = saved
            g2, outs2 = _trace(model, a2, kw2, opset, convs, in_names)
            _compare(g, g2)
            for i, (o1, o2) in enumerate(zip(outs, outs2)):
                given = dyn.get(out_names[i], {})
                out_dyn[i] = {ax: given.get(ax, f"{out_names[i]}_dynamic_axes_{ax}")
                              for ax, (s1, s2) in enumerate(zip(o1.shape, o2.shape)) if s1 != s2}
    finally:
        for t, saved in state:
            t._data[...] = saved
        for m, mode in modes:
            m.training = mode
    proto = _assemble(g, flat_in, in_names, dyn, outs, out_names, out_dyn, opset)
    if f is not None:
        data = proto.SerializeToString()
        if hasattr(f, "write"):
            f.write(data)  # type: ignore[union-attr]
        else:
            with open(os.fspath(f), "wb") as fh:  # type: ignore[arg-type]
                fh.write(data)
    return proto


def _compare(g1: Graph, g2: Graph) -> None:
    """Refuse when the trace at the grown size made a different graph: some value depended on the size."""
    n = min(len(g1.nodes), len(g2.nodes))
    for i in range(n):
        a, b = g1.nodes[i], g2.nodes[i]
        diff = a.SerializeToString() != b.SerializeToString()
        if not diff:
            for x, y in zip(a.input, b.input):
                cx, cy = g1.initializers.get(x), g2.initializers.get(y)
                if cx is None or cy is None:
                    diff = diff or (cx is None) != (cy is None)
                elif cx.shape != cy.shape or not np.array_equal(cx, cy):
                    diff = True
        if diff:
            raise OnnxExporterError(
                f"brickwork.onnx.export: the graph depends on the size of a dynamic axis at "
                f"{g1.calls[g1.node_owner[i]]} (its {a.op_type} node); a Python value taken from a tensor's shape (x.size(0), "
                "x.shape[0]...) was used where the exporter can only bake a constant. Express the shape relative "
                "to the input (view(x.size(0), -1) -> flatten(1), reshape(-1, n)), or drop the axis from "
                "dynamic_axes")
    if len(g1.nodes) != len(g2.nodes):
        raise OnnxExporterError("brickwork.onnx.export: the forward ran different ops when a dynamic axis changed "
                                "size; the model's control flow depends on the size, which a traced graph cannot "
                                "follow")


def _value_info(onnx: Any, name: str, t: Tensor, dims: dict[int, str]) -> Any:
    shape = [dims.get(i, s) for i, s in enumerate(t.shape)]
    return onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(t._data.dtype), shape)


def _assemble(g: Graph, flat_in: list, in_names: list[str], dyn: dict, outs: list, out_names: list[str],
              out_dyn: dict, opset: int) -> Any:
    onnx = g.onnx
    nodes = list(g.nodes)
    produced = {o: nd for nd in nodes for o in nd.output}
    claimed: set[str] = set()
    for o, n in zip(outs, out_names):
        src = g.name(o)
        if src in produced and src not in claimed:  # the producing node writes the output name directly
            claimed.add(src)
            for nd in nodes:
                nd.input[:] = [n if i == src else i for i in nd.input]
                nd.output[:] = [n if i == src else i for i in nd.output]
        else:  # an input, an initializer, or a value returned twice
            nodes.append(onnx.helper.make_node("Identity", [src], [n], name=f"output_{n}"))
    used = {i for nd in nodes for i in nd.input}
    inits = [onnx.numpy_helper.from_array(v, k) for k, v in g.initializers.items() if k in used]
    graph = onnx.helper.make_graph(
        nodes, "brickwork", [_value_info(onnx, n, t, dyn.get(n, {})) for t, n in zip(flat_in, in_names)],
        [_value_info(onnx, n, o, out_dyn.get(i, {})) for i, (o, n) in enumerate(zip(outs, out_names))], inits)
    from .. import __version__

    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="brickwork", producer_version=__version__)
    model.ir_version = min(model.ir_version, 10)
    return model
