"""The command line and the Makefile: help, listing, bad input, and make's grid."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pandas as pd
import pytest

from pipeline.cli import build_parser, main
from pipeline.grid.plan import pairs
from pipeline.setting.profiles import HEADLINE, QUICK_LOOK
from tests.conftest import ROOT, make, run_cli


def test_help_lists_the_commands():
    done = run_cli("--help")
    assert done.returncode == 0
    for command in ("list", "grid", "run", "benchmark", "collect"):
        assert command in done.stdout


def test_list_prints_the_grid_of_a_profile():
    done = run_cli("list", "--profile", "quick")
    assert done.returncode == 0, done.stderr
    rows = {tuple(line.split()[:2]) for line in done.stdout.splitlines()}
    assert set(pairs()) <= rows
    assert ("noisy", "ei") not in rows  # ei does not apply to the noisy scenario


def tree_digest(folder) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("args, message", [
    (["run", "--profile", "huge", "--scenario", "mri", "--method", "mc"], "unknown profile 'huge'; choose one of: smoke, quick, cpu, paper"),
    (["run", "--profile", "smoke", "--scenario", "mars", "--method", "mc"], "unknown scenario 'mars'; choose one of: mri, noisy, single, multicoil"),
    (["run", "--profile", "smoke", "--scenario", "mri", "--method", "magic"], "unknown method 'magic'; choose one of:"),
    (["run", "--profile", "smoke", "--scenario", "noisy", "--method", "mc"], "method 'mc' does not apply to scenario 'noisy'; it applies to: mri, single, multicoil"),
    (["run", "--profile", "paper", "--scenario", "mri", "--method", "mc"], "needs its folder: pass --data-dir"),
    (["benchmark", "--profile", "smoke", "--dataset", "fastmri", "--data-dir", "/no/such/folder"], "does not exist"),
    (["benchmark", "--profile", "smoke", "--seeds", "0,x"], "--seeds must be comma-separated integers"),
    (["benchmark", "--profile", "smoke", "--seeds", "0,1,0"], "--seeds lists seed 0 more than once ('0,1,0'); give each seed once"),
    (["benchmark", "--profile", "smoke", "--data-dir", "/tmp"], "--data-dir (make: DATA=) is read only by the fastmri dataset, not by 'mni'"),
    (["benchmark", "--profile", "smoke", "--dataset", "fastmri", "--data-dir", __file__], "is a file, not a folder"),
    (["benchmark", "--profile", "smoke", "--epochs", str(10**23)], "is more than 10,000; pass a number of epochs up to 10,000"),
    (["run", "--profile", "smoke", "--scenario", "mri", "--method", "mc", "--device", "banana"], "unknown --device 'banana'; use auto, cpu, cuda or cuda:N"),
    (["run", "--profile", "smoke", "--scenario", "mri", "--method", "mc", "--device", "cuda:99"], "--device cuda:99, but torch sees"),
    (["benchmark", "--profile", "smoke", "--epochs", "0"], "--epochs must be a positive integer"),
    (["run", "--profile", "smoke", "--scenario", "mri", "--method", "mc", "--threads", "0"], "--threads must be at least 1"),
    (["benchmark", "--profile", "smoke", "--methods", "mc,nope"], "unknown method 'nope'"),
    (["collect", "--profile", "smoke", "--methods", "mc", "--scenarios", "noisy"], "no method of mc applies to scenario(s) noisy"),
])
def test_bad_input_is_one_line_exit_2_and_touches_nothing(smoke_grid, capsys, args, message):
    before = tree_digest(smoke_grid.results)
    assert main([*args, "--results-dir", str(smoke_grid.results), "--cache-dir", str(smoke_grid.cache)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert tree_digest(smoke_grid.results) == before


def test_a_bare_make_lists_every_target_with_one_line_each():
    bare = make()
    assert bare.returncode == 0, bare.stderr
    assert bare.stdout == make("help").stdout
    phony = next(line for line in (ROOT / "Makefile").read_text().splitlines() if line.startswith(".PHONY:"))
    public = [t for t in phony.split()[1:] if not t.startswith("_") and t != "browser"]
    listed = {line.split()[0]: line.split(maxsplit=1)[1] for line in bare.stdout.splitlines()[1:]}
    assert sorted(listed) == sorted(public)
    assert all(len(text) > 10 for text in listed.values())


def test_the_headline_is_the_default_profile_and_contribute_takes_the_quick_look():
    parser = build_parser()
    for command in (["findings"], ["list"], ["benchmark"], ["compare", "a", "b"]):
        assert parser.parse_args(command).profile == HEADLINE == "cpu"
    assert parser.parse_args(["contribute", "mine"]).profile == QUICK_LOOK == "quick"
    assert "--profile cpu " in make("-n", "findings").stdout
    bare, chosen = make("-n", "contribute", "METHOD=mine").stdout, make("-n", "contribute", "METHOD=mine", "PROFILE=smoke").stdout
    assert "pipeline contribute 'mine'" in bare and "--profile" not in bare  # the CLI's own default: quick
    assert "--profile smoke " in chosen


def test_make_benchmark_runs_the_grid_in_parallel_then_does_nothing(tmp_path):
    tmp_path = tmp_path / "with spaces"  # every path the Makefile passes on is quoted
    where = [f"RESULTS={tmp_path / 'results'}", f"CACHE={tmp_path / 'cache'}", "PROFILE=smoke",
             "SCENARIOS=noisy", "METHODS=ensure,supervised,zero-filled", "CI=true"]
    first = make("-j2", "benchmark", *where)
    assert first.returncode == 0, first.stderr
    assert f"--threads {max(1, len(os.sched_getaffinity(0)) // 2)}" in first.stdout  # two jobs share the cores
    assert "3 run(s) to do (several at once: a line per learning-curve point" in first.stdout
    for method in ("ensure", "supervised"):  # a line per curve point instead of two progress bars on one terminal
        assert f"noisy/{method}/seed0: epoch 1/1, test PSNR " in first.stderr
    assert "Train epoch" not in first.stderr
    runs = pd.read_csv(tmp_path / "results" / "smoke" / "runs.csv")
    assert list(zip(runs.scenario, runs.method)) == pairs(["noisy"], ["ensure", "supervised", "zero-filled"])
    stamp = (tmp_path / "results" / "smoke" / "runs.csv").stat().st_mtime_ns
    second = make("benchmark", *where)
    assert second.returncode == 0, second.stderr
    assert "pipeline run" not in second.stdout
    assert (tmp_path / "results" / "smoke" / "runs.csv").stat().st_mtime_ns == stamp


@pytest.mark.parametrize("command, option, where, message", [
    (["run", "--scenario", "mri", "--method", "mc"], "--results-dir", "file", "is a file, not a folder"),
    (["benchmark", "--scenarios", "mri"], "--cache-dir", "under-file", "which is a file; pass a folder path"),
    (["site"], "--out", "file", "is a file, not a folder"),
    (["site"], "--results-dir", "under-file", "which is a file; pass a folder path"),
    (["collect"], "--results-dir", "read-only", "is read-only for this user); pass a folder you can write to"),
])
def test_folder_options_that_cannot_be_folders_are_one_line_errors(tmp_path, capsys, command, option, where, message):
    if where == "read-only" and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders, so there is nothing to refuse")
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o555)
    path = {"file": a_file, "under-file": a_file / "sub", "read-only": read_only}[where]
    args = [*command, "--profile", "smoke"] if command[0] != "site" else command
    assert main([*args, option, str(path)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {option} {path}") and message in line, line
    assert a_file.read_text() == "keep me" and not list(read_only.iterdir())


def test_a_reader_that_stops_early_gets_no_traceback():
    """`python -m pipeline grid | head -1`: the closed pipe ends the command quietly (status 141,
    as for any Unix tool killed by SIGPIPE), with nothing on stderr. The grid printed (100 seeds)
    is larger than the pipe's buffer, so the writer always meets the closed pipe."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seeds = ",".join(map(str, range(100)))
    done = subprocess.run(f"{sys.executable} -m pipeline grid --profile smoke --seeds {seeds} | head -1; "
                          "exit ${PIPESTATUS[0]}",
                          shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          executable="/bin/bash")
    assert (done.stdout.strip(), done.stderr, done.returncode) == ("mri/adversarial/seed0", "", 141)


def test_a_misspelt_name_is_answered_with_the_closest_one():
    from pipeline.base.errors import UsageError, choose

    with pytest.raises(UsageError, match=r"^unknown method 'moei'; did you mean 'mo-ei'\? choose one of: "):
        choose("method", "moei", {"mc": 1, "mo-ei": 2, "ssdu": 3})
    with pytest.raises(UsageError, match=r"^unknown method 'zzz'; choose one of: mc, mo-ei$"):
        choose("method", "zzz", {"mc": 1, "mo-ei": 2})
