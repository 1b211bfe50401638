"""The latent space of a trained generator: interpolation, traversal, attribute arithmetic.

Every function takes a generator in any form :func:`tfgan_zoo.sampling.as_sampler`
accepts (a GAN model, a Keras generator, an exported generator folder), returns the images
(float32 in [-1, 1]) with the latent vectors that made them, and saves a PNG grid (and, where
motion is the point, an animated GIF) when given a path.

Interpolation paths
-------------------
``linear``: ``z(t) = (1 - t) z0 + t z1``.
``slerp`` (spherical, White 2016, "Sampling Generative Networks"):

.. math:: z(t) = \\frac{\\sin((1-t)\\Omega)}{\\sin\\Omega} z_0 + \\frac{\\sin(t\\Omega)}{\\sin\\Omega} z_1,
          \\qquad \\cos\\Omega = \\frac{z_0 \\cdot z_1}{\\lVert z_0\\rVert \\lVert z_1\\rVert}.

Under a Gaussian prior in d dimensions nearly all the mass lies near the sphere of radius
``sqrt(d)``; a straight line between two samples passes through the lower-norm interior
(its midpoint has norm about ``sqrt(d / 2)``), which the generator rarely saw in training.
Slerp follows the great circle through ``z0`` and ``z1`` instead: for two vectors of equal norm
every point of the path has that norm.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable, Sequence

import numpy as np

from ..images import make_grid, save_gif, save_grid
from .sampler import Sampler, as_sampler

METHODS = ("slerp", "linear")


def slerp(z0: np.ndarray, z1: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """Spherical interpolation between ``z0`` and ``z1`` (vectors of one size) at ``t`` in [0, 1].

    Returns shape ``(len(t), d)`` for an array ``t``, ``(d,)`` for a scalar. Falls back to the
    straight line when the angle is below 1e-6 rad (``sin(Omega) -> 0``), where both agree to
    first order.

    Parameters
    ----------
    z0, z1 : array_like
        The end points, two vectors of size ``d``.
    t : float or array_like
        Position(s) along the path, 0 at ``z0`` and 1 at ``z1``.

    Returns
    -------
    numpy.ndarray
        float32, ``(len(t), d)`` for an array ``t``, ``(d,)`` for a scalar.

    Examples
    --------
    Halfway along a quarter circle the point stays on the unit circle (a straight line would cut
    inside it, to norm 0.707):

    >>> [round(float(v), 4) for v in slerp([1.0, 0.0], [0.0, 1.0], 0.5)]
    [0.7071, 0.7071]
    """
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    if z0.shape != z1.shape or z0.ndim != 1:
        raise ValueError(f"slerp needs two vectors of one size, got shapes {z0.shape} and {z1.shape}.")
    scalar = np.ndim(t) == 0
    t = np.atleast_1d(np.asarray(t, np.float64))[:, None]
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    if n0 == 0 or n1 == 0:
        out = (1 - t) * z0 + t * z1
    else:
        omega = np.arccos(np.clip(z0 @ z1 / (n0 * n1), -1.0, 1.0))
        if omega < 1e-6:
            out = (1 - t) * z0 + t * z1
        else:
            out = (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
    out = out.astype(np.float32)
    return out[0] if scalar else out


def path(z0: np.ndarray, z1: np.ndarray, steps: int, method: str = "slerp") -> np.ndarray:
    """``steps`` latent vectors from ``z0`` to ``z1`` (both ends included), ``(steps, d)``.

    Parameters
    ----------
    z0, z1 : array_like
        The end points, two vectors of size ``d``.
    steps : int
        Number of vectors, both ends included (>= 2).
    method : {"slerp", "linear"}
        Spherical or straight-line interpolation (module docstring).

    Returns
    -------
    numpy.ndarray
        float32, ``(steps, d)``, evenly spaced in ``t``.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown interpolation method {method!r}; use one of {', '.join(METHODS)}.")
    if int(steps) < 2:
        raise ValueError(f"steps must be >= 2 (both end points), got {steps}.")
    t = np.linspace(0.0, 1.0, int(steps))
    if method == "linear":
        z0, z1 = np.asarray(z0, np.float32), np.asarray(z1, np.float32)
        return ((1 - t[:, None]) * z0 + t[:, None] * z1).astype(np.float32)
    return slerp(z0, z1, t)


