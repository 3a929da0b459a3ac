"""The discriminator of the adversarial methods, which DeepInverse 0.5.0 does not ship."""

from __future__ import annotations

import torch
from torch import nn


class SkipConvDiscriminator(nn.Module):
    r"""Convolutional discriminator of Cole et al. (ICCV workshops 2021), as SSIBench runs it.

    A first 3x3 convolution lifts the (real, imaginary) image to ``width`` channels. Each of the
    ``blocks`` blocks then applies two 3x3 convolutions (LeakyReLU, no bias, no normalisation)
    *in parallel* to the same input and sums them, :math:`h \leftarrow c_a(h) + c_b(h)`; there is
    no identity path (the "skip" is the second branch). A linear layer maps the flattened
    features to one score per image, optionally through a sigmoid (SSIBench uses none: a
    least-squares GAN). This is the block of DeepInverse pull request #409, which SSIBench's
    training script imports.

    Reference: E. K. Cole, F. Ong, S. S. Vasanawala, J. M. Pauly, "Fast unsupervised MRI
    reconstruction without fully-sampled ground truth data using generative adversarial
    networks", ICCV Workshops 2021.
    """

    def __init__(self, img_size: tuple[int, int], width: int = 128, blocks: int = 4, in_channels: int = 2,
                 use_sigmoid: bool = True):
        super().__init__()

        def conv(c_in: int, c_out: int) -> nn.Module:
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.LeakyReLU())

        self.lift = conv(in_channels, width)
        self.blocks = nn.ModuleList(nn.ModuleList([conv(width, width), conv(width, width)]) for _ in range(blocks))
        self.score = nn.Linear(width * img_size[0] * img_size[1], 1)
        self.use_sigmoid = use_sigmoid

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.lift(x)
        for conv_a, conv_b in self.blocks:
            h = conv_a(h) + conv_b(h)
        score = self.score(h.flatten(1))
        return torch.sigmoid(score) if self.use_sigmoid else score


def skipconv_discriminator(img_size: int, width: int) -> SkipConvDiscriminator:
    """SSIBench's discriminator: SkipConv with 4 blocks, no sigmoid (LSGAN).

    SSIBench uses width 128 (the paper profile); smaller profiles narrow it, since its cost
    grows with width squared and dominates the adversarial methods' step on a CPU.
    """
    return SkipConvDiscriminator((img_size, img_size), width=width, use_sigmoid=False)
