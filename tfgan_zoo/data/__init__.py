"""Datasets as ``tf.data`` pipelines of float32 images in [-1, 1] (NHWC)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from .mnist import CorruptDatasetError, DatasetUnavailableError, load_mnist_arrays

from ..choices import DATASETS as SOURCES
SPLITS = ("train", "test", "all")


def load_arrays(source: str, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)``: uint8 ``(n, h, w, c)`` images and int64 labels."""
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}. Valid splits: {', '.join(SPLITS)}.")
    if source == "mnist":
        a = load_mnist_arrays()
        if split == "all":
            x = np.concatenate([a["x_train"], a["x_test"]])
            y = np.concatenate([a["y_train"], a["y_test"]])
        else:
            x, y = a[f"x_{split}"], a[f"y_{split}"]
        return x[..., None], y
    raise ValueError(f"Unknown dataset {source!r}. Valid datasets: {', '.join(SOURCES)}.")


def image_shape(source: str) -> tuple[int, int, int]:
    """Image shape ``(h, w, c)`` of a named dataset."""
    if source == "mnist":
        return (28, 28, 1)
    raise ValueError(f"Unknown dataset {source!r}. Valid datasets: {', '.join(SOURCES)}.")


def from_arrays(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Pipeline over uint8 NHWC images: shuffle (seeded), batch, scale to [-1, 1], prefetch.

    Scaling happens after batching (one vectorised op per batch).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"from_arrays expects uint8 images (n, h, w, c), got {images.dtype} {images.shape}.")
    n = images.shape[0]
    if n == 0:
        raise ValueError("The dataset is empty: it has no images.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    if drop_remainder and n < batch_size:
        raise ValueError(
            f"The dataset has {n} images, fewer than one batch of {batch_size}; use a smaller batch_size."
        )
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels))
    if shuffle:
        ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)

    def scale(x):
        return tf.cast(x, tf.float32) / 127.5 - 1.0

    if labels is None:
        ds = ds.map(scale, num_parallel_calls=tf.data.AUTOTUNE)
    else:
        ds = ds.map(lambda x, y: (scale(x), tf.cast(y, tf.int32)), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


def load(
    source: str,
    split: str = "train",
    batch_size: int = 128,
    with_labels: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
) -> tf.data.Dataset:
    """Load a dataset as batches of float32 images in [-1, 1] (and int32 labels if asked).

    Parameters
    ----------
    source : str
        ``"mnist"`` (read from local files: see :mod:`tfgan_zoo.data.mnist`).
    split : {"train", "test", "all"}
        MNIST train is the original 60,000 images, test the 10,000.
    batch_size : int
        Batches are exactly this size when ``drop_remainder`` (the default for training).
    with_labels : bool
        Yield ``(images, labels)`` instead of images.
    shuffle, seed
        Shuffle over the whole split each epoch, reproducibly for a given seed.
    """
    x, y = load_arrays(source, split)
    return from_arrays(x, y if with_labels else None, batch_size, shuffle, seed, drop_remainder)


__all__ = ["load", "load_arrays", "from_arrays", "image_shape", "SOURCES", "SPLITS",
           "DatasetUnavailableError", "CorruptDatasetError"]
