"""Model summaries: :func:`summary` (per-layer output shapes, parameter counts and FLOPs) and
:func:`count_parameters`.

FLOPs count multiply and add as two operations. Linear and convolution layers are counted exactly
(``2 * output elements * multiply-adds per output``); a layer class can define
``_flops(self, inputs: tuple, output) -> int`` to give its own count; embeddings, dropout and reshapes count 0;
any other layer without children counts one operation per output element; a module with children counts the
sum of what ran inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from ..._tensor import Tensor
from .. import lazy

__all__ = ["summary", "count_parameters", "ModelSummary", "LayerSummary"]

_FREE = ("Embedding", "EmbeddingBag", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
         "Identity", "Flatten", "Unflatten")


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


def _rule_flops(module: Any, inputs: tuple, output: Any) -> int:
    """FLOPs of a module without children (see the module docstring for the rules)."""
    if hasattr(module, "_flops"):
        return int(module._flops(inputs, output))
    names = _class_names(module)
    out = output if isinstance(output, Tensor) else None
    w = module._parameters.get("weight")
    if w is not None and w.ndim >= 2 and out is not None:
        if "Linear" in names or any(n.startswith("Conv") and "Transpose" not in n for n in names):
            return 2 * out.numel() * (w.numel() // w.shape[0])
        if any(n.startswith("ConvTranspose") for n in names) and inputs and isinstance(inputs[0], Tensor):
            return 2 * inputs[0].numel() * (w.numel() // w.shape[0])
    if names & set(_FREE):
        return 0
    return sum(t.numel() for t in _tensors(output))


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
    """What :func:`summary` returns: per-layer rows and totals; ``str()`` gives the printed table."""

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
        row.flops = sum(c.flops for c in row.children) if row.children else \
            _rule_flops(mod, row._inputs, output)  # type: ignore[attr-defined]
        row._inputs = None  # type: ignore[attr-defined]

    return hook
