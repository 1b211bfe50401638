"""Evaluation metrics: FID (standard Inception weights), KID, MNIST classifier score.

Submodules are imported explicitly (``from tfgan_zoo.metrics import frechet``),
so importing this package loads no network.
"""

# Image-to-image translation metrics (numpy/scipy only: importing them loads no network).
from .translation import l1_error, label_preservation, ssim, ssim_per_image, translation_report

# The names defined here; submodules stay out so that `import *` loads no network either.
__all__ = ["l1_error", "ssim", "ssim_per_image", "label_preservation", "translation_report"]
