"""The ground-truth guard of ``contribute``: a loss that reads the images through the pipeline's
data module is caught, and every registered self-supervised method passes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from deepinv.loss import Loss

from pipeline.run.guard import ground_truth_hidden, guard
from pipeline.methods import Method, registry


class PeekingLoss(Loss):
    """Compares the reconstruction with the training images, fetched through the data module."""

    def __init__(self, cache_dir: Path):
        super().__init__()
        self.cache_dir = cache_dir

    def forward(self, x_net, y, physics, model=None, **kwargs):
        from pipeline.setting.data import DatasetSpec, load_images

        images = load_images(DatasetSpec("mni"), x_net.shape[-1], 8, 4, self.cache_dir)
        return ((x_net - images.train[: len(x_net)]) ** 2).mean()


def test_the_guard_catches_a_loss_that_reads_the_images_through_the_data_module(tmp_path):
    peeking = Method(name="peeking", title="Peeking", summary="s", reference="r", url="https://example.org",
                     deepinv_classes=(), scenarios=("mri",), losses=lambda setup: [PeekingLoss(tmp_path)])
    (failure,) = guard(peeking, tmp_path)
    assert failure.startswith("mri: the loss became non-finite")


def test_hidden_ground_truth_comes_back_after_the_guard(tmp_path):
    from pipeline.setting.data import DatasetSpec, load_images

    with ground_truth_hidden():
        assert load_images(DatasetSpec("mni"), 32, 8, 4, tmp_path).train.isnan().all()
    assert not load_images(DatasetSpec("mni"), 32, 8, 4, tmp_path).train.isnan().any()


SELF_SUPERVISED = [m for m in registry().values() if not m.uses_ground_truth and m.losses is not None]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.mark.parametrize("method", SELF_SUPERVISED, ids=lambda m: m.name)
def test_every_registered_self_supervised_method_passes_the_guard(method, cache):
    assert guard(method, cache, method.scenarios[:1]) == []


class ReadsX(Loss):
    """Supervised in disguise: uses ``x``, which self-supervised training leaves empty, one way or
    another (``how``: subtract it, index it, or take its norm)."""

    def __init__(self, how: str):
        super().__init__()
        self.how = how

    def forward(self, x_net, x, y, physics, model=None, **kwargs):
        if self.how == "subtract":
            return ((x_net - x) ** 2).mean()
        if self.how == "index":
            return (x_net - x[0]).abs().mean()
        return torch.linalg.vector_norm(x) * 0 + x_net.abs().mean()


@pytest.mark.parametrize("how", ["subtract", "index", "norm"])
def test_a_loss_that_uses_x_is_refused_in_one_line_not_a_traceback(tmp_path, how):
    from pipeline.base.errors import UsageError
    from pipeline.run.guard import outcome

    reads_x = Method(name="reads-x", title="Reads x", summary="s", reference="r", url="https://example.org",
                     deepinv_classes=(), scenarios=("mri",), losses=lambda setup: [ReadsX(how)])
    (failure,) = guard(reads_x, tmp_path)
    assert failure.startswith("mri: used the ground truth `x`, which self-supervised methods never receive (")
    with pytest.raises(UsageError, match=r"^the loss of `reads-x` used the ground truth `x`, which self-supervised "
                                         r"methods never receive \(in mri: ") as refused:
        outcome(reads_x, tmp_path)
    assert "\n" not in str(refused.value)
