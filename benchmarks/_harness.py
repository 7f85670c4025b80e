"""Shared benchmark harness: run brickwork and PyTorch side by side, interleaved, and report medians and ratios.

Absolute times drift on shared machines, so every figure is a ratio measured in one process, with the two
libraries alternating run by run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any


def machine() -> str:
    """One line describing the machine and the load on it."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average {load:.2f}"


def options(doc: str, repeat: int, cpu_time: bool = False) -> argparse.Namespace:
    """Parse the options the benchmarks share, and set PyTorch's threads from them.

    ``--torch-threads N`` (0: PyTorch's default), ``--repeat N``, ``--out FILE`` and, with ``cpu_time``,
    ``--cpu-time``: one thread each, and ``args.clock`` (the clock for :func:`compare`) the process's CPU time
    (the script sets ``OPENBLAS_NUM_THREADS=1`` itself, before NumPy is imported).
    """
    import torch  # here, not at the top: bench_gpu.py uses this module where PyTorch may be missing

    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    if cpu_time:
        p.add_argument("--cpu-time", action="store_true", help="one thread each, timed by process CPU time")
    p.add_argument("--repeat", type=int, default=repeat)
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args()
    args.cpu_time = getattr(args, "cpu_time", False)
    if args.torch_threads or args.cpu_time:
        torch.set_num_threads(1 if args.cpu_time else args.torch_threads)
    args.clock = time.process_time if args.cpu_time else time.perf_counter
    return args


def backward_step(fn: Callable[..., Any], *inputs: Any, grad: Any = None) -> Callable[[], None]:
    """A run for :func:`compare`: clear the gradients of ``inputs``, then ``fn(*inputs).backward(grad)``."""
    def run() -> None:
        for t in inputs:
            t.grad = None
        fn(*inputs).backward(grad)
    return run


def compare(name: str, ours: Callable[[], object], theirs: Callable[[], object], repeat: int = 30,
            warmup: int = 3, unit: float = 1e3, per: int = 1, clock: Callable[[], float] = time.perf_counter,
            block: int = 1) -> dict:
    """Time ``ours`` and ``theirs`` alternately; return medians (ms by default, divided by ``per``) and the ratio.

    ``clock`` is wall-clock time by default; ``time.process_time`` suits single-threaded runs on a busy machine.
    With ``block`` > 1 each library runs that many calls in a row before the other takes over, and who goes first
    alternates: a program runs one library's ops back to back, and alternating every call makes each start from
    caches the other has just filled (see bench_train.timed).

    Example:
        >>> r = compare("noop", lambda: None, lambda: None, repeat=3, warmup=0)
        >>> sorted(r)
        ['brickwork', 'name', 'ratio', 'torch']
    """
    for _ in range(warmup):
        ours()
        theirs()
    a: list[float] = []
    b: list[float] = []
    if block <= 1:
        for _ in range(repeat):
            t0 = clock()
            ours()
            t1 = clock()
            theirs()
            t2 = clock()
            a.append(t1 - t0)
            b.append(t2 - t1)
    else:
        for i in range(max(1, repeat // block)):
            for fn, times in ((ours, a), (theirs, b)) if i % 2 == 0 else ((theirs, b), (ours, a)):
                for _ in range(block):
                    t0 = clock()
                    fn()
                    times.append(clock() - t0)
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


def report(text: str, out: str | None) -> None:
    """Print ``text``, and write it to the file ``out`` too when one is given."""
    print(text)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
