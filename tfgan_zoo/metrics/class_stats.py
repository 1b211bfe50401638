"""Scores computed from a classifier's class probabilities: classifier score and class histograms.

No TensorFlow here: these work on any ``(n, num_classes)`` probability array
(the MNIST classifier's softmax, or Inception's for an Inception Score).
"""

from __future__ import annotations

import os

import numpy as np
from scipy.special import rel_entr



def _check_probs(probs: np.ndarray) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] < 2:
        raise ValueError(f"probs must be a non-empty (n, num_classes) array of class probabilities, got shape {p.shape}.")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probs must be non-negative rows that sum to 1 (softmax outputs, not logits).")
    return p


def classifier_score(probs: np.ndarray, splits: int = 1) -> tuple[float, float]:
    """Inception-Score formula on class probabilities: ``exp(E_x KL(p(y|x) || p(y)))``.

    ``p(y)`` is the mean of ``p(y|x)`` over the images of a split. The score
    ranges from 1 (every image gets the same class distribution) to the number
    of classes (confident predictions spread evenly over all classes).

    Parameters
    ----------
    probs : array (n, num_classes)
        ``p(y|x)`` for each image (rows sum to 1).
    splits : int
        Evaluate on this many contiguous, near-equal chunks (the Inception-Score
        convention is 10) and report their mean and standard deviation (ddof=0).

    Returns
    -------
    (mean, std) : tuple of float
        ``std`` is 0 for ``splits=1``.

    Examples
    --------
    Confident predictions spread evenly over 4 classes score 4; the same class distribution for
    every image scores 1:

    >>> import numpy as np
    >>> from tfgan_zoo.metrics.class_stats import classifier_score
    >>> mean, std = classifier_score(np.eye(4))
    >>> round(mean, 6), std
    (4.0, 0.0)
    >>> mean, std = classifier_score(np.full((6, 3), 1 / 3))
    >>> round(mean, 6), std
    (1.0, 0.0)

    Each split has its own ``p(y)``: two confident classes per split score 2 in each:

    >>> mean, std = classifier_score(np.eye(4)[[0, 1, 0, 1, 2, 3, 2, 3]], splits=2)
    >>> round(mean, 6), round(std, 6)
    (2.0, 0.0)
    """
    p = _check_probs(probs)
    if not 1 <= splits <= p.shape[0]:
        raise ValueError(f"splits must be between 1 and the number of images ({p.shape[0]}), got {splits}.")
    scores = []
    for chunk in np.array_split(p, splits):
        py = chunk.mean(axis=0, keepdims=True)
        kl = rel_entr(chunk, py).sum(axis=1)  # 0 * log(0 / q) counts as 0
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_histogram(probs_or_labels: np.ndarray, num_classes: int | None = None) -> np.ndarray:
    """Number of images per predicted class (argmax of each row, or integer labels as given).

    Parameters
    ----------
    probs_or_labels : array (n, num_classes) or (n,)
        Class probabilities, or integer class labels.
    num_classes : int, optional
        Length of the result; defaults to ``probs.shape[1]`` (or ``max(label) + 1``).

    Returns
    -------
    counts : int64 array (num_classes,)

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo.metrics.class_stats import class_histogram
    >>> probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    >>> class_histogram(probs).tolist()
    [2, 1, 1]
    >>> class_histogram(np.array([0, 2, 2, 0, 2])).tolist()
    [2, 0, 3]
    >>> class_histogram(np.array([1, 1]), num_classes=4).tolist()
    [0, 2, 0, 0]
    """
    a = np.asarray(probs_or_labels)
    if a.ndim == 2:
        labels = np.argmax(a, axis=1)
        num_classes = a.shape[1] if num_classes is None else num_classes
    elif a.ndim == 1:
        if a.size and not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"1-D input must be integer class labels, got dtype {a.dtype}.")
        labels = a.astype(np.int64)
        if labels.size and labels.min() < 0:
            raise ValueError("Class labels must be >= 0.")
    else:
        raise ValueError(f"Expected (n, num_classes) probabilities or (n,) labels, got shape {a.shape}.")
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"Label {int(labels.max())} is out of range for {num_classes} classes.")
    return np.bincount(labels, minlength=num_classes).astype(np.int64)


