"""Shared fixtures: the smoke grid is trained once per session, for real, in a temp folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Workspace:
    results: Path
    cache: Path

    def args(self, *extra: str) -> list[str]:
        return [*extra, "--results-dir", str(self.results), "--cache-dir", str(self.cache), "--quiet"]


@pytest.fixture(autouse=True)
def torch_threads_restored():
    """`--threads` sets the process's torch thread count; a test calling main() in-process must not
    change it for the tests after it (results compared across processes depend on it)."""
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def smoke_grid(tmp_path_factory) -> Workspace:
    """Every (scenario, method) of the smoke profile, trained and collected once."""
    ws = Workspace(tmp_path_factory.mktemp("results"), tmp_path_factory.mktemp("cache"))
    assert main(ws.args("benchmark", "--profile", "smoke")) == 0
    return ws


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(tmp_path / "results", tmp_path / "cache")


# Runs ``python -m pipeline ARGS`` but stops for good at the first training step, after saying so
# on stderr: a signal sent then always lands mid-training, however fast the machine is. It waits in
# short sleeps, not signal.pause(): pause() waits forever for a signal that came just before it or
# went to another (torch) thread; after each sleep Python handles any signal that came meanwhile.
BLOCKED_IN_TRAINING = """
import sys, time
import pipeline  # first: it pins the CPU kernels before deepinv loads torch
import deepinv
def blocked(self, *args, **kwargs):
    print("\\nblocked in training", file=sys.stderr, flush=True)
    while True:
        time.sleep(0.05)
deepinv.Trainer.compute_loss = blocked
from pipeline.cli import main
sys.exit(main(sys.argv[1:]))
"""


def interruptible() -> None:
    """In the child: Ctrl-C (SIGINT) as in a terminal. A command started in the background by a
    non-interactive shell (a CI script's ``&``, ``nohup``) inherits SIGINT *ignored*, and Python then
    never raises KeyboardInterrupt: the test would wait forever."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def blocked_in_training(*args: str) -> subprocess.Popen:
    """Start ``python -m pipeline ARGS`` and return once its first run is blocked inside training.

    The process's stderr is a text pipe; what follows the marker line is left for ``communicate``.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", BLOCKED_IN_TRAINING, *args], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=interruptible)
    seen = []
    for line in process.stderr:
        if "blocked in training" in line:
            return process
        seen.append(line)
    raise AssertionError(f"exit {process.wait()} before training started:\n{''.join(seen[-20:])}")


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m pipeline ...`` in a fresh process, from the project root."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def make(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    """``make ARGS`` in the project root, outside any make of the caller (its MAKEFLAGS dropped)."""
    env = {k: v for k, v in (env or os.environ).items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux), empty where /proc/cpuinfo does not say."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    return next((set(line.split(":", 1)[1].split()) for line in lines if line.startswith("flags")), set())


def pinned_here() -> bool:
    """Whether runs here must record the pinned AVX2 kernels: an x86-64 CPU with AVX2."""
    from pipeline.base import kernels

    return kernels.x86_64() and "avx2" in cpu_flags()


def assert_pinned(record: dict) -> None:
    """A run record made here names the kernels the libraries reported: the pinned AVX2 ones where
    the CPU has AVX2."""
    from pipeline.base import kernels

    assert set(record["kernels"]) >= {"aten", "onednn", "mkl", "label", "pinned"}, record.get("kernels")
    if pinned_here():
        assert record["kernels"]["label"] == kernels.PINNED and record["kernels"]["pinned"], record["kernels"]
