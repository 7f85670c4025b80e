"""Fused elementwise kernels for CuPy: each optimizer update in one GPU launch instead of a dozen.

On a GPU, the generic optimizer updates (``_adam``, ``_sgd`` in `brickwork.optim`) launch one kernel per
array operation, so a small model's step is dominated by launch overhead; PyTorch's foreach/fused optimizers
avoid the same cost. Here each update is written once, as a list of assignments in the common subset of C and
Python (names, numbers, ``+ - * /``, parentheses, ``sqrt()``, ``maximum()``), in PyTorch's order of operations:

- on CuPy the lines become the body of one ``cupy.ElementwiseKernel`` (temporaries declared ``T``);
- `run_reference` evaluates the very same lines with NumPy, so tests check the kernel's math against the
  optimizer's NumPy update on any machine, bit for bit.

Only `fused_update` is called from library code (by ``Optimizer._update``, and only when the array module
is CuPy). ``BRICKWORK_FUSED=0`` turns the kernels off; a kernel that fails to compile turns itself off with a
warning, and the generic update runs instead.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Spec", "adam_spec", "sgd_spec", "run_reference", "fused_update"]

_PREAMBLE = """
template <typename T> __device__ T maximum(T a, T b) { return (a > b || a != a) ? a : b; }  // NaN wins, as NumPy
"""


@dataclass(frozen=True)
class Spec:
    """One fused elementwise update: arrays read (``inputs``), arrays updated in place (``outputs``), scalar
    parameters, and the assignments, in order.

    Example:
        >>> Spec("axpy", ("x",), ("y",), ("a",), (("y", "y + a * x"),)).c_source()
        'y = y + a * x;'
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    scalars: tuple[str, ...]
    lines: tuple[tuple[str, str], ...]

    def c_source(self) -> str:
        """The body of the CUDA kernel: outputs assigned through references, temporaries declared ``T``."""
        known = set(self.inputs) | set(self.outputs) | set(self.scalars)
        out = []
        for target, expr in self.lines:
            if target in self.inputs or target in self.scalars:
                raise ValueError(f"fused kernel {self.name}: cannot assign to the read-only input {target!r}")
            out.append(f"{target} = {expr};" if target in known else f"T {target} = {expr};")
            known.add(target)
        return "\n".join(out)


def run_reference(spec: Spec, values: dict[str, Any]) -> None:
    """Run ``spec``'s lines with NumPy on the arrays and scalars in ``values``, updating the outputs in place.

    Scalars must be Python numbers, so NumPy keeps the arrays' dtype as the kernel's ``T`` does.

    Example:
        >>> import numpy as np
        >>> y = np.ones(2, np.float32)
        >>> run_reference(Spec("axpy", ("x",), ("y",), ("a",), (("y", "y + a * x"),)),
        ...               {"x": np.ones(2, np.float32), "y": y, "a": 2.0}); y
        array([3., 3.], dtype=float32)
    """
    ns = {"sqrt": np.sqrt, "maximum": np.maximum}
    ns.update({k: values[k] for k in spec.inputs + spec.outputs + spec.scalars})
    for target, expr in spec.lines:
        ns[target] = eval(expr, {"__builtins__": {}}, ns)  # our own fixed expressions, never user input
    for k in spec.outputs:
        values[k][...] = ns[k]


def _spec(name: str, arrays: dict[str, Any], scalars: dict[str, float],
          lines: list[tuple[str, str]]) -> tuple[Spec, dict[str, Any]]:
    """A spec keeping only the arrays and scalars the lines use; assigned arrays are outputs."""
    text = " ".join(e for _, e in lines)
    assigned = {t for t, _ in lines}
    words = set(re.findall(r"[A-Za-z_]\w*", text)) | assigned
    outputs = tuple(k for k in arrays if k in assigned)
    inputs = tuple(k for k in arrays if k in words and k not in assigned)
    used = tuple(k for k in scalars if k in words)
    values = {**{k: arrays[k] for k in inputs + outputs}, **{k: float(scalars[k]) for k in used}}
    return Spec(name, inputs, outputs, used, tuple(lines)), values


