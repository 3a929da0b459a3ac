"""What the embedded dataset is, written once for the site's "Data and scale" page.

The site never runs torch or reads the template, so this module writes what the page shows
into ``site/data/``: ``mni.json`` (the template, the split rule, the slices of each split per
orientation, and the subset each profile on ``mni`` takes) and ``mni-slices.png`` (training and
test slices of each orientation as the network sees them, at the headline's size). A test
checks that the committed files still match the code; ``make data-overview`` writes them again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from pipeline.base import PROJECT_ROOT
from pipeline.setting.data import mni
from pipeline.setting.data.prepare import even_subset, to_complex_image
from pipeline.setting.profiles import HEADLINE, MNI_SPLIT_VERSION, PROFILES

FOLDER = PROJECT_ROOT / "site" / "data"
EXAMPLES = 3  # slices per split and orientation in the figure


def per_orientation(ids: list[tuple[int, int]]) -> dict[str, int]:
    return {name: sum(axis == k for axis, _ in ids) for k, name in enumerate(mni.ORIENTATIONS)}


def overview(volume: np.ndarray | None = None) -> dict:
    """The template, the rule that splits it and the counts the page states (JSON-ready)."""
    volume = mni.load_volume() if volume is None else volume
    ids = mni.split_ids(volume)
    profiles = {}
    for p in PROFILES.values():
        if p.dataset == "mni":
            chosen = {split: [ids[split][k] for k in even_subset(len(ids[split]), n)]
                      for split, n in (("train", p.n_train), ("test", p.n_test))}
            profiles[p.name] = {"img_size": p.img_size, **{split: per_orientation(c) for split, c in chosen.items()}}
    return {
        "template": mni.TEMPLATE, "split_version": MNI_SPLIT_VERSION, "shape": list(volume.shape), "voxel_mm": 1,
        "min_brain_fraction": mni.MIN_BRAIN_FRACTION, "block": mni.BLOCK, "test_every": mni.TEST_EVERY, "gap": mni.GAP,
        "orientations": list(mni.ORIENTATIONS),
        "split": {split: per_orientation(found) for split, found in ids.items()},
        "profiles": profiles, "figure_size": PROFILES[HEADLINE].img_size,
    }


def write_figure(volume: np.ndarray, path: Path, size: int) -> None:
    """Training and test slices of each orientation, evenly spread, at ``size``x``size``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ids = mni.split_ids(volume)
    figure, axes = plt.subplots(3, 2 * EXAMPLES, figsize=(2 * EXAMPLES * 1.3, 3 * 1.45))
    for row, orientation in enumerate(mni.ORIENTATIONS):
        for half, split in enumerate(("train", "test")):
            found = [i for axis, i in ids[split] if axis == row]
            for k, index in enumerate(np.asarray(found)[even_subset(len(found), EXAMPLES)]):
                image = to_complex_image(mni.oriented_slice(volume, row, int(index)), size)[0].numpy()
                ax = axes[row, half * EXAMPLES + k]
                ax.imshow(image, cmap="gray", vmin=0, vmax=1)
                ax.set_title(f"{split} {orientation[:3]}. {index}", fontsize=7)
                ax.set_axis_off()
    figure.tight_layout(pad=0.3)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    volume = mni.load_volume()
    (FOLDER / "mni.json").write_text(json.dumps(overview(volume), indent=1) + "\n")
    write_figure(volume, FOLDER / "mni-slices.png", PROFILES[HEADLINE].img_size)
    print(f"wrote {FOLDER / 'mni.json'} and {FOLDER / 'mni-slices.png'}", file=sys.stderr)


if __name__ == "__main__":
    main()
