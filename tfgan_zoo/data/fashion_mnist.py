"""Fashion-MNIST from local files only.

Looked for, in order: the four original IDX files in ``data_dir`` (or
``data_dir/fashion-mnist``), in ``/usr/share/datasets/fashion-mnist/`` (Debian's
``dataset-fashion-mnist`` package), in Keras' cache ``~/.keras/datasets/fashion-mnist/``,
then a prepared TFDS copy (``data_dir`` or TFDS' default folder).
"""

from __future__ import annotations

import os

import numpy as np

from .errors import CorruptDatasetError, DatasetUnavailableError
from .idx import read_idx

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")
IMAGE_SHAPE = (28, 28, 1)  # height, width, channels of every image
NUM_CLASSES = 10
INSTALL_HINT = (
    "Install Debian's package (`sudo apt-get install dataset-fashion-mnist`, which puts the IDX files in "
    f"{DEBIAN_DIR}/), or put the four files {', '.join(f + '.gz' for f in FILES.values())} in a folder "
    "and pass data_dir=that folder (--data-dir on the command line)."
)


def _find(folder: str, stem: str) -> str | None:
    for name in (stem + ".gz", stem):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def idx_folders(data_dir: str | None = None) -> list[str]:
    """Folders searched for the IDX files, in order.

    Parameters
    ----------
    data_dir : str, optional
        A folder given by the user: searched first, then its sub-folder ``fashion-mnist``.
        None (default) or empty: only the standard folders.

    Returns
    -------
    list of str
        ``data_dir`` and ``data_dir/fashion-mnist`` (when given), then :data:`DEBIAN_DIR`, then
        ``~/.keras/datasets/fashion-mnist``. The folders need not exist.
    """
    folders = []
    if data_dir:
        folders += [data_dir, os.path.join(data_dir, "fashion-mnist")]
    folders += [DEBIAN_DIR, os.path.join(os.path.expanduser("~"), ".keras", "datasets", "fashion-mnist")]
    return folders


def read_idx_folder(folder: str) -> dict[str, np.ndarray] | None:
    """The four arrays from ``folder``, or None if the folder lacks any of the files.

    Parameters
    ----------
    folder : str
        A folder holding the four IDX files named in :data:`FILES`, each gzipped (``.gz``, preferred)
        or not.

    Returns
    -------
    dict of str to np.ndarray or None
        ``x_train``, ``x_test``: uint8 ``(n, 28, 28)``; ``y_train``, ``y_test``: int64 ``(n,)`` in
        0..9. None when any of the four files is missing.

    Raises
    ------
    CorruptDatasetError
        If a file cannot be read as IDX, or the images and labels of a split do not match.
    """
    paths = {key: _find(folder, stem) for key, stem in FILES.items()}
    if any(p is None for p in paths.values()):
        return None
    out = {key: read_idx(path) for key, path in paths.items()}
    for split in ("train", "test"):
        x, y = out[f"x_{split}"], out[f"y_{split}"]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],):
            raise CorruptDatasetError(
                f"Fashion-MNIST in {folder}: {split} images {x.shape} and labels {y.shape} do not match "
                f"(expected (n, 28, 28) and (n,)). {INSTALL_HINT}"
            )
        if y.size and y.max() > 9:
            raise CorruptDatasetError(f"Fashion-MNIST in {folder}: {split} labels outside 0..9. {INSTALL_HINT}")
        out[f"y_{split}"] = y.astype(np.int64)
    return out


def load_fashion_mnist_arrays(data_dir: str | None = None) -> dict[str, np.ndarray]:
    """All of Fashion-MNIST as uint8 ``x_train (60000, 28, 28)``, int64 ``y_train``, ``x_test``, ``y_test``.

    Parameters
    ----------
    data_dir : str, optional
        A folder searched first for the IDX files (see :func:`idx_folders`), and the TFDS data
        folder of the last resort; None (default): the standard places only.

    Returns
    -------
    dict of str to np.ndarray
        ``x_train`` uint8 ``(60000, 28, 28)``, ``y_train`` int64 ``(60000,)``, ``x_test`` uint8
        ``(10000, 28, 28)`` and ``y_test`` int64 ``(10000,)``, labels in 0..9 (the order of
        :data:`CLASS_NAMES`).

    Raises
    ------
    DatasetUnavailableError
        When no local copy exists (the message says how to install one).
    """
    for folder in idx_folders(data_dir):
        arrays = read_idx_folder(folder)
        if arrays is not None:
            return arrays
    from .tfds_source import prepared_tfds_arrays  # TFDS is slow to import: only as a last resort

    arrays = prepared_tfds_arrays("fashion_mnist", data_dir)
    if arrays is not None:
        return {k: (v[..., 0] if k.startswith("x_") else v) for k, v in arrays.items()}
    raise DatasetUnavailableError(f"Fashion-MNIST is not on this machine. {INSTALL_HINT}")
