"""Building blocks of the efficient torchvision-style CNNs in one small net each: a MobileNetV2 inverted residual
(depthwise groups conv, ReLU6), a MobileNetV3 block (squeeze-and-excitation with Hardsigmoid, Hardswish), a
ShuffleNet channel shuffle, a DenseNet dense block (torch.cat of features, BatchNorm-ReLU-Conv), a VGG-style head
with AdaptiveAvgPool2d((2, 2)) and Dropout, and a super-resolution net (PixelShuffle, orthogonal init).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden_dim = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        self.conv = nn.Sequential(
            nn.Conv2d(inp, hidden_dim, 1, 1, 0, bias=False), nn.BatchNorm2d(hidden_dim), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden_dim, hidden_dim, 3, stride, 1, groups=hidden_dim, bias=False),
            nn.BatchNorm2d(hidden_dim), nn.ReLU6(inplace=True),
            nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup),
        )

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class SqueezeExcitation(nn.Module):
    def __init__(self, input_channels, squeeze_channels):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Hardsigmoid()

    def forward(self, input):
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(input)))))
        return scale * input


def channel_shuffle(x, groups):
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, num_channels, height, width)


class DenseLayer(nn.Module):
    def __init__(self, num_input_features, growth_rate, bn_size):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)

    def forward(self, prev_features):
        concated_features = torch.cat(prev_features, 1)
        bottleneck_output = self.conv1(self.relu1(self.norm1(concated_features)))
        return self.conv2(self.relu2(self.norm2(bottleneck_output)))


class DenseBlock(nn.ModuleDict):
    def __init__(self, num_layers, num_input_features, bn_size, growth_rate):
        super().__init__()
        for i in range(num_layers):
            layer = DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size)
            self.add_module("denselayer%d" % (i + 1), layer)

    def forward(self, init_features):
        features = [init_features]
        for name, layer in self.items():
            features.append(layer(features))
        return torch.cat(features, 1)


class TinyEfficientNet(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        c = _make_divisible(6 * 1.0, 4)
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), nn.Hardswish())
        self.mb2 = InvertedResidual(c, c, 1, expand_ratio=2)
        self.se = SqueezeExcitation(c, _make_divisible(c // 4, 2))
        self.dense = DenseBlock(num_layers=2, num_input_features=c, bn_size=2, growth_rate=2)
        self.transition = nn.Sequential(nn.BatchNorm2d(c + 4), nn.ReLU(inplace=True),
                                        nn.Conv2d(c + 4, 8, kernel_size=1, bias=False), nn.AvgPool2d(2, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(nn.Dropout(p=0.0), nn.Linear(8 * 2 * 2, 12), nn.Hardswish(inplace=True),
                                        nn.Linear(12, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.se(self.mb2(self.stem(x)))
        x = channel_shuffle(x, groups=2)
        x = self.transition(self.dense(x))
        x = torch.flatten(self.avgpool(x), 1)
        return self.classifier(x)


class SuperResolutionNet(nn.Module):
    def __init__(self, upscale_factor):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 8, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(8, 8, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        init.orthogonal_(self.conv1.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv2.weight, init.calculate_gain("relu"))
        init.orthogonal_(self.conv3.weight)

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        return self.pixel_shuffle(self.conv3(x))


def build():
    return {"cnn": TinyEfficientNet(), "sr": SuperResolutionNet(upscale_factor=2)}


def run(models, data):
    cnn, sr = models["cnn"], models["sr"]
    images = torch.from_numpy(data["images"])
    labels = torch.from_numpy(data["labels"])
    result = {}
    optimizer = torch.optim.RMSprop(cnn.parameters(), lr=1e-2, alpha=0.9, eps=1e-3, momentum=0.9, weight_decay=1e-5)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1, 2], gamma=0.5)
    losses = []
    cnn.train()
    for step in range(3):
        optimizer.zero_grad()
        loss = F.cross_entropy(cnn(images), labels)
        loss.backward()
        if step == 0:
            result["cnn.grads"] = {k: p.grad.clone() for k, p in cnn.named_parameters()}
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    result["cnn.losses"] = losses
    cnn.eval()
    with torch.no_grad():
        result["cnn.eval"] = cnn(images)
    result["cnn.state"] = dict(cnn.state_dict())

    low_res = F.interpolate(images[:, :1], scale_factor=0.5, mode="bilinear", align_corners=False)
    optimizer = torch.optim.Adam(sr.parameters(), lr=1e-2)
    losses = []
    for step in range(3):
        optimizer.zero_grad()
        loss = F.mse_loss(sr(low_res), images[:, :1])
        loss.backward()
        if step == 0:
            result["sr.grads"] = {k: p.grad.clone() for k, p in sr.named_parameters()}
        optimizer.step()
        losses.append(loss.item())
    result["sr.losses"] = losses
    with torch.no_grad():
        result["sr.psnr"] = 10 * torch.log10(1 / F.mse_loss(sr(low_res), images[:, :1])).item()
    result["sr.state"] = dict(sr.state_dict())
    return result
