"""Batch norm and layer norm in training, forward + backward: brickwork's fused primitive, the same math
composed of tensor ops (what it would cost without the primitive), and PyTorch.

``--cpu-time``: one thread each, timed by process CPU time (see bench_conv.py).

Run: python benchmarks/bench_norm.py [--torch-threads 1] [--cpu-time] [--repeat 30] [--out results/norm.md]
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


def composite_batch_norm(x: brickwork.Tensor, w: brickwork.Tensor, b: brickwork.Tensor) -> brickwork.Tensor:
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(dims, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dims, keepdim=True)
    return xc * (var + 1e-5).rsqrt() * w.reshape(shape) + b.reshape(shape)


def composite_layer_norm(x: brickwork.Tensor, w: brickwork.Tensor, b: brickwork.Tensor) -> brickwork.Tensor:
    mean = x.mean(-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(-1, keepdim=True)
    return xc * (var + 1e-5).rsqrt() * w + b


def main() -> None:
    args = options(__doc__, repeat=30, cpu_time=True)
    compare_ = partial(compare, clock=args.clock)
    rng = np.random.default_rng(0)
    cases = [("batch_norm (128, 16, 8, 8)", (128, 16, 8, 8), 16,
              lambda x, w, b: F.batch_norm(x, None, None, w, b, True), composite_batch_norm,
              lambda x, w, b: torch.nn.functional.batch_norm(x, None, None, w, b, True)),
             ("layer_norm (32, 64, 128)", (32, 64, 128), 128,
              lambda x, w, b: F.layer_norm(x, (128,), w, b), composite_layer_norm,
              lambda x, w, b: torch.nn.functional.layer_norm(x, (128,), w, b))]
    rows = []
    for name, shape, c, fused, comp, theirs in cases:
        x, g = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
        w, b = (rng.standard_normal(c).astype(np.float32) for _ in range(2))
        bx, bw_, bb = (brickwork.tensor(a, requires_grad=True) for a in (x, w, b))
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        ours = backward_step(fused, bx, bw_, bb, grad=brickwork.tensor(g))
        mine = backward_step(comp, bx, bw_, bb, grad=brickwork.tensor(g))
        ref = backward_step(theirs, tx, tw, tb, grad=torch.tensor(g))
        rows.append(compare_(f"{name} fused", ours, ref, repeat=args.repeat))
        rows.append(compare_(f"{name} composite", mine, ref, repeat=args.repeat))
        rows.append(compare_(f"{name} fused / composite", ours, mine, repeat=args.repeat))
    clock = "process CPU time, OpenBLAS 1 thread" if args.cpu_time else "wall clock"
    text = (f"Machine: {machine()}; PyTorch threads: {torch.get_num_threads()}; {clock}\n"
            "(in the 'fused / composite' rows the PyTorch column holds the composite's time)\n\n" + table(rows))
    report(text, args.out)


if __name__ == "__main__":
    main()
