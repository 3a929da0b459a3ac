"""The leaderboard site, rendered from ``results/`` without torch: ``build`` runs MkDocs on the
pages that ``pages`` writes (their data), with the figures of ``figures``, the images of
``images`` and the text filters of ``markup``; ``readme`` writes the headline's numbers into
README from the same data. Imports flow readme -> build -> pages -> figures/images -> markup.
May import ``base``, ``setting`` and ``analysis``; nothing that trains.
"""

from pipeline.render.build import build_site

__all__ = ["build_site"]
