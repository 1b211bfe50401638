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
    """Reflect-pad height and width by ``pad`` pixels."""

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
    ``r <- (r - 1) * stride + 4`` over its ``n_layers + 2`` 4x4 convolutions (strides 2 ... 2, 1, 1)."""
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
    """The pix2pix U-Net (module docstring): ``image (H, W, C) -> image (H, W, out_channels)``."""
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
    ``(batch, h', w', 1)``, float32."""
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
    """The CycleGAN ResNet generator (module docstring); the size must be divisible by 4."""
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
