"""PacGAN packing (Lin et al., NeurIPS 2018): the discriminator judges ``m`` samples at once.

A batch of ``B`` samples becomes ``B / m`` packs: vectors ``(B, d)`` are concatenated into
``(B / m, m d)``, images ``(B, H, W, C)`` are stacked along the channels into ``(B / m, H, W, m C)``
(sample ``i`` of a pack is channels ``i C .. (i + 1) C - 1``). Real packs hold only real samples
and fake packs only generated ones; the loss is computed per pack. A discriminator that sees
several samples together can tell a collapsed generator (whose samples in a pack look alike) from
the data, which penalises mode collapse.
"""

from __future__ import annotations

from typing import Sequence

import tensorflow as tf


def packed_shape(sample_shape: Sequence[int], m: int) -> tuple[int, ...]:
    """The discriminator's input shape (without the batch) for packs of ``m`` samples of ``sample_shape``."""
    shape = tuple(int(s) for s in sample_shape)
    if len(shape) == 1:
        return (shape[0] * m,)
    return (*shape[:-1], shape[-1] * m)


def pack(x: tf.Tensor, m: int) -> tf.Tensor:
    """``B`` samples -> ``B / m`` packs of ``m`` consecutive samples (see the module docstring).

    Raises ``ValueError`` at trace time when the (static) batch is not a multiple of ``m``.
    """
    if m == 1:
        return x
    static = x.shape[0]
    if static is not None and static % m:
        raise ValueError(f"Packing {m} samples per discriminator input needs a batch that is a multiple of {m}, "
                         f"got {static}; choose --batch-size as a multiple of {m}.")
    rest = x.shape[1:]
    if len(rest) == 1:
        return tf.reshape(x, (-1, m * int(rest[0])))
    h = tf.reshape(x, (-1, m, *rest))  # (B/m, m, H, W, C)
    perm = [0, *range(2, len(rest) + 1), 1, len(rest) + 1]  # -> (B/m, H, W, m, C)
    return tf.reshape(tf.transpose(h, perm), (-1, *rest[:-1], m * int(rest[-1])))
