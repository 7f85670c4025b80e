"""An LSTM word language model in the style of PyTorch's classic example: Embedding, a multi-layer LSTM, tied
decoder weights, truncated BPTT that detaches the hidden state between batches, gradient clipping, plain SGD.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.0, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ["LSTM", "GRU"]:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def build():
    return {
        "lstm": RNNModel("LSTM", 20, 8, 8, 2, tie_weights=True),
        "gru": RNNModel("GRU", 20, 8, 6, 2),
        "rnn_relu": RNNModel("RNN_RELU", 20, 6, 6, 1, tie_weights=True),
    }


def evaluate(model, data_source, bptt, eval_batch_size):
    model.eval()
    total_loss = 0.0
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i, bptt)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * nn.NLLLoss()(output, targets).item()
    return total_loss / (len(data_source) - 1)


def run(models, data):
    corpus = torch.tensor(data["tokens"])
    train_data = batchify(corpus, 4)
    val_data = batchify(corpus.flip(0), 2)
    bptt, lr, clip = 5, 2.0, 0.25
    criterion = nn.NLLLoss()
    result = {}
    for name, model in models.items():
        model.train()
        hidden = model.init_hidden(4)
        losses, norms = [], []
        for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
            inputs, targets = get_batch(train_data, i, bptt)
            hidden = repackage_hidden(hidden)
            model.zero_grad()
            output, hidden = model(inputs, hidden)
            loss = criterion(output, targets)
            loss.backward()
            if batch == 0:
                result[name + ".grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}
            norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), clip).item())
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
            losses.append(loss.item())
        result[name + ".losses"] = losses
        result[name + ".grad_norms"] = norms
        val_loss = evaluate(model, val_data, bptt, 2)
        result[name + ".val_ppl"] = math.exp(val_loss)
        result[name + ".hidden"] = hidden
        result[name + ".state"] = dict(model.state_dict())
    return result
