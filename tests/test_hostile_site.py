"""Hostile text in results/ cannot script the leaderboard site.

Every string the site shows from a method file, a scenario file, a custom part, ``catalogue.json``
or a CSV is untrusted: it must come out as text, never as HTML, a Markdown link, a code fence's
end or an attribute. Each payload below is planted in a copy of the smoke results; the site built
from them is searched here for the payload in a dangerous form (this test needs no browser), and
``tests/test_browser.py`` visits every page of it in Chromium.

Every payload calls ``alert(/<its id>/)``, so that whatever fires, or is found, names the payload.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipeline.render import build_site


@dataclass(frozen=True)
class Payload:
    id: str
    where: str  # "catalogue", "runs" (a method's new name), "evaluated" (a method name) or "custom" (a model)
    key: tuple[str, ...]  # in catalogue.json (PROFILE stands for the profile's name); for "runs", the method
    text: str  # ALERT stands for alert(/id/)
    append: bool = False  # added to the catalogue's text rather than replacing it

    @property
    def marker(self) -> str:
        return f"alert(/{self.id}/)"

    @property
    def value(self) -> str:
        return self.text.replace("ALERT", self.marker)


LINK = "[click me](javascript:ALERT)"
PAYLOADS = [
    Payload("method-title", "catalogue", ("methods", "ssdu", "title"), "SSDU</title><script>ALERT</script>"),
    Payload("method-title-attributes", "catalogue", ("methods", "ei", "title"),
            "EI {: autofocus tabindex=0 onfocus=ALERT }"),
    Payload("scenario-title", "catalogue", ("scenarios", "mri", "title"), "Noiseless</title><script>ALERT</script>"),
    Payload("method-code-fence", "catalogue", ("methods", "uair", "code"), "\n````\n<script>ALERT</script>\n````\n",
            append=True),
    Payload("method-summary-link", "catalogue", ("methods", "moi", "summary"), LINK),
    Payload("method-reference-link", "catalogue", ("methods", "vortex", "reference"), LINK),
    Payload("method-url", "catalogue", ("methods", "supervised", "url"), "javascript:ALERT"),
    Payload("method-url-disguised", "catalogue", ("methods", "zero-filled", "url"), " JaVaScRiPt:ALERT"),
    Payload("method-setting-code-span", "catalogue", ("methods", "vortex", "settings", "noise_sigma"),
            f"0.1` {LINK} `"),
    Payload("method-departure-link", "catalogue", ("methods", "moc-ssdu-full", "departure"), LINK),
    Payload("method-doc-link", "catalogue", ("methods", "ddssl", "doc"), f"\n\nSee {LINK}.\n", append=True),
    Payload("method-doc-inline-maths-escape", "catalogue", ("methods", "ensure", "doc"),
            f"\n\nSee :math:`x\\) {LINK} \\(y`.\n", append=True),
    Payload("method-doc-block-maths-blank-line", "catalogue", ("methods", "robust-ei", "doc"),
            f"\n\n.. math::\n\n    x = 1\n\n    {LINK}\n", append=True),
    Payload("method-doc-block-maths-closed-early", "catalogue", ("methods", "mo-ei", "doc"),
            f"\n\n.. math::\n\n    x = 1 \\]\n    {LINK}\n", append=True),
    Payload("method-doc-maths-href", "catalogue", ("methods", "noise2inverse", "doc"),
            "\n\nSee :math:`\\href{javascript:ALERT}{click}`.\n", append=True),
    Payload("scenario-description-link", "catalogue", ("scenarios", "noisy", "description"), LINK),
    Payload("profile-description-link", "catalogue", ("profiles", "PROFILE"), LINK),
    # names read from tables (methods, scenarios, profiles) are refused by the gate before any page
    # is written (tests/test_gate.py); only free text reaches the pages
    Payload("custom-part-code-span", "custom", (), f"my.model` {LINK} `"),
]
IDS = [p.id for p in PAYLOADS]


def hostile_results(base: Path, to: Path) -> Path:
    """A copy of ``base``'s tables and catalogue (not its run folders) with every payload planted."""
    (profile,) = [p.parent.name for p in base.glob("*/runs.csv")]
    shutil.copytree(base / profile, to / profile, ignore=shutil.ignore_patterns("runs", "custom", "evaluated.csv"))
    catalogue = json.loads((base / "catalogue.json").read_text())
    tables = to / profile
    for payload in PAYLOADS:
        if payload.where == "catalogue":
            *parents, last = [profile if k == "PROFILE" else k for k in payload.key]
            entry = catalogue
            for k in parents:
                entry = entry[k]
            entry[last] = (entry[last] if payload.append else "") + payload.value
        elif payload.where == "custom":
            folder = tables / "custom" / "custom-0badc0de"
            folder.mkdir(parents=True)
            pd.read_csv(tables / "runs.csv").head(2).to_csv(folder / "runs.csv", index=False)
            parts = {"label": folder.name, "model": payload.value, "physics": None, "metrics": []}
            (folder / "custom.json").write_text(json.dumps(parts))
        else:
            raise AssertionError(payload.where)
    (to / "catalogue.json").write_text(json.dumps(catalogue))
    return to


def dangerous_forms(marker: str) -> list[re.Pattern]:
    """The payload as markup that runs: inside a <script>, a javascript: link or an on...= attribute."""
    m = re.escape(marker)
    return [re.compile(rf"<script\b[^>]*>[^<]*{m}", re.I),
            re.compile(rf"<[a-z][^>]*\shref\s*=\s*[\"']?\s*javascript:[^\"'>]*{m}", re.I),
            re.compile(rf"<[a-z][^>]*\son[a-z]+\s*=\s*[\"']?[^\"'>]*{m}", re.I)]


@pytest.fixture(scope="module")
def hostile_pages(smoke_grid, tmp_path_factory) -> dict[str, str]:
    """Every HTML page of the site built from the hostile results, by path."""
    results = hostile_results(smoke_grid.results, tmp_path_factory.mktemp("hostile-results"))
    site = build_site(results, tmp_path_factory.mktemp("hostile-site"))
    return {str(p.relative_to(site)): p.read_text() for p in sorted(site.rglob("*.html"))}


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_hostile_text_is_shown_as_text_never_as_markup(hostile_pages, payload):
    shown = [path for path, text in hostile_pages.items() if payload.marker in html.unescape(re.sub(r"<[^>]*>", "", text))]
    assert shown, f"{payload.id} is on no page: the test planted it nowhere the site reads"
    found = [(path, match.group(0)) for path, text in hostile_pages.items()
             for pattern in dangerous_forms(payload.marker) for match in pattern.finditer(text)]
    assert not found, found


def test_no_page_links_to_javascript(hostile_pages):
    found = [(path, m.group(0)) for path, text in hostile_pages.items()
             for m in re.finditer(r"<[a-z][^>]*\shref\s*=\s*[\"']?\s*javascript:[^\"'>]*", text, re.I)]
    assert not found, found
