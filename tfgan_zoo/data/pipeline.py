"""The ``tf.data`` tail every source shares: seeded shuffle, decode in parallel, batch, scale, prefetch."""

from __future__ import annotations

from typing import Callable

import numpy as np
import tensorflow as tf

from .transform import to_signed_unit

AUTOTUNE = tf.data.AUTOTUNE


def check_batching(n: int, batch_size: int, drop_remainder: bool, name: str) -> None:
    """Refuse empty datasets and datasets smaller than one batch (when the remainder is dropped).

    Parameters
    ----------
    n : int
        The number of images (examples) in the dataset.
    batch_size : int
        Images per batch; must be >= 1.
    drop_remainder : bool
        Whether the last, incomplete batch is dropped: ``n`` must then be at least ``batch_size``.
    name : str
        What the error messages call the dataset, e.g. ``"The dataset"``.

    Raises
    ------
    ValueError
        If ``n`` is 0, ``batch_size < 1``, or ``n < batch_size`` with ``drop_remainder``.

    Examples
    --------
    >>> from tfgan_zoo.data.pipeline import check_batching
    >>> check_batching(10, 4, drop_remainder=True, name="The dataset")   # passes: returns None
    >>> check_batching(3, 4, drop_remainder=False, name="The dataset")   # one smaller batch is allowed
    >>> check_batching(3, 4, drop_remainder=True, name="The dataset")
    Traceback (most recent call last):
        ...
    ValueError: The dataset has 3 images, fewer than one batch of 4; use a smaller batch_size.
    """
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
    start_batch: int | None = None,
) -> tf.data.Dataset:
    """Turn a dataset of single examples into training batches of float32 images in [-1, 1].

    ``ds`` yields ``image`` or ``(image, label)``; ``decode`` (optional) maps such an
    element to its uint8/float image, in parallel. Without ``cache`` the shuffle comes
    first (a stream of file names is shuffled before anything is decoded); with
    ``cache`` decoded examples are kept in memory after the first epoch and shuffled
    from there.

    ``start_batch=None`` gives one pass, reshuffled at each iteration. An integer gives
    an endless, resumable stream of passes starting at that batch: pass ``p`` is
    shuffled with a seed derived from ``(seed, p)`` alone, so the stream from batch
    ``k`` is the same in every process, however often anything was iterated before
    (see :func:`batches_per_pass`). Skipping into a pass drops examples before they
    are decoded or batched.

    Parameters
    ----------
    ds : tf.data.Dataset
        Single examples: ``image`` or, with ``with_labels``, ``(image, label)``. The image is
        uint8 in [0, 255] or float in [-1, 1], or whatever ``decode`` takes (e.g. a file name).
    n : int
        The number of examples in ``ds``: the default shuffle buffer, and the length of a pass
        for ``start_batch``.
    batch_size : int
        Examples per batch, >= 1.
    shuffle : bool
        Shuffle the examples at each pass (buffer ``shuffle_buffer``).
    seed : int or None
        Seed of the shuffle; None: neither the order of the shuffle nor that of the parallel
        decoding is reproducible.
    drop_remainder : bool
        Drop the last, incomplete batch of each pass.
    with_labels : bool
        The elements of ``ds`` are ``(image, label)`` pairs; the labels are cast to int32.
    decode : callable, optional
        Maps an image element of ``ds`` (not the label) to its uint8 or float image, run in
        parallel in the graph (``tf.data.Dataset.map``). None (default): the elements are images.
    shuffle_buffer : int, optional
        Size of the shuffle buffer, at most ``n`` (default: ``n``, a full shuffle).
    cache : bool
        Keep the decoded examples in memory after the first pass and shuffle them from there
        (default False: shuffle, then decode, at each pass).
    start_batch : int, optional
        None (default): one pass per iteration, reshuffled at each. An integer >= 0: an endless,
        resumable stream of passes that starts at that batch (counted over all passes).

    Returns
    -------
    tf.data.Dataset
        Batches of float32 images ``(batch_size, h, w, c)`` in [-1, 1] (uint8 scaled as
        ``x / 127.5 - 1``), or ``(images, labels)`` with int32 labels with ``with_labels``;
        prefetched.

    Examples
    --------
    Six "file names" (here integers) decoded to 2x2 uint8 images, batched by 4 and scaled to
    [-1, 1], the last, smaller batch kept:

    >>> import tensorflow as tf
    >>> from tfgan_zoo.data.pipeline import batched
    >>> names = tf.data.Dataset.range(6)
    >>> def decode(i):
    ...     return tf.fill([2, 2, 1], tf.cast(i * 51, tf.uint8))   # 0, 51, ..., 255
    >>> ds = batched(names, 6, batch_size=4, shuffle=False, seed=None, drop_remainder=False,
    ...              with_labels=False, decode=decode)
    >>> [[round(float(v), 3) for v in b[:, 0, 0, 0]] for b in ds]
    [[-1.0, -0.6, -0.2, 0.2], [0.6, 1.0]]

    An endless stream resumed at batch 3 (pass 1, batch 1) yields what the stream from batch 0
    yields there:

    >>> def firsts(start, k):
    ...     ds = batched(names, 6, 2, shuffle=True, seed=7, drop_remainder=True, with_labels=False,
    ...                  decode=decode, start_batch=start)
    ...     return [b[:, 0, 0, 0].numpy().tolist() for b in ds.take(k)]
    >>> firsts(0, 5)[3:] == firsts(3, 2)
    True
    """
    def decoded(d):
        if decode is None:
            return d
        fn = (lambda x, y: (decode(x), y)) if with_labels else decode
        return d.map(fn, num_parallel_calls=AUTOTUNE, deterministic=seed is not None)

    buffer = min(n, shuffle_buffer or n)
    if cache:  # decode once, keep the result, shuffle the decoded examples
        ds = decoded(ds).cache()

    def one_pass(d, pass_seed, reshuffle: bool, skip=0):
        """Shuffle (file names before decoding, unless cached), skip, decode, batch."""
        if shuffle:
            d = d.shuffle(buffer, seed=pass_seed, reshuffle_each_iteration=reshuffle)
        if not (isinstance(skip, int) and skip == 0):
            d = d.skip(skip)
        return (d if cache else decoded(d)).batch(batch_size, drop_remainder=drop_remainder)

    if start_batch is None:
        ds = one_pass(ds, seed, True)
    else:
        first_pass, skip = divmod(int(start_batch), batches_per_pass(n, batch_size, drop_remainder))

        def nth_pass(p):
            # Seed of this function's graph only (TF's default graph seed): the order ignores the global seed.
            tf.compat.v1.set_random_seed(87654321)
            pass_seed = None if seed is None else tf.math.floormod(int(seed) * 1_000_003 + p, 2**31 - 1)
            skipped = tf.where(p == first_pass, tf.constant(skip * batch_size, tf.int64), 0)
            return one_pass(ds, pass_seed, False, skipped)

        ds = tf.data.Dataset.range(first_pass, 2**62).flat_map(nth_pass)
    if with_labels:
        ds = ds.map(lambda x, y: (to_signed_unit(x), tf.cast(y, tf.int32)), num_parallel_calls=AUTOTUNE)
    else:
        ds = ds.map(to_signed_unit, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)


