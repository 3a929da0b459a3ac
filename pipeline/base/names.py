"""The one rule for names that the benchmark turns into folders, file names, Makefile targets, site
URLs and CSV columns: those of methods, scenarios, custom-part labels and metrics.

A name that follows it cannot leave its folder (no ``/``, ``..`` or absolute path), break the
Makefile grid (no space), start a spreadsheet formula (no leading ``=``, ``+``, ``-``, ``@``) or
make a file name longer than a file system allows.
"""

from __future__ import annotations

import re

from pipeline.base.errors import UsageError

LONGEST = 64  # a page, a weights path and a run folder are built from it: far under a file system's 255
NAME = re.compile(rf"[a-z][a-z0-9-]{{0,{LONGEST - 1}}}")
RULE = f"lower-case letters, digits and '-', starting with a letter, at most {LONGEST} characters (like 'moc-ssdu')"


def check_name(name: object, what: str, where: str) -> str:
    """``name`` if it follows the rule; otherwise a one-line UsageError saying ``where`` the
    ``what`` (method, scenario, metric...) was registered and what a name must be."""
    if isinstance(name, str) and NAME.fullmatch(name):
        return name
    raise UsageError(f"{what} name {name!r} {where} is not allowed: a name must be {RULE}; rename it")
