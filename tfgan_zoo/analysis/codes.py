"""What a trained generator's latent directions do, measured: InfoGAN's codes and principal directions.

InfoGAN (Chen et al., 2016) promises a categorical code that captures the class and continuous codes that
change style while keeping it. Three measurements say whether a trained model keeps those promises:

* **Matched accuracy** (:func:`matched_accuracy`). Which code value becomes which digit is arbitrary, so the
  code values are matched to the classes by the one-to-one assignment with the most agreements (the
  Hungarian algorithm on the code-by-class count matrix ``C``):

  .. math:: \\mathrm{acc} = \\max_{\\pi \\in S_K} \\frac{1}{N} \\sum_{k=1}^{K} C_{k, \\pi(k)}.

  Chen et al. report 5% error on MNIST (95% matched accuracy).
* **Use of the noise** (:func:`diversity`): the mean pairwise Euclidean distance of images drawn with one
  code value and different ``z``, against that of real images of the class matched to it. A generator that
  ignores ``z`` draws one glyph per code value and has a ratio near 0; real variety is 1.
* **Class retention** along a direction (:func:`sweep`): the share of images whose class (by the committed
  MNIST classifier) equals the class of the same row at the sweep's centre, with stroke statistics per step.

Stroke statistics (:func:`slant`, :func:`width`, :func:`ink`) are ink-weighted image moments. With ink
``w(x, y) = (I + 1) / 2`` (white strokes on black, ``I`` in [-1, 1]), column ``x`` and height ``y`` (rows
counted upwards), and centred moments ``mu_xy``, ``mu_yy``, ``mu_xx``:

.. math:: \\text{slant} = \\mu_{xy} / \\mu_{yy}, \\qquad \\text{width} = \\sqrt{\\mu_{xx}},

the slant being the horizontal shift of the stroke per pixel of height (positive: the top leans right; the
least-squares line ``x = a + s y`` through the ink has ``s`` = slant) and the width the stroke's horizontal
standard deviation in pixels.

Principal directions (:func:`principal_directions`) are the eigenvectors of the generator's average pull-back
metric ``M = E_z[J(z)^T J(z)]``, ``J = dG/dz`` (estimated by central differences): the top one is the unit
direction along which images change most, in the mean squared sense, near typical ``z``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np

from .latent import ink  # mean (I + 1) / 2 per image, the stroke mass arithmetic() measures too

__all__ = ["CodeGenerator", "matched_accuracy", "mean_pairwise_distance", "diversity", "slant", "width", "ink",
           "sweep", "principal_directions"]


def _as_images(images) -> np.ndarray:
    x = np.asarray(images, np.float32)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"Expected grey images (N, H, W) or (N, H, W, 1), got shape {x.shape}.")
    return x


def matched_accuracy(codes, classes, num_codes: int | None = None, num_classes: int | None = None) -> dict:
    """Share of samples whose class is the one matched to their code value by the best one-to-one assignment.

    Parameters
    ----------
    codes : array_like of int
        The categorical code value of each sample, ``(N,)``, in ``[0, num_codes)``.
    classes : array_like of int
        The class each sample was recognised as, ``(N,)``, in ``[0, num_classes)``.
    num_codes, num_classes : int, optional
        Sizes of the two label sets (default: the largest value seen plus one).

    Returns
    -------
    dict
        ``matched_accuracy`` (float in [0, 1]), ``assignment`` (list: the class matched to each code value,
        -1 for code values left unmatched when there are more codes than classes), ``counts`` (the code-by-class
        count matrix as nested lists) and ``purity`` (the share of samples in their code value's most frequent
        class, which may match two code values to one class; >= ``matched_accuracy``).

    Raises
    ------
    ValueError
        For empty or mismatched inputs, or values outside the stated ranges.

    Examples
    --------
    Relabelled classes are matched perfectly; the greedy per-row maximum would match code 1 to class 0 too:

    >>> matched_accuracy([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1])["matched_accuracy"]
    1.0
    """
    from scipy.optimize import linear_sum_assignment

    c = np.asarray(codes).astype(np.int64).reshape(-1)
    y = np.asarray(classes).astype(np.int64).reshape(-1)
    if c.size == 0 or c.shape != y.shape:
        raise ValueError(f"codes and classes must be non-empty and of the same length, got {c.size} and {y.size}.")
    k = int(num_codes) if num_codes is not None else int(c.max()) + 1
    m = int(num_classes) if num_classes is not None else int(y.max()) + 1
    if c.min() < 0 or c.max() >= k or y.min() < 0 or y.max() >= m:
        raise ValueError(f"code values must lie in [0, {k}) and classes in [0, {m}).")
    counts = np.zeros((k, m), np.int64)
    np.add.at(counts, (c, y), 1)
    rows, cols = linear_sum_assignment(-counts)
    assignment = [-1] * k
    for r, col in zip(rows, cols):
        assignment[int(r)] = int(col)
    return {"matched_accuracy": float(counts[rows, cols].sum() / c.size), "assignment": assignment,
            "counts": counts.tolist(), "purity": float(counts.max(axis=1).sum() / c.size)}


def mean_pairwise_distance(images, max_pairs: int = 20000, seed: int = 0) -> float:
    """Mean Euclidean distance between two different images of a set (pixels flattened).

    All ``N (N - 1) / 2`` pairs when there are at most ``max_pairs`` of them, else ``max_pairs`` random pairs
    of distinct images (drawn with ``seed``).

    Parameters
    ----------
    images : array_like
        ``(N, ...)`` with ``N >= 2``.
    max_pairs : int
        Largest number of pairs used.
    seed : int
        Seed of the pair draw when pairs are subsampled.

    Returns
    -------
    float
        The mean distance (0 when all images are equal).
    """
    x = np.asarray(images, np.float64).reshape(len(images), -1)
    n = len(x)
    if n < 2:
        raise ValueError(f"mean_pairwise_distance needs at least 2 images, got {n}.")
    if n * (n - 1) // 2 <= max_pairs:
        i, j = np.triu_indices(n, 1)
    else:
        rng = np.random.default_rng(seed)
        i = rng.integers(0, n, max_pairs)
        j = (i + rng.integers(1, n, max_pairs)) % n  # j != i
    return float(np.linalg.norm(x[i] - x[j], axis=1).mean())


def diversity(fake_by_code: Sequence[np.ndarray], real_by_class: Sequence[np.ndarray],
              assignment: Sequence[int]) -> dict:
    """How much the images of one code value vary, against real images of the class matched to it.

    Parameters
    ----------
    fake_by_code : sequence of arrays
        Generated images per code value (the same code value, different ``z``), each ``(n_k, ...)``, n_k >= 2.
    real_by_class : sequence of arrays
        Real images per class, each ``(m_c, ...)``, m_c >= 2.
    assignment : sequence of int
        The class matched to each code value (:func:`matched_accuracy`), -1 for none.

    Returns
    -------
    dict
        ``fake`` and ``real`` (mean pairwise distance per code value and per matched class), ``ratio`` per code
        value (fake / real; NaN where unmatched) and ``mean_ratio`` over the matched code values.
    """
    fake = [mean_pairwise_distance(f) for f in fake_by_code]
    real = [mean_pairwise_distance(real_by_class[a]) if a >= 0 else float("nan") for a in assignment]
    ratio = [f / r if r == r and r > 0 else float("nan") for f, r in zip(fake, real)]
    matched = [q for q in ratio if q == q]
    return {"fake": fake, "real": real, "ratio": ratio,
            "mean_ratio": float(np.mean(matched)) if matched else float("nan")}


def _moments(images) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = _as_images(images)
    w = np.clip((x.astype(np.float64) + 1.0) / 2.0, 0.0, None)
    n, h, wd = w.shape
    mass = w.sum(axis=(1, 2))
    if np.any(mass <= 0):
        raise ValueError("An image has no ink ((I + 1) / 2 sums to 0): its moments are undefined.")
    cols = np.arange(wd, dtype=np.float64)[None, None, :]
    ups = (h - 1 - np.arange(h, dtype=np.float64))[None, :, None]  # height: row 0 is the top
    mx = (w * cols).sum(axis=(1, 2)) / mass
    my = (w * ups).sum(axis=(1, 2)) / mass
    dx = cols - mx[:, None, None]
    dy = ups - my[:, None, None]
    return ((w * dx * dy).sum(axis=(1, 2)) / mass, (w * dy * dy).sum(axis=(1, 2)) / mass,
            (w * dx * dx).sum(axis=(1, 2)) / mass)


def _stroke_stats(images) -> dict[str, np.ndarray]:
    """Slant, width and ink per image from one pass over the moments (module docstring)."""
    mxy, myy, mxx = _moments(images)
    return {"slant": mxy / np.maximum(myy, 1e-12), "width": np.sqrt(mxx), "ink": np.asarray(ink(images), np.float64)}


def slant(images) -> np.ndarray:
    """Ink-weighted slant ``mu_xy / mu_yy`` per image (module docstring): pixels of horizontal shift per
    pixel of height, positive when the top leans right.

    Parameters
    ----------
    images : array_like
        Grey images in [-1, 1], ``(N, H, W)`` or ``(N, H, W, 1)``, each with some ink.

    Returns
    -------
    numpy.ndarray
        float64, ``(N,)``.

    Examples
    --------
    A line through (row 8, column 2) and (row 0, column 6) leans right by 4 pixels over 8 of height:

    >>> import numpy as np
    >>> img = -np.ones((1, 9, 9))
    >>> for r in range(9):
    ...     img[0, r, 6 - r // 2] = 1.0 if r % 2 == 0 else -1.0
    >>> round(float(slant(img)[0]), 6)
    0.5
    """
    return _stroke_stats(images)["slant"]


def width(images) -> np.ndarray:
    """Ink-weighted horizontal standard deviation ``sqrt(mu_xx)`` per image, in pixels.

    Parameters
    ----------
    images : array_like
        Grey images in [-1, 1], ``(N, H, W)`` or ``(N, H, W, 1)``, each with some ink.

    Returns
    -------
    numpy.ndarray
        float64, ``(N,)``.
    """
    return _stroke_stats(images)["width"]


@dataclasses.dataclass
class CodeGenerator:
    """An InfoGAN generator seen from outside: ``generate(z, cat, cont) -> images`` in [-1, 1].

    Parameters
    ----------
    fn : callable
        ``fn(vectors) -> images``: the generator's one input ``[z, one_hot(cat), cont]`` (float32,
        ``(n, noise_dim + num_categories + num_continuous)``) to images.
    noise_dim : int
        Size of ``z``.
    num_categories : int
        Values of the categorical code (0 for none).
    num_continuous : int
        Number of continuous codes (each from U(-1, 1) in training).
    prior : {"normal", "uniform"}
        Distribution of ``z`` in training.
    """

    fn: Callable[[np.ndarray], Any]
    noise_dim: int
    num_categories: int
    num_continuous: int
    prior: str = "normal"

    @classmethod
    def from_gan(cls, gan: Any) -> "CodeGenerator":
        """The generator of a trained InfoGAN model (:class:`tfgan_zoo.models.GAN` with InfoGAN codes)."""
        cond = gan.conditioning
        if cond.mode != "infogan":
            raise ValueError(f"Expected an InfoGAN model (conditional='infogan'), got conditioning {cond.mode!r}.")
        return cls(lambda v: gan.generator(v, training=False), int(gan.latent_dim), cond.info_categorical,
                   cond.info_continuous, gan.prior)

    @classmethod
    def from_export(cls, path, num_categories: int, num_continuous: int) -> "CodeGenerator":
        """An exported InfoGAN generator folder; its one input holds noise and codes, whose sizes are given."""
        from ..sampling import from_export

        s = from_export(path)
        noise = s.latent_dim - int(num_categories) - int(num_continuous)
        if noise < 1:
            raise ValueError(f"The export takes {s.latent_dim} inputs, fewer than the {num_categories} + "
                             f"{num_continuous} code entries plus noise.")
        return cls(lambda v: s.generate(v), noise, int(num_categories), int(num_continuous), s.prior)

    def noise(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` noise vectors from the prior, float32 ``(n, noise_dim)``."""
        from ..priors import sample_numpy

        return sample_numpy(self.prior, np.random.default_rng(seed), (int(n), self.noise_dim), None)

    def generate(self, z, cat, cont, batch_size: int = 500) -> np.ndarray:
        """Images for noise ``z (n, noise_dim)``, category ``cat`` (int or ``(n,)``) and continuous codes
        ``cont`` (``(n, num_continuous)``, or a scalar for all), float32 in [-1, 1]."""
        z = np.asarray(z, np.float32).reshape(-1, self.noise_dim)
        n = len(z)
        cat = np.broadcast_to(np.asarray(cat, np.int64), (n,))
        if self.num_categories and (cat.min() < 0 or cat.max() >= self.num_categories):
            raise ValueError(f"cat must lie in [0, {self.num_categories}).")
        cont = np.broadcast_to(np.asarray(cont, np.float32), (n, self.num_continuous)) if self.num_continuous \
            else np.zeros((n, 0), np.float32)
        parts = [z, np.eye(self.num_categories, dtype=np.float32)[cat] if self.num_categories else
                 np.zeros((n, 0), np.float32), cont]
        v = np.concatenate(parts, axis=1)
        return np.concatenate([np.asarray(self.fn(v[i:i + batch_size]), np.float32)
                               for i in range(0, n, batch_size)])


