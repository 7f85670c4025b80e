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


def mobilenet_v2(lib: Any, num_classes: int = 10) -> Any:
    """MobileNetV2 (torchvision's layout, width 1.0: inverted residuals with ReLU6, 1280-channel head; no dropout so
    the two libraries' losses can be compared)."""
    nn = lib.nn

    def cbr(cin: int, cout: int, k: int, stride: int, groups: int = 1) -> Any:
        return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))

    class Inverted(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int, t: int) -> None:
            super().__init__()
            hidden = cin * t
            layers = [] if t == 1 else [cbr(cin, hidden, 1, 1)]
            layers += [cbr(hidden, hidden, 3, stride, groups=hidden), nn.Conv2d(hidden, cout, 1, bias=False),
                       nn.BatchNorm2d(cout)]
            self.conv = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x: Any) -> Any:
            return x + self.conv(x) if self.residual else self.conv(x)

    layers: list[Any] = [cbr(3, 32, 3, 2)]
    cin = 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                       (6, 320, 1, 1)):
        for i in range(n):
            layers.append(Inverted(cin, c, s if i == 0 else 1, t))
            cin = c
    layers += [cbr(cin, 1280, 1, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, num_classes)]
    return nn.Sequential(*layers)


def densenet121(lib: Any, num_classes: int = 10) -> Any:
    """DenseNet-121 (torchvision's layout: growth 32, blocks of 6/12/24/16 BN-ReLU-conv1x1-BN-ReLU-conv3x3 layers
    with bottleneck 4x32, transitions halving the channels, 7x7/2 stem and max pool)."""
    nn = lib.nn

    class Layer(nn.Module):
        def __init__(self, cin: int) -> None:
            super().__init__()
            self.norm1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, 128, 1, bias=False)
            self.norm2, self.conv2 = nn.BatchNorm2d(128), nn.Conv2d(128, 32, 3, padding=1, bias=False)

        def forward(self, feats: list) -> Any:
            x = lib.cat(feats, 1)
            return self.conv2(self.norm2(self.conv1(self.norm1(x).relu())).relu())

    class Block(nn.Module):
        def __init__(self, n: int, cin: int) -> None:
            super().__init__()
            self.layers = nn.ModuleList([Layer(cin + 32 * i) for i in range(n)])

        def forward(self, x: Any) -> Any:
            feats = [x]
            for layer in self.layers:
                feats.append(layer(feats))
            return lib.cat(feats, 1)

    layers: list[Any] = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    c = 64
    for i, n in enumerate((6, 12, 24, 16)):
        layers.append(Block(n, c))
        c += 32 * n
        if i < 3:
            layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False), nn.AvgPool2d(2, 2)]
            c //= 2
    layers += [nn.BatchNorm2d(c), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, num_classes)]
    return nn.Sequential(*layers)


def siamese_resnet18(lib: Any) -> Any:
    """A ResNet-18 encoder (128-d embedding) shared by the two images of a pair; forward gives both embeddings."""
    nn = lib.nn

    class Siamese(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = resnet18(lib, num_classes=128)

        def forward(self, pair: Any) -> Any:
            a, b = pair[0], pair[1]
            return self.encoder(a), self.encoder(b)

    return Siamese()


def dcgan(lib: Any, nz: int = 100, ngf: int = 64, ndf: int = 64) -> Any:
    """The DCGAN of PyTorch's examples at 64x64: a ConvTranspose2d generator from ``nz`` noise channels and a
    Conv2d + BatchNorm + LeakyReLU discriminator (logits: the step uses BCE with logits), as ``G`` and ``D``."""
    nn = lib.nn

    def up(cin: int, cout: int, stride: int, pad: int) -> list:
        return [nn.ConvTranspose2d(cin, cout, 4, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]

    def down(cin: int, cout: int, bn: bool = True) -> list:
        return [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), *([nn.BatchNorm2d(cout)] if bn else []),
                nn.LeakyReLU(0.2, inplace=True)]

    class GAN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.G = nn.Sequential(*up(nz, ngf * 8, 1, 0), *up(ngf * 8, ngf * 4, 2, 1), *up(ngf * 4, ngf * 2, 2, 1),
                                   *up(ngf * 2, ngf, 2, 1), nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())
            self.D = nn.Sequential(*down(3, ndf, bn=False), *down(ndf, ndf * 2), *down(ndf * 2, ndf * 4),
                                   *down(ndf * 4, ndf * 8), nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Flatten())

    return GAN()