@dataclasses.dataclass
class LatentImages:
    """Images ``(rows, cols, h, w, c)`` in [-1, 1] and the latent vectors ``(rows, cols, d)`` behind them.

    ``files`` lists what was saved; ``values`` holds what the columns mean (``t``, a traversal
    value or a scale) and ``measure`` an optional per-column number (e.g. the share classified
    as the target class).

    Parameters
    ----------
    images : numpy.ndarray
        Generated images, ``(rows, cols, h, w, c)`` in [-1, 1].
    z : numpy.ndarray
        The latent vectors behind them, ``(rows, cols, d)``.
    values : numpy.ndarray
        What each column means, ``(cols,)``.
    files : list of str
        Paths of the files saved.
    measure : dict
        Further numbers and settings of the experiment (e.g. per-column shares).
    """

    images: np.ndarray
    z: np.ndarray
    values: np.ndarray
    files: list[str] = dataclasses.field(default_factory=list)
    measure: dict[str, Any] = dataclasses.field(default_factory=dict)

    def grid(self) -> np.ndarray:
        """One uint8 image: a row per path / dimension / sample, a column per value."""
        r, c = self.images.shape[:2]
        return make_grid(self.images.reshape(r * c, *self.images.shape[2:]), nrow=c)


def _save(result: LatentImages, png: str | os.PathLike | None, gif: str | os.PathLike | None,
          duration_ms: int = 100) -> LatentImages:
    if png is not None:
        r, c = result.images.shape[:2]
        result.files.append(save_grid(result.images.reshape(r * c, *result.images.shape[2:]), png, nrow=c))
    if gif is not None:
        # one frame per column: every row's image at that value; then back again (ping-pong)
        frames = [make_grid(result.images[:, j]) for j in range(result.images.shape[1])]
        frames = frames + frames[-2:0:-1]
        result.files.append(save_gif(frames, gif, duration_ms=duration_ms))
    return result


def _labels(sampler: Sampler, label, rows: int, cols: int) -> np.ndarray | None:
    if sampler.num_classes is None:
        if label is not None:
            raise ValueError("label was given but the generator is not label-conditional; drop it.")
        return None
    lab = np.arange(rows) % sampler.num_classes if label is None else np.broadcast_to(np.asarray(label), (rows,))
    return np.repeat(lab.astype(np.int32), cols)


def interpolate(generator: Any, z0=None, z1=None, steps: int = 8, method: str = "slerp", n_paths: int = 1,
                seed: int = 0, label: int | Sequence[int] | None = None, path_png: str | os.PathLike | None = None,
                path_gif: str | os.PathLike | None = None) -> LatentImages:
    """Images along latent paths from ``z0`` to ``z1`` (one row per path, one column per step).

    Parameters
    ----------
    generator : GAN, keras.Model or path
        A GAN, a Keras generator or an exported generator folder.
    z0, z1 : array, optional
        End points, ``(d,)`` or ``(n_paths, d)``; drawn from the generator's prior with ``seed``
        when omitted.
    steps : int
        Points per path, both ends included.
    method : {"slerp", "linear"}
        Spherical or straight-line interpolation (module docstring).
    n_paths : int
        Number of paths (rows) when ``z0`` is drawn; otherwise the rows of ``z0`` set it.
    seed : int
        Seed of the end points drawn when ``z0`` or ``z1`` is omitted.
    label : int or sequence, optional
        For conditional generators: the class of every row (default: row ``i`` gets ``i % K``).
    path_png, path_gif : path, optional
        Save the grid as PNG and the walk as an animated GIF (one frame per step, there and back).

    Returns
    -------
    LatentImages
        The images ``(rows, steps, h, w, c)``, their latent vectors, ``values`` the ``t`` of each column
        and ``files`` the paths saved.
    """
    s = as_sampler(generator)
    rng = np.random.default_rng(seed)
    z0 = s.noise(n_paths, rng) if z0 is None else np.atleast_2d(np.asarray(z0, np.float32))
    z1 = s.noise(len(z0), rng) if z1 is None else np.atleast_2d(np.asarray(z1, np.float32))
    if z0.shape != z1.shape:
        raise ValueError(f"z0 and z1 must have one shape, got {z0.shape} and {z1.shape}.")
    zs = np.stack([path(a, b, steps, method) for a, b in zip(z0, z1)])  # (rows, steps, d)
    rows, cols = zs.shape[:2]
    images = s.generate(zs.reshape(rows * cols, -1), _labels(s, label, rows, cols))
    result = LatentImages(images.reshape(rows, cols, *images.shape[1:]), zs, np.linspace(0, 1, cols))
    return _save(result, path_png, path_gif)


