"""In-memory sources: what kind a source is, and the arrays of built-in MNIST / Fashion-MNIST, ``.npz``/``.npy``
files and numpy arrays (their splits, loading and conversion to a training shape)."""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from ..choices import DATASETS as SOURCES
from .arrays import check_labels, normalize_images, read_array_file
from .fashion_mnist import load_fashion_mnist_arrays
from .mnist import load_mnist_arrays
from .transform import match_channels, resize_square

SPLITS = ("train", "test", "all")
ARRAY_SUFFIXES = (".npz", ".npy")
# Decoded images up to this size stay in memory; larger sources are decoded every epoch.
MEMORY_BUDGET_BYTES = 2 * 1024**3


def source_kind(source) -> str:
    """``"builtin"``, ``"array"``, ``"file"``, ``"folder"`` or ``"tfds"``.

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        A source as :func:`load` takes it: a built-in name (one of ``SOURCES``), a numpy array,
        a folder, a ``.npz``/``.npy`` file, or any other name (taken as a TFDS dataset). A built-in
        name wins over a folder of the same name; the file system is only looked at for the others.

    Returns
    -------
    str
        ``"builtin"`` (a name in ``SOURCES``), ``"array"`` (a numpy array), ``"folder"`` (an
        existing directory), ``"file"`` (an existing ``.npz``/``.npy`` file) or ``"tfds"``
        (any other name, not checked here).

    Raises
    ------
    FileNotFoundError
        If ``source`` looks like a path (has a separator or an array suffix, or starts with ``.``
        or ``~``) but does not exist.
    TypeError
        If ``source`` is neither a string, a path nor a numpy array.
    ValueError
        If ``source`` is an existing file that is not ``.npz``/``.npy``.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> data.source_kind("mnist"), data.source_kind(np.zeros((2, 28, 28), np.uint8))
    ('builtin', 'array')
    >>> data.source_kind(tempfile.gettempdir()), data.source_kind("cifar10")
    ('folder', 'tfds')
    >>> data.source_kind("no/such/images.npz")
    Traceback (most recent call last):
        ...
    FileNotFoundError: No such folder or file: no/such/images.npz
    """
    if isinstance(source, np.ndarray):
        return "array"
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"source must be a dataset name, a path or a numpy array, got {type(source).__name__}.")
    s = os.fspath(source)
    if s in SOURCES:
        return "builtin"
    if os.path.isdir(s):
        return "folder"
    if os.path.isfile(s):
        if s.endswith(ARRAY_SUFFIXES):
            return "file"
        raise ValueError(f"{s} is a file but not .npz/.npy; give a folder of images, an .npz/.npy file or a name.")
    if os.sep in s or s.endswith(ARRAY_SUFFIXES) or s.startswith((".", "~")):
        raise FileNotFoundError(f"No such folder or file: {s}")
    return "tfds"


def _builtin_arrays(source: str, split: str, data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    a = load_mnist_arrays() if source == "mnist" else load_fashion_mnist_arrays(data_dir)
    if split == "all":
        return np.concatenate([a["x_train"], a["x_test"]])[..., None], np.concatenate([a["y_train"], a["y_test"]])
    return a[f"x_{split}"][..., None], a[f"y_{split}"]


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}. Valid splits: {', '.join(SPLITS)}.")


