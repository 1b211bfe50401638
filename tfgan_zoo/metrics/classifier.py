"""Small 28x28 CNNs as domain-specific feature networks: "MNIST FID", "Fashion FID", classifier score, class histograms.

One architecture, trained once per dataset (Keras functional, input 28x28x1 in [-1, 1])::

    conv 3x3x32 same, batch-norm, ReLU -> max-pool 2   (14x14x32)
    conv 3x3x64 same, batch-norm, ReLU -> max-pool 2   (7x7x64)
    conv 3x3x32 valid, batch-norm, ReLU                (5x5x32)
    flatten -> dense 128, ReLU = "features"            (penultimate layer: the domain-FID features)
    dropout 0.3 -> dense 10, softmax = "probs"

About 141k parameters (a 0.6 MB weights file). The weights are part of the package
(``weights/mnist_classifier.weights.h5`` and ``weights/fashion_mnist_classifier.weights.h5``, made by
``scripts/train_mnist_classifier.py [--dataset fashion_mnist]``); nothing is downloaded. Each knows only its
own dataset's ten classes: its features say nothing about other images.
"""

from __future__ import annotations

import os
import weakref

import keras
import numpy as np

from ..choices import CLASSIFIER_NETWORKS
from .class_stats import class_histogram, classes_covered, classifier_score, save_class_histogram

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
FEATURES_LAYER = "features"
FEATURE_DIM = 128
WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
# the datasets with a committed classifier
CLASSIFIER_DATASETS = tuple(CLASSIFIER_NETWORKS.values())
WEIGHTS_PATH = os.path.join(WEIGHTS_DIR, "mnist_classifier.weights.h5")
FASHION_WEIGHTS_PATH = os.path.join(WEIGHTS_DIR, "fashion_mnist_classifier.weights.h5")
TRAIN_HINT = "Run `python scripts/train_mnist_classifier.py` to train it and write the weights file."

_loaded: dict[tuple[str, float], keras.Model] = {}


def _check_dataset(dataset: str) -> str:
    if dataset not in CLASSIFIER_DATASETS:
        raise ValueError(f"No committed classifier for dataset {dataset!r}; there is one for "
                         f"{', '.join(CLASSIFIER_DATASETS)}.")
    return dataset


def weights_path(dataset: str = "mnist") -> str:
    """The packaged weights file of ``dataset``'s classifier.

    Parameters
    ----------
    dataset : str
        A dataset with a committed classifier: ``"mnist"`` (default) or ``"fashion_mnist"``
        (:data:`CLASSIFIER_DATASETS`).

    Returns
    -------
    str
        :data:`WEIGHTS_PATH` for ``"mnist"``, else :data:`FASHION_WEIGHTS_PATH` (whether or not the file exists).

    Raises
    ------
    ValueError
        If there is no committed classifier for ``dataset``.
    """
    return WEIGHTS_PATH if _check_dataset(dataset) == "mnist" else FASHION_WEIGHTS_PATH


_digests: dict[tuple[str, float, int], str] = {}


def weights_digest(dataset: str = "mnist") -> str:
    """The first 16 hex digits of the SHA-256 of ``dataset``'s packaged weights file.

    Statistics cached under a classifier's features name it (``evaluate.stats_path`` and the stored protocol), so
    retrained weights get new statistics instead of silently reusing those of the old network.

    Parameters
    ----------
    dataset : str
        A dataset with a committed classifier: ``"mnist"`` (default) or ``"fashion_mnist"``
        (:data:`CLASSIFIER_DATASETS`).

    Returns
    -------
    str
        16 lowercase hex digits; cached per path, modification time and size of the file.

    Raises
    ------
    ClassifierWeightsNotFoundError
        The weights file does not exist.
    """
    from ..io import file_digest

    path = os.path.abspath(weights_path(dataset))
    if not os.path.isfile(path):
        raise ClassifierWeightsNotFoundError(f"{dataset} classifier weights not found at {path}. "
                                             f"{train_hint(dataset)}")
    key = (path, os.path.getmtime(path), os.path.getsize(path))
    if key not in _digests:
        _digests[key] = file_digest(path)[:16]
    return _digests[key]


def train_hint(dataset: str = "mnist") -> str:
    """How to make ``dataset``'s weights file.

    Parameters
    ----------
    dataset : str
        A dataset with a committed classifier: ``"mnist"`` (default) or ``"fashion_mnist"``
        (:data:`CLASSIFIER_DATASETS`).

    Returns
    -------
    str
        The command that trains the classifier and writes its weights file (:data:`TRAIN_HINT` for MNIST).
    """
    if _check_dataset(dataset) == "mnist":
        return TRAIN_HINT
    return (f"Run `python scripts/train_mnist_classifier.py --dataset {dataset}` to train it and write the "
            "weights file.")


