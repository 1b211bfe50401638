"""DCGAN generator and discriminator for any square image size ``s * 2**k``.

Radford et al. (2016): the generator projects ``z`` to an ``s x s`` map and
doubles the resolution ``k`` times with 4x4 stride-2 transposed convolutions
(batch norm + ReLU, tanh at the output); the discriminator mirrors it with
4x4 stride-2 convolutions and LeakyReLU(0.2). Channels-last throughout.

``transpose_impl`` chooses how the transposed convolutions are computed (the generator's
upsampling, and the input gradient of the discriminator's strided convolutions): ``"native"``
(Keras' ``Conv2DTranspose``/``Conv2D``), ``"subpixel"`` (:mod:`.subpixel`: the same function as
forward convolutions, faster on CPUs) or ``"auto"`` (sub-pixel on CPUs, native on GPUs/TPUs). The
builders default to ``"native"``, so the same call builds the same layers on every machine (a
weights file loads only into the implementation it was saved from); training runs default to
``"auto"``, resolved once and recorded in the run's ``config.json``.

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

from ..choices import UPSAMPLES
from ..shapes import upsampling_plan
from .heads import build_pair, widened
from .subpixel import MIN_SUBPIXEL_CHANNELS, SubpixelConv2D, SubpixelConvTranspose, resolve_transpose_impl


def _check_shape(image_shape: Sequence[int], discriminator: bool = False) -> tuple[int, int, int]:
    """``(size, size, channels)`` of a square image shape. The generator draws 1 or 3 channels; a discriminator
    may read more (progressive augmentation's bit planes, ``d_extra_channels``)."""
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (height, width, channels), got {tuple(image_shape)}.")
    h, w, c = (int(s) for s in image_shape)
    if h != w:
        raise ValueError(f"The DCGAN networks need square images, got {h}x{w}; crop or resize them to a square.")
    if discriminator and c < 1:
        raise ValueError(f"A DCGAN discriminator needs at least 1 input channel, got {c}.")
    if not discriminator and c not in (1, 3):
        raise ValueError(f"The DCGAN networks take 1 or 3 channels, got {c}.")
    return h, w, c


def _upsample(filters: int, impl: str, upsample: str = "transpose", **kwargs):
    """``h -> 2x larger h``: a 4x4 stride-2 "same" transposed convolution (sub-pixel when asked and wide enough),
    or (``upsample="nearest-conv"``/``"bilinear-conv"``, Odena et al. 2016) a nearest/bilinear 2x resize then a
    3x3 convolution, which cannot make the transposed convolution's checkerboard."""
    if upsample == "transpose":
        if impl == "subpixel" and filters >= MIN_SUBPIXEL_CHANNELS:
            return SubpixelConvTranspose(filters, **kwargs)
        return layers.Conv2DTranspose(filters, 4, strides=2, padding="same", **kwargs)
    if upsample not in UPSAMPLES:
        raise ValueError(f"Unknown upsample {upsample!r}. Valid: {', '.join(UPSAMPLES)}.")
    name = kwargs.pop("name")
    resize = layers.UpSampling2D(2, interpolation=upsample.split("-")[0], name=f"{name}_resize")
    conv = layers.Conv2D(filters, 3, padding="same", name=name, **kwargs)
    return lambda h: conv(resize(h))


def _downsample(filters: int, in_channels: int, impl: str, **kwargs) -> layers.Layer:
    """A 4x4 stride-2 "same" convolution; its input gradient sub-pixel when asked and wide enough."""
    if impl == "subpixel" and in_channels >= MIN_SUBPIXEL_CHANNELS:
        return SubpixelConv2D(filters, **kwargs)
    return layers.Conv2D(filters, 4, strides=2, padding="same", **kwargs)


def _plain_norm(x, name):
    return layers.BatchNormalization(name=name)(x)


def project_to_map(h, start: int, channels: int, norm=None):
    """``z`` (or ``z`` + labels) -> ``Dense`` + batch norm + ReLU -> a ``start x start x channels`` map.
    ``norm(x, name)`` makes the batch normalization (:func:`.norms.norm_factory`; default plain).

    Parameters
    ----------
    h : keras.KerasTensor
        The generator's flat input vector ``(batch, d)``: ``z``, or ``z`` with the embedded label or the
        InfoGAN codes (:func:`.heads.generator_inputs`).
    start : int
        Side of the square map (``start`` of :func:`tfgan_zoo.shapes.upsampling_plan`, 4 to 8).
    channels : int
        Channels of the map; the bias-free ``Dense`` layer (named ``"project"``) has
        ``start * start * channels`` units.
    norm : callable or None
        ``norm(x, name) -> x``, called once with the name ``"project_bn"`` on the ``Dense`` output; default None:
        a plain ``keras.layers.BatchNormalization``.

    Returns
    -------
    keras.KerasTensor
        The map ``(batch, start, start, channels)``, after the ReLU.
    """
    norm = norm or _plain_norm
    h = layers.Dense(start * start * channels, use_bias=False, name="project")(h)
    h = norm(h, "project_bn")
    h = layers.ReLU(name="project_relu")(h)
    return layers.Reshape((start, start, channels), name="to_map")(h)


def generator_body(image_shape: Sequence[int], width: int = 64, transpose_impl: str = "native",
                   upsample: str = "transpose"):
    """``h -> images``: project to an ``s x s`` map, then 2x upsampling layers up to the image size (transposed
    convolutions, or resize + 3x3 convolution with ``upsample``). The body takes ``norm(x, name)`` for its
    batch normalizations (:func:`.norms.norm_factory`: conditional or self-modulated).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size = s * 2**k`` with
        ``4 <= s <= 8`` and ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`; e.g. 28, 32, 64).
    width : int
        Base channel count (default 64): the projected map has ``width * 2**k`` channels, halved by each of
        the first ``k - 1`` upsamplings down to ``2 width``; the last one (``"to_image"``) makes the image's
        ``channels`` (table of the module docstring).
    transpose_impl : str
        How the stride-2 transposed convolutions run: "native" (default, ``Conv2DTranspose``), "subpixel" (as
        forward convolutions, faster on CPUs) or "auto" (sub-pixel on CPUs, native on GPUs and TPUs), resolved
        once here by :func:`.subpixel.resolve_transpose_impl`. Unused unless ``upsample`` is "transpose".
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
        for i in range(k - 1):
            ch //= 2
            h = _upsample(ch, impl, upsample, use_bias=False, name=f"up_{i}")(h)
            h = norm(h, f"up_{i}_bn")
            h = layers.ReLU(name=f"up_{i}_relu")(h)
        h = _upsample(channels, impl, upsample, name="to_image")(h)
        return layers.Activation("tanh", dtype="float32", name="tanh")(h)

    return body


def discriminator_trunk(image_shape: Sequence[int], width: int = 64, norm: str | None = None,
                        transpose_impl: str = "native"):
    """``images -> flat features``: strided convolutions with LeakyReLU(0.2).

    ``norm`` (None, "batch" or "layer") follows every convolution but the first. None
    (default) keeps per-example gradients exact, which gradient penalties need.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the images it reads: square, at least 1 channel (more than the generator's
        under progressive augmentation, :func:`.heads.widened`), ``size = s * 2**k`` with ``4 <= s <= 8`` and
        ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`).
    width : int
        Channels of the first convolution, doubling at each of the ``k`` 4x4 stride-2 convolutions up to
        ``width * 2**(k - 1)`` (default 64).
    norm : str or None
        None (default), "batch" (``BatchNormalization``) or "layer" (``LayerNormalization`` over height, width
        and channels), after every convolution but the first.
    transpose_impl : str
        How the input gradient of the stride-2 convolutions runs: "native" (default, ``Conv2D``), "subpixel"
        or "auto"; see :func:`.subpixel.resolve_transpose_impl` and the module docstring.

    Returns
    -------
    callable
        ``trunk(t) -> features``: builds the layers on the images ``t`` ``(batch, size, size, channels)`` and
        returns the flat features ``(batch, s * s * width * 2**(k - 1))``.

    Raises
    ------
    ValueError
        If ``image_shape`` is not square or has no channel, its size has no upsampling plan, or ``norm`` is
        unknown.
    """
    size, _, channels = _check_shape(image_shape, discriminator=True)
    _, k = upsampling_plan(size)
    if norm not in (None, "batch", "layer"):
        raise ValueError(f"Unknown norm {norm!r}; use None, 'batch' or 'layer'.")
    impl = resolve_transpose_impl(transpose_impl)

    def trunk(h):
        ch, in_ch = width, channels
        for i in range(k):  # the input sizes size / 2**i are even: size = start * 2**k
            h = _downsample(ch, in_ch, impl, name=f"down_{i}")(h)
            in_ch = ch
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
               info_codes: tuple[int, int] = (0, 0), transpose_impl: str = "native",
               minibatch: dict | None = None, cascade: int = 1, upsample: str = "transpose",
               generator_norm: str = "batch", d_extra_channels: int = 0) -> tuple[keras.Model, keras.Model]:
    """DCGAN ``(generator, discriminator)``, optionally conditional or InfoGAN (see :mod:`.heads`).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size = s * 2**k`` with
        ``4 <= s <= 8`` and ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`; e.g. 28, 32, 64).
    latent_dim : int
        Size of the noise vector ``z`` (>= 1). Under ``conditional="infogan"`` the generator reads
        ``latent_dim + n_categorical + n_continuous`` values: ``z`` followed by the codes.
    width : int
        Base channel count (default 64): the discriminator's ``k`` convolutions have ``width``, ``2 width``, ...,
        ``width * 2**(k - 1)`` channels; the generator's map starts with ``width * 2**k`` and halves down to
        ``2 width`` before the image layer (table of the module docstring).
    norm : str or None
        The discriminator's normalization after every convolution but the first: None (default), "batch" or
        "layer". None keeps per-example gradients exact, which gradient penalties need.
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
        :func:`.subpixel.resolve_transpose_impl` and the module docstring. With ``upsample`` other than
        "transpose" it affects the discriminator only.
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
    return build_pair(generator_body(image_shape, width, transpose_impl, upsample),
                      discriminator_trunk(widened(image_shape, d_extra_channels), width, norm, transpose_impl),
                      image_shape, latent_dim, conditional, num_classes, info_codes,
                      (f"dcgan_generator_{size}", f"dcgan_discriminator_{size}"), minibatch, cascade,
                      generator_norm, d_extra_channels)


