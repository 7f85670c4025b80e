"""Cross entropy forward + backward: brickwork's fused primitive, the same loss composed of tensor ops
(``log_softmax`` then a gather-based ``nll_loss``), and PyTorch, on classifier and language-model shapes.

Run: python benchmarks/bench_cross_entropy.py [--torch-threads N] [--out benchmarks/results/cross_entropy.md]
"""

from __future__ import annotations

import numpy as np
import torch

import brickwork
import brickwork.nn.functional as F

from _harness import compare, machine, options, report, table

SHAPES = [(256, 10), (1024, 256), (4096, 1000)]


def composite(x: brickwork.Tensor, t: brickwork.Tensor) -> brickwork.Tensor:
    """Cross entropy from primitives: what ``cross_entropy`` would cost without its fused op."""
    return F.nll_loss(x.log_softmax(1), t)


def step(lib_fn: object, x: object, t: object) -> object:
    def run() -> None:
        x.grad = None
        lib_fn(x, t).backward()
    return run


def main() -> None:
    args = options(__doc__, repeat=50)
    rng = np.random.default_rng(0)
    rows = []
    for n, c in SHAPES:
        x = rng.standard_normal((n, c)).astype(np.float32)
        t = rng.integers(0, c, n)
        bx, tx = brickwork.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        bt, tt = brickwork.tensor(t), torch.tensor(t)
        fused = step(F.cross_entropy, bx, bt)
        comp = step(composite, bx, bt)
        theirs = step(torch.nn.functional.cross_entropy, tx, tt)
        rows.append(compare(f"cross_entropy fused ({n}x{c})", fused, theirs, repeat=args.repeat))
        rows.append(compare(f"cross_entropy composite ({n}x{c})", comp, theirs, repeat=args.repeat))
        rows.append(compare(f"fused / composite ({n}x{c})", fused, comp, repeat=args.repeat))
    text = (f"Machine: {machine()}; PyTorch threads: {torch.get_num_threads()}\n"
            "(in the 'fused / composite' rows the PyTorch column holds the composite's time)\n\n" + table(rows))
    report(text, args.out)


if __name__ == "__main__":
    main()
