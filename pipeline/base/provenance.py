"""Where a result came from: package versions, git commit, device, peak memory."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
from importlib import metadata
from pathlib import Path

import torch

from pipeline.base import PROJECT_ROOT, kernels

PACKAGES = ("torch", "torchvision", "deepinv", "numpy", "nilearn", "h5py", "sigpy")


def project_relative(path: Path | str) -> str:
    """A path as recorded in a result: relative to the project when inside it, never a machine's
    own folders (an absolute path elsewhere is kept: it is the user's own file)."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(PROJECT_ROOT)) if resolved.is_relative_to(PROJECT_ROOT) else str(path)


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit() -> str:
    """HEAD of the project checkout, with ``-dirty`` when its code has changes (results/ excluded:
    the benchmark itself rewrites it)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def device_record(device: torch.device) -> dict[str, str]:
    """How a run records where it ran: the device type and the GPU or CPU model."""
    return {"device": device.type, "device_name": device_name(device)}


def kernels_record(device: torch.device) -> dict:
    """The kernels a run's arithmetic used, as the libraries report them (``pipeline.base.kernels``):
    on a GPU, cuDNN's and cuBLAS's, which the pin does not cover (label ``cuda``)."""
    if device.type == "cuda":
        return {"label": "cuda", "pinned": False}
    return kernels.in_use()


def scheduler_record() -> dict[str, str]:
    """Under Slurm, the job that ran this (``array_task`` form for an array task) and its log file
    (where the job's standard output goes); nothing otherwise."""
    if "SLURM_JOB_ID" not in os.environ:
        return {}
    array, task = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    job = f"{array}_{task}" if array and task else os.environ["SLURM_JOB_ID"]
    try:
        log = os.readlink("/proc/self/fd/1")
    except OSError:  # not Linux, or no standard output
        log = ""
    return {"slurm_job_id": job, "slurm_log": log}


def device_name(device: torch.device) -> str:
    """The GPU's model; for the CPU, its model with its family and model numbers and ATen's vector
    instructions (e.g. ``AMD EPYC (family 25 model 1, AVX2)``): a virtual machine may show only a
    vendor's name. Every library's kernels are recorded apart (``kernels_record``)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    info = {}
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    name = info.get("model name") or platform.processor() or platform.machine()
    numbers = f"family {info['cpu family']} model {info['model']}, " if "cpu family" in info and "model" in info else ""
    return f"{name} ({numbers}{torch.backends.cpu.get_cpu_capability()})"


def reset_peak_memory(device: torch.device) -> None:
    """Start a new peak-memory window (GPU allocator, or the process's RSS high-water mark)."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: resets VmHWM
    except OSError:
        pass


def peak_memory_mb(device: torch.device) -> float:
    """Peak memory since ``reset_peak_memory``: GPU allocations on CUDA, resident set on the CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
