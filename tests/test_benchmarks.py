"""The step-cost and parallelism benchmarks run and report what they measure (their numbers are
for a quiet machine and are read in README, never asserted here, except what does not depend on load)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT, cpu_flags, pinned_here


def run(script: str, *args: str, cache) -> str:
    result = subprocess.run([sys.executable, f"benchmarks/{script}", *args, "--cache-dir", str(cache)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_step_cost_compares_the_data_step_backwards(tmp_path):
    out = run("step_cost.py", "--repeats", "1", cache=tmp_path)
    iterations = re.search(r"autograd \[([\d, ]+)\] \(forward only\); implicit \[([\d, ]+)\]", out)
    forward = [int(n) for n in iterations.group(1).split(", ")]
    implicit = [int(n) for n in iterations.group(2).split(", ")]
    assert implicit[:len(forward)] == forward  # the same forward solves, then the backward ones
    assert max(implicit[len(forward):]) == 50  # the implicit backward runs to the cap (DeepInverse's eps)
    distance = re.search(r"implicit ([\d.e+-]+) \(.*\), implicit with the loss x 1e4 ([\d.e+-]+) \(", out)
    implicit_off, scaled_off = float(distance.group(1)), float(distance.group(2))
    assert implicit_off > 1e-3 and scaled_off < 1e-4  # short at a gradient's scale, exact once scaled up
    assert re.search(r"step time, autograd / implicit: \d+\.\d\d", out)
    assert "data loading per batch" in out


def test_parallel_times_both_ways_of_using_the_cores(tmp_path):
    out = run("parallel.py", "--profile", "smoke", "--epochs", "1", "--repeats", "1", "--scenarios", "mri",
              cache=tmp_path)
    assert re.fullmatch(r"mri \(mc, ei; 1 epochs\): 2 threads one run at a time [\d.]+ s, 2 runs at a time "
                        r"with 1 thread [\d.]+ s; parallel / threads = \d+\.\d\d \(medians of 1\)\n", out), out


def test_parallel_names_an_unknown_scenario(tmp_path):
    result = subprocess.run([sys.executable, "benchmarks/parallel.py", "--scenarios", "mri,nope"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["unknown scenario 'nope': use one of mri, multicoil"]


def test_splitting_gain_scores_the_full_measurement_as_the_run_did(workspace):
    """On the full measurement the script's PSNR is the run's own, image by image (its mean)."""
    import json

    from pipeline.cli import main

    assert main(workspace.args("run", "--profile", "smoke", "--scenario", "mri", "--method", "ssdu", "--seed", "0",
                               "--keep-weights", "--weights-dir", str(workspace.results.parent / "weights"))) == 0
    record = json.loads((workspace.results / "smoke" / "runs" / "mri" / "ssdu" / "seed0" / "run.json").read_text())
    out = run("splitting_gain.py", str(workspace.results.parent / "weights" / "smoke" / "mri" / "ssdu" / "seed0.pt"),
              "--splits", "2", cache=workspace.cache)
    assert out.startswith("mri/ssdu/seed0 (smoke, 1 epochs), 4 test images, 2 splits each")
    values = {line.split()[0]: float(line.split()[1]) for line in out.splitlines()[1:]}
    assert abs(values["psnr_full"] - record["psnr"]) < 1e-3
    assert values["rescaled_full"] >= values["psnr_full"] and values["rescaled_split"] >= values["psnr_split"]
    assert 0 < values["energy_split"] < 1  # a split keeps part of the acquired samples
    assert min(values[k] for k in ("inside_full", "outside_full", "given_split", "held_out_split")) >= 0


def test_splitting_gain_refuses_a_method_without_splits(workspace):
    from pipeline.cli import main

    assert main(workspace.args("run", "--profile", "smoke", "--scenario", "mri", "--method", "mc", "--seed", "0",
                               "--keep-weights", "--weights-dir", str(workspace.results.parent / "weights"))) == 0
    result = subprocess.run([sys.executable, "benchmarks/splitting_gain.py",
                             str(workspace.results.parent / "weights" / "smoke" / "mri" / "mc" / "seed0.pt"),
                             "--cache-dir", str(workspace.cache)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0 and result.stderr.strip() == "mc does not train on split measurements: nothing to measure"


def test_dead_units_scores_as_the_run_did_and_counts_every_relu(workspace):
    """The script's PSNR is the run's own; every ReLU of the UNet gets a line with its zero share."""
    import json

    from pipeline.cli import main

    assert main(workspace.args("run", "--profile", "smoke", "--scenario", "mri", "--method", "adversarial", "--seed", "0",
                               "--keep-weights", "--weights-dir", str(workspace.results.parent / "weights"))) == 0
    record = json.loads((workspace.results / "smoke" / "runs" / "mri" / "adversarial" / "seed0" / "run.json").read_text())
    out = run("dead_units.py", str(workspace.results.parent / "weights" / "smoke" / "mri" / "adversarial" / "seed0.pt"),
              cache=workspace.cache)
    lines = out.splitlines()
    assert lines[0] == "mri/adversarial/seed0 (smoke, 1 epochs), 4 test images: mean (min-max)"
    values = {line.split()[0]: float(line.split()[1]) for line in lines[1:lines.index("ReLUs (every call):")]}
    assert abs(values["psnr"] - record["psnr"]) < 1e-3
    assert values["rescaled"] >= values["psnr"] and values["inside"] > 0
    # single-coil: without the UNet, every data step returns the zero-filled image it starts from
    assert abs(values["data_steps_only"] - values["zero_filled"]) < 1e-3
    relus = [re.fullmatch(r"  (\S+) +zero +([\d.]+)%  dead channels (\d+)/(\d+)", line)
             for line in lines[lines.index("ReLUs (every call):") + 1:]]
    assert len(relus) == 7 and all(relus), lines  # the UNet's seven ReLUs (MoDL shares them across iterations)
    assert all(0 <= float(m.group(2)) <= 100 and int(m.group(3)) <= int(m.group(4)) for m in relus)


def test_pin_cost_times_the_same_run_pinned_and_unpinned(tmp_path):
    out = run("pin_cost.py", "--profile", "smoke", "--repeats", "1", cache=tmp_path)
    found = re.fullmatch(r"mri/ssdu \(smoke, 1 epochs, 1 thread\) on .+: pinned \((.+)\) [\d.]+ s of training, "
                         r"unpinned \((.+)\) [\d.]+ s; pinned / unpinned = \d+\.\d\d \(medians of 1\); "
                         r"per-image numbers (identical|differ)\n", out)
    assert found, out
    if pinned_here():
        assert found.group(1) == "avx2"
    if "avx512f" in cpu_flags():  # the pin at work: other kernels, other bits
        assert "avx512" in found.group(2) and found.group(3) == "differ"


def test_interval_coverage_reports_coverage_verdicts_and_projection(tmp_path):
    """A small run on the committed headline: every table printed, the verdict counts agree with
    the site's pairs, and the projected half-width shrinks with more seeds."""
    result = subprocess.run([sys.executable, "benchmarks/interval_coverage.py", "--draws", "20", "--seeds", "3,5",
                             "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    import pandas as pd

    coverage, verdicts, projection = (pd.read_csv(tmp_path / f"{n}.csv") for n in ("coverage", "verdicts", "projection"))
    assert set(coverage.procedure) == {"t over seed means", "two-level bootstrap"} and set(coverage.seeds) == {3, 5}
    assert (verdicts.significant_t <= verdicts.pairs).all() and (verdicts.significant_bootstrap <= verdicts.pairs).all()
    for _, rows in projection.groupby("scenario"):
        assert rows.median_half_width_pairs.is_monotonic_decreasing and rows.extra_core_hours.iloc[0] == 0
