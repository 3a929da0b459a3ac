"""Differences and their CIs as text, with as many decimals as their signs need: the site, the
reports and the printed findings show the same numbers the same way."""

from __future__ import annotations

import math


def decimals_for(*values: float, start: int = 2, most: int = 4) -> int:
    """The fewest decimals (from ``start``, at most ``most``) at which no non-zero value rounds to
    zero: a CI bound of -0.004 shown as +0.00 would hide the sign that decides significance."""
    places = start
    while places < most and any(v != 0 and round(v, places) == 0 for v in values if v == v):
        places += 1
    return places


def signed(value: float) -> str:
    """A difference with its sign (``decimals_for``)."""
    return f"{value:+.{decimals_for(value)}f}"


def ci(bounds: tuple[float, float]) -> str:
    """A CI of a difference as [low, high], both with their signs and the same decimals."""
    low, high = bounds
    if math.isnan(low) or math.isnan(high):
        return "[no interval: one seed]"
    places = decimals_for(low, high)
    return f"[{low:+.{places}f}, {high:+.{places}f}]"


def interval(bounds: tuple[float, float], form: str = "%.2f") -> str:
    """A CI of a score as [low, high] (``form`` for each bound), or says that one seed gives none."""
    low, high = bounds
    if math.isnan(low) or math.isnan(high):
        return "[no interval: one seed]"
    return f"[{form % low}, {form % high}]"
