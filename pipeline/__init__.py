"""Benchmark of self-supervised losses for accelerated MRI reconstruction.

A *run* is one (profile, scenario, method, seed): it trains MoDL with the method's loss on
simulated measurements and evaluates it against ground truth on a held-out split. See
``pipeline.runs`` for the run life cycle and ``pipeline.collect`` for the result tables.
"""
