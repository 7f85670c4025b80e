"""Shared benchmark harness: run brickwork and PyTorch side by side, interleaved, and report medians and ratios.

Absolute times drift on shared machines, so every figure is a ratio measured in one process, with the two
libraries alternating run by run.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Callable


def machine() -> str:
    """One line describing the machine and the load on it."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average {load:.2f}"


def compare(name: str, ours: Callable[[], object], theirs: Callable[[], object], repeat: int = 30,
            warmup: int = 3, unit: float = 1e3, per: int = 1) -> dict:
    """Time ``ours`` and ``theirs`` alternately; return medians (ms by default, divided by ``per``) and the ratio.

    Example:
        >>> r = compare("noop", lambda: None, lambda: None, repeat=3, warmup=0)
        >>> sorted(r)
        ['brickwork', 'name', 'ratio', 'torch']
    """
    for _ in range(warmup):
        ours()
        theirs()
    a, b = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ours()
        t1 = time.perf_counter()
        theirs()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    ma, mb = statistics.median(a) * unit / per, statistics.median(b) * unit / per
    return {"name": name, "brickwork": ma, "torch": mb, "ratio": ma / mb if mb else float("nan")}


def table(rows: list[dict], unit: str = "ms", target: dict | None = None) -> str:
    """A markdown table of :func:`compare` results, with an optional target ratio per row."""
    target = target or {}
    lines = [f"| benchmark | brickwork ({unit}) | PyTorch ({unit}) | ratio | target |", "|---|---:|---:|---:|---|"]
    for r in rows:
        t = target.get(r["name"], "")
        lines.append(f"| {r['name']} | {r['brickwork']:.3f} | {r['torch']:.3f} | {r['ratio']:.2f} | {t} |")
    return "\n".join(lines)
