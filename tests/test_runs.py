"""Runs and result tables: the smoke grid end to end, resumption, and killed runs."""

from __future__ import annotations

import json
import re
import signal
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipeline.base import kernels, provenance
from pipeline.cli import main
from pipeline.setting.data import DatasetSpec
from pipeline.base.errors import UsageError
from pipeline.analysis.leaderboard import read_table
from pipeline.setting.measurements import cache_path
from pipeline.methods import registry
from pipeline.setting.scenarios import SCENARIOS
from pipeline.base.storage import inside
from pipeline.base.tables import PER_IMAGE_COLUMNS, RUN_COLUMNS, read_csv, safe_cell, summarise, to_csv
from pipeline.grid.plan import pairs
from pipeline.setting.profiles import PROFILES
from tests.conftest import blocked_in_training, run_cli

RUN_FILES = {"run.json", "config.json", "per_image.csv", "train_log.csv", "gallery.npz"}
SMOKE = PROFILES["smoke"]


def test_smoke_grid_writes_every_run_folder(smoke_grid):
    for scenario, method in pairs():
        folder = smoke_grid.results / "smoke" / "runs" / scenario / method / "seed0"
        trained = set() if method == "zero-filled" else {"curve.csv", "curve_per_image.csv"}
        assert {p.name for p in folder.iterdir()} == RUN_FILES | trained
        record = json.loads((folder / "run.json").read_text())
        config = json.loads((folder / "config.json").read_text())
        assert record["config_hash"] == config["config_hash"]
        assert config["profile"]["img_size"] == SMOKE.img_size and config["seed"] == 0
        assert record["versions"]["deepinv"] == "0.5.0"
        gallery = np.load(folder / "gallery.npz")
        assert gallery["recon"].shape == (SMOKE.n_gallery, SMOKE.img_size, SMOKE.img_size)
        log = pd.read_csv(folder / "train_log.csv")
        assert len(log) == (0 if method == "zero-filled" else SMOKE.epochs)


@pytest.mark.parametrize("method", ["adversarial", "uair"])
def test_adversarial_train_log_records_generator_and_discriminator_losses(smoke_grid, method):
    """deepinv 0.5.0 leaves its per-loss meters at zero with one loss of each kind."""
    log = pd.read_csv(smoke_grid.results / "smoke" / "runs" / "mri" / method / "seed0" / "train_log.csv")
    generator = [c for c in log.columns if "Generator" in c]
    discriminator = [c for c in log.columns if "Discriminator" in c]
    assert len(generator) == len(discriminator) == 1
    assert len(log) == PROFILES["smoke"].epochs
    assert (log[generator + discriminator] > 0).all().all()


def test_runs_csv_has_one_row_per_run_in_grid_order(smoke_grid):
    runs = pd.read_csv(smoke_grid.results / "smoke" / "runs.csv")
    assert list(runs.columns) == RUN_COLUMNS
    assert list(zip(runs.scenario, runs.method)) == pairs()
    assert (runs.n_test == SMOKE.n_test).all() and (runs.n_train == SMOKE.n_train).all()
    assert (runs.psnr_ci_low <= runs.psnr).all() and (runs.psnr <= runs.psnr_ci_high).all()
    assert (runs.ssim_ci_low <= runs.ssim).all() and (runs.ssim <= runs.ssim_ci_high).all()
    assert (runs.n_params[runs.method != "zero-filled"] > 0).all()
    assert runs.config_hash.is_unique


def test_per_image_csv_matches_runs_csv(smoke_grid):
    runs = pd.read_csv(smoke_grid.results / "smoke" / "runs.csv")
    per_image = pd.read_csv(smoke_grid.results / "smoke" / "per_image.csv")
    assert list(per_image.columns) == PER_IMAGE_COLUMNS
    assert len(per_image) == len(runs) * SMOKE.n_test
    means = per_image.groupby(["scenario", "method"], sort=False).psnr.mean()
    for row in runs.itertuples():
        assert means[(row.scenario, row.method)] == pytest.approx(row.psnr, rel=1e-5)
    # every method of a scenario is scored on the same test images
    ids = per_image.groupby(["scenario", "method"]).image_id.apply(tuple)
    for scenario in runs.scenario.unique():
        assert ids[scenario].nunique() == 1