def traverse(generator: Any, z=None, dims: Sequence[int] | None = None, values: Sequence[float] = (-2, -1, 0, 1, 2),
             seed: int = 0, label: int | None = None, path_png: str | os.PathLike | None = None,
             path_gif: str | os.PathLike | None = None) -> LatentImages:
    """Vary one latent coordinate at a time: row ``i`` sets ``z[dims[i]]`` to each of ``values``.

    ``z`` is one latent vector (drawn with ``seed`` when omitted); ``dims`` default to the first
    ``min(8, d)`` coordinates. The other coordinates stay fixed, so a row shows what that one
    direction does; in an unconditional GAN most single coordinates change several factors at once
    (the latent space is entangled), which is what InfoGAN's codes address.

    Parameters
    ----------
    generator : GAN, keras.Model or path
        A GAN, a Keras generator or an exported generator folder.
    z : array_like, optional
        The latent vector to start from, of size ``latent_dim``; drawn from the prior with ``seed`` when omitted.
    dims : sequence of int, optional
        The coordinates to vary, one row each; None: the first ``min(8, latent_dim)``.
    values : sequence of float
        The values each coordinate is set to, one column each.
    seed : int
        Seed of ``z`` when it is omitted.
    label : int, optional
        For conditional generators: the class of every row (default: row ``i`` gets ``i % K``).
    path_png, path_gif : str or os.PathLike, optional
        Save the grid as PNG and the traversal as an animated GIF (one frame per value, there and back).

    Returns
    -------
    LatentImages
        The images ``(len(dims), len(values), h, w, c)``, their latent vectors, ``values``, ``files`` the paths
        saved and ``measure["dims"]`` the coordinates varied.
    """
    s = as_sampler(generator)
    z = s.noise(1, seed)[0] if z is None else np.asarray(z, np.float32).reshape(-1)
    if z.shape != (s.latent_dim,):
        raise ValueError(f"z must be one vector of size {s.latent_dim}, got shape {z.shape}.")
    dims = list(range(min(8, s.latent_dim))) if dims is None else [int(d) for d in dims]
    bad = [d for d in dims if not 0 <= d < s.latent_dim]
    if bad or not dims:
        raise ValueError(f"dims must be coordinates in [0, {s.latent_dim}), got {dims}.")
    values = np.asarray(values, np.float32)
    zs = np.repeat(np.repeat(z[None, None], len(dims), 0), len(values), 1)
    for i, d in enumerate(dims):
        zs[i, :, d] = values
    rows, cols = zs.shape[:2]
    images = s.generate(zs.reshape(rows * cols, -1), _labels(s, label, rows, cols))
    result = LatentImages(images.reshape(rows, cols, *images.shape[1:]), zs, values)
    result.measure["dims"] = dims
    return _save(result, path_png, path_gif)


# ----------------------------------------------------------------------------- arithmetic

