"""Data: the embedded MNI template, synthetic fastMRI files, and custom datasets."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch

from pipeline.setting.data import DatasetSpec, load_images
from pipeline.setting.data import overview
from pipeline.setting.data.custom import custom_splits
from pipeline.setting.data.fastmri import fastmri_images
from pipeline.setting.data.mni import GAP, ORIENTATIONS, load_volume, mni_images, split_indices, template_path
from pipeline.base.errors import UsageError
from pipeline.setting.profiles import PROFILES
from tests.fastmri_files import write_folder, write_volume


def test_template_ships_with_nilearn():
    assert template_path().exists()
    assert load_volume().shape == (197, 233, 189)


@pytest.mark.parametrize("profile, n_train, n_test", [("smoke", 8, 4), ("cpu", 191, 54)])
def test_mni_images_have_the_profile_size_and_range(profile, n_train, n_test):
    p = PROFILES[profile]
    images = mni_images(p.img_size, p.n_train, p.n_test)
    assert images.train.shape == (n_train, 2, p.img_size, p.img_size)
    assert images.test.shape == (n_test, 2, p.img_size, p.img_size)
    for split in (images.train, images.test):
        magnitude = split[:, 0]
        assert torch.all(split[:, 1] == 0)
        assert torch.allclose(magnitude.amax(dim=(1, 2)), torch.ones(len(split)))
        assert magnitude.min() >= 0
    # all three orientations appear in training
    assert {i.split(":")[0] for i in images.train_ids} == set(ORIENTATIONS)


def test_mni_split_keeps_test_slices_away_from_training_slices():
    volume = load_volume()
    for axis in range(3):
        brain = (np.moveaxis(volume, axis, 0) > 0).mean(axis=(1, 2))
        train, test = split_indices(brain)
        assert train and test
        assert not set(train) & set(test)
        distance = np.abs(np.subtract.outer(np.array(train), np.array(test))).min()
        assert distance > GAP


def test_mni_all_slices_are_disjoint_between_train_and_test():
    images = mni_images(16, None, None)
    assert not set(images.train_ids) & set(images.test_ids)
    assert len(images.train_ids) > 3 * len(images.test_ids)


def nearest_training_image(images) -> torch.Tensor:
    """For each test image, the relative distance to the closest training image."""
    train, test = images.train[:, 0].flatten(1), images.test[:, 0].flatten(1)
    return (torch.cdist(test, train).min(dim=1).values / test.norm(dim=1))


def test_no_test_image_is_a_copy_of_a_training_image():
    """Ids differ is not enough: the template is left-right symmetric (sagittal slice i is slice
    196 - i), so a split over both sides would test on copies of training slices; this one uses one side."""
    volume = load_volume()
    assert all(np.array_equal(volume[i], volume[196 - i]) for i in (20, 60, 97))
    assert nearest_training_image(mni_images(64, None, None)).min() > 0.1  # measured: 0.126


def test_the_data_overview_on_the_site_matches_the_code():
    committed = json.loads((overview.FOLDER / "mni.json").read_text())
    assert committed == json.loads(json.dumps(overview.overview())), "run `make data-overview` and commit site/data/"
    assert (overview.FOLDER / "mni-slices.png").is_file()


def test_fastmri_reads_the_middle_slice_and_caches_it(tmp_path):
    files = write_folder(tmp_path / "fastmri", n_volumes=5, n_slices=5)
    images = fastmri_images(tmp_path / "fastmri", 32, None, None, tmp_path / "cache")
    assert images.train.shape == (4, 2, 32, 32) and images.test.shape == (1, 2, 32, 32)
    assert sorted(images.train_ids + images.test_ids) == sorted(f.stem for f in files)
    cached = list((tmp_path / "cache" / "data").glob("fastmri-*.pt"))
    assert len(cached) == 1
    again = fastmri_images(tmp_path / "fastmri", 32, None, None, tmp_path / "cache")
    assert torch.equal(again.train, images.train) and again.test_ids == images.test_ids


@pytest.mark.parametrize("n, sizes", [(5, (4, 1)), (8, (7, 1)), (13, (11, 2))])
def test_fastmri_volumes_are_split_as_ssibench_splits_them(n, sizes, tmp_path):
    """SSIBench: ``random_split(dataset, (0.8, 0.2), generator=Generator().manual_seed(0))``,
    whose floors give the remainder to the training split (8 volumes: 7/1, not round(6.4) = 6)."""
    files = write_folder(tmp_path / "fm", n_volumes=n, n_slices=3, kspace_shape=(24, 24))
    images = fastmri_images(tmp_path / "fm", 8, None, None, tmp_path / "cache")
    reference = torch.utils.data.random_split(sorted(f.stem for f in files), (0.8, 0.2),
                                              generator=torch.Generator().manual_seed(0))
    assert (images.train_ids, images.test_ids) == (list(reference[0]), list(reference[1]))
    assert (len(images.train_ids), len(images.test_ids)) == sizes


def test_fastmri_with_too_few_volumes_for_a_test_split_says_so(tmp_path):
    write_folder(tmp_path / "fm", n_volumes=4, n_slices=3, kspace_shape=(24, 24))
    with pytest.raises(UsageError, match="has 4 volume\\(s\\): SSIBench's 80/20 split leaves no test volume below 5"):
        fastmri_images(tmp_path / "fm", 8, None, None, tmp_path / "cache")


def test_fastmri_middle_slice_is_the_one_read(tmp_path):
    from pipeline.setting.data.fastmri import middle_slice
    import h5py

    path = tmp_path / "vol.h5"
    write_volume(path, n_slices=7)
    with h5py.File(path) as f:
        expected = f["reconstruction_rss"][3]
    assert np.array_equal(middle_slice(path), expected)


def test_fastmri_without_rss_computes_it_from_kspace(tmp_path):
    write_folder(tmp_path / "raw", n_volumes=5, with_rss=False, kspace_shape=(40, 24))
    images = fastmri_images(tmp_path / "raw", 16, None, None, tmp_path / "cache")
    assert images.train.shape[1:] == (2, 16, 16)
    assert torch.isfinite(images.train).all()


def test_fastmri_without_files_says_where_to_point(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no .h5 files in fastMRI folder .*empty; point --data-dir"):
        fastmri_images(tmp_path / "empty", 16, None, None, tmp_path / "cache")


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def drop_kspace(path):
    with h5py.File(path, "a") as f:
        del f["kspace"]


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_bytes(b"not an hdf5 file"), "cannot read fastMRI file .*file_brain_AXT2_001.h5: "),
    (truncate, "cannot read fastMRI file .*file_brain_AXT2_001.h5: "),
    (drop_kspace, r"fastMRI file .*file_brain_AXT2_001.h5 has no 'kspace' dataset \(it has: ismrmrd_header, "),
], ids=["garbage", "truncated", "no-kspace"])
def test_a_broken_fastmri_file_is_named_and_nothing_is_cached(tmp_path, damage, message):
    write_folder(tmp_path / "fm", n_volumes=3)
    damage(tmp_path / "fm" / "file_brain_AXT2_001.h5")
    with pytest.raises(UsageError, match=message):
        fastmri_images(tmp_path / "fm", 16, None, None, tmp_path / "cache")
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # no partial cache file


def test_dataset_spec_requires_an_existing_fastmri_folder(tmp_path):
    with pytest.raises(UsageError, match="--data-dir"):
        DatasetSpec.parse("fastmri", None)
    with pytest.raises(UsageError, match="does not exist"):
        DatasetSpec.parse("fastmri", str(tmp_path / "missing"))
    with pytest.raises(UsageError, match="mni, fastmri"):
        DatasetSpec.parse("imagenet", None)
    assert DatasetSpec.parse("fastmri", str(tmp_path)).data_dir == str(tmp_path.resolve())


def test_load_images_dispatches_to_fastmri(tmp_path):
    write_folder(tmp_path / "fm", n_volumes=5)
    spec = DatasetSpec.parse("fastmri", str(tmp_path / "fm"))
    images = load_images(spec, 16, 2, 1, tmp_path / "cache")
    assert images.train.shape == (2, 2, 16, 16) and images.test.shape == (1, 2, 16, 16)


def test_custom_dataset_in_the_seed_tuple_form():
    train, test = custom_splits(DatasetSpec.parse("tests.example_pkg.datasets:RandomMeasurements", None))
    assert len(train["y"]) == 8 and len(test["y"]) == 2 and len(train["ids"]) == 8
    assert train["x"].shape == (8, 2, 16, 16)
    assert train["params"]["mask"].shape[0] == 8


@pytest.mark.parametrize("path, message", [
    ("tests.example_pkg.datasets:WrongShape", r"x has shape/type \(1, 16, 16\); expected .*\(2, H, W\)"),
    ("tests.example_pkg.datasets:IntegerMeasurements", "y is Tensor torch.int64"),
    ("tests.example_pkg.datasets:NoMask", "'mask'"),
    ("tests.example_pkg.datasets:no_ground_truth", "test items need ground truth"),
    ("tests.example_pkg.datasets:NOT_A_DATASET", "expected a torch.utils.data.Dataset"),
    ("tests.example_pkg.datasets:factory_raises",
     "custom dataset tests.example_pkg.datasets:factory_raises raised RuntimeError: the data server is down when called"),
    ("tests.example_pkg.datasets:gives_a_list", "gave a list; expected a torch.utils.data.Dataset"),
    ("tests.example_pkg.datasets:ItemRaises", "raised KeyError: 'slice 3 is missing' while loading item 3"),
    ("tests.example_pkg.datasets:MixedShapes", r"item 2 has shapes .*\(2, 8, 8\).* but item 0 has .*\(2, 16, 16\)"),
    ("tests.example_pkg.datasets:NaNImage", "the ground truth x of item 1 has NaN or infinite values"),
    ("tests.example_pkg.datasets:Missing", "has no 'Missing'"),
    ("tests.example_pkg.nowhere:Data", "cannot import module 'tests.example_pkg.nowhere'"),
    ("no_colon_here.Data", None),
])
def test_custom_dataset_errors_say_what_was_expected(path, message):
    if message is None:  # not a custom path at all: rejected when parsed
        with pytest.raises(UsageError, match="package.module:ClassOrFactory"):
            DatasetSpec.parse(path, None)
        return
    with pytest.raises(UsageError, match=message):
        custom_splits(DatasetSpec.parse(path, None))
