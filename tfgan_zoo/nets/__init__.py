"""Generator/discriminator builders by image shape and latent size."""

from __future__ import annotations

from typing import Any, Sequence

import keras

from .dcgan import dcgan_discriminator, dcgan_generator, dcgan_pair, upsampling_plan
from .sndcgan import sndcgan_pair
from .mlp import mlp_discriminator, mlp_generator, mlp_pair
from .cascade import CascadingRejection, score_count
from .minibatch import MinibatchDiscrimination, MinibatchStdDev
from .toy import Maxout, toy_discriminator, toy_generator, toy_pair
from .subpixel import (IMPLS as TRANSPOSE_IMPLS, SubpixelConv2D, SubpixelConvTranspose, resolve_transpose_impl,
                       strided_conv, subpixel_conv_transpose)

from ..choices import ARCHITECTURES


def build(arch: str, image_shape: Sequence[int], latent_dim: int, conditional: str | None = None,
          num_classes: int | None = None, info_codes: tuple[int, int] = (0, 0),
          **kwargs: Any) -> tuple[keras.Model, keras.Model]:
    """Build ``(generator, discriminator)`` for ``arch`` in ``ARCHITECTURES``.

    ``conditional`` ("concat", "projection", "acgan" with ``num_classes``, or "infogan" with
    ``info_codes = (n_categorical, n_continuous)``) adds labels or codes (:mod:`.heads`).
    ``minibatch_discrimination=(B, C)`` and ``minibatch_stddev=G`` add the batch-level discriminator features
    of :mod:`.minibatch` (every architecture); ``cascade=N`` makes the logit ``N`` cascading-rejection scores
    (:mod:`.cascade`).
    Other keyword arguments go to the DCGAN builders (``width``, ``transpose_impl``; ``norm`` for dcgan only).
    """
    if int(latent_dim) < 1:
        raise ValueError(f"latent_dim must be >= 1, got {latent_dim}.")
    mb = {"discrimination": kwargs.pop("minibatch_discrimination", None), "stddev": kwargs.pop("minibatch_stddev", 0)}
    cascade = int(kwargs.pop("cascade", 1))
    if cascade < 1:
        raise ValueError(f"cascade is the number of cascading-rejection scores, >= 1 (1: none); got {cascade}.")
    heads = dict(conditional=None if conditional == "none" else conditional, num_classes=num_classes,
                 info_codes=tuple(info_codes), minibatch=mb if any(mb.values()) else None, cascade=cascade)
    if arch == "mlp":
        return mlp_pair(image_shape, latent_dim, **heads)
    if arch == "dcgan":
        return dcgan_pair(image_shape, latent_dim, width=kwargs.pop("width", 64), norm=kwargs.pop("norm", None),
                          transpose_impl=kwargs.pop("transpose_impl", "native"), **heads)
    if arch == "sndcgan":
        if kwargs.get("norm") not in (None, "none"):
            raise ValueError("norm applies to the dcgan discriminator only; the sndcgan one has none "
                             "(it is meant for --constraint sn).")
        return sndcgan_pair(image_shape, latent_dim, width=kwargs.pop("width", 64),
                            transpose_impl=kwargs.pop("transpose_impl", "native"), **heads)
    raise ValueError(f"Unknown architecture {arch!r}. Valid architectures: {', '.join(ARCHITECTURES)}.")


__all__ = ["build", "CascadingRejection", "score_count", "ARCHITECTURES", "TRANSPOSE_IMPLS", "SubpixelConv2D", "SubpixelConvTranspose",
           "resolve_transpose_impl", "strided_conv", "subpixel_conv_transpose", "mlp_generator",
           "mlp_discriminator", "mlp_pair", "dcgan_generator", "dcgan_discriminator", "dcgan_pair", "sndcgan_pair",
           "upsampling_plan", "MinibatchDiscrimination", "MinibatchStdDev", "Maxout", "toy_generator", "toy_discriminator", "toy_pair"]
