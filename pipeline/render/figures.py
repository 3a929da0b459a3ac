"""The site's figures, as plotly figure specs (dicts, drawn by the page's own plotly.js)."""

from __future__ import annotations

import numpy as np

from pipeline.analysis import agreement, leaderboard

GAIN_SCALE_DB = 5.0  # the heat map's colours saturate beyond ± this gain (its text gives the value)
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
           "#756bb1", "#636363", "#9c9ede", "#cedb9c", "#e7969c", "#de9ed6")  # 24: one per method, every figure


def method_colours(methods: list[str]) -> dict[str, str]:
    """One colour per method, the same in every figure of the site (``methods`` in a fixed order;
    beyond the palette's 24, colours repeat)."""
    return {m: PALETTE[k % len(PALETTE)] for k, m in enumerate(methods)}


def gain_figure(p: leaderboard.Profile, scenario: str) -> dict | None:
    """A plotly scatter: each method's PSNR gain over zero-filled, ours against the paper's."""
    table = agreement.gains(p, scenario).dropna()
    if table.empty:
        return None
    ends = [min(table.gain.min(), table.paper_gain.min()) - 0.5, max(table.gain.max(), table.paper_gain.max()) + 0.5]
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "x": ends, "y": ends, "name": "same gain",
             "line": {"dash": "dash", "color": "#aaa"}, "hoverinfo": "skip"},
            {"type": "scatter", "mode": "markers+text", "x": list(table.paper_gain), "y": list(table.gain),
             "text": list(table.method), "textposition": "top center", "name": "methods",
             "marker": {"color": "#3f51b5", "size": 9}},
        ],
        "layout": {"title": {"text": "Gain over zero-filled: ours against the paper's"}, "height": 460,
                   "showlegend": False, "xaxis": {"title": {"text": "paper (fastMRI 320², dB)"}, "zeroline": True},
                   "yaxis": {"title": {"text": f"profile {p.name} (dB)"}, "zeroline": True},
                   "margin": {"l": 60, "r": 10, "t": 40, "b": 50}},
    }


def curve_figure(p: leaderboard.Profile, scenario: str) -> dict | None:
    """A plotly figure: each method's test PSNR along training (mean over seeds), one line each."""
    if p.curves is None:
        return None
    curves = p.curves[p.curves.scenario == scenario]
    if curves.empty:
        return None
    mean = curves.groupby(["method", "epoch"], sort=False)[["psnr", "images"]].mean().reset_index()
    colours = method_colours(list(p.catalogue.methods))
    traces = [{"type": "scatter", "mode": "lines+markers", "name": method, "x": list(group.epoch), "y": list(group.psnr),
               "line": {"color": colours.get(method), "dash": "dot" if p.catalogue.methods.get(method) and
                        p.catalogue.methods[method].variant_of else "solid"}, "marker": {"color": colours.get(method)}}
              for method, group in mean.groupby("method", sort=True)]
    images = int(curves.images.max())
    return {"data": traces,
            "layout": {"title": {"text": f"Test PSNR during training (first {images} test images)"}, "height": 460,
                       "xaxis": {"title": {"text": "epoch"}}, "yaxis": {"title": {"text": "dB"}},
                       "margin": {"l": 50, "r": 10, "t": 40, "b": 50}}}


def finite_or_none(values) -> list:
    """The values for a figure's JSON: NaN becomes null, which JSON (and so the browser) can read."""
    return [float(v) if np.isfinite(v) else None for v in values]


def metric_figure(table, metric: str) -> dict:
    """A plotly figure spec: one point per method with its 95 % CI as error bars."""
    table = table[table[metric].notna()]  # diverged methods have no score to plot
    return {
        "data": [{
            "type": "scatter", "mode": "markers", "x": list(table.method), "y": list(table[metric]),
            "error_y": {"type": "data", "symmetric": False,  # no bar (null, not NaN: JSON) where one seed gives no CI
                        "array": finite_or_none(table[f"{metric}_ci_high"] - table[metric]),
                        "arrayminus": finite_or_none(table[metric] - table[f"{metric}_ci_low"])},
            "marker": {"color": ["#888" if r.reference else "#c77c00" if r.variant else "#3f51b5"
                                 for r in table.itertuples()]},
        }],
        "layout": {"title": {"text": f"{metric.upper()} with 95 % CI"}, "height": 360,
                   "yaxis": {"title": {"text": "dB" if metric == "psnr" else "SSIM"}},
                   "margin": {"l": 50, "r": 10, "t": 40, "b": 90}},
    }