class ClassifierWeightsNotFoundError(FileNotFoundError):
    """A classifier's weights file is missing."""


def build_mnist_classifier() -> keras.Model:
    """The untrained classifier: ``(n, 28, 28, 1)`` images in [-1, 1] -> ``(n, 10)`` softmax.

    Returns
    -------
    keras.Model
        :func:`build_classifier` for ``"mnist"``, named ``mnist_classifier``.
    """
    return build_classifier("mnist")


def build_classifier(dataset: str = "mnist") -> keras.Model:
    """The untrained classifier for ``dataset`` (the same network for each; only the name differs).

    Parameters
    ----------
    dataset : str
        A dataset with a committed classifier: ``"mnist"`` (default) or ``"fashion_mnist"``
        (:data:`CLASSIFIER_DATASETS`).

    Returns
    -------
    keras.Model
        ``(n, 28, 28, 1)`` images in [-1, 1] -> ``(n, 10)`` softmax, named ``<dataset>_classifier``, with the
        128-d penultimate layer named ``"features"``.
    """
    layers = keras.layers

    def conv_bn_relu(x, filters, padding, name):
        x = layers.Conv2D(filters, 3, padding=padding, use_bias=False, name=name)(x)
        x = layers.BatchNormalization(name=name + "_bn")(x)
        return layers.ReLU(name=name + "_relu")(x)

    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = conv_bn_relu(inputs, 32, "same", "conv1")
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = conv_bn_relu(x, 64, "same", "conv2")
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = conv_bn_relu(x, 32, "valid", "conv3")
    x = layers.Flatten(name="flatten")(x)
    features = layers.Dense(FEATURE_DIM, activation="relu", name=FEATURES_LAYER)(x)
    x = layers.Dropout(0.3, name="dropout")(features)
    probs = layers.Dense(NUM_CLASSES, activation="softmax", name="probs")(x)
    return keras.Model(inputs, probs, name=f"{_check_dataset(dataset)}_classifier")


def load_mnist_classifier(path: str | os.PathLike | None = None) -> keras.Model:
    """The trained MNIST classifier (:func:`load_classifier` for ``"mnist"``).

    Parameters
    ----------
    path : str or PathLike, optional
        A weights file to load instead of the packaged one.

    Returns
    -------
    keras.Model
        The classifier with its weights loaded (cached per file).
    """
    return load_classifier("mnist", path)


def load_classifier(dataset: str = "mnist", path: str | os.PathLike | None = None) -> keras.Model:
    """``dataset``'s trained classifier with the packaged weights (or those at ``path``); cached per file.

    Parameters
    ----------
    dataset : str
        A dataset with a committed classifier: ``"mnist"`` (default) or ``"fashion_mnist"``
        (:data:`CLASSIFIER_DATASETS`).
    path : str or PathLike, optional
        A weights file to load instead of the packaged one (:func:`weights_path`).

    Returns
    -------
    keras.Model
        The classifier with its weights loaded; the same object while the file's modification time is unchanged.

    Raises
    ------
    ClassifierWeightsNotFoundError
        The weights file does not exist (the message says how to make it).
    ValueError
        The file cannot be loaded into the architecture (corrupt, or from another network).
    """
    path = os.path.abspath(os.fspath(path or weights_path(dataset)))
    if not os.path.isfile(path):
        raise ClassifierWeightsNotFoundError(f"{dataset} classifier weights not found at {path}. "
                                             f"{train_hint(dataset)}")
    key = (path, os.path.getmtime(path))
    if key not in _loaded:
        model = build_classifier(dataset)
        try:
            model.load_weights(path)
        except (ValueError, OSError) as e:
            raise ValueError(
                f"Cannot load {dataset} classifier weights from {path}: {e}. "
                f"The file is corrupt or from another architecture. {train_hint(dataset)}"
            ) from e
        for stale in [k for k in _loaded if k[0] == path]:  # an older version of this file
            del _loaded[stale]
        _loaded[key] = model
    return _loaded[key]


