"""What each page of the site shows: the data handed to its template (``site/templates``),
computed from the profiles' tables; and ``render_pages``, which writes every page.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from pipeline.analysis import agreement, collapse, contribute, convergence, disagreement, doubling, findings, leaderboard, ranking
from pipeline.analysis.verdicts import Verdicts, verdicts
from pipeline.base import storage, tables
from pipeline.analysis.catalogue import Catalogue, MethodInfo
from pipeline.analysis.published import PUBLISHED
from pipeline.render import reference
from pipeline.render.figures import (
    GAIN_SCALE_DB, cost_figure, curve_figure, gain_figure, gain_heatmap, method_colours, metric_figure, rank_figure,
)
from pipeline.render.images import gallery, shipped_weights
from pipeline.render.markup import docstring_markdown, environment, md_text
from pipeline.render.reference import scale

AGREEMENT_TARGET = 0.8  # Kendall's τ with the paper's PSNR ranking that a profile should reach
WIDE_RANKS = 3  # a 95 % rank interval this wide (rank_high - rank_low) or wider is named under the blob plot


def render_pages(profiles: list[leaderboard.Profile], known: Catalogue, docs: Path, results_dir: Path) -> None:
    env = environment()
    judged = {p.name: verdicts(p) for p in profiles}

    def write(path: str, template: str, **context) -> None:
        target = storage.inside(docs, docs / path)  # names in paths come from a results folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(env.get_template(template).render(**context))

    headline, others = profiles[0], profiles[1:]
    write("index.md", "index.md.j2", scenarios=list(known.scenarios.values()), headline=home(headline),
          others=[{"name": o.name, "description": o.catalogue.describe_profile(o.name)} for o in others],
          linked=set(headline.scenarios), agreement=agreement_panel(profiles, judged))
    for other in others:
        write(f"profiles/{other.name}.md", "profile.md.j2", board=home(other, root="../../", md_root="../"))
    for p in profiles:
        for scenario in p.scenarios:
            write(f"scenarios/{p.name}-{scenario}.md", "scenario.md.j2",
                  **scenario_page(p, scenario, docs, judged[p.name].taus, p is headline),
                  disagreements=judged[p.name].reversed_pairs[scenario], verdicts=disagreement.VERDICTS,
                  budgets=judged[p.name].budgets[scenario], tau_enough=doubling.TAU_ENOUGH)
    weights = shipped_weights(results_dir, docs)
    for method in known.methods.values():
        write(f"methods/{method.name}.md", "method.md.j2", **method_page(method, known, profiles, weights.get(method.name, [])))
    site = reference.Site(profiles, known, docs, results_dir)
    for page in reference.PAGES:
        context = page.context(site)
        if context is not None:  # nothing to show: the page is neither written nor in the menu
            write(page.file, page.template, **context)


def leaderboard_order(p: leaderboard.Profile) -> tuple[dict[str, pd.DataFrame], list[str], dict]:
    """The paper's methods (variants left out) in the leaderboard's order, by relative rank over
    the scenarios: each scenario's table indexed by method, the ordered methods, and the ranks
    (the home page and README both show rows in this order)."""
    tables = {s: leaderboard.scenario_table(p, s).set_index("method") for s in p.scenarios}
    tables = {s: t[~t.variant] for s, t in tables.items()}
    relative = {s: ranking.relative_ranks(leaderboard.rank_table(p, s), tables[s]) for s in p.scenarios}
    methods = sorted({m for t in tables.values() for m in t.index}, key=lambda m: (ranking.relative_rank(m, relative), m))
    return tables, methods, relative


def home(p: leaderboard.Profile, root: str = "", md_root: str = "") -> dict:
    """The profile's leaderboard: the paper's methods (variants are on the scenario pages) ordered
    by their relative rank, each scenario's rank and PSNR, the heat map of their gain over
    zero-filled, the findings checked and the collapsed runs. ``root`` and ``md_root`` lead from
    the page that shows it to the site's root (raw HTML and Markdown links)."""
    tables, methods, relative = leaderboard_order(p)
    rows = []
    for method in methods:
        cells = [{**tables[s].loc[method].to_dict(), "field": int(tables[s].psnr.notna().sum())}
                 if method in tables[s].index else None for s in p.scenarios]
        rank = ranking.relative_rank(method, relative)
        rows.append({"method": method, "reference": method in leaderboard.REFERENCES, "cells": cells,
                     "relative_rank": rank if np.isfinite(rank) else None})
    gains = pd.DataFrame({s: t.psnr - t.psnr.get("zero-filled", float("nan")) for s, t in tables.items()},
                         index=methods, columns=p.scenarios)
    return {"name": p.name, "description": p.catalogue.describe_profile(p.name), "scale": scale(p), "n_runs": len(p.runs),
            "scenarios": p.scenarios, "version": leaderboard.results_version(p), "root": root, "md_root": md_root, "rows": rows, "gain_scale": GAIN_SCALE_DB,
            "gain_heatmap": json.dumps(gain_heatmap(gains.drop(index="zero-filled", errors="ignore"), p.scenarios)),
            "findings": findings.summary(findings.check_findings(p)),
            "collapsed": [{"scenario": s, "method": m, "what": end.describe()}
                          for (s, m), end in leaderboard.curve_ends(p).items() if end.collapsed],
            "rules": findings.RULE_TEXT, "curve_rule": convergence.RULE_TEXT, "collapse_rule": collapse.RULE_TEXT}


