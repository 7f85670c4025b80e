"""Model summaries: `summary` (per-layer output shapes, parameter counts and FLOPs) and
`count_parameters`.

FLOPs count a multiply and an add as two operations. Rules, by class name (subclasses included):

- Linear and convolutions: ``2 * output elements * multiply-adds per output`` (transposed convolutions: per
  input element); recurrent layers and cells: ``2 * time steps * elements of their 2-D weights``;
  MultiheadAttention: its projections plus ``4 * query tokens * key length * embed_dim``.
- A layer class may define ``_flops(self, inputs: tuple, output) -> int`` to give its own count.
- Embeddings, dropout, Identity and reshapes count 0; any other layer without children counts one operation
  per output element; a module with children adds up what ran inside it (plus its own rule, if any).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..._tensor import Tensor
from .. import lazy

__all__ = ["summary", "count_parameters", "ModelSummary", "LayerSummary"]

_FREE = {"Embedding", "EmbeddingBag", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
         "Identity", "Flatten", "Unflatten"}
_RECURRENT = {"RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"}


def count_parameters(model: Any, trainable_only: bool = False) -> int:
    """The number of parameter elements in ``model``, a parameter shared by several layers counted once.

    Example:
        >>> import brickwork as torch
        >>> m = torch.nn.Module(); m.w = torch.nn.Parameter(torch.ones(2, 3)); m.v = m.w
        >>> count_parameters(m)
        6
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _class_names(module: Any) -> set[str]:
    return {c.__name__ for c in type(module).__mro__}


def _own_flops(module: Any, inputs: tuple, output: Any, children: list) -> int | None:
    """FLOPs of a module's own math by the rules in the module docstring; None when no rule applies."""
    if hasattr(module, "_flops"):
        return int(module._flops(inputs, output))
    names = _class_names(module)
    x = inputs[0] if inputs and isinstance(inputs[0], Tensor) else None
    w = module._parameters.get("weight")
    if w is not None and w.ndim >= 2 and isinstance(output, Tensor):
        per_row = w.numel() // w.shape[0]  # multiply-adds per output (per input for transposed convolutions)
        if any(n.startswith("ConvTranspose") for n in names) and x is not None:
            return 2 * x.numel() * per_row
        if "Linear" in names or any(n.startswith("Conv") for n in names):
            return 2 * output.numel() * per_row
    if names & _RECURRENT and x is not None:
        steps = x.numel() // x.shape[-1]
        return 2 * steps * sum(p.numel() for p in module.parameters(recurse=False) if p.ndim == 2)
    if "MultiheadAttention" in names and len(inputs) >= 3 and all(isinstance(t, Tensor) for t in inputs[:3]):
        return _attention_flops(module, inputs[:3], children)
    if names & _FREE:
        return 0
    return None