def test_a_cpu_run_records_the_vector_instructions_its_kernels_use(smoke_grid):
    """Two machines that both call themselves "AMD EPYC" may run AVX2 or AVX512 kernels, which
    sum in another order: the record tells them apart."""
    import torch

    record = json.loads((smoke_grid.results / "smoke" / "runs" / "mri" / "mc" / "seed0" / "run.json").read_text())
    assert record["device"] == "cpu"
    assert record["device_name"].endswith(f"{torch.backends.cpu.get_cpu_capability()})"), record["device_name"]


def test_zero_filled_is_identical_whoever_computes_it(smoke_grid):
    """All methods of a scenario read one cached simulation: zero-filled PSNR equals A^H y's."""
    per_image = pd.read_csv(smoke_grid.results / "smoke" / "per_image.csv")
    caches = list((smoke_grid.cache / "measurements" / "smoke").glob("*/*.pt"))
    assert len(caches) == 4  # one per scenario, shared by all its methods
    zf = per_image[per_image.method == "zero-filled"]
    assert zf.psnr.between(5, 40).all()


def test_finished_runs_are_skipped(smoke_grid):
    run_json = smoke_grid.results / "smoke" / "runs" / "mri" / "mc" / "seed0" / "run.json"
    before = run_json.stat().st_mtime_ns
    assert main(smoke_grid.args("benchmark", "--profile", "smoke")) == 0
    assert run_json.stat().st_mtime_ns == before


def test_changed_config_is_redone_and_never_mixed(workspace):
    args = workspace.args("benchmark", "--profile", "smoke", "--scenarios", "noisy", "--methods", "supervised")
    assert main(args) == 0
    folder = workspace.results / "smoke" / "runs" / "noisy" / "supervised" / "seed0"
    first = json.loads((folder / "run.json").read_text())
    assert main([*args, "--epochs", "2"]) == 0
    second = json.loads((folder / "run.json").read_text())
    assert second["config_hash"] != first["config_hash"] and second["epochs"] == 2
    # the default-config table no longer contains the (now 2-epoch) run
    assert main(workspace.args("collect", "--profile", "smoke", "--scenarios", "noisy", "--methods", "supervised")) == 0
    assert pd.read_csv(workspace.results / "smoke" / "runs.csv").empty
    assert not [p for p in folder.parent.glob(".seed0.*") if p.is_dir()]  # no temporary folders left


def test_a_narrowed_benchmark_adds_its_runs_to_the_tables_instead_of_replacing_them(workspace, capsys):
    grid = workspace.args("benchmark", "--profile", "smoke", "--scenarios", "mri")
    assert main([*grid, "--methods", "mc,zero-filled"]) == 0
    assert main([*grid, "--methods", "ei", "--seeds", "1"]) == 0  # e.g. a new method, another seed
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    in_grid_order = [(m, seed) for _, m in pairs(["mri"]) for seed in (0, 1) if (m, seed) in {("zero-filled", 0), ("mc", 0), ("ei", 1)}]
    assert list(zip(runs.method, runs.seed)) == in_grid_order and len(in_grid_order) == 3
    assert "not collected" not in capsys.readouterr().err  # the runs never asked for are not reported missing
    assert main([*grid, "--methods", "supervised", "--epochs", "2"]) == 0  # other options: its own tables
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    assert set(runs.method) == {"supervised"} and set(runs.epochs) == {2}
    capsys.readouterr()
    assert main(workspace.args("collect", "--profile", "smoke", "--scenarios", "mri", "--methods", "ei")) == 0  # default options again
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    assert list(zip(runs.method, runs.seed)) == in_grid_order
    assert capsys.readouterr().err.splitlines()[-1] == "not collected (1, not yet run): mri/ei/seed0"


def test_without_seeds_a_benchmark_trains_the_seeds_the_results_already_have(workspace):
    """A new method gets as many seeds as the leaderboard it joins; an empty folder starts at seed 0."""
    grid = workspace.args("benchmark", "--profile", "smoke", "--scenarios", "mri")
    runs = workspace.results / "smoke" / "runs" / "mri"
    assert main([*grid, "--methods", "zero-filled"]) == 0
    assert [p.name for p in (runs / "zero-filled").iterdir()] == ["seed0"]
    assert main([*grid, "--methods", "zero-filled", "--seeds", "2"]) == 0
    assert main([*grid, "--methods", "mc"]) == 0
    assert sorted(p.name for p in (runs / "mc").iterdir()) == ["seed0", "seed2"]
    assert set(pd.read_csv(workspace.results / "smoke" / "runs.csv").seed) == {0, 2}


