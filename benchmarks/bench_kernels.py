"""The workloads brickwork's kernels (``brickwork/kernels``) serve, side by side with PyTorch: brickwork ÷ PyTorch.

Rows (issue 11's table, same shapes and optimizers):

- ``nn.LayerNorm(256)`` forward + backward on (32, 128, 256);
- a GPT-style LM: token and position embeddings, 2 pre-LN blocks (d 128, 4 heads, causal
  ``F.scaled_dot_product_attention``, GELU MLP 512), final LayerNorm, head to a vocabulary of 1000; sequences of 64
  tokens, batch 16, next-token cross entropy, AdamW;
- the attention block: ``nn.TransformerEncoderLayer(128, 4, 512, dropout=0, activation="gelu")`` and a linear
  head on 16 x 64 x 128, token cross entropy, Adam.

Both libraries get the same weights and batch; the first steps' losses are compared before timing (``loss diff``).
Timing: blocks of consecutive steps, the libraries alternating, one thread each, per-step medians of wall and CPU
time (``bench_train.timed``). ``--compile`` measures instead the first-use cost of the kernels: each row's first
step in a fresh process with an empty Numba cache (compiling), then in a second process (loading the cache).

Run: python benchmarks/bench_kernels.py [--only SUBSTRING] [--scale F] [--compile] [--out FILE]
"""

from __future__ import annotations

import os
import sys

# --threads N (default 1): both libraries on N threads, set before NumPy and PyTorch load (bench_train reads the
# same option for its timer: thread CPU time at 1 thread, process CPU time otherwise)
THREADS = next((int(v) for a, v in zip(sys.argv, sys.argv[1:]) if a == "--threads"), 1)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _harness import machine, report  # noqa: E402
from bench_train import check_same, markdown, timed  # noqa: E402

import brickwork  # noqa: E402

VOCAB, D, HEADS, FF, SEQ, BATCH = 1000, 128, 4, 512, 64, 16


def gpt(lib: Any) -> Any:
    """The GPT-style LM, written once for both libraries."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
            self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
            self.mlp = nn.Sequential(nn.Linear(D, FF), nn.GELU(), nn.Linear(FF, D))

        def forward(self, x: Any) -> Any:
            b, t, _ = x.shape
            q, k, v = self.qkv(self.ln1(x)).reshape(b, t, 3, HEADS, D // HEADS).permute(2, 0, 3, 1, 4).unbind(0)
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(a.transpose(1, 2).reshape(b, t, D))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok, self.pos = nn.Embedding(VOCAB, D), nn.Embedding(SEQ, D)
            self.blocks = nn.Sequential(Block(), Block())
            self.ln, self.head = nn.LayerNorm(D), nn.Linear(D, VOCAB)

        def forward(self, idx: Any) -> Any:
            x = self.tok(idx) + self.pos(lib.arange(idx.shape[1]))
            return self.head(self.ln(self.blocks(x)))

    return GPT()


def attention_block(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(nn.TransformerEncoderLayer(D, HEADS, dim_feedforward=FF, dropout=0.0, activation="gelu",
                                                    batch_first=True), nn.Linear(D, 10))


def _copy_weights(mt: Any, mb: Any) -> None:
    mb.load_state_dict({k: brickwork.tensor(v.detach().numpy().copy()) for k, v in mt.state_dict().items()})


def build_layer_norm() -> tuple[Callable[[], Any], Callable[[], Any]]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 128, 256)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    torch.manual_seed(0)
    lt, lb = torch.nn.LayerNorm(256), brickwork.nn.LayerNorm(256)
    _copy_weights(lt, lb)
    xt, xb = torch.tensor(x, requires_grad=True), brickwork.tensor(x, requires_grad=True)
    gt, gb = torch.tensor(g), brickwork.tensor(g)

    def step(layer: Any, x: Any, g: Any) -> Any:
        x.grad = None
        layer.zero_grad()
        y = layer(x)
        y.backward(g)
        return (y * g).sum()

    return (lambda: step(lb, xb, gb)), (lambda: step(lt, xt, gt))


def build_model(make: Callable[[Any], Any], opt_name: str, lm: bool) -> tuple[Callable[[], Any], Callable[[], Any]]:
    torch.manual_seed(0)
    mt, mb = make(torch), make(brickwork)
    _copy_weights(mt, mb)
    rng = np.random.default_rng(0)
    if lm:
        tokens = rng.integers(0, VOCAB, (BATCH, SEQ + 1))
        x, y = tokens[:, :-1], tokens[:, 1:].reshape(-1)
    else:
        x, y = rng.standard_normal((BATCH, SEQ, D)).astype(np.float32), rng.integers(0, 10, BATCH * SEQ)
    xt, yt, xb, yb = torch.tensor(x), torch.tensor(y), brickwork.tensor(x), brickwork.tensor(y)
    ot = getattr(torch.optim, opt_name)(mt.parameters(), lr=1e-3)
    ob = getattr(brickwork.optim, opt_name)(mb.parameters(), lr=1e-3)

    def step(lib: Any, model: Any, opt: Any, x: Any, y: Any) -> Any:
        opt.zero_grad()
        out = model(x)
        loss = lib.nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y)
        loss.backward()
        opt.step()
        return loss

    return (lambda: step(brickwork, mb, ob, xb, yb)), (lambda: step(torch, mt, ot, xt, yt))


# name, builder, target, repeats
CASES: list[tuple[str, Callable[[], tuple[Callable[[], Any], Callable[[], Any]]], str, int]] = [
    ("nn.LayerNorm(256) fwd+bwd, (32,128,256)", build_layer_norm, "<= 1.0", 60),
    ("GPT-style LM, 2 pre-LN blocks d128 h4, seq 64, batch 16, AdamW", lambda: build_model(gpt, "AdamW", True),
     "<= 1.0", 30),
    ("attention block 16x64x128 (GELU MLP), Adam", lambda: build_model(attention_block, "Adam", False), "<= 1.0", 40),
]


def _first_step_child(name: str) -> None:
    """In a child process: build a row, time brickwork's first step and its second; print JSON."""
    case = next(c for c in CASES if c[0] == name)
    t0 = time.perf_counter()
    ours, _ = case[1]()
    t1 = time.perf_counter()
    ours()
    t2 = time.perf_counter()
    ours()
    t3 = time.perf_counter()
    print(json.dumps({"build": t1 - t0, "first": t2 - t1, "second": t3 - t2}))


