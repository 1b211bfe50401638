"""Networks for image-to-image translation: the pix2pix U-Net and PatchGAN (Isola et al., 2017) and the
CycleGAN ResNet generator (Zhu et al., 2017; Johnson et al., 2016). Channels last, images in [-1, 1].

* :func:`unet_generator`: encoder ``C(w) - C(2w) - C(4w) - C(8w) - C(8w)...`` (4x4 stride-2 convolutions,
  LeakyReLU(0.2), batch norm except on the first), decoder of 4x4 stride-2 transposed convolutions with batch
  norm and ReLU, each concatenated with the encoder's output of the same size (the skips); dropout 0.5 in the
  ``inner_dropout`` innermost decoder blocks (pix2pix: 3), active in training only; tanh output. ``depth``
  downsamplings (default: as many as halve the size down to 1 pixel, at most 8); sizes that ``2**depth`` does
  not divide (MNIST's 28) are padded with -1 to the next multiple and cropped back.
* :func:`patchgan_discriminator`: ``C(w)`` without norm, then ``n_layers - 1`` stride-2 and one stride-1
  ``C(min(2^k w, 8w))`` with batch norm and LeakyReLU(0.2), then a 4x4 convolution to one logit per patch.
  Its receptive field is :func:`patchgan_receptive_field` (``n_layers=3``: 70 x 70 pixels, pix2pix's default;
  1: 16; 2: 34). With ``conditional=True`` (pix2pix) it judges the pair ``concat(input, image)``.
* :func:`cyclegan_generator`: ``c7s1-w, d2w, d4w, R4w x n_blocks, u2w, uw, c7s1-C`` with reflect padding,
  instance normalization as ``GroupNormalization(groups=-1)`` (its γ starts at 1 and β at 0, not around 0) and
  ReLU, tanh output.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
from keras import layers, ops

from .resnet import PadImage

PACKAGE = "tfgan_zoo"


@keras.saving.register_keras_serializable(package=PACKAGE)
class ReflectionPad2D(layers.Layer):
    """Reflect-pad height and width by ``pad`` pixels.

    ``(batch, H, W, C) -> (batch, H + 2 pad, W + 2 pad, C)``.

    Parameters
    ----------
    pad : int
        Pixels added on each of the four sides (default 1); less than ``H`` and ``W``.
    ``**kwargs``
        Arguments of ``keras.layers.Layer`` (``name``, ``dtype``, ...).
    """

    def __init__(self, pad: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pad = int(pad)

    def call(self, x):
        p = self.pad
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, s):
        return (s[0], None if s[1] is None else s[1] + 2 * self.pad, None if s[2] is None else s[2] + 2 * self.pad,
                s[3])

    def get_config(self) -> dict:
        return {**super().get_config(), "pad": self.pad}


def patchgan_receptive_field(n_layers: int = 3) -> int:
    """The receptive field (pixels) of one output of :func:`patchgan_discriminator`: from the output back,
    ``r <- (r - 1) * stride + 4`` over its ``n_layers + 2`` 4x4 convolutions (strides 2 ... 2, 1, 1).

    Parameters
    ----------
    n_layers : int
        The ``n_layers`` of :func:`patchgan_discriminator` (default 3).

    Returns
    -------
    int
        The side of the square receptive field, in pixels (70 for ``n_layers=3``).
    """
    r = 1
    for stride in [1, 1] + [2] * int(n_layers):
        r = (r - 1) * stride + 4
    return r


def _square(image_shape: Sequence[int]) -> tuple[int, int]:
    if len(image_shape) != 3 or int(image_shape[0]) != int(image_shape[1]):
        raise ValueError(f"translation networks need square (height, width, channels) images, got "
                         f"{tuple(image_shape)}.")
    return int(image_shape[0]), int(image_shape[2])


def unet_generator(image_shape: Sequence[int], out_channels: int | None = None, width: int = 64,
                   depth: int | None = None, inner_dropout: int = 3, name: str = "unet_generator") -> keras.Model:
    """The pix2pix U-Net (module docstring): ``image (H, W, C) -> image (H, W, out_channels)``.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the input images: square, an even size when ``2**depth`` does not divide
        it (it is then padded with -1 and cropped back).
    out_channels : int or None
        Channels of the output images (default None: the input's).
    width : int
        Channels ``w`` of the first encoder convolution; the others double up to ``8w`` (default 64).
    depth : int or None
        Number of stride-2 downsamplings (>= 1). Default None: as many as halve the size down to 1 pixel,
        at most 8 (8 at 256 x 256, 4 at 28 x 28).
    inner_dropout : int
        Number of innermost decoder blocks with dropout 0.5, active in training only (default 3, pix2pix's).
    name : str
        The Keras name of the model (default "unet_generator").

    Returns
    -------
    keras.Model
        ``images (batch, size, size, channels) -> images (batch, size, size, out_channels)``, float32 in
        [-1, 1].

    Raises
    ------
    ValueError
        If the shape is not square, ``depth < 1``, or the padding needed is odd.
    """
    size, channels = _square(image_shape)
    out_channels = int(out_channels or channels)
    if depth is None:
        depth = 1
        while 2 ** (depth + 1) <= size and depth < 8:
            depth += 1
    depth = int(depth)
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}.")
    padded = -(-size // 2 ** depth) * 2 ** depth
    x = keras.Input((size, size, channels), name="input_image")
    if (padded - size) % 2:
        raise ValueError(f"the U-Net pads {size}x{size} images to {padded}x{padded} (a multiple of 2**depth) with an "
                         "equal margin on each side, which needs an even size; resize the images to an even size.")
    h = PadImage((padded - size) // 2, -1.0, name="pad")(x) if padded != size else x
    skips = []
    for i in range(depth):
        ch = min(width * 2 ** i, width * 8)
        h = layers.Conv2D(ch, 4, strides=2, padding="same", use_bias=i == 0, name=f"down_{i}")(h)
        if 0 < i < depth - 1:
            h = layers.BatchNormalization(name=f"down_{i}_bn")(h)
        h = layers.LeakyReLU(0.2, name=f"down_{i}_lrelu")(h)
        skips.append(h)
    for j, i in enumerate(reversed(range(depth - 1))):
        ch = min(width * 2 ** i, width * 8)
        h = layers.Conv2DTranspose(ch, 4, strides=2, padding="same", use_bias=False, name=f"up_{j}")(h)
        h = layers.BatchNormalization(name=f"up_{j}_bn")(h)
        if j < inner_dropout:
            h = layers.Dropout(0.5, name=f"up_{j}_dropout")(h)
        h = layers.ReLU(name=f"up_{j}_relu")(h)
        h = layers.Concatenate(name=f"skip_{j}")([h, skips[i]])
    h = layers.Conv2DTranspose(out_channels, 4, strides=2, padding="same", name="to_image")(h)
    if padded != size:
        h = layers.Cropping2D((padded - size) // 2, name="crop")(h)
    return keras.Model(x, layers.Activation("tanh", dtype="float32", name="tanh")(h), name=name)


def patchgan_discriminator(image_shape: Sequence[int], width: int = 64, n_layers: int = 3,
                           conditional: bool = False, cond_channels: int | None = None,
                           name: str = "patchgan") -> keras.Model:
    """The PatchGAN (module docstring): ``image`` (or ``[input, image]`` when ``conditional``) -> patch logits
    ``(batch, h', w', 1)``, float32.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the images it judges (square).
    width : int
        Channels ``w`` of the first convolution; the next ones double up to ``8w`` (default 64).
    n_layers : int
        Number of convolutions after the first, >= 1 (default 3: 70 x 70 patches); all but the last have
        stride 2, so ``h' = w' = size / 2**n_layers`` (rounded up). See :func:`patchgan_receptive_field`.
    conditional : bool
        Judge the pair ``[input, image]`` concatenated along the channels, as pix2pix does (default False: the
        image alone).
    cond_channels : int or None
        Channels of the conditioning input image when ``conditional`` (default None: ``image_shape``'s).
    name : str
        The Keras name of the model (default "patchgan").

    Returns
    -------
    keras.Model
        ``image`` or ``[input, image]`` -> float32 patch logits ``(batch, h', w', 1)``.

    Raises
    ------
    ValueError
        If the shape is not square or ``n_layers < 1``.
    """
    size, channels = _square(image_shape)
    if int(n_layers) < 1:
        raise ValueError(f"n_layers must be >= 1, got {n_layers}.")
    x = keras.Input((size, size, channels), name="image")
    if conditional:
        c = keras.Input((size, size, int(cond_channels or channels)), name="input_image")
        inputs = [c, x]
        h = layers.Concatenate(name="pair")([c, x])
    else:
        inputs = x
        h = x
    h = layers.Conv2D(width, 4, strides=2, padding="same", name="conv_0")(h)
    h = layers.LeakyReLU(0.2, name="conv_0_lrelu")(h)
    for i in range(1, int(n_layers) + 1):
        stride = 2 if i < int(n_layers) else 1
        h = layers.Conv2D(min(width * 2 ** i, width * 8), 4, strides=stride, padding="same", use_bias=False,
                          name=f"conv_{i}")(h)
        h = layers.BatchNormalization(name=f"conv_{i}_bn")(h)
        h = layers.LeakyReLU(0.2, name=f"conv_{i}_lrelu")(h)
    out = layers.Conv2D(1, 4, padding="same", dtype="float32", name="logit")(h)
    return keras.Model(inputs, out, name=name)


def _instance_norm(name: str) -> layers.Layer:
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def cyclegan_generator(image_shape: Sequence[int], width: int = 64, n_blocks: int = 6,
                       name: str = "cyclegan_generator") -> keras.Model:
    """The CycleGAN ResNet generator (module docstring); the size must be divisible by 4.

    Parameters
    ----------
    image_shape : sequence of 3 int
        ``(size, size, channels)`` of the input and output images: square, ``size`` divisible by 4.
    width : int
        Channels ``w`` of the first convolution; the downsampled maps and the residual blocks have ``2w`` and
        ``4w`` (default 64).
    n_blocks : int
        Number of residual blocks (default 6, CycleGAN's for 128 x 128; it uses 9 at 256 x 256).
    name : str
        The Keras name of the model (default "cyclegan_generator").

    Returns
    -------
    keras.Model
        ``images (batch, size, size, channels) -> images`` of the same shape, float32 in [-1, 1].

    Raises
    ------
    ValueError
        If the shape is not square or its size is not divisible by 4.
    """
    size, channels = _square(image_shape)
    if size % 4:
        raise ValueError(f"the CycleGAN generator halves the size twice; {size} is not divisible by 4.")
    x = keras.Input((size, size, channels), name="input_image")
    h = ReflectionPad2D(3, name="pad_in")(x)
    h = layers.Conv2D(width, 7, name="c7s1")(h)
    h = _instance_norm("c7s1_in")(h)
    h = layers.ReLU(name="c7s1_relu")(h)
    for i, ch in enumerate((2 * width, 4 * width)):
        h = layers.Conv2D(ch, 3, strides=2, padding="same", name=f"down_{i}")(h)
        h = _instance_norm(f"down_{i}_in")(h)
        h = layers.ReLU(name=f"down_{i}_relu")(h)
    for b in range(int(n_blocks)):
        r = ReflectionPad2D(1, name=f"res_{b}_pad_0")(h)
        r = layers.Conv2D(4 * width, 3, name=f"res_{b}_conv_0")(r)
        r = _instance_norm(f"res_{b}_in_0")(r)
        r = layers.ReLU(name=f"res_{b}_relu")(r)
        r = ReflectionPad2D(1, name=f"res_{b}_pad_1")(r)
        r = layers.Conv2D(4 * width, 3, name=f"res_{b}_conv_1")(r)
        r = _instance_norm(f"res_{b}_in_1")(r)
        h = layers.Add(name=f"res_{b}_add")([h, r])
    for i, ch in enumerate((2 * width, width)):
        h = layers.Conv2DTranspose(ch, 3, strides=2, padding="same", name=f"up_{i}")(h)
        h = _instance_norm(f"up_{i}_in")(h)
        h = layers.ReLU(name=f"up_{i}_relu")(h)
    h = ReflectionPad2D(3, name="pad_out")(h)
    h = layers.Conv2D(channels, 7, name="to_image")(h)
    return keras.Model(x, layers.Activation("tanh", dtype="float32", name="tanh")(h), name=name)
