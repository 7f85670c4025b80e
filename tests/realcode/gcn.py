"""A two-layer graph convolutional network (Kipf & Welling) on a small random graph, with the symmetrically
normalized adjacency as a sparse COO tensor (torch.spmm) and as a dense matrix; semi-supervised node labels.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parameter import Parameter


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(torch.empty(in_features, out_features))
        if bias:
            self.bias = Parameter(torch.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.data.uniform_(-stdv, stdv)

    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.spmm(adj, support) if adj.is_sparse else adj @ support
        if self.bias is not None:
            return output + self.bias
        return output

    def __repr__(self):
        return f"{self.__class__.__name__} ({self.in_features} -> {self.out_features})"


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super().__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = self.gc2(x, adj)
        return F.log_softmax(x, dim=1)


def normalized_adjacency(edges, n):
    """D^-1/2 (A + I) D^-1/2 of an undirected graph given as a (2, E) index tensor, as a sparse tensor."""
    loops = torch.arange(n).unsqueeze(0).repeat(2, 1)
    index = torch.cat([edges, edges.flip(0), loops], dim=1)
    values = torch.ones(index.size(1))
    adj = torch.sparse_coo_tensor(index, values, (n, n)).coalesce()
    degree = torch.sparse.sum(adj, dim=1).to_dense()
    d_inv_sqrt = degree.pow(-0.5)
    d_inv_sqrt[torch.isinf(d_inv_sqrt)] = 0.0
    i, j = adj.indices()
    return torch.sparse_coo_tensor(adj.indices(), d_inv_sqrt[i] * adj.values() * d_inv_sqrt[j], (n, n))


def accuracy(output, labels):
    preds = output.max(1)[1].type_as(labels)
    correct = preds.eq(labels).double()
    return (correct.sum() / len(labels)).item()


def build():
    return {"sparse": GCN(6, 5, 3, dropout=0.0), "dense": GCN(6, 5, 3, dropout=0.0)}


def run(models, data):
    features = torch.from_numpy(data["features"])
    labels = torch.from_numpy(data["labels"])
    n = features.size(0)
    adj = normalized_adjacency(torch.from_numpy(data["edges"]), n)
    idx_train, idx_val = torch.arange(0, 6), torch.arange(6, n)
    result = {"adjacency": adj.to_dense()}
    for name, model in models.items():
        graph = adj if name == "sparse" else adj.to_dense()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05, weight_decay=5e-4)
        losses = []
        for epoch in range(4):
            model.train()
            optimizer.zero_grad()
            output = model(features, graph)
            loss_train = F.nll_loss(output[idx_train], labels[idx_train])
            loss_train.backward()
            if epoch == 0:
                result[name + ".grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}
            optimizer.step()
            losses.append(loss_train.item())
        model.eval()
        output = model(features, graph)
        result[name + ".losses"] = losses
        result[name + ".val_loss"] = F.nll_loss(output[idx_val], labels[idx_val]).item()
        result[name + ".val_acc"] = accuracy(output[idx_val], labels[idx_val])
        result[name + ".state"] = dict(model.state_dict())
    return result
