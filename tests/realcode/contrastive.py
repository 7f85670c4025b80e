"""Contrastive representation learning (SimCLR's NT-Xent and CLIP's symmetric loss): L2-normalized projections,
a cosine-similarity matrix whose diagonal is masked out in place, a learnable logit scale clamped in place, and
cross-entropy against torch.arange targets.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, d_in=6, d_hidden=10, d_proj=4):
        super().__init__()
        # no bias before BatchNorm: it would cancel it, and its gradient is zero up to rounding
        self.backbone = nn.Sequential(nn.Linear(d_in, d_hidden, bias=False), nn.BatchNorm1d(d_hidden), nn.ReLU())
        self.projector = nn.Sequential(nn.Linear(d_hidden, d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_proj))

    def forward(self, x):
        return self.projector(self.backbone(x))


def nt_xent(z1, z2, temperature=0.5):
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    n = z1.shape[0]
    sim = z @ z.T / temperature
    sim.diagonal().fill_(float("-inf"))  # a sample is not its own positive
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


class CLIPHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def forward(self, image_features, text_features):
        image_features = image_features / image_features.norm(dim=1, keepdim=True)
        text_features = text_features / text_features.norm(dim=1, keepdim=True)
        logits_per_image = self.logit_scale.exp() * image_features @ text_features.t()
        labels = torch.arange(logits_per_image.shape[0], device=logits_per_image.device)
        loss = (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_image.t(), labels)) / 2
        return loss, logits_per_image


def build():
    return {"encoder": Encoder(), "text": Encoder(d_in=3), "clip": CLIPHead()}


def run(models, data):
    encoder, text, clip = models["encoder"], models["text"], models["clip"]
    params = list(encoder.parameters()) + list(text.parameters()) + list(clip.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-2)
    result = {"simclr": [], "clip": [], "logit_scale": []}
    for step in range(3):
        view1 = torch.from_numpy(data["view1"][step])
        view2 = torch.from_numpy(data["view2"][step])
        captions = torch.from_numpy(data["captions"][step])
        optimizer.zero_grad()
        simclr = nt_xent(encoder(view1), encoder(view2))
        clip_loss, logits = clip(encoder(view1), text(captions))
        (simclr + clip_loss).backward()
        if step == 0:
            result["grads"] = {f"{m}.{k}": p.grad.clone() for m in models for k, p in models[m].named_parameters()}
        optimizer.step()
        with torch.no_grad():
            clip.logit_scale.clamp_(0, math.log(100))
        result["simclr"].append(simclr.item())
        result["clip"].append(clip_loss.item())
        result["logit_scale"].append(clip.logit_scale.item())
    encoder.eval()
    with torch.no_grad():
        z = F.normalize(encoder(torch.from_numpy(data["view1"][0])), dim=1)
        similarity = z @ z.T
        similarity.fill_diagonal_(0.0)
        result["similarity"] = similarity
        result["nearest"] = similarity.argmax(dim=1)
    return result
