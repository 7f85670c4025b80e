"""A small Vision Transformer: Conv2d patch embedding, a cls token, learned positional embedding, a pre-norm
nn.TransformerEncoder (batch_first, GELU), AdamW with a warmup + cosine schedule through LambdaLR.
"""

import math

import torch
import torch.nn as nn


class PatchEmbedding(nn.Module):
    def __init__(self, img_size, patch_size, in_chans, embed_dim):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # (B, num_patches, embed_dim)


class ViT(nn.Module):
    def __init__(self, img_size=8, patch_size=4, in_chans=3, num_classes=5, embed_dim=16, depth=2, num_heads=4,
                 mlp_ratio=2.0):
        super().__init__()
        self.patch_embed = PatchEmbedding(img_size, patch_size, in_chans, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, self.patch_embed.num_patches + 1, embed_dim))
        layer = nn.TransformerEncoderLayer(embed_dim, num_heads, dim_feedforward=int(embed_dim * mlp_ratio),
                                           dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=depth, norm=nn.LayerNorm(embed_dim),
                                             enable_nested_tensor=False)
        self.head = nn.Linear(embed_dim, num_classes)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.patch_embed(x)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embed
        x = self.encoder(x)
        return self.head(x[:, 0])


def warmup_cosine(warmup, total):
    def lr_lambda(step):
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    return lr_lambda


def build():
    return ViT()


def run(model, data):
    images = torch.tensor(data["images"])
    labels = torch.tensor(data["labels"])
    steps = 5
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(2, steps))
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    result = {"losses": [], "lrs": []}
    model.train()
    for step in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(model(images), labels)
        loss.backward()
        if step == 0:
            result["grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}
        optimizer.step()
        scheduler.step()
        result["losses"].append(loss.item())
        result["lrs"].append(scheduler.get_last_lr()[0])
    model.eval()
    with torch.inference_mode():
        probs = model(images).softmax(dim=-1)
    result["probs"] = probs
    result["top2"] = probs.topk(2, dim=-1).indices
    result["state"] = dict(model.state_dict())
    return result
