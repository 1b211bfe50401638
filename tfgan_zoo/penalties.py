"""Discriminator regularisers computed from input gradients.

All penalties are computed in float32 whatever the mixed-precision policy:
the interpolated inputs are float32 and the gradient norm is taken in float32.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from .distribute import replica_rows

EPSILON = 1e-12  # inside the square root: d sqrt(s)/ds is infinite at s = 0


def _score_sum(logits) -> tf.Tensor:
    """Sum over the batch of each example's mean score: its gradient is every example's own mean-score
    gradient (examples do not interact). One score per example (the usual ``(batch, 1)``) is the plain sum."""
    return tf.reduce_sum(tf.reduce_mean(tf.cast(logits, tf.float32), axis=-1))


def _per_example_grad_norm(discriminator: keras.Model, x: tf.Tensor) -> tf.Tensor:
    """``||grad_x D(x)||_2`` per example, float32, with ``EPSILON`` inside the root. A discriminator with several
    scores (cascading rejection) has the gradient of its mean score taken."""
    x = tf.cast(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = _score_sum(discriminator(x, training=True))
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

    Examples
    --------
    A linear critic ``D(x) = 3 x_0 + 4 x_1`` has the input gradient ``(3, 4)``, of norm 5, everywhere (whatever
    ``alpha``): ``P = 10 (5 - 1)^2``. Scaled down to norm 1/2, ``P = 10 (1/2 - 1)^2``:

    >>> import keras, numpy as np
    >>> from tfgan_zoo import penalties
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [4.0]])])
    >>> real, fake = np.zeros((4, 2), "float32"), np.ones((4, 2), "float32")
    >>> round(float(penalties.gradient_penalty(critic, real, fake, seed=0)), 4)
    160.0
    >>> critic.set_weights([np.array([[0.3], [0.4]])])
    >>> round(float(penalties.gradient_penalty(critic, real, fake, seed=0)), 4)
    2.5
    """
    x_hat = _interpolate(tf.cast(real, tf.float32), tf.cast(fake, tf.float32), seed)
    norm = _per_example_grad_norm(discriminator, x_hat)
    return weight * tf.reduce_mean(tf.square(norm - 1.0))


def _interpolate(real: tf.Tensor, other: tf.Tensor, seed) -> tf.Tensor:
    """``real + alpha (other - real)`` with ``alpha ~ U(0, 1)`` once per example."""
    ones = tf.ones([len(real.shape) - 1], tf.int32)
    alpha = replica_rows(lambda n: keras.random.uniform(tf.concat([[n], ones], axis=0), 0.0, 1.0,
                                                        dtype="float32", seed=seed), tf.shape(real)[0])
    return real + alpha * (other - real)


def one_sided_gradient_penalty(discriminator, real, fake, seed=None, weight: float = 10.0) -> tf.Tensor:
    """One-sided form of the WGAN-GP penalty (Gulrajani et al., 2017, appendix; Petzka et al., 2018).

    ``P = weight * E[max(0, ||grad_x D(x_hat)||_2 - 1)^2]``, ``x_hat`` as in
    :func:`gradient_penalty`: only gradients steeper than 1 are penalised.

    Examples
    --------
    The linear critic of :func:`gradient_penalty`: a gradient norm of 5 costs ``10 (5 - 1)^2`` as in the
    two-sided form, one of 1/2 costs nothing:

    >>> import keras, numpy as np
    >>> from tfgan_zoo import penalties
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [4.0]])])
    >>> real, fake = np.zeros((4, 2), "float32"), np.ones((4, 2), "float32")
    >>> round(float(penalties.one_sided_gradient_penalty(critic, real, fake, seed=0)), 4)
    160.0
    >>> critic.set_weights([np.array([[0.3], [0.4]])])
    >>> round(float(penalties.one_sided_gradient_penalty(critic, real, fake, seed=0)), 4)
    0.0
    """
    x_hat = _interpolate(tf.cast(real, tf.float32), tf.cast(fake, tf.float32), seed)
    norm = _per_example_grad_norm(discriminator, x_hat)
    return weight * tf.reduce_mean(tf.square(tf.nn.relu(norm - 1.0)))


def r1_penalty(discriminator, real, fake=None, seed=None, weight: float = 10.0) -> tf.Tensor:
    """R1 regulariser (Mescheder et al., 2018): ``P = (weight / 2) * E[||grad_x D(x_real)||_2^2]``.

    ``weight`` is the paper's gamma. Only real images are used; ``fake`` and ``seed`` are ignored.

    Examples
    --------
    A linear critic ``D(x) = 3 x_0 + 4 x_1``: ``||grad||^2 = 25`` and ``P = (10 / 2) * 25``:

    >>> import keras, numpy as np
    >>> from tfgan_zoo import penalties
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [4.0]])])
    >>> round(float(penalties.r1_penalty(critic, np.zeros((4, 2), "float32"))), 4)
    125.0
    >>> round(float(penalties.r1_penalty(critic, np.zeros((4, 2), "float32"), weight=1.0)), 4)
    12.5
    """
    x = tf.cast(real, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = _score_sum(discriminator(x, training=True))
    grads = tf.cast(tape.gradient(total, x), tf.float32)
    sq = tf.reduce_sum(tf.square(grads), axis=list(range(1, len(x.shape))))
    return 0.5 * weight * tf.reduce_mean(sq)


def dragan_penalty(discriminator, real, fake=None, seed=None, weight: float = 10.0, scale: float = 0.5) -> tf.Tensor:
    """DRAGAN penalty (Kodali et al., 2017): a gradient penalty around the real data.

    ``x_p = x + scale * std(x) * u`` with ``u ~ U(0, 1)`` per pixel, ``x_hat = x + alpha (x_p - x)``
    with ``alpha ~ U(0, 1)`` per example, ``P = weight * E[(||grad_x D(x_hat)||_2 - 1)^2]``.
    ``std(x)`` is the standard deviation over the whole real batch (under a distribution strategy,
    over the replica's share of it). ``fake`` is ignored.

    Examples
    --------
    A linear critic ``D(x) = 3 x_0 + 4 x_1`` has the gradient norm 5 at every perturbed point:
    ``P = 10 (5 - 1)^2``:

    >>> import keras, numpy as np
    >>> from tfgan_zoo import penalties
    >>> critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    >>> critic.set_weights([np.array([[3.0], [4.0]])])
    >>> real = np.arange(8, dtype="float32").reshape(4, 2)
    >>> round(float(penalties.dragan_penalty(critic, real, seed=0)), 4)
    160.0
    """
    x = tf.cast(real, tf.float32)
    u = replica_rows(lambda n: keras.random.uniform(tf.concat([[n], tf.shape(x)[1:]], axis=0), 0.0, 1.0,
                                                    dtype="float32", seed=seed), tf.shape(x)[0])
    x_p = x + scale * tf.math.reduce_std(x) * u
    norm = _per_example_grad_norm(discriminator, _interpolate(x, x_p, seed))
    return weight * tf.reduce_mean(tf.square(norm - 1.0))


# name -> (function, default weight); the names of tfgan_zoo.choices.PENALTIES
PENALTIES = {
    "gp": (gradient_penalty, 10.0),
    "gp-one-sided": (one_sided_gradient_penalty, 10.0),
    "r1": (r1_penalty, 10.0),
    "dragan": (dragan_penalty, 10.0),
}
