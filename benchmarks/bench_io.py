"""Save and load a 100M-parameter float32 state dict (25 tensors of 4M, 400 MB): brickwork vs PyTorch.

Runs both libraries in one process, interleaved, on the same data and folder, and prints the median of each
measurement and brickwork's time as a multiple of PyTorch's (below 1.0 means brickwork is faster):

- save: ``brickwork.save`` (atomic: temp file, fsync, rename, fsync of the folder) vs ``torch.save`` (no fsync);
  ``--no-fsync-in-torch`` is the default: pass ``--torch-fsync`` to add an fsync to torch's time for fairness.
- load: ``brickwork.load`` vs ``torch.load(weights_only=True)``, both reading every byte into memory.
- mmap load: ``brickwork.load(mmap=True)`` vs ``torch.load(mmap=True, weights_only=True)``, both lazy.

Both files are in the page cache when loaded (each was just written), so loads measure memory copies and page
faults, not the disk. Usage: ``python benchmarks/bench_io.py [--repeats 5] [--dir /tmp] [--torch-fsync]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch

import brickwork


def timed(fn) -> float:
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    del out
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--dir", default=None, help="folder for the two files (default: a temporary one)")
    ap.add_argument("--tensors", type=int, default=25)
    ap.add_argument("--numel", type=int, default=4_000_000)
    ap.add_argument("--torch-fsync", action="store_true", help="fsync torch's file too, as brickwork always does")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(args.numel, dtype=np.float32) for _ in range(args.tensors)]
    bw_sd = {f"layers.{i}.weight": brickwork.from_numpy(a) for i, a in enumerate(arrays)}
    pt_sd = {f"layers.{i}.weight": torch.from_numpy(a) for i, a in enumerate(arrays)}
    folder = args.dir or tempfile.mkdtemp(prefix="bench_io_")
    bw_path, pt_path = os.path.join(folder, "bw.safetensors"), os.path.join(folder, "pt.pt")

    def torch_save() -> None:
        torch.save(pt_sd, pt_path)
        if args.torch_fsync:
            fd = os.open(pt_path, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)

    cases = {
        "save": (lambda: brickwork.save(bw_sd, bw_path), torch_save),
        "load": (lambda: brickwork.load(bw_path), lambda: torch.load(pt_path, weights_only=True)),
        "mmap load": (lambda: brickwork.load(bw_path, mmap=True),
                      lambda: torch.load(pt_path, weights_only=True, mmap=True)),
    }
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in cases}
    first = True
    for _ in range(args.repeats + 1):  # the first round warms up imports and the allocator, and is dropped
        for name, (bw_fn, pt_fn) in cases.items():
            b, p = timed(bw_fn), timed(pt_fn)
            if not first:
                times[name][0].append(b)
                times[name][1].append(p)
        first = False

    back = brickwork.load(bw_path)
    assert all(np.array_equal(back[k].numpy(), bw_sd[k].numpy()) for k in bw_sd)
    mb = sum(a.nbytes for a in arrays) / 1e6
    print(f"{args.tensors} float32 tensors x {args.numel:,} = {mb:.0f} MB, median of {args.repeats}, "
          f"load average {os.getloadavg()[0]:.1f}, torch fsync: {args.torch_fsync}")
    print(f"{'':10} {'brickwork':>10} {'torch':>10} {'ratio':>7}")
    for name, (b, p) in times.items():
        mb_, mp = statistics.median(b), statistics.median(p)
        print(f"{name:10} {mb_ * 1e3:8.1f}ms {mp * 1e3:8.1f}ms {mb_ / mp:7.2f}x")
    if not args.dir:
        for path in (bw_path, pt_path):
            os.remove(path)
        os.rmdir(folder)


if __name__ == "__main__":
    main()
