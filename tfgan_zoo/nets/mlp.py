"""Fully connected ("vanilla") generator and discriminator."""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
from keras import layers

from .heads import build_pair


def generator_body(image_shape: Sequence[int], units: Sequence[int] = (256, 512, 1024)):
    """``h -> images``: ``[Dense -> LeakyReLU(0.2)]* -> Dense -> tanh -> reshape`` (float32 output)."""
    image_shape = tuple(int(s) for s in image_shape)

    def body(h):
        for i, u in enumerate(units):
            h = layers.Dense(u, name=f"dense_{i}")(h)
            h = layers.LeakyReLU(0.2, name=f"lrelu_{i}")(h)
        h = layers.Dense(int(np.prod(image_shape)), name="to_pixels")(h)
        h = layers.Activation("tanh", dtype="float32", name="tanh")(h)
        return layers.Reshape(image_shape, name="image")(h)

    return body


def discriminator_trunk(units: Sequence[int] = (512, 256)):
    """``images -> features``: ``Flatten -> [Dense -> LeakyReLU(0.2)]*``."""

    def trunk(h):
        h = layers.Flatten(name="flatten")(h)
        for i, u in enumerate(units):
            h = layers.Dense(u, name=f"dense_{i}")(h)
            h = layers.LeakyReLU(0.2, name=f"lrelu_{i}")(h)
        return h

    return trunk


def mlp_pair(image_shape: Sequence[int], latent_dim: int, conditional: str | None = None,
             num_classes: int | None = None, info_codes: tuple[int, int] = (0, 0), minibatch: dict | None = None,
             cascade: int = 1, d_extra_channels: int = 0) -> tuple[keras.Model, keras.Model]:
    """MLP ``(generator, discriminator)``, optionally conditional or InfoGAN (see :mod:`.heads`)."""
    return build_pair(generator_body(image_shape), discriminator_trunk(), image_shape, latent_dim,
                      conditional, num_classes, info_codes, ("mlp_generator", "mlp_discriminator"), minibatch,
                      cascade, d_extra_channels=d_extra_channels)


def mlp_generator(image_shape: Sequence[int], latent_dim: int, units: Sequence[int] = (256, 512, 1024)) -> keras.Model:
    """MLP generator: ``z -> [Dense -> LeakyReLU(0.2)]* -> Dense -> tanh -> image`` (float32, [-1, 1])."""
    return build_pair(generator_body(image_shape, units), discriminator_trunk(), image_shape, latent_dim,
                      None, None, (0, 0), ("mlp_generator", "mlp_discriminator"))[0]


def mlp_discriminator(image_shape: Sequence[int], units: Sequence[int] = (512, 256)) -> keras.Model:
    """MLP discriminator: ``image -> Flatten -> [Dense -> LeakyReLU(0.2)]* -> Dense(1)`` (a float32 logit)."""
    return build_pair(generator_body(image_shape), discriminator_trunk(units), image_shape, 1,
                      None, None, (0, 0), ("mlp_generator", "mlp_discriminator"))[1]
