"""Images given as numpy arrays or ``.npz``/``.npy`` files: checked and normalised.

The value-range rule (what ``load`` does with an array)::

    ==============================  ===================  ==========================
    array                           read as              stored as
    ==============================  ===================  ==========================
    uint8 (any values)              [0, 255]             uint8, scaled per batch
    other integers, all in 0..255   [0, 255]             uint8
    float, min >= 0 and max <= 1    [0, 1]               float32 ``2x - 1``
    float, min < 0, within [-1, 1]  [-1, 1]              float32 as is
    anything else                   refused (ValueError names the range found)
    ==============================  ===================  ==========================

Shapes: ``(n, h, w)`` (grayscale) or ``(n, h, w, c)`` with ``c`` in {1, 3}
(channels last). Channels-first arrays and RGBA are refused with the fix.
``.npz`` files are read with ``allow_pickle=False``: images under ``x_<split>``,
``images``, ``x`` or ``arr_0``; labels under ``y_<split>``, ``labels`` or ``y``.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from .errors import CorruptDatasetError

IMAGE_KEYS = ("images", "x", "arr_0")
LABEL_KEYS = ("labels", "y")


def normalize_images(images: np.ndarray, name: str = "the array") -> np.ndarray:
    """Return NHWC images as uint8 in [0, 255] or float32 in [-1, 1], following the module's rule.

    Parameters
    ----------
    images : np.ndarray
        Images ``(n, h, w)`` (grayscale) or ``(n, h, w, c)`` with ``c`` 1 or 3 (channels last), at
        least one image: uint8, other integers or booleans in 0..255, or finite floats in [0, 1] or
        [-1, 1] (any array-like is converted with ``np.asarray``).
    name : str
        What the error messages call the array (default ``"the array"``).

    Returns
    -------
    np.ndarray
        The images as ``(n, h, w, c)``: uint8 (unchanged values) for integer input, float32 in
        [-1, 1] for float input (``2x - 1`` when it lay in [0, 1]). uint8 input of the right shape
        is returned as is, not copied.

    Raises
    ------
    ValueError
        On another number of axes, no images, 4 (RGBA) or other channel counts (channels-first
        arrays are named as such), integers outside 0..255, NaN or infinite values, floats outside
        both ranges, or a non-numeric dtype.

    Examples
    --------
    Grayscale ``(n, h, w)`` gains a channel axis; small integers become uint8; floats in [0, 1]
    become ``2x - 1``:

    >>> import numpy as np
    >>> from tfgan_zoo.data.arrays import normalize_images
    >>> x = normalize_images(np.array([[[0, 255]], [[128, 64]]]))
    >>> x.shape, x.dtype.name
    ((2, 1, 2, 1), 'uint8')
    >>> normalize_images(np.array([[[0.0, 0.25, 1.0]]])).ravel().tolist()
    [-1.0, -0.5, 1.0]
    >>> normalize_images(np.zeros((2, 3, 8, 8)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: the array looks channels-first (2, 3, 8, 8); transpose it to channels-last with np.transpose(...).
    """
    x = np.asarray(images)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise ValueError(f"{name}: images must have shape (n, h, w) or (n, h, w, c), got {x.shape}.")
    if x.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has no images.")
    c = x.shape[-1]
    if c == 4:
        raise ValueError(f"{name} has 4 channels (RGBA?); drop the alpha channel first (images[..., :3]).")
    if c not in (1, 3):
        if x.shape[1] in (1, 3):
            raise ValueError(f"{name} looks channels-first {x.shape}; transpose it to channels-last "
                             "with np.transpose(images, (0, 2, 3, 1)).")
        raise ValueError(f"{name}: images must have 1 or 3 channels (last axis), got shape {x.shape}.")
    if x.dtype == np.uint8:
        return x
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        lo, hi = int(x.min()), int(x.max())
        if lo < 0 or hi > 255:
            raise ValueError(f"{name}: integer images must lie in 0..255, found {lo}..{hi}.")
        return x.astype(np.uint8)
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"{name}: images must be numbers (uint8 or float), got dtype {x.dtype}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values; clean the data first.")
    lo, hi = float(x.min()), float(x.max())
    if lo >= 0.0 and hi <= 1.0:
        return (x.astype(np.float32) * 2.0 - 1.0).astype(np.float32)
    if lo >= -1.0 and hi <= 1.0:
        return x.astype(np.float32)
    raise ValueError(
        f"{name}: float images must lie in [0, 1] or [-1, 1], found [{lo:g}, {hi:g}]. "
        "Divide 0..255 floats by 255 (or pass them as uint8)."
    )


def check_labels(labels: np.ndarray, n: int, name: str = "the labels") -> np.ndarray:
    """Labels as int64 of shape ``(n,)``, all >= 0.

    Parameters
    ----------
    labels : np.ndarray
        Integer class indices, shape ``(n,)`` or ``(n, 1)``, all >= 0 (any array-like is
        converted with ``np.asarray``).
    n : int
        The number of labels expected: the number of images they belong to.
    name : str
        What the error messages call the labels (default ``"the labels"``).

    Returns
    -------
    np.ndarray
        The labels as int64, shape ``(n,)``.

    Raises
    ------
    ValueError
        On another shape or number of labels, a non-integer dtype, or a negative label.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo.data.arrays import check_labels
    >>> y = check_labels(np.array([[3], [0], [1]], np.uint8), 3)
    >>> y.tolist(), y.dtype.name
    ([3, 0, 1], 'int64')
    >>> check_labels(np.array([0.0, 1.0]), 2)
    Traceback (most recent call last):
        ...
    ValueError: the labels: labels must be integers (class indices), got dtype float64.
    """
    y = np.asarray(labels)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name}: expected {n} labels of shape ({n},), got {y.shape}.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name}: labels must be integers (class indices), got dtype {y.dtype}.")
    if n and y.min() < 0:
        raise ValueError(f"{name}: labels must be >= 0, found {int(y.min())}.")
    return y.astype(np.int64)


def _pick(keys: list[str], candidates: tuple[str, ...]) -> str | None:
    return next((k for k in candidates if k in keys), None)


def read_array_file(path: str, split: str = "train") -> tuple[np.ndarray, np.ndarray | None]:
    """Images (and labels if present) from a ``.npy`` or ``.npz`` file, never unpickling.

    Parameters
    ----------
    path : str
        A ``.npy`` file (the images, no labels) or a ``.npz`` file (any other extension is read as
        ``.npz``) with the keys of the module docstring.
    split : str
        Which arrays of a ``.npz`` to read (default ``"train"``): images under ``x_<split>``, else
        ``images``, ``x`` or ``arr_0``; labels under ``y_<split>``, else ``labels`` or ``y``.
        ``"all"`` concatenates ``x_train`` and ``x_test`` (and ``y_train`` and ``y_test`` when
        both exist) when the file has both. Ignored for ``.npy`` files.

    Returns
    -------
    images : np.ndarray
        The image array as stored (not yet checked or normalised: see :func:`normalize_images`).
    labels : np.ndarray or None
        The label array as stored (see :func:`check_labels`), or None when the file has none.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    CorruptDatasetError
        If the file cannot be read or holds pickled objects.
    ValueError
        If no images are found under the documented keys.

    Examples
    --------
    A ``.npz`` with both splits: each split reads its own keys, ``"all"`` concatenates them:

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tfgan_zoo.data.arrays import read_array_file
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "digits.npz")
    >>> np.savez(path, x_train=np.zeros((5, 4, 4), np.uint8), y_train=np.arange(5),
    ...          x_test=np.ones((2, 4, 4), np.uint8), y_test=np.arange(2))
    >>> x, y = read_array_file(path, "test")
    >>> x.shape, y.tolist()
    ((2, 4, 4), [0, 1])
    >>> x, y = read_array_file(path, "all")
    >>> x.shape, y.tolist()
    ((7, 4, 4), [0, 1, 2, 3, 4, 0, 1])
    >>> tmp.cleanup()
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such file: {path}")
    try:
        if path.endswith(".npy"):
            return np.load(path, allow_pickle=False), None
        with np.load(path, allow_pickle=False) as f:
            keys = list(f.keys())
            if split == "all" and "x_train" in keys and "x_test" in keys:
                x = np.concatenate([f["x_train"], f["x_test"]])
                y = (np.concatenate([f["y_train"], f["y_test"]])
                     if "y_train" in keys and "y_test" in keys else None)
                return x, y
            xk = _pick(keys, (f"x_{split}",) + IMAGE_KEYS)
            if xk is None:
                raise ValueError(
                    f"{path} has no images for split {split!r}: its arrays are {keys}; store them under "
                    f"'x_{split}', 'images' or 'x' (labels under 'y_{split}', 'labels' or 'y')."
                )
            yk = _pick(keys, (f"y_{split}",) + LABEL_KEYS)
            return f[xk], (f[yk] if yk is not None else None)
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise CorruptDatasetError(
                f"{path} holds pickled Python objects, which tfgan_zoo never loads (unsafe); "
                "save plain numeric arrays with np.savez."
            ) from e
        raise
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise CorruptDatasetError(f"Cannot read {path}: {e}. The file is damaged; write it again.") from e
