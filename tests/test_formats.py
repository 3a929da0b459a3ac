"""Differences and CIs as text: the signs that decide a verdict survive rounding, and a CI that
one seed cannot give says so instead of printing NaN."""

from __future__ import annotations

from pipeline.base.formats import ci


def test_a_ci_keeps_the_sign_that_decides_significance():
    assert ci((-0.004, 0.5)) == "[-0.004, +0.500]"
    assert ci((1.0, 2.25)) == "[+1.00, +2.25]"


def test_one_seed_has_no_interval_in_words():
    assert ci((float("nan"), float("nan"))) == "[no interval: one seed]"
