"""Benchmark of self-supervised losses for accelerated MRI reconstruction.

A *run* is one (profile, scenario, method, seed): it trains MoDL with the method's loss on
simulated measurements and evaluates it against ground truth on a held-out split.

The package's folders, each importing only those listed before it:

- ``base``: what every part shares (storage, streams, names, errors, tables' columns);
- ``setting``: what is held constant (profiles, scenarios, physics, model, data, measurements);
- ``losses`` and ``methods``: what is compared, one file per method;
- ``run``: one run, from its spec to its folder;
- ``analysis``: from run folders to tables and statistics;
- ``grid``: many runs, here or on a cluster;
- ``render``: the leaderboard site, from what ``analysis`` computes;
- ``commands``: the command line's commands (``cli`` parses, ``__main__`` starts it).
"""

from pipeline.base import kernels

kernels.pin()  # before anything of the package imports torch: the same bits on every x86-64 machine
