"""Run the grid on a Slurm cluster (or as local subprocesses) through submitit.

Each unfinished run becomes one task of a job array. A task runs exactly what ``python -m
pipeline run`` runs on a workstation, into the same results folder, so its run folder is
identical to a local run's and ``collect`` cannot tell them apart. Runs already finished are
never submitted; a failed or killed task leaves no run folder (runs are written atomically), so
running the same command again submits exactly the runs still missing.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from pipeline.errors import UsageError
from pipeline.provenance import PROJECT_ROOT

EXECUTORS = ("slurm", "local")  # local: submitit's LocalExecutor, real subprocesses on this machine


@dataclass(frozen=True)
class ClusterOptions:
    executor: str
    log_dir: Path  # submitit's job files and logs (on a file system the nodes share)
    partition: str | None = None
    gpus_per_run: int = 0
    cpus_per_run: int = 4
    time_min: int = 240
    max_parallel: int | None = None  # at most this many tasks of the array at once
    poll_seconds: float = 5.0


def run_in_job(argv: list[str]) -> str:
    """What one task does: ``python -m pipeline run ARGV`` from this project (its output goes to
    the task's log); raises if it did not finish."""
    code = subprocess.run([sys.executable, "-m", "pipeline", *argv], cwd=PROJECT_ROOT).returncode
    if code < 0:  # a scheduler's cancel or time limit sends SIGTERM
        raise RuntimeError(f"`python -m pipeline run` was killed by {signal.Signals(-code).name}")
    if code != 0:
        raise RuntimeError(f"`python -m pipeline {' '.join(argv)}` exited with status {code}")
    return argv[argv.index("--scenario") + 1] + "/" + argv[argv.index("--method") + 1]


def executor_for(options: ClusterOptions):
    import submitit

    if options.executor not in EXECUTORS:
        raise UsageError(f"unknown executor '{options.executor}'; choose from: {', '.join(EXECUTORS)}")
    if options.executor == "slurm" and not options.partition:
        raise UsageError("--executor slurm needs --partition (make: PARTITION=...)")
    executor = submitit.AutoExecutor(folder=options.log_dir / "%j", cluster=options.executor)
    executor.update_parameters(**job_parameters(options))
    return executor


def job_parameters(options: ClusterOptions) -> dict:
    """What each task asks of the scheduler. GPUs only when asked for: a request of zero GPUs
    (``--gres=gpu:0``) is refused by clusters that have no GPU resource configured."""
    parameters = dict(timeout_min=options.time_min, cpus_per_task=options.cpus_per_run, name="ssl-mri")
    if options.gpus_per_run:
        parameters["gpus_per_node"] = options.gpus_per_run
    if options.executor == "slurm":
        parameters["slurm_partition"] = options.partition
        if options.max_parallel:
            parameters["slurm_array_parallelism"] = options.max_parallel
    return parameters


@dataclass
class Outcome:
    run_id: str
    state: str  # finished, failed
    job_id: str
    log: Path | None = None
    error: str = ""


def submit_and_wait(commands: dict[str, list[str]], options: ClusterOptions, progress: bool = True) -> list[Outcome]:
    """Submit one task per run (``run_id -> argv of pipeline run``), wait for all, report each."""
    executor = executor_for(options)
    run_ids = list(commands)
    jobs = executor.map_array(run_in_job, [commands[r] for r in run_ids])
    print(f"submitted {len(jobs)} run(s) as job array {jobs[0].job_id.split('_')[0]} "
          f"({options.executor}); logs in {options.log_dir}/", file=sys.stderr)
    pending = dict(zip(run_ids, jobs))
    outcomes: dict[str, Outcome] = {}
    queue = SlurmQueue(jobs[0].job_id.split("_")[0]) if options.executor == "slurm" else None
    bar = tqdm(total=len(jobs), desc="jobs", unit="run", disable=not progress)
    try:
        while pending:
            queued = queue.tasks() if queue else {}  # taken before the results are looked at (see below)
            for run_id, job in list(pending.items()):
                if job.paths.result_pickle.exists() or (queue is None and job.done()):
                    outcomes[run_id] = outcome(run_id, job)
                elif queue is not None and job.job_id not in queued:  # gone from the queue without a result
                    outcomes[run_id] = Outcome(run_id, "failed", job.job_id, job.paths.stderr, "ended without a result")
                else:
                    continue
                if queue is not None and outcomes[run_id].state == "failed":  # say what Slurm did to it
                    outcomes[run_id].error = f"Slurm state {queue.final_state(job.job_id)}: {outcomes[run_id].error}"
                del pending[run_id]
                bar.update(1)
            if queue is not None:
                queue.refuse_never_starting(queued)
            failed = sum(o.state == "failed" for o in outcomes.values())
            bar.set_postfix_str(f"finished {len(outcomes) - failed}, failed {failed}, running or queued {len(pending)}")
            if pending:
                time.sleep(options.poll_seconds)
    except KeyboardInterrupt:
        ids = " ".join(sorted({job.job_id.split("_")[0] for job in pending.values()}))
        print(f"\nstopped waiting; {len(pending)} job(s) still queued or running ({options.executor} job {ids}). "
              "They keep writing their runs: wait for them (or cancel them, e.g. `scancel " + ids + "`), "
              "then run `make collect`.", file=sys.stderr)
        raise
    finally:
        bar.close()
    return [outcomes[r] for r in run_ids]


# Pending reasons that mean the request exceeds what the partition can ever give
NEVER_STARTS = ("PartitionConfig", "PartitionNodeLimit", "PartitionTimeLimit", "BadConstraints")


class SlurmQueue:
    """A job array's tasks as ``squeue`` and ``scontrol`` see them. Not ``sacct``: many small
    clusters run without accounting, where submitit can only guess a task's state. A task that
    leaves the queue has ended; with a result file it finished (or raised), without one Slurm
    ended it (TIMEOUT, CANCELLED, NODE_FAIL, ...)."""

    def __init__(self, array_id: str):
        self.array_id = array_id

    def tasks(self) -> dict[str, tuple[str, str]]:
        """Task id (``ARRAY_TASK``) -> (state, reason) of every task still queued or running."""
        listed = subprocess.run(["squeue", "-h", "-r", "-j", self.array_id, "-o", "%i|%T|%r"],
                                capture_output=True, text=True)
        if listed.returncode != 0:  # an array that has left the queue altogether is an error for squeue
            return {}
        return {task: (state, why) for task, state, why in (line.split("|", 2) for line in listed.stdout.split())}

    def final_state(self, task: str) -> str:
        shown = subprocess.run(["scontrol", "-o", "show", "job", task], capture_output=True, text=True).stdout
        found = [word.split("=", 1)[1] for word in shown.split() if word.startswith("JobState=")]
        return found[0] if found else "unknown (no longer known to scontrol)"

    def refuse_never_starting(self, queued: dict[str, tuple[str, str]]) -> None:
        """Cancel the array and say why in one line if a task waits for what the partition never gives."""
        reasons = sorted({why for state, why in queued.values() if state == "PENDING" and why in NEVER_STARTS})
        if reasons:
            subprocess.run(["scancel", self.array_id], capture_output=True)
            raise UsageError(f"Slurm will never start job array {self.array_id} (pending: {', '.join(reasons)}): "
                             "it asks for more than the partition offers; lower CPUS_PER_RUN, TIME or GPUS_PER_RUN "
                             "(--cpus-per-run, --time, --gpus-per-run) or choose another PARTITION. Cancelled it.")


def outcome(run_id: str, job) -> Outcome:
    error = job.exception()
    if error is None:
        return Outcome(run_id, "finished", job.job_id)
    return Outcome(run_id, "failed", job.job_id, job.paths.stderr, reason(str(error), job.paths.stderr))


def reason(message: str, log: Path) -> str:
    """The most telling line: the pipeline's own ``error:`` line in the job's log, else the last
    line of the Python traceback, else submitit's first line (e.g. a job killed by a signal)."""
    logged = log.read_text(errors="replace").splitlines() if log.exists() else []
    ours = [line for line in logged if line.startswith("error: ")]
    if ours:
        return ours[-1]
    blocks = message.split("----------------------")
    trace = [line for line in blocks[1].splitlines() if line.strip()] if len(blocks) >= 3 else []
    if trace:
        return trace[-1]
    return next((line for line in message.splitlines() if line.strip()), "unknown failure")


def report(outcomes: list[Outcome]) -> str:
    failed = [o for o in outcomes if o.state == "failed"]
    lines = [f"{len(outcomes) - len(failed)} job(s) finished, {len(failed)} failed"]
    for o in failed:
        lines.append(f"  failed: {o.run_id} (job {o.job_id}): {o.error}\n          log: {o.log}")
    if failed:
        lines.append("Run the same command again to resubmit only the runs that are still missing.")
    return "\n".join(lines)
