"""Image-to-image translation data: pairs ``(A, B)`` for pix2pix (paired) and CycleGAN (unpaired).

Sources
-------
``"mnist-edges"``
    A = edge map of an MNIST digit, B = the digit (the task is edges -> digit).
``"mnist-thick"``
    A = the digit eroded (thin strokes), B = the digit dilated (thick strokes).
``"fashion-edges"``
    As ``"mnist-edges"`` on Fashion-MNIST.
a folder
    Any folder with sub-folders ``A/`` and ``B/`` of images (PNG, JPEG, BMP, GIF; searched
    recursively, read by :mod:`~tfgan_zoo.data.folder`). A built-in name wins over a folder of
    the same name; write ``./mnist-edges`` for the folder.

Morphology (built-in sources)
-----------------------------
With ``u`` the uint8 pixels of an image and ``x01 = u / 255`` its [0, 1] version, over the 3x3
neighbourhood of every pixel ("same" size, the image padded with the background value 0)::

    dilate(x)[i, j] = max  x[i + di, j + dj]        erode(x)[i, j] = min  x[i + di, j + dj]
                    |di|, |dj| <= 1                                |di|, |dj| <= 1
    edges(x01) = dilate(x01) - x01                  (in [0, 1]: 0 wherever x is flat)

Both operations pad with 0, the background: the world beyond the frame is blank. Dilation is
then unaffected by the border, and erosion eats one pixel of a stroke that touches the border
(MNIST digits have a blank border, so it changes nothing there; some Fashion-MNIST items touch
it). This is :func:`scipy.ndimage.grey_dilation` / ``grey_erosion`` with ``mode="constant",
cval=0``. The operations run in numpy on the uint8 pixels (9 shifted views, exact integer
arithmetic, the same on every CPU): max, min and differences commute with ``u -> u / 255``, so
this is the formula above without rounding. Every view ``v`` in [0, 1] is then mapped to [-1, 1]
as ``2 v - 1``, computed as ``u / 127.5 - 1`` like every uint8 image in
:func:`tfgan_zoo.data.load` (:func:`~tfgan_zoo.data.transform.to_signed_unit`); so B of
``"mnist-edges"`` is exactly what ``data.load("mnist", shuffle=False)`` yields. In [-1, 1] the
edges are ``A = dilate(B) - B - 1`` (dilation padded with -1).

Paired and unpaired
-------------------
``paired=True`` (pix2pix): ``A[i]`` and ``B[i]`` are two views of the same image ``i``.
``paired=False`` (CycleGAN), built-in sources: domain A is made from the first half of the
split's images and domain B from the disjoint second half, both ``n // 2`` long (an odd last
image is dropped), so no image appears in both domains. Folders: ``A/`` and ``B/`` are the two
domains as they are, and may differ in content and length.

Folders
-------
With ``paired=True`` files are paired by name: the path under ``A/`` or ``B/`` without its
extension (``A/0001.png`` pairs with ``B/0001.jpg``); every name must exist on both sides, else
a ``ValueError`` names the unmatched files. Pairs are ordered by name. A folder is one split:
``split="train"`` (or ``"all"``) means all of its images, ``split="test"`` is refused (split
the images into folders of their own instead). Without ``image_size``, ``A/`` and ``B/`` must
hold square images of one size; ``channels`` defaults to each folder's own (grayscale A with
colour B is allowed). Images are decoded into memory once. Folders have no labels.

Resizing
--------
``image_size=N`` resizes each view after the morphology (bilinear, antialiased, shorter side to
``N``, centre crop, rounded to uint8; :func:`tfgan_zoo.data.convert_arrays`), exactly as
``data.load(..., image_size=N)`` does: 28 -> 32 is an upsampling, not a padding (pad the arrays
of :func:`pair_arrays` with -1 yourself for that). Folders are resized while decoding.

Pipelines
---------
:func:`pairs` shuffles the whole array (buffer = number of examples) with ``seed``, reshuffling
at every pass: one permutation of the example indices for paired data (``a`` and ``b`` stay
aligned), an independent permutation per domain for unpaired data (seeds ``2 seed`` and
``2 seed + 1``). Unpaired domains of different lengths: a pass is as long as the longer domain
and the shorter one is repeated, reshuffled at each repetition, so every image of both domains
is used (nothing is truncated).

Examples
--------
>>> a, b, y = pair_arrays("mnist-edges", "test")                          # doctest: +SKIP
>>> a.shape, float(a.min()), float(b.max())                              # doctest: +SKIP
((10000, 28, 28, 1), -1.0, 1.0)
>>> ds = pairs("mnist-edges", batch_size=64, seed=0, image_size=32)      # doctest: +SKIP
"""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from ..choices import PAIR_SOURCES  # the names live with the other choices (re-exported)
from .folder import choose_size_and_channels, decode_all, scan_folder
from .memory import SPLITS, convert_arrays, load_arrays
from .pipeline import AUTOTUNE, check_batching
from .transform import to_signed_unit

