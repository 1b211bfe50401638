"""Differentiable augmentation (DiffAugment, Zhao et al., NeurIPS 2020) of the discriminator's inputs.

The same random transformation family ``T`` is applied to real and generated images, in the
discriminator's and in the generator's update (so gradients flow through ``T``): the discriminator
sees ``D(T(x))`` and ``D(T(G(z)))``, and the generator minimises its loss on ``D(T(G(z)))``. Because
``T`` is applied to both sides alike, the generator is not pushed to produce augmented images, and the
discriminator cannot memorise a small training set as easily.

Images are in [-1, 1], channels last; every draw is per example:

``color``
    brightness ``x + (b - 0.5)``, ``b ~ U[0, 1)``; saturation ``(x - m_c) * s + m_c`` with ``m_c`` the mean
    over channels and ``s ~ U[0, 2)`` (identity on one channel); contrast ``(x - m) * (c + 0.5) + m`` with
    ``m`` the image mean and ``c ~ U[0, 1)``.
``translation``
    shift by integers ``(dy, dx)``, each uniform in ``[-r, r]`` with ``r = round(size / 8)``; the
    uncovered border is 0.
``cutout``
    a square of side ``round(size / 2)`` at a uniform position (partly outside the image allowed) is set to 0.

The policy is a comma-separated subset applied in the order color, translation, cutout (the paper's
``color,translation,cutout`` is the recommended one for small datasets).
"""

from __future__ import annotations

from typing import Sequence

import keras
import tensorflow as tf

from .choices import parse_augment_policy as parse_policy
from .distribute import replica_rows

__all__ = ["parse_policy", "color", "translation", "cutout", "diff_augment"]


def _seed(seed) -> keras.random.SeedGenerator:
    """A ``SeedGenerator`` (an int would give every draw of a call the same numbers: dy == dx)."""
    return seed if isinstance(seed, keras.random.SeedGenerator) else keras.random.SeedGenerator(seed)


def _uniform(n, seed, low=0.0, high=1.0, dtype="float32", shape=(1, 1, 1)):
    """``n`` draws for this replica's examples: under a strategy, its rows of a draw for the global batch
    (:func:`tfgan_zoo.distribute.replica_rows`), so replicas augment differently and together as one device."""
    return replica_rows(lambda k: keras.random.uniform((k, *shape), low, high, dtype=dtype, seed=seed), n)


def color(x: tf.Tensor, seed) -> tf.Tensor:
    """Random brightness, saturation and contrast (see the module docstring)."""
    seed = _seed(seed)
    n = tf.shape(x)[0]
    x = x + (_uniform(n, seed, dtype=x.dtype) - 0.5)
    m_c = tf.reduce_mean(x, axis=3, keepdims=True)
    x = (x - m_c) * _uniform(n, seed, 0.0, 2.0, x.dtype) + m_c
    m = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - m) * (_uniform(n, seed, dtype=x.dtype) + 0.5) + m


def _shifts(n, r: int, seed) -> tf.Tensor:
    """``n`` integers uniform in ``[-r, r]``."""
    return tf.cast(tf.floor(_uniform(n, seed, 0.0, 2 * r + 1, shape=())), tf.int32) - r


def translation(x: tf.Tensor, seed, ratio: float = 0.125) -> tf.Tensor:
    """Shift each image by ``(dy, dx)`` uniform in ``[-r, r]^2``, ``r = int(size * ratio + 0.5)``; zeros enter."""
    seed = _seed(seed)
    h, w = int(x.shape[1]), int(x.shape[2])
    ry, rx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    n = tf.shape(x)[0]
    padded = tf.pad(x, [[0, 0], [ry, ry], [rx, rx], [0, 0]])
    rows = tf.range(h)[None, :] + ry - _shifts(n, ry, seed)[:, None]  # output row i reads input row i - dy
    cols = tf.range(w)[None, :] + rx - _shifts(n, rx, seed)[:, None]
    x = tf.gather(padded, rows, axis=1, batch_dims=1)
    return tf.gather(x, cols, axis=2, batch_dims=1)


def cutout(x: tf.Tensor, seed, ratio: float = 0.5) -> tf.Tensor:
    """Set a ``int(size * ratio + 0.5)``-sided square at a uniform centre of each image to 0."""
    seed = _seed(seed)
    h, w = int(x.shape[1]), int(x.shape[2])
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    n = tf.shape(x)[0]
    cy = tf.cast(tf.floor(_uniform(n, seed, 0.0, h + 1 - sy % 2, shape=())), tf.int32)
    cx = tf.cast(tf.floor(_uniform(n, seed, 0.0, w + 1 - sx % 2, shape=())), tf.int32)
    y0, x0 = cy - sy // 2, cx - sx // 2
    iy, ix = tf.range(h)[None, :], tf.range(w)[None, :]
    in_y = (iy >= y0[:, None]) & (iy < (y0 + sy)[:, None])  # (n, h)
    in_x = (ix >= x0[:, None]) & (ix < (x0 + sx)[:, None])  # (n, w)
    keep = 1.0 - tf.cast(in_y[:, :, None] & in_x[:, None, :], x.dtype)
    return x * keep[..., None]


_OPS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: tf.Tensor, policy: Sequence[str], seed) -> tf.Tensor:
    """Apply the parts of ``policy`` (from :func:`parse_policy`) to a batch, drawing with ``seed`` (a
    ``keras.random.SeedGenerator``, as the GAN's, or an int)."""
    seed = _seed(seed)
    for part in policy:
        x = _OPS[part](x, seed)
    return x
