"""Dtype policies: float32, mixed_float16 (with loss scaling) and mixed_bfloat16."""

from __future__ import annotations

import keras

from .choices import PRECISIONS


def set_precision(name: str) -> str:
    """Set Keras' global dtype policy before building networks.

    Under ``mixed_float16`` :meth:`tfgan_zoo.models.GAN.compile` wraps both
    optimizers in ``LossScaleOptimizer`` (float16 underflows without it).
    ``mixed_bfloat16`` has float32's exponent range and needs no loss scaling.
    Discriminator logits, generator outputs, losses and penalties are float32
    under every policy (the networks' last layers have ``dtype="float32"``).
    """
    if name not in PRECISIONS:
        raise ValueError(f"Unknown precision {name!r}. Valid precisions: {', '.join(PRECISIONS)}.")
    keras.config.set_dtype_policy(name)
    return name
