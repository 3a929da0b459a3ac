"""The step-by-step notebook runs from top to bottom, as a reader would run it."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from pipeline.base import kernels
from tests.conftest import ROOT, pinned_here

NOTEBOOK = ROOT / "examples" / "step_by_step.ipynb"


def test_the_tutorial_notebook_runs_without_error(tmp_path, monkeypatch):
    for name in kernels.PIN:  # the notebook's kernel must pin itself, not inherit this process's pin
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # the committed outputs play no part
    # a last cell of the test's own: which kernels the notebook's process ran on
    notebook.cells.append(nbformat.v4.new_code_cell('from pipeline.base import kernels\nprint("kernels:", kernels.in_use()["label"])'))
    # run from the project root (as `make tutorial` does), so `pipeline` and its cache are found
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "new loss     PSNR" in outputs and "zero-filled  PSNR" in outputs
    if pinned_here():
        assert "kernels: avx2\n" in outputs  # the notebook imports pipeline before torch: pinned
    figures = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
               if "image/png" in o.get("data", {})]
    assert len(figures) == 4  # slices, masks, measurements, reconstructions


def test_the_committed_notebook_holds_its_outputs():
    """The site shows the committed outputs (it never runs torch): they must be there, error-free."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code), "run `make tutorial` to execute it"
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
