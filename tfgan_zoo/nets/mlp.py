"""Fully connected ("vanilla") generator and discriminator."""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
from keras import layers

from .heads import build_pair


def generator_body(image_shape: Sequence[int], units: Sequence[int] = (256, 512, 1024)):
    """``h -> images``: ``[Dense -> LeakyReLU(0.2)]* -> Dense -> tanh -> reshape`` (float32 output).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the generated images (any size): the last dense layer has
        ``height * width * channels`` units.
    units : sequence of int
        Units of the hidden dense layers, in order (default ``(256, 512, 1024)``).

    Returns
    -------
    callable
        ``body(h) -> images``: builds the layers on the flat input vector ``h`` ``(batch, d)`` and returns
        float32 images ``(batch, height, width, channels)`` in [-1, 1]. It takes no ``norm``: the MLP has no
        batch normalization.
    """
    image_shape = tuple(int(s) for s in image_shape)

    def body(h):
        for i, u in enumerate(units):
            h = layers.Dense(u, name=f"dense_{i}")(h)
            h = layers.LeakyReLU(0.2, name=f"lrelu_{i}")(h)
        h = layers.Dense(int(np.prod(image_shape)), name="to_pixels")(h)
        h = layers.Activation("tanh", dtype="float32", name="tanh")(h)
        return layers.Reshape(image_shape, name="image")(h)

    return body


def discriminator_trunk(units: Sequence[int] = (512, 256)):
    """``images -> features``: ``Flatten -> [Dense -> LeakyReLU(0.2)]*``.

    Parameters
    ----------
    units : sequence of int
        Units of the hidden dense layers, in order (default ``(512, 256)``).

    Returns
    -------
    callable
        ``trunk(t) -> features``: builds the layers on the images ``t`` (any shape ``(batch, ...)``) and returns
        the features ``(batch, units[-1])`` (the flattened images if ``units`` is empty).
    """

    def trunk(h):
        h = layers.Flatten(name="flatten")(h)
        for i, u in enumerate(units):
            h = layers.Dense(u, name=f"dense_{i}")(h)
            h = layers.LeakyReLU(0.2, name=f"lrelu_{i}")(h)
        return h

    return trunk


def mlp_pair(image_shape: Sequence[int], latent_dim: int, conditional: str | None = None,
             num_classes: int | None = None, info_codes: tuple[int, int] = (0, 0), minibatch: dict | None = None,
             cascade: int = 1, d_extra_channels: int = 0) -> tuple[keras.Model, keras.Model]:
    """MLP ``(generator, discriminator)``, optionally conditional or InfoGAN (see :mod:`.heads`).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the generated images (any size; the generator's last dense layer has
        ``height * width * channels`` units).
    latent_dim : int
        Size of the noise vector ``z`` (>= 1). Under ``conditional="infogan"`` the generator reads
        ``latent_dim + n_categorical + n_continuous`` values: ``z`` followed by the codes.
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
    d_extra_channels : int
        ``B`` >= 0: the discriminator reads images with ``B`` more channels than ``image_shape`` has
        (progressive augmentation's bit channels, :mod:`tfgan_zoo.progressive`), flattened with the pixels.
        Default 0.

    Returns
    -------
    tuple (keras.Model, keras.Model)
        ``(generator, discriminator)``: the generator maps ``z`` (or ``[z, label]``) to float32 images in
        [-1, 1]; the discriminator maps images (or ``[image, label]``) to a float32 logit ``(batch, 1)``,
        ``(batch, N)`` scores under ``cascade=N``, or the outputs of the "acgan"/"infogan" heads (:mod:`.heads`).
    """
    return build_pair(generator_body(image_shape), discriminator_trunk(), image_shape, latent_dim,
                      conditional, num_classes, info_codes, ("mlp_generator", "mlp_discriminator"), minibatch,
                      cascade, d_extra_channels=d_extra_channels)


def mlp_generator(image_shape: Sequence[int], latent_dim: int, units: Sequence[int] = (256, 512, 1024)) -> keras.Model:
    """MLP generator: ``z -> [Dense -> LeakyReLU(0.2)]* -> Dense -> tanh -> image`` (float32, [-1, 1]).

    Unconditional; :func:`mlp_pair` builds the conditional and InfoGAN variants.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the generated images (any size).
    latent_dim : int
        Size of the noise vector ``z`` (>= 1).
    units : sequence of int
        Units of the hidden dense layers, in order (default ``(256, 512, 1024)``).

    Returns
    -------
    keras.Model
        The generator, ``z (batch, latent_dim) -> images (batch, height, width, channels)``.
    """
    return build_pair(generator_body(image_shape, units), discriminator_trunk(), image_shape, latent_dim,
                      None, None, (0, 0), ("mlp_generator", "mlp_discriminator"))[0]


def mlp_discriminator(image_shape: Sequence[int], units: Sequence[int] = (512, 256)) -> keras.Model:
    """MLP discriminator: ``image -> Flatten -> [Dense -> LeakyReLU(0.2)]* -> Dense(1)`` (a float32 logit).

    Unconditional; :func:`mlp_pair` builds the conditional and InfoGAN variants.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the images it reads (any size).
    units : sequence of int
        Units of the hidden dense layers, in order (default ``(512, 256)``).

    Returns
    -------
    keras.Model
        The discriminator, ``images (batch, height, width, channels) -> logit (batch, 1)``.
    """
    return build_pair(generator_body(image_shape), discriminator_trunk(units), image_shape, 1,
                      None, None, (0, 0), ("mlp_generator", "mlp_discriminator"))[1]
