"""The model held fixed across methods: MoDL with a UNet denoiser, sized by the profile."""

from __future__ import annotations

from contextlib import contextmanager

import torch
from deepinv.models import MoDL, UNet

from pipeline.base.errors import UsageError
from pipeline.setting.profiles import Profile


@contextmanager
def autograd_data_steps(physics):
    """Differentiate the operator's iterative solves (``prox_l2``, ``A_dagger``) by autograd
    through their iterations while the model runs, whatever operator a loss hands it.

    DeepInverse 0.5.0's default, an implicit backward, solves the normal equations again for
    the incoming gradient with a CG whose step divides by ``<p, Ap> + 1e-8``: at a training
    gradient's scale (entries near 1e-6) that absolute eps dominates, every backward solve runs
    to its cap of 50 and returns a gradient 8 % short (``benchmarks/step_cost.py``). Autograd
    through the 3-4 forward iterations is exact and halves the multi-coil step. Setting it on
    the operator is not enough: the splitting losses give the model ``Inpainting(mask) * A``, a
    new operator with DeepInverse's defaults. Single-coil operators have closed forms and no
    solver, so nothing changes there. The choice is made when ``prox_l2`` is called, so the
    operator's own setting is restored when the model returns.
    """
    before = getattr(physics, "implicit_backward_solver", None)
    if before:
        physics.implicit_backward_solver = False
    try:
        yield
    finally:
        if before:
            physics.implicit_backward_solver = before


class AutogradMoDL(MoDL):
    """DeepInverse's MoDL, its data-consistency solves differentiated by autograd (:func:`autograd_data_steps`)."""

    final_step = "denoiser"  # SSIBench's model returns the last denoiser output

    def forward(self, y: torch.Tensor, physics, **kwargs) -> torch.Tensor:
        with autograd_data_steps(physics):
            return super().forward(y, physics, **kwargs)


class ConsistentMoDL(AutogradMoDL):
    r"""DeepInverse's MoDL followed by one data-consistency step.

    DeepInverse's MoDL (and so SSIBench's model) alternates :math:`u = \operatorname{prox}_{\gamma f}(x)`
    and :math:`x = D(u)` and returns the denoiser's output, so a loss that never scores the
    measured samples (a splitting loss scores only held-out ones) leaves nothing that teaches
    the network to give back what it was fed. Aggarwal et al.'s MoDL ends each iteration on its
    data-consistency step instead; this class appends that step once more:

    - ``"prox"``: :math:`\hat x = \operatorname{prox}_{\gamma_K f}(x_K)`, MoDL's own soft data
      consistency with the last iteration's learned step :math:`\gamma_K`;
    - ``"projection"``: :math:`\hat x = x_K + A^\dagger(y - A x_K)`, the least-squares
      projection onto the measurements. In single-coil MRI :math:`A^\dagger = A^\top` in closed
      form and the measured k-space samples come back exactly (relative residual
      :math:`\|A\hat x - y\|/\|y\|` ≈ 1e-7). With coil maps :math:`A^\top` is not a
      pseudo-inverse (residual 5e-2) and DeepInverse's :math:`A^\dagger` is a conjugate-gradient
      solve of singular normal equations (about 40 iterations, residual 1e-3, 1.3× the model's cost
      per step at 64²), which VORTEX's augmented operators make diverge. Where it is exact, :math:`A\hat x = y`, so
      a measurement-consistency loss has no gradient (``python -m pipeline check-terms``): no
      profile ends on it.

    A profile choice, recorded in every run's config; the ``paper`` profile keeps SSIBench's model.
    """

    def forward(self, y: torch.Tensor, physics, **kwargs) -> torch.Tensor:
        x = super().forward(y, physics, **kwargs)
        with autograd_data_steps(physics):
            return self.data_step(x, y, physics)

    def data_step(self, x: torch.Tensor, y: torch.Tensor, physics) -> torch.Tensor:
        """The last step, from the denoiser's output ``x`` and the measurements ``y``."""
        raise NotImplementedError


class ProjectedMoDL(ConsistentMoDL):
    """Ends on the projection onto the measurements, x + A^dagger(y - Ax) (exact single-coil only)."""

    final_step = "projection"

    def data_step(self, x: torch.Tensor, y: torch.Tensor, physics) -> torch.Tensor:
        return x + physics.A_dagger(y - physics.A(x))


class ProxMoDL(ConsistentMoDL):
    """Ends on MoDL's own soft data-consistency step, prox_{gamma f}(x) with its last step size."""

    final_step = "prox"

    def data_step(self, x: torch.Tensor, y: torch.Tensor, physics) -> torch.Tensor:
        return self.data_fidelity[0].prox(x, y, physics, gamma=self.params_algo["stepsize"][-1])


ENDING_ON = {m.final_step: m for m in (AutogradMoDL, ProjectedMoDL, ProxMoDL)}  # a profile's final step -> the model


class AutocastUNet(UNet):
    """DeepInverse's UNet under bfloat16 autocast, returning float32 (the ``bf16`` speed option of
    ``pipeline.setting.speed``): same weights and state dict, so checkpoints load either way, and MoDL's
    data-consistency steps, the losses and the metrics stay in float32."""

    def forward(self, x: torch.Tensor, sigma=None, **kwargs) -> torch.Tensor:
        with torch.autocast(x.device.type, dtype=torch.bfloat16):
            out = super().forward(x, sigma, **kwargs)
        return out.float()


def build_model(profile: Profile, device: torch.device | str = "cpu") -> MoDL:
    """MoDL (unrolled half-quadratic splitting, ``profile.modl_iterations`` steps) around a UNet.

    The UNet maps 2 channels (real, imaginary) to 2, without batch norm, as in SSIBench. The
    denoiser is always passed explicitly: MoDL's default would be a DnCNN. The profile's
    ``final_step`` says whether the network ends on the denoiser (SSIBench) or on a
    data-consistency step (:class:`ConsistentMoDL`); its speed options (``pipeline.setting.speed``) may run the UNet under
    bfloat16 autocast and lay its weights out channels-last.
    """
    channels = list(profile.unet_channels) if profile.unet_channels else None
    unet = AutocastUNet if "bf16" in profile.speed else UNet
    denoiser = unet(2, 2, scales=profile.unet_scales, channels_per_scale=channels, batch_norm=False)
    model = ENDING_ON[profile.final_step](denoiser=denoiser, num_iter=profile.modl_iterations)
    layout = torch.channels_last if "channels-last" in profile.speed else torch.preserve_format
    return model.to(device, memory_format=layout)


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def pick_device(requested: str = "auto") -> torch.device:
    """CUDA when present (or asked for), else the CPU; a device this machine lacks is a usage error."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(requested)
    except RuntimeError:
        raise UsageError(f"unknown --device '{requested}'; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            raise UsageError(f"--device {requested}, but torch sees {count} CUDA GPU(s) on this machine; "
                             "use --device cpu (or auto)")
    elif device.type != "cpu":
        raise UsageError(f"--device {requested} is not supported; use auto, cpu, cuda or cuda:N")
    return device
