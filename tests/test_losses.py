"""The maths of the losses written here (DeepInverse lacks them), on small tensors."""

from __future__ import annotations

import pytest
import torch
from deepinv.loss import SplittingLoss
from deepinv.models import Reconstructor
from deepinv.physics.generator import BernoulliSplittingMaskGenerator

from pipeline.setting.discriminator import SkipConvDiscriminator
from pipeline.losses import FullMeasurementLoss, MOConsistencyLoss, SplittingConsistencyLoss, unwrap
from pipeline.losses.adversarial import (
    MOAdversarialDiscriminatorLoss, MOAdversarialGeneratorLoss, MultiOperator,
    UAIRGeneratorLoss, UnpairedMeasurements,
)
from pipeline.base import streams
from pipeline.methods import Setup, get_method
from pipeline.setting.scenarios import SCENARIOS

SIZE = 16


class Recording(Reconstructor):
    """A network x = s * A^H y (one trainable scale) that records the masks of its inputs,
    or returns a fixed image when ``oracle`` is given."""

    def __init__(self, oracle: torch.Tensor | None = None):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.tensor(1.3))
        self.oracle = oracle
        self.seen_masks: list[torch.Tensor] = []

    def forward(self, y, physics, **kwargs):
        self.seen_masks.append(physics_mask(physics).detach().clone())
        if self.oracle is not None:
            return self.oracle + 0 * self.scale
        return self.scale * physics.A_adjoint(y)


def physics_mask(physics) -> torch.Tensor:
    """The k-space locations an operator (possibly split) samples, (B, H, W): the support of A
    applied to a random image, whose spectrum is non-zero everywhere."""
    kspace = physics.A(torch.randn(2, 2, SIZE, SIZE, generator=torch.Generator().manual_seed(9))).abs()
    while kspace.ndim > 3:
        kspace = kspace.sum(dim=1)
    return kspace > 0


@pytest.fixture(params=["mri", "multicoil"])
def problem(request):
    scenario = SCENARIOS[request.param]
    physics = scenario.physics(SIZE)
    mask = scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(0)).step(batch_size=2)["mask"]
    physics.update(mask=mask)
    x = torch.rand(2, 2, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    return scenario, physics, x, physics.A(x)


def splitter(seed: int = 0) -> BernoulliSplittingMaskGenerator:
    return BernoulliSplittingMaskGenerator((1, SIZE, SIZE), split_ratio=0.6, rng=torch.Generator().manual_seed(seed))


def test_splitting_consistency_is_zero_for_the_true_image(problem):
    scenario, physics, x, y = problem
    loss = SplittingConsistencyLoss(splitter(), complement=scenario.physics(SIZE))
    model = loss.adapt_model(Recording(oracle=x))
    model.train()
    x_net = model(y, physics)
    assert loss(x_net=x_net, y=y, physics=physics, model=model).item() == pytest.approx(0, abs=1e-10)


def test_splitting_consistency_uses_two_independent_splits_of_the_acquired_samples(problem):
    scenario, physics, x, y = problem
    network = Recording()
    loss = SplittingConsistencyLoss(splitter(), complement=scenario.physics(SIZE))
    model = loss.adapt_model(network)
    model.train()
    x_net = model(y, physics)
    value = loss(x_net=x_net, y=y, physics=physics, model=model)
    first, second = network.seen_masks[-2:]
    acquired = physics_mask(physics)
    assert not torch.equal(first, second)
    for seen in (first, second):  # each a strict subset of the acquired samples
        assert torch.all(acquired[seen]) and seen.sum() < acquired.sum()
    value.backward()
    assert network.scale.grad is not None and network.scale.grad != 0


def test_splitting_consistency_matches_its_formula(problem):
    """Recompute the three terms from the two reconstructions the network produced."""
    scenario, physics, x, y = problem
    outputs = []

    class Keep(Recording):
        def forward(self, y, physics, **kwargs):
            out = super().forward(y, physics)
            outputs.append(out)
            return out

    loss = SplittingConsistencyLoss(splitter(), complement=scenario.physics(SIZE))
    model = loss.adapt_model(Keep())
    model.train()
    x1 = model(y, physics)
    value = loss(x_net=x1, y=y, physics=physics, model=model)
    x2 = outputs[-1]
    complement = scenario.physics(SIZE)
    complement.update(mask=1 - physics.mask)
    mse = torch.nn.functional.mse_loss
    expected = mse(complement.A(x1), complement.A(x2)) + mse(physics.A(x1), y) + mse(physics.A(x2), y)
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)
    assert mse(complement.A(x1), complement.A(x2)).item() > 0 or scenario.name == "mri"


