"""Full training steps (zero_grad, forward, loss, backward, optimizer step): brickwork time / PyTorch time.

Each model is written once as a function of the library module (benchmarks/_models.py), built in both
libraries with PyTorch's initial weights copied across, fed the same batch, and stepped in one process, the two
libraries alternating in blocks of consecutive steps; the table reports per-step medians and their ratio. Before
timing, the first steps' losses of the two libraries are compared, so a row only counts when both compute the
same thing.

Rows: an MLP 784-256-10 with SGD at batch 16 (framework overhead) and 256 (allocation and GEMMs), LeNet-5
(ReLU, average pooling) with SGD at batch 128, and a transformer block (``nn.TransformerEncoderLayer`` d_model
128, 4 heads, feed-forward 512, dropout 0, batch_first; 16 sequences of 64 tokens) with a linear head, token
cross entropy and Adam.

Run: python benchmarks/bench_train.py [--threads N] [--only SUBSTRING] [--scale F] [--block K]
[--profile SUBSTRING] [--out benchmarks/results/train.md]

On a loaded machine, ``nice -n -15`` (as root) keeps the neighbours from taking the core in the middle of a step;
both libraries profit alike.

Threads: ``--threads N`` (default 1) pins both libraries to N threads: OpenBLAS and OpenMP through the
environment before NumPy and PyTorch load, and ``torch.set_num_threads(N)``. On the shared 2-vCPU machines a
busy neighbour makes two-thread BLAS collapse in either library (see /work/shared/PERFORMANCE.md), while one
thread each gives stable, fair ratios. ``--threads 0`` leaves both libraries at their defaults.
"""

from __future__ import annotations

import os
import sys


def _threads_from_argv(argv: list[str]) -> int:
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 1


THREADS = _threads_from_argv(sys.argv)
if THREADS:  # must reach OpenBLAS / OpenMP / MKL before NumPy and PyTorch are imported
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = str(THREADS)

import argparse
import cProfile
import pstats
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from _harness import machine, report
from _models import lenet5, mlp, transformer

import brickwork

# -- the loss (the models, written once for both libraries, are in _models.py) -------------------------------

def classify(lib: Any, out: Any, y: Any) -> Any:
    """Cross entropy over the last dimension (tokens are flattened into the batch)."""
    return lib.nn.functional.cross_entropy(out if out.ndim == 2 else out.reshape(-1, out.shape[-1]), y)


# name, model, input shape, number of targets, optimizer, its arguments, target ratio, repeats
CASES: list[tuple[str, Callable[[Any], Any], tuple, int, str, dict, str, int]] = [
    ("MLP 784-256-10, batch 16, SGD", mlp, (16, 784), 16, "SGD", {"lr": 0.01}, "<= 0.7", 600),
    ("MLP 784-256-10, batch 256, SGD", mlp, (256, 784), 256, "SGD", {"lr": 0.01}, "<= 0.9", 300),
    ("LeNet-5, batch 128, SGD", lenet5, (128, 1, 28, 28), 128, "SGD", {"lr": 0.01}, "<= 1.5", 40),
    ("TransformerEncoderLayer d128 h4 ff512, 16x64, Adam", transformer, (16, 64, 128), 16 * 64, "Adam",
     {"lr": 1e-3}, "<= 1.3", 40),
]


# -- building the two sides ---------------------------------------------------------------------------------

def build(case: tuple, seed: int = 0) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], Any]]:
    """Both libraries' step functions for ``case`` (same weights and batch) and a brickwork-only profiler target."""
    _, make, shape, n_targets, opt_name, opt_kwargs, _, _ = case
    torch.manual_seed(seed)
    mt = make(torch)
    mb = make(brickwork)
    mb.load_state_dict({k: brickwork.tensor(v.detach().numpy().copy()) for k, v in mt.state_dict().items()})
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, 10, n_targets)
    xt, yt = torch.tensor(x), torch.tensor(y)
    xb, yb = brickwork.tensor(x), brickwork.tensor(y)
    ot = getattr(torch.optim, opt_name)(mt.parameters(), **opt_kwargs)
    ob = getattr(brickwork.optim, opt_name)(mb.parameters(), **opt_kwargs)

    def step(lib: Any, model: Any, opt: Any, x: Any, y: Any) -> Any:
        opt.zero_grad()
        loss = classify(lib, model(x), y)
        loss.backward()
        opt.step()
        return loss

    return (lambda: step(brickwork, mb, ob, xb, yb)), (lambda: step(torch, mt, ot, xt, yt)), mb


def check_same(ours: Callable[[], Any], theirs: Callable[[], Any], steps: int = 3) -> float:
    """Largest relative difference of the two libraries' losses over the first ``steps`` steps."""
    worst = 0.0
    for _ in range(steps):
        a, b = float(ours().item()), float(theirs().item())
        worst = max(worst, abs(a - b) / max(abs(b), 1e-12))
    return worst


def profile(ours: Callable[[], Any], n: int, top: int = 25) -> None:
    """cProfile ``n`` brickwork steps; print the top entries by own time and by cumulative time."""
    for _ in range(3):
        ours()
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(n):
        ours()
    pr.disable()
    st = pstats.Stats(pr).strip_dirs()
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)


