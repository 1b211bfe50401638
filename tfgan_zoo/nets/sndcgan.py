"""``--arch sndcgan``: the SN-DCGAN of google/compare_gan (``compare_gan/architectures/sndcgan.py``), the network
PA-GAN (Zhang & Khoreva, 2019) reports its MNIST and Fashion-MNIST FIDs with (2.9 at 40k iterations on MNIST).

compare_gan sizes it by ceiling division: ``s2 = ceil(s / 2)``, ``s4 = ceil(s2 / 2)``, ``s8 = ceil(s4 / 2)``
(28 -> 14 -> 7 -> 4; 32 -> 16 -> 8 -> 4). With ``w = width`` (64):

Generator: ``z`` -> dense ``s8 x s8 x 8w``, batch norm (over the 8w s8^2 units, before the reshape), ReLU;
4x4 stride-2 transposed convolutions to ``s4 x s4 x 4w``, ``s2 x s2 x 2w`` and ``s x s x w`` ("SAME"
padding for the given output size: 4 -> 7 takes Keras' ``output_padding=1``), each with batch norm and
ReLU; a 3x3 stride-1 transposed convolution to the image channels, tanh.

Discriminator: convolutions 3x3 s1 ``w``, 4x4 s2 ``2w``, 3x3 s1 ``2w``, 4x4 s2 ``4w``, 3x3 s1 ``4w``,
4x4 s2 ``8w``, 3x3 s1 ``8w`` ("SAME"; 28 -> 14 -> 7 -> 4), LeakyReLU(0.1) after each, flatten, dense to
one logit. Spectral normalization is the GAN's ``constraint="sn"`` (``--constraint sn``), which wraps every
layer; PA-GAN trains it so.

Every layer has a bias, weights start from N(0, 0.02) (compare_gan's default initialiser) and the batch
norms are compare_gan's (momentum 0.999, epsilon 1e-3). compare_gan's generator returns ``(tanh + 1) / 2``
and its discriminator reads ``2x - 1``: in the library's [-1, 1] both maps cancel, so they are left out.

This differs from Miyato et al.'s Table 3, which keeps the channels on the strided layers (64, 64, 128,
128, ...); that network, laid out from a 7 x 7 start at 28 x 28, is ``--arch sndcgan-small``
(:mod:`.sndcgan_small`). At 28 x 28 x 1 with ``z`` of 128 this generator has 3,827,585 trainable parameters and
the discriminator 5,859,713 (``tests/test_sndcgan_nets.py`` lists them layer by layer).
"""

from __future__ import annotations

import math
from typing import Sequence

import keras
from keras import layers

from .dcgan import _check_shape, _downsample, _upsample
from .heads import build_pair, widened
from .infogan import batch_norm, normal_init
from .subpixel import resolve_transpose_impl


def sizes(size: int) -> tuple[int, int, int, int]:
    """``(s, s2, s4, s8)``: compare_gan's sizes, each the ceiling of half the one before.

    Parameters
    ----------
    size : int
        ``s``, the side of the square images (28 gives ``(28, 14, 7, 4)``, 32 gives ``(32, 16, 8, 4)``).

    Returns
    -------
    tuple (int, int, int, int)
        ``(s, s2, s4, s8)``: the image side and the sides of the generator's maps, smallest last.
    """
    s2 = math.ceil(size / 2)
    s4 = math.ceil(s2 / 2)
    return size, s2, s4, math.ceil(s4 / 2)


def _check(image_shape: Sequence[int], upsample: str, discriminator: bool = False) -> tuple[int, int]:
    size, _, channels = _check_shape(image_shape, discriminator)
    if size < 8:
        raise ValueError(f"The SN-DCGAN halves the image three times; it needs at least 8x8, got {size}x{size}.")
    if upsample != "transpose" and size % 8:
        raise ValueError(f"upsample={upsample!r} doubles sizes, but the SN-DCGAN at {size}x{size} grows "
                         f"{' -> '.join(map(str, reversed(sizes(size))))}; use upsample='transpose' (or a size "
                         "divisible by 8).")
    return size, channels