def test_mo_consistency_is_zero_for_the_true_image_and_draws_new_operators(problem):
    scenario, physics, x, y = problem
    generator = scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(5))
    loss = MOConsistencyLoss(generator, operator=scenario.physics(SIZE))
    oracle = Recording(oracle=x)
    assert loss(x_net=x, y=y, physics=physics, model=oracle).item() == pytest.approx(0, abs=1e-10)
    assert not torch.equal(loss.operator.mask, physics.mask)  # a new operator


def test_mo_consistency_matches_its_formula_and_trains_the_network(problem):
    scenario, physics, x, y = problem
    generator = scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(5))
    loss = MOConsistencyLoss(generator, operator=scenario.physics(SIZE))
    network = Recording()
    x_net = network(y, physics)
    value = loss(x_net=x_net, y=y, physics=physics, model=network)
    # SSIBench's term is built on MOILoss, which calls step(): one new mask for the whole batch
    operator = scenario.physics(SIZE)
    operator.update(**scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(5)).step())
    expected = torch.nn.functional.mse_loss(physics.A(network(operator.A(x_net), operator)), y)
    assert loss.operator.mask.shape[0] == 1 and torch.equal(loss.operator.mask, operator.mask)
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)
    value.backward()
    assert network.scale.grad != 0


def test_full_measurement_loss_sees_the_full_measurement_and_the_unwrapped_network(problem):
    """DeepInverse #875: inside a splitting model, a wrapped term must not get the split output."""
    scenario, physics, x, y = problem
    network = Recording()
    model = SplittingLoss(mask_generator=splitter(), eval_split_input=False).adapt_model(network)
    model.train()
    split_output = model(y, physics)  # what the Trainer hands every loss
    seen = {}

    class Probe(torch.nn.Module):
        def forward(self, x_net, y, physics, model, **kwargs):
            seen.update(x_net=x_net, model=model)
            return x_net.sum() * 0

    FullMeasurementLoss(Probe())(x_net=split_output, y=y, physics=physics, model=model)
    assert seen["model"] is network and unwrap(model) is network
    assert torch.allclose(seen["x_net"], network(y, physics))
    assert not torch.allclose(seen["x_net"], split_output)
    assert torch.equal(network.seen_masks[-2], physics_mask(physics))  # the probe's input was the full y
    assert not torch.equal(network.seen_masks[0], physics_mask(physics))  # the Trainer's was split


# --- adversarial losses ------------------------------------------------------------------------


def multi_operator(scenario, domain="adjoint", seed=5) -> MultiOperator:
    generator = scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(seed))
    return MultiOperator(generator, scenario.physics(SIZE), domain=domain)


@pytest.mark.parametrize("sigmoid", [True, False])
def test_skipconv_discriminator_scores_each_image(sigmoid):
    D = SkipConvDiscriminator((SIZE, SIZE), width=8, blocks=2, use_sigmoid=sigmoid)
    score = D(torch.randn(3, 2, SIZE, SIZE))
    assert score.shape == (3, 1)
    if sigmoid:
        assert torch.all((score > 0) & (score < 1))


