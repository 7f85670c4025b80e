"""Core overhead: a chain of 100 tiny recorded ops (16 floats) forward and backward, and import time.

Run: python benchmarks/bench_core.py [--out benchmarks/results/core.md]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import torch

import brickwork

from _harness import compare, machine, report, table


def chain(lib: object, x: object) -> object:
    y = x
    for _ in range(25):  # 4 ops a round: 100 recorded ops
        y = y * 1.01
        y = y + 0.5
        y = y.tanh()
        y = y - 0.1
    return y


def import_ms(module: str, n: int = 5) -> float:
    """Median wall time of ``python -c 'import module'`` minus the interpreter's own start-up."""
    def run(code: str) -> float:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t

    import os

    pkg = os.path.dirname(brickwork.__file__)
    # what a regular pip install does (this environment may set PYTHONDONTWRITEBYTECODE)
    subprocess.run([sys.executable, "-m", "compileall", "-q", pkg], check=True)
    base = statistics.median(run("pass") for _ in range(n))
    return (statistics.median(run(f"import {module}") for _ in range(n)) - base) * 1e3


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args()
    torch.set_num_threads(1)
    xb = brickwork.ones(16, requires_grad=True)
    xt = torch.ones(16, requires_grad=True)

    def fb(lib: object, x: object) -> None:
        chain(lib, x).sum().backward()

    rows = [
        compare("chain of 100 ops, forward (per op, us)", lambda: chain(brickwork, xb), lambda: chain(torch, xt),
                repeat=300, unit=1e6, per=100),
        compare("chain of 100 ops, forward + backward (per op, us)", lambda: fb(brickwork, xb),
                lambda: fb(torch, xt), repeat=300, unit=1e6, per=100),
    ]
    ib, it = import_ms("brickwork"), import_ms("torch")
    rows.append({"name": "import (ms)", "brickwork": ib, "torch": it, "ratio": ib / it})
    text = (f"Machine: {machine()}\n\n" + table(rows, unit="see row", target={
        "chain of 100 ops, forward + backward (per op, us)": "<= 0.7", "import (ms)": "<= 200 ms"}))
    report(text, args.out)


if __name__ == "__main__":
    main()