def agreement_panel(profiles: list[leaderboard.Profile], judged: dict[str, Verdicts]) -> dict:
    """Kendall's τ with the paper's ranking, per profile and scenario with published numbers, and
    how many of the paper's separated pairs are reversed here (and settled so), and the doubling
    test of the largest budget."""
    scenarios = [s for s in profiles[0].catalogue.scenarios if s in PUBLISHED and any(s in p.scenarios for p in profiles)]
    rows = []
    for p in profiles:
        found = {(a.scenario, a.metric): a for a in judged[p.name].taus}
        reversed_pairs, budgets = judged[p.name].reversed_pairs, judged[p.name].budgets
        rows.append({"profile": p.name, "cells": [
            {"psnr": found[(s, "psnr")].tau, "ssim": found[(s, "ssim")].tau, "n": found[(s, "psnr")].n_methods,
             "same_order": found[(s, "psnr")].same_order, "separated": found[(s, "psnr")].separated,
             "reversed": len(reversed_pairs[s]),
             "settled": sum(d.verdict == disagreement.SETTLED for d in reversed_pairs[s]),
             "budget": budgets[s][-1] if budgets[s] else None}
            if (s, "psnr") in found else None for s in scenarios],
            "short": [(s, found[(s, "psnr")].tau) for s in scenarios
                      if (s, "psnr") in found and found[(s, "psnr")].tau < AGREEMENT_TARGET]})
    return {"scenarios": scenarios, "rows": rows, "target": AGREEMENT_TARGET}


