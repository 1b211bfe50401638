"""Generator/discriminator builders by image shape and latent size."""

from __future__ import annotations

from typing import Any, Sequence

import keras

from .dcgan import dcgan_discriminator, dcgan_generator, dcgan_pair, upsampling_plan
from .sndcgan import sndcgan_pair
from .sndcgan_small import sndcgan_small_pair
from .infogan import infogan_pair
from .mlp import mlp_discriminator, mlp_generator, mlp_pair
from .cascade import CascadingRejection, score_count
from .minibatch import MinibatchDiscrimination, MinibatchStdDev
from .toy import Maxout, toy_discriminator, toy_generator, toy_pair
from .subpixel import (IMPLS as TRANSPOSE_IMPLS, SubpixelConv2D, SubpixelConvTranspose, resolve_transpose_impl,
                       strided_conv, subpixel_conv_transpose)

from ..choices import ARCHITECTURES, GENERATOR_NORMS, UPSAMPLES
from .norms import ConditionalBatchNorm, SelfModulatedBatchNorm
from .resnet import GlobalSumPooling2D, PadImage, resnet_pair


def _none(norm: str | None) -> str | None:
    return None if norm == "none" else norm


def build(arch: str, image_shape: Sequence[int], latent_dim: int, conditional: str | None = None,
          num_classes: int | None = None, info_codes: tuple[int, int] = (0, 0),
          **kwargs: Any) -> tuple[keras.Model, keras.Model]:
    """Build ``(generator, discriminator)`` for ``arch`` in ``ARCHITECTURES``.

    ``conditional`` ("concat", "projection", "acgan" with ``num_classes``, or "infogan" with
    ``info_codes = (n_categorical, n_continuous)``) adds labels or codes (:mod:`.heads`).
    ``minibatch_discrimination=(B, C)`` and ``minibatch_stddev=G`` add the batch-level discriminator features
    of :mod:`.minibatch` (every architecture); ``cascade=N`` makes the logit ``N`` cascading-rejection scores
    (:mod:`.cascade`).
    ``upsample`` ("transpose", "nearest-conv", "bilinear-conv") is the dcgan/sndcgan/infogan generator's 2x upsampling;
    ``generator_norm`` ("batch", "cbn" with labels, "self-modulation" without) its batch norms (:mod:`.norms`).
    Other keyword arguments go to the builders (``width``, ``transpose_impl``; ``norm`` for dcgan and infogan;
    ``variant``, ``width``, ``d_width`` for resnet: :mod:`.resnet`).
    ``d_extra_channels=B`` builds the discriminator for images with ``B`` more channels than the generator makes
    (progressive augmentation's bit channels, :mod:`tfgan_zoo.progressive`; features for the mlp).

    The keyword arguments after ``info_codes`` are read from ``**kwargs``; a keyword that the chosen architecture
    does not use is ignored, except where an entry below says it is refused.

    Parameters
    ----------
    arch : str
        The architecture, one of ``ARCHITECTURES``: "mlp" (:func:`mlp_pair`), "dcgan" (:func:`dcgan_pair`),
        "sndcgan" (:func:`sndcgan_pair`), "sndcgan-small" (:func:`sndcgan_small_pair`), "infogan"
        (:func:`infogan_pair`) or "resnet" (:func:`resnet_pair`).
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the generated images (channels last, values in [-1, 1]). The
        convolutional networks need square images with 1 or 3 channels; the sizes each accepts: dcgan and
        sndcgan-small ``s * 2**k`` with ``4 <= s <= 8``, ``k >= 2`` (:func:`upsampling_plan`), infogan a multiple
        of 4, sndcgan at least 8, resnet 28, 32, 64 or 128. The mlp takes any ``(height, width, channels)``.
    latent_dim : int
        Size of the noise vector ``z`` the generator reads (>= 1). Under ``conditional="infogan"`` the generator
        reads ``latent_dim + n_categorical + n_continuous`` values: ``z`` followed by the codes.
    conditional : str or None
        How labels or codes enter the networks (:mod:`.heads`): None or "none" (default: unconditional),
        "concat", "projection", "acgan" (class labels; need ``num_classes``) or "infogan" (latent codes; need
        ``info_codes``).
    num_classes : int or None
        Number of class labels (>= 2) for ``conditional`` "concat", "projection" or "acgan" and for
        ``generator_norm="cbn"``; unused otherwise (default None).
    info_codes : tuple (int, int)
        ``(n_categorical, n_continuous)``: the InfoGAN codes under ``conditional="infogan"``, one categorical
        code with ``n_categorical`` values (0: none) and ``n_continuous`` continuous codes; their sum must be
        at least 1. Default ``(0, 0)``, unused by the other modes.
    minibatch_discrimination : tuple (int, int) or None
        ``(B, C)``: append Salimans et al.'s minibatch discrimination (:class:`MinibatchDiscrimination`,
        ``B`` kernels of dimension ``C``) to the discriminator's features. Default None: none.
    minibatch_stddev : int
        ``G`` >= 2: append ProGAN's minibatch standard deviation over groups of ``G`` samples
        (:class:`MinibatchStdDev`) to the discriminator's features. Default 0: none.
    cascade : int
        Number ``N`` of cascading-rejection scores the discriminator outputs instead of one logit
        (:class:`CascadingRejection`); >= 1, default 1 (a plain logit).
    upsample : str
        The generator's 2x upsampling for dcgan, sndcgan, sndcgan-small and infogan: "transpose" (default,
        4x4 stride-2 transposed convolutions), "nearest-conv" or "bilinear-conv" (2x resize, then a 3x3
        convolution). The mlp and resnet refuse anything but "transpose".
    generator_norm : str
        The generator's batch normalizations (:mod:`.norms`): "batch" (default, plain batch norm), "cbn"
        (:class:`ConditionalBatchNorm`, needs a class-conditional ``conditional``) or "self-modulation"
        (:class:`SelfModulatedBatchNorm`, unconditional only). The mlp refuses anything but "batch".
    width : int or None
        Base channel count: for dcgan, sndcgan and sndcgan-small the channels of the discriminator's first
        convolution, the other layers' being multiples of it (default 64, see each ``*_pair``); for resnet the
        generator's width (default None: the variant's, see :func:`resnet_pair`). infogan has fixed widths and
        refuses anything but None or 64; the mlp ignores it.
    transpose_impl : str
        How the stride-2 (transposed) convolutions of dcgan, sndcgan, sndcgan-small and infogan run, one of
        ``TRANSPOSE_IMPLS``: "native" (default), "subpixel" or "auto" (:func:`resolve_transpose_impl`). resnet
        refuses "subpixel".
    norm : str or None
        The discriminator's normalization, dcgan and infogan only: None (default) or "batch", and "layer" for
        dcgan (see :func:`dcgan_discriminator`); "none" is None. sndcgan, sndcgan-small and resnet refuse
        anything but None or "none".
    variant : str
        resnet only: "sngan" (default) or "wgan-gp", the default widths and the discriminator's global pooling
        (:mod:`.resnet`).
    d_width : int or None
        resnet only: the discriminator's width (default None: the variant's, see :func:`resnet_pair`).
    d_extra_channels : int
        ``B`` >= 0: the discriminator reads images with ``B`` more channels than ``image_shape`` has
        (progressive augmentation's bit channels, :mod:`tfgan_zoo.progressive`). Default 0.

    Returns
    -------
    tuple (keras.Model, keras.Model)
        ``(generator, discriminator)``. The generator maps ``z`` (or ``[z, label]``) to float32 images in
        [-1, 1]; the discriminator maps images (or ``[image, label]``) to a float32 logit of shape
        ``(batch, 1)``, ``(batch, N)`` under ``cascade=N``, or the head outputs of :mod:`.heads` under
        "acgan" and "infogan".

    Raises
    ------
    ValueError
        For an unknown ``arch``, ``upsample`` or ``generator_norm``, ``latent_dim < 1``, ``cascade < 1``,
        ``d_extra_channels < 0``, a keyword the architecture refuses, an image shape it cannot build, or
        inconsistent conditioning arguments.

    Examples
    --------
    A small DCGAN pair for 28x28 grayscale images from 8 noise values (``width=4`` keeps it tiny):

    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> g, d = nets.build("dcgan", (28, 28, 1), 8, width=4)
    >>> g.output_shape, d.output_shape
    ((None, 28, 28, 1), (None, 1))
    >>> images = np.asarray(g(np.zeros((2, 8), "float32"), training=False))
    >>> images.shape, bool(np.abs(images).max() <= 1.0)
    ((2, 28, 28, 1), True)
    >>> np.asarray(d(images, training=False)).shape
    (2, 1)

    Batch-level options change the discriminator only; ``cascade=3`` makes it output 3 scores:

    >>> g, d = nets.build("dcgan", (28, 28, 1), 8, width=4, cascade=3, minibatch_stddev=2)
    >>> g.output_shape, d.output_shape, nets.score_count(d)
    ((None, 28, 28, 1), (None, 3), 3)
    >>> nets.build("dcgan", (28, 28, 1), 0)
    Traceback (most recent call last):
        ...
    ValueError: latent_dim must be >= 1, got 0.
    """
    extra = int(kwargs.pop("d_extra_channels", 0) or 0)
    if extra < 0:
        raise ValueError(f"d_extra_channels must be >= 0, got {extra}.")
    if int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}.")
    mb = {"discrimination": kwargs.pop("minibatch_discrimination", None), "stddev": kwargs.pop("minibatch_stddev", 0)}
    cascade = int(kwargs.pop("cascade", 1))
    if cascade < 1:
        raise ValueError(f"cascade is the number of cascading-rejection scores, >= 1 (1: none); got {cascade}.")
    heads = dict(conditional=None if conditional == "none" else conditional, num_classes=num_classes,
                 info_codes=tuple(info_codes), minibatch=mb if any(mb.values()) else None, cascade=cascade,
                 d_extra_channels=extra)
    g_norm = kwargs.pop("generator_norm", "batch") or "batch"
    if g_norm not in GENERATOR_NORMS:
        raise ValueError(f"Unknown generator_norm {g_norm!r}. Valid: {', '.join(GENERATOR_NORMS)}.")
    upsample = kwargs.pop("upsample", "transpose") or "transpose"
    if upsample not in UPSAMPLES:
        raise ValueError(f"Unknown upsample {upsample!r}. Valid: {', '.join(UPSAMPLES)}.")
    if arch == "mlp":
        if g_norm != "batch" or upsample != "transpose":
            raise ValueError("generator_norm and upsample apply to the convolutional generators (dcgan, sndcgan, "
                             "infogan, resnet), not to the mlp.")
        return mlp_pair(image_shape, latent_dim, **heads)
    if arch == "resnet":
        if upsample != "transpose":
            raise ValueError("the resnet generator always upsamples by nearest resize + 3x3 convolution; drop "
                             "upsample.")
        if kwargs.get("norm") not in (None, "none") or kwargs.get("transpose_impl", "native") not in (
                "native", "auto"):
            raise ValueError("norm and transpose_impl apply to the dcgan networks; the resnet ones have neither.")
        return resnet_pair(image_shape, latent_dim, variant=kwargs.pop("variant", "sngan") or "sngan",
                           width=kwargs.pop("width", None), d_width=kwargs.pop("d_width", None),
                           generator_norm=g_norm, **heads)
    if arch == "dcgan":
        return dcgan_pair(image_shape, latent_dim, width=kwargs.pop("width", 64) or 64,
                          norm=_none(kwargs.pop("norm", None)), transpose_impl=kwargs.pop("transpose_impl", "native"), upsample=upsample,
                          generator_norm=g_norm, **heads)
    if arch in ("sndcgan", "sndcgan-small"):
        if kwargs.get("norm") not in (None, "none"):
            raise ValueError(f"norm applies to the dcgan and infogan discriminators only; the {arch} one has none "
                             "(it is meant for --constraint sn).")
        pair = sndcgan_pair if arch == "sndcgan" else sndcgan_small_pair
        return pair(image_shape, latent_dim, width=kwargs.pop("width", 64) or 64,
                    transpose_impl=kwargs.pop("transpose_impl", "native"), upsample=upsample, generator_norm=g_norm,
                    **heads)
    if arch == "infogan":
        if kwargs.get("width") not in (None, 64):
            raise ValueError("the infogan networks have compare_gan's fixed widths (1024/128/64 units); drop width.")
        kwargs.pop("width", None)
        return infogan_pair(image_shape, latent_dim, norm=_none(kwargs.pop("norm", None)),
                            transpose_impl=kwargs.pop("transpose_impl", "native"), upsample=upsample,
                            generator_norm=g_norm, **heads)
    raise ValueError(f"Unknown architecture {arch!r}. Valid architectures: {', '.join(ARCHITECTURES)}.")


__all__ = ["build", "resnet_pair", "PadImage", "GlobalSumPooling2D", "ConditionalBatchNorm", "SelfModulatedBatchNorm",
           "CascadingRejection", "score_count", "ARCHITECTURES", "TRANSPOSE_IMPLS", "SubpixelConv2D", "SubpixelConvTranspose",
           "resolve_transpose_impl", "strided_conv", "subpixel_conv_transpose", "mlp_generator",
           "mlp_discriminator", "mlp_pair", "dcgan_generator", "dcgan_discriminator", "dcgan_pair", "sndcgan_pair",
           "sndcgan_small_pair", "infogan_pair",
           "upsampling_plan", "MinibatchDiscrimination", "MinibatchStdDev", "Maxout", "toy_generator", "toy_discriminator", "toy_pair"]
