"""4x4, stride-2, "same" convolutions whose transposed-convolution half runs as forward convolutions.

The DCGAN's generator upsamples with transposed convolutions, and the input gradient of the
discriminator's strided convolutions is a transposed convolution too. On the CPU, TensorFlow
runs those (oneDNN's backward-data kernel) at well under its ordinary-convolution rate. This
module computes them another way, with the same result up to the order of float32 additions.

A stride-2 transposed convolution computes four interleaved output phases. With a 4x4 kernel
``K`` and "same" padding (the adjoint of a 4x4 stride-2 "same" convolution on an even-sized
input, padding 1 before), output row ``y = 2m + p`` gathers

    p = 0:  in[m - 1] K[3] + in[m] K[1]
    p = 1:  in[m] K[2] + in[m + 1] K[0]

and likewise along the columns. So every phase is a 2x2 correlation of the input with a
sub-kernel of ``K``. :func:`subpixel_conv_transpose` runs the four 2x2 convolutions over the
input padded by 1 and interleaves the phases with ``tf.nn.depth_to_space(., 2)``: the same
multiply-adds, in oneDNN's forward-convolution kernels. (One 3x3 convolution with the four
phases' taps and zeros would spend 9/4 of them: measured no faster.)

* :class:`SubpixelConvTranspose` (a ``keras.layers.Conv2DTranspose``): forward as above;
  backward with the native layer's own computations (a strided convolution of ``dy`` for the
  input, ``conv2d_backprop_filter`` for the kernel).
* :class:`SubpixelConv2D` (a ``keras.layers.Conv2D``, 4x4, stride 2, "same", even input sizes):
  forward with the native strided convolution; its input gradient is the transposed
  convolution above. Twice differentiable (gradient penalties differentiate through it).

Timed in isolation on a 2-core AMD EPYC without AVX-512, batch 128, milliseconds (single
calls of the operations during this module's development; they vary by 20-30% between runs.
``benchmarks/layer_profile.py`` times whole layers in the step, see ``benchmarks/README.md``):

=====================================  ==========  =========  =============================
computation                            native      sub-pixel  so the DCGAN uses
=====================================  ==========  =========  =============================
G 7x7x256 -> 14x14x128, forward        123-180     64-85      ``SubpixelConvTranspose``
D 14x14x64 -> 7x7x128, input gradient  38-58       19-30      ``SubpixelConv2D``
G 14x14x128 -> 28x28x1, forward        5.6         31         native (too few channels)
the same to 16 / 32 / 64 channels      26/78/156   49/61/121
=====================================  ==========  =========  =============================

Hence :data:`MIN_SUBPIXEL_CHANNELS`: a transposed convolution with fewer output channels keeps
the native kernel (the DCGAN's image layer; for a discriminator layer the transposed
convolution is its input gradient, whose channels are the layer's input channels, so its first
layer) in every mode.

Both layers hold the native layer's variables (``get_weights``/``set_weights`` move them between
the two), shapes, initialisers and configuration. A ``.keras`` file records the class, so it loads
back into the class it was saved with; Keras stores weights under class-derived names, so a
weights file of one implementation does not load into a model built with the other (training
runs therefore record their implementation in ``config.json``).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..choices import TRANSPOSE_IMPLS

# for each output phase p, the kernel rows at input offsets -1, 0 (p = 0) and 0, +1 (p = 1)
_TAPS = ((3, 1), (2, 0))
IMPLS = TRANSPOSE_IMPLS  # the command line's choices (tfgan_zoo.choices)
#: A transposed convolution (G's upsampling, D's input gradient) with fewer output channels stays native.
MIN_SUBPIXEL_CHANNELS = 32


def resolve_transpose_impl(impl: str = "auto") -> str:
    """``"native"`` or ``"subpixel"`` for ``impl`` in :data:`IMPLS`.

    ``"auto"`` is ``"subpixel"`` when TensorFlow sees neither a GPU nor a TPU, i.e. on CPUs
    (measured faster there, table above), and ``"native"`` on GPUs and TPUs, where the
    transposed convolution has a kernel as good as the ordinary one (cuDNN's implicit GEMM;
    not measured here: no GPU or TPU).

    Parameters
    ----------
    impl : str
        "auto" (default), "native" or "subpixel"; the last two are returned as they are.

    Returns
    -------
    str
        "native" or "subpixel".

    Raises
    ------
    ValueError
        If ``impl`` is not one of :data:`IMPLS`.
    """
    if impl not in IMPLS:
        raise ValueError(f"Unknown transpose_impl {impl!r}; use one of {', '.join(IMPLS)}.")
    if impl != "auto":
        return impl
    accelerated = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("TPU")
    return "native" if accelerated else "subpixel"


def _phases(x: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """The transposed convolution's four phases as 2x2 convolutions, interleaved."""
    k = tf.transpose(kernel, [0, 1, 3, 2])  # (4, 4, in, out): forward-convolution layout
    xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    h, w = tf.shape(x)[1], tf.shape(x)[2]
    phases = [tf.nn.conv2d(xp[:, py:py + h + 1, px:px + w + 1, :],
                           tf.gather(tf.gather(k, _TAPS[py], axis=0), _TAPS[px], axis=1), 1, "VALID")
              for py in (0, 1) for px in (0, 1)]  # depth_to_space order: channel block = 2 * py + px
    return tf.nn.depth_to_space(tf.concat(phases, axis=-1), 2)


