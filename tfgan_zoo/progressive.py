"""Progressive augmentation of the discriminator (PA-GAN; Zhang & Khoreva, NeurIPS 2019).

The discriminator sees its input ``x`` together with ``B`` extra channels (features, for vectors),
one per augmentation bit, and must answer the real/fake label XORed with the active bits:

.. math::

    D'(x, s) \\text{ is trained on the label } y \\oplus s_1 \\oplus \\dots \\oplus s_L ,

where ``s_k ~ Bernoulli(1/2)`` for each of the ``L`` active bits. Bit ``k`` is written into channel ``k``
as ``2 s_k - 1`` (±1, constant over the image) when active and as 0 when not, so an inactive bit is an
all-zero channel and the network starts as a plain discriminator with unused inputs. A KID- or FID-driven
schedule (:class:`tfgan_zoo.callbacks.ProgressiveAugmentationSchedule`) activates one more bit each time
the monitored metric stops improving, so the task gets harder just when the discriminator has begun
to win.

For the losses whose fake-label loss is the real-label loss of the negated logit,
``loss_fake(l) = loss_real(-l)`` (the binary cross-entropy, hinge, Wasserstein and the LSGAN with
``a = -b``), flipping the label of a sample is negating its logit. So the XOR is implemented as

.. math::

    \\ell'(x, s) = \\sigma(s)\\, \\ell([x, c(s)]), \\qquad \\sigma(s) = \\prod_{k\\ \\text{active}} (1 - 2 s_k) ,

with the unchanged loss applied to ``ℓ'``; the generator's loss likewise asks ``ℓ'`` of its samples to
look real, i.e. asks for ``real ⊕ s``. Class heads (AC-GAN) and InfoGAN heads are not flipped.

A new bit is faded in: its probability of being active in a sample rises linearly from 0 to 1 over
``fade_steps`` generator steps (a sample whose bit is not active gets channel 0 and no flip), so the
discriminator's task changes smoothly. The level ``λ`` (a float; bit ``k`` is active with probability
``clip(λ - k, 0, 1)``) moves towards the schedule's target by ``1 / fade_steps`` per step.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from .distribute import replica_rows


def bit_probabilities(level: tf.Tensor | float, max_bits: int) -> tf.Tensor:
    """``p_k = clip(level - k, 0, 1)`` for ``k = 0 .. max_bits - 1``: bit ``k``'s chance of being active."""
    k = tf.range(int(max_bits), dtype=tf.float32)
    return tf.clip_by_value(tf.cast(level, tf.float32) - k, 0.0, 1.0)


def augment(x: tf.Tensor, level: tf.Tensor | float, max_bits: int,
            seed: keras.random.SeedGenerator) -> tuple[tf.Tensor, tf.Tensor]:
    """Append ``max_bits`` bit channels to ``x`` and return ``(x_aug, sign)``.

    Parameters
    ----------
    x : tensor (batch, H, W, C) or (batch, d)
        Discriminator inputs (images or vectors).
    level : float or scalar tensor
        Augmentation level ``λ``: bit ``k`` is active with probability ``clip(λ - k, 0, 1)``.
    max_bits : int
        Number of bit channels the discriminator was built for.
    seed : keras.random.SeedGenerator
        Draws the activity and the bits.

    Returns
    -------
    x_aug : tensor (batch, H, W, C + max_bits) or (batch, d + max_bits)
        ``x`` with channel ``C + k`` equal to ``a_k (2 s_k - 1)`` (``a_k`` activity, ``s_k`` bit).
    sign : tensor (batch, 1), float32
        ``prod_k (1 - 2 a_k s_k)``: -1 where the label is flipped (an odd number of active 1-bits).
    """
    batch, b = tf.shape(x)[0], int(max_bits)
    p = bit_probabilities(level, b)
    # this replica's rows of one draw for the global batch (replicas draw differently, together as one device)
    u = replica_rows(lambda n: keras.random.uniform((n, 2 * b), seed=seed), batch)
    active = tf.cast(u[:, :b] < p, tf.float32)
    bits = tf.cast(u[:, b:] < 0.5, tf.float32)
    values = active * (2.0 * bits - 1.0)  # (batch, B): ±1 active, 0 inactive
    sign = tf.reduce_prod(1.0 - 2.0 * active * bits, axis=1, keepdims=True)
    values = tf.cast(values, x.dtype)
    if x.shape.rank == 2:
        return tf.concat([x, values], axis=1), sign
    planes = tf.ones_like(x[..., :1]) * values[:, None, None, :]  # (batch, H, W, B), constant over the image
    return tf.concat([x, planes], axis=-1), sign


def flip(logits: tf.Tensor, sign: tf.Tensor) -> tf.Tensor:
    """``sign * logits`` in the logits' dtype (``sign`` (batch, 1) broadcasts over cascade scores)."""
    return logits * tf.cast(sign, logits.dtype)


def step_level(level: tf.Tensor, target: tf.Tensor, fade_steps: int) -> tf.Tensor:
    """The level after one step: ``min(target, level + 1 / fade_steps)`` (``fade_steps = 0``: jump to it)."""
    if int(fade_steps) <= 0:
        return tf.cast(target, tf.float32)
    return tf.minimum(tf.cast(target, tf.float32), tf.cast(level, tf.float32) + 1.0 / float(fade_steps))
