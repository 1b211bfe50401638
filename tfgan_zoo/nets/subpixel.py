"""The 4x4, stride-2, "same" transposed convolution as one forward convolution + ``depth_to_space``.

A transposed convolution with stride 2 computes four interleaved output phases. With a 4x4
kernel ``K`` and "same" padding (the gradient of a 4x4 stride-2 "same" convolution, padding 1
before), output row ``y = 2m + p`` gathers

    p = 0:  in[m - 1] K[3] + in[m] K[1]
    p = 1:  in[m] K[2] + in[m + 1] K[0]

and likewise along the columns. So every phase is a 2x2 correlation of the input with a
sub-kernel of ``K``. :func:`subpixel_conv_transpose` runs the four 2x2 convolutions over the
input padded by 1 and interleaves the phases with ``tf.nn.depth_to_space(., 2)``: the same
multiply-adds as the transposed convolution, in oneDNN's ordinary-convolution kernels. (One
3x3 convolution with the four phases' taps and zeros would spend 9/4 of them: measured no
faster.) The result is the transposed convolution's up to the order of float32 additions.

Measured on a 2-core AMD EPYC without AVX-512, the 28x28 DCGAN's 7x7x256 -> 14x14x128 layer at
batch 128: forward 78 ms vs 118 ms for ``Conv2DTranspose``; with automatic gradients the
backward pass became slower than the native one (the gradient of a convolution with respect to
its input is a transposed convolution again), hence the custom gradient, which reuses the
native layer's own backward computations.

The layer *is* a ``keras.layers.Conv2DTranspose``: the same variables (``get_weights`` /
``set_weights`` move them between the two), shapes, initialisers and configuration. A ``.keras``
file records the class, so it loads back into the class it was saved with. Not yet used by
:mod:`tfgan_zoo.nets.dcgan` (issue 12: the choice by measured speed comes next).
"""

from __future__ import annotations

import keras
import tensorflow as tf

# for each output phase p, the kernel rows at input offsets -1, 0 (p = 0) and 0, +1 (p = 1)
_TAPS = ((3, 1), (2, 0))


def subpixel_conv_transpose(x: tf.Tensor, kernel: tf.Tensor) -> tf.Tensor:
    """``conv2d_transpose(x, kernel, strides=2, padding="SAME")`` for a 4x4 ``kernel`` (``(4, 4, out, in)``).

    Forward: the four phases as 2x2 convolutions of the input padded by 1, interleaved with
    ``depth_to_space``. Backward: the transposed convolution's own gradients, a strided
    convolution of ``dy`` for the input and ``conv2d_backprop_filter`` for the kernel (the
    forward convolutions' automatic gradients would be transposed convolutions again).
    """

    @tf.custom_gradient
    def conv_transpose(x, kernel):
        k = tf.transpose(kernel, [0, 1, 3, 2])  # (4, 4, in, out): forward-convolution layout
        xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
        h, w = tf.shape(x)[1], tf.shape(x)[2]
        phases = [tf.nn.conv2d(xp[:, py:py + h + 1, px:px + w + 1, :],
                               tf.gather(tf.gather(k, _TAPS[py], axis=0), _TAPS[px], axis=1), 1, "VALID")
                  for py in (0, 1) for px in (0, 1)]  # depth_to_space order: channel block = 2 * py + px
        y = tf.nn.depth_to_space(tf.concat(phases, axis=-1), 2)

        def grad(dy):
            dx = tf.nn.conv2d(dy, kernel, strides=2, padding="SAME")
            dk = tf.compat.v1.nn.conv2d_backprop_filter(dy, tf.shape(kernel), x, [1, 2, 2, 1], "SAME")
            return dx, dk

        return y, grad

    return conv_transpose(x, kernel)


@keras.saving.register_keras_serializable(package="tfgan_zoo")
class SubpixelConvTranspose(keras.layers.Conv2DTranspose):
    """``Conv2DTranspose(filters, 4, strides=2, padding="same")`` computed as a convolution + depth_to_space.

    Only that configuration (channels-last, no dilation, no output padding) has this form; other
    arguments are refused with the fix (use ``keras.layers.Conv2DTranspose``).
    """

    def __init__(self, filters, kernel_size=4, strides=2, padding="same", **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, **kwargs)
        if (tuple(self.kernel_size), tuple(self.strides), self.padding, self.data_format,
                tuple(self.dilation_rate), self.output_padding) != ((4, 4), (2, 2), "same", "channels_last",
                                                                    (1, 1), None):
            raise ValueError("SubpixelConvTranspose computes 4x4, stride-2, 'same', channels-last transposed "
                             "convolutions without dilation or output padding only; use "
                             "keras.layers.Conv2DTranspose for kernel_size="
                             f"{self.kernel_size}, strides={self.strides}, padding={self.padding!r}.")

    def call(self, inputs):
        y = subpixel_conv_transpose(inputs, tf.cast(self.kernel, self.compute_dtype))
        if self.use_bias:  # as Conv2DTranspose adds it (the same op: the same bias gradient, bit for bit)
            y = keras.ops.add(y, keras.ops.reshape(self.bias, (1, 1, 1, self.filters)))
        if self.activation is not None:
            y = self.activation(y)
        return y
