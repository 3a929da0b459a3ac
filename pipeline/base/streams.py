"""Independent random streams of a run, one per purpose, all derived from the run seed.

Seeding every generator of a run with the same integer correlates draws that must be
independent: a loss's mask generator seeded like the acquisition-mask draw replays the
training images' own masks as its "new" operators, and a transform sharing a stream with a
mask generator sees correlated draws. Each purpose therefore gets its own seed, derived from
(run seed, purpose) with NumPy's ``SeedSequence``, whose outputs for different entropy are
independent streams by construction.
"""

from __future__ import annotations

import contextlib
import hashlib

import numpy as np
import torch

ACQUISITION = "acquisition-masks"  # the data's masks (measurement simulation)
NOISE_TRAIN = "measurement-noise-train"
NOISE_TEST = "measurement-noise-test"
# noise a loss adds when it re-measures through the scenario's noise model (EI, MOI, MO-EI in noisy)
NOISE_REMEASURE = "remeasurement-noise"
INIT = "init"  # global RNGs: network initialisation and library code without a generator of its own
SHUFFLE = "data-shuffling"
LOSS_OPERATORS = "loss-operators"  # new operators a loss draws (MOI, MO-EI, weighting estimates)
METHOD = "method-draws"  # a method's splits, transforms and added noise
RECORRUPTION = "r2r-recorruption"  # R2R's re-corrupted inputs (ddssl)
UNPAIRED = "adversarial-real-batches"
ADVERSARIAL_OPERATORS = "adversarial-operators"  # drawn identically by generator and discriminator sides

# recorded in every run's config (and so in its hash): a change of scheme redoes the runs.
# v2: re-measurement noise and R2R re-corruption have their own streams; CPAB transforms draw
# from the method stream (v1 left all three on torch's global state).
SCHEME = "SeedSequence([seed, sha256(purpose)]) per purpose, v2"

PURPOSES = (ACQUISITION, NOISE_TRAIN, NOISE_TEST, NOISE_REMEASURE, INIT, SHUFFLE, LOSS_OPERATORS, METHOD,
            RECORRUPTION, UNPAIRED, ADVERSARIAL_OPERATORS)


def stream_seed(seed: int, purpose: str) -> int:
    """The seed of ``purpose``'s stream in the run with seed ``seed`` (a 63-bit integer)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown random stream {purpose!r}; known: {', '.join(PURPOSES)}")
    key = int.from_bytes(hashlib.sha256(purpose.encode()).digest()[:8], "little")
    state = np.random.SeedSequence([seed, key]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def generator(seed: int, purpose: str, device: torch.device | str = "cpu") -> torch.Generator:
    """A fresh torch generator on ``device`` for ``purpose``'s stream."""
    return torch.Generator(device).manual_seed(stream_seed(seed, purpose))


@contextlib.contextmanager
def global_rng_from(generator: torch.Generator):
    """Run library code that samples from torch's *global* RNG (e.g. libcpab) on ``generator``'s stream.

    The global RNG is forked, seeded from one draw of ``generator`` and restored on exit, so the
    code's draws come from (and move with) the named stream and nothing else is disturbed.
    """
    seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device).item())
    devices = [generator.device.index or 0] if generator.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
