"""Profiles: one code path, three sizes. Everything a profile fixes is recorded in each run's config."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from pipeline.base.errors import UsageError, choose
from pipeline.setting.speed import parse as parse_speed


@dataclass(frozen=True)
class Profile:
    """Sizes of data, model and training shared by every run of a profile."""

    name: str
    description: str
    dataset: str  # default dataset: "mni" (embedded) or "fastmri" (needs --data-dir)
    img_size: int  # images are img_size x img_size
    n_train: int | None  # None: every training image the dataset has
    n_test: int | None
    epochs: int
    batch_size: int
    lr: float
    unet_scales: int
    unet_channels: tuple[int, ...] | None  # None: deepinv's UNet default widths
    modl_iterations: int
    discriminator_width: int  # channels of the adversarial methods' SkipConv discriminator
    n_gallery: int  # test images whose reconstructions are kept for the site
    # what the network ends on (one of FINAL_STEPS; see pipeline.setting.model.ENDING_ON)
    final_step: str = "denoiser"
    # learning curve: points during training and the test images scored at each; they do not
    # change any result (a test checks it), so they are not part of the config
    curve_points: int = 6
    curve_images: int = 8
    # how a step is computed on a GPU (pipeline.setting.speed.OPTIONS); in the config only when set
    speed: tuple[str, ...] = ()
    # None: an epoch is one shuffled pass over the training images (SSIBench); a number: an epoch
    # is that many optimiser steps, drawn from consecutive shuffled passes (``pipeline.run.batches``),
    # so that the budget is counted in steps whatever the number of images; in the config when set
    steps_per_epoch: int | None = None
    # a profile whose runs are another's stopped early: the name of that longer profile, whose
    # learning curves give these runs' scores wherever it has them (``pipeline.run.stopped``); a
    # method the longer profile lacks trains its own runs here. Not in the config: it changes no result
    stopped_from: str | None = None

    def epoch_steps(self, n_train: float | None) -> int | None:
        """Optimiser steps in one epoch: the profile's fixed number, or one pass over ``n_train``
        training images (None where that size is unknown)."""
        if self.steps_per_epoch:
            return self.steps_per_epoch
        return math.ceil(n_train / self.batch_size) if n_train and n_train == n_train else None

    @property
    def steps(self) -> int | None:
        """The training budget in optimiser steps, where the profile counts it so."""
        return self.epochs * self.steps_per_epoch if self.steps_per_epoch else None

    def stopped(self, name: str, steps: int, description: str) -> Profile:
        """This profile stopped after ``steps`` optimiser steps, as a profile of its own whose runs
        are read off this one's curves. The stop must fall on a whole epoch, and this profile must
        score every test image there (a curve point is the run stopped there: ``tests/test_curves.py``)."""
        per_epoch = self.epoch_steps(self.n_train)
        if per_epoch is None or steps % per_epoch:
            raise ValueError(f"profile {self.name} cannot be stopped at {steps} steps: not a whole epoch")
        epochs = steps // per_epoch
        if epochs not in curve_epochs(self.epochs, self.curve_points) or (self.n_test or 0) > self.curve_images:
            raise ValueError(f"profile {self.name} has no curve point on every test image at epoch {epochs}")
        return replace(self, name=name, description=description, epochs=epochs, stopped_from=self.name)

    def as_config(self) -> dict:
        """What the profile fixes for a run. The final step is recorded beside it, as the step a run
        computes (``RunSpec.config``); the embedded dataset's split version is recorded whatever the
        dataset, as it always was, so that committed runs keep their hash."""
        cfg = asdict(self)
        for key in ("description", "curve_points", "curve_images", "stopped_from"):
            cfg.pop(key)
        cfg.pop("final_step")
        if self.steps_per_epoch is None:
            cfg.pop("steps_per_epoch")
        cfg["mni_split"] = MNI_SPLIT_VERSION
        cfg["unet_channels"] = list(self.unet_channels) if self.unet_channels else None
        if self.speed:
            cfg["speed"] = list(self.speed)
        else:  # runs made before the speed options existed keep their config and hash
            cfg.pop("speed")
        return cfg


def curve_epochs(epochs: int, points: int) -> list[int]:
    """Up to ``points`` epochs, evenly spread, ending with the last (1-based: after that epoch)."""
    return sorted({max(1, round(k * epochs / points)) for k in range(1, points + 1)}) if points > 0 else []


# the version of the embedded dataset's split (``pipeline.setting.data.mni``), recorded in every
# run's config and measurement cache key; version 1 was retired with the profile ``standard``
MNI_SPLIT_VERSION = 2

# "denoiser": DeepInverse's MoDL, as SSIBench; "prox": MoDL's own soft data consistency with its
# last learned step; "projection": x + A†(y − Ax), under which A f(y) = y and measurement
# consistency has no gradient (``python -m pipeline check-terms``), so no profile ends on it.
FINAL_STEPS = ("denoiser", "prox", "projection")

# The headline profile: the leaderboard's (the site's home page, the default profile of every
# command but one); the quick look: the default of `contribute`, whose report on a new method
# should come in half an hour: the headline stopped at QUICK_STEPS optimiser steps, its first
# curve point, so that its results are read off the headline's runs and never trained apart.
HEADLINE = "cpu"
QUICK_LOOK = "quick"
QUICK_STEPS = 192

MAX_EPOCHS = 10_000  # far beyond any profile; guards against a typo that would train for ever

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in [
        Profile(
            name="smoke",
            description="tests: tiny images and model, one epoch; every pair runs in seconds",
            dataset="mni", img_size=32, n_train=8, n_test=4, epochs=1, batch_size=4,
            lr=1e-3, unet_scales=2, unet_channels=(8, 16), modl_iterations=3,
            discriminator_width=8, n_gallery=2, curve_images=2,
        ),
        Profile(
            name="cpu",
            description="the headline on a CPU: every distinct embedded brain slice (191 training, 54 test) "
                        "at 64x64, 1,536 optimiser steps in batches of 4 (a curve point every 192), SSIBench's model "
                        "at reduced width (a UNet of 16-64 channels: 129,714 parameters against 8,556,994)",
            dataset="mni", img_size=64, n_train=None, n_test=None, epochs=8, batch_size=4,
            lr=1e-3, unet_scales=3, unet_channels=(16, 32, 64), modl_iterations=3,
            discriminator_width=32, n_gallery=4, steps_per_epoch=192,
            # every 192 steps on every test image: a point is the run stopped there, and the
            # doubling test reads 192, 384, 768 and 1,536 steps
            curve_points=8, curve_images=64,
        ),
        Profile(
            name="paper",
            description="SSIBench's setup: fastMRI brain middle slices at 320x320, full UNet, GPU",
            dataset="fastmri", img_size=320, n_train=None, n_test=None, epochs=100, batch_size=4,
            lr=1e-3, unet_scales=4, unet_channels=None, modl_iterations=3,
            discriminator_width=128, n_gallery=3, curve_images=16,
        ),
    ]
}
QUICK = PROFILES[HEADLINE].stopped(
    QUICK_LOOK, QUICK_STEPS, f"a 30-minute look on a CPU: the {HEADLINE} profile stopped at {QUICK_STEPS} optimiser "
                             "steps (not converged), read off its learning curves")
PROFILES = {"smoke": PROFILES["smoke"], QUICK_LOOK: QUICK, **PROFILES}  # listed by size


def get_profile(name: str, epochs: int | None = None, final_step: str | None = None,
                speed: str | None = None) -> Profile:
    """The named profile, with its epochs, final step and speed options optionally overridden
    (recorded in the config)."""
    profile = choose("profile", name, PROFILES)
    if speed:
        profile = replace(profile, speed=parse_speed(speed))
    if final_step is not None:
        choose("final step", final_step, dict.fromkeys(FINAL_STEPS))
        profile = replace(profile, final_step=final_step)
    if epochs is not None:
        if epochs < 1:
            raise UsageError(f"--epochs must be a positive integer, got {epochs}")
        if epochs > MAX_EPOCHS:
            raise UsageError(f"--epochs {epochs} is more than {MAX_EPOCHS:,}; pass a number of epochs up to {MAX_EPOCHS:,}")
        profile = replace(profile, epochs=epochs)
    return profile
