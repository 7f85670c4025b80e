"""The models the training-step benchmarks time, each written once for both libraries (``lib`` is the module,
``brickwork`` or ``torch``)."""

from __future__ import annotations

from typing import Any


def mlp(lib: Any) -> Any:
    return lib.nn.Sequential(lib.nn.Linear(784, 256), lib.nn.ReLU(), lib.nn.Linear(256, 10))


def lenet5(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def transformer(lib: Any) -> Any:
    nn = lib.nn
    return nn.Sequential(nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, batch_first=True),
                         nn.Linear(128, 10))


def gpt(lib: Any, vocab: int = 1000, seq: int = 64) -> Any:
    """A GPT-style LM: token and position embeddings, 2 pre-LN blocks (d 128, 4 heads, causal attention, GELU MLP
    512), a final LayerNorm and the vocabulary head."""
    nn = lib.nn

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok, self.pos = nn.Embedding(vocab, 128), nn.Embedding(seq, 128)
            layer = nn.TransformerEncoderLayer(128, 4, dim_feedforward=512, dropout=0.0, activation="gelu",
                                               batch_first=True, norm_first=True)
            self.blocks = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.norm, self.head = nn.LayerNorm(128), nn.Linear(128, vocab)
            self.register_buffer("mask", lib.triu(lib.full((seq, seq), float("-inf")), diagonal=1))

        def forward(self, idx: Any) -> Any:
            h = self.tok(idx) + self.pos(lib.arange(idx.shape[1]))
            h = self.blocks(h, mask=self.mask, is_causal=True)
            return self.head(self.norm(h))

    return GPT()
