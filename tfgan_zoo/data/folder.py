"""A folder of images (PNG, JPEG, BMP, GIF; searched recursively) as a dataset.

Sub-folders of the root are classes (sorted names -> labels 0, 1, ...). Image
headers are read first (size and colour mode, no pixels), so a size or colour
mix is reported before any decoding. Every file is then decoded once, in
parallel, which finds truncated or corrupt files and names them; the decoded,
resized images are kept in memory when they fit, else decoded again each epoch.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings

import numpy as np
import tensorflow as tf

from .errors import CorruptImageError
from .transform import resize_square, to_channels

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F", "La"})
log = logging.getLogger(__name__)


class SkippedImagesWarning(UserWarning):
    """Some image files could not be read and were left out (``skip_corrupt=True``)."""


@dataclasses.dataclass
class FolderIndex:
    """What the header scan found; ``labels`` is None when the layout has no classes.

    Made by :func:`scan_folder`; the per-image fields are aligned with ``paths``.

    Parameters
    ----------
    root : str
        The folder that was scanned.
    paths : list of str
        The readable image files under ``root`` (sorted, as :func:`list_images` lists them).
    sizes : list of tuple of int
        ``(height, width)`` of each image of ``paths``, from its header.
    gray : np.ndarray
        bool ``(len(paths),)``: whether each image is grayscale (a gray mode, or a palette of grays only).
    labels : np.ndarray or None
        int64 ``(len(paths),)`` class index of each image (its first-level sub-folder among the sorted
        ``class_names``), or None when the layout has no classes (see ``label_problem``).
    class_names : tuple of str
        The sorted names of the class sub-folders; empty when ``labels`` is None.
    label_problem : str or None
        Why the images have no labels (no class sub-folders, or images outside them), None when they
        have some.
    unreadable : list of tuple of str
        ``(path, reason)`` of each image file whose header Pillow cannot read; not in ``paths``.
    """

    root: str
    paths: list[str]
    sizes: list[tuple[int, int]]  # (height, width)
    gray: np.ndarray
    labels: np.ndarray | None
    class_names: tuple[str, ...]
    label_problem: str | None
    unreadable: list[tuple[str, str]]


def _is_gray(im) -> bool:
    """Grayscale modes, and palette images whose palette is all grays (common for GIF)."""
    if im.mode in GRAY_MODES:
        return True
    if im.mode == "P":
        pal = im.getpalette() or []
        return len(pal) >= 3 and all(pal[i] == pal[i + 1] == pal[i + 2] for i in range(0, len(pal) - 2, 3))
    return False


def list_images(root: str) -> list[str]:
    """Image files under ``root`` (recursively, sorted, by extension, case-insensitive).

    Parameters
    ----------
    root : str
        The folder to search; its sub-folders are walked in sorted order. Hidden files (names
        starting with ``.``) are left out.

    Returns
    -------
    list of str
        The paths (``root`` joined with the relative path) of the files whose extension is one of
        :data:`EXTENSIONS`, sorted within each folder, folders in sorted order; empty when there
        are none (or ``root`` does not exist).
    """
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found += [os.path.join(folder, f) for f in sorted(files)
                  if f.lower().endswith(EXTENSIONS) and not f.startswith(".")]
    return found


def _labels(root: str, paths: list[str]) -> tuple[np.ndarray | None, tuple[str, ...], str | None]:
    parts = [os.path.relpath(p, root).split(os.sep) for p in paths]
    loose = [p for p, q in zip(paths, parts) if len(q) == 1]
    if len(loose) == len(paths):
        return None, (), (f"{root} has no class sub-folders, so its images have no labels; put each class's "
                          "images in a sub-folder of its own (root/<class>/image.png)")
    if loose:
        return None, (), (f"{root} has {len(loose)} image(s) outside any class sub-folder (e.g. {loose[0]}); "
                          "move them into a class sub-folder")
    names = tuple(sorted({q[0] for q in parts}))
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[q[0]] for q in parts], np.int64), names, None


def scan_folder(root: str) -> FolderIndex:
    """Find the images under ``root`` and read their headers (size, colour mode) with Pillow.

    Parameters
    ----------
    root : str
        The folder of images (searched recursively); its first-level sub-folders are the classes.

    Returns
    -------
    FolderIndex
        The readable files with their sizes and colour, their labels (or why there are none), and
        the files whose header cannot be read.

    Raises
    ------
    FileNotFoundError
        If ``root`` is not a folder.
    ValueError
        If the folder holds no image files (the message lists the extensions looked for).
    """
    from PIL import Image, UnidentifiedImageError

    if not os.path.isdir(root):
        raise FileNotFoundError(f"No such folder: {root}")
    paths = list_images(root)
    if not paths:
        raise ValueError(
            f"{root} contains no images: looked recursively for {', '.join(EXTENSIONS)} files. "
            "Point the source at the folder that holds them."
        )
    ok, sizes, gray, unreadable = [], [], [], []
    for path in paths:
        try:
            with Image.open(path) as im:
                w, h = im.size
                is_gray = _is_gray(im)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
            unreadable.append((path, f"not a readable image ({type(e).__name__}: {e})"))
            continue
        ok.append(path)
        sizes.append((h, w))
        gray.append(is_gray)
    labels, names, problem = _labels(root, ok) if ok else (None, (), None)
    return FolderIndex(root, ok, sizes, np.array(gray, bool), labels, names, problem, unreadable)


def choose_size_and_channels(index: FolderIndex, image_size: int | None,
                             channels: int | None) -> tuple[int, int]:
    """The square size and channel count the images will be converted to.

    Parameters
    ----------
    index : FolderIndex
        The scan of the folder (:func:`scan_folder`), with at least one readable image.
    image_size : int or None
        The side of the square to resize and centre-crop to, >= 1; None: the images' own size,
        which must then be one square size for all.
    channels : {1, 3} or None
        1 (grayscale) or 3 (RGB); None: 1 if every image is grayscale, 3 if every one is colour
        (a mix is refused).

    Returns
    -------
    size : int
        The side of the square images.
    channels : int
        1 or 3.

    Raises
    ------
    ValueError
        On a grayscale/colour mix without ``channels``, or on differing or
        non-square sizes without ``image_size``; the message names example files.
    """
    root, paths = index.root, index.paths
    if channels is None:
        n_gray = int(index.gray.sum())
        if 0 < n_gray < len(paths):
            g = paths[int(np.argmax(index.gray))]
            c = paths[int(np.argmin(index.gray))]
            raise ValueError(
                f"{root} mixes grayscale and colour images ({n_gray} grayscale, e.g. {g}; "
                f"{len(paths) - n_gray} colour, e.g. {c}). Pass channels=1 or channels=3 (--channels) "
                "to convert them all to one."
            )
        channels = 1 if n_gray == len(paths) else 3
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}.")
    if image_size is None:
        first = index.sizes[0]
        other = next((i for i, s in enumerate(index.sizes) if s != first), None)
        if other is not None:
            raise ValueError(
                f"Images in {root} have different sizes ({paths[0]} is {first[1]}x{first[0]}, {paths[other]} is "
                f"{index.sizes[other][1]}x{index.sizes[other][0]}). Pass image_size=N (--image-size N) to resize "
                "and centre-crop them all to N x N."
            )
        if first[0] != first[1]:
            raise ValueError(
                f"Images in {root} are {first[1]}x{first[0]}, not square. Pass image_size=N (--image-size N) "
                "to resize and centre-crop them to N x N."
            )
        image_size = first[0]
    if int(image_size) < 1:
        raise ValueError(f"image_size must be >= 1, got {image_size}.")
    return int(image_size), channels


def decoder(size: int, channels: int):
    """``path -> uint8 (size, size, channels)``: read, decode (first GIF frame), convert, resize, crop.

    Parameters
    ----------
    size : int
        The side of the square output: the shorter side is resized to it (bilinear, antialiased),
        then the image is centre-cropped (see :func:`~tfgan_zoo.data.transform.resize_square`).
    channels : {1, 3}
        1: grayscale (rounded luma of the RGB decoding), 3: RGB.

    Returns
    -------
    callable
        ``decode(path)``: a TensorFlow function (usable in ``tf.data.Dataset.map``) from a scalar
        string tensor, the file's path, to its uint8 image ``(size, size, channels)``; it raises a
        TensorFlow error for a file that cannot be decoded.
    """

    def decode(path):
        img = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False, dtype=tf.uint8)
        img = tf.ensure_shape(img, [None, None, 3])
        return resize_square(to_channels(img, channels), size)

    return decode


def _report(root: str, bad: list[tuple[str, str]], skip_corrupt: bool) -> None:
    if not bad:
        return
    listed = "; ".join(f"{p} ({why})" for p, why in bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
    if not skip_corrupt:
        raise CorruptImageError(
            f"{len(bad)} image file(s) in {root} cannot be read: {listed}. Delete or replace them, or pass "
            "skip_corrupt=True (--skip-corrupt) to leave them out.",
            [p for p, _ in bad],
        )
    msg = f"Skipped {len(bad)} unreadable image file(s) in {root}: {listed}."
    warnings.warn(msg, SkippedImagesWarning, stacklevel=4)  # points at the caller of load()


def decode_all(index: FolderIndex, size: int, channels: int, skip_corrupt: bool,
               keep_pixels: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """Decode every file once, in parallel; return ``(images or None, indices of the good files)``.

    Files that fail to decode are named in a :class:`CorruptImageError`, or left out
    with a :class:`SkippedImagesWarning` when ``skip_corrupt``.

    Parameters
    ----------
    index : FolderIndex
        The scan of the folder (:func:`scan_folder`); its ``unreadable`` files are reported too.
    size : int
        The side of the square images (see :func:`decoder`).
    channels : {1, 3}
        1: grayscale, 3: RGB.
    skip_corrupt : bool
        True: leave unreadable files out with a warning. False: raise :class:`CorruptImageError`
        naming them (before any decoding when the scan already found unreadable headers).
    keep_pixels : bool
        Keep and return the decoded images (default True); False only checks that every file
        decodes (e.g. when the images do not fit in memory and are decoded again each epoch).

    Returns
    -------
    images : np.ndarray or None
        uint8 ``(m, size, size, channels)``: the images that decode, in the order of
        ``index.paths``; None when ``keep_pixels`` is False or no file decodes.
    good : np.ndarray
        int64 ``(m,)``: the positions in ``index.paths`` of the files that decode, increasing.

    Raises
    ------
    CorruptImageError
        If a file cannot be read or decoded and ``skip_corrupt`` is False (the message names them).
    """
    from tqdm.auto import tqdm

    if not skip_corrupt:
        _report(index.root, index.unreadable, skip_corrupt)  # fail before the costly decoding
    n = len(index.paths)
    decode = decoder(size, channels)
    ds = tf.data.Dataset.from_tensor_slices((np.arange(n, dtype=np.int64), np.array(index.paths)))
    ds = ds.map(lambda i, p: (i, decode(p)), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.ignore_errors().batch(512)
    good, chunks = [], []
    with tqdm(total=n, desc=f"decoding {os.path.basename(os.path.normpath(index.root))}", unit="img",
              disable=n < 5000, leave=False) as bar:
        for i, x in ds.as_numpy_iterator():
            good.append(i)
            if keep_pixels:
                chunks.append(x)
            bar.update(len(i))
    good = np.concatenate(good) if good else np.zeros(0, np.int64)
    failed = np.setdiff1d(np.arange(n), good)
    _report(index.root, index.unreadable + [(index.paths[i], "cannot be decoded: truncated or corrupt")
                                            for i in failed], skip_corrupt)
    images = np.concatenate(chunks) if keep_pixels and chunks else None
    return images, good
