"""A DCGAN: a ConvTranspose2d generator and a Conv2d + LeakyReLU + BatchNorm discriminator, trained with
BCEWithLogitsLoss and two Adam optimizers; the discriminator step sees the fake images detached.
"""

import torch
import torch.nn as nn

nz, ngf, ndf, nc = 8, 4, 4, 3


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),  # 4x4
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),  # 8x8
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),  # 16x16
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),  # 8x8
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # 4x4
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),  # 1x1
        )

    def forward(self, input):
        return self.main(input).view(-1, 1).squeeze(1)


def build():
    netG, netD = Generator(), Discriminator()
    netG.apply(weights_init)
    netD.apply(weights_init)
    return {"G": netG, "D": netD}


def run(models, data):
    netG, netD = models["G"], models["D"]
    criterion = nn.BCEWithLogitsLoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real_label, fake_label = 1.0, 0.0
    result = {"errD": [], "errG": [], "D_x": [], "D_G_z": []}
    for i in range(3):
        real = torch.from_numpy(data["real"][i])
        noise = torch.from_numpy(data["noise"][i])
        batch_size = real.size(0)

        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        label = torch.full((batch_size,), real_label)
        output = netD(real)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = torch.sigmoid(output).mean().item()
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        if i == 0:
            result["D_grads"] = {k: p.grad.clone() for k, p in netD.named_parameters()}
            result["G_grads_after_D_step"] = [p.grad for p in netG.parameters()]
        optimizerD.step()

        # (2) update G: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        if i == 0:
            result["G_grads"] = {k: p.grad.clone() for k, p in netG.named_parameters()}
        optimizerG.step()

        result["errD"].append(errD.item())
        result["errG"].append(errG.item())
        result["D_x"].append(D_x)
        result["D_G_z"].append(torch.sigmoid(output).mean().item())
    netG.eval()
    with torch.no_grad():
        result["samples"] = netG(torch.from_numpy(data["noise"][0]))
    result["G_state"] = dict(netG.state_dict())
    result["D_state"] = dict(netD.state_dict())
    return result