def scenario_page(p: leaderboard.Profile, scenario: str, docs: Path, taus: list[agreement.Agreement],
                  headline: bool) -> dict:
    table = leaderboard.scenario_table(p, scenario)
    runs = p.runs[p.runs.scenario == scenario]
    per_epoch = leaderboard.seconds_per_epoch(p, scenario)
    ranks = leaderboard.rank_table(p, scenario).set_index("method")
    ends = leaderboard.curve_ends(p)
    rows = [{**row, "curve_end": ends.get((scenario, row["method"])), "seconds_per_epoch": per_epoch.get(row["method"], float("nan")),
             **(ranks.loc[row["method"]].to_dict() if row["method"] in ranks.index else {"p_best": None})}
            for row in table.to_dict("records")]
    published = PUBLISHED.get(scenario, {})
    return {
        "scenario": p.catalogue.scenarios.get(scenario, {"title": scenario, "description": ""}),
        "profile": {"name": p.name, "description": p.catalogue.describe_profile(p.name), "scale": scale(p),
                    "page": "../index.md" if headline else f"../profiles/{p.name}.md"},
        "table": rows,
        "curve_rule": convergence.RULE_TEXT,
        "figures": [json.dumps(metric_figure(table, metric)) for metric in ("psnr", "ssim")],
        "rank_figure": json.dumps(rank_figure(ranks.reset_index())),
        "wide_ranks": [r for r in ranks.reset_index().itertuples() if r.rank_high - r.rank_low >= WIDE_RANKS],
        "wide_ranks_at": WIDE_RANKS,
        "significance": {metric: significance_map(p, scenario, list(ranks.index), metric) for metric in ("psnr", "ssim")},
        "hardware": hardware(runs),
        "mixed_kernels": tables.mixed_kernels(runs),
        "cost_figure": json.dumps(cost_figure(table.assign(trains=table.method.map(per_epoch).notna())[
            ["method", "psnr", "train_seconds", "trains", "reference"]], hardware(runs), method_colours(list(p.catalogue.methods)))),
        "agreement": {a.metric: a for a in taus if a.scenario == scenario},
        "n_test": int(runs.n_test.max()) if len(runs) else 0,
        "gain_figure": json.dumps(figure) if (figure := gain_figure(p, scenario)) else None,
        "curve_figure": json.dumps(figure) if (figure := curve_figure(p, scenario)) else None,
        "comparisons": [{"baseline": b, "rows": leaderboard.paired_comparison(p, scenario, b).to_dict("records")}
                        for b in leaderboard.REFERENCES if b in set(table.method)],
        "gallery": gallery(p, scenario, list(table.method), docs),
        "published": [(m, published[m]) for m in table.method if m in published],
    }


def significance_map(p: leaderboard.Profile, scenario: str, methods: list[str], metric: str) -> list[dict]:
    """Rows of the methods x methods matrix (leaderboard order): each cell the paired mean
    difference row - column with its 95 % CI, and whether the CI excludes zero."""
    cells = ranking.significance(p.per_image[p.per_image.scenario == scenario], methods, metric)
    by_pair = {(c.row, c.column): c for c in cells.itertuples()}
    return [{"method": a, "cells": [by_pair[a, b] for b in methods]} for a in methods]


def hardware(runs) -> str:
    """Where the runs trained, for the cost figure: the machines (a name recorded before runs named
    their CPU model is left out where a fuller one begins with it), the device kind and the torch
    threads per run. How many runs shared the machine is not recorded, so it is not claimed."""
    names = list(dict.fromkeys(runs.device_name.astype(str)))
    names = [n for n in names if not any(other != n and other.startswith(n) for other in names)]
    threads = "/".join(str(t) for t in sorted(set(runs.threads.dropna().astype(int))))
    return f"{'; '.join(names)}, {', '.join(dict.fromkeys(runs.device.astype(str)))}, {threads} torch thread{'s' if threads != '1' else ''} per run"


def method_page(method: MethodInfo, known: Catalogue, profiles: list[leaderboard.Profile],
                weights: list[dict]) -> dict:
    """The method's page: its doc, its variants, its shipped weights and where it ranks in each profile."""
    results = []
    for p in profiles:
        rows = [leaderboard.scenario_table(p, s).set_index("method").loc[method.name].to_dict() | {"scenario": s}
                for s in p.scenarios if method.name in set(p.runs.method[p.runs.scenario == s])]
        if rows:  # the scenario tables' means and CIs, as the leaderboard shows them
            results.append({"profile": p.name, "rows": rows,
                            "standing": Markup("\n".join(contribute.standing(p, method.name, "####", md_text)))})
    return {"method": method, "doc": docstring_markdown(method.doc), "results": results,
            "variants": known.variants_of(method.name), "weights": weights}
