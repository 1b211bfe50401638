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
        return dcgan_pair(image_shape, latent_dim, width=kwargs.pop("width", 64) or 64, norm=kwargs.pop("norm", None),
                          transpose_impl=kwargs.pop("transpose_impl", "native"), upsample=upsample,
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
        norm = kwargs.pop("norm", None)
        return infogan_pair(image_shape, latent_dim, norm=None if norm == "none" else norm,
                            transpose_impl=kwargs.pop("transpose_impl", "native"), upsample=upsample,
                            generator_norm=g_norm, **heads)
    raise ValueError(f"Unknown architecture {arch!r}. Valid architectures: {', '.join(ARCHITECTURES)}.")


__all__ = ["build", "resnet_pair", "PadImage", "GlobalSumPooling2D", "ConditionalBatchNorm", "SelfModulatedBatchNorm",
           "CascadingRejection", "score_count", "ARCHITECTURES", "TRANSPOSE_IMPLS", "SubpixelConv2D", "SubpixelConvTranspose",
           "resolve_transpose_impl", "strided_conv", "subpixel_conv_transpose", "mlp_generator",
           "mlp_discriminator", "mlp_pair", "dcgan_generator", "dcgan_discriminator", "dcgan_pair", "sndcgan_pair",
           "sndcgan_small_pair", "infogan_pair",
           "upsampling_plan", "MinibatchDiscrimination", "MinibatchStdDev", "Maxout", "toy_generator", "toy_discriminator", "toy_pair"]
