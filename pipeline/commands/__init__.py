"""The commands of ``python -m pipeline``, each kept with its options and handler in the module of
its role: ``running`` (list, grid, run, benchmark, reproduce, evaluate), ``reporting`` (collect,
findings, check-terms, compare, site, readme) and ``contributing`` (contribute, changed-methods).

``COMMANDS`` is the one list: the parser and its help are made from it, in its order. Adding a
command is a ``Command`` in its role's module and one entry here. May import every other part of
the package; only ``pipeline.cli`` imports it.
"""

from pipeline.commands import contributing, reporting, running

COMMANDS = [running.LIST, running.GRID, running.RUN, running.BENCHMARK, running.REPRODUCE, reporting.COLLECT,
            running.EVALUATE, contributing.CONTRIBUTE, contributing.CHANGED_METHODS, reporting.FINDINGS,
            reporting.CHECK_TERMS, reporting.COMPARE, reporting.SITE, reporting.README]
