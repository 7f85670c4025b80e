"""A fast-neural-style transformer network (reflection padding, InstanceNorm, residual blocks, nearest-neighbour
upsampling) trained for a few steps with content and Gram-matrix style losses from a small frozen feature net.
"""

import torch
import torch.nn as nn


class ConvLayer(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super().__init__()
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)
        self.relu = nn.ReLU()

    def forward(self, x):
        residual = x
        out = self.relu(self.in1(self.conv1(x)))
        out = self.in2(self.conv2(out))
        return out + residual


class UpsampleConvLayer(nn.Module):
    """Upsample then convolve, which avoids the checkerboard artifacts of a transposed convolution."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        if self.upsample:
            x = torch.nn.functional.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(nn.Module):
    def __init__(self, c=4):
        super().__init__()
        self.conv1 = ConvLayer(3, c, kernel_size=5, stride=1)
        self.in1 = nn.InstanceNorm2d(c, affine=True)
        self.conv2 = ConvLayer(c, 2 * c, kernel_size=3, stride=2)
        self.in2 = nn.InstanceNorm2d(2 * c, affine=True)
        self.res1 = ResidualBlock(2 * c)
        self.res2 = ResidualBlock(2 * c)
        self.deconv1 = UpsampleConvLayer(2 * c, c, kernel_size=3, stride=1, upsample=2)
        self.in4 = nn.InstanceNorm2d(c, affine=True)
        self.deconv2 = nn.Sequential(nn.Upsample(scale_factor=1), ConvLayer(c, 3, kernel_size=5, stride=1))
        self.relu = nn.ReLU()

    def forward(self, X):
        y = self.relu(self.in1(self.conv1(X)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.res2(self.res1(y))
        y = self.relu(self.in4(self.deconv1(y)))
        return self.deconv2(y)


class Features(nn.Module):
    """A frozen stand-in for VGG: two feature maps at two depths."""

    def __init__(self):
        super().__init__()
        self.slice1 = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(inplace=True))
        self.slice2 = nn.Sequential(nn.MaxPool2d(2, 2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(inplace=True))
        for param in self.parameters():
            param.requires_grad = False

    def forward(self, x):
        h1 = self.slice1(x)
        h2 = self.slice2(h1)
        return [h1, h2]


def gram_matrix(y):
    (b, ch, h, w) = y.size()
    features = y.view(b, ch, w * h)
    features_t = features.transpose(1, 2)
    return features.bmm(features_t) / (ch * h * w)


def normalize_batch(batch):
    mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
    std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
    batch = batch.div_(255.0)
    return (batch - mean) / std


def build():
    return {"transformer": TransformerNet(), "features": Features()}


def run(models, data):
    transformer, features = models["transformer"], models["features"]
    features.eval()
    optimizer = torch.optim.Adam(transformer.parameters(), 1e-2)
    mse_loss = torch.nn.MSELoss()
    style = torch.from_numpy(data["style"]).repeat(2, 1, 1, 1)
    gram_style = [gram_matrix(y) for y in features(normalize_batch(style))]
    result = {"content": [], "style": []}
    for step in range(3):
        x = torch.from_numpy(data["content"][step])
        optimizer.zero_grad()
        y = transformer(x)
        y = normalize_batch(y)
        x = normalize_batch(x)
        features_y = features(y)
        features_x = features(x)
        content_loss = 10.0 * mse_loss(features_y[1], features_x[1])
        style_loss = 0.0
        for ft_y, gm_s in zip(features_y, gram_style):
            gm_y = gram_matrix(ft_y)
            style_loss += mse_loss(gm_y, gm_s[:len(x), :, :])
        style_loss *= 1e4
        total_loss = content_loss + style_loss
        total_loss.backward()
        if step == 0:
            result["grads"] = {k: p.grad.clone() for k, p in transformer.named_parameters()}
            result["frozen_grads"] = [p.grad for p in features.parameters()]
        optimizer.step()
        result["content"].append(content_loss.item())
        result["style"].append(style_loss.item())
    transformer.eval()
    with torch.no_grad():
        output = transformer(torch.from_numpy(data["content"][0])).clamp(0, 255)
    result["stylized"] = output
    result["state"] = dict(transformer.state_dict())
    return result
