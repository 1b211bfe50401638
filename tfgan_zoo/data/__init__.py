"""Datasets as ``tf.data`` pipelines of float32 images in [-1, 1] (NHWC).

One entry point, :func:`load`, for every kind of source:

* ``"mnist"`` and ``"fashion_mnist"``: built in, read from local files only
  (:mod:`~tfgan_zoo.data.mnist`, :mod:`~tfgan_zoo.data.fashion_mnist`);
* a folder of PNG/JPEG/BMP/GIF images, searched recursively, sub-folders as
  classes (:mod:`~tfgan_zoo.data.folder`);
* a ``.npz``/``.npy`` file or a numpy array (value-range rule in
  :mod:`~tfgan_zoo.data.arrays`);
* any other string: a TFDS dataset prepared in ``data_dir``
  (:mod:`~tfgan_zoo.data.tfds_source`).

A built-in name wins over a folder of the same name; write ``./mnist`` for the folder.

Image-to-image translation pairs (pix2pix, CycleGAN): :func:`pairs` and :func:`pair_arrays` over
``PAIR_SOURCES`` (MNIST/Fashion-MNIST edges and strokes) or a folder with ``A/`` and ``B/``
(:mod:`~tfgan_zoo.data.translation_pairs`).
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from ..choices import DATASETS as SOURCES
from .errors import CorruptDatasetError, CorruptImageError, DatasetUnavailableError
from .folder import SkippedImagesWarning, decode_all, scan_folder
from .memory import MEMORY_BUDGET_BYTES, SPLITS, convert_arrays, load_arrays, source_kind
from .pipeline import from_arrays
from .sources import ArraySource, BuiltinSource, FolderSource, Source, TFDSSource, open  # noqa: A004
from .translation_pairs import PAIR_SOURCES, PairSource, pair_arrays, pairs
from .writer import write_image_folder



def load(
    source,
    split: str = "train",
    image_size: int | None = None,
    channels: int | None = None,
    batch_size: int = 128,
    with_labels: bool = False,
    shuffle: bool = True,
    seed: int | None = None,
    data_dir: str | None = None,
    skip_corrupt: bool = False,
    drop_remainder: bool = True,
    labels: np.ndarray | None = None,
    cache: bool | None = None,
) -> tf.data.Dataset:
    """Load a dataset as batches of float32 images in [-1, 1] (and int32 labels if asked).

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        ``"mnist"``, ``"fashion_mnist"``, a folder of images, a ``.npz``/``.npy`` file,
        a numpy array, or the name of a TFDS dataset prepared in ``data_dir``.
    split : {"train", "test", "all"} or a TFDS split name
        For built-in, ``.npz`` (``x_train``/``x_test`` keys) and TFDS sources; a folder
        or an array is one split.
    image_size : int, optional
        Resize (shorter side, bilinear, antialiased) and centre-crop to ``image_size``
        squared. Default: keep the size, which must then be one square size.
    channels : {1, 3}, optional
        Convert to grayscale (ITU-R 601 luma) or RGB. Default: the source's own; a
        folder mixing grayscale and colour images needs it.
    batch_size : int
        Batches are exactly this size when ``drop_remainder`` (the default, for training).
    with_labels : bool
        Yield ``(images, labels)``; refused for sources without labels.
    shuffle, seed
        Shuffle each epoch, reproducibly for a given seed. ``shuffle`` (bool, default True)
        turns shuffling on; ``seed`` (int, optional) fixes the order (None: the order is left
        to TensorFlow's random state and is not reproducible).
    data_dir : str, optional
        Where Fashion-MNIST's IDX files or prepared TFDS datasets are.
    skip_corrupt : bool
        Leave out unreadable image files (with a :class:`SkippedImagesWarning` giving
        how many and which) instead of raising :class:`CorruptImageError`.
    drop_remainder : bool
        Drop the last, incomplete batch of each pass (default True), so that every batch has
        ``batch_size`` images; a source with fewer than ``batch_size`` images is then refused.
        False keeps the last, smaller batch.
    labels : np.ndarray, optional
        Labels of an array source.
    cache : bool, optional
        Keep decoded images in memory; default: when they take at most
        ``MEMORY_BUDGET_BYTES`` (2 GiB).

    Returns
    -------
    tf.data.Dataset
        One pass over the data per iteration (reshuffled at each iteration when ``shuffle``):
        batches of float32 images ``(batch_size, h, w, c)`` in [-1, 1], or ``(images, labels)``
        with int32 ``labels`` of shape ``(batch_size,)`` when ``with_labels``.

    Examples
    --------
    Four 8x8 grayscale uint8 images, alternately black (0) and white (255), as an array source:
    0 becomes -1 and 255 becomes 1:

    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> images = np.zeros((4, 8, 8), np.uint8)
    >>> images[1::2] = 255
    >>> batch = next(iter(data.load(images, batch_size=2, shuffle=False)))
    >>> tuple(batch.shape), batch.dtype.name
    ((2, 8, 8, 1), 'float32')
    >>> batch[:, 0, 0, 0].numpy().tolist()
    [-1.0, 1.0]

    Resized to 4x4 RGB, with labels, shuffled reproducibly:

    >>> ds = data.load(images, image_size=4, channels=3, batch_size=2, with_labels=True,
    ...                labels=np.array([0, 1, 0, 1]), seed=0)
    >>> [(tuple(x.shape), y.dtype.name) for x, y in ds]
    [((2, 4, 4, 3), 'int32'), ((2, 4, 4, 3), 'int32')]
    >>> data.load(images, batch_size=2, with_labels=True)
    Traceback (most recent call last):
        ...
    ValueError: with_labels=True, but the array has no labels (pass labels=...). Load it with with_labels=False, ...
    """
    return open(source, data_dir, labels).dataset(split, image_size, channels, batch_size, with_labels, shuffle, seed,
                                                  skip_corrupt, drop_remainder, cache)[0]


def stream(source, start_batch: int = 0, **kwargs) -> tuple[tf.data.Dataset, int]:
    """An endless, resumable stream of training batches, and the number of batches per pass.

    Takes the arguments of :func:`load` (``seed`` is required). Pass ``p`` over the data
    is shuffled with a seed derived from ``(seed, p)`` alone, so
    ``stream(..., start_batch=k)`` yields, in any process, exactly the batches
    ``k, k + 1, ...`` of ``stream(..., start_batch=0)``: a run resumed after ``k`` steps
    sees the batches an uninterrupted run would have seen. Reaching batch ``k`` costs
    at most one pass of skipped examples (dropped before decoding). Each pass drops
    its remainder as :func:`load` does.

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        As in :func:`load`.
    start_batch : int
        Index of the first batch yielded, counted from batch 0 of pass 0 over all passes
        (default 0); usually the number of training steps already taken.
    **kwargs
        The other arguments of :func:`load` (``split``, ``image_size``, ``batch_size``, ...);
        ``seed`` must be given and not be None.

    Returns
    -------
    dataset : tf.data.Dataset
        Endless: the batches ``start_batch, start_batch + 1, ...``, each as :func:`load` yields
        them (float32 images in [-1, 1], with int32 labels when ``with_labels``).
    batches_per_pass : int
        Batches in one pass over the data: ``n // batch_size`` when ``drop_remainder`` (the
        default), else ``ceil(n / batch_size)``.

    Raises
    ------
    ValueError
        If no ``seed`` is given, and as :func:`load` for the other arguments.

    Examples
    --------
    >>> from tfgan_zoo import data
    >>> ds, per_pass = data.stream("mnist", start_batch=2000, batch_size=32, seed=0)  # doctest: +SKIP
    >>> per_pass                                                                       # doctest: +SKIP
    1875

    The same on ten in-memory 1x1 images (image ``i`` has the value ``25 i``): a stream resumed
    at batch 3 yields the batches 3, 4, ... of the stream from batch 0:

    >>> import numpy as np
    >>> images = (np.arange(10, dtype=np.uint8) * 25).reshape(10, 1, 1, 1)
    >>> ds, per_pass = data.stream(images, batch_size=4, seed=0)
    >>> per_pass   # 10 // 4: each pass drops its remainder
    2
    >>> first = [b.numpy().ravel().tolist() for b in ds.take(5)]
    >>> len(set(first[0] + first[1]))   # pass 0: 8 different images
    8
    >>> resumed, _ = data.stream(images, start_batch=3, batch_size=4, seed=0)
    >>> [b.numpy().ravel().tolist() for b in resumed.take(2)] == first[3:]
    True
    >>> data.stream(images, batch_size=4)
    Traceback (most recent call last):
        ...
    ValueError: stream() needs a seed: without one the order of each pass cannot be reproduced.
    """
    return open(source, kwargs.pop("data_dir", None), kwargs.pop("labels", None)).stream(start_batch, **kwargs)


def num_classes(source, data_dir: str | None = None) -> int:
    """Number of classes of a labelled source (labels are ``0 .. n - 1``).

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        As in :func:`load`. A folder needs class sub-folders, a ``.npz`` file labels (under
        ``y_train``/``y_test``, ``labels`` or ``y``), a TFDS dataset a ``label`` class feature;
        a numpy array or a ``.npy`` file carries no labels and is refused.
    data_dir : str, optional
        Where prepared TFDS datasets are (default: ``TFDS_DATA_DIR`` or ``~/tensorflow_datasets``);
        unused by the other sources.

    Returns
    -------
    int
        10 for the built-in datasets, the number of class sub-folders of a folder, the
        ``num_classes`` of a TFDS ``label`` feature, the largest label + 1 of a ``.npz`` file
        (train and test splits together).

    Raises
    ------
    ValueError
        If the source has no labels (the message says why).

    Examples
    --------
    A built-in dataset needs no reading; a folder counts its class sub-folders:

    >>> import tempfile
    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> data.num_classes("mnist")
    10
    >>> tmp = tempfile.TemporaryDirectory()
    >>> images = np.zeros((4, 8, 8, 1), np.uint8)
    >>> paths = data.write_image_folder(images, tmp.name, labels=np.array([0, 1, 2, 1]),
    ...                                 class_names=["cat", "dog", "fox"])
    >>> data.num_classes(tmp.name)
    3
    >>> data.num_classes(images)
    Traceback (most recent call last):
        ...
    ValueError: ...the array has no labels...
    >>> tmp.cleanup()
    """
    return open(source, data_dir).num_classes()


def check_folder(root: str) -> None:
    """Decode every image of the folder ``root`` once; raise :class:`CorruptImageError` naming those that fail.

    The check behind the message of a folder whose files changed while a run streamed them
    (:func:`load` decodes every file before the first batch, so the files were good then).

    Parameters
    ----------
    root : str or os.PathLike
        A folder of images, searched recursively as :func:`load` does.

    Raises
    ------
    CorruptImageError
        If any image file cannot be read or decoded; its ``paths`` lists them all.
    FileNotFoundError
        If ``root`` is not a folder.
    ValueError
        If the folder holds no image files.

    Examples
    --------
    >>> import os, pathlib, tempfile
    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> tmp = tempfile.TemporaryDirectory()
    >>> paths = data.write_image_folder(np.zeros((2, 8, 8, 1), np.uint8), tmp.name)
    >>> data.check_folder(tmp.name)   # every file decodes: returns None
    >>> _ = pathlib.Path(tmp.name, "broken.png").write_bytes(b"not a png")
    >>> try:
    ...     data.check_folder(tmp.name)
    ... except data.CorruptImageError as e:
    ...     print([os.path.basename(p) for p in e.paths])
    ['broken.png']
    >>> tmp.cleanup()
    """
    decode_all(scan_folder(os.fspath(root)), 1, 1, skip_corrupt=False)


def image_shape(source, image_size: int | None = None, channels: int | None = None,
                data_dir: str | None = None) -> tuple[int, int, int]:
    """The ``(h, w, c)`` that :func:`load` yields for these arguments, found cheaply.

    Built-in datasets need no reading; folders read image headers only; TFDS reads
    dataset metadata. Raises the same errors as :func:`load` for a size or colour mix.

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        As in :func:`load`; an array or ``.npz``/``.npy`` file is read (its ``"train"`` split).
    image_size : int, optional
        As in :func:`load`: the side of the square images; default: the source's own size.
    channels : {1, 3}, optional
        As in :func:`load`; default: the source's own (3 when a TFDS dataset does not say).
    data_dir : str, optional
        Where prepared TFDS datasets are; unused by the other sources.

    Returns
    -------
    tuple of int
        ``(h, w, c)``: height, width and channels of one image as :func:`load` yields it.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> data.image_shape("mnist"), data.image_shape("mnist", image_size=32, channels=3)
    ((28, 28, 1), (32, 32, 3))
    >>> data.image_shape(np.zeros((3, 5, 5, 3), np.float32))
    (5, 5, 3)
    """
    return open(source, data_dir).image_shape(image_size, channels)


__all__ = ["open", "Source", "BuiltinSource", "ArraySource", "FolderSource", "TFDSSource", "load", "stream", "check_folder", "load_arrays", "num_classes", "from_arrays", "convert_arrays", "write_image_folder", "image_shape", "source_kind",
           "SOURCES", "SPLITS",
           "DatasetUnavailableError", "CorruptDatasetError", "CorruptImageError", "SkippedImagesWarning",
           "MEMORY_BUDGET_BYTES", "pairs", "pair_arrays", "PairSource", "PAIR_SOURCES"]