# name -> (built-in dataset of tfgan_zoo.data, how A and B are made from its images)
_BUILTIN = {"mnist-edges": ("mnist", "edges"), "mnist-thick": ("mnist", "thick"),
            "fashion-edges": ("fashion_mnist", "edges")}
_FOLDER_SPLITS = ("train", "all")


# ---------------------------------------------------------------- morphology


def _shifted_reduce(x: np.ndarray, reduce, background) -> np.ndarray:
    """``reduce`` (np.maximum or np.minimum) over the 9 shifted views of NHWC ``x`` padded with ``background``."""
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"3x3 morphology takes NHWC images (n, h, w, c), got shape {x.shape}; "
                         "add the missing axes, e.g. image[None, :, :, None].")
    pad = np.asarray(background).astype(x.dtype)
    if pad != background:
        raise ValueError(f"background {background!r} is not representable as {x.dtype}; "
                         "use 0 for uint8 or [0, 1] images, -1 for images in [-1, 1].")
    h, w = x.shape[1:3]
    p = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=pad)
    out = x.copy()
    for dy in range(3):
        for dx in range(3):
            if (dy, dx) != (1, 1):
                reduce(out, p[:, dy:dy + h, dx:dx + w], out=out)
    return out


def dilate3x3(x: np.ndarray, background: float = 0) -> np.ndarray:
    """Grey dilation: the maximum over each pixel's 3x3 neighbourhood, outside the image = ``background``.

    ``x`` is NHWC (channels independent) of any dtype, which the result keeps; exact.

    Parameters
    ----------
    x : np.ndarray
        Images ``(n, h, w, c)`` of any numeric dtype.
    background : float
        The value of the pixels beyond the border (default 0: the background of uint8 or [0, 1]
        images; use -1 for images in [-1, 1]); it must be representable in the dtype of ``x``.

    Returns
    -------
    np.ndarray
        The dilated images, the shape and dtype of ``x``.

    Raises
    ------
    ValueError
        If ``x`` is not 4-dimensional or ``background`` is not representable in its dtype.
    """
    return _shifted_reduce(x, np.maximum, background)


def erode3x3(x: np.ndarray, background: float = 0) -> np.ndarray:
    """Grey erosion: the minimum over each pixel's 3x3 neighbourhood, outside the image = ``background``.

    Padding with the background (not with "ignore") erodes strokes that touch the border.

    Parameters
    ----------
    x : np.ndarray
        Images ``(n, h, w, c)`` of any numeric dtype (channels independent).
    background : float
        The value of the pixels beyond the border (default 0: the background of uint8 or [0, 1]
        images; use -1 for images in [-1, 1]); it must be representable in the dtype of ``x``.

    Returns
    -------
    np.ndarray
        The eroded images, the shape and dtype of ``x``.

    Raises
    ------
    ValueError
        If ``x`` is not 4-dimensional or ``background`` is not representable in its dtype.
    """
    return _shifted_reduce(x, np.minimum, background)