def dcgan_generator(image_shape: Sequence[int], latent_dim: int, width: int = 64,
                    transpose_impl: str = "native") -> keras.Model:
    """DCGAN generator from ``z`` (``(batch, latent_dim)``) to float32 images in [-1, 1].

    Unconditional, with plain batch norm and transposed-convolution upsampling; :func:`dcgan_pair` builds the
    other variants.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size = s * 2**k`` with
        ``4 <= s <= 8`` and ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`; e.g. 28, 32, 64).
    latent_dim : int
        Size of the noise vector ``z`` (>= 1).
    width : int
        Base channel count (default 64): the discriminator's ``k`` convolutions have ``width``, ``2 width``, ...,
        ``width * 2**(k - 1)`` channels; the generator's map starts with ``width * 2**k`` and halves down to
        ``2 width`` before the image layer (table of the module docstring).
    transpose_impl : str
        How the stride-2 convolutions run: "native" (default, Keras' layers), "subpixel" (as forward
        convolutions, faster on CPUs) or "auto" (sub-pixel on CPUs, native on GPUs and TPUs); see
        :func:`.subpixel.resolve_transpose_impl` and the module docstring.

    Returns
    -------
    keras.Model
        The generator, ``z (batch, latent_dim) -> images (batch, size, size, channels)``, float32 in [-1, 1].
    """
    return dcgan_pair(image_shape, latent_dim, width, transpose_impl=transpose_impl)[0]


