"""Doing the runs of a request: one after another in this process, or as jobs through submitit
(a Slurm job array, or local subprocesses), then collecting the profile's tables.

Every way ends in the same run folders: a job runs exactly ``python -m pipeline run`` with the
arguments ``run_argv`` gives it, into the same results folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from tqdm import tqdm

from pipeline.analysis.collect import collect, report
from pipeline.analysis.gate import check_links, read_table
from pipeline.base.errors import UsageError
from pipeline.base.tables import RUN_COLUMNS
from pipeline.grid.cluster import Task, submit_and_wait
from pipeline.grid.cluster import report as cluster_report
from pipeline.grid.plan import requested_specs, table_specs
from pipeline.grid.request import Execution, GridRequest
from pipeline.run.execute import execute
from pipeline.run.results import pending_runs
from pipeline.run.spec import RunSpec, read_run
from pipeline.setting.measurements import load_measurements
from pipeline.setting.model import pick_device


def set_threads(threads: int | None) -> None:
    if threads is not None:
        if threads < 1:
            raise UsageError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)


def note_other_threads(tables_dir: Path, device: str) -> None:
    """Say when runs here would use another torch thread count than the runs already in
    ``tables_dir`` (the committed ones): a thread count changes the order of sums, so the numbers
    will not match theirs bit for bit (``pipeline.base.kernels``)."""
    if pick_device(device).type != "cpu" or not (tables_dir / "runs.csv").is_file():
        return
    try:
        committed = set(read_table(tables_dir / "runs.csv", RUN_COLUMNS).threads.dropna().astype(int))
    except UsageError:  # collect names what is wrong with the table
        return
    threads = torch.get_num_threads()
    if committed and threads not in committed:
        made = "/".join(map(str, sorted(committed)))
        print(f"note: {threads} torch thread(s) per run, where the runs in {tables_dir} were made with {made}: the "
              f"numbers will not match theirs bit for bit (pass --threads {made}; make: THREADS={made})", file=sys.stderr)


def run_one(spec: RunSpec, results_dir: Path, how: Execution) -> Path:
    """Do one run here (unless a current finished one exists), say how it went, return its folder."""
    set_threads(how.threads)
    note_other_threads(spec.tables_dir(results_dir), how.device)
    folder, ran = execute(spec, results_dir, how.cache_dir, pick_device(how.device), how.progress, how.weights_dir)
    print(run_summary(spec.run_id, folder, ran), file=sys.stderr)
    return folder


def run_summary(run_id: str, folder: Path, ran: bool) -> str:
    """One line on a finished run; a diverged run says so (it is recorded, and the grid goes on)."""
    record = read_run(folder)
    when = "" if ran else " (already finished)"
    if record.get("status", "ok") != "ok":
        return f"{run_id}: {record['status']} ({record['failure']}){when}, recorded in {folder}"
    return f"{run_id}: PSNR {record['psnr']:.2f} dB{when}, {folder}"


def benchmark(request: GridRequest, how: Execution) -> int:
    """Every unfinished run of the request, then the profile's tables; 1 if a job failed."""
    set_threads(how.threads)
    asked = requested_specs(request)
    pending = pending_runs(asked, request.results_dir)
    if pending and how.cluster is None:
        note_other_threads(pending[0].tables_dir(request.results_dir), how.device)
    failed = run_as_jobs(request, how, pending) if how.cluster else run_here(request, how, pending)
    collect_tables(request, asked)
    return 1 if failed else 0


def run_here(request: GridRequest, how: Execution, pending: list[RunSpec]) -> bool:
    """The pending runs one after another in this process (a diverged run is recorded, not a failure)."""
    device = pick_device(how.device)
    bar = tqdm(pending, desc="grid", unit="run", disable=not how.progress)
    for spec in bar:
        bar.set_postfix_str(spec.run_id)
        folder, ran = execute(spec, request.results_dir, how.cache_dir, device, how.progress, how.weights_dir)
        bar.write(run_summary(spec.run_id, folder, ran), file=sys.stderr)
    return False


def run_as_jobs(request: GridRequest, how: Execution, pending: list[RunSpec]) -> bool:
    """Submit the pending runs through submitit, wait, and report; whether any failed."""
    if not pending:
        return False
    # simulate each scenario's measurements once here, rather than once per job at the same time
    for spec in {(s.scenario.name, s.seed): s for s in pending}.values():
        load_measurements(spec.profile, spec.scenario, spec.dataset, spec.seed, how.cache_dir)
    tasks = {s.run_id: Task(run_argv(request, how, s), s.folder(request.results_dir).resolve()) for s in pending}
    outcomes = submit_and_wait(tasks, how.cluster, request.results_dir / ".submitting.lock", how.progress)
    print(cluster_report(outcomes), file=sys.stderr)
    return any(o.state == "failed" for o in outcomes)


def run_argv(request: GridRequest, how: Execution, spec: RunSpec) -> list[str]:
    """The ``python -m pipeline run`` arguments of one run, with absolute paths (jobs start elsewhere)."""
    argv = ["run", "--profile", spec.profile.name, "--scenario", spec.scenario.name, "--method", spec.method.name,
            "--seed", str(spec.seed), "--results-dir", str(Path(request.results_dir).resolve()),
            "--cache-dir", str(Path(how.cache_dir).resolve()), "--device", how.device,
            "--quiet" if how.quiet else "--lines"]
    if request.dataset:
        argv += ["--dataset", request.dataset]
    if request.data_dir:
        argv += ["--data-dir", str(Path(request.data_dir).resolve())]
    for option, value in (("--epochs", request.epochs), ("--final-step", request.final_step),
                          ("--speed", request.speed or None), ("--threads", how.threads)):
        if value is not None:
            argv += [option, str(value)]
    if how.weights_dir is not None:
        argv += ["--keep-weights", "--weights-dir", str(Path(how.weights_dir).resolve())]
    for option, value in (("--model", request.model), ("--physics", request.physics)):
        if value:
            argv += [option, value]
    for metric in request.metrics:
        argv += ["--metric", metric]
    return argv


def collect_tables(request: GridRequest, asked: list[RunSpec] | None = None) -> None:
    """Write the profile's tables from its run folders (``pipeline.analysis.collect``): the whole
    grid, for the seeds asked (``asked``: the request's runs, when already built) and every seed
    that has a run folder."""
    asked = requested_specs(request) if asked is None else asked
    if Path(request.results_dir).is_dir():
        check_links(request.results_dir)  # never read or write through a link that leaves the folder
    runs, missing = collect(table_specs(request, asked), request.results_dir, {s.run_id for s in asked})
    report(runs, missing, asked[0].tables_dir(request.results_dir))
