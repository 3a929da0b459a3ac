"""Fuzzing the results folder (``pipeline.analysis.gate``): hostile names, cells, catalogue fields, gallery
headers and folder names, file kinds (a named pipe, a folder, a link out or in a loop, an empty
file), forged array headers, deep JSON, names at and past the length limit, and duplicated or
missing rows, drawn by hypothesis, planted in a copy of the smoke results.

Whatever is planted, the site build, ``findings`` and ``compare`` either succeed or exit 2 with one
line within ``DEADLINE`` seconds; nothing is written outside ``--out``; and no page holds a planted
tag, an ``on...`` attribute or a link that is not http(s) or relative. Derandomised, so CI draws the same examples
every run; ``FUZZ_EXAMPLES=n FUZZ_RANDOM=1`` draw more, and others, by hand.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from pipeline.cli import main

MARK = "ZQX"
TAGS = [f"<img src=x onerror=alert('{MARK}')>", f"</script><script>alert('{MARK}')</script>",
        f'<a href="javascript:alert(1)">{MARK}</a>', f"<b>{MARK}</b>", f"[{MARK}](javascript:alert(1))"]
PIECES = ["/", "..", "../", "\x00", "\n", "\r", "\u202e", "\u200f", "<", ">", "&", '"', "'", "`", "#", "*", "_",
          "[", "]", "(", ")", "{{", "}}", "{%", "=", "+", "-", "@", "|", ",", ";", " ", "a", "Z", "é", "中", MARK]
HOSTILE = st.one_of(
    st.sampled_from(TAGS),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=12).map("".join),
    st.sampled_from(["", "NaN", "inf", "-inf", "1e400", "=1+1", "../../../../escaped", "x" * 5000, "null", "true"]),
)
JSON_VALUE = st.one_of(HOSTILE, st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.none(),
                       st.booleans(), st.lists(HOSTILE, max_size=3), st.dictionaries(HOSTILE, HOSTILE, max_size=2))
TABLES = ("runs.csv", "per_image.csv", "summary.csv", "curves.csv", "curves_per_image.csv")
GALLERY = Path("smoke/runs/mri/ei/seed0/gallery.npz")
# no shrinking: a failing example is reported as drawn (with what was planted), in bounded time
PHASES = [Phase.explicit, Phase.generate]
DERANDOMIZE = "FUZZ_RANDOM" not in os.environ  # FUZZ_RANDOM=1: new draws each run (a long session by hand)


def examples(default: int) -> int:
    return int(os.environ.get("FUZZ_EXAMPLES", default))


def planted_name(results: Path, column: str, new: str, data) -> None:
    old = data.draw(st.sampled_from(sorted(set(pd.read_csv(results / "smoke" / "runs.csv")[column]))))
    for name in TABLES:
        table = pd.read_csv(results / "smoke" / name)
        table[column] = table[column].astype(object)
        table.loc[table[column] == old, column] = new
        table.to_csv(results / "smoke" / name, index=False)
    known = json.loads((results / "catalogue.json").read_text())
    section = known["methods" if column == "method" else "scenarios"]
    section[new] = {**section.pop(old), "name": new}
    (results / "catalogue.json").write_text(json.dumps(known))


def planted_cell(results: Path, value, data) -> None:
    name = data.draw(st.sampled_from(TABLES))
    table = pd.read_csv(results / "smoke" / name)
    column = data.draw(st.sampled_from(list(table.columns)))
    row = data.draw(st.integers(0, len(table) - 1))
    table[column] = table[column].astype(object)
    table.loc[row, column] = value
    table.to_csv(results / "smoke" / name, index=False)


def planted_catalogue(results: Path, value, data) -> None:
    known = json.loads((results / "catalogue.json").read_text())
    section = data.draw(st.sampled_from(["methods", "scenarios", "profiles"]))
    key = data.draw(st.sampled_from(sorted(known[section])))
    if section == "profiles":
        known["profiles"][key] = value
    else:
        field = data.draw(st.sampled_from(sorted(known[section][key])))
        known[section][key][field] = value
    (results / "catalogue.json").write_text(json.dumps(known, allow_nan=True))


def planted_gallery(results: Path, data) -> None:
    dtype = data.draw(st.sampled_from(["float16", "float32", "float64", "int8", "complex64", "bool", "<U3", "object"]))
    shape = tuple(data.draw(st.lists(st.integers(0, 40), max_size=4)))
    arrays = {"image": np.arange(2), "target": np.zeros((2, 32, 32), np.float16)}
    arrays[data.draw(st.sampled_from(["recon", "target", "image", "extra"]))] = np.zeros(shape, dtype=dtype)
    (results / GALLERY).unlink()
    np.savez_compressed(results / GALLERY, **arrays)


FILES = ["catalogue.json", "smoke/runs.csv", "smoke/per_image.csv", "smoke/curves.csv", "smoke/curves_per_image.csv",
         str(GALLERY), "smoke/runs/mri/ei/seed0/run.json", "smoke/custom/custom-0badc0de/custom.json",
         "weights/smoke/mri/mc/seed0.pt"]
FILE_KINDS = ["named pipe", "folder", "link out", "link loop", "empty"]
DEADLINE = 120  # seconds for one command on the smoke results; a blocked read would never end


def planted_file_kind(results: Path, data) -> str:
    """One file the readers open replaced by another kind of thing (a custom-results folder and a
    weights file are made first, so that their readers run)."""
    custom = results / "smoke" / "custom" / "custom-0badc0de"
    custom.mkdir(parents=True, exist_ok=True)
    pd.read_csv(results / "smoke" / "runs.csv").head(2).to_csv(custom / "runs.csv", index=False)
    (custom / "custom.json").write_text(json.dumps({"model": "my.model", "physics": None, "metrics": []}))
    (results / "weights/smoke/mri/mc").mkdir(parents=True, exist_ok=True)
    (results / "weights/smoke/mri/mc/seed0.pt").write_bytes(b"weights")
    name, kind = data.draw(st.sampled_from(FILES)), data.draw(st.sampled_from(FILE_KINDS))
    path = results / name
    path.unlink()
    {"named pipe": lambda: os.mkfifo(path), "folder": path.mkdir, "link out": lambda: path.symlink_to("/etc/hostname"),
     "link loop": lambda: path.symlink_to(path.name), "empty": path.touch}[kind]()
    return f"{name} as {kind}"


def planted_header(results: Path, data) -> str:
    """A gallery whose recon.npy header says one thing and whose data holds another."""
    dims = st.one_of(st.integers(-3, 3), st.sampled_from([8, 64, 1024, 1025, 10**6, 2**62]))
    shape = tuple(data.draw(st.lists(dims, min_size=0, max_size=4)))
    dtype = data.draw(st.sampled_from(["<f2", "<f4", "<i8", "|O", "<U3"]))
    size = data.draw(st.sampled_from([0, 1, 100, 6144, 2 * 10**6]))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": dtype, "fortran_order": False, "shape": shape})
    (results / GALLERY).unlink()
    with zipfile.ZipFile(results / GALLERY, "w") as archive:
        for name, array in (("image", np.arange(2)), ("target", np.zeros((2, 32, 32), np.float16))):
            f = io.BytesIO()
            np.save(f, array)
            archive.writestr(f"{name}.npy", f.getvalue())
        archive.writestr("recon.npy", header.getvalue() + b"\0" * size)
    return f"recon header {dtype} {shape}, {size} bytes of data"


def planted_depth(results: Path, data) -> str:
    depth = data.draw(st.sampled_from([1, 63, 64, 65, 1000, 100_000]))
    brackets = data.draw(st.sampled_from(["[]", "{}"]))
    inner = '{"a": ' * depth + "0" + "}" * depth if brackets == "{}" else "[" * depth + "]" * depth
    known = (results / "catalogue.json").read_text()
    (results / "catalogue.json").write_text(known[:-1].rstrip().rstrip("}") + f', "deep": {inner}}}')
    return f"catalogue with {brackets} nested {depth} deep"


def planted_length(results: Path, data) -> str:
    length = data.draw(st.sampled_from([63, 64, 65, 250, 255, 256]))
    planted_name(results, "method", "m" * length, data)
    return f"a method name of {length} characters"


def planted_rows(results: Path, data) -> str:
    name = data.draw(st.sampled_from(["runs.csv", "per_image.csv"]))
    table = pd.read_csv(results / "smoke" / name)
    twice, gone = data.draw(st.integers(0, len(table) - 1)), data.draw(st.integers(0, len(table) - 1))
    how = data.draw(st.sampled_from(["duplicated", "missing", "duplicated for a missing one"]))
    rows = {"duplicated": [table, table.iloc[[twice]]], "missing": [table.drop(index=gone)],
            "duplicated for a missing one": [table.drop(index=gone), table.iloc[[twice]].assign(psnr=40.0)]}[how]
    pd.concat(rows, ignore_index=True).to_csv(results / "smoke" / name, index=False)
    return f"{name}: row {twice} {how} (row {gone})"


STRUCTURAL = {"file kind": planted_file_kind, "array header": planted_header, "json depth": planted_depth,
              "name length": planted_length, "rows": planted_rows}


def plant(results: Path, data) -> str:
    """Plant one hostile thing, drawn by hypothesis; returns what was planted, for the report."""
    kind = data.draw(st.sampled_from(["method name", "scenario name", "cell", "catalogue", "gallery", "profile folder",
                                      *STRUCTURAL]))
    if kind in STRUCTURAL:
        return f"{kind}: {STRUCTURAL[kind](results, data)}"
    value = data.draw(JSON_VALUE if kind == "catalogue" else HOSTILE)
    if kind.endswith("name"):
        planted_name(results, kind.split()[0], value, data)
    elif kind == "cell":
        planted_cell(results, value, data)
    elif kind == "catalogue":
        planted_catalogue(results, value, data)
    elif kind == "gallery":
        planted_gallery(results, data)
    elif "\x00" not in value and "/" not in value and value not in ("", ".", ".."):
        (results / "smoke").rename(results / value[:200])
    return f"{kind}: {value!r:.80}"


def listing(root: Path, out: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if out not in p.parents and p != out}


def on_time(signum, frame):
    raise AssertionError(f"still running after {DEADLINE} s: a read blocked")


def one_line_or_success(argv: list[str], capsys) -> int:
    previous = signal.signal(signal.SIGALRM, on_time)
    signal.alarm(DEADLINE)
    try:
        code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip() and not line.startswith("warning:")]
    assert code in (0, 2), err
    if code == 2:
        assert len(err) == 1 and err[0].startswith("error: "), err
    return code


class Runnable(HTMLParser):
    """What a browser would run or follow in a page: ``on...`` attributes, links whose scheme is not
    http(s), and planted tags (an ``img`` or ``b`` holding the mark, a ``script`` that starts with ``alert(``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src") and re.match(r"\s*[a-z][\w+.-]*:", value, re.I) and not re.match(r"\s*https?:", value, re.I):
                self.found.append(f"<{tag} {name}={value[:60]!r}>")
        if tag in ("img", "b") and any(MARK in (v or "") for _, v in attrs):
            self.found.append(f"<{tag}> with the mark")

    def handle_data(self, data):
        if self.in_script and data.lstrip().startswith("alert("):
            self.found.append(f"<script>{data[:40]}")
        if self.lasttag == "b" and data.startswith(MARK):
            self.found.append("<b> with the mark")

    def handle_endtag(self, tag):
        self.in_script = False


def runnable_markup(html_dir: Path) -> list[tuple[str, str]]:
    found = []
    for page in html_dir.rglob("*.html"):
        parser = Runnable()
        parser.feed(page.read_text(errors="replace"))
        found += [(str(page.relative_to(html_dir)), what) for what in parser.found]
    return found


@pytest.fixture(scope="module")
def base(smoke_grid, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("fuzz-base") / "results"
    shutil.copytree(smoke_grid.results, copy, ignore=shutil.ignore_patterns(".*"))
    return copy


def fresh(base: Path, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(base, root / "results")
    return root


@settings(max_examples=examples(25), deadline=None, derandomize=DERANDOMIZE, database=None, phases=PHASES,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_findings_and_compare_succeed_or_say_one_line(base, tmp_path_factory, capsys, data):
    root = fresh(base, tmp_path_factory)
    results = root / "results"
    note(plant(results, data))
    before = listing(root, root / "none")
    one_line_or_success(["findings", "--profile", "smoke", "--results-dir", str(results)], capsys)
    one_line_or_success(["compare", str(results), str(results), "--profile", "smoke"], capsys)
    assert listing(root, root / "none") == before


@settings(max_examples=examples(6), deadline=None, derandomize=DERANDOMIZE, database=None, phases=PHASES,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_site_builds_or_says_one_line_writes_only_in_out_and_runs_nothing(base, tmp_path_factory, capsys, data):
    root = fresh(base, tmp_path_factory)
    results, out = root / "results", root / "a" / "b"
    note(plant(results, data))
    before = listing(root, out)
    code = one_line_or_success(["site", "--results-dir", str(results), "--out", str(out)], capsys)
    assert listing(root, out) - before <= {"a"}
    if code == 0:
        assert runnable_markup(out / "html") == []