def sweep(generate: Callable[[np.ndarray], np.ndarray], classify: Callable[[np.ndarray], np.ndarray],
          rows: int, values: Sequence[float], centre: int | None = None) -> dict:
    """Images along one direction per row, with what changes: the class kept and the stroke statistics.

    Parameters
    ----------
    generate : callable
        ``generate(values) -> images (rows * len(values), H, W[, 1])``: row ``r``'s image at ``values[j]``
        at index ``r * len(values) + j``.
    classify : callable
        ``classify(images) -> class per image``.
    rows : int
        Number of rows (starting points).
    values : sequence of float
        The positions along the direction, one column each.
    centre : int, optional
        Column whose class each row should keep (default: the value closest to 0).

    Returns
    -------
    dict
        ``images`` (rows, columns, H, W[, 1]), ``classes`` (rows, columns), ``retention`` (share of images
        whose class equals their row's class at the centre column), ``class_changes`` (mean number of
        neighbouring columns whose classes differ, per row), and per column the means over rows of
        ``slant``, ``width`` and ``ink``, with their per-row slopes against the value (least squares,
        ``*_slope``) and the mean absolute change of each statistic from the first to the last column.
    """
    values = np.asarray(values, np.float64)
    k = len(values)
    if k < 2 or rows < 1:
        raise ValueError("sweep needs at least 2 values and 1 row.")
    centre = int(np.argmin(np.abs(values))) if centre is None else int(centre)
    images = np.asarray(generate(values), np.float32)
    if len(images) != rows * k:
        raise ValueError(f"generate returned {len(images)} images, expected rows * len(values) = {rows * k}.")
    classes = np.asarray(classify(images)).reshape(rows, k)
    out = {"values": values.tolist(), "images": images.reshape(rows, k, *images.shape[1:]),
           "classes": classes, "retention": float((classes == classes[:, centre:centre + 1]).mean()),
           "class_changes": float((classes[:, 1:] != classes[:, :-1]).sum(axis=1).mean())}
    vc = values - values.mean()
    for name, stat in _stroke_stats(images).items():
        s = stat.reshape(rows, k)
        out[name] = s.mean(axis=0).tolist()
        out[f"{name}_slope"] = float(((s - s.mean(axis=1, keepdims=True)) @ vc).mean() / (vc @ vc))
        out[f"{name}_change"] = float(np.abs(s[:, -1] - s[:, 0]).mean())
    return out


