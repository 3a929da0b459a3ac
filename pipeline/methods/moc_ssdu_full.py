r"""MOC-SSDU with its consistency term on the full measurement: corrects DeepInverse #875.

.. math::

    \mathcal{L}(\theta) = \| (I - M)\big(y - A f_\theta(M y, M A)\big) \|^2
    + \| y - A f_\theta(A_g \hat{x}, A_g) \|^2, \qquad \hat{x} = f_\theta(y, A)

the loss as CC-SSDU defines it: the second term re-measures the reconstruction of the *full*
measurement with a new operator :math:`A_g` and reconstructs it with the unsplit network. In
SSIBench's runs (the published ``moc-ssdu``) DeepInverse's Trainer handed this term the
split-input reconstruction and the splitting model instead (issue #875); here the term is
wrapped in ``FullMeasurementLoss``, at the cost of one more forward pass per step. The two terms
differ in size, by a ratio that depends on the network (``benchmarks/issue875.py``: 0.59×
the published term on average over 200 quick-profile batches at initialisation). Not in the paper: compare it with ``moc-ssdu`` to see what #875 changes.

Random draws as ``moc-ssdu``: one new mask per batch, one split per image.
"""

from dataclasses import replace

from pipeline.losses import FullMeasurementLoss
from pipeline.methods import Setup
from pipeline.methods.moc_ssdu import METHOD as PUBLISHED, mo_consistency, ssdu


def losses(setup: Setup):
    return [FullMeasurementLoss(mo_consistency(setup)), ssdu(setup)]


METHOD = replace(
    PUBLISHED,
    name="moc-ssdu-full",
    title="MOC-SSDU, consistency on the full measurement",
    summary="MOC-SSDU with the cross-operator term on the full-measurement reconstruction, as CC-SSDU defines it.",
    losses=losses,
    settings={**PUBLISHED.settings, "mo_term_input": "full measurement"},
    variant_of="moc-ssdu",
    departure="not in the paper: corrects DeepInverse #875 (the consistency term sees the full measurement)",
)
