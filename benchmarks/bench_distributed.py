"""brickwork.distributed (MPI) against torch.distributed (gloo), side by side, at 2 processes on this machine.

Run: python benchmarks/bench_distributed.py [--out benchmarks/results/distributed.md]

The script starts itself on 2 ranks with ``brickwork run``. Each rank joins both libraries' process groups (brickwork
over MPI, PyTorch over gloo with the launcher's MASTER_ADDR/MASTER_PORT) and times them alternately, operation by
operation: all-reduce of float32 buffers from 1 KB to 100 MB (latency and bus bandwidth), and a DistributedDataParallel
training step of the MLP (784-256-10, batch 128 per rank, SGD) and of the GPT-style LM (2 pre-LN blocks, d 128,
seq 64, batch 16 per rank, AdamW). One BLAS thread each; medians of rank 0's wall-clock times; ratio =
brickwork / PyTorch. The machine is shared: read the ratios, not the absolute times.
"""

from __future__ import annotations

import os
import sys

if "RANK" not in os.environ:  # the outer call: start 2 ranks of this script and pass the options on
    import subprocess

    one = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    sys.exit(subprocess.run([sys.executable, "-m", "brickwork.distributed.run", "--nproc-per-node", "2",
                             os.path.abspath(__file__), *sys.argv[1:]], env=one).returncode)

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.distributed as tdist  # noqa: E402

import brickwork  # noqa: E402
import brickwork.distributed as bdist  # noqa: E402
from _models import gpt, mlp  # noqa: E402

SIZES = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return "unknown CPU"


def timed_blocks(ours, theirs, barriers, rounds: int, block: int) -> tuple[float, float]:
    """Median time of one call of ``ours`` and of ``theirs``: blocks of ``block`` calls of each, alternating for
    ``rounds`` rounds, every call timed alone after a barrier of its own library."""
    times: tuple[list, list] = ([], [])
    for _ in range(rounds):
        for k, fn in enumerate((ours, theirs)):
            for _ in range(block):
                barriers[k]()
                t0 = time.perf_counter()
                fn()
                times[k].append(time.perf_counter() - t0)
    return statistics.median(times[0]), statistics.median(times[1])


def all_reduce_rows(reps_scale: float) -> list[dict]:
    rows = []
    for nbytes in SIZES:
        n = nbytes // 4
        a, b = brickwork.ones(n), torch.ones(n)
        reps = max(6, int(min(200, 2e7 / nbytes) * reps_scale))
        block = max(1, min(10, reps // 6))
        for _ in range(2):  # warm-up
            bdist.all_reduce(a)
            tdist.all_reduce(b)
        ma, mb = timed_blocks(lambda: bdist.all_reduce(a), lambda: tdist.all_reduce(b),
                              (bdist.barrier, tdist.barrier), max(reps // block, 3), block)
        rows.append({"size": nbytes, "brickwork": ma, "torch": mb})
    return rows


def ddp_step(lib: object, dist_mod: object, model: object, opt: object, x: object, y: object, loss_fn: object):
    def step() -> None:
        opt.zero_grad()
        out = model(x)
        loss_fn(out.reshape(-1, out.shape[-1]), y.reshape(-1)).backward()
        opt.step()
    return step


def ddp_rows(reps: int) -> list[dict]:
    from brickwork.nn.parallel import DistributedDataParallel as BDDP
    from torch.nn.parallel import DistributedDataParallel as TDDP

    rows = []
    cases = [("MLP 784-256-10, batch 128 per rank, SGD", mlp, lambda lib: (lib.randn(128, 784),
                                                                        lib.randint(0, 10, (128,))),
              lambda lib, ps: lib.optim.SGD(ps, lr=0.01), reps),
             ("GPT-style LM (2 blocks, d 128, seq 64), batch 16 per rank, AdamW", gpt,
              lambda lib: (lib.randint(0, 1000, (16, 64)), lib.randint(0, 1000, (16, 64))),
              lambda lib, ps: lib.optim.AdamW(ps, lr=1e-3), max(reps // 2, 5))]
    for name, build, data, make_opt, n in cases:
        for wrapped in (True, False):  # the DDP step, and the same step of one process alone for comparison
            steps = []
            for lib, dist_mod, ddp in ((brickwork, bdist, BDDP), (torch, tdist, TDDP)):
                lib.manual_seed(0)
                model = ddp(build(lib)) if wrapped else build(lib)
                x, y = data(lib)
                steps.append(ddp_step(lib, dist_mod, model, make_opt(lib, model.parameters()), x, y,
                                      lib.nn.functional.cross_entropy))
            for _ in range(3):
                steps[0]()
                steps[1]()
            ta, tb = timed_blocks(steps[0], steps[1], (bdist.barrier, tdist.barrier), max(n // 5, 2), 5)
            rows.append({"name": name if wrapped else "the same step without DDP (no communication)",
                         "brickwork": ta, "torch": tb})
    return rows


def human(nbytes: int) -> str:
    for unit, k in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if nbytes >= k:
            return f"{nbytes / k:g} {unit}"
    return f"{nbytes} B"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", help="also write the markdown tables to this file")
    p.add_argument("--reps", type=float, default=1.0, help="scale the number of repetitions")
    args = p.parse_args()
    torch.set_num_threads(1)
    bdist.init_process_group("mpi")
    tdist.init_process_group("gloo")
    rank = bdist.get_rank()
    load0 = os.getloadavg()[0]
    ar = all_reduce_rows(args.reps)
    steps = ddp_rows(max(int(20 * args.reps), 5))
    load1 = os.getloadavg()[0]
    if rank == 0:
        lines = ["# brickwork.distributed (MPI) vs torch.distributed (gloo), 2 processes",
                 "", f"{cpu_model()}, {os.cpu_count()} CPUs, load average {load0:.2f} at the start and "
                 f"{load1:.2f} at the end; {bdist.get_world_size()} ranks, 1 BLAS thread each, medians of rank 0.",
                 "", "| all-reduce (float32) | brickwork | PyTorch gloo | ratio | brickwork bus bandwidth |",
                 "|---|---:|---:|---:|---:|"]
        for r in ar:
            bw = r["size"] / r["brickwork"] / 1e9  # for 2 ranks the bus bandwidth equals the algorithm bandwidth
            lines.append(f"| {human(r['size'])} | {r['brickwork'] * 1e6:,.1f} µs | {r['torch'] * 1e6:,.1f} µs | "
                         f"{r['brickwork'] / r['torch']:.2f} | {bw:.2f} GB/s |")
        lines += ["", "| DDP training step, 2 ranks | brickwork | PyTorch gloo | ratio |", "|---|---:|---:|---:|"]
        for r in steps:
            lines.append(f"| {r['name']} | {r['brickwork'] * 1e3:.2f} ms | {r['torch'] * 1e3:.2f} ms | "
                         f"{r['brickwork'] / r['torch']:.2f} |")
        text = "\n".join(lines)
        print(text, flush=True)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text + "\n")
    tdist.destroy_process_group()
    bdist.destroy_process_group()


if __name__ == "__main__":
    main()