def load_arrays(source, split: str = "train", data_dir: str | None = None,
                labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Images and labels of an in-memory source (built-in dataset, ``.npz``/``.npy`` file or array).

    Parameters
    ----------
    source : str, os.PathLike or np.ndarray
        ``"mnist"``, ``"fashion_mnist"``, the path of a ``.npz``/``.npy`` file, or a numpy array of
        images (``(n, h, w)`` or ``(n, h, w, c)``, value-range rule in :mod:`~tfgan_zoo.data.arrays`).
        Folders and TFDS names are refused (use :func:`load`).
    split : {"train", "test", "all"}
        For built-in datasets and ``.npz`` files (images under ``x_<split>``, else ``images``,
        ``x`` or ``arr_0``); ``"all"`` concatenates train and test (for a ``.npz``: when it holds
        both ``x_train`` and ``x_test``). A ``.npy`` file or an array is one split, whatever the
        value. Default ``"train"``.
    data_dir : str, optional
        Where Fashion-MNIST's IDX files are; unused by the other sources.
    labels : np.ndarray, optional
        Class indices of an array source, shape ``(n,)`` (or ``(n, 1)``), integers >= 0; ignored
        for the other sources, whose labels come with them.

    Returns
    -------
    images : np.ndarray
        NHWC, uint8 in [0, 255] or float32 in [-1, 1] (see :mod:`~tfgan_zoo.data.arrays`).
    labels : np.ndarray or None
        int64 class indices, None when the source has none.

    Examples
    --------
    Floats in [0, 1] without a channel axis, with ``(n, 1)`` labels:

    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> x, y = data.load_arrays(np.linspace(0.0, 1.0, 36).reshape(4, 3, 3),
    ...                         labels=np.array([[0], [1], [2], [1]]))
    >>> x.shape, x.dtype.name, float(x.min()), float(x.max())
    ((4, 3, 3, 1), 'float32', -1.0, 1.0)
    >>> y.tolist(), y.dtype.name
    ([0, 1, 2, 1], 'int64')

    uint8 stays as it is (scaled later, per batch); an array without labels gets None:

    >>> x, y = data.load_arrays(np.full((2, 5, 5, 3), 255, np.uint8))
    >>> x.dtype.name, int(x.max()), y is None
    ('uint8', 255, True)
    """
    _check_split(split)
    kind = source_kind(source)
    if kind == "builtin":
        return _builtin_arrays(os.fspath(source), split, data_dir)
    if kind == "array":
        x, y, name = source, labels, "the array"
    elif kind == "file":
        x, y = read_array_file(os.fspath(source), split)
        name = os.fspath(source)
    else:
        raise ValueError(f"{source} is a {kind} source; load_arrays takes built-in names, .npz/.npy files and arrays.")
    x = normalize_images(x, name)
    return x, (check_labels(y, x.shape[0], f"labels of {name}") if y is not None else None)


def convert_arrays(x: np.ndarray, image_size: int | None = None, channels: int | None = None) -> np.ndarray:
    """Convert in-memory images to ``channels`` and to ``image_size`` (resize + centre crop), batch-wise.

    uint8 stays uint8 (rounded); float32 stays float32.

    Parameters
    ----------
    x : np.ndarray
        NHWC images ``(n, h, w, c)``, ``c`` in {1, 3}: uint8 in [0, 255] or float32 in [-1, 1]
        (as :func:`load_arrays` returns them).
    image_size : int, optional
        Resize (shorter side, bilinear, antialiased) and centre-crop to ``image_size`` squared.
        Default: keep the size.
    channels : {1, 3}, optional
        Convert to grayscale (ITU-R 601 luma) or RGB (the gray channel repeated). Default: keep
        the channels.

    Returns
    -------
    np.ndarray
        ``(n, image_size, image_size, channels)`` images of the dtype of ``x``; ``x`` itself when
        it already has that size and channel count.

    Examples
    --------
    A black and a white 8x8 grayscale image, to 4x4 RGB: still uint8, 0 and 255 kept (the
    scaling to [-1, 1] is :func:`load`'s, per batch):

    >>> import numpy as np
    >>> from tfgan_zoo import data
    >>> x = np.zeros((2, 8, 8, 1), np.uint8)
    >>> x[1] = 255
    >>> y = data.convert_arrays(x, image_size=4, channels=3)
    >>> y.shape, y.dtype.name
    ((2, 4, 4, 3), 'uint8')
    >>> y[:, 0, 0].tolist()
    [[0, 0, 0], [255, 255, 255]]
    >>> data.convert_arrays(x) is x   # nothing to convert
    True

    float32 in [-1, 1] stays float32 (up to the resize's rounding):

    >>> f = data.convert_arrays(x.astype(np.float32) / 127.5 - 1.0, image_size=4)
    >>> f.dtype.name, np.allclose(f[0], -1.0), np.allclose(f[1], 1.0)
    ('float32', True, True)
    """
    need_size = image_size is not None and x.shape[1:3] != (image_size, image_size)
    need_channels = channels is not None and channels != x.shape[-1]
    if not (need_size or need_channels):
        return x
    out = []
    for start in range(0, x.shape[0], 2048):
        chunk = tf.constant(x[start:start + 2048])
        if need_channels:
            chunk = match_channels(chunk, channels)
        if need_size:
            chunk = resize_square(chunk, int(image_size))
        out.append(chunk.numpy())
    return np.concatenate(out)
