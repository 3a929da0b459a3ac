"""The site's figures, as plotly figure specs (dicts, drawn by the page's own plotly.js)."""

from __future__ import annotations

from pipeline import agreement, leaderboard

GAIN_SCALE_DB = 5.0  # the heat map's colours saturate beyond ± this gain (its text gives the value)


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
    traces = [{"type": "scatter", "mode": "lines+markers", "name": method, "x": list(group.epoch), "y": list(group.psnr)}
              for method, group in mean.groupby("method", sort=True)]
    images = int(curves.images.max())
    return {"data": traces,
            "layout": {"title": {"text": f"Test PSNR during training (first {images} test images)"}, "height": 460,
                       "xaxis": {"title": {"text": "epoch"}}, "yaxis": {"title": {"text": "dB"}},
                       "margin": {"l": 50, "r": 10, "t": 40, "b": 50}}}


def metric_figure(table, metric: str) -> dict:
    """A plotly figure spec: one point per method with its 95 % CI as error bars."""
    table = table[table[metric].notna()]  # diverged methods have no score to plot
    return {
        "data": [{
            "type": "scatter", "mode": "markers", "x": list(table.method), "y": list(table[metric]),
            "error_y": {"type": "data", "symmetric": False,
                        "array": list(table[f"{metric}_ci_high"] - table[metric]),
                        "arrayminus": list(table[metric] - table[f"{metric}_ci_low"])},
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


def cost_figure(points, hardware: str) -> dict:
    """PSNR against training time per run, one point per trained method, the Pareto front (no other
    method is both cheaper and better) drawn as a step line, and the PSNR of the methods without
    training (zero-filled) as a horizontal line. ``points``: method, psnr, train_seconds."""
    points = points.dropna(subset=["psnr"])
    untrained = points[points.train_seconds <= 0]
    points = points[points.train_seconds > 0].sort_values(["train_seconds", "psnr"], ascending=[True, False])
    front, best = [], float("-inf")
    for row in points.itertuples():
        if row.psnr > best:
            front.append(row)
            best = row.psnr
    return {
        "data": [
            {"type": "scatter", "mode": "lines", "x": [r.train_seconds for r in front], "y": [r.psnr for r in front],
             "line": {"shape": "hv", "dash": "dot", "color": "#b3261e"}, "name": "Pareto front", "hoverinfo": "skip"},
            {"type": "scatter", "mode": "markers+text", "x": list(points.train_seconds), "y": list(points.psnr),
             "text": list(points.method), "textposition": "top center", "name": "methods",
             "marker": {"size": 9, "color": ["#b3261e" if m in {r.method for r in front} else "#3f51b5"
                                             for m in points.method]},
             "hovertemplate": "%{text}: %{y:.2f} dB, %{x:.0f} s<extra></extra>"},
        ] + [{"type": "scatter", "mode": "lines+text", "x": [points.train_seconds.min(), points.train_seconds.max()],
              "y": [row.psnr, row.psnr], "text": [f"{row.method} (no training)", ""], "textposition": "bottom right",
              "line": {"dash": "dash", "color": "#888"}, "name": row.method, "hoverinfo": "skip"}
             for row in untrained.itertuples()],
        "layout": {"title": {"text": f"PSNR against training time per run ({hardware})"}, "height": 460,
                   "showlegend": False, "margin": {"l": 60, "r": 10, "t": 40, "b": 50},
                   "xaxis": {"title": {"text": "training time per run (s, mean over seeds)"}, "type": "log"},
                   "yaxis": {"title": {"text": "PSNR (dB, mean over seeds)"}}},
    }


def gain_heatmap(gains, scenarios: list[str]) -> dict:
    """Methods x scenarios: PSNR gain over zero-filled (dB), diverging colours around zero.
    ``gains``: one row per method (in display order), one column per scenario (NaN: not run)."""
    values = [[None if v != v else round(float(v), 2) for v in row] for row in gains[scenarios].to_numpy()]
    return {
        "data": [{"type": "heatmap", "z": values, "x": scenarios, "y": list(gains.index), "zmid": 0, "zmin": -GAIN_SCALE_DB, "zmax": GAIN_SCALE_DB,
                  "colorscale": "RdBu", "reversescale": True, "colorbar": {"title": {"text": "dB"}},
                  "text": [["—" if v is None else f"{v:+.2f}" for v in row] for row in values],
                  "texttemplate": "%{text}", "hovertemplate": "%{y} in %{x}: %{z:+.2f} dB over zero-filled<extra></extra>"}],
        "layout": {"title": {"text": "Gain in PSNR over zero-filled (dB, mean over seeds)"},
                   "height": 100 + 22 * len(gains), "margin": {"l": 130, "r": 10, "t": 40, "b": 40},
                   "yaxis": {"autorange": "reversed"}},
    }
