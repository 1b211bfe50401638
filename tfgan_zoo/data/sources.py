"""Data sources as objects: one small class per kind of source, each knowing its image shape, its classes and how
to make its ``tf.data`` pipeline. :func:`open` resolves a name once (a built-in name wins over a folder of that
name); a :class:`FolderSource` scans its folder once, however often its shape, classes and batches are asked.

* :class:`BuiltinSource`: ``"mnist"``, ``"fashion_mnist"`` (their facts in :mod:`.mnist`, :mod:`.fashion_mnist`);
* :class:`ArraySource`: a numpy array, or a ``.npz``/``.npy`` file (:mod:`.arrays`);
* :class:`FolderSource`: a folder of images, sub-folders as classes (:mod:`.folder`);
* :class:`TFDSSource`: any other name, a TFDS dataset prepared in ``data_dir`` (:mod:`.tfds_source`).

Translation pairs (:mod:`.translation_pairs`) are the fifth kind, with their own two-domain interface.
"""

from __future__ import annotations

import functools
import os
import sys

import numpy as np
import tensorflow as tf

from . import fashion_mnist, mnist
from .folder import FolderIndex, choose_size_and_channels, decode_all, decoder, scan_folder
from .memory import MEMORY_BUDGET_BYTES, _check_split, convert_arrays, load_arrays, source_kind
from .pipeline import batched, batches_per_pass, check_batching, from_arrays
from .transform import match_channels, resize_square


def _memory_budget() -> int:
    """``tfgan_zoo.data.MEMORY_BUDGET_BYTES`` as it is now (the documented knob, set on the package)."""
    return getattr(sys.modules.get(__package__), "MEMORY_BUDGET_BYTES", MEMORY_BUDGET_BYTES)


def _no_labels(what: str) -> ValueError:
    return ValueError(f"with_labels=True, but {what}. Load it with with_labels=False, or use a source with labels.")


class Source:
    """A source of images: its shape, its classes and its pipeline (:func:`tfgan_zoo.data.load`'s arguments).

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        The name, path or array (as :func:`tfgan_zoo.data.load` takes it).
    data_dir : str, optional
        Where Fashion-MNIST's IDX files or prepared TFDS datasets are.

    Attributes
    ----------
    kind : str
        ``"builtin"``, ``"array"``, ``"file"``, ``"folder"`` or ``"tfds"``
        (:func:`tfgan_zoo.data.source_kind`).
    name : str
        How messages name it.
    """

    kind = ""

    def __init__(self, source, data_dir: str | None = None) -> None:
        self.source, self.data_dir = source, data_dir
        self.name = "The dataset" if isinstance(source, np.ndarray) else os.fspath(source)

    def image_shape(self, image_size: int | None = None, channels: int | None = None) -> tuple[int, int, int]:
        """``(h, w, c)`` of the images the pipeline yields with these arguments, found cheaply."""
        raise NotImplementedError

    def num_classes(self) -> int:
        """Number of classes (labels ``0 .. n - 1``); ``ValueError`` saying why for a source without labels."""
        raise NotImplementedError

    def dataset(self, split: str = "train", image_size: int | None = None, channels: int | None = None,
                batch_size: int = 128, with_labels: bool = False, shuffle: bool = True, seed: int | None = None,
                skip_corrupt: bool = False, drop_remainder: bool = True, cache: bool | None = None,
                start_batch: int | None = None) -> tuple[tf.data.Dataset, int]:
        """The pipeline of :func:`tfgan_zoo.data.load` (endless from ``start_batch`` when given, as
        :func:`tfgan_zoo.data.stream`) and the number of examples of one pass."""
        raise NotImplementedError

    def stream(self, start_batch: int = 0, **kwargs) -> tuple[tf.data.Dataset, int]:
        """:func:`tfgan_zoo.data.stream` of this source: the endless stream and the batches per pass."""
        if kwargs.get("seed") is None:
            raise ValueError("stream() needs a seed: without one the order of each pass cannot be reproduced.")
        ds, n = self.dataset(start_batch=int(start_batch), **kwargs)
        return ds, batches_per_pass(n, kwargs.get("batch_size", 128), kwargs.get("drop_remainder", True))


