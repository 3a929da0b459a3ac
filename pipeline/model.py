"""The model held fixed across methods: MoDL with a UNet denoiser, sized by the profile."""

from __future__ import annotations

import torch
from deepinv.models import MoDL, UNet

from pipeline.profiles import Profile


def build_model(profile: Profile, device: torch.device | str = "cpu") -> MoDL:
    """MoDL (unrolled half-quadratic splitting, ``profile.modl_iterations`` steps) around a UNet.

    The UNet maps 2 channels (real, imaginary) to 2, without batch norm, as in SSIBench. The
    denoiser is always passed explicitly: MoDL's default would be a DnCNN.
    """
    channels = list(profile.unet_channels) if profile.unet_channels else None
    denoiser = UNet(2, 2, scales=profile.unet_scales, channels_per_scale=channels, batch_norm=False)
    return MoDL(denoiser=denoiser, num_iter=profile.modl_iterations).to(device)


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def pick_device(requested: str = "auto") -> torch.device:
    """CUDA when present (or asked for), else the CPU."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)
