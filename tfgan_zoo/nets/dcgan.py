"""DCGAN generator and discriminator for any square image size ``s * 2**k``.

Radford et al. (2016): the generator projects ``z`` to an ``s x s`` map and
doubles the resolution ``k`` times with 4x4 stride-2 transposed convolutions
(batch norm + ReLU, tanh at the output); the discriminator mirrors it with
4x4 stride-2 convolutions and LeakyReLU(0.2). Channels-last throughout.

=========  ===========  ==================================
size       start map    generator channels (width 64)
=========  ===========  ==================================
28 x 28    7 x 7        256 -> 128 -> C
32 x 32    4 x 4        512 -> 256 -> 128 -> C
64 x 64    4 x 4        1024 -> 512 -> 256 -> 128 -> C
=========  ===========  ==================================
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from ..shapes import upsampling_plan


def _check_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {tuple(image_shape)}.")
    h, w, c = (int(s) for s in image_shape)
    if h != w:
        raise ValueError(f"The DCGAN networks need square images, got {h}x{w}; crop or resize them to a square.")
    if c not in (1, 3):
        raise ValueError(f"The DCGAN networks take 1 or 3 channels, got {c}.")
    return h, w, c


def dcgan_generator(image_shape: Sequence[int], latent_dim: int, width: int = 64) -> keras.Model:
    """DCGAN generator from ``z`` (``(batch, latent_dim)``) to float32 images in [-1, 1]."""
    size, _, channels = _check_shape(image_shape)
    start, k = upsampling_plan(size)
    ch = width * 2**k
    z = keras.Input((latent_dim,), name="z")
    h = layers.Dense(start * start * ch, use_bias=False, name="project")(z)
    h = layers.BatchNormalization(name="project_bn")(h)
    h = layers.ReLU(name="project_relu")(h)
    h = layers.Reshape((start, start, ch), name="to_map")(h)
    for i in range(k - 1):
        ch //= 2
        h = layers.Conv2DTranspose(ch, 4, strides=2, padding="same", use_bias=False, name=f"up_{i}")(h)
        h = layers.BatchNormalization(name=f"up_{i}_bn")(h)
        h = layers.ReLU(name=f"up_{i}_relu")(h)
    h = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name="to_image")(h)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(h)
    return keras.Model(z, out, name=f"dcgan_generator_{size}")


def dcgan_discriminator(image_shape: Sequence[int], width: int = 64, norm: str | None = None) -> keras.Model:
    """DCGAN discriminator: images to one float32 logit.

    Parameters
    ----------
    norm : {None, "batch", "layer"}
        Normalisation after every convolution but the first. None (default)
        keeps per-example gradients exact, which gradient penalties need.
    """
    size, _, channels = _check_shape(image_shape)
    _, k = upsampling_plan(size)
    if norm not in (None, "batch", "layer"):
        raise ValueError(f"Unknown norm {norm!r}; use None, 'batch' or 'layer'.")
    x = keras.Input((size, size, channels), name="image")
    h = x
    ch = width
    for i in range(k):
        h = layers.Conv2D(ch, 4, strides=2, padding="same", name=f"down_{i}")(h)
        if i > 0 and norm == "batch":
            h = layers.BatchNormalization(name=f"down_{i}_bn")(h)
        elif i > 0 and norm == "layer":
            h = layers.LayerNormalization(axis=[1, 2, 3], name=f"down_{i}_ln")(h)
        h = layers.LeakyReLU(0.2, name=f"down_{i}_lrelu")(h)
        ch *= 2
    h = layers.Flatten(name="flatten")(h)
    out = layers.Dense(1, dtype="float32", name="logit")(h)
    return keras.Model(x, out, name=f"dcgan_discriminator_{size}")