def compile_costs(names: list[str]) -> str:
    """Each row's first step in a fresh process with an empty Numba cache, then with the cache it wrote."""
    lines = ["| workload | first step, cold cache (s) | first step, warm cache (s) | a later step, wall (s) |",
             "|---|---:|---:|---:|"]
    here = os.path.dirname(os.path.abspath(__file__))
    rows = [("`brickwork demo --epochs 1`", None)] + [(n, n) for n in names]
    for label, name in rows:
        with tempfile.TemporaryDirectory() as cache:  # an empty cache for each row: cold means compiling all it uses
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            runs = []
            for _ in range(2):  # cold (compiles, writes the cache), then warm (loads it)
                if name is None:
                    with tempfile.TemporaryDirectory() as out:
                        t0 = time.perf_counter()
                        subprocess.run([sys.executable, "-m", "brickwork", "demo", "--epochs", "1", "--out", out],
                                       env=env, check=True, capture_output=True)
                        runs.append({"first": time.perf_counter() - t0, "second": float("nan")})
                else:
                    out = subprocess.run([sys.executable, os.path.join(here, "bench_kernels.py"), "--first-step", name],
                                         env=env, check=True, capture_output=True, text=True).stdout
                    runs.append(json.loads(out.strip().splitlines()[-1]))
            what = " (whole run)" if name is None else ""
            later = "—" if name is None else f"{runs[1]['second']:.3f}"
            lines.append(f"| {label}{what} | {runs[0]['first']:.2f} | {runs[1]['first']:.2f} | {later} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", help="run only the rows whose name contains this text")
    p.add_argument("--threads", type=int, default=1, help="threads for both libraries (read before NumPy loads)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply every row's number of repeats")
    p.add_argument("--compile", action="store_true", help="measure first-use (compile) costs instead")
    p.add_argument("--first-step", help=argparse.SUPPRESS)
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args()
    torch.set_num_threads(THREADS)
    brickwork.set_num_threads(THREADS)
    if args.first_step:
        _first_step_child(args.first_step)
        return
    cases = [c for c in CASES if not args.only or args.only in c[0]]
    cpu = next((ln.split(":", 1)[1].strip() for ln in subprocess.run(["lscpu"], capture_output=True, text=True)
                .stdout.splitlines() if ln.startswith("Model name")), "?")
    head = f"CPU: {cpu}; {machine()}; {THREADS} thread{'s' if THREADS > 1 else ''} each; brickwork kernels: {brickwork.kernels.mode()}\n\n"
    if args.compile:
        report(head + compile_costs([c[0] for c in cases]), args.out)
        return
    rows, diffs = [], {}
    for name, make, _, repeat in cases:
        ours, theirs = make()
        diffs[name] = check_same(ours, theirs)
        rows.append(timed(name, ours, theirs, max(4, int(repeat * args.scale)), block=max(1, min(10, repeat // 8))))
    text = markdown(rows, {c[0]: c[2] for c in cases})
    text += "\n\nFirst 3 steps, largest relative loss difference: " + ", ".join(
        f"{n.split(',')[0]} {d:.1e}" for n, d in diffs.items())
    try:
        load = os.getloadavg()
        text += f"\nLoad average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    except OSError:
        pass
    report(head + text, args.out)


if __name__ == "__main__":
    main()
