"""Faults and concurrency: what the pipeline records, keeps and shows when things go wrong."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest
import torch
from deepinv.loss import Loss

import pipeline.grid.plan
from pipeline.cli import main
from pipeline.methods import get_method
from pipeline.render import build_site
from tests.conftest import ROOT, blocked_in_training


class NaNFromEpoch(Loss):
    """Measurement consistency that turns NaN from a given epoch on (deepinv counts epochs from 0)."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def forward(self, x_net, y, physics, epoch=None, **kwargs):
        value = (physics.A(x_net) - y).abs().pow(2).flatten(1).mean(1)
        return value * float("nan") if epoch >= self.epoch else value


def test_a_diverging_loss_is_recorded_and_the_grid_goes_on(workspace, monkeypatch, capsys, tmp_path):
    diverging = replace(get_method("mc"), losses=lambda setup: [NaNFromEpoch(1)])
    real = pipeline.grid.plan.get_method
    monkeypatch.setattr(pipeline.grid.plan, "get_method", lambda name, scenario=None:
                        diverging if name == "mc" else real(name, scenario))
    grid = ["--profile", "smoke", "--epochs", "3", "--scenarios", "mri", "--methods", "mc,ei,zero-filled"]
    assert main(workspace.args("benchmark", *grid)) == 0
    err = capsys.readouterr().err
    assert "mri/mc/seed0: diverged (training loss became nan in epoch 2)" in err

    folder = workspace.results / "smoke" / "runs" / "mri" / "mc" / "seed0"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "curve.csv", "curve_per_image.csv", "run.json"]  # curve up to epoch 1
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv").set_index("method")
    assert runs.loc["mc", "status"] == "diverged" and pd.isna(runs.loc["mc", "psnr"])
    assert "epoch 2" in runs.loc["mc", "failure"]
    assert (runs.loc[["ei", "zero-filled"], "status"] == "ok").all() and runs.loc["ei", "psnr"] > 0
    per_image = pd.read_csv(workspace.results / "smoke" / "per_image.csv")
    assert "mc" not in set(per_image.method)
    summary = pd.read_csv(workspace.results / "smoke" / "summary.csv").set_index("method")
    assert summary.loc["mc", "diverged"] == 1

    # the diverged run is finished: the next benchmark does not redo it
    assert main(workspace.args("benchmark", *grid)) == 0
    assert "diverged" in capsys.readouterr().err  # collect reports it again

    html = build_site(workspace.results, tmp_path / "site")
    home = (html / "index.html").read_text()
    assert '<span class="diverged">diverged</span>' in home
    page = (html / "scenarios" / "smoke-mri" / "index.html").read_text()
    assert ">diverged</td>" in page and "1 diverged" in page



