"""A GRU encoder-decoder with additive (Bahdanau) attention, teacher forcing and a masked loss.

The encoder is a bidirectional GRU over packed, padded source sentences; the decoder attends over the encoder
outputs at every step (padding masked out with masked_fill), and feeds either the gold token (teacher forcing) or
its own greedy prediction back in.
"""

import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, SOS = 0, 1


class Encoder(nn.Module):
    def __init__(self, vocab, emb, hid):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.rnn = nn.GRU(emb, hid, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hid * 2, hid)

    def forward(self, src, lengths):
        embedded = self.embedding(src)
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        packed_out, hidden = self.rnn(packed)
        outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=src.size(1))
        hidden = torch.tanh(self.fc(torch.cat((hidden[-2], hidden[-1]), dim=1)))
        return outputs, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, enc_dim, dec_dim, attn_dim):
        super().__init__()
        self.W_enc = nn.Linear(enc_dim, attn_dim, bias=False)
        self.W_dec = nn.Linear(dec_dim, attn_dim)
        self.v = nn.Parameter(torch.rand(attn_dim))

    def forward(self, dec_hidden, enc_outputs, mask):
        # dec_hidden: (B, dec_dim); enc_outputs: (B, S, enc_dim); mask: (B, S), True where a real token is
        energy = torch.tanh(self.W_enc(enc_outputs) + self.W_dec(dec_hidden).unsqueeze(1))
        scores = energy @ self.v
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), enc_outputs).squeeze(1)
        return context, weights


class Decoder(nn.Module):
    def __init__(self, vocab, emb, enc_dim, hid):
        super().__init__()
        self.vocab = vocab
        self.embedding = nn.Embedding(vocab, emb)
        self.attention = BahdanauAttention(enc_dim, hid, hid)
        self.rnn = nn.GRU(emb + enc_dim, hid, batch_first=True)
        self.out = nn.Linear(hid + enc_dim + emb, vocab)

    def forward(self, token, hidden, enc_outputs, mask):
        embedded = self.embedding(token.unsqueeze(1))
        context, weights = self.attention(hidden, enc_outputs, mask)
        rnn_input = torch.cat([embedded, context.unsqueeze(1)], dim=2)
        output, hidden = self.rnn(rnn_input, hidden.unsqueeze(0))
        logits = self.out(torch.cat([output.squeeze(1), context, embedded.squeeze(1)], dim=1))
        return logits, hidden.squeeze(0), weights


class Seq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, emb=6, hid=7):
        super().__init__()
        self.encoder = Encoder(src_vocab, emb, hid)
        self.decoder = Decoder(tgt_vocab, emb, 2 * hid, hid)

    def forward(self, src, lengths, tgt, teacher_forcing):
        enc_outputs, hidden = self.encoder(src, lengths)
        mask = src != PAD
        batch, steps = tgt.shape
        logits = torch.zeros(batch, steps, self.decoder.vocab)
        attentions = []
        token = torch.full((batch,), SOS, dtype=torch.long)
        for t in range(steps):
            step_logits, hidden, weights = self.decoder(token, hidden, enc_outputs, mask)
            logits[:, t] = step_logits
            attentions.append(weights)
            token = tgt[:, t] if teacher_forcing[t] else step_logits.argmax(-1)
        return logits, torch.stack(attentions, dim=1)


def build():
    model = Seq2Seq(11, 9)
    for name, param in model.named_parameters():
        if "weight" in name:
            nn.init.normal_(param.data, mean=0, std=0.3)
        else:
            nn.init.constant_(param.data, 0.01)
    return model


def run(model, data):
    src = torch.from_numpy(data["src"])
    lengths = torch.tensor(data["lengths"])
    tgt = torch.from_numpy(data["tgt"])
    tgt_mask = (tgt != PAD).float()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    coin = random.Random(0)
    result = {"losses": [], "masked_losses": []}
    for step in range(4):
        teacher_forcing = [coin.random() < 0.5 for _ in range(tgt.size(1))]
        optimizer.zero_grad()
        logits, attention = model(src, lengths, tgt, teacher_forcing)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), ignore_index=PAD)
        per_token = F.cross_entropy(logits.transpose(1, 2), tgt, reduction="none")
        masked = (per_token * tgt_mask).sum() / tgt_mask.sum()
        (loss + masked).backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        if step == 0:
            result["attention"] = attention.detach()
            result["grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}
        optimizer.step()
        result["losses"].append(loss.item())
        result["masked_losses"].append(masked.item())
    model.eval()
    with torch.no_grad():
        logits, attention = model(src, lengths, tgt, [False] * tgt.size(1))
    result["greedy"] = logits.argmax(-1)
    result["eval_attention"] = attention
    result["state"] = dict(model.state_dict())
    return result
