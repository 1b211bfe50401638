"""Fully connected ("vanilla") generator and discriminator."""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
from keras import layers


def mlp_generator(image_shape: Sequence[int], latent_dim: int, units: Sequence[int] = (256, 512, 1024)) -> keras.Model:
    """MLP generator: ``z -> [Dense -> LeakyReLU(0.2)]* -> Dense -> tanh -> image``.

    The output is float32 and in [-1, 1] under every dtype policy.
    """
    image_shape = tuple(int(s) for s in image_shape)
    z = keras.Input((latent_dim,), name="z")
    h = z
    for i, u in enumerate(units):
        h = layers.Dense(u, name=f"dense_{i}")(h)
        h = layers.LeakyReLU(0.2, name=f"lrelu_{i}")(h)
    h = layers.Dense(int(np.prod(image_shape)), name="to_pixels")(h)
    h = layers.Activation("tanh", dtype="float32", name="tanh")(h)
    out = layers.Reshape(image_shape, name="image")(h)
    return keras.Model(z, out, name="mlp_generator")


def mlp_discriminator(image_shape: Sequence[int], units: Sequence[int] = (512, 256)) -> keras.Model:
    """MLP discriminator: ``image -> Flatten -> [Dense -> LeakyReLU(0.2)]* -> Dense(1)`` (a float32 logit)."""
    x = keras.Input(tuple(image_shape), name="image")
    h = layers.Flatten(name="flatten")(x)
    for i, u in enumerate(units):
        h = layers.Dense(u, name=f"dense_{i}")(h)
        h = layers.LeakyReLU(0.2, name=f"lrelu_{i}")(h)
    out = layers.Dense(1, dtype="float32", name="logit")(h)
    return keras.Model(x, out, name="mlp_discriminator")