def batches_per_pass(n: int, batch_size: int, drop_remainder: bool = True) -> int:
    """Batches in one pass over ``n`` examples.

    Parameters
    ----------
    n : int
        The number of examples.
    batch_size : int
        Examples per batch, >= 1.
    drop_remainder : bool
        Whether the last, incomplete batch is dropped (default True): it is then not counted.

    Returns
    -------
    int
        ``n // batch_size`` with ``drop_remainder``, else ``ceil(n / batch_size)``.

    Examples
    --------
    >>> from tfgan_zoo.data.pipeline import batches_per_pass
    >>> batches_per_pass(10, 4), batches_per_pass(10, 4, drop_remainder=False), batches_per_pass(60_000, 32)
    (2, 3, 1875)
    """
    return n // batch_size if drop_remainder else -(-n // batch_size)


def from_arrays(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = True,
    name: str = "The dataset",
    start_batch: int | None = None,
) -> tf.data.Dataset:
    """Pipeline over in-memory NHWC images (uint8 in [0, 255] or float32 in [-1, 1]).

    Scaling to [-1, 1] happens after batching (one vectorised op per batch);
    ``start_batch`` as in :func:`batched`.

    Parameters
    ----------
    images : np.ndarray
        ``(n, h, w, c)`` images, uint8 in [0, 255] (scaled as ``x / 127.5 - 1``) or float32
        already in [-1, 1]; other dtypes and shapes are refused (normalise them with
        ``tfgan_zoo.data.load(array)``).
    labels : np.ndarray, optional
        One class index per image, shape ``(n,)``; given, the dataset yields
        ``(images, labels)`` with the labels cast to int32.
    batch_size : int
        Images per batch (default 128), >= 1.
    shuffle : bool
        Shuffle the whole array (buffer = ``n``) at each pass (default True).
    seed : int, optional
        Seed of the shuffle; None: the order is not reproducible.
    drop_remainder : bool
        Drop the last, incomplete batch (default True); ``n`` must then be at least ``batch_size``.
    name : str
        What the error messages call the data (default ``"The dataset"``).
    start_batch : int, optional
        None (default): one pass per iteration, reshuffled at each iteration. An integer: an
        endless, resumable stream of passes starting at that batch (see :func:`batched`).

    Returns
    -------
    tf.data.Dataset
        Batches of float32 images ``(batch_size, h, w, c)`` in [-1, 1], or ``(images, labels)``
        with int32 labels when ``labels`` is given; prefetched.

    Raises
    ------
    ValueError
        On another dtype or shape of ``images``, no images, ``batch_size < 1``, or fewer images
        than one batch with ``drop_remainder``.

    Examples
    --------
    Ten 8x8 uint8 images, half black (0) and half white (255), become float32 batches in
    [-1, 1]; the last two images make no full batch and are dropped:

    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> images = np.zeros((10, 8, 8, 1), np.uint8)
    >>> images[5:] = 255
    >>> ds = data.from_arrays(images, batch_size=4, seed=0)
    >>> batches = [b.numpy() for b in ds]
    >>> [(b.shape, b.dtype.name) for b in batches]
    [((4, 8, 8, 1), 'float32'), ((4, 8, 8, 1), 'float32')]
    >>> np.unique(np.concatenate(batches)).tolist()
    [-1.0, 1.0]

    With labels, and the remainder kept:

    >>> ds = data.from_arrays(images, labels=np.arange(10) % 2, batch_size=4, shuffle=False,
    ...                       drop_remainder=False)
    >>> [(tuple(x.shape), y.dtype.name, y.numpy().tolist()) for x, y in ds]  # doctest: +NORMALIZE_WHITESPACE
    [((4, 8, 8, 1), 'int32', [0, 1, 0, 1]), ((4, 8, 8, 1), 'int32', [0, 1, 0, 1]),
     ((2, 8, 8, 1), 'int32', [0, 1])]
    """
    images = np.asarray(images)
    if images.ndim != 4 or not (images.dtype == np.uint8 or images.dtype == np.float32):
        raise ValueError(
            f"from_arrays expects (n, h, w, c) uint8 or float32 images, got {images.dtype} {images.shape}; "
            "use tfgan_zoo.data.load(array) to normalise other arrays."
        )
    check_batching(images.shape[0], batch_size, drop_remainder, name)
    ds = tf.data.Dataset.from_tensor_slices(images if labels is None else (images, labels))
    return batched(ds, images.shape[0], batch_size, shuffle, seed, drop_remainder, labels is not None,
                   start_batch=start_batch)