def ink(images: np.ndarray) -> np.ndarray:
    """Stroke mass per image: the mean of ``(x + 1) / 2`` over pixels (0 = blank, 1 = all white ink).

    For MNIST-like images (white strokes on black) it grows with stroke thickness and length.

    Parameters
    ----------
    images : numpy.ndarray
        Images in [-1, 1], ``(N, ...)``.

    Returns
    -------
    numpy.ndarray
        float32, ``(N,)``, in [0, 1].
    """
    x = np.asarray(images, np.float32)
    return ((x + 1.0) / 2.0).reshape(len(x), -1).mean(axis=1)


def mnist_classes(images: np.ndarray) -> np.ndarray:
    """The class the committed MNIST classifier (:mod:`tfgan_zoo.metrics.classifier`) gives each image.

    Parameters
    ----------
    images : numpy.ndarray
        MNIST-like images in [-1, 1], ``(N, 28, 28, 1)``.

    Returns
    -------
    numpy.ndarray
        The most probable digit of each image, integers ``(N,)``.
    """
    from ..metrics.classifier import classifier_probs

    return classifier_probs(np.asarray(images, np.float32)).argmax(axis=1)


def direction(z: np.ndarray, in_a: np.ndarray, in_b: np.ndarray) -> np.ndarray:
    """The attribute vector ``mean(z[in_a]) - mean(z[in_b])`` (boolean masks over the rows of ``z``).

    Parameters
    ----------
    z : numpy.ndarray
        Latent vectors, ``(N, d)``.
    in_a, in_b : numpy.ndarray
        Boolean masks ``(N,)`` of the rows in group A and in group B (each with at least one row).

    Returns
    -------
    numpy.ndarray
        float32, ``(d,)``.
    """
    z, in_a, in_b = np.asarray(z, np.float64), np.asarray(in_a, bool), np.asarray(in_b, bool)
    if not in_a.any() or not in_b.any():
        raise ValueError(f"Each group needs at least one sample; got {int(in_a.sum())} in A and {int(in_b.sum())} "
                         "in B. Draw a larger pool (n_pool) or choose groups the generator produces.")
    return (z[in_a].mean(0) - z[in_b].mean(0)).astype(np.float32)


def _groups(attribute: str | Callable, a, b, images: np.ndarray):
    """Boolean masks of groups A and B over ``images`` and the per-image score (class or ink)."""
    if callable(attribute):
        score = np.asarray(attribute(images))
        return score == a, score == b, score
    if attribute == "class":
        score = mnist_classes(images)
        return score == int(a), score == int(b), score
    if attribute == "ink":
        score = ink(images)
        lo, hi = np.quantile(score, [0.25, 0.75])
        masks = {"thick": score >= hi, "thin": score <= lo}
        if a not in masks or b not in masks:
            raise ValueError("For attribute='ink' the groups are 'thick' (top quarter of ink) and 'thin' (bottom "
                             f"quarter); got a={a!r}, b={b!r}.")
        return masks[a], masks[b], score
    raise ValueError(f"Unknown attribute {attribute!r}; use 'class' (MNIST classifier), 'ink', or a function "
                     "mapping images to a label per image.")


