"""Evaluation metrics: FID (standard Inception weights), KID, MNIST classifier score.

Submodules are imported explicitly (``from tfgan_zoo.metrics import frechet``),
so importing this package loads no network.
"""