def test_the_summary_ci_is_the_t_interval_over_the_seed_means():
    """Three seeds whose means are 18, 20 and 22 (images identical in each): the mean is 20 and the
    interval 20 ± t(2) * 2 / √3, whatever the images' own spread; one seed has no interval."""
    images = np.random.default_rng(2).normal(0, 1, 16)
    psnr = np.concatenate([images + 18, images + 20, images + 22]) - images.mean()
    per_image = pd.DataFrame({"scenario": "mri", "method": "mc", "seed": np.repeat([0, 1, 2], 16),
                              "image_id": np.tile(np.arange(16), 3), "psnr": psnr, "ssim": psnr / 40})
    runs = pd.DataFrame([{"scenario": "mri", "method": "mc", "variant_of": "", "departure": "", "seed": s,
                          "status": "ok", "psnr": 18.0 + 2 * s, "ssim": (18.0 + 2 * s) / 40, "train_seconds": 1.0,
                          "n_params": 1, "peak_memory_mb": 1.0, "n_test": 16, "kernels": "avx2", "threads": 1}
                         for s in range(3)])
    row = summarise(runs, per_image).iloc[0]
    t2 = 0.95 / np.sqrt(2 * 0.975 * 0.025)  # Student's t with 2 degrees of freedom at 0.975, in closed form
    assert row.psnr_ci_low == pytest.approx(20 - t2 * 2 / np.sqrt(3)) and row.psnr_ci_high == pytest.approx(20 + t2 * 2 / np.sqrt(3))
    one = summarise(runs[runs.seed == 0], per_image[per_image.seed == 0]).iloc[0]
    assert np.isnan(one.psnr_ci_low) and np.isnan(one.psnr_ci_high)


def test_killed_run_leaves_nothing_finished_and_rerun_matches_a_clean_run(tmp_path):
    """SIGKILL mid-training, run again: the tables equal those of an uninterrupted run."""
    opts = ["--profile", "smoke", "--scenario", "mri", "--method", "ei", "--epochs", "2",
            "--threads", "1", "--quiet", "--cache-dir", str(tmp_path / "cache")]
    killed, clean = tmp_path / "killed", tmp_path / "clean"

    def run_and_collect(results):
        done = run_cli("run", *opts, "--results-dir", str(results))
        assert done.returncode == 0, done.stderr
        collected = run_cli("collect", "--profile", "smoke", "--epochs", "2", "--scenarios", "mri",
                            "--methods", "ei", "--results-dir", str(results), "--quiet")
        assert collected.returncode == 0, collected.stderr

    run_and_collect(clean)  # also warms the measurement cache, so the kill lands in training
    folder = killed / "smoke" / "runs" / "mri" / "ei"
    proc = blocked_in_training("run", *opts, "--results-dir", str(killed))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (folder / "seed0").exists()  # nothing looks finished
    assert list(folder.glob(".seed0.tmp-*"))  # the abandoned attempt is there...

    run_and_collect(killed)
    assert not list(folder.glob(".seed0.tmp-*"))  # ...and cleaned up by the rerun
    tables = [pd.read_csv(r / "smoke" / "per_image.csv") for r in (killed, clean)]
    pd.testing.assert_frame_equal(*tables)
    columns = ["psnr", "ssim", "psnr_ci_low", "psnr_ci_high", "config_hash"]
    pd.testing.assert_frame_equal(*[pd.read_csv(r / "smoke" / "runs.csv")[columns] for r in (killed, clean)])


def test_fastmri_folder_runs_end_to_end(workspace, tmp_path):
    from tests.fastmri_files import write_folder

    write_folder(tmp_path / "fastmri", n_volumes=6)
    args = workspace.args("benchmark", "--profile", "smoke", "--dataset", "fastmri",
                          "--data-dir", str(tmp_path / "fastmri"), "--scenarios", "multicoil",
                          "--methods", "zero-filled,mc")
    assert main(args) == 0
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    assert list(runs.method) == ["mc", "zero-filled"] and (runs.dataset == "fastmri").all()
    assert (runs.n_train == 5).all() and (runs.n_test == 1).all() and (runs.img_size == SMOKE.img_size).all()


