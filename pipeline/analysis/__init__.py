"""From run folders to statistics, without torch except ``collect``: the tables (``collect``,
``gate``, ``catalogue``), rankings and their uncertainty (``ranking``, ``leaderboard``), the
paper's numbers and findings (``published``, ``agreement``, ``disagreement``, ``findings``), the
budget (``convergence``, ``collapse``, ``doubling``, ``gridtime``), two settings compared
(``compare``), the verdicts the site shows (``verdicts``) and a contributed method's report
(``contribute``). May import ``base``, ``setting``, ``methods`` and ``run``."""
