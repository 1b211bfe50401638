"""Image grids and PNG output."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
from PIL import Image

from .io import atomic_path


def to_uint8(images) -> np.ndarray:
    """Map float images in [-1, 1] to uint8 in [0, 255] (values outside are clipped).

    Examples
    --------
    >>> from tfgan_zoo.images import to_uint8
    >>> to_uint8([-1.0, 0.0, 1.0, 2.0]).tolist()
    [0, 128, 255, 255]
    >>> to_uint8([[-3.0, 0.5]]).dtype
    dtype('uint8')
    """
    x = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(images, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile ``(n, h, w, c)`` images in [-1, 1] into one uint8 image ``(H, W, c)``.

    ``nrow`` images per row (default: ``ceil(sqrt(n))``); empty cells stay black.

    Parameters
    ----------
    images : array_like
        Float images, shape ``(n, h, w, c)`` with ``n >= 1``, values in [-1, 1] (values outside are clipped).
    nrow : int, optional
        Images per row, i.e. the grid's columns; None: ``ceil(sqrt(n))``.
    padding : int
        Black pixels between neighbouring images and around the grid.

    Returns
    -------
    numpy.ndarray
        uint8 image of shape ``(rows * (h + padding) + padding, nrow * (w + padding) + padding, c)``.

    Raises
    ------
    ValueError
        If ``images`` is not 4-dimensional or holds no image.

    Examples
    --------
    Five 4x4 gray images: 3 per row (``ceil(sqrt(5))``), 2 rows, 2 black pixels of padding:

    >>> import numpy as np
    >>> from tfgan_zoo.images import make_grid
    >>> grid = make_grid(np.zeros((5, 4, 4, 1)))
    >>> grid.shape, grid.dtype
    ((14, 20, 1), dtype('uint8'))
    >>> int(grid[0, 0, 0]), int(grid[2, 2, 0])  # padding, then the first image's corner
    (0, 128)
    >>> int(grid[8:12, 14:18].max())  # the sixth cell stays empty
    0
    >>> make_grid(np.ones((5, 4, 4, 3)), nrow=5).shape
    (8, 32, 3)
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
    """Atomically save a uint8 ``(H, W, C)`` array as PNG, optionally upscaled by ``scale``.

    Parameters
    ----------
    array : numpy.ndarray
        uint8 image, ``(H, W)``, ``(H, W, 1)`` (both saved as grayscale), ``(H, W, 3)`` or ``(H, W, 4)``.
    path : str or os.PathLike
        The PNG file (its folder is created when missing; an existing file is replaced).
    scale : int
        Integer factor the image is enlarged by, nearest-neighbour pixels (1 or less: its own size).

    Returns
    -------
    str
        ``path``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from tfgan_zoo.images import save_png
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_png(np.full((6, 10, 1), 200, np.uint8), os.path.join(tmp, "new", "gray.png"), scale=3)
    ...     with Image.open(path) as img:
    ...         print(img.size, img.mode, img.getpixel((0, 0)))
    (30, 18) L 200
    """
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
    """Save images in [-1, 1] as one PNG grid.

    Parameters
    ----------
    images : array_like
        Float images, shape ``(n, h, w, c)``, values in [-1, 1] (as for :func:`make_grid`).
    path : str or os.PathLike
        The PNG file (its folder is created when missing; an existing file is replaced).
    nrow : int, optional
        Images per row; None: ``ceil(sqrt(n))``.
    scale : int
        Integer factor the grid is enlarged by, nearest-neighbour pixels (1 or less: its own size).

    Returns
    -------
    str
        ``path``.

    Examples
    --------
    Four 8x8 RGB images in a 2x2 grid of 2 * (8 + 2) + 2 = 22 pixels a side, enlarged twice:

    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from tfgan_zoo.images import save_grid
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_grid(np.zeros((4, 8, 8, 3)), os.path.join(tmp, "grid.png"))
    ...     with Image.open(path) as img:
    ...         print(img.size, img.mode)
    (44, 44) RGB
    """
    return save_png(make_grid(images, nrow), path, scale=scale)


def save_gif(frames, path: str | os.PathLike, duration_ms: int | Sequence[int] = 120, scale: int = 2,
             loop: int = 0) -> str:
    """Atomically save an animated GIF (Pillow) from a sequence of frames.

    Each frame is a uint8 ``(H, W, C)`` array (e.g. from :func:`make_grid`) or float images
    ``(h, w, c)`` in [-1, 1]; all frames must have the same shape. ``duration_ms`` per frame (one
    value, or one per frame),
    ``loop=0`` repeats forever, ``scale`` upscales with nearest-neighbour pixels.

    Parameters
    ----------
    frames : sequence of array_like
        The frames in order, each a uint8 ``(H, W, C)`` array or float images in [-1, 1]; all of one shape.
    path : str or os.PathLike
        The GIF file (its folder is created when missing; an existing file is replaced).
    duration_ms : int or sequence of int
        How long each frame is shown, in milliseconds: one value for all, or one per frame.
    scale : int
        Integer factor the frames are enlarged by, nearest-neighbour pixels (1 or less: their own size).
    loop : int
        The GIF's loop count as Pillow writes it: 0 repeats forever.

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    ValueError
        If there is no frame, or the frames differ in shape.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from tfgan_zoo.images import save_gif
    >>> frames = [np.full((4, 6, 1), v) for v in (-1.0, 0.0, 1.0)]  # float images in [-1, 1]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_gif(frames, os.path.join(tmp, "fade.gif"), duration_ms=100, scale=2)
    ...     with Image.open(path) as gif:
    ...         print(gif.n_frames, gif.size, gif.info["duration"])
    3 (12, 8) 100
    """
    arrays = [to_uint8(f) if np.asarray(f).dtype != np.uint8 else np.asarray(f) for f in frames]
    if not arrays:
        raise ValueError("save_gif got no frames.")
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"save_gif needs frames of one shape, got {sorted({a.shape for a in arrays})}.")
    images = []
    for a in arrays:
        img = Image.fromarray(a[..., 0] if a.ndim == 3 and a.shape[-1] == 1 else a)
        if scale > 1:
            img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
        images.append(img)
    with atomic_path(path, suffix=".gif") as tmp:
        duration = int(duration_ms) if np.ndim(duration_ms) == 0 else [int(d) for d in duration_ms]
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=duration,
                       loop=int(loop))
    return os.fspath(path)


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (unless one is already in use).

    Examples
    --------
    >>> from tfgan_zoo.images import pyplot
    >>> plt = pyplot()
    >>> plt.__name__
    'matplotlib.pyplot'
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | os.PathLike, dpi: int = 90, crop: bool = True) -> str:
    """Lay out ``fig`` tightly, save it atomically as PNG at ``path``, close it; returns the path.

    ``fig`` is a pyplot figure (closed here, so pyplot lets it go) or a bare ``matplotlib.figure.Figure``
    (which needs no pyplot and no global backend). ``crop=True`` trims the PNG to what is drawn (no label
    cut off at an edge, a size that depends on the labels); ``crop=False`` keeps the figure's own size.

    Examples
    --------
    A bare 2 x 1 inch figure at 50 dots per inch, uncropped:

    >>> import os, tempfile
    >>> from matplotlib.figure import Figure
    >>> from PIL import Image
    >>> from tfgan_zoo.images import save_figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_figure(fig, os.path.join(tmp, "line.png"), dpi=50, crop=False)
    ...     with Image.open(path) as img:
    ...         print(os.path.basename(path), img.size)
    line.png (100, 50)
    """
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, **({"bbox_inches": "tight", "pad_inches": 0.05} if crop else {}))
    if getattr(fig.canvas, "manager", None) is not None:
        pyplot().close(fig)
    return os.fspath(path)