def test_custom_dataset_runs_end_to_end(workspace):
    args = workspace.args("benchmark", "--profile", "smoke", "--dataset", "tests.example_pkg.datasets:RandomMeasurements",
                          "--scenarios", "mri", "--methods", "zero-filled,ssdu")
    assert main(args) == 0
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    assert (runs.dataset == "tests.example_pkg.datasets:RandomMeasurements").all()
    assert (runs.img_size == 16).all() and (runs.n_train == 8).all() and (runs.n_test == 2).all()


def test_reproduce_reruns_the_committed_runs_elsewhere_and_reports_an_altered_value(workspace, tmp_path, capsys):
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled,mc"]
    assert main(workspace.args("benchmark", *grid)) == 0
    committed = {p: p.read_bytes() for p in workspace.results.rglob("*") if p.is_file()}
    scratch = tmp_path / "scratch"
    capsys.readouterr()

    assert main(workspace.args("reproduce", *grid, "--scratch-dir", str(scratch))) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "2 of 2 runs reproduced: every per-image PSNR and SSIM identical"
    assert "mri/mc/seed0: identical (largest per-image |ΔPSNR| 0, |ΔSSIM| 0; re-run on avx2 kernels" in err
    assert {p: p.read_bytes() for p in workspace.results.rglob("*") if p.is_file()} == committed  # untouched

    per_image = workspace.results / "smoke" / "runs" / "mri" / "mc" / "seed0" / "per_image.csv"
    table = pd.read_csv(per_image)
    table.loc[1, "psnr"] = float(np.nextafter(table.loc[1, "psnr"], np.inf))  # one image, its last bit altered
    table.to_csv(per_image, index=False)
    record = tmp_path / "reproduced.csv"
    assert main(workspace.args("reproduce", *grid, "--scratch-dir", str(scratch), "--record", str(record))) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "1 of 2 runs reproduced: every per-image PSNR and SSIM identical"
    assert "mri/mc/seed0: NOT identical (largest per-image |ΔPSNR| " in err
    rows = pd.read_csv(record)
    assert list(zip(rows.method, rows.identical)) == [("mc", False), ("zero-filled", True)]
    assert 0 < rows.psnr_largest_difference[0] < 1e-12 and rows.ssim_largest_difference[0] == 0
    here = kernels.in_use()["label"]  # avx2 on an x86-64 CPU with AVX2
    assert set(rows.kernels) == {here} and set(rows.committed_kernels) == {here}
    assert len(set(rows.threads)) == 1 and set(rows.threads) == set(rows.committed_threads)

    # --replace: the re-run on the pinned kernels takes the differing run's place, whole; the other stays
    untouched = {p: p.read_bytes() for p in (per_image.parents[1] / "zero-filled").rglob("*") if p.is_file()}
    assert main(workspace.args("reproduce", *grid, "--scratch-dir", str(scratch), "--replace")) == 1
    assert "replaced 1 committed run(s) by their re-runs on the pinned kernels: mri/mc/seed0;" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (per_image.parents[1] / "zero-filled").rglob("*") if p.is_file()} == untouched
    assert per_image.read_bytes() == (scratch / "smoke" / "runs" / "mri" / "mc" / "seed0" / "per_image.csv").read_bytes()
    assert main(workspace.args("reproduce", *grid, "--scratch-dir", str(scratch))) == 0
    assert not list(per_image.parents[1].glob(".seed0.*"))  # no temporary folder left behind


def test_replace_refuses_a_profile_read_off_another(workspace, tmp_path, capsys):
    assert main(workspace.args("reproduce", "--profile", "quick", "--scratch-dir", str(tmp_path), "--replace")) == 2
    assert capsys.readouterr().err == ("error: --replace needs the runs themselves: profile quick is read off cpu's "
                                       "runs; pass --profile cpu\n")


def test_reproduce_uses_the_committed_thread_count_and_refuses_a_mixed_one(workspace, tmp_path, capsys):
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled,mc"]
    assert main(workspace.args("benchmark", *grid, "--threads", "1")) == 0
    capsys.readouterr()
    assert main(workspace.args("reproduce", *grid, "--scratch-dir", str(tmp_path / "scratch"))) == 0
    assert "with 1 torch thread(s), as the committed runs were made" in capsys.readouterr().err
    record = workspace.results / "smoke" / "runs" / "mri" / "mc" / "seed0" / "run.json"
    record.write_text(record.read_text().replace('"threads": 1', '"threads": 3'))
    assert main(workspace.args("reproduce", *grid, "--scratch-dir", str(tmp_path / "again"))) == 2
    assert capsys.readouterr().err == ("error: the committed runs were made with different torch thread counts "
                                       "(['1', '3']); pass --threads (make: THREADS=) to re-run them with one\n")
    assert not (tmp_path / "again").exists()


