"""The cluster path against a real one-node Slurm (Debian's slurm-wlm) on 127.0.0.1.

``tests/slurm_cluster.sh`` starts munged, slurmctld and slurmd (installing the packages as root
when missing) and the module stops them afterwards. Where that is impossible (not root, no
package, another Slurm already running here) the tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
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

from pipeline.base import locks
from tests.conftest import ROOT, assert_pinned, make
from tests.fastmri_files import write_folder

pytestmark = pytest.mark.slurm  # make test TEST_ARGS='-m "not slurm"' leaves them out

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
                "EXECUTOR=slurm", "PARTITION=debug", "ACCOUNT=mri-lab", "CPUS_PER_RUN=1", f"LOG_DIR={tmp_path / 'logs'}",
                env=slurm_env)
    assert done.returncode == 0, done.stderr
    assert "3 job(s) finished, 0 failed" in done.stderr
    local = make("benchmark", *grid, f"RESULTS={tmp_path / 'local'}", f"CACHE={tmp_path / 'cache'}", "THREADS=1")
    assert local.returncode == 0, local.stderr

    for method in ("zero-filled", "mc", "ei"):
        job_run = tmp_path / "slurm" / "smoke" / "runs" / "mri" / method / "seed0"
        local_run = tmp_path / "local" / "smoke" / "runs" / "mri" / method / "seed0"
        pd.testing.assert_frame_equal(pd.read_csv(job_run / "per_image.csv"), pd.read_csv(local_run / "per_image.csv"))
        record = json.loads((job_run / "run.json").read_text())
        assert re.fullmatch(r"\d+_[0-2]", record["slurm_job_id"]), record["slurm_job_id"]
        assert record["threads"] == 1  # as many as CPUS_PER_RUN, not one per core of the node
        assert_pinned(record)  # a Slurm job's process, as `make benchmark`'s, pins its kernels
        assert_pinned(json.loads((local_run / "run.json").read_text()))
        log = Path(record["slurm_log"])
        assert log.is_file() and log.is_relative_to(tmp_path / "logs") and record["slurm_job_id"] in log.name
        assert "Account=mri-lab " in slurm(slurm_env, "scontrol", "-o", "show", "job", record["slurm_job_id"])
        assert "slurm_job_id" not in json.loads((local_run / "run.json").read_text())


def slurm(env: dict, *command: str) -> str:
    return subprocess.run(list(command), env=env, capture_output=True, text=True, check=True).stdout


def line_starting(process: subprocess.Popen, prefix: str) -> str:
    """The first line starting with ``prefix`` that the process writes to its stderr file, waiting
    for it (the file is read again as it grows); fails with what it printed if it exits first."""
    while True:
        exited = process.poll() is not None  # looked at before reading, so a last line is never missed
        for line in process.stderr_path.read_text().splitlines():
            if line.startswith(prefix):
                return line.strip()
        if exited:
            raise AssertionError(f"exit {process.returncode} before printing a line starting with {prefix!r}:\n"
                                 + process.stderr_path.read_text()[-3000:])
        time.sleep(0.1)


def submitted_array(process: subprocess.Popen) -> tuple[str, int]:
    """(job array id, runs submitted), from the line the benchmark prints once it has submitted."""
    found = re.match(r"submitted (\d+) run\(s\) as job array (\d+)", line_starting(process, "submitted "))
    return found.group(2), int(found.group(1))


def finish(process: subprocess.Popen) -> str:
    """Wait for the process to exit; what it printed on stderr."""
    process.wait(timeout=300)
    return process.stderr_path.read_text()


def task_state(env: dict, task: str) -> str:
    shown = slurm(env, "scontrol", "-o", "show", "job", task)
    return re.search(r"JobState=(\w+)", shown).group(1)


def benchmark(env: dict, tmp_path: Path, name: str, *options: str) -> subprocess.Popen:
    """``python -m pipeline benchmark`` of the smoke profile's mri runs through the test partition
    (``options`` come last, so they override these); its stderr goes to ``tmp_path/NAME.err``."""
    command = [sys.executable, "-m", "pipeline", "benchmark", "--profile", "smoke", "--scenarios", "mri",
               "--executor", "slurm", "--partition", "debug", "--cpus-per-run", "1",
               "--results-dir", str(tmp_path / "results"), "--cache-dir", str(tmp_path / "cache"),
               "--log-dir", str(tmp_path / "logs"), "--quiet", *options]
    stderr_path = tmp_path / f"{name}.err"
    with open(stderr_path, "w") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr, text=True)
    process.stderr_path = stderr_path
    return process


@contextlib.contextmanager
def partition_down(env: dict):
    """The test partition takes jobs but starts none while inside (Slurm's pending reason: PartitionDown)."""
    slurm(env, "scontrol", "update", "PartitionName=debug", "State=DOWN")
    try:
        yield
    finally:
        slurm(env, "scontrol", "update", "PartitionName=debug", "State=UP")


def wait_for_states(env: dict, wanted: dict[str, str], limit_s: float = 120) -> None:
    """Poll ``scontrol`` until every task is in its wanted state; fail with what it shows after ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while (states := {task: task_state(env, task) for task in wanted}) != wanted:
        assert time.monotonic() < deadline, f"after {limit_s} s: {states}, wanted {wanted}"
        time.sleep(0.2)


def test_cancelled_and_timed_out_jobs_are_reported_and_resubmitted_and_never_submitted_twice(slurm_env, tmp_path):
    # TIME=2 ends mc, ei is cancelled, and zero-filled waits behind them for the MAX_PARALLEL=2 throttle.
    # Not TIME=1: submitit's USR2 then comes 30 s after a task starts, and on a loaded machine it came
    # before the task had set it aside (both tasks FAILED, killed by the signal); at TIME=2 it comes after 60 s
    grid = ["--methods", "ei,mc,zero-filled", "--time", "2", "--max-parallel", "2"]
    runs_dir = tmp_path / "results" / "smoke" / "runs" / "mri"
    with contextlib.ExitStack() as held:
        for method in ("ei", "mc"):  # their tasks wait on these run locks until Slurm ends them, however fast they train
            held.enter_context(locks.exclusive(runs_dir / method / ".seed0.lock", ""))
        # nothing starts until a second benchmark has attached, so the limit cannot end mc before it looks
        with partition_down(slurm_env):
            first = benchmark(slurm_env, tmp_path, "first", *grid)
            array, runs = submitted_array(first)
            assert runs == 3 and "ArrayTaskThrottle=2" in slurm(slurm_env, "scontrol", "-o", "show", "job", array)

            # a second benchmark while they are queued waits for them, submitting nothing
            second = benchmark(slurm_env, tmp_path, "second", *grid)
            assert line_starting(second, "3 run(s)") == (
                f"3 run(s) already queued or running in Slurm (job array {array}): "
                "waiting for them, not submitting them again")
            tasks = sorted(slurm(slurm_env, "squeue", "-h", "-r", "-o", "%i").split())
            assert tasks == [f"{array}_{t}" for t in range(3)]

        wait_for_states(slurm_env, {f"{array}_0": "RUNNING", f"{array}_1": "RUNNING", f"{array}_2": "PENDING"})
        slurm(slurm_env, "scancel", f"{array}_0")
        for process in (first, second):  # both report the same outcomes
            err = finish(process)
            assert process.returncode == 1, err
            assert "1 job(s) finished, 2 failed" in err
            assert ("submitted" in err) == (process is first)  # the second submitted nothing
            assert f"failed: mri/ei/seed0 (job {array}_0): Slurm state CANCELLED: " in err
            assert (f"failed: mri/mc/seed0 (job {array}_1): Slurm state TIMEOUT (limit 00:02:00; raise TIME): "
                    "RuntimeError: `python -m pipeline run` was stopped by SIGTERM") in err
            assert err.count(f"log: {tmp_path / 'logs'}") == 2
    assert sorted(p.name for p in runs_dir.glob("*/*")) == ["seed0"]  # zero-filled; nothing else, no marker left
    assert (runs_dir / "zero-filled" / "seed0" / "run.json").is_file()

    again = benchmark(slurm_env, tmp_path, "again", *grid)
    array, runs = submitted_array(again)
    slurm(slurm_env, "scancel", array)
    finish(again)
    assert runs == 2  # exactly the cancelled and the timed-out run are submitted again


def test_a_request_the_partition_never_satisfies_is_refused_at_once(slurm_env, tmp_path):
    process = benchmark(slurm_env, tmp_path, "benchmark", "--methods", "zero-filled", "--cpus-per-run", "512")
    err = finish(process)
    assert process.returncode == 2, err
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(r"error: Slurm will never start job array \d+ \(pending: PartitionConfig\): .* "
                        r"lower CPUS_PER_RUN, TIME or GPUS_PER_RUN .* Cancelled it\.", last), last
    assert slurm(slurm_env, "squeue", "-h") == ""  # nothing left queued


def cluster_gpus(env: dict) -> int:
    gres = slurm(env, "sinfo", "-h", "-o", "%G")
    found = re.search(r"gpu(?::[\w-]+)?:(\d+)", gres)
    return int(found.group(1)) if found else 0


def test_gpus_the_cluster_lacks_are_refused_in_one_line(slurm_env, tmp_path):
    if cluster_gpus(slurm_env):
        pytest.skip("this test cluster has GPUs; the refusal is checked where it has none")
    process = benchmark(slurm_env, tmp_path, "benchmark", "--methods", "zero-filled", "--gpus-per-run", "1")
    err = finish(process)
    assert process.returncode == 2, err
    assert err.strip().splitlines()[-1] == (
        "error: the scheduler refused the job array: sbatch: error: Invalid generic resource (gres) specification; "
        "check PARTITION, CPUS_PER_RUN, GPUS_PER_RUN and TIME against what the cluster offers (sinfo)")
    assert slurm(slurm_env, "squeue", "-h") == "" and not list(tmp_path.rglob("*.queued"))


def test_a_gpu_run_through_slurm_gets_its_gpu_and_records_it(slurm_env, tmp_path):
    if not cluster_gpus(slurm_env):
        pytest.skip("no GPU on this machine, so the test cluster offers none: GPUS_PER_RUN is checked where one is")
    write_folder(tmp_path / "fastmri", n_volumes=5)
    process = benchmark(slurm_env, tmp_path, "benchmark", "--profile", "paper", "--dataset", "fastmri", "--data-dir",
                        str(tmp_path / "fastmri"), "--methods", "mc", "--epochs", "1", "--gpus-per-run", "1",
                        "--device", "cuda")
    array, runs = submitted_array(process)
    assert runs == 1 and "gres:gpu:1" in slurm(slurm_env, "scontrol", "-o", "show", "job", array)
    err = finish(process)
    assert process.returncode == 0, err
    record = json.loads((tmp_path / "results" / "paper" / "runs" / "mri" / "mc" / "seed0" / "run.json").read_text())
    gpu_names = slurm(slurm_env, "nvidia-smi", "--query-gpu=name", "--format=csv,noheader").splitlines()
    assert record["device"] == "cuda" and record["device_name"] in gpu_names, record
