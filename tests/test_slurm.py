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