def _attention_flops(m: Any, qkv: tuple, children: list) -> int:
    q, k, v = qkv
    e = m.embed_dim
    nq, nk, nv = (t.numel() // t.shape[-1] for t in qkv)
    batch = 1 if q.ndim == 2 else q.shape[0] if m.batch_first else q.shape[1]
    flops = 2 * e * (nq * q.shape[-1] + nk * k.shape[-1] + nv * v.shape[-1])  # input projections
    flops += 2 * 2 * nq * (nk // batch) * e  # scores and the weighted sum of values
    if not any(c._module is m.out_proj for c in children):  # out_proj used through its weight, not called
        flops += 2 * nq * e * e
    return flops


def _tensors(x: Any) -> list[Tensor]:
    if isinstance(x, Tensor):
        return [x]
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _tensors(item)]
    return []


def _shape_text(x: Any) -> str:
    ts = _tensors(x)
    return ", ".join(str(list(t.shape)) for t in ts) if ts else "-"


@dataclass
class LayerSummary:
    """One call of one module during the summary's forward pass."""

    path: str
    type: str
    depth: int
    output_shape: str = "-"
    params: int = 0
    flops: int = 0
    children: list["LayerSummary"] = field(default_factory=list, repr=False)


@dataclass
class ModelSummary:
    """What `summary` returns: per-layer rows and totals; ``str()`` gives the printed table.

    Example:
        >>> import brickwork as torch
        >>> s = torch.nn.utils.summary(torch.nn.Linear(3, 2), (1, 3), verbose=0)
        >>> s.total_params, [layer.type for layer in s.layers]
        (8, ['Linear'])
    """

    layers: list[LayerSummary]
    total_params: int
    trainable_params: int
    total_flops: int

    def __str__(self) -> str:
        names = [("  " * r.depth) + (f"{r.path} ({r.type})" if r.path else r.type) for r in self.layers]
        cols = [("Layer (type)", names), ("Output shape", [r.output_shape for r in self.layers]),
                ("Params", [f"{r.params:,}" for r in self.layers]), ("FLOPs", [f"{r.flops:,}" for r in self.layers])]
        widths = [max([len(h)] + [len(v) for v in vals]) for h, vals in cols]

        def line(values: Sequence[str]) -> str:
            return "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths)))

        rule = "=" * len(line([""] * 4))
        rows = [line([c[1][i] for c in cols]) for i in range(len(self.layers))]
        return "\n".join([line([h for h, _ in cols]), rule, *rows, rule,
                          f"Total params: {self.total_params:,}", f"Trainable params: {self.trainable_params:,}",
                          f"Non-trainable params: {self.total_params - self.trainable_params:,}",
                          f"Total FLOPs: {self.total_flops:,}"])

    __repr__ = __str__


def _inputs(input_size: Any, dtypes: Any, device: Any) -> tuple:
    from ...ops.creation import zeros

    sizes = [input_size] if all(isinstance(s, int) for s in input_size) else list(input_size)
    dts = list(dtypes) if dtypes is not None else [None] * len(sizes)
    if len(dts) != len(sizes):
        raise ValueError(f"summary: got {len(sizes)} input sizes but {len(dts)} dtypes; give one dtype per input")
    return tuple(zeros(tuple(s), dtype=dt, device=device) for s, dt in zip(sizes, dts))


def summary(model: Any, input_size: Any = None, dtypes: Sequence[Any] | None = None, device: Any = None, *,
            input_data: Any = None, verbose: int = 1) -> ModelSummary:
    """Run ``model`` once on zeros and tabulate each layer's path, type, output shape, parameters and FLOPs.

    The pass runs in eval mode without gradients (it also materializes lazy layers). Parameter counts are per
    module, including its descendants, each shared parameter counted once; the totals count every parameter
    of the model once.

    Args:
        model: the module to summarize.
        input_size: the shape of the input, e.g. ``(1, 3, 32, 32)``, or a list of shapes for several inputs.
        dtypes: one dtype per input (default: the default float dtype).
        device: where to build the inputs (default: the model's device).
        input_data: example inputs to use instead of zeros (a tensor or a tuple of positional inputs).
        verbose: print the table when positive (default 1).

    Example:
        >>> import brickwork as torch
        >>> class Scale(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__(); self.w = torch.nn.Parameter(torch.ones(3))
        ...     def forward(self, x):
        ...         return x * self.w
        >>> s = summary(Scale(), (2, 3), verbose=0); s.total_params, s.total_flops
        (3, 6)
    """
    dev = device if device is not None else lazy.model_device(model)
    if input_data is not None:
        inputs = input_data if isinstance(input_data, tuple) else (input_data,)
    elif input_size is not None:
        inputs = _inputs(input_size, dtypes, dev)
    else:
        raise ValueError("summary: give input_size (e.g. (1, 3, 32, 32)) or input_data")
    rows: list[LayerSummary] = []
    stack: list[LayerSummary] = []
    handles = []
    for path, m in model.named_modules():
        handles.append(m.register_forward_pre_hook(_pre(rows, stack, path)))
        handles.append(m.register_forward_hook(_post(stack), always_call=True))
    try:
        lazy.dry_run(model, inputs)
    finally:
        for h in handles:
            h.remove()
    counted: set[int] = set()
    for r in rows:  # a module called several times shows its parameters on its first row only
        m = r._module  # type: ignore[attr-defined]
        if id(m) not in counted:
            counted.add(id(m))
            r.params = count_parameters(m)
    top = [r for r in rows if r.depth == 0]
    return _report(ModelSummary(rows, count_parameters(model), count_parameters(model, True),
                                sum(r.flops for r in top)), verbose)


def _report(s: ModelSummary, verbose: int) -> ModelSummary:
    if verbose > 0:
        print(s)
    return s


def _pre(rows: list, stack: list, path: str) -> Any:
    def hook(mod: Any, args: tuple) -> None:
        row = LayerSummary(path, type(mod).__name__, len(stack))
        row._module = mod  # type: ignore[attr-defined]
        row._inputs = args  # type: ignore[attr-defined]
        if stack:
            stack[-1].children.append(row)
        rows.append(row)
        stack.append(row)

    return hook


def _post(stack: list) -> Any:
    def hook(mod: Any, args: tuple, output: Any) -> None:
        row = stack.pop()
        row.output_shape = _shape_text(output)
        inside = sum(c.flops for c in row.children)
        own = _own_flops(mod, row._inputs, output, row.children)  # type: ignore[attr-defined]
        row.flops = inside + own if own is not None else inside if row.children else \
            sum(t.numel() for t in _tensors(output))
        row._inputs = None  # type: ignore[attr-defined]

    return hook