def test_two_benchmarks_on_one_folder_never_run_the_same_run_twice(workspace):
    command = [sys.executable, "-m", "pipeline", *workspace.args(
        "benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "mc,ei,ssdu,zero-filled")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    both = [subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=600)[1] for p in both]
    assert [p.returncode for p in both] == [0, 0], errors
    trained = [line for err in errors for line in err.splitlines()
               if ": PSNR " in line and "(already finished)" not in line]
    assert sorted(line.split(":")[0] for line in trained) == [
        "mri/ei/seed0", "mri/mc/seed0", "mri/ssdu/seed0", "mri/zero-filled/seed0"]
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    assert sorted(runs.method) == ["ei", "mc", "ssdu", "zero-filled"] and (runs.status == "ok").all()
    assert not [p for p in workspace.results.rglob(".seed*") if p.is_dir()]  # no attempt left behind
    assert not list(workspace.results.rglob("*.lock"))  # nor any lock file


# Runs ``python -m pipeline ARGS`` but SIGKILLs itself at the rename that would replace a file
# whose name ends with SUFFIX: the worst moment, with the new content fully written beside it.
KILLED_AT_RENAME = """
import os, signal, sys
real_replace = os.replace
def replace(src, dst):
    if str(dst).endswith(sys.argv[1]):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst)
os.replace = replace
from pipeline.cli import main
sys.exit(main(sys.argv[2:]))
"""


def killed_at_rename(suffix: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", KILLED_AT_RENAME, suffix, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_sigkill_during_collect_keeps_the_previous_tables(workspace):
    grid = ["--profile", "smoke", "--scenarios", "mri"]
    assert main(workspace.args("benchmark", *grid, "--methods", "zero-filled,mc")) == 0
    tables = workspace.results / "smoke"
    before = {name: (tables / name).read_text() for name in ("runs.csv", "per_image.csv", "summary.csv")}
    assert main(workspace.args("run", "--profile", "smoke", "--scenario", "mri", "--method", "ei")) == 0

    killed = killed_at_rename("runs.csv", *workspace.args("collect", *grid, "--methods", "zero-filled,mc,ei"))
    assert killed.returncode == -9
    assert (tables / "runs.csv").read_text() == before["runs.csv"]  # the old table, whole
    assert len(list(tables.glob(".runs.csv.*.tmp"))) == 1  # the new one, never renamed

    assert main(workspace.args("collect", *grid, "--methods", "zero-filled,mc,ei")) == 0
    assert sorted(pd.read_csv(tables / "runs.csv").method) == ["ei", "mc", "zero-filled"]
    assert not list(tables.glob(".*.tmp"))  # the next collect removed the dead writer's file


def test_sigkill_during_the_measurement_cache_write_leaves_no_cache(workspace):
    run = ["run", "--profile", "smoke", "--scenario", "noisy", "--method", "zero-filled"]
    killed = killed_at_rename(".pt", *workspace.args(*run))
    assert killed.returncode == -9
    cache = workspace.cache / "measurements"
    assert not list(cache.rglob("*.pt")) and len(list(cache.rglob(".*.tmp"))) == 1
    assert not (workspace.results / "smoke" / "runs" / "noisy" / "zero-filled" / "seed0").exists()

    assert main(workspace.args(*run)) == 0
    (cached,) = cache.rglob("*.pt")
    assert torch.load(cached)["train"]["y"].shape[0] == 8  # a whole, loadable cache
    assert not list(cache.rglob(".*.tmp"))


@pytest.mark.parametrize("stop, code, said", [
    (signal.SIGINT, 130, "interrupted"),  # Ctrl-C
    (signal.SIGTERM, 143, "stopped by SIGTERM"),  # a scheduler's cancel or time limit
])
def test_a_stopped_benchmark_leaves_finished_runs_alone_and_says_how_to_resume(workspace, stop, code, said):
    grid = workspace.args("benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled,mc")
    assert main(workspace.args("run", "--profile", "smoke", "--scenario", "mri",
                               "--method", "zero-filled")) == 0
    finished = workspace.results / "smoke" / "runs" / "mri" / "zero-filled" / "seed0"
    before = {p.name: p.read_bytes() for p in finished.iterdir()}

    process = blocked_in_training(*grid)
    process.send_signal(stop)
    _, err = process.communicate(timeout=120)
    assert process.returncode == code, err
    assert f"{said}: finished runs are kept" in err and "run the same command again to resume" in err
    runs = workspace.results / "smoke" / "runs" / "mri" / "mc"
    assert not runs.exists()  # left nothing behind: no run, no temporary folder, no lock
    assert {p.name: p.read_bytes() for p in finished.iterdir()} == before

    assert main(grid) == 0  # the same command resumes and finishes the grid
    assert sorted(pd.read_csv(workspace.results / "smoke" / "runs.csv").method) == ["mc", "zero-filled"]


def without_column(column: str):
    def damage(path):
        pd.read_csv(path).drop(columns=[column]).to_csv(path, index=False)
    return damage


@pytest.mark.parametrize("file, damage, message", [
    ("run.json", lambda p: p.write_text(""), "run.json is not valid JSON"),
    ("run.json", lambda p: p.write_bytes(bytes(range(256))), "run.json is not valid JSON"),
    ("run.json", lambda p: p.write_text('{"psnr": 20.0}'), "run.json has no config_hash"),
    ("per_image.csv", without_column("psnr"), "per_image.csv lacks column(s) psnr"),
    ("per_image.csv", lambda p: p.write_bytes(b""), "per_image.csv cannot be read"),
    ("config.json", lambda p: p.write_bytes(bytes(range(256))), "config.json is not valid JSON"),
    ("config.json", lambda p: p.write_text('{"seed": 0}'), "config.json is not the config of its run.json"),
    ("config.json", lambda p: p.unlink(), "config.json is missing"),
])
def test_a_damaged_run_folder_is_named_left_alone_and_the_grid_goes_on(workspace, capsys, file, damage, message):
    grid = ["--profile", "smoke", "--scenarios", "mri"]
    assert main(workspace.args("benchmark", *grid, "--methods", "zero-filled,mc")) == 0
    tables = workspace.results / "smoke"
    before = {name: (tables / name).read_bytes() for name in ("runs.csv", "per_image.csv", "summary.csv")}
    damaged = tables / "runs" / "mri" / "mc" / "seed0"
    damage(damaged / file)
    kept = {p.name: p.read_bytes() for p in damaged.iterdir()}
    capsys.readouterr()

    assert main(workspace.args("collect", *grid, "--methods", "zero-filled,mc")) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (f"error: run folder {damaged} is damaged: {message}"
                    + line.split(message, 1)[1]) and line.endswith("delete that folder and run the same command again to redo the run")
    assert {name: (tables / name).read_bytes() for name in before} == before  # the tables are untouched

    assert main(workspace.args("benchmark", *grid, "--methods", "zero-filled,mc,ei")) == 2
    err = capsys.readouterr().err
    assert (tables / "runs" / "mri" / "ei" / "seed0" / "run.json").exists()  # the grid went on
    assert str(damaged) in err.strip().splitlines()[-1]  # and collect named the damaged folder
    assert {p.name: p.read_bytes() for p in damaged.iterdir()} == kept  # which nothing rewrote

    shutil.rmtree(damaged)  # the fix the message gives
    assert main(workspace.args("benchmark", *grid, "--methods", "zero-filled,mc,ei")) == 0
    assert sorted(pd.read_csv(tables / "runs.csv").method) == ["ei", "mc", "zero-filled"]


@pytest.mark.parametrize("killed_at", ["docs", "html"])
def test_a_site_build_killed_late_leaves_the_previous_site_or_restores_it(smoke_grid, tmp_path, killed_at):
    out = tmp_path / "site"
    build_site(smoke_grid.results, out)
    before = (out / "html" / "index.html").read_bytes()

    killed = killed_at_rename(f"/site/{killed_at}", "site", "--results-dir", str(smoke_grid.results), "--out", str(out))
    assert killed.returncode == -9
    if killed_at == "docs":  # the new pages were ready but not swapped in: the old site is untouched
        assert (out / "html" / "index.html").read_bytes() == before
    else:  # killed between moving the old site aside and moving the new one in: no half-built site
        assert not (out / "html").exists()

    build_site(smoke_grid.results, out)  # the next build puts things right and leaves nothing behind
    assert (out / "html" / "index.html").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [".ssibench-site", "docs", "html"]


def tree(folder) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MiB tmpfs (root only, as in CI): a real full disk, not a simulated error."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)]).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk) -> None:
    """Fill the disk to the last byte."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)


def test_a_full_disk_is_one_line_and_loses_nothing_finished(small_disk, workspace, capsys):
    results = small_disk / "results"
    args = ["--profile", "smoke", "--scenarios", "mri", "--results-dir", str(results), "--cache-dir", str(workspace.cache), "--quiet"]
    assert main(["benchmark", "--methods", "zero-filled", *args]) == 0
    before = tree(results)
    fill(small_disk)
    capsys.readouterr()

    assert main(["benchmark", "--methods", "zero-filled,mc", *args]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: the disk is full (no space left on device); nothing finished was lost")
    assert tree(results) == before  # the finished run and the tables, byte for byte; no partial run

    (small_disk / "filler").unlink()  # the fix the message gives
    assert main(["benchmark", "--methods", "zero-filled,mc", *args]) == 0
    assert sorted(pd.read_csv(results / "smoke" / "runs.csv").method) == ["mc", "zero-filled"]


def test_a_full_disk_during_a_site_build_keeps_the_previous_site(small_disk, smoke_grid, capsys):
    out = small_disk / "site"
    assert main(["site", "--results-dir", str(smoke_grid.results), "--out", str(out)]) == 0
    before = tree(out)
    fill(small_disk)
    capsys.readouterr()
    assert main(["site", "--results-dir", str(smoke_grid.results), "--out", str(out)]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: the disk is full (no space left on device); nothing finished was lost")
    assert tree(out) == before


@pytest.fixture
def immutable(tmp_path):
    """Folders made immutable with chattr +i (root only): even root cannot write into them."""
    made = []

    def make(folder):
        if os.geteuid() != 0 or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("needs root and chattr to make a folder that cannot be written")
        made.append(folder)

    yield make
    for folder in made:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_results_folder_that_cannot_be_written_is_one_line(workspace, immutable, capsys):
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled"]
    assert main(workspace.args("benchmark", *grid)) == 0
    tables = workspace.results / "smoke"
    before = tree(tables)
    immutable(tables)
    capsys.readouterr()
    assert main(workspace.args("collect", *grid)) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: cannot write {tables}") and "make that folder writable" in line
    assert tree(tables) == before
