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
    """``h -> images``: dense projection, ``k`` 2x upsampling layers, a 3x3 convolution to the image.

    The body takes ``norm(x, name)`` for its batch normalizations (:func:`.norms.norm_factory`).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size = s * 2**k`` with
        ``4 <= s <= 8`` and ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`; e.g. 28, 32, 64).
    width : int
        Base channel count (default 64): the projected map has ``width * 2**k`` channels, halved by each of
        the ``k`` upsamplings down to ``width`` (table of the module docstring).
    transpose_impl : str
        How the stride-2 transposed convolutions run: "native" (default, ``Conv2DTranspose``), "subpixel" (as
        forward convolutions, faster on CPUs) or "auto" (sub-pixel on CPUs, native on GPUs and TPUs); see
        :func:`.subpixel.resolve_transpose_impl`. Unused unless ``upsample`` is "transpose".
    upsample : str
        The 2x upsampling: "transpose" (default, 4x4 stride-2 transposed convolutions), "nearest-conv" or
        "bilinear-conv" (a nearest or bilinear 2x resize, then a 3x3 convolution).

    Returns
    -------
    callable
        ``body(h, norm=None) -> images``: builds the layers on the flat input vector ``h`` ``(batch, d)`` and
        returns float32 images ``(batch, size, size, channels)`` in [-1, 1] (tanh); ``norm(x, name)`` makes
        its batch normalizations (default None: plain ``BatchNormalization``).

    Raises
    ------
    ValueError
        If ``image_shape`` is not square with 1 or 3 channels, or its size has no upsampling plan.
    """
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
    """``images -> flat features``: pairs of 3x3 and 4x4 stride-2 convolutions, LeakyReLU(0.1).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the images it reads: square, at least 1 channel, ``size = s * 2**k`` with
        ``4 <= s <= 8`` and ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`).
    width : int
        Channels of the first pair (default 64), doubling for each of the ``k`` resolutions; the last 3x3
        convolution has ``width * 2**k``.
    transpose_impl : str
        How the input gradient of the 4x4 stride-2 convolutions runs: "native" (default, ``Conv2D``),
        "subpixel" or "auto"; see :func:`.subpixel.resolve_transpose_impl`.

    Returns
    -------
    callable
        ``trunk(t) -> features``: builds the layers on the images ``t`` ``(batch, size, size, channels)`` and
        returns the flat features ``(batch, s * s * width * 2**k)``.

    Raises
    ------
    ValueError
        If ``image_shape`` is not square or has no channel, or its size has no upsampling plan.
    """
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
    """The small SN-DCGAN ``(generator, discriminator)``, optionally conditional or InfoGAN (see :mod:`.heads`).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size = s * 2**k`` with
        ``4 <= s <= 8`` and ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`; e.g. 28, 32, 64).
    latent_dim : int
        Size of the noise vector ``z`` (>= 1). Under ``conditional="infogan"`` the generator reads
        ``latent_dim + n_categorical + n_continuous`` values: ``z`` followed by the codes.
    width : int
        Base channel count (default 64): the generator's map starts with ``width * 2**k`` channels and halves
        ``k`` times down to ``width``; the discriminator's convolutions go from ``width`` to ``width * 2**k``
        (table of the module docstring).
    conditional : str or None
        How labels or codes enter the networks (:mod:`.heads`): None (default, unconditional), "concat",
        "projection", "acgan" (class labels, with ``num_classes``) or "infogan" (latent codes, with
        ``info_codes``). :func:`tfgan_zoo.nets.build` also takes "none" for None.
    num_classes : int or None
        Number of class labels (>= 2) for ``conditional`` "concat", "projection" or "acgan" (and
        ``generator_norm="cbn"``); default None, unused otherwise.
    info_codes : tuple (int, int)
        ``(n_categorical, n_continuous)``: the InfoGAN codes under ``conditional="infogan"`` (one categorical
        code with ``n_categorical`` values, 0 for none, and ``n_continuous`` continuous codes; their sum >= 1).
        Default ``(0, 0)``, unused by the other modes.
    transpose_impl : str
        How the stride-2 convolutions run: "native" (default, Keras' layers), "subpixel" (as forward
        convolutions, faster on CPUs) or "auto" (sub-pixel on CPUs, native on GPUs and TPUs); see
        :func:`.subpixel.resolve_transpose_impl` and :mod:`.dcgan`.
        Here it applies to the generator's 2x upsampling and the discriminator's 4x4 stride-2
        convolutions.
    minibatch : dict or None
        Batch-level features appended to the discriminator's features before its heads (:mod:`.minibatch`):
        keyword arguments of ``minibatch_features``, ``discrimination=(B, C)`` (or None) and ``stddev=G`` (or 0).
        Default None: none. :func:`tfgan_zoo.nets.build` fills it from ``minibatch_discrimination`` and
        ``minibatch_stddev``.
    cascade : int
        Number ``N`` of cascading-rejection scores the discriminator outputs instead of one logit
        (:mod:`.cascade`); default 1: a plain ``Dense(1)`` logit.
    upsample : str
        The generator's 2x upsampling: "transpose" (default, 4x4 stride-2 transposed convolutions),
        "nearest-conv" or "bilinear-conv" (a nearest or bilinear 2x resize, then a 3x3 convolution, which
        cannot make the transposed convolution's checkerboard).
    generator_norm : str
        The generator's batch normalizations (:mod:`.norms`): "batch" (default, plain batch norm), "cbn"
        (conditional batch norm; needs ``conditional`` "concat", "projection" or "acgan") or
        "self-modulation" (unconditional generators only).
    d_extra_channels : int
        ``B`` >= 0: the discriminator reads images with ``B`` more channels than ``image_shape`` has
        (progressive augmentation's bit channels, :mod:`tfgan_zoo.progressive`). Default 0.

    Returns
    -------
    tuple (keras.Model, keras.Model)
        ``(generator, discriminator)``: the generator maps ``z`` (or ``[z, label]``) to float32 images in
        [-1, 1]; the discriminator maps images (or ``[image, label]``) to a float32 logit ``(batch, 1)``,
        ``(batch, N)`` scores under ``cascade=N``, or the outputs of the "acgan"/"infogan" heads (:mod:`.heads`).
    """
    size = _check_shape(image_shape)[0]
    return build_pair(sndcgan_small_generator_body(image_shape, width, transpose_impl, upsample),
                      sndcgan_small_discriminator_trunk(widened(image_shape, d_extra_channels), width, transpose_impl),
                      image_shape, latent_dim, conditional, num_classes, info_codes,
                      (f"sndcgan_small_generator_{size}", f"sndcgan_small_discriminator_{size}"), minibatch, cascade,
                      generator_norm, d_extra_channels)