def arithmetic(generator: Any, attribute: str | Callable = "class", a: Any = 7, b: Any = 1, n_pool: int = 2000,
               n_new: int = 8, scales: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0), seed: int = 0,
               start_in_b: bool = True, n_measure: int | None = None, path_png: str | os.PathLike | None = None,
               path_gif: str | os.PathLike | None = None) -> LatentImages:
    """Latent attribute arithmetic: ``G(z + s * v)`` with ``v = mean(z | A) - mean(z | B)``.

    ``n_pool`` samples are generated and split into groups A and B by ``attribute``: ``"class"``
    (the committed MNIST classifier; ``a``, ``b`` are digits), ``"ink"`` (``a``, ``b`` in
    ``{"thick", "thin"}``: the top and bottom quarter of stroke mass, :func:`ink`) or a function
    from images to one label per image. ``n_new`` new latent vectors (from a second pool, taken
    from group B when ``start_in_b``) get ``s * v`` added for each scale ``s``: one row per vector,
    one column per scale.

    ``measure`` reports, per scale, the share of the new images in group A
    (``share_in_a``; for ``ink``, the mean ink instead, ``mean_ink``) over ``n_measure`` new vectors
    (default ``n_new``; the images keep the first ``n_new`` rows), and ``n_measured``: a working
    direction makes it rise with ``s``. Unconditional generators only (a conditional one has its
    label for that).

    Parameters
    ----------
    generator : GAN, keras.Model or path
        An unconditional GAN, Keras generator or exported generator folder.
    attribute : {"class", "ink"} or callable
        How the images are split into groups A and B: MNIST class, stroke mass, or a function from images to one
        label per image.
    a, b : object
        The labels of groups A and B: digits for ``"class"``, ``"thick"`` / ``"thin"`` for ``"ink"``, values the
        function returns otherwise.
    n_pool : int
        Samples generated to estimate the direction (and at least this many to pick the new vectors from).
    n_new : int
        New latent vectors shown, one row each.
    scales : sequence of float
        The multiples ``s`` of the direction added, one column each.
    seed : int
        Seed of both pools.
    start_in_b : bool
        Take the new vectors from group B only.
    n_measure : int, optional
        New vectors ``measure`` is computed over (at least ``n_new``); None: ``n_new``.
    path_png, path_gif : str or os.PathLike, optional
        Save the grid as PNG and the sweep over scales as an animated GIF (one frame per scale, there and back).

    Returns
    -------
    LatentImages
        The images ``(n_new, len(scales), h, w, c)``, their latent vectors, ``values`` the scales, ``files`` the
        paths saved and in ``measure`` the per-scale share in A (or mean ink), the group sizes and the
        direction's norm.
    """
    s = as_sampler(generator)
    if s.num_classes is not None:
        raise ValueError("Attribute arithmetic is for unconditional generators; a conditional one selects its "
                         "class with the label.")
    rng = np.random.default_rng(seed)
    z = s.noise(n_pool, rng)
    in_a, in_b, _ = _groups(attribute, a, b, s.generate(z))
    v = direction(z, in_a, in_b)
    n_measure = max(int(n_new), int(n_measure or 0))
    z2 = s.noise(max(n_pool, 4 * n_measure), rng)
    if start_in_b:
        _, b2, _ = _groups(attribute, a, b, s.generate(z2))
        if b2.sum() < n_new:
            raise ValueError(f"Only {int(b2.sum())} of {len(z2)} new samples fall in group B={b!r}; need n_new={n_new}."
                             " Raise n_pool or lower n_new.")
        z2 = z2[b2]
    z2 = z2[:n_measure]
    scales = np.asarray(scales, np.float32)
    zs = z2[:, None, :] + scales[None, :, None] * v[None, None, :]
    rows, cols = zs.shape[:2]
    flat = s.generate(zs.reshape(rows * cols, -1))
    result = LatentImages(flat.reshape(rows, cols, *flat.shape[1:])[:n_new], zs[:n_new], scales)
    if attribute == "ink":
        result.measure["mean_ink"] = ink(flat).reshape(rows, cols).mean(0).round(4).tolist()
    else:
        in_a_new = _groups(attribute, a, b, flat)[0]
        result.measure["share_in_a"] = in_a_new.reshape(rows, cols).mean(0).round(4).tolist()
    result.measure["n_measured"] = int(rows)
    result.measure.update({"attribute": attribute if isinstance(attribute, str) else "custom", "a": a, "b": b,
                           "pool_in_a": int(in_a.sum()), "pool_in_b": int(in_b.sum()), "n_pool": int(n_pool),
                           "direction_norm": float(np.linalg.norm(v))})
    return _save(result, path_png, path_gif)
