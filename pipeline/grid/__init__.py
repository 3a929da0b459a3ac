"""Many runs: which runs a request names (``request``, ``plan``), doing them here or as Slurm jobs
(``executor``, ``cluster``, ``slurm``), doing committed ones again (``reproduce``), and which
methods a branch changes (``changes``). May import ``base``, ``setting``, ``methods``, ``run`` and
``analysis`` (to collect the tables)."""
