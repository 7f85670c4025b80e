"""Per-op overhead on small tensors: a chain of tensor-tensor ops on 16 floats and a mix of recorded ops on 16x16
tensors, forward and backward (issue 11's first two rows).

The chain is ``y = (y * b + b).relu() - b`` 25 times (100 recorded ops; 101 with the final sum), ``b`` a leaf
that requires grad. The mix is matmul, broadcast add, mul, sub, exp, add of a number, div, tanh, two reshapes,
transpose and a row index (12 recorded ops; 13 with the final sum). brickwork and PyTorch run interleaved in one
process, one thread each, timed by process CPU time; medians per op. By default they alternate every call (the
method of the issue's figures, which the targets are judged on); ``--block N`` runs N consecutive calls of each
library in turn instead (who goes first alternates), as the training-step benchmarks do. Alternating every call
makes each library start from caches the other has just filled, which costs brickwork's Python-level ops more than
PyTorch's: at the end of the fourth session the op chain measured 0.84 alternating and 0.72 in blocks of 10, the
op mix 0.73 and 0.55.

Run: python benchmarks/bench_opmix.py [--block N] [--out FILE]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

import brickwork  # noqa: E402

from _harness import compare, machine, report, table  # noqa: E402

OPS = 12  # recorded ops in mix()


def chain(y: object, b: object) -> object:
    for _ in range(25):  # 4 recorded tensor-tensor ops a round
        y = (y * b + b).relu() - b
    return y


def mix(a: object, b: object, v: object) -> object:
    y = a @ b  # matmul
    y = y + v  # broadcast add
    y = y * b
    y = y - a
    y = y / (b.exp() + 1.0)  # exp, div (and an add of a number)
    y = y.tanh()
    y = y.reshape(256).reshape(16, 16).transpose(0, 1)
    return y[3]  # row index


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", help="also write the markdown table to this file")
    p.add_argument("--repeat", type=int, default=400)
    p.add_argument("--block", type=int, default=1, help="consecutive calls per library before switching")
    args = p.parse_args()
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    ts = [torch.randn(16, 16, generator=gen), torch.randn(16, 16, generator=gen), torch.randn(16, generator=gen)]
    tt = [t.clone().requires_grad_() for t in ts]
    tb = [brickwork.tensor(t.numpy(), requires_grad=True) for t in ts]

    def step(lib_inputs: list) -> None:
        for t in lib_inputs:
            t.grad = None
        mix(*lib_inputs).sum().backward()

    cb = [brickwork.ones(16, requires_grad=True), brickwork.full((16,), 0.5, requires_grad=True)]
    ct = [torch.ones(16, requires_grad=True), torch.full((16,), 0.5, requires_grad=True)]

    def chain_step(lib_inputs: list) -> None:
        for t in lib_inputs:
            t.grad = None
        chain(*lib_inputs).sum().backward()

    clock = time.process_time
    rows = [
        compare("op chain on 16 floats, forward (per op, us)", lambda: chain(*cb), lambda: chain(*ct),
                repeat=args.repeat, unit=1e6, per=100, clock=clock, block=args.block),
        compare("op chain on 16 floats, forward + backward (per op, us)", lambda: chain_step(cb),
                lambda: chain_step(ct), repeat=args.repeat, unit=1e6, per=101, clock=clock, block=args.block),
        compare("op mix on 16x16, forward (per op, us)", lambda: mix(*tb), lambda: mix(*tt), repeat=args.repeat,
                unit=1e6, per=OPS, clock=clock, block=args.block),
        compare("op mix on 16x16, forward + backward (per op, us)", lambda: step(tb), lambda: step(tt),
                repeat=args.repeat, unit=1e6, per=OPS + 1, clock=clock, block=args.block),
    ]
    target = {"op chain on 16 floats, forward + backward (per op, us)": "<= 0.7",
              "op mix on 16x16, forward + backward (per op, us)": "<= 0.8"}
    report(f"Machine: {machine()}\n\n" + table(rows, unit="us", target=target), args.out)


if __name__ == "__main__":
    main()