def rank_figure(ranks) -> dict:
    """challengeR's blob plot: per method (ordered by mean rank), a dot at each rank it took in the
    bootstrap samples, its area the share of samples; the median as a cross, the 95 % interval a bar."""
    ranks = ranks.sort_values("mean_rank", kind="stable")
    x, y, share = [], [], []
    for row in ranks.itertuples():
        for rank, part in row.shares.items():
            x.append(row.method)
            y.append(rank)
            share.append(part)
    methods = list(ranks.method)
    return {
        "data": [
            {"type": "scatter", "mode": "markers", "x": x, "y": y, "name": "share of samples",
             "marker": {"size": [4 + 36 * part ** 0.5 for part in share], "color": "#3f51b5", "opacity": 0.55},
             "customdata": [round(100 * part, 1) for part in share],
             "hovertemplate": "%{x}: rank %{y} in %{customdata} % of samples<extra></extra>"},
            {"type": "scatter", "mode": "markers", "x": methods, "y": list(ranks.median_rank), "name": "median",
             "marker": {"symbol": "x-thin", "size": 12, "line": {"width": 2, "color": "#b3261e"}},
             "error_y": {"type": "data", "symmetric": False, "color": "#b3261e",
                         "array": list(ranks.rank_high - ranks.median_rank),
                         "arrayminus": list(ranks.median_rank - ranks.rank_low)},
             "hovertemplate": "%{x}: median rank %{y}<extra></extra>"},
        ],
        "layout": {"title": {"text": "Rank in 2000 bootstrap samples (seeds, then images): dot area = share; "
                                     "cross and bar = median and 95 % interval"},
                   "height": 440, "showlegend": False, "margin": {"l": 50, "r": 10, "t": 40, "b": 110},
                   "yaxis": {"title": {"text": "rank (1 = best)"}, "range": [len(methods) + 0.5, 0.5], "dtick": 1},
                   "xaxis": {"categoryorder": "array", "categoryarray": methods}},
    }


def cost_figure(points, hardware: str, colours: dict[str, str]) -> dict:
    """PSNR against training time per run: one point per trained method (a trace each, coloured as
    in every figure, named in the legend and on hover), the Pareto front of the self-supervised
    methods (no other is both cheaper and better) as a step line, and each method without
    training (zero-filled) as a horizontal line, never a point. The time axis covers the trained
    methods. ``points``: method, psnr, train_seconds, trains, reference."""
    points = points.dropna(subset=["psnr"])
    untrained = points[~points.trains]
    trained = points[points.trains].sort_values(["train_seconds", "psnr"], ascending=[True, False])
    front, best = [], float("-inf")
    for row in trained[~trained.reference].itertuples():
        if row.psnr > best:
            front.append(row)
            best = row.psnr
    low, high = (trained.train_seconds.min(), trained.train_seconds.max()) if len(trained) else (1.0, 10.0)
    logarithmic = low > 0 and high > 10 * low  # a log axis needs positive times
    pad = 0.05 * (high - low) if high > low else 0.05 * high
    span = [low / 1.3, high * 1.3] if logarithmic else [low - pad, high + pad]
    on_front = {r.method for r in front}
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "x": [r.train_seconds for r in front], "y": [r.psnr for r in front],
             "line": {"shape": "hv", "dash": "dot", "color": "#b3261e"}, "name": "Pareto front", "hoverinfo": "skip"},
            *[{"type": "scatter", "mode": "markers", "x": [row.train_seconds], "y": [row.psnr], "name": row.method,
               "marker": {"size": 12 if row.method in on_front else 9, "color": colours.get(row.method, "#3f51b5"),
                          "symbol": "diamond" if row.reference else "circle",
                          "line": {"width": 2 if row.method in on_front else 0, "color": "#b3261e"}},
               "hovertemplate": f"{row.method}: %{{y:.2f}} dB, %{{x:.0f}} s<extra></extra>"}
              for row in trained.itertuples()],
            *[{"type": "scatter", "mode": "lines", "x": span, "y": [row.psnr, row.psnr],
               "line": {"dash": "dash", "color": "#888"}, "name": f"{row.method} (no training)",
               "hovertemplate": f"{row.method} (no training): %{{y:.2f}} dB<extra></extra>"}
              for row in untrained.itertuples()],
        ],
        "layout": {"title": {"text": f"PSNR against training time per run ({hardware})"}, "height": 480,
                   "showlegend": True, "legend": {"font": {"size": 10}}, "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
                   "xaxis": {"title": {"text": "training time per run (s, mean over seeds)"},
                             "type": "log" if logarithmic else "linear",
                             "range": [float(np.log10(v)) for v in span] if logarithmic else span},
                   "yaxis": {"title": {"text": "PSNR (dB, mean over seeds)"}}},
    }


def gain_heatmap(gains, scenarios: list[str]) -> dict:
    """Methods x scenarios: PSNR gain over zero-filled (dB), diverging colours around zero.
    ``gains``: one row per method (in display order), one column per scenario (NaN: not run)."""
    values = [[None if v != v else round(float(v), 2) for v in row] for row in gains[scenarios].to_numpy()]
    return {
        "data": [{"type": "heatmap", "z": values, "x": scenarios, "y": list(gains.index), "zmid": 0, "zmin": -GAIN_SCALE_DB, "zmax": GAIN_SCALE_DB,
                  "colorscale": "RdBu", "reversescale": True,
                  "colorbar": {"title": {"text": f"dB (colours stop at ±{GAIN_SCALE_DB:g})"}},
                  "text": [["—" if v is None else f"{v:+.2f}" for v in row] for row in values],
                  "texttemplate": "%{text}", "hovertemplate": "%{y} in %{x}: %{z:+.2f} dB over zero-filled<extra></extra>"}],
        "layout": {"title": {"text": "Gain in PSNR over zero-filled (dB, mean over seeds)"},
                   "height": 100 + 22 * len(gains), "margin": {"l": 130, "r": 10, "t": 40, "b": 40},
                   "yaxis": {"autorange": "reversed"}},
    }