class ArraySource(Source):
    """A numpy array, or a ``.npz``/``.npy`` file, held in memory.

    Parameters
    ----------
    source : np.ndarray, str or os.PathLike
        The images (value-range rule in :mod:`tfgan_zoo.data.arrays`), or the file's path.
    data_dir : str, optional
        Unused (the signature of :class:`Source`).
    labels : np.ndarray, optional
        Class indices of an array source.
    """

    def __init__(self, source, data_dir: str | None = None, labels: np.ndarray | None = None) -> None:
        super().__init__(source, data_dir)
        self.labels = labels
        self.kind = "array" if isinstance(source, np.ndarray) else "file"

    def arrays(self, split: str = "train") -> tuple[np.ndarray, np.ndarray | None]:
        """Images and labels of ``split`` (:func:`tfgan_zoo.data.load_arrays`)."""
        return load_arrays(self.source, split, self.data_dir, self.labels)

    def _what(self) -> str:
        return "the array" if self.kind == "array" else self.name

    def image_shape(self, image_size: int | None = None, channels: int | None = None) -> tuple[int, int, int]:
        h, w, c = self.arrays()[0].shape[1:]
        if image_size is not None:
            h = w = int(image_size)
        return int(h), int(w), int(channels or c)

    def num_classes(self) -> int:
        _, y = self.arrays("all" if self.kind == "file" else "train")
        if y is None:
            raise _no_labels(f"{self._what()} has no labels")
        return int(y.max()) + 1

    def dataset(self, split: str = "train", image_size: int | None = None, channels: int | None = None,
                batch_size: int = 128, with_labels: bool = False, shuffle: bool = True, seed: int | None = None,
                skip_corrupt: bool = False, drop_remainder: bool = True, cache: bool | None = None,
                start_batch: int | None = None) -> tuple[tf.data.Dataset, int]:
        _check_split(split)
        x, y = self.arrays(split)
        if with_labels and y is None:
            raise _no_labels(f"{self._what()} has no labels"
                             + (" (pass labels=...)" if self.kind == "array" else
                                " (store them in the .npz under 'labels' or 'y')"))
        x = convert_arrays(x, image_size, channels)
        return from_arrays(x, y if with_labels else None, batch_size, shuffle, seed, drop_remainder, self.name,
                           start_batch), x.shape[0]


class BuiltinSource(ArraySource):
    """MNIST or Fashion-MNIST, from local files; shape and classes known without reading them.

    Parameters
    ----------
    source : str
        ``"mnist"`` or ``"fashion_mnist"``.
    data_dir : str, optional
        Where Fashion-MNIST's IDX files are (default: the Debian package's folder).
    """

    kind = "builtin"
    FACTS = {"mnist": mnist, "fashion_mnist": fashion_mnist}  # each module holds its dataset's shape and classes

    def __init__(self, source: str, data_dir: str | None = None) -> None:
        super().__init__(source, data_dir)
        self.kind = "builtin"
        self.facts = self.FACTS[self.name]

    def image_shape(self, image_size: int | None = None, channels: int | None = None) -> tuple[int, int, int]:
        h, w, c = self.facts.IMAGE_SHAPE
        if image_size is not None:
            h = w = int(image_size)
        return int(h), int(w), int(channels or c)

    def num_classes(self) -> int:
        return int(self.facts.NUM_CLASSES)


class FolderSource(Source):
    """A folder of images (searched recursively, first-level sub-folders as classes), scanned once."""

    kind = "folder"

    @functools.cached_property
    def index(self) -> FolderIndex:
        """The folder's files, sizes, colours and labels: read on first use, then kept."""
        return scan_folder(self.name)

    def image_shape(self, image_size: int | None = None, channels: int | None = None) -> tuple[int, int, int]:
        index = self.index
        if not index.paths:
            decode_all(index, 1, 1, skip_corrupt=False)  # raises the error that names the files
        size, c = choose_size_and_channels(index, image_size, channels)
        return size, size, c

    def num_classes(self) -> int:
        if self.index.labels is None:
            raise _no_labels(self.index.label_problem or f"{self.name} has no labels")
        return len(self.index.class_names)

    def dataset(self, split: str = "train", image_size: int | None = None, channels: int | None = None,
                batch_size: int = 128, with_labels: bool = False, shuffle: bool = True, seed: int | None = None,
                skip_corrupt: bool = False, drop_remainder: bool = True, cache: bool | None = None,
                start_batch: int | None = None) -> tuple[tf.data.Dataset, int]:
        _check_split(split)
        index, name = self.index, self.name
        if with_labels and index.labels is None:
            raise _no_labels(index.label_problem or f"{name} has no labels")
        size, ch = choose_size_and_channels(index, image_size, channels) if index.paths else (1, 1)
        in_memory = cache if cache is not None else len(index.paths) * size * size * ch <= _memory_budget()
        images, good = decode_all(index, size, ch, skip_corrupt, keep_pixels=in_memory)
        check_batching(len(good), batch_size, drop_remainder,
                       name if len(good) == len(index.paths) else f"{name} without its unreadable files")
        y = index.labels[good] if with_labels else None
        if in_memory:
            return from_arrays(images, y, batch_size, shuffle, seed, drop_remainder, name, start_batch), len(good)
        paths = np.array(index.paths)[good]
        ds = tf.data.Dataset.from_tensor_slices(paths if y is None else (paths, y))
        return batched(ds, len(good), batch_size, shuffle, seed, drop_remainder, with_labels,
                       decode=decoder(size, ch), start_batch=start_batch), len(good)


