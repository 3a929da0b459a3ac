"""SSIBench's published leaderboard (fastMRI brain, 320x320, acceleration 6): PSNR dB, SSIM.

Measured by the paper's authors on fastMRI, not by this benchmark: always shown as such and
never mixed with our numbers. Keys are our scenario and method names.
"""

from __future__ import annotations

SOURCE = "A. Wang, S. McDonagh, M. Davies, arXiv:2502.14009 (fastMRI brain, 320x320, x6)"

PUBLISHED: dict[str, dict[str, tuple[float, float]]] = {
    "mri": {
        "supervised": (33.15, .9032), "mo-ei": (32.14, .8846), "ssdu-consistency": (30.81, .8495),
        "moc-ssdu": (30.42, .8198), "moi": (30.29, .8651), "ei": (30.26, .8523),
        "weighted-ssdu": (29.93, .8355), "noise2inverse": (28.42, .7853), "ssdu": (27.98, .7485),
        "vortex": (27.75, .7898), "zero-filled": (27.67, .7862), "mc": (27.66, .7861),
        "adversarial": (18.52, .4732), "uair": (14.00, .3715),
    },
    "noisy": {
        "supervised": (30.19, .8411), "robust-mo-ei": (29.72, .8409), "robust-ei": (29.07, .8227),
        "ddssl": (28.25, .7836), "noise2recon-ssdu": (27.84, .7661), "robust-ssdu": (27.42, .6159),
        "ensure": (26.29, .5856), "mo-ei": (26.12, .6002), "weighted-ssdu": (25.91, .5477),
        "zero-filled": (24.34, .4428),
    },
    "single": {
        "supervised": (34.03, .9040), "ei": (31.99, .8806), "moi": (31.60, .8789), "mo-ei": (31.11, .8713),
        "ssdu-consistency": (31.05, .8614), "weighted-ssdu": (30.14, .8454), "vortex": (28.07, .7916),
        "mc": (28.02, .7900), "zero-filled": (28.02, .7900), "moc-ssdu": (27.85, .7717),
        "adversarial": (26.53, .7013), "noise2inverse": (24.63, .6559), "ssdu": (21.89, .6288),
        "uair": (18.44, .5388),
    },
    "multicoil": {
        "supervised": (33.89, .9147), "weighted-ssdu": (33.03, .8991), "ssdu-consistency": (32.30, .8949),
        "moc-ssdu": (31.80, .8761), "ei": (31.66, .8769), "mo-ei": (31.56, .8836), "ssdu": (31.47, .8705),
        "moi": (31.37, .8810), "noise2inverse": (30.93, .8589), "mc": (28.96, .8271),
        "zero-filled": (27.82, .7988), "vortex": (23.59, .5846), "adversarial": (17.47, .6464),
        "uair": (15.26, .3453),
    },
}
