"""Runs as jobs through submitit's local executor: real subprocesses, no cluster needed."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from pipeline.grid import slurm
from pipeline.cli import main
from pipeline.grid.cluster import ClusterOptions, Task, job_parameters, report, submit_and_wait
from tests.conftest import ROOT, assert_pinned

# Put on a job's PYTHONPATH, this stops every training for good at its first step, after writing the
# job's PID to $BLOCKED_MARKER: the test kills a job that is surely mid-training, however fast the machine.
BLOCKING_SITECUSTOMIZE = """
import os, signal
import pipeline  # first: it pins the CPU kernels before deepinv loads torch
import deepinv
def blocked(self, *args, **kwargs):
    marker = os.environ["BLOCKED_MARKER"]
    with open(marker + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(marker + ".tmp", marker)
    while True:
        signal.pause()
deepinv.Trainer.compute_loss = blocked
"""


def blocked_job_pid(marker, process: subprocess.Popen, timeout: float = 300) -> int:
    """Wait until a job has written its PID to ``marker`` from inside training."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert process.poll() is None, f"the grid exited ({process.returncode}) before a job blocked"
        assert time.monotonic() < deadline, f"no job reached training within {timeout} s"
        time.sleep(0.1)
    return int(marker.read_text())


def test_jobs_write_run_folders_identical_to_local_runs(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the jobs import this checkout
    grid = ["--profile", "smoke", "--scenarios", "noisy", "--methods", "zero-filled,supervised,ensure"]
    assert main(workspace.args("benchmark", *grid, "--executor", "local", "--log-dir", str(tmp_path / "logs"))) == 0
    local = type(workspace)(tmp_path / "local-results", workspace.cache)
    assert main(local.args("benchmark", *grid)) == 0

    for method in ("zero-filled", "supervised", "ensure"):
        job_run = workspace.results / "smoke" / "runs" / "noisy" / method / "seed0"
        local_run = local.results / "smoke" / "runs" / "noisy" / method / "seed0"
        assert sorted(p.name for p in job_run.iterdir()) == sorted(p.name for p in local_run.iterdir())
        for name in ("config.json", "per_image.csv"):
            assert filecmp.cmp(job_run / name, local_run / name, shallow=False), (method, name)
        assert_pinned(json.loads((job_run / "run.json").read_text()))  # a job's process pins its kernels too
    job_table = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    local_table = pd.read_csv(local.results / "smoke" / "runs.csv")
    pd.testing.assert_frame_equal(job_table[["method", "psnr", "ssim", "config_hash"]],
                                  local_table[["method", "psnr", "ssim", "config_hash"]])

    # nothing is resubmitted once finished
    jobs = sorted((tmp_path / "logs").iterdir())
    assert main(workspace.args("benchmark", *grid, "--executor", "local", "--log-dir", str(tmp_path / "logs"))) == 0
    assert sorted((tmp_path / "logs").iterdir()) == jobs


def test_a_failing_job_is_reported_with_its_log(workspace, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    good = ["run", "--profile", "smoke", "--scenario", "mri", "--method", "zero-filled",
            "--results-dir", str(workspace.results), "--cache-dir", str(workspace.cache), "--quiet"]
    bad = [*good[:5], "--method", "ensure", *good[7:]]  # ensure does not apply to mri: exits 2
    runs = workspace.results / "smoke" / "runs" / "mri"
    outcomes = submit_and_wait({"mri/zero-filled/seed0": Task(good, runs / "zero-filled" / "seed0"),
                                "mri/ensure/seed0": Task(bad, runs / "ensure" / "seed0")},
                               ClusterOptions("local", tmp_path / "logs", poll_seconds=0.5), tmp_path / "lock",
                               progress=False)
    assert [o.state for o in outcomes] == ["finished", "failed"]
    failed = outcomes[1]
    assert failed.error == ("error: method 'ensure' does not apply to scenario 'mri'; it applies to: noisy")
    assert "exited with status 2" in failed.log.read_text()
    text = report(outcomes)
    assert "1 job(s) finished, 1 failed" in text and str(failed.log) in text and "resubmit" in text


def test_a_job_killed_mid_run_fails_cleanly_and_is_resubmitted(workspace, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKING_SITECUSTOMIZE)
    marker = tmp_path / "blocked-pid"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true"}
    grid = workspace.args("benchmark", "--profile", "smoke", "--scenarios", "mri",
                          "--methods", "zero-filled,mc", "--executor", "local", "--log-dir", str(tmp_path / "logs"))
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *grid], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               env={**env, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}", "BLOCKED_MARKER": str(marker)})
    runs = workspace.results / "smoke" / "runs" / "mri" / "mc"
    os.kill(blocked_job_pid(marker, process), signal.SIGKILL)  # mc's job, blocked at its first training step
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1, err
    assert "1 job(s) finished, 1 failed" in err and "failed: mri/mc/seed0" in err and "log: " in err
    assert not (runs / "seed0").exists()
    assert list(pd.read_csv(workspace.results / "smoke" / "runs.csv").method) == ["zero-filled"]

    again = subprocess.run([sys.executable, "-m", "pipeline", *grid], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "submitted 1 run(s)" in again.stderr
    assert sorted(pd.read_csv(workspace.results / "smoke" / "runs.csv").method) == ["mc", "zero-filled"]


def test_a_task_asks_for_gpus_only_when_told_to(tmp_path):
    cpu_only = job_parameters(ClusterOptions("slurm", tmp_path, partition="debug", cpus_per_run=2, max_parallel=3))
    assert cpu_only == {"timeout_min": 240, "cpus_per_task": 2, "name": "ssl-mri", "slurm_partition": "debug",
                        "slurm_array_parallelism": 3, "slurm_signal_delay_s": 90}
    # a one-minute limit: submitit's USR2 at half-time, never at a task's start (where it killed tasks)
    assert job_parameters(ClusterOptions("slurm", tmp_path, partition="debug", time_min=1))["slurm_signal_delay_s"] == 30
    with_gpu = job_parameters(ClusterOptions("slurm", tmp_path, partition="gpu", gpus_per_run=1, account="lab"))
    assert with_gpu["slurm_account"] == "lab"
    assert with_gpu["slurm_gres"] == "gpu:1" and "slurm_array_parallelism" not in with_gpu
    assert "gpus_per_node" not in with_gpu  # --gres=gpu:N, understood by every Slurm version
    local = job_parameters(ClusterOptions("local", tmp_path, gpus_per_run=2))
    assert local["gpus_per_node"] == 2 and not any(key.startswith("slurm_") for key in local)


def test_a_slurm_marker_names_its_job_only_for_the_same_command(tmp_path):
    run = tmp_path / "runs" / "mri" / "ei" / "seed0"
    argv = ["run", "--scenario", "mri", "--method", "ei", "--epochs", "3000"]
    slurm.remember(run, "12_0", str(tmp_path / "logs" / "%j"), argv)
    assert slurm.marker(run) == run.parent / ".seed0.queued" and not run.exists()
    assert slurm.still_held(run, [*argv[:-1], "2999"], {}) is None  # another command: a different run, submitted anew

    slurm.forget(run, "13_0")  # a marker of a newer submission is kept
    assert slurm.marker(run).exists()
    slurm.forget(run, "12_0")
    assert not slurm.marker(run).exists()

    slurm.marker(run).write_text("{not json")  # a damaged marker is no reason to refuse: the run is submitted
    assert slurm.still_held(run, argv, {}) is None


@pytest.mark.parametrize("quiet", [False, True])
def test_a_job_logs_a_line_per_learning_curve_point_unless_quiet(quiet):
    """A job's log gets the run's curve points as lines (progress bars would fill it with redraws)."""
    from pipeline.cli import build_parser
    from pipeline.commands.options import execution, grid_request
    from pipeline.grid.executor import run_argv
    from pipeline.grid.plan import requested_specs

    args = build_parser().parse_args(["benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "mc",
                                      "--seeds", "0", *(["--quiet"] if quiet else [])])
    request = grid_request(args)
    argv = run_argv(request, execution(args), requested_specs(request)[0])
    assert ("--quiet" in argv, "--lines" in argv) == (quiet, not quiet)