def _filter_grad(x: tf.Tensor, kernel: tf.Tensor, dy: tf.Tensor) -> tf.Tensor:
    """d(conv2d(x, kernel, strides=2, "SAME")) / d kernel for the output gradient ``dy``."""
    return tf.compat.v1.nn.conv2d_backprop_filter(x, tf.shape(kernel), dy, [1, 2, 2, 1], "SAME")


def subpixel_conv_transpose(x: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """``conv2d_transpose(x, kernel, strides=2, padding="SAME")`` for a 4x4 ``kernel`` (``(4, 4, out, in)``).

    Forward: the four phases as 2x2 convolutions (module docstring). Backward: the transposed
    convolution's own gradients, ``conv2d(dy, kernel, strides=2)`` for the input and
    ``conv2d_backprop_filter`` for the kernel (the phases' automatic gradients would be
    transposed convolutions again).

    Parameters
    ----------
    x : tf.Tensor
        Input of shape ``(batch, H, W, C_in)``, channels last.
    kernel : tf.Tensor
        The 4x4 kernel in ``Conv2DTranspose``'s layout ``(4, 4, C_out, C_in)``, of ``x``'s dtype.

    Returns
    -------
    tf.Tensor
        The transposed convolution, ``(batch, 2 H, 2 W, C_out)`` (no bias, no activation).
    """

    @tf.custom_gradient
    def conv_transpose(x, kernel):
        def grad(dy):
            return tf.nn.conv2d(dy, kernel, strides=2, padding="SAME"), _filter_grad(dy, kernel, x)

        return _phases(x, kernel), grad

    return conv_transpose(x, kernel)


def strided_conv(x: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """``conv2d(x, kernel, strides=2, padding="SAME")`` for a 4x4 ``kernel``, even height and width.

    The input gradient, a transposed convolution, is :func:`subpixel_conv_transpose` of ``dy``;
    the kernel gradient is the native ``conv2d_backprop_filter``.

    Parameters
    ----------
    x : tf.Tensor
        Input of shape ``(batch, H, W, C_in)``, channels last, with even ``H`` and ``W``.
    kernel : tf.Tensor
        The 4x4 kernel in ``Conv2D``'s layout ``(4, 4, C_in, C_out)``, of ``x``'s dtype.

    Returns
    -------
    tf.Tensor
        The strided convolution, ``(batch, H / 2, W / 2, C_out)`` (no bias, no activation).
    """

    @tf.custom_gradient
    def conv(x, kernel):
        def grad(dy):
            return subpixel_conv_transpose(dy, kernel), _filter_grad(x, kernel, dy)

        return tf.nn.conv2d(x, kernel, strides=2, padding="SAME"), grad

    return conv(x, kernel)


def _check(layer: keras.layers.Layer, base: str) -> None:
    if (tuple(layer.kernel_size), tuple(layer.strides), layer.padding, layer.data_format,
            tuple(layer.dilation_rate), getattr(layer, "output_padding", None), getattr(layer, "groups", 1)) != (
            (4, 4), (2, 2), "same", "channels_last", (1, 1), None, 1):
        raise ValueError(f"{type(layer).__name__} computes 4x4, stride-2, 'same', channels-last convolutions "
                         f"without dilation, groups or output padding only; use keras.layers.{base} for "
                         f"kernel_size={layer.kernel_size}, strides={layer.strides}, padding={layer.padding!r}.")


class _Finish:
    """Bias and activation as the native layers add them (the same op: the same bias gradient, bit for bit)."""

    def _finish(self, y):
        if self.use_bias:
            y = keras.ops.add(y, keras.ops.reshape(self.bias, (1, 1, 1, self.filters)))
        if self.activation is not None:
            y = self.activation(y)
        return y


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SubpixelConvTranspose(_Finish, keras.layers.Conv2DTranspose):
    """``Conv2DTranspose(filters, 4, strides=2, padding="same")`` computed as convolutions + depth_to_space.

    Only that configuration (channels-last, no dilation, no output padding) has this form; other
    arguments are refused with the fix (use ``keras.layers.Conv2DTranspose``).

    Parameters
    ----------
    filters : int
        Number of output channels.
    kernel_size : int or tuple (int, int)
        The kernel size: 4 or ``(4, 4)`` only (default 4).
    strides : int or tuple (int, int)
        The stride: 2 or ``(2, 2)`` only (default 2).
    padding : str
        The padding: "same" only (default).
    ``**kwargs``
        The other arguments of ``keras.layers.Conv2DTranspose`` (``use_bias``, ``activation``, ``kernel_initializer``,
        ``name``, ...); ``data_format`` must stay channels-last, ``dilation_rate`` 1 and ``output_padding`` None.
    """

    def __init__(self, filters, kernel_size=4, strides=2, padding="same", **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        _check(self, "Conv2DTranspose")

    def call(self, inputs):
        return self._finish(subpixel_conv_transpose(inputs, tf.cast(self.kernel, self.compute_dtype)))


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SubpixelConv2D(_Finish, keras.layers.Conv2D):
    """``Conv2D(filters, 4, strides=2, padding="same")`` whose input gradient is computed sub-pixel.

    The forward pass is the native strided convolution; see :func:`strided_conv`. Needs even
    input height and width (the DCGAN discriminator's); other inputs and configurations are
    refused with the fix (use ``keras.layers.Conv2D``).

    Parameters
    ----------
    filters : int
        Number of output channels.
    kernel_size : int or tuple (int, int)
        The kernel size: 4 or ``(4, 4)`` only (default 4).
    strides : int or tuple (int, int)
        The stride: 2 or ``(2, 2)`` only (default 2).
    padding : str
        The padding: "same" only (default).
    ``**kwargs``
        The other arguments of ``keras.layers.Conv2D`` (``use_bias``, ``activation``, ``kernel_initializer``,
        ``name``, ...); ``data_format`` must stay channels-last, ``dilation_rate`` 1 and ``groups`` 1.
    """

    def __init__(self, filters, kernel_size=4, strides=2, padding="same", **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        _check(self, "Conv2D")

    def build(self, input_shape):
        h, w = input_shape[1], input_shape[2]
        if (h is not None and h % 2) or (w is not None and w % 2):
            raise ValueError(f"SubpixelConv2D needs even input height and width, got {h}x{w}; use "
                             "keras.layers.Conv2D for odd sizes.")
        super().build(input_shape)

    def call(self, inputs):
        return self._finish(strided_conv(inputs, tf.cast(self.kernel, self.compute_dtype)))
