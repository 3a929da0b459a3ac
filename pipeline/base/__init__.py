"""What every part of the package shares, none of it about MRI: errors, the name rule, atomic
storage, random streams, provenance, imports by path, number formats, file locks, one-file
registries and the result tables' columns. Imports nothing else of the package."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the project: pipeline/ beside site/, examples/, results/
