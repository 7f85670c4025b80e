"""A transformer text classifier: variable-length sentences batched with pad_sequence, a batch-first
nn.TransformerEncoder with a key padding mask, masked mean pooling, OneCycleLR; at inference an attention-pooling
probe (nn.MultiheadAttention returning averaged weights) and the encoder's raw output at every position (PyTorch's
inference fast path returns zeros at right-padded positions).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence

PAD = 0


class TextClassifier(nn.Module):
    def __init__(self, vocab=15, d_model=8, nhead=2, num_layers=2, num_classes=3, max_len=12):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=PAD)
        self.pos = nn.Parameter(torch.randn(1, max_len, d_model) * 0.1)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=16, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model))
        self.probe = nn.MultiheadAttention(d_model, 1, batch_first=True)
        self.query = nn.Parameter(torch.zeros(1, 1, d_model))
        self.classifier = nn.Linear(d_model, num_classes)

    def encode(self, tokens):
        padding_mask = tokens == PAD
        x = self.embed(tokens) + self.pos[:, :tokens.size(1)]
        return self.encoder(x, src_key_padding_mask=padding_mask), padding_mask

    def forward(self, tokens):
        h, padding_mask = self.encode(tokens)
        keep = (~padding_mask).unsqueeze(-1).type_as(h)
        pooled = (h * keep).sum(dim=1) / keep.sum(dim=1).clamp(min=1)
        return self.classifier(pooled)

    def attention_pool(self, tokens):
        h, padding_mask = self.encode(tokens)
        query = self.query.expand(tokens.size(0), -1, -1)
        pooled, weights = self.probe(query, h, h, key_padding_mask=padding_mask, need_weights=True)
        return pooled.squeeze(1), weights


def build():
    return TextClassifier()


def run(model, data):
    sentences = [torch.from_numpy(data["tokens"][i, :n]) for i, n in enumerate(data["lengths"])]
    batch = pad_sequence(sentences, batch_first=True, padding_value=PAD)
    labels = torch.from_numpy(data["labels"])
    steps = 4
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, total_steps=steps)
    result = {"losses": [], "lrs": []}
    model.train()
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(batch), labels)
        loss.backward()
        if step == 0:
            result["grads"] = {k: p.grad for k, p in model.named_parameters()}
        optimizer.step()
        scheduler.step()
        result["losses"].append(loss.item())
        result["lrs"].append(optimizer.param_groups[0]["lr"])
    model.eval()
    result["eval_train_path"] = model.encode(batch)[0].detach()  # eval, but gradients recorded: no fast path
    with torch.no_grad():
        result["logits"] = model(batch)
        result["encoded"] = model.encode(batch)[0]
        pooled, weights = model.attention_pool(batch)
        result["attention_pooled"], result["attention_weights"] = pooled, weights
        left_padded = batch.flip(1)  # padding first: not the fast path's layout, computed in full
        result["encoded_left_padded"] = model.encode(left_padded)[0]
    with torch.inference_mode():
        result["inference_mode"] = model.encode(batch)[0]
    return result
