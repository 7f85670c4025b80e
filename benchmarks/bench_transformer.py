"""Transformer block training step: ``nn.TransformerEncoderLayer`` (d_model 128, 4 heads, feed-forward 512,
dropout 0.1, batch_first) on a batch of 16 sequences of 64 tokens, brickwork against PyTorch with the same
weights, interleaved in one process. Rows: forward only, forward + backward, and the full step with Adam.

Run: python benchmarks/bench_transformer.py [--threads N | --torch-threads N] [--causal] [--profile] [--out FILE]

``--threads N`` pins both libraries to N threads (OpenBLAS for NumPy, set before NumPy loads, and PyTorch's
intra-op pool): on a loaded machine two-thread BLAS in either library collapses, and one thread each gives
stable ratios.
"""

from __future__ import annotations

import os
import sys

if "--threads" in sys.argv:  # must reach OpenBLAS before NumPy is imported
    _n = sys.argv[sys.argv.index("--threads") + 1]
    os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = _n

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import brickwork  # noqa: E402

from _harness import compare, machine, report, table  # noqa: E402

D_MODEL, HEADS, FF, SEQ, BATCH = 128, 4, 512, 64, 16


def build(lib: object, state: dict | None) -> object:
    layer = lib.nn.TransformerEncoderLayer(D_MODEL, HEADS, dim_feedforward=FF, dropout=0.1, batch_first=True)
    if state is not None:
        layer.load_state_dict({k: lib.tensor(v) for k, v in state.items()})
    return layer


def steps(lib: object, layer: object, x: object, mask: object) -> dict:
    opt = lib.optim.Adam(layer.parameters(), lr=1e-4)

    def forward() -> None:
        with lib.no_grad():
            layer(x, src_mask=mask)

    def fwd_bwd() -> None:
        layer.zero_grad()
        layer(x, src_mask=mask).square().mean().backward()

    def train_step() -> None:
        opt.zero_grad()
        layer(x, src_mask=mask).square().mean().backward()
        opt.step()

    return {"forward": forward, "forward+backward": fwd_bwd, "train step (Adam)": train_step}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    p.add_argument("--threads", type=int, default=0, help="pin NumPy's BLAS and PyTorch to this many threads")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--causal", action="store_true", help="pass a causal float mask")
    p.add_argument("--profile", action="store_true", help="profile brickwork's train step instead of comparing")
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args()
    if args.torch_threads or args.threads:
        torch.set_num_threads(args.threads or args.torch_threads)
    torch.manual_seed(0)
    t_layer = build(torch, None)
    b_layer = build(brickwork, {k: v.numpy() for k, v in t_layer.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32)
    mask = np.triu(np.full((SEQ, SEQ), -np.inf, np.float32), 1) if args.causal else None
    ours = steps(brickwork, b_layer, brickwork.tensor(x), None if mask is None else brickwork.tensor(mask))
    theirs = steps(torch, t_layer, torch.tensor(x), None if mask is None else torch.tensor(mask))
    if args.profile:
        for _ in range(3):
            ours["train step (Adam)"]()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(20):
            ours["train step (Adam)"]()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return
    rows = [compare(name, ours[name], theirs[name], repeat=args.repeat) for name in ours]
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    text = (f"Machine: {machine()}; PyTorch threads: {torch.get_num_threads()}; NumPy BLAS threads: {blas}; "
            f"causal mask: {args.causal}\n\n"
            + table(rows, target={"forward+backward": "<= 1.3", "train step (Adam)": "<= 1.3"}))
    report(text, args.out)


if __name__ == "__main__":
    main()
