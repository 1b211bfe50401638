"""Discriminator regularisers computed from input gradients.

All penalties are computed in float32 whatever the mixed-precision policy:
the interpolated inputs are float32 and the gradient norm is taken in float32.
"""

from __future__ import annotations

import keras
import tensorflow as tf

EPSILON = 1e-12  # inside the square root: d sqrt(s)/ds is infinite at s = 0


def _per_example_grad_norm(discriminator: keras.Model, x: tf.Tensor) -> tf.Tensor:
    """``||grad_x sum D(x)||_2`` per example, float32, with ``EPSILON`` inside the root."""
    x = tf.cast(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = tf.cast(discriminator(x, training=True), tf.float32)
        total = tf.reduce_sum(logits)
    grads = tf.cast(tape.gradient(total, x), tf.float32)
    axes = list(range(1, len(x.shape)))
    return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + EPSILON)


def gradient_penalty(
    discriminator: keras.Model,
    real: tf.Tensor,
    fake: tf.Tensor,
    seed: keras.random.SeedGenerator | int | None = None,
    weight: float = 10.0,
) -> tf.Tensor:
    """Two-sided gradient penalty of WGAN-GP (Gulrajani et al., 2017).

    ``P = weight * E[(||grad_x D(x_hat)||_2 - 1)^2]`` with
    ``x_hat = real + alpha (fake - real)`` and ``alpha ~ U(0, 1)`` drawn once
    per example (not per pixel, not from a normal distribution).
    """
    real = tf.cast(real, tf.float32)
    fake = tf.cast(fake, tf.float32)
    batch = tf.shape(real)[0]
    alpha_shape = tf.concat([[batch], tf.ones([len(real.shape) - 1], tf.int32)], axis=0)
    alpha = keras.random.uniform(alpha_shape, 0.0, 1.0, dtype="float32", seed=seed)
    x_hat = real + alpha * (fake - real)
    norm = _per_example_grad_norm(discriminator, x_hat)
    return weight * tf.reduce_mean(tf.square(norm - 1.0))
