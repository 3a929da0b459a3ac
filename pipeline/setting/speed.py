"""Speed options of a profile, for a GPU: how a step is computed, never what a method optimises.

Each is a recorded choice (``--speed bf16,channels-last``, ``make ... SPEED=...``), in the run's
config and so in its hash; none is on by default, since SSIBench trains in plain float32. A
profile without options keeps the config it had before they existed, so no run is redone.

- ``bf16``: the UNet denoiser runs under bfloat16 autocast and its output is cast back to
  float32, so MoDL's data-consistency steps (FFTs, conjugate gradients), the losses and the
  metrics stay in float32.
- ``channels-last``: the network's convolution weights in NHWC memory layout, the layout cuDNN's
  tensor-core kernels prefer.
- ``cudnn-benchmark``: cuDNN times its convolution algorithms on the first step and keeps the
  fastest; the choice can differ between runs, so results are no longer bit-identical.
- ``pinned-memory``: the training loader copies batches into page-locked host memory, so the
  copies to the GPU can overlap computation. No numeric change.

``make gpu-check`` measures what each buys per step, and whether bf16 moves PSNR by more than
seed noise (``benchmarks/gpu_check.py``). The model applies the first two
(``pipeline.setting.model.build_model``), the training the last two (``pipeline.run.training.train``). Nothing
here imports torch: the site and ``findings`` read profiles without it.
"""

from __future__ import annotations

from pipeline.base.errors import UsageError

OPTIONS = ("bf16", "channels-last", "cudnn-benchmark", "pinned-memory")


def parse(text: str | None) -> tuple[str, ...]:
    """``"bf16,channels-last"`` as a sorted tuple of known options; a misspelt one is a usage error."""
    names = sorted({t.strip() for t in (text or "").split(",") if t.strip()})
    unknown = [n for n in names if n not in OPTIONS]
    if unknown:
        raise UsageError(f"unknown --speed option {', '.join(map(repr, unknown))}; choose from {', '.join(OPTIONS)} "
                         "(comma-separated, e.g. --speed bf16,channels-last)")
    return tuple(names)
