"""What Slurm says about the benchmark's jobs, from ``squeue`` and ``scontrol`` (never ``sacct``),
and which runs it already holds.

Many small clusters run without accounting, where ``sacct`` fails and submitit can only guess a
task's state. A task that has left the queue has ended: with a result file it finished (or
raised), without one Slurm ended it (TIMEOUT, CANCELLED, NODE_FAIL, ...).

A submitted run leaves a marker beside its future run folder (``.seed0.queued``) naming its job.
A later benchmark on the same results folder that finds that job still queued or running waits
for it instead of submitting the run a second time.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from pipeline.base import storage
from pipeline.base.errors import UsageError

JOB_NAME = "ssl-mri"  # every task of the benchmark carries it (sbatch --job-name)

# Pending reasons that mean the request exceeds what the partition can ever give
NEVER_STARTS = ("PartitionConfig", "PartitionNodeLimit", "PartitionTimeLimit", "BadConstraints")

# States of a task that is over; any other (PENDING, RUNNING, COMPLETING, SUSPENDED, ...) is not
ENDED = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL",
         "DEADLINE")

Tasks = dict[str, tuple[str, str]]  # task id (ARRAY_TASK) -> (state, pending reason)


def array_of(task: str) -> str:
    """The job array a task belongs to (``"12_3"`` -> ``"12"``)."""
    return task.split("_")[0]


def is_over(record: dict[str, str]) -> bool:
    """Whether a task's ``scontrol`` record shows a final state."""
    return record.get("JobState") in ENDED


def queued_tasks() -> Tasks | None:
    """Every task of this user's benchmark jobs that is still queued or running; None when
    ``squeue`` could not answer (a busy or restarting controller), so that nothing is decided
    from its silence."""
    listed = subprocess.run(["squeue", "-h", "-r", "--me", "-n", JOB_NAME, "-o", "%i|%T|%r"],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        return None
    return {task: (state, why) for task, state, why in (line.split("|", 2) for line in listed.stdout.splitlines())}


def job_record(task: str) -> dict[str, str] | None:
    """``scontrol show job``'s fields for a task; None once Slurm has forgotten it (MinJobAge after
    it ended), ``{}`` when scontrol could not answer."""
    shown = subprocess.run(["scontrol", "-o", "show", "job", task], capture_output=True, text=True)
    if shown.returncode != 0:
        return None if "Invalid job id" in shown.stderr else {}
    return dict(word.split("=", 1) for word in shown.stdout.split() if "=" in word)


def has_ended(task: str) -> bool | None:
    """Whether Slurm says the task is over: the second opinion before a task that ``squeue`` no
    longer lists is taken for ended, so that one incomplete listing can never end a running run.
    None when Slurm has forgotten the task (it ended at least MinJobAge ago, or never existed)."""
    record = job_record(task)
    return None if record is None else is_over(record)


def final_state(task: str) -> str:
    """Slurm's state of a task that has ended, with its time limit when that is what ended it."""
    record = job_record(task) or {}
    state = record.get("JobState", "unknown (no longer known to scontrol)")
    return f"{state} (limit {record.get('TimeLimit')}; raise TIME)" if state == "TIMEOUT" else state


def refuse_never_starting(queued: Tasks) -> None:
    """Cancel the arrays and say why in one line if a task waits for what the partition never gives."""
    stuck = {task: why for task, (state, why) in queued.items() if state == "PENDING" and why in NEVER_STARTS}
    if stuck:
        arrays = sorted({array_of(task) for task in stuck})
        subprocess.run(["scancel", *arrays], capture_output=True)
        raise UsageError(f"Slurm will never start job array {', '.join(arrays)} (pending: "
                         f"{', '.join(sorted(set(stuck.values())))}): it asks for more than the partition offers; "
                         "lower CPUS_PER_RUN, TIME or GPUS_PER_RUN (--cpus-per-run, --time, --gpus-per-run) or "
                         "choose another PARTITION. Cancelled it.")


def marker(run_folder: Path) -> Path:
    """Where a submitted run names its job until it has finished."""
    return run_folder.parent / f".{run_folder.name}.queued"


def remember(run_folder: Path, task: str, job_folder: str, argv: list[str]) -> None:
    storage.write_json(marker(run_folder), {"job_id": task, "job_folder": job_folder, "argv": argv})


def still_held(run_folder: Path, argv: list[str], queued: Tasks) -> tuple[str, str] | None:
    """(task id, submitit job folder) of the run's earlier job while Slurm still queues or runs it
    with the same command (a changed command, e.g. other --epochs, is a different run)."""
    try:
        named = json.loads(marker(run_folder).read_text())
        task, job_folder, same = str(named["job_id"]), str(named["job_folder"]), named["argv"] == argv
    except (OSError, ValueError, KeyError, TypeError):
        return None  # never submitted, or a marker that cannot be read: submit it
    if not same:
        return None
    if task in queued:
        return task, job_folder
    record = job_record(task)
    if record is None or is_over(record):
        return None
    if not record:
        raise UsageError(f"scontrol cannot tell whether Slurm still runs {task}, submitted earlier for "
                         f"{run_folder}; is the Slurm controller reachable?")
    return (task, job_folder) if record.get("JobName") == JOB_NAME else None


def forget(run_folder: Path, task: str) -> None:
    """Remove the run's marker if it still names ``task`` (a newer submission keeps its own)."""
    try:
        if json.loads(marker(run_folder).read_text()).get("job_id") == task:
            marker(run_folder).unlink(missing_ok=True)
    except (OSError, ValueError, AttributeError):
        pass