def classes_covered(counts: np.ndarray, min_fraction: float = 0.01) -> int:
    """Number of classes holding at least ``min_fraction`` of the images (mode coverage).

    Parameters
    ----------
    counts : array (num_classes,)
        Images per class, as :func:`class_histogram` returns them.
    min_fraction : float
        Share of all images a class needs to count as covered (default 0.01, i.e. 1%).

    Returns
    -------
    int
        The number of classes with ``counts[c] >= min_fraction * sum(counts)``; 0 when there are no images.

    Examples
    --------
    5 images of 1,000 are 0.5%: below the default threshold of 1%, above 0.1%:

    >>> import numpy as np
    >>> from tfgan_zoo.metrics.class_stats import classes_covered
    >>> counts = np.array([500, 495, 5, 0])
    >>> classes_covered(counts)
    2
    >>> classes_covered(counts, min_fraction=0.001)
    3
    """
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    return int(np.sum(c >= min_fraction * total)) if total > 0 else 0


def class_accuracy(probs: np.ndarray, requested: np.ndarray) -> dict[str, object]:
    """How often a classifier sees the class a conditional generator was asked for.

    ``class_accuracy = mean_i [argmax_k p_ik == y_i]`` over the generated images,
    and ``class_accuracy_per_class[c]`` the same mean over the images asked for class ``c``
    (NaN, written as None, for a class never asked for).

    Parameters
    ----------
    probs : array (n, num_classes)
        The classifier's ``p(y|x)`` for each generated image (rows sum to 1).
    requested : array (n,)
        The integer class each image was generated for, in ``[0, num_classes)``.

    Returns
    -------
    dict
        ``{"class_accuracy": float, "class_accuracy_per_class": [float or None, ...]}``, the list with one
        entry per class of the classifier.

    Raises
    ------
    ValueError
        If ``requested`` does not hold one label per image, or a label lies outside the classifier's classes.

    Examples
    --------
    Four images asked for classes 0, 1, 1, 0; the classifier sees 0, 1, 2, 0:

    >>> import numpy as np
    >>> from tfgan_zoo.metrics.class_stats import class_accuracy
    >>> probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    >>> class_accuracy(probs, np.array([0, 1, 1, 0]))
    {'class_accuracy': 0.75, 'class_accuracy_per_class': [1.0, 0.5, None]}
    """
    probs = _check_probs(probs)
    requested = np.asarray(requested)
    if requested.shape != (len(probs),):
        raise ValueError(f"requested labels have shape {requested.shape}, expected ({len(probs)},): one per image.")
    if requested.min(initial=0) < 0 or requested.max(initial=0) >= probs.shape[1]:
        raise ValueError(f"requested labels must lie in [0, {probs.shape[1]}), the classifier's classes.")
    hit = probs.argmax(axis=1) == requested
    per = [float(hit[requested == c].mean()) if np.any(requested == c) else None for c in range(probs.shape[1])]
    return {"class_accuracy": float(hit.mean()), "class_accuracy_per_class": per}


def save_class_histogram(
    counts: np.ndarray,
    path: str | os.PathLike,
    title: str | None = None,
    class_names: list[str] | None = None,
) -> str:
    """Write a bar chart of images per class to ``path`` (PNG, written atomically); returns the path.

    A dashed line marks the count every class would have if the images were
    spread evenly.

    Parameters
    ----------
    counts : array (num_classes,)
        Images per class (:func:`class_histogram`); non-empty and 1-D.
    path : str or PathLike
        Where to write the PNG.
    title : str, optional
        Title of the chart; default: the number of images and of classes holding at least 1% of them.
    class_names : list of str, optional
        Tick label of each class (one per count); default ``"0"``, ``"1"``, ...

    Returns
    -------
    str
        ``path``, as a string.
    """
    from matplotlib.figure import Figure  # Figure has its own Agg canvas: no pyplot, no global backend

    c = np.asarray(counts)
    if c.ndim != 1 or c.size == 0:
        raise ValueError(f"counts must be a non-empty 1-D array, got shape {c.shape}.")
    names = class_names or [str(i) for i in range(c.size)]
    if len(names) != c.size:
        raise ValueError(f"{len(names)} class names for {c.size} classes.")
    fig = Figure(figsize=(max(4.0, 0.45 * c.size + 1.5), 3.0), dpi=100)
    ax = fig.subplots()
    ax.bar(range(c.size), c, color="tab:blue")
    ax.axhline(c.sum() / c.size, color="gray", linestyle="--", linewidth=1)
    ax.set_xticks(range(c.size), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("images")
    ax.set_title(title or f"{int(c.sum())} images, {classes_covered(c)} of {c.size} classes with >= 1%")
    from ..images import save_figure

    return save_figure(fig, path, dpi=100, crop=False)


__all__ = ["classifier_score", "class_histogram", "classes_covered", "save_class_histogram"]
