"""Tensor ``repr`` that matches PyTorch's character for character (the rules of ``torch/_tensor_str.py``).

One formatter per tensor picks integer (``1.``), fixed (``1.2346``) or scientific (``1.2346e+10``) notation
from the nonzero finite values and pads every element to one width; rows wrap at ``linewidth``; tensors with
more than ``threshold`` elements show only ``edgeitems`` rows/columns at each edge, with ``...`` between.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["tensor_repr", "set_printoptions"]

_PREFIX = "tensor("
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


@dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()


def set_printoptions(precision: int | None = None, threshold: int | None = None, edgeitems: int | None = None,
                     linewidth: int | None = None, profile: str | None = None,
                     sci_mode: bool | None = None) -> None:
    """Set the global print options, like ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: element count above which a tensor is summarised with ``...`` (default 1000).
        edgeitems: items shown at each edge of a summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``'default'``, ``'short'`` or ``'full'``; sets the four options above, then any of them
            passed explicitly override it.
        sci_mode: force (True) or forbid (False) scientific notation; None, also when omitted, lets each
            tensor choose.

    Example:
        >>> set_printoptions(precision=2)
        >>> _OPTS.precision
        2
        >>> set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: expected profile 'default', 'short' or 'full', got {profile!r}")
        _OPTS.precision, _OPTS.threshold, _OPTS.edgeitems, _OPTS.linewidth = _PROFILES[profile]
    if precision is not None:
        _OPTS.precision = precision
    if threshold is not None:
        _OPTS.threshold = threshold
    if edgeitems is not None:
        _OPTS.edgeitems = edgeitems
    if linewidth is not None:
        _OPTS.linewidth = linewidth
    _OPTS.sci_mode = sci_mode  # reset to automatic when omitted, as torch does


class _Formatter:
    """One notation and one width for all elements of a tensor (torch's ``_Formatter``)."""

    def __init__(self, values: np.ndarray, floating: bool) -> None:
        self.floating, self.int_mode, self.sci_mode, self.width = floating, True, False, 1
        flat = values.reshape(-1)
        if not floating:
            self.width = max([1] + [len(str(v)) for v in flat.tolist()])
            return
        vals = flat.astype(np.float64)
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size == 0:
            return
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        big, small = float(np.abs(vals).max()), float(np.abs(vals).min())
        auto = big / small > 1000.0 or big > 1.0e8 or small < 1.0e-4
        self.sci_mode = auto if _OPTS.sci_mode is None else _OPTS.sci_mode
        p = _OPTS.precision
        spec = f".{p}e" if self.sci_mode else ".0f" if self.int_mode else f".{p}f"
        dot = "." if self.int_mode and not self.sci_mode else ""  # "1." marks an integer-valued float
        self.width = max(len(format(v, spec) + dot) for v in vals.tolist())

    def format(self, v: Any) -> str:
        """Format one Python number, right-aligned to the common width."""
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:{self.width}.{_OPTS.precision}e}"
        elif self.int_mode:
            s = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            s = f"{v:.{_OPTS.precision}f}"
        return s.rjust(self.width)


def _edges(a: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows, flattened (torch's ``get_summarized_data``)."""
    e = _OPTS.edgeitems
    if a.ndim <= 1:
        # a[-0:] is the whole vector, a quirk of torch kept so that edgeitems=0 picks the same width
        return a.reshape(-1) if a.ndim == 0 or len(a) <= 2 * e else np.concatenate((a[:e], a[-e:]))
    if not e:
        return a.reshape(-1)[:0]
    rows = a if len(a) <= 2 * e else np.concatenate((a[:e], a[-e:]))
    return np.concatenate([_edges(r) for r in rows])


class _ComplexFormatter:
    """Real and imaginary parts each with their own `_Formatter`, joined as ``1.+2.j`` (torch's two formatters)."""

    def __init__(self, values: np.ndarray) -> None:
        self.re, self.im = _Formatter(values.real, True), _Formatter(values.imag, True)
        self.width = self.re.width + self.im.width + 1  # the "j"

    def format(self, v: Any) -> str:
        """Format one Python complex number."""
        im = (self.im.format(v.imag) + "j").lstrip()
        return self.re.format(v.real) + (im if im[0] in "+-" else "+" + im)


def _body(a: np.ndarray, indent: int, summarize: bool, fmt: "_Formatter | _ComplexFormatter") -> str:
    """The bracketed text of ``a``, whose first bracket sits at column ``indent``."""
    if a.ndim == 0:
        return fmt.format(a.item())
    e = _OPTS.edgeitems
    cut = summarize and len(a) > 2 * e
    if a.ndim == 1:
        if summarize and not e:
            items = ["..."]
        elif cut:
            items = [fmt.format(v) for v in a[:e].tolist()] + [" ..."] + [fmt.format(v) for v in a[-e:].tolist()]
        else:
            items = [fmt.format(v) for v in a.tolist()]
        per_line = max(1, (_OPTS.linewidth - indent) // (fmt.width + 2))  # 2 for ", "
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_body(r, indent + 1, summarize, fmt) for r in (a[:e] if cut else a)]
    if cut:
        rows += ["..."] + [_body(r, indent + 1, summarize, fmt) for r in a[len(a) - e:]]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _default_dtype_name() -> str:
    try:  # imported here: printing must work while the dtypes module is still being written
        from brickwork.dtypes import get_default_dtype

        return get_default_dtype().name
    except ImportError:
        return "float32"


def _default_dtype_names() -> tuple[str, str]:
    """The default floating dtype's name and its complex dtype's (a tensor of either prints without a dtype)."""
    name = _default_dtype_name()
    return name, "complex128" if name == "float64" else "complex64"


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, key=value`` suffixes, each moved to a new line if it would pass ``linewidth``."""
    last = len(text) - text.rfind("\n") + 1  # torch's count, one too many without a newline; kept to match
    for suffix in suffixes:
        if last + len(suffix) + 2 > _OPTS.linewidth:
            text, last = text + ",\n" + " " * indent + suffix, indent + len(suffix)
        else:
            text, last = text + ", " + suffix, last + len(suffix) + 2
    return text + ")"


def tensor_repr(t: Any) -> str:
    """The text ``repr`` gives for a tensor, identical to PyTorch's with ``brickwork.`` dtypes.

    Example:
        >>> import brickwork as torch
        >>> print(tensor_repr(torch.tensor([[1.0, 2.5], [-3.0, 1e-5]], dtype=torch.float64)))
        tensor([[ 1.0000e+00,  2.5000e+00],
                [-3.0000e+00,  1.0000e-05]], dtype=brickwork.float64)
    """
    a = np.asarray(t._host())
    if a.dtype.name == "bfloat16":
        a = a.astype(np.float32)  # exact; NumPy cannot format ml_dtypes' bfloat16 the way Python floats print
    name, indent = t.dtype.name, len(_PREFIX)
    dtype_suffix = f"dtype=brickwork.{name}"
    suffixes = [f"device='{t.device}'"] if str(t.device) != "cpu" else []
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if name != _default_dtype_names()[0]:  # no elements show whether it holds integers
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={tuple(a.shape)}")
        if name not in _default_dtype_names() + ("int64", "bool"):
            suffixes.append(dtype_suffix)
        summarize = a.size > _OPTS.threshold
        shown = _edges(a) if summarize else a
        fmt = _ComplexFormatter(shown) if a.dtype.kind == "c" else _Formatter(shown, t.dtype.is_floating_point)
        body = _body(a, indent, summarize, fmt)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(_PREFIX + body, suffixes, indent)