@pytest.mark.parametrize("path", ["../x", "a/../../x", "/etc/passwd", "", "../results-other/x"])
def test_the_path_guard_refuses_a_path_outside_its_root(tmp_path, path):
    root = tmp_path / "results"
    assert inside(root, root / "smoke" / "runs") == root / "smoke" / "runs"
    with pytest.raises(UsageError) as refused:
        inside(root, root / path)
    (line,) = str(refused.value).splitlines()
    assert line.startswith(f"refusing to write {root / path}: it lies outside {root}")


@pytest.mark.parametrize("scenario, method", [("../../../escaped", "zero-filled"), ("mri", "../../../escaped")])
def test_a_name_that_escapes_its_folder_writes_nothing_anywhere(workspace, tmp_path, capsys, monkeypatch, scenario, method):
    """Behind the rule on names, every output path is checked: an entry that slipped past the rule
    (put into the registries by hand here) still cannot write outside --results-dir or --cache-dir."""
    escaped = "../../../escaped"
    monkeypatch.setitem(SCENARIOS, escaped, replace(SCENARIOS["mri"], name=escaped))
    monkeypatch.setitem(registry(), escaped, replace(registry()["zero-filled"], name=escaped))
    assert main(workspace.args("run", "--profile", "smoke", "--scenario", scenario, "--method", method)) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: refusing to write") and f"lies outside {workspace.results / 'smoke' / 'runs'};" in line
    assert not list(tmp_path.rglob("*"))
    with pytest.raises(UsageError, match=re.escape(f"lies outside {workspace.cache / 'measurements' / 'smoke'};")):
        cache_path(workspace.cache, SMOKE, SCENARIOS[escaped], DatasetSpec("mni", None), 0)


def test_text_cells_that_would_start_a_formula_are_quoted_and_numbers_are_not(tmp_path):
    table = pd.DataFrame({
        "method": ["=1+2", "+x", "-cmd", "@SUM(A1)", "\tx", "mc"],
        "failure": ['=HYPERLINK("http://x")', None, "-inf loss", "ok", "a=b", "training loss became nan"],
        "psnr": [-1.5, 0.0, 2.25, -30.0, 1e-3, float("nan")],
        "seed": [-1, 0, 1, 2, 3, 4],
        "=1+2": [1, 2, 3, 4, 5, 6],
    })
    path = tmp_path / "runs.csv"
    path.write_text(to_csv(table))
    opened = pd.read_csv(path)  # as a spreadsheet sees the file
    assert list(opened.columns) == ["method", "failure", "psnr", "seed", "'=1+2"]
    assert list(opened.method) == ["'=1+2", "'+x", "'-cmd", "'@SUM(A1)", "'\tx", "mc"]
    assert list(opened.failure.fillna("")) == ["'=HYPERLINK(\"http://x\")", "", "'-inf loss", "ok", "a=b",
                                               "training loss became nan"]
    assert safe_cell("\rx") == "'\rx" and safe_cell(-2.5) == -2.5 and safe_cell(-3) == -3
    pd.testing.assert_series_equal(opened.psnr, table.psnr)
    pd.testing.assert_series_equal(opened.seed, table.seed)
    pd.testing.assert_frame_equal(read_csv(path), table, check_dtype=False)  # read back as it was


def test_collected_tables_quote_free_text_and_read_it_back(workspace, monkeypatch):
    """runs.csv holds a device name as the machine gives it: one starting a formula is quoted."""
    device_name = '=HYPERLINK("http://x","click")'
    monkeypatch.setattr(provenance, "device_record", lambda device: {"device": device.type, "device_name": device_name})
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled", "--device", "cpu"]
    assert main(workspace.args("benchmark", *grid)) == 0
    runs_csv = workspace.results / "smoke" / "runs.csv"
    assert list(pd.read_csv(runs_csv).device_name) == ["'" + device_name]
    assert list(read_table(runs_csv, RUN_COLUMNS).device_name) == [device_name]