def adam_spec(p: Any, g: Any, m: Any, v: Any, vmax: Any, maximize: bool, wd: float, decay: float | None,
              beta1: float, beta2: float, eps: float, bc2_sqrt: float, step_size: float) -> tuple[Spec, dict]:
    """The fused form of ``brickwork.optim.adam._adam`` (same arguments, no scratch arrays), and its values.

    Example:
        >>> import numpy as np
        >>> a = [np.zeros(2, np.float32) for _ in range(4)]
        >>> spec, values = adam_spec(*a, None, False, 0.0, None, 0.9, 0.999, 1e-8, 1.0, 0.1); spec.outputs
        ('p', 'm', 'v')
    """
    lines, gn = [], "g"
    if maximize:
        lines.append(("gm", "-g"))
        gn = "gm"
    if decay is not None:
        lines.append(("p", "p * decay"))
    elif wd != 0:
        lines.append(("gw", f"{gn} + p * wd"))
        gn = "gw"
    w = 1 - beta1
    if w < 0.5:  # PyTorch's lerp picks its formula by the weight
        lines.append(("m", f"m + ({gn} - m) * w"))
    else:
        lines.append(("m", f"{gn} - ({gn} - m) * omw"))
    lines.append(("v", f"v * beta2 + {gn} * omb2 * {gn}"))
    vn = "v"
    if vmax is not None:
        lines.append(("vmax", "maximum(vmax, v)"))
        vn = "vmax"
    lines.append(("p", f"p + m / (sqrt({vn}) / bc2 + eps) * nss"))
    arrays = {"g": g, "p": p, "m": m, "v": v, "vmax": vmax}
    scalars = {"decay": 0.0 if decay is None else decay, "wd": wd, "w": w, "omw": 1 - w, "beta2": beta2,
               "omb2": 1 - beta2, "bc2": bc2_sqrt, "eps": eps, "nss": -step_size}
    return _spec("adam", {k: a for k, a in arrays.items() if a is not None}, scalars, lines)


def sgd_spec(p: Any, g: Any, buf: Any, lr: float, wd: float, momentum: float, dampening: float, nesterov: bool,
             maximize: bool, first: bool) -> tuple[Spec, dict]:
    """The fused form of ``brickwork.optim.sgd._sgd`` (same arguments, no scratch arrays), and its values.

    Example:
        >>> import numpy as np
        >>> a = [np.zeros(2, np.float32) for _ in range(3)]
        >>> spec, _ = sgd_spec(*a, 0.1, 0.0, 0.9, 0.0, False, False, False); spec.lines
        (('buf', 'buf * momentum + g'), ('p', 'p + buf * nlr'))
    """
    lines, gn = [], "g"
    if maximize:
        lines.append(("gm", "-g"))
        gn = "gm"
    if wd != 0:
        lines.append(("gw", f"{gn} + p * wd"))
        gn = "gw"
    if buf is not None:
        if first:
            lines.append(("buf", gn))
        elif dampening == 0:
            lines.append(("buf", f"buf * momentum + {gn}"))
        else:
            lines.append(("buf", f"buf * momentum + {gn} * omd"))
        if nesterov:
            lines.append(("gn", f"{gn} + buf * momentum"))
            gn = "gn"
        else:
            gn = "buf"
    lines.append(("p", f"p + {gn} * nlr"))
    arrays = {"g": g, "p": p, "buf": buf}
    scalars = {"wd": wd, "momentum": momentum, "omd": 1 - dampening, "nlr": -lr}
    return _spec("sgd", {k: a for k, a in arrays.items() if a is not None}, scalars, lines)


_SPECS: dict[str, Callable[..., tuple[Spec, dict]]] = {"brickwork.optim.adam._adam": adam_spec,
                                                        "brickwork.optim.sgd._sgd": sgd_spec}
_compiled: dict[Spec, Any] = {}
_disabled: set[str] = set()


def _kernel(xp: Any, spec: Spec) -> Any:
    k = _compiled.get(spec)
    if k is None:
        k = _compiled[spec] = xp.ElementwiseKernel(
            ", ".join(f"T {n}" for n in spec.inputs + spec.scalars), ", ".join(f"T {n}" for n in spec.outputs),
            spec.c_source(), f"brickwork_fused_{spec.name}", preamble=_PREAMBLE)
    return k


def fused_update(kernel: Callable, xp: Any, arrays: tuple, args: tuple) -> bool:
    """Run the fused CuPy form of an optimizer update if there is one; returns whether it ran.

    ``kernel`` is the generic update (e.g. ``_adam``), ``arrays`` its arrays (parameter first; None entries
    allowed) and ``args`` its scalar arguments. Returns False, doing nothing, for NumPy arrays, dtypes other
    than float32/float64, updates without a fused form, or when ``BRICKWORK_FUSED=0``.

    Example:
        >>> import numpy as np
        >>> fused_update(print, np, (np.zeros(1),), ())
        False
    """
    if getattr(xp, "__name__", "") != "cupy" or getattr(xp, "__standin__", False) or \
            os.environ.get("BRICKWORK_FUSED") == "0":  # the CuPy stand-in cannot compile: the generic update
        return False
    key = f"{kernel.__module__}.{kernel.__qualname__}"
    build = _SPECS.get(key)
    if build is None or key in _disabled:
        return False
    dt = arrays[0].dtype
    if dt not in (np.float32, np.float64) or any(a is not None and a.dtype != dt for a in arrays):
        return False
    spec, values = build(*arrays, *args)
    try:  # CuPy compiles on the first call, before anything is written
        _kernel(xp, spec)(*[values[n] for n in spec.inputs + spec.scalars], *[values[n] for n in spec.outputs])
    except Exception as e:  # a compiler or driver problem: fall back to the generic update for good
        _disabled.add(key)
        warnings.warn(f"brickwork: the fused CuPy kernel for {key} failed ({type(e).__name__}: {e}); using the "
                      "generic update instead", RuntimeWarning, stacklevel=3)
        return False
    return True
