"""``--arch sndcgan-small``: the "standard CNN" of Miyato et al. (2018, Spectral Normalization for GANs,
Table 3) laid out by :func:`tfgan_zoo.shapes.upsampling_plan`, for any square size ``s * 2**k``. At 32 x 32 it
is the paper's network; at 28 x 28 it starts from 7 x 7 and has one resolution fewer, so it is smaller than the
SN-DCGAN that PA-GAN (Zhang & Khoreva, 2019) ran through compare_gan, which is ``--arch sndcgan``
(:mod:`.sndcgan`). It was the library's ``sndcgan`` until 2026-12-07, and the recipes ``mnist-sngan`` and
``fashion-sngan`` were measured with it.

Generator: ``z`` -> dense ``s x s x (width * 2**k)`` + BN + ReLU, then ``k`` 4x4 stride-2 transposed
convolutions halving the channels (BN + ReLU), then a 3x3 convolution to the image channels + tanh.
Discriminator: for each of the ``k`` resolutions a 3x3 stride-1 and a 4x4 stride-2 convolution with
``width * 2**i`` channels, then a 3x3 stride-1 convolution with ``width * 2**k``, LeakyReLU(0.1) after
each, flatten, dense to one logit. Spectral normalization is not part of the networks: it is the
GAN's ``constraint="sn"`` (``--constraint sn``), which wraps every layer.

=========  ===========  ====================================  ======================================
size       start map    generator channels (width 64)         discriminator channels
=========  ===========  ====================================  ======================================
28 x 28    7 x 7        256 -> 128 -> 64 -> C (3x3)           64,64 -> 128,128 -> 256
32 x 32    4 x 4        512 -> 256 -> 128 -> 64 -> C (3x3)    64,64 -> 128,128 -> 256,256 -> 512
=========  ===========  ====================================  ======================================

At 32 x 32 this is the paper's network; at 28 x 28 (MNIST, Fashion-MNIST without padding) it has one
resolution fewer, since 7 is odd. ``transpose_impl`` is as in :mod:`.dcgan` (the stride-2 layers).
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from ..shapes import upsampling_plan
from .dcgan import _check_shape, _downsample, _plain_norm, _upsample, project_to_map
from .heads import build_pair, widened
from .subpixel import resolve_transpose_impl


def sndcgan_small_generator_body(image_shape: Sequence[int], width: int = 64, transpose_impl: str = "native",
                           upsample: str = "transpose"):
    """``h -> images``: dense projection, ``k`` 2x upsampling layers, a 3x3 convolution to the image."""
    size, _, channels = _check_shape(image_shape)
    start, k = upsampling_plan(size)
    impl = resolve_transpose_impl(transpose_impl)

    def body(h, norm=None):
        norm = norm or _plain_norm
        ch = width * 2**k
        h = project_to_map(h, start, ch, norm)
        for i in range(k):
            ch //= 2
            h = _upsample(ch, impl, upsample, use_bias=False, name=f"up_{i}")(h)
            h = norm(h, f"up_{i}_bn")
            h = layers.ReLU(name=f"up_{i}_relu")(h)
        h = layers.Conv2D(channels, 3, padding="same", name="to_image")(h)
        return layers.Activation("tanh", dtype="float32", name="tanh")(h)

    return body


def sndcgan_small_discriminator_trunk(image_shape: Sequence[int], width: int = 64, transpose_impl: str = "native"):
    """``images -> flat features``: pairs of 3x3 and 4x4 stride-2 convolutions, LeakyReLU(0.1)."""
    size, _, channels = _check_shape(image_shape, discriminator=True)
    _, k = upsampling_plan(size)
    impl = resolve_transpose_impl(transpose_impl)

    def trunk(h):
        ch = width
        for i in range(k):
            h = layers.Conv2D(ch, 3, padding="same", name=f"conv_{i}")(h)
            h = layers.LeakyReLU(0.1, name=f"conv_{i}_lrelu")(h)
            h = _downsample(ch, ch, impl, name=f"down_{i}")(h)
            h = layers.LeakyReLU(0.1, name=f"down_{i}_lrelu")(h)
            ch *= 2
        h = layers.Conv2D(ch, 3, padding="same", name="conv_last")(h)
        h = layers.LeakyReLU(0.1, name="conv_last_lrelu")(h)
        return layers.Flatten(name="flatten")(h)

    return trunk


def sndcgan_small_pair(image_shape: Sequence[int], latent_dim: int, width: int = 64, conditional: str | None = None,
                 num_classes: int | None = None, info_codes: tuple[int, int] = (0, 0),
                 transpose_impl: str = "native", minibatch: dict | None = None,
                 cascade: int = 1, upsample: str = "transpose", generator_norm: str = "batch",
                 d_extra_channels: int = 0) -> tuple[keras.Model, keras.Model]:
    """The small SN-DCGAN ``(generator, discriminator)``, optionally conditional or InfoGAN (see :mod:`.heads`)."""
    size = _check_shape(image_shape)[0]
    return build_pair(sndcgan_small_generator_body(image_shape, width, transpose_impl, upsample),
                      sndcgan_small_discriminator_trunk(widened(image_shape, d_extra_channels), width, transpose_impl),
                      image_shape, latent_dim, conditional, num_classes, info_codes,
                      (f"sndcgan_small_generator_{size}", f"sndcgan_small_discriminator_{size}"), minibatch, cascade,
                      generator_norm, d_extra_channels)
