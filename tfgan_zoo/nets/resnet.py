"""ResNet generator and discriminator (Gulrajani et al. 2017, WGAN-GP; Miyato et al. 2018, SNGAN), by image size.

Generator block ``up(c_in -> c)``: ``BN -> ReLU -> 2x nearest upsample -> conv3x3(c) -> BN -> ReLU -> conv3x3(c)``,
plus the shortcut ``conv1x1(c)(upsample(x))``. Generator: ``z -> Dense(4 x 4 x c_0)``, the blocks up to the image
size, ``BN -> ReLU -> conv3x3(C) -> tanh``.
Discriminator block ``down(c_in -> c)``: ``ReLU -> conv3x3(c) -> ReLU -> conv3x3(c) -> 2x2 average pool``, shortcut
``avgpool(conv1x1(c)(x))`` (an identity when neither the size nor the width changes). The first block is SNGAN's
"optimized" one (``conv3x3 -> ReLU -> conv3x3 -> avgpool``, shortcut ``conv1x1(avgpool(x))``: no ReLU on the
image). Then ``ReLU -> global pooling -> Dense(1)`` (the logit; the heads of :mod:`.heads` go on the pooled
features).

=========  =========================================  ===============================================
size       generator channels (ch = width)            discriminator channels (ch = d_width)
=========  =========================================  ===============================================
32 x 32    4x4: ch -> ch -> ch -> ch (3 blocks)       opt ch (16x16) -> ch (8x8) -> ch -> ch
64 x 64    16ch -> 8ch -> 4ch -> 2ch -> ch            opt ch -> 2ch -> 4ch -> 8ch (4x4) -> 16ch
128 x 128  16ch -> 16ch -> 8ch -> 4ch -> 2ch -> ch    opt ch -> 2ch -> 4ch -> 8ch -> 16ch (4x4) -> 16ch
=========  =========================================  ===============================================

Variants (``variant``): ``"sngan"`` (Miyato et al.'s CIFAR-10 networks at 32: G width 256, D width 128, global
**sum** pooling; at 64 and 128 ch = 64) and ``"wgan-gp"`` (Gulrajani et al.'s CIFAR-10 ResNet: G and D width 128,
global **mean** pooling); ``width``/``d_width`` override. Neither has a normalization in D: spectral
normalization is ``--constraint sn``, a penalty ``--penalty gp``. At 32 x 32 with the sngan widths the networks
have 4,276,739 (G, trainable) and 1,053,825 (D) parameters (``tests/test_resnet.py``): the layers of the SNGAN
authors' CIFAR-10 code (pfnet-research/sngan_projection, ``gen_models/resnet_32.py`` with
``gen_models/resblocks.py``, and ``dis_models/snresnet_32.py``), whose D has no bias on its logit (1,053,824).
Their initialisers differ (Glorot-uniform with gain sqrt 2 in the residual convolutions; Keras' default here).

**28 x 28 images** (MNIST, Fashion-MNIST) are handled inside the networks, so data, samples and FID stay at
28 x 28: the generator makes 32 x 32 and crops the 2-pixel border; the discriminator pads its input with 2
pixels of -1 (the background of images in [-1, 1]) to 32 x 32. ``--image-size 32`` instead resizes the data.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
from keras import layers, ops

from .heads import build_pair, widened

PACKAGE = "tfgan_zoo"
SIZES = (28, 32, 64, 128)
VARIANTS = {"sngan": {"pool": "sum"}, "wgan-gp": {"pool": "mean"}}


@keras.saving.register_keras_serializable(package=PACKAGE)
class PadImage(layers.Layer):
    """Pad each side of an image batch by ``pad`` pixels of ``value`` (default -1, the background in [-1, 1]).

    ``(batch, H, W, C) -> (batch, H + 2 pad, W + 2 pad, C)``.

    Parameters
    ----------
    pad : int
        Pixels added on each of the four sides (default 2: 28 x 28 to 32 x 32).
    value : float
        The value of the added pixels (default -1.0).
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ``dtype``, ...).
    """

    def __init__(self, pad: int = 2, value: float = -1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pad, self.value = int(pad), float(value)

    def call(self, x):
        p = self.pad
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], constant_values=self.value)

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, None if h is None else h + 2 * self.pad, None if w is None else w + 2 * self.pad, c)

    def get_config(self) -> dict:
        return {**super().get_config(), "pad": self.pad, "value": self.value}


def _check(image_shape: Sequence[int], discriminator: bool = False) -> tuple[int, int]:
    """``(size, channels)``; the generator draws 1 or 3 channels, a discriminator may read more
    (``d_extra_channels``)."""
    if len(image_shape) != 3 or int(image_shape[0]) != int(image_shape[1]):
        raise ValueError(f"The ResNet networks need square (height, width, channels) images, got "
                         f"{tuple(image_shape)}.")
    size, channels = int(image_shape[0]), int(image_shape[2])
    if size not in SIZES:
        raise ValueError(f"The ResNet networks are built for 32x32, 64x64 and 128x128 images (28x28 is padded to "
                         f"32 inside them), got {size}x{size}. Resize the data (--image-size 32, 64 or 128).")
    if discriminator and channels < 1:
        raise ValueError(f"A ResNet discriminator needs at least 1 input channel, got {channels}.")
    if not discriminator and channels not in (1, 3):
        raise ValueError(f"The ResNet networks take 1 or 3 channels, got {channels}.")
    return size, channels


def widths(size: int, variant: str = "sngan", width: int | None = None, d_width: int | None = None,
           ) -> tuple[list[int], list[tuple[int, bool]]]:
    """``(generator block channels (first = the 4 x 4 map's), discriminator (channels, downsample) per block)``.

    Parameters
    ----------
    size : int
        Side of the square images: 28, 32, 64 or 128 (28 is laid out as 32; any other size gets the
        128 layout).
    variant : str
        "sngan" (default) or "wgan-gp"; at 28 and 32 it sets the generator's default width (256 or 128).
    width : int or None
        The generator's ``ch`` of the module docstring's table; default None: 256 ("sngan") or 128 ("wgan-gp")
        at 28 and 32, 64 at 64 and 128.
    d_width : int or None
        The discriminator's ``ch``; default None: 128 at 28 and 32, 64 at 64 and 128.

    Returns
    -------
    tuple (list of int, list of tuple (int, bool))
        The generator's channels, the 4 x 4 map's first and then one per upsampling block; and for each
        discriminator block ``(channels, downsample)``, ``downsample`` True when it ends in a 2x2 average pool.

    Raises
    ------
    ValueError
        For an unknown ``variant``.
    """
    if variant not in VARIANTS:
        raise ValueError(f"Unknown ResNet variant {variant!r}. Valid: {', '.join(VARIANTS)}.")
    s = 32 if size == 28 else size
    if s == 32:
        g = width or (256 if variant == "sngan" else 128)
        d = d_width or 128
        return [g] * 4, [(d, True), (d, True), (d, False), (d, False)]
    g, d = width or 64, d_width or 64
    if s == 64:
        return [16 * g, 8 * g, 4 * g, 2 * g, g], [(d, True), (2 * d, True), (4 * d, True), (8 * d, True),
                                                   (16 * d, False)]
    return [16 * g, 16 * g, 8 * g, 4 * g, 2 * g, g], [(d, True), (2 * d, True), (4 * d, True), (8 * d, True),
                                                       (16 * d, True), (16 * d, False)]


def _plain_norm(x, name):
    return layers.BatchNormalization(name=name)(x)


def generator_body(image_shape: Sequence[int], variant: str = "sngan", width: int | None = None):
    """``h -> images`` (module docstring); takes ``norm(x, name)`` for its batch normalizations.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size`` 28, 32, 64 or 128
        (28 x 28 is made at 32 x 32 and cropped).
    variant : str
        "sngan" (default) or "wgan-gp": sets the default ``width`` (:func:`widths`).
    width : int or None
        The generator's ``ch`` of the module docstring's table; default None: the variant's (:func:`widths`).

    Returns
    -------
    callable
        ``body(h, norm=None) -> images``: builds the layers on the flat input vector ``h`` ``(batch, d)`` and
        returns float32 images ``(batch, size, size, channels)`` in [-1, 1] (tanh); ``norm(x, name)`` makes its
        batch normalizations (default None: plain ``BatchNormalization``).

    Raises
    ------
    ValueError
        If ``image_shape`` is not square with 1 or 3 channels and a size of ``SIZES``, or ``variant`` is
        unknown.
    """
    size, channels = _check(image_shape)
    chans, _ = widths(size, variant, width)

    def body(h, norm=None):
        norm = norm or _plain_norm
        h = layers.Dense(4 * 4 * chans[0], name="project")(h)
        h = layers.Reshape((4, 4, chans[0]), name="to_map")(h)
        for i, c in enumerate(chans[1:]):
            x = h
            h = norm(h, f"block_{i}_bn_0")
            h = layers.ReLU(name=f"block_{i}_relu_0")(h)
            h = layers.UpSampling2D(2, name=f"block_{i}_up")(h)
            h = layers.Conv2D(c, 3, padding="same", name=f"block_{i}_conv_0")(h)
            h = norm(h, f"block_{i}_bn_1")
            h = layers.ReLU(name=f"block_{i}_relu_1")(h)
            h = layers.Conv2D(c, 3, padding="same", name=f"block_{i}_conv_1")(h)
            sc = layers.UpSampling2D(2, name=f"block_{i}_shortcut_up")(x)
            sc = layers.Conv2D(c, 1, name=f"block_{i}_shortcut")(sc)
            h = layers.Add(name=f"block_{i}_add")([h, sc])
        h = norm(h, "out_bn")
        h = layers.ReLU(name="out_relu")(h)
        h = layers.Conv2D(channels, 3, padding="same", name="to_image")(h)
        if size == 28:
            h = layers.Cropping2D(2, name="crop_to_28")(h)
        return layers.Activation("tanh", dtype="float32", name="tanh")(h)

    return body


def discriminator_trunk(image_shape: Sequence[int], variant: str = "sngan", d_width: int | None = None):
    """``images -> pooled features`` (module docstring).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the images it reads: square, at least 1 channel, ``size`` 28, 32, 64 or
        128 (28 x 28 is padded to 32 x 32 with -1).
    variant : str
        "sngan" (default: global sum pooling) or "wgan-gp" (global mean pooling).
    d_width : int or None
        The discriminator's ``ch`` of the module docstring's table; default None: 128 at 28 and 32, 64 at 64
        and 128.

    Returns
    -------
    callable
        ``trunk(t) -> features``: builds the layers on the images ``t`` ``(batch, size, size, channels)`` and
        returns the pooled features ``(batch, C)``, ``C`` the last block's channels (``ch`` at 28 and 32,
        ``16 ch`` at 64 and 128).

    Raises
    ------
    ValueError
        If ``image_shape`` is not square with at least 1 channel and a size of ``SIZES``, or ``variant``
        is unknown.
    """
    size, channels = _check(image_shape, discriminator=True)
    _, blocks = widths(size, variant, None, d_width)
    pool = VARIANTS[variant]["pool"]

    def trunk(h):
        if size == 28:
            h = PadImage(2, -1.0, name="pad_to_32")(h)
        in_ch = channels
        for i, (c, down) in enumerate(blocks):
            x = h
            if i > 0:
                h = layers.ReLU(name=f"block_{i}_relu_0")(h)
            h = layers.Conv2D(c, 3, padding="same", name=f"block_{i}_conv_0")(h)
            h = layers.ReLU(name=f"block_{i}_relu_1")(h)
            h = layers.Conv2D(c, 3, padding="same", name=f"block_{i}_conv_1")(h)
            if down:
                h = layers.AveragePooling2D(2, name=f"block_{i}_pool")(h)
            if i == 0:  # the optimized block: pool the image, then a 1x1 convolution
                sc = layers.Conv2D(c, 1, name=f"block_{i}_shortcut")(layers.AveragePooling2D(
                    2, name=f"block_{i}_shortcut_pool")(x))
            elif down or c != in_ch:
                sc = layers.Conv2D(c, 1, name=f"block_{i}_shortcut")(x)
                if down:
                    sc = layers.AveragePooling2D(2, name=f"block_{i}_shortcut_pool")(sc)
            else:
                sc = x
            h = layers.Add(name=f"block_{i}_add")([h, sc])
            in_ch = c
        h = layers.ReLU(name="out_relu")(h)
        if pool == "sum":
            return GlobalSumPooling2D(name="global_sum")(h)
        return layers.GlobalAveragePooling2D(name="global_mean")(h)

    return trunk


@keras.saving.register_keras_serializable(package=PACKAGE)
class GlobalSumPooling2D(layers.Layer):
    """Sum over height and width (SNGAN's discriminator)."""

    def call(self, x):
        return ops.sum(x, axis=(1, 2))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[3])


def resnet_pair(image_shape: Sequence[int], latent_dim: int, variant: str = "sngan", width: int | None = None,
                d_width: int | None = None, conditional: str | None = None, num_classes: int | None = None,
                info_codes: tuple[int, int] = (0, 0), minibatch: dict | None = None, cascade: int = 1,
                generator_norm: str = "batch", d_extra_channels: int = 0) -> tuple[keras.Model, keras.Model]:
    """ResNet ``(generator, discriminator)``, optionally conditional or InfoGAN (see :mod:`.heads`).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size`` 28, 32, 64 or
        128 (28 x 28 is made at 32 x 32 and cropped; the discriminator pads it back, module docstring).
    latent_dim : int
        Size of the noise vector ``z`` (>= 1). Under ``conditional="infogan"`` the generator reads
        ``latent_dim + n_categorical + n_continuous`` values: ``z`` followed by the codes.
    variant : str
        "sngan" (default: Miyato et al.'s networks, global sum pooling in the discriminator) or "wgan-gp"
        (Gulrajani et al.'s, global mean pooling); it sets the default widths.
    width : int or None
        The generator's ``ch`` of the module docstring's table. Default None: 256 ("sngan") or 128
        ("wgan-gp") at 28 and 32, 64 at 64 and 128.
    d_width : int or None
        The discriminator's ``ch`` of the module docstring's table. Default None: 128 at 28 and 32, 64 at 64
        and 128.
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
    minibatch : dict or None
        Batch-level features appended to the discriminator's features before its heads (:mod:`.minibatch`):
        keyword arguments of ``minibatch_features``, ``discrimination=(B, C)`` (or None) and ``stddev=G`` (or 0).
        Default None: none. :func:`tfgan_zoo.nets.build` fills it from ``minibatch_discrimination`` and
        ``minibatch_stddev``.
    cascade : int
        Number ``N`` of cascading-rejection scores the discriminator outputs instead of one logit
        (:mod:`.cascade`); default 1: a plain ``Dense(1)`` logit.
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
    size, _ = _check(image_shape)
    return build_pair(generator_body(image_shape, variant, width),
                      discriminator_trunk(widened(image_shape, d_extra_channels), variant, d_width),
                      image_shape, latent_dim, conditional, num_classes, info_codes,
                      (f"resnet_generator_{size}", f"resnet_discriminator_{size}"), minibatch, cascade, generator_norm,
                      d_extra_channels)
