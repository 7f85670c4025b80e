"""Convolution speed against PyTorch: conv2d forward, and forward + backward, at LeNet-5's shapes (batch 128:
1x28x28 -> 6 channels 5x5, and 6x12x12 -> 16 channels 5x5), plus the 2x2 max pool after each.

The first layer's input needs no gradient in a network (it is the data), the second's does; both variants
are timed. Times are medians of interleaved runs in one process; quote the ratios, not the milliseconds.

With ``--cpu-time`` both libraries run on one thread and each run is timed by the process's CPU time (the
median of interleaved runs), which a busy machine disturbs far less than wall-clock time.

Run: python benchmarks/bench_conv.py [--torch-threads 1] [--cpu-time] [--repeat 30] [--out results/conv.md]
"""

from __future__ import annotations

import os
import sys
from functools import partial

if "--cpu-time" in sys.argv:  # must precede NumPy's import for OpenBLAS to read it
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

import brickwork  # noqa: E402
import brickwork.nn.functional as F  # noqa: E402

from _harness import backward_step, compare, machine, options, report, table  # noqa: E402

SHAPES = [("conv1 1x28x28->6", (128, 1, 28, 28), (6, 1, 5, 5)), ("conv2 6x12x12->16", (128, 6, 12, 12), (16, 6, 5, 5))]


def forward(lib: object, fn: object, x: object, w: object, b: object) -> object:
    def run() -> None:
        with lib.no_grad():
            fn(x, w, b)
    return run


def main() -> None:
    args = options(__doc__, repeat=30, cpu_time=True)
    compare_ = partial(compare, clock=args.clock)
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
            rows.append(compare_(f"{name} {label}", backward_step(F.conv2d, bx, bw_, bb, grad=brickwork.tensor(g)),
                                backward_step(torch.nn.functional.conv2d, tx, tw, tb, grad=torch.tensor(g)),
                                repeat=args.repeat))
        y = rng.standard_normal(out).astype(np.float32)
        by, ty = brickwork.tensor(y, requires_grad=True), torch.tensor(y, requires_grad=True)
        gp = rng.standard_normal(out[:2] + (out[2] // 2, out[3] // 2)).astype(np.float32)
        rows.append(compare_(f"max_pool2d 2x2 after {name.split()[0]} forward+backward",
                            lambda: F.max_pool2d(by, 2).backward(brickwork.tensor(gp)),
                            lambda: torch.nn.functional.max_pool2d(ty, 2).backward(torch.tensor(gp)),
                            repeat=args.repeat))
    clock = "process CPU time, OpenBLAS 1 thread" if args.cpu_time else "wall clock"
    text = f"Machine: {machine()}; PyTorch threads: {torch.get_num_threads()}; {clock}\n\n" + table(rows)
    report(text, args.out)


if __name__ == "__main__":
    main()
