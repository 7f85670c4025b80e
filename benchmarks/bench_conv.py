"""Convolution speed against PyTorch: conv2d forward, and forward + backward, at LeNet-5's shapes (batch 128:
1x28x28 -> 6 channels 5x5, and 6x12x12 -> 16 channels 5x5), plus the 2x2 max pool after each.

The first layer's input needs no gradient in a network (it is the data), the second's does; both variants
are timed. Times are medians of interleaved runs in one process; quote the ratios, not the milliseconds.

With ``--cpu-time`` both libraries run on one thread and each run is timed by the process's CPU time (the
median of interleaved runs), which a busy machine disturbs far less than wall-clock time.

Run: python benchmarks/bench_conv.py [--torch-threads 1] [--cpu-time] [--repeat 30] [--out results/conv.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

if "--cpu-time" in sys.argv:  # must precede NumPy's import for OpenBLAS to read it
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

import brickwork  # noqa: E402
import brickwork.nn.functional as F  # noqa: E402

from _harness import compare, machine, table  # noqa: E402


def compare_cpu(name: str, ours: object, theirs: object, repeat: int = 30) -> dict:
    """:func:`_harness.compare` timed with ``time.process_time`` (single-threaded runs only)."""
    for _ in range(3):
        ours()
        theirs()
    a, b = [], []
    for _ in range(repeat):
        t0 = time.process_time()
        ours()
        t1 = time.process_time()
        theirs()
        t2 = time.process_time()
        a.append(t1 - t0)
        b.append(t2 - t1)
    ma, mb = statistics.median(a) * 1e3, statistics.median(b) * 1e3
    return {"name": name, "brickwork": ma, "torch": mb, "ratio": ma / mb if mb else float("nan")}

SHAPES = [("conv1 1x28x28->6", (128, 1, 28, 28), (6, 1, 5, 5)), ("conv2 6x12x12->16", (128, 6, 12, 12), (16, 6, 5, 5))]


def forward(lib: object, fn: object, x: object, w: object, b: object) -> object:
    def run() -> None:
        with lib.no_grad():
            fn(x, w, b)
    return run


def train(fn: object, x: object, w: object, b: object, g: object) -> object:
    def run() -> None:
        x.grad = w.grad = b.grad = None
        fn(x, w, b).backward(g)
    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    p.add_argument("--cpu-time", action="store_true", help="one thread each, timed by process CPU time")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args()
    if args.torch_threads or args.cpu_time:
        torch.set_num_threads(1 if args.cpu_time else args.torch_threads)
    compare_ = compare_cpu if args.cpu_time else compare
    rng = np.random.default_rng(0)
    rows = []
    for name, xs, ws in SHAPES:
        x, w, b = (rng.standard_normal(s).astype(np.float32) for s in (xs, ws, ws[:1]))
        out = (xs[0], ws[0], xs[2] - ws[2] + 1, xs[3] - ws[3] + 1)
        g = rng.standard_normal(out).astype(np.float32)
        for x_grad in (False, True):
            bx, tx = brickwork.tensor(x, requires_grad=x_grad), torch.tensor(x, requires_grad=x_grad)
            bw_, tw = brickwork.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
            bb, tb = brickwork.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
            if not x_grad:
                rows.append(compare_(f"{name} forward", forward(brickwork, F.conv2d, bx, bw_, bb),
                                    forward(torch, torch.nn.functional.conv2d, tx, tw, tb), repeat=args.repeat))
            label = "forward+backward" + (" (input grad)" if x_grad else "")
            rows.append(compare_(f"{name} {label}", train(F.conv2d, bx, bw_, bb, brickwork.tensor(g)),
                                train(torch.nn.functional.conv2d, tx, tw, tb, torch.tensor(g)), repeat=args.repeat))
        y = rng.standard_normal(out).astype(np.float32)
        by, ty = brickwork.tensor(y, requires_grad=True), torch.tensor(y, requires_grad=True)
        gp = rng.standard_normal(out[:2] + (out[2] // 2, out[3] // 2)).astype(np.float32)
        rows.append(compare_(f"max_pool2d 2x2 after {name.split()[0]} forward+backward",
                            lambda: F.max_pool2d(by, 2).backward(brickwork.tensor(gp)),
                            lambda: torch.nn.functional.max_pool2d(ty, 2).backward(torch.tensor(gp)),
                            repeat=args.repeat))
    clock = "process CPU time, OpenBLAS 1 thread" if args.cpu_time else "wall clock"
    text = f"Machine: {machine()}; PyTorch threads: {torch.get_num_threads()}; {clock}\n\n" + table(rows)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