def test_skipconv_blocks_sum_two_parallel_convolutions_of_the_same_input():
    """SSIBench's block (DeepInverse PR #409) is h <- c_a(h) + c_b(h), no identity path.

    With 1x1-acting kernels (centre taps only) the output is computable by hand: the lift is
    LeakyReLU(x); a block with centre taps 2 and 3 maps a positive h to 2h + 3h = 5h and a
    negative one to 0.01 (2h + 3h); two blocks and a linear layer of ones then sum the pixels.
    """
    D = SkipConvDiscriminator((2, 2), width=1, blocks=2, in_channels=1, use_sigmoid=False)
    with torch.no_grad():
        for conv, tap in [(D.lift[0], 1.0)] + [(block[k][0], 2.0 + k) for block in D.blocks for k in (0, 1)]:
            conv.weight.zero_()
            conv.weight[0, 0, 1, 1] = tap
        D.score.weight.fill_(1.0)
        D.score.bias.zero_()
    x = torch.tensor([[1.0, -1.0], [2.0, 0.5]]).reshape(1, 1, 2, 2)
    expected = 25 * 1.0 + (0.05 ** 2) * (0.01 * -1.0) + 25 * 2.0 + 25 * 0.5  # 87.499975
    assert D(x).item() == pytest.approx(expected, rel=1e-6)
    assert sum(p.numel() for p in SkipConvDiscriminator((64, 64), width=128).parameters()) == 1_706_241


def test_multi_operator_draws_new_masks_and_maps_to_the_zero_filled_image(problem):
    scenario, physics, x, y = problem
    mo = multi_operator(scenario)
    y_new, operator = mo.remeasure(x)
    assert not torch.equal(operator.mask, physics.mask)
    assert torch.allclose(y_new, operator.A(x))
    full = scenario.physics(SIZE)  # mask of ones: A^H of zero-filled k-space
    assert torch.allclose(mo.to_domain(y_new), full.A_adjoint(y_new))
    assert torch.equal(operator.mask, mo.operator.mask)  # the new mask is restored after mapping


def test_multi_operator_draws_one_new_mask_per_image_as_the_reference(problem):
    """DeepInverse PR #409 (the version SSIBench's train.py calls) re-measures with
    ``step(batch_size=len(x_net))``: one mask per image, unlike MOILoss's one per batch."""
    scenario, physics, x, y = problem
    mo = multi_operator(scenario)
    mo.remeasure(x)
    reference = scenario.physics(SIZE)
    reference.update(**scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(5)).step(batch_size=2))
    assert torch.equal(mo.operator.mask, reference.mask)
    assert not torch.equal(mo.operator.mask[0], mo.operator.mask[1])


def test_adversarial_generator_loss_is_the_lsgan_formula_and_trains_the_generator(problem):
    scenario, physics, x, y = problem
    D = SkipConvDiscriminator((SIZE, SIZE), width=4, blocks=1, use_sigmoid=False)
    x_net = x.clone().requires_grad_(True)
    value = MOAdversarialGeneratorLoss(multi_operator(scenario))(x_net=x_net, D=D)
    replay = multi_operator(scenario)
    y_new, _ = replay.remeasure(x)
    expected = ((D(replay.to_domain(y_new)) - 1) ** 2).mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)
    value.backward()
    assert x_net.grad.abs().sum() > 0


def test_adversarial_discriminator_loss_trains_only_the_discriminator(problem):
    scenario, physics, x, y = problem
    D = SkipConvDiscriminator((SIZE, SIZE), width=4, blocks=1, use_sigmoid=False)
    dataset = [{"y": y[i], "params": {"mask": physics.mask[i]}} for i in range(2)]
    unpaired = UnpairedMeasurements(dataset, batch_size=2, generator=torch.Generator().manual_seed(0))
    loss = MOAdversarialDiscriminatorLoss(multi_operator(scenario), unpaired)
    x_net = x.clone().requires_grad_(True)
    loss(x_net=x_net, D=D).backward()
    assert x_net.grad is None
    assert all(p.grad is not None for p in D.parameters())


def test_uair_calls_the_model_with_its_physics_and_the_cycle_vanishes_for_the_truth(problem):
    scenario, physics, x, y = problem
    D = SkipConvDiscriminator((SIZE, SIZE), width=4, blocks=1, use_sigmoid=False)
    domain = "adjoint" if scenario.multicoil else "measurement"
    oracle = Recording(oracle=x)
    value = UAIRGeneratorLoss(multi_operator(scenario, domain))(x_net=x, model=oracle, D=D)
    replay = multi_operator(scenario, domain)
    y_new, _ = replay.remeasure(x)
    adversarial_only = 0.5 * ((D(replay.to_domain(y_new)) - 1) ** 2).mean()
    assert value.item() == pytest.approx(adversarial_only.item(), rel=1e-5)
    network = Recording()
    x_net = network(y, physics)
    UAIRGeneratorLoss(multi_operator(scenario, domain))(x_net=x_net, model=network, D=D).backward()
    assert network.scale.grad != 0


