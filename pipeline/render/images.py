"""The images of the site: the gallery's reconstructions and error maps as PNG files, and the
shipped weights copied into its downloads."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np

from pipeline.analysis import gate, leaderboard
from pipeline.base import reading, storage
from pipeline.base.names import check_name

ERROR_MAX = 0.2  # colour scale of the error maps


def gallery(p: leaderboard.Profile, scenario: str, methods: list[str], docs: Path) -> dict:
    """PNG files of the targets, each method's reconstructions and error maps (lowest seed), by
    test image, and the error maps' colour bar."""
    seed = int(p.runs[p.runs.scenario == scenario].seed.min())
    order = ["zero-filled"] + [m for m in methods if m != "zero-filled"]
    arrays = {}
    for method in order:
        path = p.folder / "runs" / scenario / method / f"seed{seed}" / "gallery.npz"
        if os.path.lexists(path):  # a folder or a pipe in its place is refused, not passed over
            arrays[method] = gate.read_gallery(path)
    shapes = {m: a["recon"].shape[1:] for m, a in arrays.items()}
    for method, shape in shapes.items():
        if shape != next(iter(shapes.values())):  # one image size per gallery: the error maps subtract them
            print(f"warning: {p.folder}/runs/{scenario}/{method}/seed{seed}/gallery.npz holds images of "
                  f"{shape}, not {next(iter(shapes.values()))}: left out of the gallery", file=sys.stderr)
            del arrays[method]
    out = storage.inside(docs, docs / "assets" / "gallery" / p.name / scenario)
    out.mkdir(parents=True, exist_ok=True)
    url = f"../../assets/gallery/{p.name}/{scenario}"
    save_png(out / "colourbar.png", np.tile(np.linspace(0, 1, 256, dtype=np.float32), (12, 1)), colormap=True, at_least=0)
    images = []
    n_images = min((len(a["recon"]) for a in arrays.values()), default=0)
    for k in range(n_images):
        first = next(iter(arrays.values()))
        target = first["target"][k].astype(np.float32)
        save_png(out / f"target-{k}.png", target)
        tiles = [{"label": "ground truth", "image": f"{url}/target-{k}.png", "error": None, "alt": f"ground truth {k}"}]
        for method, a in arrays.items():
            recon = a["recon"][k].astype(np.float32)
            save_png(storage.inside(out, out / f"{method}-{k}.png"), recon)
            save_png(storage.inside(out, out / f"{method}-{k}-error.png"), np.abs(recon - target) / ERROR_MAX, colormap=True)
            tiles.append({"label": method, "image": f"{url}/{method}-{k}.png", "error": f"{url}/{method}-{k}-error.png",
                          "alt": f"{method} {k}"})
        images.append({"position": int(first["image"][k]), "tiles": tiles})
    return {"seed": seed, "images": images, "error_max": ERROR_MAX, "colourbar": f"{url}/colourbar.png"}


PNG_SIDE = 256  # gallery PNGs are enlarged (nearest neighbour) to at least this: a click shows them big


def save_png(path: Path, image: np.ndarray, colormap: bool = False, at_least: int = PNG_SIDE) -> None:
    """``image`` (values in [0, 1]) as a PNG, grey or through the error maps' colour map, each pixel
    repeated so that the file is at least ``at_least`` pixels high."""
    from matplotlib import colormaps
    from PIL import Image

    values = np.clip(image, 0, 1)
    if colormap:
        pixels = (colormaps["inferno"](values)[..., :3] * 255).astype(np.uint8)
    else:
        pixels = (values * 255).astype(np.uint8)
    factor = max(1, -(-at_least // pixels.shape[0]))
    pixels = pixels.repeat(factor, axis=0).repeat(factor, axis=1)
    Image.fromarray(pixels).save(path)


def shipped_weights(results_dir: Path, docs: Path) -> dict[str, list[dict]]:
    """The weights shipped in ``results/weights/<profile>/<scenario>/<method>/seed<k>.pt``, copied
    into the site's downloads; by method, each with its profile, scenario, seed and link."""
    found: dict[str, list[dict]] = {}
    for path in sorted(Path(results_dir).glob("weights/*/*/*/seed*.pt")):
        profile, scenario, method = path.parts[-4:-1]
        for name, what in ((profile, "profile"), (scenario, "scenario"), (method, "method")):
            check_name(name, what, f"in the path of {path}")
        if not gate.WEIGHTS_NAME.fullmatch(path.name):
            raise reading.refuse(path, f"a weights file must be named seed<k>.pt, not {path.name[:60]!r}")
        reading.check_size(path, "weights")
        target = storage.inside(docs, docs / "downloads" / "weights" / profile / scenario / method / path.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        found.setdefault(method, []).append({
            "profile": profile, "scenario": scenario, "seed": path.stem.removeprefix("seed"), "size_kb": path.stat().st_size // 1024,
            "url": f"../downloads/weights/{profile}/{scenario}/{method}/{path.name}",
            "file": f"results/weights/{profile}/{scenario}/{method}/{path.name}",
            "command": shlex.join(["python", "-m", "pipeline", "evaluate", "--profile", profile, "--scenario", scenario,
                                   "--checkpoint", f"results/weights/{profile}/{scenario}/{method}/{path.name}"]),
        })
    return found
