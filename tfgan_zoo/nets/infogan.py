"""The InfoGAN networks of Chen et al. (2016) as compare_gan builds them: the networks behind Lucic et al.
(2018, "Are GANs Created Equal?") and PA-GAN's ICLR tables on MNIST and Fashion-MNIST.

Read from google/compare_gan (``compare_gan/architectures/infogan.py`` and ``arch_ops.py``; the v1 code of
Lucic et al. under ``compare_gan/src/gans/abstract_gan.py`` and ``ops.py`` builds the same layers). For an
``s x s x c`` image (``s`` divisible by 4) and latent ``z``:

=====================  ===============================================  ================================
layer                  generator                                        discriminator
=====================  ===============================================  ================================
1                      dense 1024, BN, LeakyReLU(0.2)                   conv 64, 4x4 stride 2, LeakyReLU(0.2)
2                      dense 128 (s/4)^2, BN, LeakyReLU(0.2)            conv 128, 4x4 stride 2, [norm], LeakyReLU(0.2)
3                      reshape, deconv 64, 4x4 s2, BN, LeakyReLU(0.2)   flatten, dense 1024, [norm], LeakyReLU(0.2)
4                      deconv c, 4x4 s2, sigmoid                        dense 1 (the logit)
=====================  ===============================================  ================================

Every layer has a bias; every batch norm has a scale and an offset (compare_gan: decay 0.999, epsilon 1e-3,
here ``momentum=0.999, epsilon=1e-3``). Weights start from N(0, 0.02) (the convolutions of the v1 code from
the truncated normal with that deviation), biases from 0. The discriminator's ``[norm]`` is Lucic et al.'s
searched option: none, batch norm (their default) or layer norm; spectral normalization is the GAN's
``constraint="sn"``.

compare_gan's images live in [0, 1]: its generator ends in a sigmoid and its discriminator reads [0, 1]. The
library's images live in [-1, 1], so the generator here ends in ``2 sigmoid(a) - 1`` (= ``tanh(a / 2)``) and
the discriminator starts with ``x -> (x + 1) / 2``: both affine maps are exact, so with the same weights
these networks compute compare_gan's functions of the same images, and train the same parameters.

For 28 x 28 x 1 and ``z`` of 64 the generator has 6,642,241 trainable parameters and the discriminator
(batch norm) 6,559,169 (written out layer by layer in ``tests/test_infogan_nets.py``).
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from .dcgan import _check_shape, _downsample, _upsample
from .heads import build_pair, widened
from .subpixel import resolve_transpose_impl

#: compare_gan's initialisers: N(0, 0.02) for dense layers and transposed convolutions, the truncated normal
#: of the same deviation for the discriminator's convolutions (v1 ``ops.conv2d``).
STDDEV = 0.02
#: compare_gan's batch norm: moving averages with decay 0.999, epsilon 1e-3.
BN_MOMENTUM, BN_EPSILON = 0.999, 1e-3
D_NORMS = (None, "batch")


def normal_init() -> keras.initializers.Initializer:
    """compare_gan's initialiser of the dense layers and transposed convolutions (and of the logit layer here).

    Returns
    -------
    keras.initializers.Initializer
        A new ``RandomNormal`` with mean 0 and standard deviation ``STDDEV`` (0.02).
    """
    return keras.initializers.RandomNormal(stddev=STDDEV)


def truncated_init() -> keras.initializers.Initializer:
    """The initialiser of the discriminator's convolutions (compare_gan's v1 ``ops.conv2d``).

    Returns
    -------
    keras.initializers.Initializer
        A new ``TruncatedNormal`` with mean 0 and standard deviation ``STDDEV`` (0.02).
    """
    return keras.initializers.TruncatedNormal(stddev=STDDEV)


def _check_size(image_shape: Sequence[int], discriminator: bool = False) -> tuple[int, int]:
    size, _, channels = _check_shape(image_shape, discriminator)
    if size % 4:
        raise ValueError(f"The InfoGAN networks halve the image twice, so its size must be divisible by 4; got "
                         f"{size}x{size}. Resize the data (--image-size 28, 32 or 64).")
    return size, channels


def batch_norm(x, name):
    """compare_gan's batch norm (the default ``norm`` of the generator body).

    Parameters
    ----------
    x : keras.KerasTensor
        The tensor to normalize, channels last (rank 2 after a dense layer, rank 4 after a convolution).
    name : str
        Name of the new ``BatchNormalization`` layer (``momentum=0.999``, ``epsilon=1e-3``).

    Returns
    -------
    keras.KerasTensor
        The normalized tensor, of ``x``'s shape.
    """
    return layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=name)(x)


def infogan_generator_body(image_shape: Sequence[int], transpose_impl: str = "native",
                           upsample: str = "transpose"):
    """``h -> images in [-1, 1]``: two dense layers, two 4x4 stride-2 transposed convolutions (table above).
    The body takes ``norm(x, name)`` for its batch norms (:func:`.norms.norm_factory`; default compare_gan's).

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size`` divisible by 4
        (the first map is ``size / 4`` wide).
    transpose_impl : str
        How the two 4x4 stride-2 transposed convolutions run: "native" (default, ``Conv2DTranspose``),
        "subpixel" (as forward convolutions, faster on CPUs) or "auto" (sub-pixel on CPUs, native on GPUs and
        TPUs); see :func:`.subpixel.resolve_transpose_impl`. Unused unless ``upsample`` is "transpose".
    upsample : str
        The two 2x upsamplings: "transpose" (default, 4x4 stride-2 transposed convolutions), "nearest-conv"
        or "bilinear-conv" (a nearest or bilinear 2x resize, then a 3x3 convolution).

    Returns
    -------
    callable
        ``body(h, norm=None) -> images``: builds the layers on the flat input vector ``h`` ``(batch, d)`` and
        returns float32 images ``(batch, size, size, channels)`` in [-1, 1]; ``norm(x, name)`` makes its three
        batch norms (default None: :func:`batch_norm`).

    Raises
    ------
    ValueError
        If ``image_shape`` is not square with 1 or 3 channels, or its size is not divisible by 4.
    """
    size, channels = _check_size(image_shape)
    impl = resolve_transpose_impl(transpose_impl)
    quarter = size // 4

    def body(h, norm=None):
        norm = norm or batch_norm
        h = layers.Dense(1024, kernel_initializer=normal_init(), name="g_fc1")(h)
        h = layers.LeakyReLU(0.2, name="g_fc1_lrelu")(norm(h, "g_bn1"))
        h = layers.Dense(128 * quarter * quarter, kernel_initializer=normal_init(), name="g_fc2")(h)
        h = layers.LeakyReLU(0.2, name="g_fc2_lrelu")(norm(h, "g_bn2"))
        h = layers.Reshape((quarter, quarter, 128), name="to_map")(h)
        h = _upsample(64, impl, upsample, kernel_initializer=normal_init(), name="g_dc3")(h)
        h = layers.LeakyReLU(0.2, name="g_dc3_lrelu")(norm(h, "g_bn3"))
        h = _upsample(channels, impl, upsample, kernel_initializer=normal_init(), name="g_dc4")(h)
        h = layers.Activation("sigmoid", dtype="float32", name="sigmoid")(h)
        return layers.Rescaling(2.0, offset=-1.0, dtype="float32", name="to_minus1_1")(h)

    return body


def infogan_discriminator_trunk(image_shape: Sequence[int], norm: str | None = None,
                                transpose_impl: str = "native"):
    """``images in [-1, 1] -> 1024 features``: (x + 1) / 2, two 4x4 stride-2 convolutions, a dense layer of
    1024; ``norm`` (None or "batch") after the second convolution and the dense layer.
    (Extra input channels, such as progressive augmentation's bits, go through the same affine map.)

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the images it reads: square, at least 1 channel, ``size`` divisible by 4.
    norm : str or None
        None (default) or "batch" (compare_gan's batch norm: momentum 0.999, epsilon 1e-3) after the second
        convolution and the dense layer.
    transpose_impl : str
        How the input gradient of the two stride-2 convolutions runs: "native" (default, ``Conv2D``),
        "subpixel" or "auto"; see :func:`.subpixel.resolve_transpose_impl`.

    Returns
    -------
    callable
        ``trunk(t) -> features``: builds the layers on the images ``t`` ``(batch, size, size, channels)`` in
        [-1, 1] and returns the features ``(batch, 1024)``, after the last LeakyReLU.

    Raises
    ------
    ValueError
        If ``image_shape`` is not square or has no channel, its size is not divisible by 4, or ``norm`` is not
        None or "batch".
    """
    _, channels = _check_size(image_shape, discriminator=True)
    if norm not in D_NORMS:
        raise ValueError(f"The InfoGAN discriminator takes norm None or 'batch' (Lucic et al.'s options), got "
                         f"{norm!r}; use --d-norm batch or none.")
    impl = resolve_transpose_impl(transpose_impl)

    def normalize(h, name):
        if norm == "batch":
            return layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_bn")(h)
        return h

    def trunk(h):
        h = layers.Rescaling(0.5, offset=0.5, name="to_0_1")(h)
        h = _downsample(64, channels, impl, kernel_initializer=truncated_init(), name="d_conv1")(h)
        h = layers.LeakyReLU(0.2, name="d_conv1_lrelu")(h)
        h = _downsample(128, 64, impl, kernel_initializer=truncated_init(), name="d_conv2")(h)
        h = layers.LeakyReLU(0.2, name="d_conv2_lrelu")(normalize(h, "d_conv2"))
        h = layers.Flatten(name="flatten")(h)
        h = layers.Dense(1024, kernel_initializer=normal_init(), name="d_fc3")(h)
        return layers.LeakyReLU(0.2, name="d_fc3_lrelu")(normalize(h, "d_fc3"))

    return trunk


def infogan_pair(image_shape: Sequence[int], latent_dim: int, norm: str | None = None,
                 conditional: str | None = None, num_classes: int | None = None,
                 info_codes: tuple[int, int] = (0, 0), transpose_impl: str = "native",
                 minibatch: dict | None = None, cascade: int = 1, upsample: str = "transpose",
                 generator_norm: str = "batch", d_extra_channels: int = 0) -> tuple[keras.Model, keras.Model]:
    """compare_gan's InfoGAN ``(generator, discriminator)``, optionally conditional (see :mod:`.heads`); the
    logit layer starts from N(0, 0.02) like the others.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the generated images: square, 1 or 3 channels, ``size`` divisible by 4
        (28 x 28 x 1 for MNIST and Fashion-MNIST).
    latent_dim : int
        Size of the noise vector ``z`` (>= 1). Under ``conditional="infogan"`` the generator reads
        ``latent_dim + n_categorical + n_continuous`` values: ``z`` followed by the codes.
    norm : str or None
        The discriminator's normalization after its second convolution and its dense layer: None (default,
        as every builder here) or "batch" (Lucic et al.'s default, which the recipes ``mnist-lucic`` and
        ``fashion-lucic`` pass; compare_gan's momentum 0.999 and epsilon 1e-3). Layer norm is not offered.
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
        Here it applies to the generator's two 2x upsamplings and the discriminator's two stride-2
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
    size = _check_size(image_shape)[0]
    return build_pair(infogan_generator_body(image_shape, transpose_impl, upsample),
                      infogan_discriminator_trunk(widened(image_shape, d_extra_channels), norm, transpose_impl),
                      image_shape, latent_dim, conditional, num_classes, info_codes,
                      (f"infogan_generator_{size}", f"infogan_discriminator_{size}"), minibatch, cascade,
                      generator_norm, d_extra_channels, head_initializer=normal_init)
