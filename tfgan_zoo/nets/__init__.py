"""Generator/discriminator builders by image shape and latent size."""

from __future__ import annotations

from typing import Any, Sequence

import keras

from .dcgan import dcgan_discriminator, dcgan_generator, upsampling_plan
from .mlp import mlp_discriminator, mlp_generator

from ..choices import ARCHITECTURES


def build(arch: str, image_shape: Sequence[int], latent_dim: int, **kwargs: Any) -> tuple[keras.Model, keras.Model]:
    """Build ``(generator, discriminator)`` for ``arch`` in ``ARCHITECTURES``.

    Keyword arguments go to the DCGAN builders (``width``, ``norm``).
    """
    if int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}.")
    if arch == "mlp":
        return mlp_generator(image_shape, latent_dim), mlp_discriminator(image_shape)
    if arch == "dcgan":
        width = kwargs.pop("width", 64)
        norm = kwargs.pop("norm", None)
        return (
            dcgan_generator(image_shape, latent_dim, width=width),
            dcgan_discriminator(image_shape, width=width, norm=norm),
        )
    raise ValueError(f"Unknown architecture {arch!r}. Valid architectures: {', '.join(ARCHITECTURES)}.")


__all__ = ["build", "ARCHITECTURES", "mlp_generator", "mlp_discriminator",
           "dcgan_generator", "dcgan_discriminator", "upsampling_plan"]
