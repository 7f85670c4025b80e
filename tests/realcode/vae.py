"""A variational autoencoder in the style of PyTorch's classic example: the reparameterization trick, a Bernoulli
decoder trained with binary cross-entropy and the closed-form KL term of a diagonal Gaussian.
"""

import torch
from torch import nn, optim
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, n_in=20, n_hidden=12, n_latent=3):
        super().__init__()
        self.n_in = n_in
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc21 = nn.Linear(n_hidden, n_latent)
        self.fc22 = nn.Linear(n_hidden, n_latent)
        self.fc3 = nn.Linear(n_latent, n_hidden)
        self.fc4 = nn.Linear(n_hidden, n_in)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps=None):
        std = torch.exp(0.5 * logvar)
        if eps is None:
            eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps=None):
        mu, logvar = self.encode(x.view(-1, self.n_in))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, recon_x.size(1)), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def build():
    return VAE()


def run(model, data):
    images = torch.from_numpy(data["images"])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=4, shuffle=False)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    result = {"losses": []}
    model.train()
    for epoch in range(2):
        for batch_idx, (x,) in enumerate(loader):
            eps = torch.from_numpy(data["eps"][epoch, batch_idx, :len(x)])
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(x, eps)
            loss = loss_function(recon_batch, x, mu, logvar)
            loss.backward()
            if epoch == 0 and batch_idx == 0:
                result["grads"] = {k: p.grad.clone() for k, p in model.named_parameters()}
            optimizer.step()
            result["losses"].append(loss.item() / len(x))
    model.eval()
    with torch.no_grad():
        recon, mu, logvar = model(images, torch.zeros(len(images), 3))
        result["test_loss"] = loss_function(recon, images, mu, logvar).item()
        sample = model.decode(torch.from_numpy(data["eps"][0, 0]))
        result["sample"] = sample
        # random draws cannot match torch's, but their shape, dtype and range must
        drawn = model(images)[0]
        result["random_recon_shape"] = list(drawn.shape)
        result["random_recon_in_range"] = bool(((drawn >= 0) & (drawn <= 1)).all())
    result["state"] = dict(model.state_dict())
    return result
