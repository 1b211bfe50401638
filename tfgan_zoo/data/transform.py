"""Graph-side image transforms shared by every source: channels, square resize, scaling to [-1, 1]."""

from __future__ import annotations

import tensorflow as tf


def to_channels(rgb: tf.Tensor, channels: int) -> tf.Tensor:
    """Convert uint8 RGB ``(..., h, w, 3)`` to ``channels`` (1: ITU-R 601 luma, rounded; 3: unchanged).

    Parameters
    ----------
    rgb : tf.Tensor
        RGB images ``(..., h, w, 3)``, uint8 in [0, 255].
    channels : {1, 3}
        3: return ``rgb`` as is; 1 (any other value too): grayscale.

    Returns
    -------
    tf.Tensor
        ``rgb`` itself for 3 channels, else its luma ``(..., h, w, 1)``, rounded and clipped to
        [0, 255], in the dtype of ``rgb``.
    """
    if channels == 3:
        return rgb
    gray = tf.image.rgb_to_grayscale(tf.cast(rgb, tf.float32))
    return tf.cast(tf.clip_by_value(tf.round(gray), 0.0, 255.0), rgb.dtype)


def match_channels(x: tf.Tensor, channels: int) -> tf.Tensor:
    """Convert images with a static channel count of 1 or 3 to ``channels``.

    Parameters
    ----------
    x : tf.Tensor
        Images ``(..., h, w, c)`` with a static ``c`` of 1 or 3, uint8 or float.
    channels : {1, 3}
        The channel count wanted.

    Returns
    -------
    tf.Tensor
        ``x`` itself when it already has ``channels``; grayscale repeated into 3 equal channels;
        or RGB turned into luma (rounded for uint8, see :func:`to_channels`). The dtype is kept.
    """
    have = x.shape[-1]
    if have == channels:
        return x
    if have == 1:
        return tf.repeat(x, 3, axis=-1)
    if x.dtype == tf.uint8:
        return to_channels(x, 1)
    return tf.image.rgb_to_grayscale(x)


def resize_square(x: tf.Tensor, size: int) -> tf.Tensor:
    """Resize so the shorter side is ``size`` (bilinear, antialiased), then centre-crop to ``size x size``.

    Works on one image ``(h, w, c)`` or a batch ``(n, h, w, c)`` of any dtype; uint8 input
    comes back as rounded uint8, float input as float32. Images already ``size x size``
    are returned unchanged.

    Parameters
    ----------
    x : tf.Tensor
        One image ``(h, w, c)`` or a batch ``(n, h, w, c)``, channels last; ``h`` and ``w`` may be
        dynamic, ``c`` must be static.
    size : int
        The side of the square output, >= 1.

    Returns
    -------
    tf.Tensor
        ``(size, size, c)`` or ``(n, size, size, c)``: uint8 for uint8 input, else float32.
    """
    shape = tf.shape(x)
    h, w = shape[-3], shape[-2]

    def resized():
        scale = tf.cast(size, tf.float32) / tf.cast(tf.minimum(h, w), tf.float32)
        nh = tf.maximum(size, tf.cast(tf.round(tf.cast(h, tf.float32) * scale), tf.int32))
        nw = tf.maximum(size, tf.cast(tf.round(tf.cast(w, tf.float32) * scale), tf.int32))
        y = tf.image.resize(tf.cast(x, tf.float32), tf.stack([nh, nw]), method="bilinear", antialias=True)
        top, left = (nh - size) // 2, (nw - size) // 2
        y = y[..., top:top + size, left:left + size, :]
        if x.dtype == tf.uint8:
            return tf.cast(tf.clip_by_value(tf.round(y), 0.0, 255.0), tf.uint8)
        return y

    def unchanged():
        return x if x.dtype == tf.uint8 else tf.cast(x, tf.float32)

    out = tf.cond(tf.logical_and(tf.equal(h, size), tf.equal(w, size)), unchanged, resized)
    return tf.ensure_shape(out, [*x.shape[:-3], size, size, x.shape[-1]])


def to_signed_unit(x: tf.Tensor) -> tf.Tensor:
    """uint8 [0, 255] -> float32 [-1, 1] (``x / 127.5 - 1``); float input is taken as already in [-1, 1].

    Parameters
    ----------
    x : tf.Tensor
        Images of any shape: uint8 in [0, 255], or a float (or other) dtype already in [-1, 1].

    Returns
    -------
    tf.Tensor
        float32, the shape of ``x``: scaled for uint8 input, only cast otherwise.
    """
    if x.dtype == tf.uint8:
        return tf.cast(x, tf.float32) / 127.5 - 1.0
    return tf.cast(x, tf.float32)
