"""Multi-operator adversarial losses (unsupervised adversarial and UAIR) for MRI.

DeepInverse 0.5.0 re-measures the reconstruction with the *same* operator in its unsupervised
adversarial losses, has no UAIR discriminator loss, and its ``UAIRGeneratorLoss`` calls the
model without physics (a TypeError with MoDL). These losses re-measure with a *new* operator
:math:`A_g` from the mask generator and compare images in a chosen domain: the measurement
itself, or its zero-filled image :math:`A^\top y` (needed with several coils, whose k-space is
not image-shaped). They follow DeepInverse's generator/discriminator loss classes and plug into
``deepinv.training.AdversarialTrainer``, which passes the discriminator ``D`` to each call.
"""

from __future__ import annotations

import torch
from deepinv.loss.adversarial import DiscriminatorLoss, GeneratorLoss
from deepinv.physics import Physics
from deepinv.physics.generator import PhysicsGenerator
from torch.utils.data import DataLoader, Dataset

DOMAINS = ("measurement", "adjoint")


class MultiOperator:
    """New operators for re-measuring, and the map into the discriminator's domain.

    :param physics_generator: draws the new operators' masks.
    :param operator: an operator of the scenario's kind owned by the loss (updated per step).
    :param domain: ``"measurement"`` (D sees k-space) or ``"adjoint"`` (D sees :math:`A^\\top y`
        with a fully sampled operator, i.e. the zero-filled image).
    """

    def __init__(self, physics_generator: PhysicsGenerator, operator: Physics, domain: str):
        if domain not in DOMAINS:
            raise ValueError(f"domain must be one of {DOMAINS}, got {domain!r}")
        self.physics_generator = physics_generator
        self.operator = operator
        self.domain = domain

    def remeasure(self, x: torch.Tensor) -> tuple[torch.Tensor, Physics]:
        """:math:`A_g x` with a new operator :math:`A_g`, and that operator."""
        self.operator.update(**self.physics_generator.step(batch_size=x.size(0)))
        return self.operator.A(x), self.operator

    def to_domain(self, y: torch.Tensor) -> torch.Tensor:
        r""":math:`\Phi(y)`. The adjoint is taken with a mask of ones, which equals the adjoint of
        the operator that measured ``y`` (SSIBench's ``A_adjoint``), since ``y`` is zero off its mask."""
        if self.domain == "measurement":
            return y
        mask = self.operator.mask
        self.operator.update(mask=torch.ones_like(mask[:1]))
        image = self.operator.A_adjoint(y)
        self.operator.update(mask=mask)
        return image


class UnpairedMeasurements:
    """Batches of real measurements of *other* images, reshuffled each epoch on a stream of its own.

    As in SSIBench's adversarial losses, a new pass over the training measurements starts with
    each training epoch (so it stays in step with the training batches, the last one included).
    """

    def __init__(self, dataset: Dataset, batch_size: int, generator: torch.Generator):
        self.loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator)
        self.epoch: int | None = None
        self.batches = iter(())

    def next(self, epoch: int, device) -> torch.Tensor:
        if epoch != self.epoch:
            self.epoch, self.batches = epoch, iter(self.loader)
        batch = next(self.batches, None)
        if batch is None:  # more steps than batches in an epoch: start another pass
            self.batches = iter(self.loader)
            batch = next(self.batches)
        return batch["y"].to(device)


class MOAdversarialGeneratorLoss(GeneratorLoss):
    r"""Generator side of the multi-operator unsupervised adversarial loss.

    .. math::

        \mathcal{L}_G = \big(D(\Phi(A_g \hat{x})) - 1\big)^2, \qquad \hat{x} = f_\theta(y, A)

    The reconstruction, re-measured with a new operator :math:`A_g`, should look like a real
    measurement to the discriminator :math:`D` (least squares GAN), in the domain :math:`\Phi`.
    Assumes the images seen through random masks have one distribution (Cole et al., 2021).
    """

    def __init__(self, multi_operator: MultiOperator, weight_adv: float = 1.0, device="cpu"):
        super().__init__(weight_adv=weight_adv, device=device)
        self.mo = multi_operator

    def forward(self, x_net, D=None, **kwargs):
        y_new, _ = self.mo.remeasure(x_net)
        return self.adversarial_loss(None, self.mo.to_domain(y_new), D)


