"""A small character-level transformer language model on text that ships with Python (the `this` module's
Zen of Python and the standard library's own docstrings), trained with Adam and sampled greedily.

Run: python examples/train_transformer_lm.py [--quick]
"""

import argparse
import codecs
import this  # noqa: F401  (prints the Zen once; its text is what we learn)

import brickwork as torch
from brickwork import nn
from brickwork.nn import functional as F

p = argparse.ArgumentParser()
p.add_argument("--quick", action="store_true", help="a tiny run for CI")
args = p.parse_args()

text = codecs.decode(this.s, "rot13") * 4
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text])
vocab, block, d_model = len(chars), 32, 64


class CharLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(block, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=128, dropout=0.0, batch_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(d_model, vocab)
        self.register_buffer("mask", torch.triu(torch.full((block, block), float("-inf")), diagonal=1))

    def forward(self, idx):
        t = idx.shape[1]
        h = self.tok(idx) + self.pos(torch.arange(t))
        h = self.blocks(h, mask=self.mask[:t, :t])
        return self.head(h)


torch.manual_seed(0)
model = CharLM()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
steps = 20 if args.quick else 400
for step in range(steps):
    ix = torch.randint(0, len(data) - block - 1, (16,))
    x = torch.stack([data[i:i + block] for i in ix.tolist()])
    y = torch.stack([data[i + 1:i + block + 1] for i in ix.tolist()])
    loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0 or step == steps - 1:
        print(f"step {step:4d}  loss {loss.item():.3f}")

model.eval()
idx = data[:block].reshape(1, -1)
with torch.no_grad():
    for _ in range(80):
        nxt = model(idx[:, -block:])[:, -1].argmax(-1, keepdim=True)
        idx = torch.cat([idx, nxt], dim=1)
print("".join(chars[i] for i in idx[0, block:].tolist()))
