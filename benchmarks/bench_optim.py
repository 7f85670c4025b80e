"""Optimizer step time: Adam, AdamW and SGD(momentum) on an MLP's parameters (784x256 + 256x10 with biases).

Gradients are fixed random arrays, so only ``optimizer.step()`` is timed; both libraries run interleaved in one
process. PyTorch runs its default CPU path (the per-tensor loop, as in ``torch.optim`` on CPU).

Run: python benchmarks/bench_optim.py [--torch-threads N] [--out benchmarks/results/optim.md]
"""

from __future__ import annotations

import numpy as np
import torch

import brickwork

from _harness import compare, machine, options, report, table

SHAPES = [(256, 784), (256,), (10, 256), (10,)]


def make(lib: object, name: str, **kwargs: object) -> object:
    rng = np.random.default_rng(0)
    params = []
    for shape in SHAPES:
        p = lib.tensor(rng.standard_normal(shape).astype(np.float32) * 0.05, requires_grad=True)
        p.grad = lib.tensor(rng.standard_normal(shape).astype(np.float32) * 1e-3)
        params.append(p)
    return getattr(lib.optim, name)(params, **kwargs)


def main() -> None:
    args = options(__doc__, repeat=200)
    cases = [("Adam.step", "Adam", {"lr": 1e-3}), ("AdamW.step", "AdamW", {"lr": 1e-3}),
             ("Adam(amsgrad).step", "Adam", {"lr": 1e-3, "amsgrad": True}),
             ("SGD(momentum=0.9).step", "SGD", {"lr": 0.01, "momentum": 0.9}),
             ("SGD(momentum=0.9, nesterov, weight_decay).step", "SGD",
              {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-4})]
    rows = []
    for label, name, kwargs in cases:
        ob, ot = make(brickwork, name, **kwargs), make(torch, name, **kwargs)
        rows.append(compare(label, ob.step, ot.step, repeat=args.repeat, warmup=5, unit=1e6))
    text = (f"Machine: {machine()}; PyTorch threads: {torch.get_num_threads()}\n\n"
            + table(rows, unit="us", target={r["name"]: "<= 1.0" for r in rows}))
    report(text, args.out)


if __name__ == "__main__":
    main()
