"""Data-parallel training on several processes with DistributedDataParallel, and the checkpoint pattern.

Run on 2 processes:   brickwork run --nproc-per-node 2 examples/train_ddp.py
Run alone:            python examples/train_ddp.py [--quick]   (a world of one: the same script, no launcher)

Each rank trains on its own shard of the data (DistributedSampler); DDP averages the gradients, so every rank
takes the same step and holds the same weights. Rank 0 alone writes the checkpoint; every rank then loads it.
"""

import argparse
import os
import tempfile

import brickwork as torch
import brickwork.distributed as dist
from brickwork import nn
from brickwork.datasets import SyntheticDigits
from brickwork.nn.parallel import DistributedDataParallel as DDP
from brickwork.utils.data import DataLoader
from brickwork.utils.data.distributed import DistributedSampler

p = argparse.ArgumentParser()
p.add_argument("--quick", action="store_true", help="a tiny run for CI")
p.add_argument("--out", default=None, help="folder for the checkpoint (default: a temporary one)")
args = p.parse_args()

dist.init_process_group("gloo")  # MPI under `brickwork run` / mpiexec / srun; a world of one otherwise
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(rank)  # different on purpose: DDP copies rank 0's weights to every rank at construction

n_train, epochs = (1024, 1) if args.quick else (12000, 3)
train = SyntheticDigits(train=True, size=n_train)
sampler = DistributedSampler(train, shuffle=True, seed=0)
loader = DataLoader(train, batch_size=128 // world, sampler=sampler)  # a global batch of 128
model = DDP(nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(epochs):
    sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
    total, batches = torch.zeros(1), 0
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()  # gradients are averaged over the ranks while backward runs
        opt.step()
        total += loss.detach()
        batches += 1
    dist.all_reduce(total, op=dist.ReduceOp.SUM)  # the mean training loss over every rank's batches
    if rank == 0:
        print(f"epoch {epoch + 1}: mean loss {total.item() / (batches * world):.4f} on {world} rank(s)")

# checkpoint: rank 0 saves the model's own state dict (no `module.` prefix), everyone waits, then all load it
folder = args.out or tempfile.gettempdir()
path = os.path.join(folder, f"ddp-{os.environ.get('MASTER_PORT', os.getpid())}.safetensors")
if rank == 0:
    torch.save(model.module.state_dict(), path)
dist.barrier()
model.module.load_state_dict(torch.load(path))
dist.barrier()  # every rank has read the file before rank 0 removes it
if rank == 0 and args.out is None:
    os.remove(path)

test = SyntheticDigits(train=False, size=1000)
with torch.no_grad():
    x, y = next(iter(DataLoader(test, batch_size=1000)))
    acc = (model(x).argmax(1) == y).float().mean().item()
if rank == 0:
    print(f"test accuracy after loading the checkpoint: {acc:.4f}")
dist.destroy_process_group()
