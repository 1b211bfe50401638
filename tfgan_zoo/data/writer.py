"""Write images out as a folder of files (one sub-folder per class), e.g. to make an image-folder dataset."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from ..io import atomic_path

FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP", "gif": "GIF"}


def write_image_folder(
    images: np.ndarray,
    root: str,
    labels: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    fmt: str = "png",
    quality: int = 95,
    start: int = 0,
) -> list[str]:
    """Save uint8 NHWC images (1 or 3 channels) as ``root/<class>/<index>.<fmt>`` (or ``root/<index>.<fmt>``).

    Files are numbered from ``start`` (zero-padded to 5 digits at least, so names sort
    in order). Each file is written under a temporary name and renamed, so an
    interrupted run never leaves a half-written image behind. Returns the paths written.

    Parameters
    ----------
    images : np.ndarray
        uint8 images ``(n, h, w, c)`` with ``c`` 1 (saved as grayscale) or 3 (RGB); other
        dtypes and shapes are refused.
    root : str
        Folder to write into; it and the class sub-folders are created as needed, and existing
        files of the same name are replaced.
    labels : np.ndarray, optional
        One class index per image (``len(labels) == n``): image ``i`` goes into the sub-folder of
        class ``labels[i]``. Default: every image directly in ``root``.
    class_names : sequence of str, optional
        Name of the sub-folder of each class index (``class_names[label]``). Default: the
        index itself (``root/0/``, ``root/1/``, ...). Unused without ``labels``.
    fmt : {"png", "jpg", "jpeg", "bmp", "gif"}
        Image format and file extension (case-insensitive; default ``"png"``, lossless).
    quality : int
        JPEG quality passed to Pillow (default 95; Pillow's scale runs from 0, worst, to 95, best);
        ignored by the other formats.
    start : int
        Number of the first file (default 0), e.g. the count already written when adding
        images to a folder.

    Returns
    -------
    list of str
        The paths written, one per image, in the order of ``images``.

    Raises
    ------
    ValueError
        On an unknown ``fmt``, images that are not uint8 ``(n, h, w, 1 or 3)``, or a number of
        labels that differs from the number of images.
    """
    from PIL import Image

    if fmt.lower() not in FORMATS:
        raise ValueError(f"Unknown image format {fmt!r}. Valid formats: {', '.join(FORMATS)}.")
    x = np.asarray(images)
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(f"write_image_folder expects uint8 images (n, h, w, 1|3), got {x.dtype} {x.shape}.")
    if labels is not None and len(labels) != len(x):
        raise ValueError(f"{len(x)} images but {len(labels)} labels.")
    ext, kind = fmt.lower(), FORMATS[fmt.lower()]
    width = max(5, len(str(start + len(x))))
    paths = []
    for i, img in enumerate(x):
        folder = root
        if labels is not None:
            folder = os.path.join(root, class_names[int(labels[i])] if class_names else f"{int(labels[i])}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{start + i:0{width}d}.{ext}")
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        with atomic_path(path, suffix=f".{ext}") as tmp:
            pil.save(tmp, format=kind, **({"quality": quality} if kind == "JPEG" else {}))
        paths.append(path)
    return paths
