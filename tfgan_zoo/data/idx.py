"""Reader of the IDX format of (Fashion-)MNIST's original files (optionally gzipped).

Layout: two zero bytes, a type byte (0x08 = uint8), the number of dimensions,
then one big-endian uint32 per dimension, then the data.
"""

from __future__ import annotations

import gzip
import zlib

import numpy as np

from .errors import CorruptDatasetError

_UINT8 = 0x08


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file of unsigned bytes into a uint8 array of its stated shape.

    Parameters
    ----------
    path : str
        The IDX file; a name ending in ``.gz`` is read as gzipped.

    Returns
    -------
    np.ndarray
        uint8 array of the shape in the file's header (e.g. ``(n, 28, 28)`` for images, ``(n,)``
        for labels); a read-only view of the bytes read.

    Raises
    ------
    CorruptDatasetError
        If the file is truncated, not IDX, or not of unsigned bytes (the message names the file).
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise CorruptDatasetError(f"Cannot read {path}: {e}. The file is damaged; reinstall or re-download it.") from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise CorruptDatasetError(f"{path} is not an IDX file (bad magic number); reinstall or re-download it.")
    if raw[2] != _UINT8:
        raise CorruptDatasetError(f"{path}: IDX data type 0x{raw[2]:02x} is not unsigned bytes (0x08).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise CorruptDatasetError(f"{path}: truncated IDX header; reinstall or re-download the file.")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    size = int(np.prod(shape))
    if len(raw) - header != size:
        raise CorruptDatasetError(
            f"{path}: the header promises {size} bytes of data {shape} but the file has {len(raw) - header}; "
            "it is truncated or damaged. Reinstall or re-download it."
        )
    return np.frombuffer(raw, np.uint8, size, header).reshape(shape)