class TFDSSource(Source):
    """A TFDS dataset prepared in ``data_dir`` (nothing is downloaded)."""

    kind = "tfds"

    def image_shape(self, image_size: int | None = None, channels: int | None = None) -> tuple[int, int, int]:
        from .tfds_source import open_tfds

        h, w, c = open_tfds(self.name, "all", self.data_dir).image_shape
        if image_size is not None:
            h = w = int(image_size)
        return int(h), int(w), int(channels or c or 3)

    def num_classes(self) -> int:
        import tensorflow_datasets as tfds

        from .tfds_source import _builder

        builder, _ = _builder(self.name, self.data_dir)
        label = builder.info.features["label"] if builder and "label" in builder.info.features else None
        if not isinstance(label, tfds.features.ClassLabel):
            raise _no_labels(f"the TFDS dataset {self.name} has no 'label' class feature")
        return int(label.num_classes)

    def dataset(self, split: str = "train", image_size: int | None = None, channels: int | None = None,
                batch_size: int = 128, with_labels: bool = False, shuffle: bool = True, seed: int | None = None,
                skip_corrupt: bool = False, drop_remainder: bool = True, cache: bool | None = None,
                start_batch: int | None = None) -> tuple[tf.data.Dataset, int]:
        from .tfds_source import open_tfds

        name = self.name  # TFDS datasets name their own splits ("validation", ...): not checked here
        src = open_tfds(name, split, self.data_dir)
        if with_labels and not src.has_labels:
            raise _no_labels(f"the TFDS dataset {name} has no 'label' class feature")
        h, w, c = src.image_shape
        if image_size is None and (h is None or h != w):
            raise ValueError(f"{name} images are {w}x{h} (None = varies); pass image_size=N (--image-size N) "
                             "to resize and centre-crop them to N x N.")
        size, ch = int(image_size or h), int(channels or c or 3)
        check_batching(src.num_examples, batch_size, drop_remainder, name)

        def decode(img):
            img = tf.ensure_shape(img, [None, None, c])
            return resize_square(match_channels(img, ch), size)

        in_memory = cache if cache is not None else src.num_examples * size * size * ch <= _memory_budget()
        ds = src.dataset if with_labels else src.dataset.map(lambda x, y: x)
        return batched(ds, src.num_examples, batch_size, shuffle, seed, drop_remainder, with_labels, decode=decode,
                       cache=in_memory, shuffle_buffer=None if in_memory else 10_000,
                       start_batch=start_batch), src.num_examples


_KINDS = {"builtin": BuiltinSource, "folder": FolderSource, "tfds": TFDSSource}


def open(source, data_dir: str | None = None, labels: np.ndarray | None = None) -> Source:  # noqa: A001
    """The :class:`Source` of a name, path or array, resolved once (:func:`tfgan_zoo.data.source_kind`).

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        As :func:`tfgan_zoo.data.load` takes it.
    data_dir : str, optional
        Where Fashion-MNIST's IDX files or prepared TFDS datasets are.
    labels : np.ndarray, optional
        Labels of an array source.

    Returns
    -------
    Source
        A :class:`BuiltinSource`, :class:`ArraySource`, :class:`FolderSource` or :class:`TFDSSource`.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> src = data.open("mnist")
    >>> type(src).__name__, src.image_shape(), src.num_classes()
    ('BuiltinSource', (28, 28, 1), 10)
    >>> data.open(np.zeros((3, 5, 5, 3), np.float32)).image_shape(image_size=4)
    (4, 4, 3)
    """
    kind = source_kind(source)
    if kind in ("array", "file"):
        return ArraySource(source, data_dir, labels)
    return _KINDS[kind](source, data_dir)
