"""Former home of the unbiased MMD² estimator, kept so ``tfgan_zoo.metrics.mmd`` names still import.

It lives in :mod:`tfgan_zoo.mmd`, below both the MMD losses and KID, which share it.
"""

from ..mmd import mmd2_unbiased_from_kernels

__all__ = ["mmd2_unbiased_from_kernels"]