def test_uair_cycle_term_is_taken_in_the_discriminator_domain(problem):
    """SSIBench (metric_adv="A_adjoint" with several coils): the cycle term compares
    A_g^H A_g f(y_hat, A_g) with A_g^H y_hat, the adjoint of the *masked* new operator."""
    scenario, physics, x, y = problem
    D = SkipConvDiscriminator((SIZE, SIZE), width=4, blocks=1, use_sigmoid=False)
    network = Recording()
    x_net = network(y, physics)
    domain = "adjoint" if scenario.multicoil else "measurement"
    value = UAIRGeneratorLoss(multi_operator(scenario, domain))(x_net=x_net, model=network, D=D)
    new = scenario.physics(SIZE)
    new.update(**scenario.mask_generator(SIZE, rng=torch.Generator().manual_seed(5)).step(batch_size=2))
    y_hat = new.A(x_net)
    y_cycle = new.A(network(y_hat, new))
    phi = new.A_adjoint if scenario.multicoil else (lambda v: v)
    mse = torch.nn.functional.mse_loss
    expected = 0.5 * ((D(phi(y_hat)) - 1) ** 2).mean() + mse(phi(y_cycle), phi(y_hat))
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)
    if scenario.multicoil:  # not the k-space cycle term
        assert mse(y_cycle, y_hat).item() != pytest.approx(mse(phi(y_cycle), phi(y_hat)).item(), rel=1e-2)


def test_uair_discriminator_loss_has_weight_one(problem):
    scenario, physics, x, y = problem
    D = SkipConvDiscriminator((SIZE, SIZE), width=4, blocks=1, use_sigmoid=False)
    x_net = Recording()(y, physics).detach()
    value = get_method("uair").discriminator(small_setup(scenario))[1][0](y=y, x_net=x_net, D=D)
    replay = small_setup(scenario).mask_generator(streams.ADVERSARIAL_OPERATORS)
    new = scenario.physics(SIZE)
    new.update(**replay.step(batch_size=2))
    own, phi = (physics.A_adjoint, new.A_adjoint) if scenario.multicoil else (lambda v: v, lambda v: v)
    expected = ((D(own(y)) - 1) ** 2).mean() + (D(phi(new.A(x_net))) ** 2).mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)


@pytest.mark.parametrize("name", ["adversarial", "uair"])
def test_adversarial_generator_and_discriminator_draw_the_same_masks_at_each_step(problem, name):
    """SSIBench gives each side a mask generator seeded alike: both see the same A_g per step."""
    scenario, physics, x, y = problem
    setup = small_setup(scenario, unpaired=[{"y": y[i], "params": {"mask": physics.mask[i]}} for i in range(2)])
    method = get_method(name)
    generator_loss = method.losses(setup)[0]
    D, (discriminator_loss,) = method.discriminator(setup)
    network = Recording()
    for step in range(3):
        x_net = network(y, physics)
        generator_loss(x_net=x_net, y=y, physics=physics, model=network, D=D, epoch=0)
        discriminator_loss(x_net=x_net.detach(), y=y, physics=physics, model=network, D=D, epoch=0)
        g_mask, d_mask = generator_loss.mo.operator.mask, discriminator_loss.mo.operator.mask
        assert torch.equal(g_mask, d_mask), f"step {step}"
        assert not torch.equal(g_mask, physics.mask)


def small_setup(scenario, unpaired=None, seed: int = 0) -> Setup:
    """What a method gets to build its losses, at the tests' image size."""
    return Setup(scenario=scenario, img_size=SIZE, device=torch.device("cpu"), seed=seed,
                 physics_generator=scenario.mask_generator(SIZE, rng=streams.generator(seed, streams.LOSS_OPERATORS)),
                 rng=streams.generator(seed, streams.METHOD), unpaired=unpaired, batch_size=2, discriminator_width=4)
