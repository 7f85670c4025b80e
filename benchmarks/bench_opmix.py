"""Per-op overhead on small tensors: a mix of recorded ops on 16x16 tensors, forward and backward.

The mix is matmul, broadcast add, mul, sub, exp, add of a number, div, tanh, two reshapes, transpose and a row
index (12 recorded ops; 13 with the final sum), brickwork and PyTorch interleaved in one process, one thread each.

Run: python benchmarks/bench_opmix.py [--out FILE]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402

import torch  # noqa: E402

import brickwork  # noqa: E402

from _harness import compare, machine, report, table  # noqa: E402

OPS = 12  # recorded ops in mix()


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

    rows = [
        compare("op mix on 16x16, forward (per op, us)", lambda: mix(*tb), lambda: mix(*tt), repeat=args.repeat,
                unit=1e6, per=OPS),
        compare("op mix on 16x16, forward + backward (per op, us)", lambda: step(tb), lambda: step(tt),
                repeat=args.repeat, unit=1e6, per=OPS + 1),
    ]
    report(f"Machine: {machine()}\n\n" + table(rows, unit="us"), args.out)


if __name__ == "__main__":
    main()
