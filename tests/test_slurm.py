"""The cluster path against a real one-node Slurm (Debian's slurm-wlm) on 127.0.0.1.

``tests/slurm_cluster.sh`` starts munged, slurmctld and slurmd (installing the packages as root
when missing) and the module stops them afterwards. Where that is impossible (not root, no
package, another Slurm already running here) the tests are skipped with the reason.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from tests.conftest import ROOT, make

SCRIPT = ROOT / "tests" / "slurm_cluster.sh"
STATE = Path("/tmp/ssl-mri-slurm-tests")


@pytest.fixture(scope="module")
def slurm_env():
    """The environment that reaches the test cluster (SLURM_CONF), while it runs."""
    if os.geteuid() != 0:
        pytest.skip("a local Slurm cluster needs root (it starts slurmd)")
    with open(f"{STATE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one test cluster per machine at a time
        up = subprocess.run(["bash", str(SCRIPT), "up", str(STATE)], capture_output=True, text=True, timeout=600)
        if up.returncode == 3:
            pytest.skip(f"no local Slurm cluster: {up.stderr.strip()}")
        assert up.returncode == 0, up.stderr
        try:
            yield {**os.environ, "SLURM_CONF": str(STATE / "slurm.conf"), "PYTHONPATH": str(ROOT)}
        finally:
            subprocess.run(["bash", str(SCRIPT), "down", str(STATE)], timeout=120)


def test_a_grid_through_slurm_gives_the_local_metrics_and_records_its_jobs(slurm_env, tmp_path):
    grid = ["PROFILE=smoke", "SCENARIOS=mri", "METHODS=zero-filled,mc,ei", "CI=true"]
    done = make("benchmark", *grid, f"RESULTS={tmp_path / 'slurm'}", f"CACHE={tmp_path / 'cache'}",
                "EXECUTOR=slurm", "PARTITION=debug", "CPUS_PER_RUN=1", f"LOG_DIR={tmp_path / 'logs'}", env=slurm_env)
    assert done.returncode == 0, done.stderr
    assert "3 job(s) finished, 0 failed" in done.stderr
    assert main(["benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled,mc,ei",
                 "--results-dir", str(tmp_path / "local"), "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0

    for method in ("zero-filled", "mc", "ei"):
        job_run = tmp_path / "slurm" / "smoke" / "runs" / "mri" / method / "seed0"
        local_run = tmp_path / "local" / "smoke" / "runs" / "mri" / method / "seed0"
        pd.testing.assert_frame_equal(pd.read_csv(job_run / "per_image.csv"), pd.read_csv(local_run / "per_image.csv"))
        record = json.loads((job_run / "run.json").read_text())
        assert re.fullmatch(r"\d+_[0-2]", record["slurm_job_id"]), record["slurm_job_id"]
        log = Path(record["slurm_log"])
        assert log.is_file() and log.is_relative_to(tmp_path / "logs") and record["slurm_job_id"] in log.name
        assert "slurm_job_id" not in json.loads((local_run / "run.json").read_text())


def slurm(env: dict, *command: str) -> str:
    return subprocess.run(list(command), env=env, capture_output=True, text=True, check=True).stdout


def submitted_array(process: subprocess.Popen) -> tuple[str, int]:
    """(job array id, runs submitted), from the line the benchmark prints once it has submitted."""
    for line in process.stderr:
        if line.startswith("submitted "):
            found = re.match(r"submitted (\d+) run\(s\) as job array (\d+)", line)
            return found.group(2), int(found.group(1))
    raise AssertionError(f"exit {process.wait()} before submitting")


def task_state(env: dict, task: str) -> str:
    shown = slurm(env, "scontrol", "-o", "show", "job", task)
    return re.search(r"JobState=(\w+)", shown).group(1)


def test_a_cancelled_job_is_reported_with_its_state_and_throttled_arrays_wait(slurm_env, tmp_path):
    # ei trains for 3000 epochs (minutes): it is surely still running when cancelled
    grid = ["benchmark", "--profile", "smoke", "--scenarios", "mri", "--methods", "ei,zero-filled", "--epochs", "3000",
            "--executor", "slurm", "--partition", "debug", "--cpus-per-run", "1", "--max-parallel", "1",
            "--results-dir", str(tmp_path / "results"), "--cache-dir", str(tmp_path / "cache"),
            "--log-dir", str(tmp_path / "logs"), "--quiet"]
    process = subprocess.Popen([sys.executable, "-m", "pipeline", *grid], cwd=ROOT, env=slurm_env,
                               stderr=subprocess.PIPE, text=True)
    array, runs = submitted_array(process)
    assert runs == 2 and "ArrayTaskThrottle=1" in slurm(slurm_env, "scontrol", "-o", "show", "job", array)  # MAX_PARALLEL
    while task_state(slurm_env, f"{array}_0") != "RUNNING":
        time.sleep(0.2)
    assert task_state(slurm_env, f"{array}_1") == "PENDING"  # the throttle holds it back
    slurm(slurm_env, "scancel", f"{array}_0")
    _, err = process.communicate(timeout=300)
    assert process.returncode == 1, err
    assert "1 job(s) finished, 1 failed" in err
    # killed before or after its wrapper wrote the error: either way Slurm's state is named
    assert f"failed: mri/ei/seed0 (job {array}_0): Slurm state CANCELLED: " in err
    assert f"log: {tmp_path / 'logs'}" in err
    assert not (tmp_path / "results" / "smoke" / "runs" / "mri" / "ei" / "seed0").exists()

    again = subprocess.Popen([sys.executable, "-m", "pipeline", *grid], cwd=ROOT, env=slurm_env,
                             stderr=subprocess.PIPE, text=True)
    array, runs = submitted_array(again)
    slurm(slurm_env, "scancel", array)
    again.communicate(timeout=300)
    assert runs == 1  # only the cancelled run is submitted again


def test_a_request_the_partition_never_satisfies_is_refused_at_once(slurm_env, tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline", "benchmark", "--profile", "smoke", "--scenarios", "mri",
                           "--methods", "zero-filled", "--executor", "slurm", "--partition", "debug",
                           "--cpus-per-run", "512", "--results-dir", str(tmp_path / "results"),
                           "--cache-dir", str(tmp_path / "cache"), "--log-dir", str(tmp_path / "logs"), "--quiet"],
                          cwd=ROOT, env=slurm_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"error: Slurm will never start job array \d+ \(pending: PartitionConfig\): .* "
                        r"lower CPUS_PER_RUN, TIME or GPUS_PER_RUN .* Cancelled it\.", last), last
    assert slurm(slurm_env, "squeue", "-h") == ""  # nothing left queued