def principal_directions(generate: Callable[[np.ndarray], np.ndarray], z: np.ndarray, k: int = 5,
                         h: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The top ``k`` eigenvectors of ``M = mean_z J(z)^T J(z)``, ``J = dG/dz`` by central differences.

    Parameters
    ----------
    generate : callable
        ``generate(z) -> images`` for latent vectors ``(n, d)``.
    z : numpy.ndarray
        The points the metric is averaged over, ``(n, d)``.
    k : int
        Number of directions returned (<= d).
    h : float
        Step of the central differences, ``(G(z + h e_i) - G(z - h e_i)) / 2h``.

    Returns
    -------
    tuple (numpy.ndarray, numpy.ndarray)
        ``(directions (k, d), eigenvalues (k,))``: unit vectors, eigenvalues in decreasing order (the mean
        squared image change per unit step along each direction).
    """
    z = np.asarray(z, np.float64)
    n, d = z.shape
    if not 1 <= k <= d:
        raise ValueError(f"k must lie in [1, {d}], got {k}.")
    eye = np.eye(d)
    metric = np.zeros((d, d))
    for zi in z:
        pts = np.concatenate([zi + h * eye, zi - h * eye]).astype(np.float32)
        out = np.asarray(generate(pts), np.float64).reshape(2 * d, -1)
        jac = (out[:d] - out[d:]) / (2.0 * h)  # (d, pixels): row i = dG/dz_i
        metric += jac @ jac.T
    metric /= n
    vals, vecs = np.linalg.eigh(metric)
    order = np.argsort(vals)[::-1][:k]
    return vecs[:, order].T.copy(), vals[order].copy()