def edge_map(x: np.ndarray, background: float = 0) -> np.ndarray:
    """``dilate3x3(x) - x`` (>= 0, so no uint8 wrap-around): zero where a pixel is the maximum of its 3x3
    neighbourhood, in particular wherever the image is flat (background, inside thick strokes).

    Parameters
    ----------
    x : np.ndarray
        Images ``(n, h, w, c)`` of any numeric dtype (channels independent).
    background : float
        The value of the pixels beyond the border, for the dilation (default 0: the background of
        uint8 or [0, 1] images; use -1 for images in [-1, 1]); it must be representable in the
        dtype of ``x``.

    Returns
    -------
    np.ndarray
        The edge map, the shape and dtype of ``x``; >= 0 everywhere (each pixel is part of its
        own neighbourhood).

    Raises
    ------
    ValueError
        If ``x`` is not 4-dimensional or ``background`` is not representable in its dtype.
    """
    x = np.asarray(x)
    return dilate3x3(x, background) - x


# ---------------------------------------------------------------- sources


def _unknown(name: str) -> ValueError:
    return ValueError(f"Unknown pair source {name!r}: valid names are {', '.join(PAIR_SOURCES)}; a folder with "
                      "sub-folders A/ and B/ of images is also accepted (no such folder exists here).")


