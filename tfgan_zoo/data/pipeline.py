"""The ``tf.data`` tail every source shares: seeded shuffle, decode in parallel, batch, scale, prefetch."""

from __future__ import annotations

from typing import Callable

import numpy as np
import tensorflow as tf

from .transform import to_signed_unit

AUTOTUNE = tf.data.AUTOTUNE


def check_batching(n: int, batch_size: int, drop_remainder: bool, name: str) -> None:
    """Refuse empty datasets and datasets smaller than one batch (when the remainder is dropped)."""
    if n == 0:
        raise ValueError(f"{name} is empty: it has no images.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    if drop_remainder and n < batch_size:
        raise ValueError(f"{name} has {n} images, fewer than one batch of {batch_size}; use a smaller batch_size.")


def batched(
    ds: tf.data.Dataset,
    n: int,
    batch_size: int,
    shuffle: bool,
    seed: int | None,
    drop_remainder: bool,
    with_labels: bool,
    decode: Callable | None = None,
    shuffle_buffer: int | None = None,
    cache: bool = False,
) -> tf.data.Dataset:
    """Turn a dataset of single examples into training batches of float32 images in [-1, 1].

    ``ds`` yields ``image`` or ``(image, label)``; ``decode`` (optional) maps such an
    element to its uint8/float image, in parallel. Without ``cache`` the shuffle comes
    first (a stream of file names is shuffled before anything is decoded); with
    ``cache`` decoded examples are kept in memory after the first epoch and shuffled
    from there.
    """
    def decoded(d):
        if decode is None:
            return d
        fn = (lambda x, y: (decode(x), y)) if with_labels else decode
        return d.map(fn, num_parallel_calls=AUTOTUNE, deterministic=seed is not None)

    buffer = min(n, shuffle_buffer or n)
    if cache:  # decode once, keep the result, shuffle the decoded examples
        ds = decoded(ds).cache()
        if shuffle:
            ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    else:  # shuffle what is cheap to hold (file names, arrays), then decode
        if shuffle:
            ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
        ds = decoded(ds)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    if with_labels:
        ds = ds.map(lambda x, y: (to_signed_unit(x), tf.cast(y, tf.int32)), num_parallel_calls=AUTOTUNE)
    else:
        ds = ds.map(to_signed_unit, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)


def from_arrays(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
    name: str = "The dataset",
) -> tf.data.Dataset:
    """Pipeline over in-memory NHWC images (uint8 in [0, 255] or float32 in [-1, 1]).

    Scaling to [-1, 1] happens after batching (one vectorised op per batch).
    """
    images = np.asarray(images)
    if images.ndim != 4 or not (images.dtype == np.uint8 or images.dtype == np.float32):
        raise ValueError(
            f"from_arrays expects (n, h, w, c) uint8 or float32 images, got {images.dtype} {images.shape}; "
            "use tfgan_zoo.data.load(array) to normalise other arrays."
        )
    check_batching(images.shape[0], batch_size, drop_remainder, name)
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels))
    return batched(ds, images.shape[0], batch_size, shuffle, seed, drop_remainder, labels is not None)
