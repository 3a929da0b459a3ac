"""The CPU kernels' instruction set: pinned to AVX2 in every process that imports the package,
read back from the libraries into every run record, and a table that mixes kernels says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html import unescape

import pandas as pd
import pytest

from pipeline.base import kernels
from pipeline.cli import main
from pipeline.render import build_site
from tests.conftest import ROOT, assert_pinned, cpu_flags, pinned_here

needs_avx2 = pytest.mark.skipif(not pinned_here(), reason="the pin is AVX2: this CPU is not x86-64 with AVX2")
needs_avx512 = pytest.mark.skipif("avx512f" not in cpu_flags(), reason="shows the pin at work: needs an AVX-512 CPU")

CONVOLUTION = """
import hashlib, sys
{imports}
torch.set_num_threads(1)
g = torch.Generator().manual_seed(0)
x = torch.randn(4, 2, 64, 64, generator=g, requires_grad=True)
w = torch.randn(16, 2, 3, 3, generator=g)
torch.nn.functional.conv2d(x, w, padding=1).pow(2).sum().backward()
print("input gradient", hashlib.sha1(x.grad.numpy().tobytes()).hexdigest(), flush=True)
"""


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new process whose environment does not inherit this one's pin."""
    environment = {**{k: v for k, v in os.environ.items() if k not in kernels.PIN}, "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done


@needs_avx2
@pytest.mark.parametrize("asked", [None, "AVX512_CORE"])
def test_a_process_that_imports_the_package_runs_its_convolutions_on_avx2(asked):
    """oneDNN says so itself (ONEDNN_VERBOSE), even when the environment asked for another ISA."""
    env = {"ONEDNN_VERBOSE": "1", **({"ONEDNN_MAX_CPU_ISA": asked} if asked else {})}
    out = python(CONVOLUTION.format(imports="import pipeline, torch"), **env).stdout
    assert "cpu,isa:Intel AVX2\n" in out, out
    convolutions = [line for line in out.splitlines() if ",convolution," in line and ",exec," in line]
    assert convolutions and all(":avx2," in line for line in convolutions), convolutions


@needs_avx512
def test_the_pin_changes_the_bits_of_a_convolutions_gradient_on_an_avx512_cpu():
    """Why the pin exists: unpinned, oneDNN's AVX-512 kernels sum the input gradient in another order."""
    pinned = python(CONVOLUTION.format(imports="import pipeline, torch")).stdout
    native = python(CONVOLUTION.format(imports="import pipeline, torch"), PIPELINE_KERNELS="native").stdout
    assert pinned.startswith("input gradient") and native.startswith("input gradient")
    assert pinned != native


READ_BACK = """
{imports}
from pipeline.base import kernels
import json
print(json.dumps(kernels.in_use()))
kernels.warn_if_unpinned()
"""


@needs_avx2
def test_the_record_reads_the_libraries_not_the_variables():
    done = python(READ_BACK.format(imports="import pipeline"))
    found = json.loads(done.stdout)
    assert found["label"] == "avx2" and found["aten"] == "avx2" and found["onednn"] == "Intel AVX2", found
    assert found["pinned"] and done.stderr == ""


@needs_avx512
@pytest.mark.parametrize("imports, why", [
    ("import pipeline", "PIPELINE_KERNELS=native"),
    ("import torch, deepinv, pipeline", "import pipeline before torch and deepinv"),
])
def test_kernels_that_are_not_the_pinned_ones_are_recorded_and_said(imports, why):
    env = {"PIPELINE_KERNELS": "native"} if "native" in why else {}
    done = python(READ_BACK.format(imports=imports), **env)
    found = json.loads(done.stdout)
    assert found["label"] != kernels.PINNED and "avx512" in found["label"], found
    assert why in done.stderr and "will not match the committed runs bit for bit" in done.stderr
    assert done.stderr.count("\n") == 1


@needs_avx2
def test_every_run_of_the_smoke_grid_records_its_kernels_and_threads(smoke_grid):
    records = [json.loads(p.read_text()) for p in (smoke_grid.results / "smoke" / "runs").glob("*/*/seed*/run.json")]
    assert records
    for record in records:
        assert_pinned(record)
        assert record["threads"] >= 1
    runs = pd.read_csv(smoke_grid.results / "smoke" / "runs.csv")
    assert set(runs.kernels) == {"avx2"} and set(runs.kernels_source) == {"recorded"}


WARNING = "Runs made on different CPU kernels or thread counts"


def test_a_table_that_mixes_kernels_says_so(workspace, capsys):
    """In make collect, in summary.csv, on the scenario page and on the reproducibility page."""
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled,mc", "--seeds", "0,1"]
    assert main(workspace.args("benchmark", *grid, "--threads", "1")) == 0
    assert "mixes runs made on" not in capsys.readouterr().err
    html = build_site(workspace.results, workspace.results.parent / "site")
    assert WARNING not in (html / "scenarios" / "smoke-mri" / "index.html").read_text()
    record = workspace.results / "smoke" / "runs" / "mri" / "mc" / "seed1" / "run.json"
    made = json.loads(record.read_text())
    made["kernels"] = {**made["kernels"], "label": "x86_64: aten avx512, onednn avx512"}
    record.write_text(json.dumps(made))

    assert main(workspace.args("collect", *grid)) == 0
    err = capsys.readouterr().err
    assert "note: mri mixes runs made on other kernels or thread counts (" in err
    assert "x86_64: aten avx512, onednn avx512, 1 thread(s) ×1" in err
    summary = pd.read_csv(workspace.results / "smoke" / "summary.csv").set_index("method")
    assert summary.kernels["mc"].startswith("mixed: ")
    assert not summary.kernels["zero-filled"].startswith("mixed")
    html = build_site(workspace.results, workspace.results.parent / "site")
    page = unescape((html / "scenarios" / "smoke-mri" / "index.html").read_text())
    assert WARNING in page and "x86_64: aten avx512, onednn avx512, 1 thread(s) ×1" in page
    reproducibility = (html / "reproducibility" / "index.html").read_text()
    assert "on different kernels or thread counts (" in reproducibility


def test_a_run_without_a_record_of_its_kernels_takes_them_from_an_identical_pinned_rerun(workspace, tmp_path, capsys):
    """A run made before runs recorded their kernels: ``reproduce --record`` proves it, and the
    tables then name the kernels the proof found (source: reproduced)."""
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "mc", "--seeds", "0"]
    assert main(workspace.args("benchmark", *grid, "--threads", "1")) == 0
    record = workspace.results / "smoke" / "runs" / "mri" / "mc" / "seed0" / "run.json"
    made = json.loads(record.read_text())
    label = made.pop("kernels")["label"]
    record.write_text(json.dumps(made))
    assert main(workspace.args("collect", *grid)) == 0
    assert pd.read_csv(workspace.results / "smoke" / "runs.csv").kernels.tolist() == ["not recorded"]

    proof = workspace.results / "smoke" / "reproduced.csv"
    assert main(workspace.args("reproduce", *grid, "--scratch-dir", str(tmp_path / "again"), "--record", str(proof))) == 0
    assert main(workspace.args("collect", *grid)) == 0
    runs = pd.read_csv(workspace.results / "smoke" / "runs.csv")
    assert runs.kernels.tolist() == [label] and runs.kernels_source.tolist() == ["reproduced"]
    rows = pd.read_csv(proof)
    assert rows.committed_kernels.tolist() == ["not recorded"] and rows.identical.tolist() == [True]

    capsys.readouterr()
    proof.write_text("scenario,method\n\x00\x01")  # damaged: one line, never a traceback
    assert main(workspace.args("collect", *grid)) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {proof} cannot be read (it lacks column(s) ") and err.count("\n") == 1


def test_a_run_with_another_thread_count_than_the_committed_runs_says_it_will_not_match(workspace, capsys):
    grid = ["--profile", "smoke", "--scenarios", "mri", "--methods", "zero-filled"]
    assert main(workspace.args("benchmark", *grid, "--threads", "1")) == 0
    capsys.readouterr()
    assert main(workspace.args("benchmark", *grid, "--methods", "mc", "--threads", "2")) == 0
    assert ("note: 2 torch thread(s) per run, where the runs in " in capsys.readouterr().err)
    assert main(workspace.args("benchmark", *grid, "--methods", "supervised", "--threads", "1")) == 0
    assert "torch thread(s) per run" not in capsys.readouterr().err


CPAB_BASIS = """
import hashlib, sys, tempfile
import pipeline
from libcpab.tesselation import Tesselation2D
basis = Tesselation2D([3, 3], [0, 0], [1, 1], zero_boundary=True, volume_perservation=True,
                      direc=tempfile.mkdtemp() + "/", override=True).B
print(hashlib.sha1(basis.tobytes()).hexdigest())
"""


@needs_avx512
def test_the_pin_fixes_the_cpab_basis_that_scipys_openblas_computes():
    """MO-EI's deformations come from this basis: OpenBLAS's AVX-512 kernels give another one."""
    pinned = python(CPAB_BASIS).stdout
    assert python(CPAB_BASIS, OPENBLAS_CORETYPE="Zen").stdout == pinned  # the AVX2 EPYC's kernels
    assert python(CPAB_BASIS, PIPELINE_KERNELS="native").stdout != pinned


@pytest.mark.parametrize("method", ["uair", "mo-ei"])
def test_two_runs_of_the_same_spec_on_one_machine_give_the_same_numbers(method, tmp_path):
    """The methods whose kernels are the hardest to pin (a discriminator; CPAB's basis) included."""
    for out in ("a", "b"):
        assert main(["run", "--profile", "smoke", "--scenario", "mri", "--method", method, "--threads", "1", "--quiet",
                     "--results-dir", str(tmp_path / out), "--cache-dir", str(tmp_path / "cache")]) == 0
    first, second = (tmp_path / out / "smoke" / "runs" / "mri" / method / "seed0" for out in ("a", "b"))
    assert (first / "per_image.csv").read_bytes() == (second / "per_image.csv").read_bytes()
    assert (first / "curve_per_image.csv").read_bytes() == (second / "curve_per_image.csv").read_bytes()
