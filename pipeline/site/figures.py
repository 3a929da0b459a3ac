"""The site's figures, as plotly figure specs (dicts, drawn by the page's own plotly.js)."""

from __future__ import annotations

from pipeline import agreement, leaderboard


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
