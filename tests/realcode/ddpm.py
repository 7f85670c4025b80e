"""A denoising diffusion model (DDPM) in miniature: a linear beta schedule with cumprod, q_sample through gathered
schedule values, a tiny UNet (sinusoidal time embedding, GroupNorm, SiLU, a strided-conv down path and a
nearest-upsample up path with a skip connection), the noise-prediction loss, an EMA copy of the weights updated with
lerp_, and the reverse sampling loop under torch.no_grad with its noise given.
"""

import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(start=0, end=half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1).to(torch.get_default_dtype())


class ResBlock(nn.Module):
    def __init__(self, in_ch, out_ch, t_dim):
        super().__init__()
        self.norm1 = nn.GroupNorm(2, in_ch)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.t_proj = nn.Linear(t_dim, out_ch)
        self.norm2 = nn.GroupNorm(2, out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x, t_emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.t_proj(t_emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class TinyUNet(nn.Module):
    def __init__(self, ch=4, t_dim=8):
        super().__init__()
        self.t_dim = t_dim
        self.time_mlp = nn.Sequential(nn.Linear(t_dim, t_dim), nn.SiLU(), nn.Linear(t_dim, t_dim))
        self.inc = nn.Conv2d(1, ch, 3, padding=1)
        self.down = ResBlock(ch, 2 * ch, t_dim)
        self.downsample = nn.Conv2d(2 * ch, 2 * ch, 3, stride=2, padding=1)
        self.mid = ResBlock(2 * ch, 2 * ch, t_dim)
        self.up = ResBlock(4 * ch, ch, t_dim)
        self.out = nn.Sequential(nn.GroupNorm(2, ch), nn.SiLU(), nn.Conv2d(ch, 1, 3, padding=1))

    def forward(self, x, t):
        t_emb = self.time_mlp(timestep_embedding(t, self.t_dim))
        h0 = self.down(self.inc(x), t_emb)
        h = self.mid(self.downsample(h0), t_emb)
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.up(torch.cat([h, h0], dim=1), t_emb)
        return self.out(h)


class Diffusion:
    def __init__(self, timesteps=10):
        self.timesteps = timesteps
        self.betas = torch.linspace(1e-4, 0.2, timesteps)
        self.alphas = 1.0 - self.betas
        self.alphas_cumprod = torch.cumprod(self.alphas, dim=0)
        self.alphas_cumprod_prev = F.pad(self.alphas_cumprod[:-1], (1, 0), value=1.0)
        self.sqrt_alphas_cumprod = torch.sqrt(self.alphas_cumprod)
        self.sqrt_one_minus_alphas_cumprod = torch.sqrt(1.0 - self.alphas_cumprod)
        self.posterior_variance = self.betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)

    @staticmethod
    def extract(a, t, x_shape):
        out = a.gather(-1, t)
        return out.reshape(t.shape[0], *((1,) * (len(x_shape) - 1)))

    def q_sample(self, x_start, t, noise):
        return (self.extract(self.sqrt_alphas_cumprod, t, x_start.shape) * x_start
                + self.extract(self.sqrt_one_minus_alphas_cumprod, t, x_start.shape) * noise)

    @torch.no_grad()
    def p_sample_loop(self, model, x, noises):
        for i in reversed(range(self.timesteps)):
            t = torch.full((x.shape[0],), i, dtype=torch.long)
            betas_t = self.extract(self.betas, t, x.shape)
            sqrt_one_minus = self.extract(self.sqrt_one_minus_alphas_cumprod, t, x.shape)
            sqrt_recip_alphas_t = self.extract(torch.rsqrt(self.alphas), t, x.shape)
            mean = sqrt_recip_alphas_t * (x - betas_t * model(x, t) / sqrt_one_minus)
            if i == 0:
                x = mean
            else:
                x = mean + torch.sqrt(self.extract(self.posterior_variance, t, x.shape)) * noises[i]
        return x.clamp(-1.0, 1.0)


def build():
    return TinyUNet()


def run(model, data):
    diffusion = Diffusion()
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    images = torch.from_numpy(data["images"])
    result = {"losses": []}
    for step in range(3):
        t = torch.from_numpy(data["t"][step])
        noise = torch.from_numpy(data["noise"][step])
        x_noisy = diffusion.q_sample(images, t, noise)
        loss = F.mse_loss(model(x_noisy, t), noise)
        optimizer.zero_grad()
        loss.backward()
        if step == 0:
            result["grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}
        optimizer.step()
        with torch.no_grad():
            for ema_p, p in zip(ema.parameters(), model.parameters()):
                ema_p.lerp_(p, 0.1)
        result["losses"].append(loss.item())
    result["schedule"] = [diffusion.alphas_cumprod, diffusion.posterior_variance]
    result["samples"] = diffusion.p_sample_loop(ema, torch.from_numpy(data["noise"][0]),
                                                torch.from_numpy(data["sampling_noise"]))
    result["ema_state"] = dict(ema.state_dict())
    result["state"] = dict(model.state_dict())
    return result