def _grow(filters: int, size_in: int, size_out: int, impl: str, upsample: str, name: str):
    """A 4x4 stride-2 transposed convolution from ``size_in`` to ``size_out`` (2 size_in or 2 size_in - 1). Keras'
    "same" output size is ``2 (size_in - 1) + output_padding``; TensorFlow then pads as compare_gan's
    ``conv2d_transpose`` with that output shape does."""
    if size_out == 2 * size_in:
        return _upsample(filters, impl, upsample, kernel_initializer=normal_init(), name=name)
    return layers.Conv2DTranspose(filters, 4, strides=2, padding="same", output_padding=size_out - 2 * size_in + 2,
                                  kernel_initializer=normal_init(), name=name)


def sndcgan_generator_body(image_shape: Sequence[int], width: int = 64, transpose_impl: str = "native",
                           upsample: str = "transpose"):
    """``h -> images``: dense to ``s8 x s8 x 8w``, three 4x4 stride-2 transposed convolutions, a 3x3 one.
    The body takes ``norm(x, name)`` for its batch norms (:func:`.norms.norm_factory`).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, at least 8 x 8 (halved
        three times with ceiling division, :func:`sizes`); divisible by 8 unless ``upsample`` is "transpose".
    width : int
        ``w`` of the module docstring (default 64): the maps have ``8w``, ``4w``, ``2w`` and ``w`` channels.
    transpose_impl : str
        How the stride-2 transposed convolutions that exactly double a size run: "native" (default,
        ``Conv2DTranspose``), "subpixel" (as forward convolutions, faster on CPUs) or "auto" (sub-pixel on
        CPUs, native on GPUs and TPUs); see :func:`.subpixel.resolve_transpose_impl`. A layer from an odd
        size (4 -> 7 at 28 x 28) is always native.
    upsample : str
        The 2x upsamplings: "transpose" (default, 4x4 stride-2 transposed convolutions), "nearest-conv" or
        "bilinear-conv" (a nearest or bilinear 2x resize, then a 3x3 convolution). The last 3x3 stride-1
        transposed convolution stays.

    Returns
    -------
    callable
        ``body(h, norm=None) -> images``: builds the layers on the flat input vector ``h`` ``(batch, d)`` and
        returns float32 images ``(batch, size, size, channels)`` in [-1, 1] (tanh); ``norm(x, name)`` makes
        its four batch norms (default None: :func:`.infogan.batch_norm`, compare_gan's).

    Raises
    ------
    ValueError
        If ``image_shape`` is not square with 1 or 3 channels, is smaller than 8 x 8, or is not divisible by
        8 with an ``upsample`` other than "transpose".
    """
    size, channels = _check(image_shape, upsample)
    s = sizes(size)
    impl = resolve_transpose_impl(transpose_impl)

    def body(h, norm=None):
        norm = norm or batch_norm
        h = layers.Dense(s[3] * s[3] * 8 * width, kernel_initializer=normal_init(), name="g_fc1")(h)
        h = layers.ReLU(name="g_fc1_relu")(norm(h, "g_bn1"))
        h = layers.Reshape((s[3], s[3], 8 * width), name="to_map")(h)
        for i, (filters, size_in, size_out) in enumerate(((4 * width, s[3], s[2]), (2 * width, s[2], s[1]),
                                                          (width, s[1], s[0])), start=2):
            h = _grow(filters, size_in, size_out, impl, upsample, f"g_dc{i}")(h)
            h = layers.ReLU(name=f"g_dc{i}_relu")(norm(h, f"g_bn{i}"))
        h = layers.Conv2DTranspose(channels, 3, padding="same", kernel_initializer=normal_init(), name="g_dc5")(h)
        return layers.Activation("tanh", dtype="float32", name="tanh")(h)

    return body