def dcgan_discriminator(image_shape: Sequence[int], width: int = 64, norm: str | None = None,
                        transpose_impl: str = "native") -> keras.Model:
    """DCGAN discriminator: images to one float32 logit (``norm``: see :func:`discriminator_trunk`).

    Unconditional; :func:`dcgan_pair` builds the conditional and InfoGAN variants.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the images it reads: square, 1 or 3 channels, ``size = s * 2**k`` with
        ``4 <= s <= 8`` and ``k >= 2`` (:func:`tfgan_zoo.shapes.upsampling_plan`; e.g. 28, 32, 64).
    width : int
        Channels of the first convolution, doubling at each of the ``k`` stride-2 convolutions
        (default 64).
    norm : str or None
        The discriminator's normalization after every convolution but the first: None (default), "batch" or
        "layer". None keeps per-example gradients exact, which gradient penalties need.
    transpose_impl : str
        How the stride-2 convolutions run: "native" (default, Keras' layers), "subpixel" (as forward
        convolutions, faster on CPUs) or "auto" (sub-pixel on CPUs, native on GPUs and TPUs); see
        :func:`.subpixel.resolve_transpose_impl` and the module docstring.

    Returns
    -------
    keras.Model
        The discriminator, ``images (batch, size, size, channels) -> logit (batch, 1)``, float32.
    """
    return dcgan_pair(image_shape, 1, width, norm, transpose_impl=transpose_impl)[1]
