"""One run, from its spec to its folder: the spec and its config hash (``spec``), the parts it is
built from (``setup``), training (``training``, ``batches``, ``curves``), evaluation, kept weights
(``checkpoints``), the life cycle of its folder (``execute``), and the checks made on a method by
training it: every loss term alive (``liveterms``), the ground truth out of reach (``guard``).
May import ``base``, ``setting``, ``losses`` and ``methods``."""
