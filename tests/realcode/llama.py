"""A LLaMA-style decoder: RMSNorm, rotary position embeddings (rotate_half form, cos/sin caches from torch.outer),
grouped-query attention (repeat_interleave of key/value heads, and SDPA's enable_gqa), a SiLU-gated MLP, and
generation with a key/value cache compared with the uncached forward.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rope_cache(seq_len, head_dim, base=10000.0):
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2).float() / head_dim))
    t = torch.arange(seq_len).type_as(inv_freq)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(torch.get_default_dtype()), emb.sin().to(torch.get_default_dtype())


class Attention(nn.Module):
    def __init__(self, dim, n_heads, n_kv_heads, use_gqa_kernel):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = n_heads, n_kv_heads, dim // n_heads
        self.wq = nn.Linear(dim, n_heads * self.head_dim, bias=False)
        self.wk = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
        self.wv = nn.Linear(dim, n_kv_heads * self.head_dim, bias=False)
        self.wo = nn.Linear(n_heads * self.head_dim, dim, bias=False)
        self.use_gqa_kernel = use_gqa_kernel

    def forward(self, x, cos, sin, cache=None):
        bsz, seqlen, _ = x.shape
        q = self.wq(x).view(bsz, seqlen, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.wk(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.wv(x).view(bsz, seqlen, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if "k" in cache:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        causal = cache is None or seqlen > 1
        if self.use_gqa_kernel:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=causal, enable_gqa=True)
        else:
            rep = self.n_heads // self.n_kv_heads
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
            scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
            if causal:
                mask = torch.full((seqlen, seqlen), float("-inf")).triu(diagonal=1)
                scores = scores + mask
            out = torch.matmul(F.softmax(scores.float(), dim=-1).type_as(q), v)
        return self.wo(out.transpose(1, 2).contiguous().view(bsz, seqlen, -1))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden_dim, multiple_of=4):
        super().__init__()
        hidden_dim = multiple_of * ((int(2 * hidden_dim / 3) + multiple_of - 1) // multiple_of)
        self.w1 = nn.Linear(dim, hidden_dim, bias=False)
        self.w2 = nn.Linear(hidden_dim, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden_dim, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class TransformerBlock(nn.Module):
    def __init__(self, dim, n_heads, n_kv_heads, use_gqa_kernel):
        super().__init__()
        self.attention = Attention(dim, n_heads, n_kv_heads, use_gqa_kernel)
        self.feed_forward = FeedForward(dim, 4 * dim)
        self.attention_norm = nn.RMSNorm(dim, eps=1e-6)
        self.ffn_norm = nn.RMSNorm(dim, eps=1e-6)

    def forward(self, x, cos, sin, cache=None):
        h = x + self.attention(self.attention_norm(x), cos, sin, cache)
        return h + self.feed_forward(self.ffn_norm(h))


class Llama(nn.Module):
    def __init__(self, vocab_size=19, dim=16, n_layers=2, n_heads=4, n_kv_heads=2, max_seq_len=16,
                 use_gqa_kernel=False):
        super().__init__()
        self.tok_embeddings = nn.Embedding(vocab_size, dim)
        self.layers = nn.ModuleList(TransformerBlock(dim, n_heads, n_kv_heads, use_gqa_kernel)
                                    for _ in range(n_layers))
        self.norm = nn.RMSNorm(dim, eps=1e-6)
        self.output = nn.Linear(dim, vocab_size, bias=False)
        cos, sin = rope_cache(max_seq_len, dim // n_heads)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, tokens, start_pos=0, caches=None):
        seqlen = tokens.shape[1]
        h = self.tok_embeddings(tokens)
        cos, sin = self.cos[start_pos:start_pos + seqlen], self.sin[start_pos:start_pos + seqlen]
        for i, layer in enumerate(self.layers):
            h = layer(h, cos, sin, None if caches is None else caches[i])
        return self.output(self.norm(h)).float()

    @torch.inference_mode()
    def generate(self, prompt, max_new_tokens):
        caches = [{} for _ in self.layers]
        logits = self(prompt, 0, caches)
        tokens = prompt
        for _ in range(max_new_tokens):
            next_token = torch.argmax(logits[:, -1], dim=-1, keepdim=True)
            tokens = torch.cat([tokens, next_token], dim=1)
            logits = self(next_token, tokens.shape[1] - 1, caches)
        return tokens, logits


def build():
    return {"manual": Llama(), "sdpa_gqa": Llama(use_gqa_kernel=True)}


def run(models, data):
    tokens = torch.from_numpy(data["tokens"])
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    result = {}
    for name, model in models.items():
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1, fused=None)
        losses = []
        for step in range(3):
            logits = model(inputs)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if step == 0:
                result[name + ".grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}
            optimizer.step()
            losses.append(loss.item())
        result[name + ".losses"] = losses
        model.eval()
        generated, last_logits = model.generate(inputs[:, :4], max_new_tokens=4)
        with torch.no_grad():
            full = model(generated)
        result[name + ".generated"] = generated
        result[name + ".cache_matches_full"] = torch.allclose(last_logits[:, -1], full[:, -1], atol=1e-5)
        result[name + ".state_keys"] = sorted(model.state_dict())
        result[name + ".state"] = dict(model.state_dict())
    return result
