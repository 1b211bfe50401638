"""Image grids and PNG output."""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from .io import atomic_path


def to_uint8(images) -> np.ndarray:
    """Map float images in [-1, 1] to uint8 in [0, 255] (values outside are clipped)."""
    x = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(images, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile ``(n, h, w, c)`` images in [-1, 1] into one uint8 image ``(H, W, c)``.

    ``nrow`` images per row (default: ``ceil(sqrt(n))``); empty cells stay black.
    """
    x = to_uint8(images)
    if x.ndim != 4:
        raise ValueError(f"make_grid expects images of shape (n, h, w, c), got {x.shape}.")
    n, h, w, c = x.shape
    if n == 0:
        raise ValueError("make_grid got no images.")
    ncol = nrow or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncol))
    grid = np.zeros((nrows * (h + padding) + padding, ncol * (w + padding) + padding, c), np.uint8)
    for i in range(n):
        r, q = divmod(i, ncol)
        y0, x0 = padding + r * (h + padding), padding + q * (w + padding)
        grid[y0:y0 + h, x0:x0 + w] = x[i]
    return grid


def save_png(array: np.ndarray, path: str | os.PathLike, scale: int = 1) -> str:
    """Atomically save a uint8 ``(H, W, C)`` array as PNG, optionally upscaled by ``scale``."""
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    img = Image.fromarray(a)
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    with atomic_path(path, suffix=".png") as tmp:
        img.save(tmp, format="PNG")
    return os.fspath(path)


def save_grid(images, path: str | os.PathLike, nrow: int | None = None, scale: int = 2) -> str:
    """Save images in [-1, 1] as one PNG grid."""
    return save_png(make_grid(images, nrow), path, scale=scale)
