"""The instruction set of the CPU kernels: pinned to AVX2 before torch loads, and read back from
the libraries for every run's record.

Training is chaotic: a different order of floating-point sums in one convolution grows into
decibels over a run. oneDNN, which runs the convolutions, picks its kernels by the CPU: on an
AVX-512 machine it sums in another order than on an AVX2 one, so the same run gave 7.559 dB on
one and 7.493 on the other at 192 steps, and 6.2 against 12.6 dB at the end (DESIGN.md §7).
Capped at AVX2, which every x86-64 CPU of the last ten years has, runs made on an AVX2-only
AMD EPYC are reproduced bit for bit on an AVX-512 one, for the same torch thread count (that
changes the order of sums too); so far not those of the adversarial methods, whose discriminator
the pin does not yet reach (not yet explained).

What is pinned, and what each variable changed, measured on an AVX-512 AMD EPYC (bit-for-bit
hashes of a convolution's forward and backward, FFTs, a matrix product, sums and elementwise
functions, each variable alone; ``tests/test_kernels.py`` keeps the convolution's part):

- ``ONEDNN_MAX_CPU_ISA=AVX2``: oneDNN's convolutions (their input gradient changed; the 192-step
  run above went from 0 to 54 of 54 test images equal to the AVX2 machine's). Read at the first
  convolution, so it also works when torch was imported first.
- ``ATEN_CPU_CAPABILITY=avx2``: ATen's own vectorised kernels. Changed nothing measured here; pinned
  because their vector width is the CPU's otherwise. Read when torch is imported.
- ``MKL_CBWR=AVX2`` and ``MKL_ENABLE_INSTRUCTIONS=AVX2``: MKL (FFTs, matrix products). Changed
  nothing on AMD: MKL runs the branch it picks for a non-Intel CPU whatever is asked (it reports
  ``CNR AUTO``; even ``MKL_ENABLE_INSTRUCTIONS=SSE4_2`` changes no bit). On an Intel CPU MKL takes
  its AVX-512 branch unless capped (not measured here: no Intel machine). ``MKL_CBWR=COMPATIBLE``,
  MKL's processor-independent branch, would change every committed run (ssdu ``mri`` seed 0 at
  192 steps: 6.45 dB against 7.49), so it is not the pin.
- ``OPENBLAS_CORETYPE=Haswell``: the OpenBLAS inside numpy and scipy, which picks its kernels by
  the CPU (``SkylakeX`` here, ``Zen`` on the AVX2 machine). MO-EI's CPAB basis is the null space
  of a constraint matrix, from scipy's SVD: with SkylakeX kernels it is another basis of that
  space (largest entry 0.2979 against 0.2928), so every drawn deformation differs; pinned,
  ``single`` MO-EI seed 1 at 192 steps equals the AVX2 machine's on all 54 test images (0 of 54
  unpinned; DeepInverse computes the basis afresh in every process). Read when numpy or scipy is
  imported.

A CPU that is not x86-64 (ARM) is left alone; one without AVX2 runs on what it has. Either way
the run records what its kernels were and is not bit-comparable with the pinned runs. A CUDA
run's convolutions are cuDNN's, which this does not touch (their determinism is another matter).
``PIPELINE_KERNELS=native`` leaves the kernels unpinned, recorded as such: the pin's cost is
measured so (``benchmarks/pin_cost.py``).
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import re
import sys
import tempfile
from typing import Callable

PIN = {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2",
       "MKL_ENABLE_INSTRUCTIONS": "AVX2", "OPENBLAS_CORETYPE": "Haswell"}
OPENBLAS_PINNED = "Haswell"  # OpenBLAS's name for its AVX2 kernels
SWITCH = "PIPELINE_KERNELS"  # "native": no pin
PINNED = "avx2"  # what a pinned run's kernels report: the label of the bit-comparable runs


def x86_64() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def wanted() -> bool:
    """Whether this process pins its kernels: on x86-64, unless ``PIPELINE_KERNELS=native``."""
    return x86_64() and os.environ.get(SWITCH, "").lower() != "native"


TORCH_FIRST = "ATen's kernels were chosen before the pin: import pipeline before torch and deepinv"


def pin() -> None:
    """Cap the CPU libraries' instruction set at AVX2 for this process and the processes it starts.
    Must run before torch runs its first operation (``pipeline/__init__.py`` calls it) for ATen's
    part: importing deepinv does. Unpinned (``PIPELINE_KERNELS=native``), the pin a parent process
    set is taken back, so that the libraries choose by the CPU."""
    if wanted():
        os.environ.update(PIN)
        return
    for name, value in PIN.items():
        if os.environ.get(name) == value:
            del os.environ[name]


@functools.cache
def warn_if_unpinned() -> None:
    """Say once, on stderr, when this process's CPU kernels are not the pinned ones, and why: its
    numbers will not match the committed runs bit for bit."""
    found = in_use()
    if found["label"] == PINNED:
        return
    why = ("PIPELINE_KERNELS=native" if x86_64() and not wanted() else
           "not an x86-64 CPU" if not x86_64() else
           TORCH_FIRST if found["aten"] != "avx2" and onednn_short(found["onednn"]) == "avx2" else
           "this CPU lacks AVX2")
    print(f"note: the CPU kernels are {found['label']}, not the pinned avx2 ({why}); this run's numbers will "
          "not match the committed runs bit for bit", file=sys.stderr)


def in_use() -> dict:
    """What this process's CPU kernels are, as the libraries themselves report it (not as the
    variables ask): ATen's capability, oneDNN's instruction set, MKL's branch, and the label that
    tells bit-comparable runs apart (``label``)."""
    found = libraries()
    return {**found, "pinned": wanted(), "label": label(found)}


@functools.cache
def libraries() -> dict[str, str]:
    """Read once per process: each library chooses its kernels once, at its first use."""
    import torch

    return {"aten": torch.backends.cpu.get_cpu_capability().lower(),
            "onednn": onednn_isa() if torch.backends.mkldnn.is_available() else "none",
            "mkl": mkl_branch() if torch.backends.mkl.is_available() else "none",
            "openblas": openblas_cores(), "machine": platform.machine()}


def label(found: dict[str, str]) -> str:
    """``avx2`` when every library runs AVX2 kernels (the pinned, bit-comparable case); otherwise
    the instruction sets found, e.g. ``aten avx512, onednn avx512_core`` (never comparable with
    ``avx2``)."""
    onednn = onednn_short(found["onednn"])
    if found["aten"] == "avx2" and onednn == "avx2" and found["openblas"] in (OPENBLAS_PINNED, "none"):
        return PINNED
    return f"{found['machine']}: aten {found['aten']}, onednn {onednn}, openblas {found['openblas']}"


def openblas_cores() -> str:
    """The kernels each OpenBLAS of numpy and scipy says it runs (``none`` where there is none)."""
    import numpy  # noqa: F401  (loads their OpenBLAS, so that it is listed)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    found = sorted({str(info.get("architecture")) for info in threadpool_info() if info.get("internal_api") == "openblas"})
    return ", ".join(found) or "none"


def onednn_short(isa: str) -> str:
    """oneDNN's own words for its instruction set, shortened: ``Intel AVX2`` -> ``avx2``,
    ``Intel AVX-512 with Intel DL Boost and bfloat16 support`` -> ``avx512``."""
    match = re.search(r"AVX[-_]?(\d+)|SSE[\d.]*", isa)
    return match.group(0).replace("-", "").replace("_", "").lower() if match else isa.lower()


def onednn_isa() -> str:
    """The instruction set oneDNN reports while it runs a convolution of the model's first layer's
    shape (batch 4, 2 -> 16 channels, 64x64: a shape torch hands to oneDNN)."""
    import torch

    def convolve() -> None:
        with torch.no_grad(), torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
            torch.nn.functional.conv2d(torch.zeros(4, 2, 64, 64), torch.zeros(16, 2, 3, 3))

    found = re.search(r"onednn_verbose,.*?cpu,isa:([^\n]*)", printed(convolve))
    return found.group(1).strip() if found else "not reported"


def mkl_branch() -> str:
    """The processors MKL says it runs for, and its reproducibility (CNR) mode, while it runs an FFT."""
    import torch

    def transform() -> None:
        with torch.backends.mkl.verbose(torch.backends.mkl.VERBOSE_ON):
            torch.fft.fft2(torch.zeros(4, 16, 16, dtype=torch.complex64))

    text = printed(transform)
    processors = re.search(r"architecture (.*?processors)", text)
    cnr = re.search(r"CNR:(\S+)", text)
    if not (processors and cnr):
        return "not reported"
    return f"{processors.group(1)}, CNR {cnr.group(1)}"


def printed(action: Callable[[], None]) -> str:
    """What ``action`` prints on the process's standard output, from C included (the libraries'
    verbose lines), captured so that it never reaches the user."""
    sys.stdout.flush()
    libc = ctypes.CDLL(None)
    saved = os.dup(1)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 1)
        try:
            action()
        finally:
            libc.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
        capture.seek(0)
        return capture.read().decode(errors="replace")