def timed(name: str, ours: Callable[[], Any], theirs: Callable[[], Any], repeat: int, block: int,
          warmup: int = 5) -> dict:
    """Run ``repeat`` steps of each library in alternating blocks of ``block`` consecutive steps (who goes first
    alternates too); medians of the per-step wall and CPU times, in ms.

    Consecutive steps are what training runs: alternating every single step instead makes each library start
    from caches full of the other's arrays (both then run 15-25% slower, unequally). CPU time is the calling
    thread's (``time.thread_time``) when both libraries run on one thread, else the
    process's: on a loaded machine it leaves out the time the step waited for a core, so its ratio stays
    meaningful when wall-clock medians are dominated by the neighbours. Minor page faults per step are counted
    around each call (fresh pages for temporaries are what glibc's thresholds set by ``brickwork.backends._numpy.tune_allocator`` avoid).
    """
    cpu_clock = time.thread_time if THREADS == 1 else time.process_time
    for _ in range(warmup):
        ours()
        theirs()
    wall: dict[str, list[float]] = {"brickwork": [], "torch": []}
    cpu: dict[str, list[float]] = {"brickwork": [], "torch": []}
    faults = {"brickwork": 0, "torch": 0}
    blocks = max(1, repeat // block)
    for i in range(blocks):
        for lib in (("brickwork", "torch") if i % 2 == 0 else ("torch", "brickwork")):
            fn = ours if lib == "brickwork" else theirs
            for _ in range(block):
                f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                c0, t0 = cpu_clock(), time.perf_counter()
                fn()
                t1, c1 = time.perf_counter(), cpu_clock()
                faults[lib] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
                wall[lib].append(t1 - t0)
                cpu[lib].append(c1 - c0)
    repeat = blocks * block
    r: dict[str, Any] = {"name": name}
    for lib in ("brickwork", "torch"):
        r[lib] = statistics.median(wall[lib]) * 1e3
        r["cpu_" + lib] = statistics.median(cpu[lib]) * 1e3
        r["faults_" + lib] = faults[lib] / repeat
    r["ratio"] = r["brickwork"] / r["torch"]
    r["cpu_ratio"] = r["cpu_brickwork"] / r["cpu_torch"]
    return r


def markdown(rows: list[dict], targets: dict[str, str]) -> str:
    """The results table: wall and CPU medians, both ratios, page faults, and whether the target is met."""
    header = ("| benchmark | brickwork wall (ms) | PyTorch wall (ms) | wall ratio | brickwork CPU (ms) | "
              "PyTorch CPU (ms) | CPU ratio | minor faults/step (bw / torch) | target | met (CPU ratio) |")
    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        t = targets[r["name"]]
        met = "yes" if r["cpu_ratio"] <= float(t.split()[-1]) else "NO"
        lines.append(f"| {r['name']} | {r['brickwork']:.3f} | {r['torch']:.3f} | {r['ratio']:.2f} | "
                     f"{r['cpu_brickwork']:.3f} | {r['cpu_torch']:.3f} | {r['cpu_ratio']:.2f} | "
                     f"{r['faults_brickwork']:.1f} / {r['faults_torch']:.1f} | {t} | {met} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1, help="threads for both libraries (0: library defaults)")
    p.add_argument("--only", help="run only the rows whose name contains this text")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every row's number of repeats")
    p.add_argument("--block", type=int, default=0, help="consecutive steps per library before switching "
                   "(default: repeats / 8, at most 10; 1 alternates every step)")
    p.add_argument("--profile", help="cProfile brickwork's step of the first row containing this text, and exit")
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.profile:
        case = next(c for c in CASES if args.profile in c[0])
        ours, _, _ = build(case)
        profile(ours, max(20, case[7]))
        return
    load_before = machine()
    rows, targets, checks = [], {}, []
    for case in CASES:
        if args.only and args.only not in case[0]:
            continue
        ours, theirs, _ = build(case)
        checks.append(f"{case[0]}: {check_same(ours, theirs):.1e}")
        repeat = max(5, int(case[7] * args.scale))
        rows.append(timed(case[0], ours, theirs, repeat, args.block or max(1, min(10, repeat // 8))))
        targets[case[0]] = case[6]
        print(f"{case[0]}: wall {rows[-1]['ratio']:.2f}, CPU {rows[-1]['cpu_ratio']:.2f}", file=sys.stderr)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    clock = "thread CPU time" if THREADS == 1 else "process CPU time (all threads)"
    text = (f"Machine: {load_before} (before); {machine()} (after)\n"
            f"Threads: OpenBLAS {blas}, PyTorch {torch.get_num_threads()} (--threads {args.threads}); niceness "
            f"{os.nice(0)}; "
            f"brickwork mallopt applied: {brickwork.backends._numpy.ALLOCATOR_TUNED}\n"
            "Step = zero_grad + forward + loss + backward + optimizer step; per-step medians, the two libraries "
            f"interleaved in blocks of {args.block or 'up to 10'} consecutive steps (who goes first alternates). "
            f"CPU = {clock}: the target is judged on the CPU ratio, which a loaded machine distorts far less than "
            "the wall-clock ratio (on a quiet machine the two agree).\n\n"
            + markdown(rows, targets)
            + "\n\nLargest relative loss difference, brickwork vs PyTorch, first 3 steps: " + "; ".join(checks))
    report(text, args.out)


if __name__ == "__main__":
    main()