def sndcgan_discriminator_trunk(image_shape: Sequence[int], width: int = 64, transpose_impl: str = "native"):
    """``images -> flat features``: seven convolutions (3x3 s1 / 4x4 s2 alternating), LeakyReLU(0.1).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the images it reads: square, at least 1 channel, at least 8 x 8.
    width : int
        ``w`` of the module docstring (default 64): the convolutions have ``w``, ``2w``, ``2w``, ``4w``,
        ``4w``, ``8w`` and ``8w`` channels.
    transpose_impl : str
        How the input gradient of the stride-2 convolutions of even-sized inputs runs: "native" (default,
        ``Conv2D``), "subpixel" or "auto"; see :func:`.subpixel.resolve_transpose_impl`.

    Returns
    -------
    callable
        ``trunk(t) -> features``: builds the layers on the images ``t`` ``(batch, size, size, channels)`` and
        returns the flat features ``(batch, s8 * s8 * 8w)`` (:func:`sizes`).

    Raises
    ------
    ValueError
        If ``image_shape`` is not square, has no channel, or is smaller than 8 x 8.
    """
    size, channels = _check(image_shape, "transpose", discriminator=True)
    impl = resolve_transpose_impl(transpose_impl)
    plan = ((width, 3, 1), (2 * width, 4, 2), (2 * width, 3, 1), (4 * width, 4, 2), (4 * width, 3, 1),
            (8 * width, 4, 2), (8 * width, 3, 1))

    def trunk(h):
        in_ch, side = channels, size
        for i, (filters, kernel, stride) in enumerate(plan, start=1):
            name = f"d_conv{i}"
            if stride == 2 and side % 2 == 0:  # the sub-pixel input gradient needs an even input size
                conv = _downsample(filters, in_ch, impl, kernel_initializer=normal_init(), name=name)
            else:
                conv = layers.Conv2D(filters, kernel, strides=stride, padding="same",
                                     kernel_initializer=normal_init(), name=name)
            h = layers.LeakyReLU(0.1, name=f"{name}_lrelu")(conv(h))
            in_ch, side = filters, math.ceil(side / stride)
        return layers.Flatten(name="flatten")(h)

    return trunk


def sndcgan_pair(image_shape: Sequence[int], latent_dim: int, width: int = 64, conditional: str | None = None,
                 num_classes: int | None = None, info_codes: tuple[int, int] = (0, 0),
                 transpose_impl: str = "native", minibatch: dict | None = None,
                 cascade: int = 1, upsample: str = "transpose", generator_norm: str = "batch",
                 d_extra_channels: int = 0) -> tuple[keras.Model, keras.Model]:
    """compare_gan's SN-DCGAN ``(generator, discriminator)``, optionally conditional (see :mod:`.heads`); the
    logit layer starts from N(0, 0.02) like the others.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, at least 8 x 8 (halved
        three times with ceiling division, module docstring); divisible by 8 unless ``upsample`` is "transpose".
    latent_dim : int
        Size of the noise vector ``z`` (>= 1). Under ``conditional="infogan"`` the generator reads
        ``latent_dim + n_categorical + n_continuous`` values: ``z`` followed by the codes.
    width : int
        ``w`` of the module docstring (default 64): the generator's maps have ``8w``, ``4w``, ``2w`` and ``w``
        channels, the discriminator's seven convolutions ``w`` to ``8w``.
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
        Here it applies to the stride-2 layers that exactly double or halve an even size (not to the 4 -> 7
        transposed convolution at 28 x 28, nor to a stride-2 convolution of an odd-sized input).
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
        It replaces the stride-2 transposed convolutions; the last 3x3 stride-1 one stays.
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
    size = _check(image_shape, upsample)[0]
    return build_pair(sndcgan_generator_body(image_shape, width, transpose_impl, upsample),
                      sndcgan_discriminator_trunk(widened(image_shape, d_extra_channels), width, transpose_impl),
                      image_shape, latent_dim, conditional, num_classes, info_codes,
                      (f"sndcgan_generator_{size}", f"sndcgan_discriminator_{size}"), minibatch, cascade,
                      generator_norm, d_extra_channels, head_initializer=normal_init)
