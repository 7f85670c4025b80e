"""A WGAN with gradient penalty: the critic's penalty is the gradient norm at random interpolates, taken with
torch.autograd.grad(create_graph=True) and differentiated again (double backward); RMSprop/Adam, n_critic steps.
"""

import torch
import torch.nn as nn
from torch import autograd


class Generator(nn.Module):
    def __init__(self, nz=4, hidden=16, out=6):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(nz, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, out))

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self, inp=6, hidden=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(inp, hidden), nn.Softplus(), nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x)


def gradient_penalty(critic, real, fake, alpha):
    interpolates = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d_interpolates = critic(interpolates)
    gradients = autograd.grad(outputs=d_interpolates, inputs=interpolates,
                              grad_outputs=torch.ones_like(d_interpolates), create_graph=True, retain_graph=True,
                              only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    return ((gradients.norm(2, dim=1) - 1) ** 2).mean()


def build():
    return {"G": Generator(), "D": Critic()}


def run(models, data):
    G, D = models["G"], models["D"]
    opt_D = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.0, 0.9))
    opt_G = torch.optim.RMSprop(G.parameters(), lr=1e-3)
    lambda_gp, n_critic = 10.0, 2
    result = {"d_loss": [], "g_loss": [], "gp": []}
    for it in range(4):
        real = torch.from_numpy(data["real"][it])
        z = torch.from_numpy(data["z"][it])
        alpha = torch.from_numpy(data["alpha"][it])
        opt_D.zero_grad()
        fake = G(z).detach()
        gp = gradient_penalty(D, real, fake, alpha)
        d_loss = -torch.mean(D(real)) + torch.mean(D(fake)) + lambda_gp * gp
        d_loss.backward()
        if it == 0:
            result["D_grads"] = {k: p.grad.clone() for k, p in D.named_parameters()}
        opt_D.step()
        result["d_loss"].append(d_loss.item())
        result["gp"].append(gp.item())
        if it % n_critic == 0:
            opt_G.zero_grad()
            g_loss = -torch.mean(D(G(z)))
            g_loss.backward()
            opt_G.step()
            result["g_loss"].append(g_loss.item())
    # a second-order check on its own: the Hessian-vector product of the critic at one point
    x = torch.from_numpy(data["real"][0][:1]).requires_grad_()
    (g,) = autograd.grad(D(x).sum(), x, create_graph=True)
    v = torch.ones_like(x)
    (hv,) = autograd.grad((g * v).sum(), x)
    result["hvp"] = hv
    result["G_state"] = dict(G.state_dict())
    result["D_state"] = dict(D.state_dict())
    return result
