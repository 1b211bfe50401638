"""Checkerboard artifacts of upsampling layers (Odena, Dumoulin & Olah, 2016, "Deconvolution and checkerboard
artifacts"), measured.

A 4x4 stride-2 transposed convolution computes each output pixel from a different subset of its kernel's taps
depending on the pixel's position modulo 2: the four "phases" ``(i mod 2, j mod 2)`` are four different linear
maps, so the image carries a fixed 2x2-periodic pattern. Resizing (nearest or bilinear) and then a stride-1
convolution applies the same kernel everywhere, without that uneven overlap; after a nearest-neighbour resize each
phase still sees its copied pixels at other offsets, so a weaker 2x2 pattern remains possible. :func:`phase_means` averages an image
batch over each phase; :func:`checkerboard_score` is their spread relative to the images' spread:

    ``score = (max_{p,q} m_{pq} - min_{p,q} m_{pq}) / std(x)``,  ``m_{pq} = mean of x[:, i, j, :] over i ≡ p, j ≡ q``

with a border of ``crop`` pixels left out (padding makes the borders differ for every layer).
"""

from __future__ import annotations

import numpy as np


def phase_means(images, crop: int = 4) -> np.ndarray:
    """The ``(2, 2)`` means of a batch ``(N, H, W, C)`` over the pixels of each phase ``(i mod 2, j mod 2)``
    (all channels together), ``crop`` pixels of every border left out; phases counted from the image's corner.

    Parameters
    ----------
    images : array_like
        A batch of images, shape ``(N, H, W, C)``.
    crop : int
        Pixels left out at every border (0: none); must leave at least a 2x2 cell.

    Returns
    -------
    numpy.ndarray
        float64, shape ``(2, 2)``: entry ``[p, q]`` is the mean over the pixels with ``i mod 2 = p``,
        ``j mod 2 = q``.

    Examples
    --------
    A pure checkerboard, ``x[i, j] = (i + j) mod 2``; an odd ``crop`` keeps the phases of the full image:

    >>> import numpy as np
    >>> from tfgan_zoo.analysis.checkerboard import phase_means
    >>> i, j = np.indices((16, 16))
    >>> board = ((i + j) % 2).astype(np.float32)[None, :, :, None]
    >>> phase_means(board).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    >>> phase_means(board, crop=3).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"images must be a batch (N, H, W, C), got shape {x.shape}.")
    if crop:
        x = x[:, crop:-crop, crop:-crop, :]
        if x.shape[1] < 2 or x.shape[2] < 2:
            raise ValueError(f"crop={crop} leaves no 2x2 cell of {np.asarray(images).shape[1:3]} images; lower it.")
    off = crop % 2  # keep the phases relative to the full image
    return np.array([[x[:, (p + off) % 2::2, (q + off) % 2::2].mean() for q in (0, 1)] for p in (0, 1)])


def checkerboard_score(images, crop: int = 4) -> float:
    """``(max - min of the phase means) / std of the pixels`` (module docstring): about 0 without a 2x2 pattern.

    Parameters
    ----------
    images : array_like
        A batch of images, shape ``(N, H, W, C)``.
    crop : int
        Pixels left out at every border, for the phase means and the pixel std alike (0: none).

    Returns
    -------
    float
        The score, 0 or more (the std is floored at 1e-12).

    Examples
    --------
    A pure checkerboard of 0s and 1s has phase means 0 and 1 and pixel std 0.5, so its score is
    ``(1 - 0) / 0.5 = 2``; white noise scores about 0, and a faint checkerboard added to the noise
    shows up:

    >>> import numpy as np
    >>> from tfgan_zoo.analysis.checkerboard import checkerboard_score
    >>> i, j = np.indices((32, 32))
    >>> board = ((i + j) % 2).astype(np.float32)[None, :, :, None]
    >>> checkerboard_score(board)
    2.0
    >>> noise = np.random.default_rng(0).normal(size=(8, 32, 32, 3))
    >>> checkerboard_score(noise) < 0.05
    True
    >>> round(checkerboard_score(noise + 0.2 * board), 1)
    0.2
    """
    m = phase_means(images, crop)
    x = np.asarray(images, dtype=np.float64)
    x = x[:, crop:-crop, crop:-crop, :] if crop else x
    return float((m.max() - m.min()) / max(x.std(), 1e-12))