def _builtin_uint8(name: str, split: str, paired: bool, data_dir: str | None, image_size: int | None,
                   channels: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    source, views = _BUILTIN[name]
    x, y = load_arrays(source, split=split, data_dir=data_dir)
    if paired:
        xa = xb = x
    else:
        half = x.shape[0] // 2
        xa, xb, y = x[:half], x[half:2 * half], y[:half]
    if views == "edges":
        a, b = edge_map(xa), xb
    else:
        a, b = erode3x3(xa), dilate3x3(xb)
    return convert_arrays(a, image_size, channels), convert_arrays(b, image_size, channels), y


def _keys(index) -> list[str]:
    """Each file's name for pairing: its path under A/ or B/ without the extension; every file, readable or not."""
    every = index.paths + [p for p, _ in index.unreadable]
    return [os.path.splitext(os.path.relpath(p, index.root))[0] for p in every]


def _list(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _match(root: str, ia, ib) -> tuple[np.ndarray, np.ndarray]:
    """Row indices into A's and B's decoded images, paired by name and sorted by it."""
    ka, kb = _keys(ia), _keys(ib)
    for side, keys, index in (("A", ka, ia), ("B", kb, ib)):
        seen, dup = set(), []
        for k in keys:
            if k in seen:
                dup.append(k)
            seen.add(k)
        if dup:
            raise ValueError(f"{index.root} has several files named {_list(sorted(set(dup)))} (differing only in "
                             f"the extension), so they cannot be paired by name; keep one file per name in {side}/.")
    only_a, only_b = sorted(set(ka) - set(kb)), sorted(set(kb) - set(ka))
    if only_a or only_b:
        parts = ([f"{len(only_a)} in A/ without a partner in B/ ({_list(only_a)})"] if only_a else []) + \
                ([f"{len(only_b)} in B/ without a partner in A/ ({_list(only_b)})"] if only_b else [])
        raise ValueError(f"Paired data in {root} needs the same file names in A/ and B/, but there are "
                         f"{' and '.join(parts)}. Give each image in A/ the name of its partner in B/ "
                         "(the extension may differ) and remove the others, or pass paired=False for "
                         "unpaired (CycleGAN) data.")
    ra = {k: i for i, k in enumerate(ka[:len(ia.paths)])}  # readable files only: decode_all names the others
    rb = {k: i for i, k in enumerate(kb[:len(ib.paths)])}
    names = sorted(set(ra) & set(rb))
    return np.array([ra[k] for k in names], np.int64), np.array([rb[k] for k in names], np.int64)


def _folder_uint8(root: str, split: str, paired: bool, image_size: int | None,
                  channels: int | None) -> tuple[np.ndarray, np.ndarray, None]:
    if split == "test":
        raise ValueError(f"{root} is a folder, which has no test split: split='train' means all of its images. "
                         "For a test set, put its images in a folder of their own (with A/ and B/) and load it.")
    if split not in _FOLDER_SPLITS:
        raise ValueError(f"Unknown split {split!r} for the folder {root}; use 'train' (all of its images).")
    missing = [side for side in ("A", "B") if not os.path.isdir(os.path.join(root, side))]
    if missing:
        raise FileNotFoundError(
            f"{root} has no sub-folder {' or '.join(m + '/' for m in missing)}: a translation folder needs "
            f"{os.path.join(root, 'A')}/ (domain A, the inputs) and {os.path.join(root, 'B')}/ (domain B, the "
            "targets), each holding images.")
    ia, ib = scan_folder(os.path.join(root, "A")), scan_folder(os.path.join(root, "B"))
    rows = _match(root, ia, ib) if paired else None
    (sa, ca), (sb, cb) = (choose_size_and_channels(i, image_size, channels) for i in (ia, ib))
    if sa != sb:
        raise ValueError(f"Images in {ia.root} are {sa}x{sa} but those in {ib.root} are {sb}x{sb}; pass "
                         "image_size=N to resize and centre-crop both to N x N.")
    a, _ = decode_all(ia, sa, ca, skip_corrupt=False)
    b, _ = decode_all(ib, sb, cb, skip_corrupt=False)
    if rows is not None:
        a, b = a[rows[0]], b[rows[1]]
    return a, b, None


def _uint8_pairs(name_or_folder, split: str, paired: bool, data_dir: str | None, image_size: int | None,
                 channels: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """``(A, B, labels, name)`` with uint8 NHWC images in [0, 255]."""
    if not isinstance(name_or_folder, (str, os.PathLike)):
        raise TypeError(f"name_or_folder must be one of {', '.join(PAIR_SOURCES)} or a folder path, "
                        f"got {type(name_or_folder).__name__}.")
    name = os.fspath(name_or_folder)
    if name in _BUILTIN:
        if split not in SPLITS:
            raise ValueError(f"Unknown split {split!r}. Valid splits: {', '.join(SPLITS)}.")
        return (*_builtin_uint8(name, split, paired, data_dir, image_size, channels), f"{name} ({split})")
    if os.path.isdir(name):
        return (*_folder_uint8(name, split, paired, image_size, channels), name)
    raise _unknown(name)


class PairSource:
    """A translation source (one of :data:`PAIR_SOURCES`, or a folder with ``A/`` and ``B/``), the fifth kind of
    data source: each split's images are read and made once, however often its arrays and pipelines are asked.

    Parameters
    ----------
    name_or_folder : str or os.PathLike
        As in :func:`pair_arrays`.
    data_dir : str, optional
        Where Fashion-MNIST's IDX files are.
    image_size : int, optional
        Resize (bilinear, antialiased) and centre-crop every view to ``image_size`` squared.
    channels : {1, 3}, optional
        Convert both domains to grayscale or RGB (default: each source's own).
    """

    def __init__(self, name_or_folder: str | os.PathLike, data_dir: str | None = None,
                 image_size: int | None = None, channels: int | None = None) -> None:
        self.source, self.data_dir, self.image_size, self.channels = name_or_folder, data_dir, image_size, channels
        self._read: dict[tuple[str, bool], tuple] = {}

    def _uint8(self, split: str, paired: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
        key = (split, bool(paired))
        if key not in self._read:
            self._read[key] = _uint8_pairs(self.source, split, paired, self.data_dir, self.image_size, self.channels)
        return self._read[key]

    def examples(self, split: str = "train", paired: bool = True) -> tuple[int, tuple[int, int, int]]:
        """``(n, (h, w, c))``: the examples of one pass of :meth:`dataset` (the longer domain's count) and the shape
        of an A image, without converting the images."""
        a, b, _, _ = self._uint8(split, paired)
        return max(len(a), len(b)), tuple(int(s) for s in a.shape[1:])

    def arrays(self, split: str = "train", paired: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(A, B, labels)`` of :func:`pair_arrays`."""
        a, b, y, _ = self._uint8(split, paired)
        return to_signed_unit(tf.constant(a)).numpy(), to_signed_unit(tf.constant(b)).numpy(), y

    def dataset(self, split: str = "train", batch_size: int = 64, paired: bool = True, seed: int | None = 0,
                shuffle: bool = True, drop_remainder: bool = True, with_labels: bool = False) -> tf.data.Dataset:
        """The pipeline of :func:`pairs`."""
        a, b, y, name = self._uint8(split, paired)
        if with_labels and y is None:
            raise ValueError(f"with_labels=True, but {name} is a folder and has no labels; use with_labels=False.")
        y = y if with_labels else None
        n = max(a.shape[0], b.shape[0])
        check_batching(n, batch_size, drop_remainder, name)

        def domain(x, labels, domain_seed, endless):
            ds = tf.data.Dataset.from_tensor_slices(x if labels is None else (x, labels))
            if shuffle:
                ds = ds.shuffle(x.shape[0], seed=domain_seed, reshuffle_each_iteration=True)
            return ds.repeat() if endless else ds

        if paired:
            ds = tf.data.Dataset.from_tensor_slices((a, b) if y is None else (a, b, y))  # shuffled together
            if shuffle:
                ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        else:
            sa, sb = (None, None) if seed is None else (2 * int(seed), 2 * int(seed) + 1)
            da = domain(a, y, sa, a.shape[0] < n)
            db = domain(b, None, sb, b.shape[0] < n)
            ds = tf.data.Dataset.zip(da, db)  # as long as the finite (longer) domain
            if y is not None:
                ds = ds.map(lambda ay, bb: (ay[0], bb, ay[1]))
        ds = ds.batch(batch_size, drop_remainder=drop_remainder)
        if y is not None:
            ds = ds.map(lambda aa, bb, yy: (to_signed_unit(aa), to_signed_unit(bb), tf.cast(yy, tf.int32)),
                        num_parallel_calls=AUTOTUNE)
        else:
            ds = ds.map(lambda aa, bb: (to_signed_unit(aa), to_signed_unit(bb)), num_parallel_calls=AUTOTUNE)
        return ds.prefetch(AUTOTUNE)


# ---------------------------------------------------------------- public API


def pair_arrays(name_or_folder: str | os.PathLike, split: str = "train", paired: bool = True,
                data_dir: str | None = None, image_size: int | None = None,
                channels: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(A, B, labels)``: float32 NHWC images in [-1, 1] of the two domains, and the labels of A.

    Parameters
    ----------
    name_or_folder : str or os.PathLike
        One of :data:`PAIR_SOURCES`, or a folder with sub-folders ``A/`` and ``B/`` (see the module).
    split : {"train", "test", "all"}
        Of the built-in dataset; a folder is one split ("train"/"all" = all of it, "test" refused).
    paired : bool
        True: ``A[i]`` and ``B[i]`` show the same image. False: disjoint halves of the split
        (built-in) or the two folders as they are (lengths may then differ).
    data_dir : str, optional
        Where Fashion-MNIST's IDX files are (as for :func:`tfgan_zoo.data.load`).
    image_size : int, optional
        Resize (bilinear, antialiased) and centre-crop every view to ``image_size`` squared.
    channels : {1, 3}, optional
        Convert both domains to grayscale or RGB (default: each source's own).

    Returns
    -------
    A, B : np.ndarray
        float32 in [-1, 1], shape ``(n, size, size, channels)``.
    labels : np.ndarray or None
        int64 class labels of the A images (for paired data also B's); None for folders.

    Raises
    ------
    ValueError
        Unknown name (the message lists the sources), unmatched file names of a paired folder,
        a folder's "test" split, or A/ and B/ images of different sizes without ``image_size``.
    FileNotFoundError
        A folder without ``A/`` or ``B/`` (the message names the missing one).
    """
    return PairSource(name_or_folder, data_dir, image_size, channels).arrays(split, paired)


def pairs(name_or_folder: str | os.PathLike, split: str = "train", batch_size: int = 64, paired: bool = True,
          seed: int | None = 0, shuffle: bool = True, drop_remainder: bool = True, data_dir: str | None = None,
          image_size: int | None = None, with_labels: bool = False,
          channels: int | None = None) -> tf.data.Dataset:
    """A ``tf.data`` pipeline of ``(a, b)`` batches, float32 NHWC in [-1, 1] (``(a, b, labels_a)`` with labels).

    The images are those of :func:`pair_arrays` (same arguments). Each pass is shuffled over the
    whole array with ``seed`` (the same seed gives the same order; reshuffled at every pass):
    one permutation of the examples for paired data, so ``a[i]`` and ``b[i]`` stay two views of
    one image, and independent permutations of the two domains for unpaired data. Unpaired
    domains of different lengths (folders): a pass is as long as the longer domain, the shorter
    one is repeated (reshuffled at each repetition). Batches are exactly ``batch_size`` when
    ``drop_remainder``; labels are int32 (refused for folders, which have none).

    Parameters
    ----------
    name_or_folder : str or os.PathLike
        One of :data:`PAIR_SOURCES`, or a folder with sub-folders ``A/`` and ``B/`` (as in
        :func:`pair_arrays`).
    split : {"train", "test", "all"}
        As in :func:`pair_arrays` (default ``"train"``; a folder has no ``"test"``).
    batch_size : int
        Examples per batch (default 64), >= 1.
    paired : bool
        True (default, pix2pix): ``a[i]`` and ``b[i]`` are two views of one image. False
        (CycleGAN): the two domains of :func:`pair_arrays`, shuffled independently.
    seed : int, optional
        Seed of the shuffle (default 0); unpaired domains use ``2 seed`` and ``2 seed + 1``.
        None: the order is not reproducible.
    shuffle : bool
        Shuffle the whole array (buffer = number of examples) at each pass (default True);
        False keeps the order of :func:`pair_arrays`.
    drop_remainder : bool
        Drop the last, incomplete batch of each pass (default True); a source with fewer
        examples than ``batch_size`` is then refused.
    data_dir : str, optional
        Where Fashion-MNIST's IDX files are (as for :func:`tfgan_zoo.data.load`).
    image_size : int, optional
        Resize (bilinear, antialiased) and centre-crop every view to ``image_size`` squared.
    with_labels : bool
        Yield ``(a, b, labels_a)`` with the int32 labels of the A images (default False);
        refused for folders.
    channels : {1, 3}, optional
        Convert both domains to grayscale or RGB (default: each source's own).

    Returns
    -------
    tf.data.Dataset
        One pass per iteration (reshuffled at each when ``shuffle``): batches ``(a, b)`` of float32 NHWC
        images in [-1, 1], shapes ``(batch_size, size, size, channels)`` (A and B may differ in
        channels), or ``(a, b, labels_a)`` with int32 ``labels_a`` of shape ``(batch_size,)``.

    Raises
    ------
    ValueError
        ``with_labels`` for a folder, fewer examples than one batch with ``drop_remainder``, and
        the errors of :func:`pair_arrays`.
    FileNotFoundError
        A folder without ``A/`` or ``B/``.
    """
    return PairSource(name_or_folder, data_dir, image_size, channels).dataset(
        split, batch_size, paired, seed, shuffle, drop_remainder, with_labels)
