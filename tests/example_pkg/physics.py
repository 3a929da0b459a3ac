"""Example custom physics for ``--physics``: MRI at acceleration 4 with its mask generator."""

from deepinv.physics import MRI
from deepinv.physics.generator import GaussianMaskGenerator


def mri_x4(img_size, device):
    size = (img_size, img_size)
    return MRI(img_size=size, device=device), GaussianMaskGenerator(size, acceleration=4, device=device)


def not_physics(img_size, device):
    return "an operator"
