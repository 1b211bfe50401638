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
from .heads import build_pair


def _check_shape(image_shape: Sequence[int]) -> tuple[int, int, int]:
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {tuple(image_shape)}.")
    h, w, c = (int(s) for s in image_shape)
    if h != w:
        raise ValueError(f"The DCGAN networks need square images, got {h}x{w}; crop or resize them to a square.")
    if c not in (1, 3):
        raise ValueError(f"The DCGAN networks take 1 or 3 channels, got {c}.")
    return h, w, c


def generator_body(image_shape: Sequence[int], width: int = 64):
    """``h -> images``: project to an ``s x s`` map, then transposed convolutions up to the image size."""
    size, _, channels = _check_shape(image_shape)
    start, k = upsampling_plan(size)

    def body(h):
        ch = width * 2**k
        h = layers.Dense(start * start * ch, use_bias=False, name="project")(h)
        h = layers.BatchNormalization(name="project_bn")(h)
        h = layers.ReLU(name="project_relu")(h)
        h = layers.Reshape((start, start, ch), name="to_map")(h)
        for i in range(k - 1):
            ch //= 2
            h = layers.Conv2DTranspose(ch, 4, strides=2, padding="same", use_bias=False, name=f"up_{i}")(h)
            h = layers.BatchNormalization(name=f"up_{i}_bn")(h)
            h = layers.ReLU(name=f"up_{i}_relu")(h)
        h = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", name="to_image")(h)
        return layers.Activation("tanh", dtype="float32", name="tanh")(h)

    return body


def discriminator_trunk(image_shape: Sequence[int], width: int = 64, norm: str | None = None):
    """``images -> flat features``: strided convolutions with LeakyReLU(0.2).

    ``norm`` (None, "batch" or "layer") follows every convolution but the first. None
    (default) keeps per-example gradients exact, which gradient penalties need.
    """
    size, _, _ = _check_shape(image_shape)
    _, k = upsampling_plan(size)
    if norm not in (None, "batch", "layer"):
        raise ValueError(f"Unknown norm {norm!r}; use None, 'batch' or 'layer'.")

    def trunk(h):
        ch = width
        for i in range(k):
            h = layers.Conv2D(ch, 4, strides=2, padding="same", name=f"down_{i}")(h)
            if i > 0 and norm == "batch":
                h = layers.BatchNormalization(name=f"down_{i}_bn")(h)
            elif i > 0 and norm == "layer":
                h = layers.LayerNormalization(axis=[1, 2, 3], name=f"down_{i}_ln")(h)
            h = layers.LeakyReLU(0.2, name=f"down_{i}_lrelu")(h)
            ch *= 2
        return layers.Flatten(name="flatten")(h)

    return trunk


def dcgan_pair(image_shape: Sequence[int], latent_dim: int, width: int = 64, norm: str | None = None,
               conditional: str | None = None, num_classes: int | None = None,
               info_codes: tuple[int, int] = (0, 0)) -> tuple[keras.Model, keras.Model]:
    """DCGAN ``(generator, discriminator)``, optionally conditional or InfoGAN (see :mod:`.heads`)."""
    size = _check_shape(image_shape)[0]
    return build_pair(generator_body(image_shape, width), discriminator_trunk(image_shape, width, norm),
                      image_shape, latent_dim, conditional, num_classes, info_codes,
                      (f"dcgan_generator_{size}", f"dcgan_discriminator_{size}"))


def dcgan_generator(image_shape: Sequence[int], latent_dim: int, width: int = 64) -> keras.Model:
    """DCGAN generator from ``z`` (``(batch, latent_dim)``) to float32 images in [-1, 1]."""
    return dcgan_pair(image_shape, latent_dim, width)[0]


def dcgan_discriminator(image_shape: Sequence[int], width: int = 64, norm: str | None = None) -> keras.Model:
    """DCGAN discriminator: images to one float32 logit (``norm``: see :func:`discriminator_trunk`)."""
    return dcgan_pair(image_shape, 1, width, norm)[1]
