"""The performance table records no machine's own folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.overhead import shown
from tests.conftest import ROOT


def test_paths_are_recorded_relative_to_the_project():
    assert shown(ROOT / "results") == "results"
    assert shown(Path("/somewhere/else/my results")) == "<outside the project>/my results"


def test_the_committed_table_holds_no_absolute_path():
    notes = pd.read_csv(ROOT / "results" / "perf.csv").note.astype(str)
    assert not notes.str.contains(r"(?:^|\s)/[A-Za-z]", regex=True).any(), list(notes)
