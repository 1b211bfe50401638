"""Any TensorFlow Datasets dataset, read from files already prepared in ``data_dir`` (never downloaded).

This machine class has no network, so a dataset must have been prepared
elsewhere (``tfds build NAME --data_dir DIR``) and its ``DIR/NAME/<version>``
folder copied here. A folder ``data_dir/NAME`` written by TFDS for a dataset
TFDS does not register (e.g. made with ``TfDataBuilder``) is read too.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from .errors import DatasetUnavailableError


@dataclasses.dataclass
class TFDSSplit:
    """A prepared TFDS split: its examples as ``(image, label or -1)`` and what is known about them.

    Made by :func:`open_tfds`.

    Parameters
    ----------
    name : str
        The TFDS dataset name (or the folder name under ``data_dir``), e.g. ``"cifar10"``.
    dataset : tf.data.Dataset
        The examples, unshuffled: ``(image, label)`` with a uint8 image ``(h, w, c)`` and an int64
        scalar label, -1 when the dataset has no labels.
    num_examples : int
        The number of examples of the split (all splits together for ``"all"``).
    image_shape : tuple
        The image feature's shape ``(h, w, c)``; ``h`` and ``w`` are None for datasets of
        variable-size images.
    has_labels : bool
        Whether the dataset has a ``label`` feature of class labels.
    """

    name: str
    dataset: object  # tf.data.Dataset of (uint8 image (h, w, c), int64 label)
    num_examples: int
    image_shape: tuple  # may contain None for variable-size datasets
    has_labels: bool


def default_data_dir() -> str:
    """The folder TFDS reads prepared datasets from when no ``data_dir`` is given.

    Returns
    -------
    str
        ``$TFDS_DATA_DIR`` if that environment variable is set (and not empty), else
        ``~/tensorflow_datasets`` (expanded).
    """
    return os.environ.get("TFDS_DATA_DIR") or os.path.join(os.path.expanduser("~"), "tensorflow_datasets")


def _builder(name: str, data_dir: str | None):
    import tensorflow_datasets as tfds

    data_dir = data_dir or default_data_dir()
    try:
        return tfds.builder(name, data_dir=data_dir), data_dir
    except tfds.core.registered.DatasetNotFoundError:
        folder = os.path.join(data_dir, name)
        versions = sorted(d for d in os.listdir(folder)) if os.path.isdir(folder) else []
        for version in reversed(versions):  # newest prepared version first
            path = os.path.join(folder, version)
            if os.path.isfile(os.path.join(path, "dataset_info.json")):
                return tfds.builder_from_directory(path), data_dir
        return None, data_dir


def _not_prepared(name: str, data_dir: str) -> DatasetUnavailableError:
    return DatasetUnavailableError(
        f"The TFDS dataset {name!r} is not prepared in {data_dir}, and this machine cannot download it. "
        f"On a machine with network run `tfds build {name} --data_dir DIR`, copy DIR/{name}/ into {data_dir} "
        "(or pass data_dir=DIR, --data-dir DIR), then try again."
    )


def open_tfds(name: str, split: str = "train", data_dir: str | None = None) -> TFDSSplit:
    """Open a prepared TFDS split.

    Parameters
    ----------
    name : str
        A TFDS dataset name (e.g. ``"cifar10"``, optionally with ``:version``), or the name of a
        folder ``data_dir/name/<version>/`` written by TFDS (the newest version is read).
    split : str
        A split of the dataset (default ``"train"``), or ``"all"`` for all of its splits, in order.
    data_dir : str, optional
        The folder of prepared datasets; None (default): :func:`default_data_dir`.

    Returns
    -------
    TFDSSplit
        The split's examples as ``(uint8 image, int64 label or -1)``, with their number, the
        image shape, and whether there are labels.

    Raises
    ------
    ValueError
        If ``name`` is neither a TFDS dataset nor prepared under ``data_dir``, or the split is unknown.
    DatasetUnavailableError
        If TFDS knows the dataset but its files are not in ``data_dir`` (says how to prepare them).
    """
    import tensorflow as tf
    import tensorflow_datasets as tfds

    builder, data_dir = _builder(name, data_dir)
    if builder is None:
        raise ValueError(
            f"Unknown dataset {name!r}: not a built-in dataset (mnist, fashion_mnist), not an existing folder "
            f"or .npz/.npy file, and neither a TFDS dataset name nor a prepared TFDS folder in {data_dir}."
        )
    if not builder.is_prepared():
        raise _not_prepared(name, data_dir)
    splits = dict(builder.info.splits)
    if split == "all":
        split_spec = "+".join(splits)
    elif split in splits:
        split_spec = split
    else:
        raise ValueError(f"{name} has no split {split!r}. Its splits: {', '.join(splits)} (or 'all').")
    features = builder.info.features
    keys = list(features.keys())
    image_key = "image" if "image" in keys else next(
        (k for k in keys if isinstance(features[k], tfds.features.Image)), None)
    if image_key is None:
        raise ValueError(f"{name} has no image feature (its features: {', '.join(keys)}); it is not an image dataset.")
    has_labels = "label" in keys and isinstance(features["label"], tfds.features.ClassLabel)
    num = sum(splits[s].num_examples for s in split_spec.split("+"))
    ds = builder.as_dataset(split=split_spec, shuffle_files=False)

    def pick(ex):
        label = tf.cast(ex["label"], tf.int64) if has_labels else tf.constant(-1, tf.int64)
        return ex[image_key], label

    ds = ds.map(pick, num_parallel_calls=tf.data.AUTOTUNE)
    return TFDSSplit(name, ds, int(num), tuple(features[image_key].shape), has_labels)


def prepared_tfds_arrays(name: str, data_dir: str | None = None) -> dict[str, np.ndarray] | None:
    """``x_train``/``y_train``/``x_test``/``y_test`` of a small prepared TFDS dataset, or None if not prepared.

    The whole of each split is read into memory at once.

    Parameters
    ----------
    name : str
        A TFDS dataset with ``train`` and ``test`` splits and ``image`` and ``label`` features,
        e.g. ``"fashion_mnist"``.
    data_dir : str, optional
        The folder of prepared datasets; None (default): :func:`default_data_dir`.

    Returns
    -------
    dict of str to np.ndarray or None
        ``x_train``, ``x_test``: the uint8 images ``(n, h, w, c)``; ``y_train``, ``y_test``: int64
        labels ``(n,)``. None when the dataset is not prepared there, or TFDS is not installed
        or fails to open it.
    """
    try:
        builder, _ = _builder(name, data_dir)
    except Exception:  # TFDS missing or broken: treat as not prepared
        return None
    if builder is None or not builder.is_prepared():
        return None
    import tensorflow_datasets as tfds

    out = {}
    for split in ("train", "test"):
        ex = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
        out[f"x_{split}"], out[f"y_{split}"] = ex["image"], ex["label"].astype(np.int64)
    return out


TFDSSource = TFDSSplit  # its former name