def preprocess(images: np.ndarray) -> np.ndarray:
    """Images as float32 ``(n, 28, 28, 1)`` in [-1, 1].

    Accepts uint8 images in [0, 255] (scaled by ``x / 127.5 - 1``) or float
    images already in [-1, 1]; ``(n, 28, 28)`` gains the channel axis.

    Parameters
    ----------
    images : array (n, 28, 28, 1) or (n, 28, 28)
        uint8 images in [0, 255], or float images in [-1, 1].

    Returns
    -------
    np.ndarray
        float32 ``(n, 28, 28, 1)`` in [-1, 1].

    Raises
    ------
    ValueError
        For another shape, a dtype that is neither uint8 nor float, or float values outside [-1, 1] (or not
        finite).
    """
    x = np.asarray(images)
    if x.ndim == 3 and x.shape[1:] == INPUT_SHAPE[:2]:
        x = x[..., None]
    if x.ndim != 4 or x.shape[1:] != INPUT_SHAPE:
        raise ValueError(
            f"The 28x28 classifiers expect images of shape (n, 28, 28, 1) (28x28x1 grayscale), got {x.shape}. "
            "Resize/convert the images first; they only apply to MNIST-like 28x28 grayscale images."
        )
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 127.5 - 1.0
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"Images must be uint8 in [0, 255] or float in [-1, 1], got dtype {x.dtype}.")
    x = x.astype(np.float32)
    if x.size and (not np.all(np.isfinite(x)) or x.min() < -1.001 or x.max() > 1.001):
        raise ValueError(
            f"Float images must lie in [-1, 1], got values in [{np.nanmin(x):.3g}, {np.nanmax(x):.3g}]. "
            "Scale them with x / 127.5 - 1 (from uint8) or 2 * x - 1 (from [0, 1])."
        )
    return x


_TWO_OUTPUTS: "weakref.WeakKeyDictionary[keras.Model, keras.Model]" = weakref.WeakKeyDictionary()


def classifier_outputs(
    images: np.ndarray, model: keras.Model | None = None, batch_size: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """Penultimate features ``(n, 128)`` and softmax probabilities ``(n, 10)`` of the classifier.

    Parameters
    ----------
    images : array (n, 28, 28, 1) or (n, 28, 28)
        uint8 images in [0, 255] or float images in [-1, 1] (:func:`preprocess`).
    model : keras.Model, optional
        A classifier from :func:`build_classifier` / :func:`load_classifier`; default: the trained MNIST
        classifier (:func:`load_mnist_classifier`).
    batch_size : int
        Images per forward pass.

    Returns
    -------
    (features, probs) : tuple of np.ndarray
        float32 ``(n, 128)`` and ``(n, 10)``, from one pass over the images.
    """
    x = preprocess(images)
    model = model or load_mnist_classifier()
    both = _TWO_OUTPUTS.get(model)
    if both is None:  # one two-output view per classifier: predict() then traces once, not once per call
        both = _TWO_OUTPUTS[model] = keras.Model(model.inputs, [model.get_layer(FEATURES_LAYER).output,
                                                                model.outputs[0]])
    if x.shape[0] == 0:
        return np.zeros((0, FEATURE_DIM), np.float32), np.zeros((0, NUM_CLASSES), np.float32)
    feats, probs = both.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(feats), np.asarray(probs)


def classifier_features(images: np.ndarray, model: keras.Model | None = None, batch_size: int = 500) -> np.ndarray:
    """Penultimate-layer features ``(n, 128)`` (for an MNIST Fréchet distance).

    Parameters
    ----------
    images : array (n, 28, 28, 1) or (n, 28, 28)
        uint8 images in [0, 255] or float images in [-1, 1] (:func:`preprocess`).
    model : keras.Model, optional
        A classifier from :func:`build_classifier` / :func:`load_classifier`; default: the trained MNIST
        classifier (:func:`load_mnist_classifier`).
    batch_size : int
        Images per forward pass.

    Returns
    -------
    np.ndarray
        float32 ``(n, 128)``: the first output of :func:`classifier_outputs`.
    """
    return classifier_outputs(images, model, batch_size)[0]


def classifier_probs(images: np.ndarray, model: keras.Model | None = None, batch_size: int = 500) -> np.ndarray:
    """Softmax class probabilities ``(n, 10)`` (for :func:`classifier_score` and :func:`class_histogram`).

    Parameters
    ----------
    images : array (n, 28, 28, 1) or (n, 28, 28)
        uint8 images in [0, 255] or float images in [-1, 1] (:func:`preprocess`).
    model : keras.Model, optional
        A classifier from :func:`build_classifier` / :func:`load_classifier`; default: the trained MNIST
        classifier (:func:`load_mnist_classifier`).
    batch_size : int
        Images per forward pass.

    Returns
    -------
    np.ndarray
        float32 ``(n, 10)``, rows summing to 1: the second output of :func:`classifier_outputs`.
    """
    return classifier_outputs(images, model, batch_size)[1]


__all__ = [
    "build_mnist_classifier",
    "build_classifier",
    "load_mnist_classifier",
    "load_classifier",
    "weights_path",
    "weights_digest",
    "CLASSIFIER_DATASETS",
    "preprocess",
    "classifier_outputs",
    "classifier_features",
    "classifier_probs",
    "classifier_score",
    "class_histogram",
    "classes_covered",
    "save_class_histogram",
    "ClassifierWeightsNotFoundError",
    "WEIGHTS_PATH",
    "FEATURE_DIM",
]
