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


def resnet_block(lib: Any) -> Any:
    """conv3x3 3->32 + BN + ReLU, a residual block of two conv3x3 32->32 + BN, global average pool, Linear."""
    nn = lib.nn

    class Residual(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

        def forward(self, x: Any) -> Any:
            y = self.bn1(self.conv1(x)).relu()
            return (self.bn2(self.conv2(y)) + x).relu()

    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), Residual(32),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


def lstm_lm(lib: Any) -> Any:
    """Embedding(1000, 128) -> LSTM(128, 256) -> Linear(256, 1000) over (seq, batch) token ids."""
    nn = lib.nn

    class LM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb, self.lstm, self.head = nn.Embedding(1000, 128), nn.LSTM(128, 256), nn.Linear(256, 1000)

        def forward(self, tokens: Any) -> Any:
            out, _ = self.lstm(self.emb(tokens))
            return self.head(out)

    return LM()


def resnet18(lib: Any, num_classes: int = 10) -> Any:
    """ResNet-18 (torchvision's layout: 7x7/2 stem, max pool, four stages of two basic blocks, GAP, Linear)."""
    nn = lib.nn

    class Basic(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.down = None
            if stride != 1 or cin != cout:
                self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x: Any) -> Any:
            y = self.bn1(self.conv1(x)).relu()
            y = self.bn2(self.conv2(y))
            return (y + (x if self.down is None else self.down(x))).relu()

    layers: list[Any] = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [Basic(cin, cout, stride), Basic(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes)]
    return nn.Sequential(*layers)


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
