"""Run the grid on a Slurm cluster (or as local subprocesses) through submitit.

Each unfinished run becomes one task of a job array. A task runs exactly what ``python -m
pipeline run`` runs on a workstation, into the same results folder, so its run folder is
identical to a local run's and ``collect`` cannot tell them apart. Runs already finished are
never submitted; a failed or killed task leaves no run folder (runs are written atomically), so
running the same command again submits exactly the runs still missing, and under Slurm waits for
those still queued or running rather than submitting them twice (see ``pipeline.grid.slurm``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from pipeline.base import locks
from pipeline.grid import slurm
from pipeline.base.errors import UsageError
from pipeline.base import PROJECT_ROOT

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
    account: str | None = None  # Slurm account to charge (sbatch --account)


def run_in_job(argv: list[str]) -> str:
    """What one task does: ``python -m pipeline run ARGV`` from this project (its output goes to
    the task's log); raises if it did not finish.

    SIGUSR2 is ignored here and in the run: submitit asks Slurm for it 90 s before the time limit
    to checkpoint, and a run that cannot be checkpointed would then fail early as "timed-out and
    not checkpointable" (Slurm state FAILED, and at once when TIME is under 90 s). Ignored, the
    limit stays Slurm's to enforce: its SIGTERM ends the run and the task's state is TIMEOUT. A USR2
    that came before this line ran would kill the task outright, hence ``job_parameters`` never
    lets it come before half the time limit.

    Under Slurm the run uses as many threads as CPUs were granted to the task (unless ``--threads``
    says otherwise): torch would start one per core of the node, and runs sharing a node would
    fight over them where the cluster does not bind tasks to their CPUs."""
    signal.signal(signal.SIGUSR2, signal.SIG_IGN)  # inherited by the run
    granted = os.environ.get("SLURM_CPUS_PER_TASK")
    if granted and "--threads" not in argv:
        argv = [*argv, "--threads", granted]
    code = subprocess.run([sys.executable, "-m", "pipeline", *argv], cwd=PROJECT_ROOT).returncode
    if code in (128 + signal.SIGTERM, -signal.SIGTERM):  # a scheduler's cancel or time limit
        raise RuntimeError("`python -m pipeline run` was stopped by SIGTERM")
    if code < 0:  # killed outright (SIGKILL once the scheduler's grace period is over)
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
    executor = submitit.AutoExecutor(folder=job_folder(options), cluster=options.executor)
    executor.update_parameters(**job_parameters(options))
    return executor


def job_folder(options: ClusterOptions) -> str:
    return str(options.log_dir / "%j")  # submitit puts each task's files in its own folder


def job_parameters(options: ClusterOptions) -> dict:
    """What each task asks of the scheduler. GPUs only when asked for (a request of zero GPUs is
    refused by clusters that have no GPU resource configured), as ``--gres=gpu:N``, which every
    Slurm version understands."""
    parameters = dict(timeout_min=options.time_min, cpus_per_task=options.cpus_per_run, name=slurm.JOB_NAME)
    if options.executor == "slurm":
        parameters["slurm_partition"] = options.partition
        # submitit's USR2 comes 90 s before the limit, or at once under a shorter TIME: then it can
        # beat the task's start and kill it (see run_in_job); never before half the time
        parameters["slurm_signal_delay_s"] = min(90, options.time_min * 30)
        if options.max_parallel:
            parameters["slurm_array_parallelism"] = options.max_parallel
        if options.account:
            parameters["slurm_account"] = options.account
        if options.gpus_per_run:
            parameters["slurm_gres"] = f"gpu:{options.gpus_per_run}"
    elif options.gpus_per_run:
        parameters["gpus_per_node"] = options.gpus_per_run
    return parameters


@dataclass(frozen=True)
class Task:
    argv: list[str]  # of ``python -m pipeline run``
    run_folder: Path  # where the run will be written; a Slurm job is remembered beside it


@dataclass
class Outcome:
    run_id: str
    state: str  # finished, failed
    job_id: str
    log: Path | None = None
    error: str = ""


def submit_and_wait(tasks: dict[str, Task], options: ClusterOptions, lock: Path,
                    progress: bool = True) -> list[Outcome]:
    """Submit one task per run (``run_id -> Task``), wait for all, report each. Under Slurm a run
    whose earlier job is still queued or running is waited for, not submitted again; ``lock``
    (one per results folder) keeps two benchmarks from submitting the same run at the same time."""
    executor = executor_for(options)
    with locks.exclusive(lock, "another benchmark is submitting runs of this results folder: waiting for it"):
        jobs = held_by_slurm(tasks) if options.executor == "slurm" else {}
        if jobs:
            arrays = ", ".join(sorted({slurm.array_of(job.job_id) for job in jobs.values()}))
            print(f"{len(jobs)} run(s) already queued or running in Slurm (job array {arrays}): "
                  "waiting for them, not submitting them again", file=sys.stderr)
        fresh = [run_id for run_id in tasks if run_id not in jobs]
        if fresh:
            submitted = submit(executor, [tasks[run_id].argv for run_id in fresh])
            jobs.update(zip(fresh, submitted))
            if options.executor == "slurm":
                for run_id, job in zip(fresh, submitted):
                    slurm.remember(tasks[run_id].run_folder, job.job_id, job_folder(options), tasks[run_id].argv)
            print(f"submitted {len(submitted)} run(s) as job array {slurm.array_of(submitted[0].job_id)} "
                  f"({options.executor}); logs in {options.log_dir}/", file=sys.stderr)
    outcomes = wait(jobs, tasks, options, progress)
    return [outcomes[run_id] for run_id in tasks]


def held_by_slurm(tasks: dict[str, Task]) -> dict:
    """The runs whose earlier Slurm job is still queued or running, as submitit jobs."""
    import submitit

    queued = slurm.queued_tasks()
    if queued is None:
        raise UsageError("squeue did not answer: cannot tell which runs Slurm already holds; "
                         "is the Slurm controller reachable?")
    held = {run_id: slurm.still_held(task.run_folder, task.argv, queued) for run_id, task in tasks.items()}
    return {run_id: submitit.SlurmJob(folder=found[1], job_id=found[0]) for run_id, found in held.items() if found}


def submit(executor, argvs: list[list[str]]) -> list:
    """One job array; a refusal by sbatch (a GPU or partition the cluster lacks, ...) in one line."""
    from submitit.core.utils import FailedJobError

    try:
        return executor.map_array(run_in_job, argvs)
    except FailedJobError as refused:
        said = " ".join(str(refused).split()) or "no message"
        raise UsageError(f"the scheduler refused the job array: {said}; check PARTITION, CPUS_PER_RUN, "
                         "GPUS_PER_RUN and TIME against what the cluster offers (sinfo)") from None
    except FileNotFoundError as missing:
        raise UsageError(f"cannot submit: {missing.filename or missing} not found; EXECUTOR=slurm needs "
                         "Slurm's commands (sbatch, squeue, scontrol) on this machine") from None


def wait(jobs: dict, tasks: dict[str, Task], options: ClusterOptions, progress: bool) -> dict[str, Outcome]:
    """Wait for every job, deciding each one's outcome as it ends. A Slurm task is decided once it
    has left the queue, so that its final state (TIMEOUT, CANCELLED) is known."""
    on_slurm = options.executor == "slurm"
    pending = dict(jobs)
    outcomes: dict[str, Outcome] = {}
    silent_polls = 0
    forgotten: set[str] = set()  # tasks scontrol did not know at the last poll
    bar = tqdm(total=len(jobs), desc="jobs", unit="run", disable=not progress)
    try:
        while pending:
            queued = slurm.queued_tasks() if on_slurm else {}
            silent_polls = silent_polls + 1 if queued is None else 0
            if silent_polls == 1:
                bar.write("squeue did not answer; still waiting (said once until it answers again)", file=sys.stderr)
            for run_id, job in list(pending.items()):
                if not ended(job, queued, forgotten, on_slurm):
                    continue
                outcomes[run_id] = outcome(run_id, job, on_slurm)
                if on_slurm:
                    slurm.forget(tasks[run_id].run_folder, job.job_id)
                del pending[run_id]
                bar.update(1)
            if on_slurm and queued:
                arrays = {slurm.array_of(job.job_id) for job in pending.values()}
                slurm.refuse_never_starting({t: v for t, v in queued.items() if slurm.array_of(t) in arrays})
            failed = sum(o.state == "failed" for o in outcomes.values())
            bar.set_postfix_str(f"finished {len(outcomes) - failed}, failed {failed}, running or queued {len(pending)}")
            if pending:
                time.sleep(options.poll_seconds)
    except KeyboardInterrupt:
        ids = " ".join(sorted({slurm.array_of(job.job_id) for job in pending.values()}))
        print(f"\nstopped waiting; {len(pending)} job(s) still queued or running ({options.executor} job {ids}). "
              "They keep writing their runs: wait for them (the same command waits for them rather than "
              "submitting them again) or cancel them (e.g. `scancel " + ids + "`), then run `make collect`.",
              file=sys.stderr)
        raise
    finally:
        bar.close()
    return outcomes


def ended(job, queued: slurm.Tasks | None, forgotten: set[str], on_slurm: bool) -> bool:
    """Whether the job is over: under Slurm, gone from ``squeue`` and over for ``scontrol`` too,
    or forgotten by scontrol in two polls in a row (``forgotten`` holds those of the last poll)."""
    if not on_slurm:
        return job.done()
    if queued is None:
        return False
    over = False if job.job_id in queued else slurm.has_ended(job.job_id)
    if over is not None:
        forgotten.discard(job.job_id)
        return over
    if job.job_id in forgotten:
        return True
    forgotten.add(job.job_id)
    return False


def outcome(run_id: str, job, on_slurm: bool = False) -> Outcome:
    """A job that has ended. Under Slurm a failure starts with Slurm's final state, and a task
    that left the queue without a result file was ended by Slurm itself."""
    if on_slurm and not job.paths.result_pickle.exists():
        error = "ended without a result"
    else:
        raised = job.exception()
        if raised is None:
            return Outcome(run_id, "finished", job.job_id)
        error = reason(str(raised), job.paths.stderr)
    if on_slurm:
        error = f"Slurm state {slurm.final_state(job.job_id)}: {error}"
    return Outcome(run_id, "failed", job.job_id, job.paths.stderr, error)


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