class MOAdversarialDiscriminatorLoss(DiscriminatorLoss):
    r"""Discriminator side: real measurements of other images vs re-measured reconstructions.

    .. math::

        \mathcal{L}_D = \big(D(\Phi(y')) - 1\big)^2 + D(\Phi(A_g \hat{x}))^2

    with :math:`y'` a batch of real measurements drawn from the training set with their own
    masks (an unpaired stream; SSIBench seeds it 42, we derive it from the run seed).
    """

    def __init__(self, multi_operator: MultiOperator, unpaired: UnpairedMeasurements, weight_adv: float = 1.0,
                 device="cpu"):
        super().__init__(weight_adv=weight_adv, device=device)
        self.mo = multi_operator
        self.unpaired = unpaired

    def forward(self, x_net, D=None, epoch: int = 0, **kwargs):
        real = self.unpaired.next(epoch, x_net.device)
        y_new, _ = self.mo.remeasure(x_net)
        return self.adversarial_loss(self.mo.to_domain(real), self.mo.to_domain(y_new), D)


class UAIRGeneratorLoss(GeneratorLoss):
    r"""UAIR generator loss with a new operator, calling the model with its physics.

    .. math::

        \mathcal{L}_G = w_{adv}\big(D(\Phi(\hat{y})) - 1\big)^2
        + w_{mc} \| \Phi(A_g f_\theta(\hat{y}, A_g)) - \Phi(\hat{y}) \|^2,
        \qquad \hat{y} = A_g f_\theta(y, A)

    The re-measured reconstruction should look real, and reconstructing it again should be
    consistent with it (a cycle). Both terms are taken in the discriminator's domain
    :math:`\Phi`: k-space with one coil, the zero-filled image :math:`A^\top` with several (as
    SSIBench's ``metric_adv="A_adjoint"`` does for the cycle term too). Weights as in SSIBench:
    :math:`w_{adv} = 0.5`, :math:`w_{mc} = 1`. Reference: A. Pajot, E. de Bézenac, P. Gallinari,
    "Unsupervised adversarial image reconstruction", ICLR 2019.
    """

    def __init__(self, multi_operator: MultiOperator, weight_adv: float = 0.5, weight_mc: float = 1.0,
                 device="cpu"):
        super().__init__(weight_adv=weight_adv, device=device)
        self.mo = multi_operator
        self.weight_mc = weight_mc
        self.metric = torch.nn.MSELoss()

    def forward(self, x_net, model, D=None, **kwargs):
        y_new, operator = self.mo.remeasure(x_net)
        y_cycle = operator.A(model(y_new, operator))
        y_new, y_cycle = self.mo.to_domain(y_new), self.mo.to_domain(y_cycle)
        self.terms = {  # kept for the live-terms check (pipeline.run.liveterms)
            "adversarial": self.adversarial_loss(None, y_new, D), "cycle": self.weight_mc * self.metric(y_cycle, y_new),
        }
        return self.terms["adversarial"] + self.terms["cycle"]


class UAIRDiscriminatorLoss(DiscriminatorLoss):
    r"""UAIR discriminator loss: the batch's own measurements vs re-measured reconstructions.

    .. math::

        \mathcal{L}_D = w_{adv}\Big[\big(D(\Phi(y)) - 1\big)^2 + D(\Phi(A_g \hat{x}))^2\Big]

    with :math:`w_{adv} = 1` (SSIBench's discriminator weight; the generator's is 0.5).
    """

    def __init__(self, multi_operator: MultiOperator, weight_adv: float = 1.0, device="cpu"):
        super().__init__(weight_adv=weight_adv, device=device)
        self.mo = multi_operator

    def forward(self, y, x_net, D=None, **kwargs):
        y_new, _ = self.mo.remeasure(x_net)
        return self.adversarial_loss(self.mo.to_domain(y), self.mo.to_domain(y_new), D)
