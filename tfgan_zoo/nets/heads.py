"""Inputs and output heads shared by every architecture: how labels and codes enter and leave the networks.

Generator inputs
    unconditional: ``z``; conditional: ``[z, label]`` with the label embedded and
    concatenated to ``z``; InfoGAN: one vector ``[z, one_hot(c_cat), c_cont]``.
Discriminator inputs and heads (``mode``)
    ``None``: ``image -> logit``;
    ``"concat"``: ``[image, label] -> logit``, the embedded label as an extra image channel;
    ``"projection"`` (Miyato & Koyama, 2018): ``[image, label] -> psi(phi(x)) + <embed(y), phi(x)>``;
    ``"acgan"`` (Odena et al., 2017): ``image -> [logit, class_logits]``;
    ``"infogan"`` (Chen et al., 2016): ``image -> [logit, q_cat_logits, q_cont_mean]``, the Q head
    sharing the discriminator's trunk.
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
from keras import layers

from ..choices import CONDITIONING

EMBED_DIM = 50


def check_mode(mode: str | None, num_classes: int | None, info_codes: tuple[int, int] = (0, 0)) -> None:
    """Refuse inconsistent conditioning arguments with a message that says what to pass.

    Parameters
    ----------
    mode : str or None
        The conditioning: None (unconditional) or one of ``CONDITIONING`` ("concat", "projection", "acgan",
        "infogan"; see the module docstring).
    num_classes : int or None
        Number of labels; "concat", "projection" and "acgan" need it >= 2, the other modes ignore it.
    info_codes : tuple (int, int)
        ``(n_categorical, n_continuous)`` InfoGAN codes; "infogan" needs their sum >= 1. Default ``(0, 0)``.

    Raises
    ------
    ValueError
        For an unknown ``mode``, a labelled mode without ``num_classes >= 2``, or InfoGAN without codes.
    """
    if mode is not None and mode not in CONDITIONING:
        raise ValueError(f"Unknown conditioning {mode!r}. Valid values: {', '.join(CONDITIONING)}.")
    if mode in ("concat", "projection", "acgan") and (num_classes is None or int(num_classes) < 2):
        raise ValueError(f"conditional={mode!r} needs num_classes >= 2 (the number of labels), got {num_classes}.")
    if mode == "infogan" and sum(info_codes) < 1:
        raise ValueError("InfoGAN needs at least one code: info_categorical >= 2 or info_continuous >= 1.")


def generator_inputs(latent_dim: int, mode: str | None = None, num_classes: int | None = None,
                     embed_label: bool = True) -> tuple[list, keras.KerasTensor]:
    """``(model inputs, the vector the generator body starts from)``. ``embed_label=False`` (conditional batch
    norm) leaves the label out of that vector: it enters through the normalizations.

    Parameters
    ----------
    latent_dim : int
        Size of the vector input ``z`` (under InfoGAN the caller passes the noise size plus ``sum(info_codes)``:
        the codes are part of this one input).
    mode : str or None
        The conditioning (module docstring). "concat", "projection" and "acgan" add an int32 ``label`` input of
        shape ``(batch,)``; None (default) and "infogan" take ``z`` alone.
    num_classes : int or None
        Number of labels (>= 2) for the labelled modes: the rows of the label embedding, ``EMBED_DIM`` (50)
        wide. Default None, unused otherwise.
    embed_label : bool
        True (default): the embedded label is concatenated to ``z``; False: the vector is ``z`` alone.

    Returns
    -------
    tuple (list, keras.KerasTensor)
        ``(inputs, h)``: the ``keras.Input`` list, ``[z]`` or ``[z, label]``, and the vector ``h``,
        ``(batch, latent_dim)`` or, with an embedded label, ``(batch, latent_dim + EMBED_DIM)``.
    """
    z = keras.Input((latent_dim,), name="z")
    if mode in ("concat", "projection", "acgan"):
        y = keras.Input((), dtype="int32", name="label")
        if not embed_label:
            return [z, y], z
        e = layers.Embedding(num_classes, EMBED_DIM, name="label_embedding")(y)
        return [z, y], layers.Concatenate(name="z_and_label")([z, e])
    return [z], z


def discriminator_inputs(image_shape: Sequence[int], mode: str | None = None, num_classes: int | None = None,
                         ) -> tuple[list, keras.KerasTensor, keras.KerasTensor | None]:
    """``(model inputs, the tensor the trunk reads, the label input or None)``.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the images the discriminator reads (with any extra channels,
        :func:`widened`).
    mode : str or None
        The conditioning (module docstring). "concat" and "projection" add an int32 ``label`` input of shape
        ``(batch,)``; "concat" also embeds it into a ``height x width`` map appended as an extra channel. None
        (default), "acgan" and "infogan" take the image alone.
    num_classes : int or None
        Number of labels (>= 2): the rows of the label-map embedding under "concat". Default None, unused by
        the other modes.

    Returns
    -------
    tuple (list, keras.KerasTensor, keras.KerasTensor or None)
        ``(inputs, t, y)``: the ``keras.Input`` list, ``[image]`` or ``[image, label]``; the tensor the trunk
        reads, the image or (under "concat") the image with the label map,
        ``(batch, height, width, channels + 1)``; the label input under "concat" and "projection", else None.
    """
    h, w, c = (int(s) for s in image_shape)
    x = keras.Input((h, w, c), name="image")
    if mode not in ("concat", "projection"):
        return [x], x, None
    y = keras.Input((), dtype="int32", name="label")
    if mode == "concat":
        m = layers.Embedding(num_classes, h * w, name="label_map_embedding")(y)
        m = layers.Reshape((h, w, 1), name="label_map")(m)
        return [x, y], layers.Concatenate(name="image_and_label")([x, m]), y
    return [x, y], x, y


def discriminator_heads(features: keras.KerasTensor, mode: str | None = None, num_classes: int | None = None,
                        y: keras.KerasTensor | None = None, info_codes: tuple[int, int] = (0, 0), cascade: int = 1,
                        head_initializer: Callable | None = None):
    """The output(s) on top of the trunk's flat ``features`` (float32 logits). ``cascade = N > 1`` makes the
    logit ``N`` cascading-rejection scores (:mod:`.cascade`; the projection term is added to each).
    ``head_initializer()`` (a factory of Keras initialisers) starts the logit layer's kernel; default Keras'.

    Parameters
    ----------
    features : keras.KerasTensor
        The trunk's flat features ``(batch, A)`` (with any minibatch features appended).
    mode : str or None
        The conditioning (module docstring): None (default) and "concat" give the logit alone; "projection"
        adds ``<embed(y), features>`` to it; "acgan" adds class logits; "infogan" adds the Q head (a 128-unit
        dense layer with LeakyReLU(0.2), then the categorical logits and the continuous means).
    num_classes : int or None
        Number of labels (>= 2): the rows of the projection embedding under "projection", the width of the
        class logits under "acgan". Default None, unused by the other modes.
    y : keras.KerasTensor or None
        The int32 label input ``(batch,)`` (:func:`discriminator_inputs`), used under "projection" only.
        Default None.
    info_codes : tuple (int, int)
        ``(n_categorical, n_continuous)`` under "infogan": the Q head outputs ``max(n_categorical, 1)`` logits
        and ``max(n_continuous, 1)`` means. Default ``(0, 0)``.
    cascade : int
        ``N``: 1 (default) gives one ``Dense(1)`` logit, ``N > 1`` a ``CascadingRejection`` layer of ``N``
        scores.
    head_initializer : callable or None
        Zero-argument factory of the Keras initialiser of the ``Dense(1)`` logit's kernel (ignored when
        ``cascade > 1``); default None: Keras' default.

    Returns
    -------
    keras.KerasTensor or list of keras.KerasTensor
        The float32 logit ``(batch, 1)`` (``(batch, N)`` under ``cascade=N``; the projection term added under
        "projection"); under "acgan" ``[logit, class_logits (batch, num_classes)]``; under "infogan"
        ``[logit, q_categorical, q_continuous]``.
    """
    if int(cascade) > 1:
        from .cascade import CascadingRejection

        logit = CascadingRejection(int(cascade), name="logit")(features)
    else:
        init = {"kernel_initializer": head_initializer()} if head_initializer else {}
        logit = layers.Dense(1, dtype="float32", name="logit", **init)(features)
    if mode == "projection":
        e = layers.Embedding(num_classes, features.shape[-1], name="label_projection")(y)
        proj = layers.Dot(axes=1, dtype="float32", name="projection")([e, features])
        return layers.Add(dtype="float32", name="logit_plus_projection")([logit, proj])
    if mode == "acgan":
        return [logit, layers.Dense(num_classes, dtype="float32", name="class_logits")(features)]
    if mode == "infogan":
        n_cat, n_cont = info_codes
        q = layers.Dense(128, name="q_dense")(features)
        q = layers.LeakyReLU(0.2, name="q_lrelu")(q)
        cat = layers.Dense(max(n_cat, 1), dtype="float32", name="q_categorical")(q)
        cont = layers.Dense(max(n_cont, 1), dtype="float32", name="q_continuous")(q)
        return [logit, cat, cont]
    return logit


def widened(image_shape: Sequence[int], extra_channels: int) -> tuple[int, int, int]:
    """``image_shape`` with ``extra_channels`` more channels (the discriminator's input under progressive
    augmentation).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the generated images.
    extra_channels : int
        Channels to add, >= 0 (``d_extra_channels``).

    Returns
    -------
    tuple (int, int, int)
        ``(height, width, channels + extra_channels)``.

    Raises
    ------
    ValueError
        If ``extra_channels`` is negative.
    """
    h, w, c = (int(v) for v in image_shape)
    if int(extra_channels) < 0:
        raise ValueError(f"d_extra_channels must be >= 0, got {extra_channels}.")
    return h, w, c + int(extra_channels)


def build_pair(generator_body: Callable, discriminator_trunk: Callable, image_shape: Sequence[int],
               latent_dim: int, mode: str | None, num_classes: int | None, info_codes: tuple[int, int],
               names: tuple[str, str], minibatch: dict | None = None, cascade: int = 1,
               generator_norm: str = "batch", d_extra_channels: int = 0,
               head_initializer: Callable | None = None) -> tuple[keras.Model, keras.Model]:
    """Assemble ``(generator, discriminator)`` from an architecture's body and trunk functions.

    ``generator_body(h) -> images`` maps the input vector to images; ``discriminator_trunk(t) -> features``
    maps the (possibly label-augmented) images to flat features. ``minibatch`` (``discrimination=(B, C)``,
    ``stddev=G``) appends the batch-level features of :mod:`.minibatch` before the heads; ``cascade = N``
    gives ``N`` cascading-rejection scores (:mod:`.cascade`). ``generator_norm`` ("batch", "cbn" or
    "self-modulation") chooses the generator's batch normalizations (:mod:`.norms`): ``generator_body(h, norm)``.
    ``d_extra_channels = B``: the discriminator reads images with ``B`` more channels than the generator makes
    (build ``discriminator_trunk`` for :func:`widened` ``(image_shape, B)``). ``head_initializer``: see
    :func:`discriminator_heads`.

    Parameters
    ----------
    generator_body : callable
        ``generator_body(h) -> images`` (or ``generator_body(h, norm)`` when ``generator_norm`` is not "batch"):
        maps the generator's input vector ``h`` to float32 images in [-1, 1] of shape ``image_shape``.
    discriminator_trunk : callable
        ``discriminator_trunk(t) -> features``: maps the discriminator's input tensor ``t`` (images with
        ``d_extra_channels`` more channels, plus the label map under "concat") to flat features ``(batch, A)``.
    image_shape : sequence of 3 int
        ``(height, width, channels)`` of the generated images.
    latent_dim : int
        Size of the noise ``z``; under ``mode="infogan"`` the generator's input has ``sum(info_codes)`` more
        entries (the codes).
    mode : str or None
        The conditioning, one of ``CONDITIONING`` or None (unconditional); see the module docstring.
    num_classes : int or None
        Number of labels (>= 2) for the modes "concat", "projection" and "acgan"; otherwise unused.
    info_codes : tuple (int, int)
        ``(n_categorical, n_continuous)`` InfoGAN codes for ``mode="infogan"`` (their sum >= 1).
    names : tuple (str, str)
        Keras names of the generator and the discriminator models.
    minibatch : dict or None
        Keyword arguments of :func:`.minibatch.minibatch_features`: ``discrimination=(B, C)`` and/or
        ``stddev=G``; None (default) adds no minibatch features.
    cascade : int
        Number of cascading-rejection scores (default 1: one ``Dense(1)`` logit).
    generator_norm : str
        "batch" (default), "cbn" (class-conditional modes only) or "self-modulation" (unconditional only).
    d_extra_channels : int
        Extra input channels of the discriminator, >= 0 (default 0).
    head_initializer : callable or None
        Factory of the Keras initialiser of the logit layer's kernel (default None: Keras' default).

    Returns
    -------
    tuple (keras.Model, keras.Model)
        ``(generator, discriminator)`` with the inputs and outputs of the module docstring.

    Raises
    ------
    ValueError
        For inconsistent conditioning arguments (:func:`check_mode`), or a ``generator_norm`` that does not fit
        ``mode``.
    """
    check_mode(mode, num_classes, info_codes)
    g_latent = latent_dim + (sum(info_codes) if mode == "infogan" else 0)
    if generator_norm == "cbn" and mode not in ("concat", "projection", "acgan"):
        raise ValueError("conditional batch norm (cbn) puts labels into the generator's normalizations; it needs "
                         "a class-conditional GAN (--conditional projection, acgan or concat).")
    if generator_norm == "self-modulation" and mode is not None:
        raise ValueError("self-modulation is for unconditional generators (the noise modulates every layer); for "
                         "labels use conditional batch norm (cbn).")
    g_in, h = generator_inputs(g_latent, mode, num_classes, embed_label=generator_norm != "cbn")
    if generator_norm == "batch":
        g_out = generator_body(h)
    else:
        from .norms import norm_factory

        norm = norm_factory(generator_norm, label=g_in[1] if len(g_in) > 1 else None, z=g_in[0],
                            num_classes=num_classes)
        g_out = generator_body(h, norm)
    generator = keras.Model(g_in if len(g_in) > 1 else g_in[0], g_out, name=names[0])
    d_in, t, y = discriminator_inputs(widened(image_shape, d_extra_channels), mode, num_classes)
    features = discriminator_trunk(t)
    if minibatch:
        from .minibatch import minibatch_features

        features = minibatch_features(features, **minibatch)
    out = discriminator_heads(features, mode, num_classes, y, info_codes, cascade, head_initializer)
    discriminator = keras.Model(d_in if len(d_in) > 1 else d_in[0], out, name=names[1])
    return generator, discriminator
