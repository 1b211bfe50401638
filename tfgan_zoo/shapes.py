"""Image-size arithmetic of the networks, without TensorFlow (the command line checks sizes before TF loads)."""

from __future__ import annotations


def upsampling_plan(size: int) -> tuple[int, int]:
    """Return ``(start, k)`` with ``size == start * 2**k``, ``4 <= start <= 8`` and ``k >= 2``.

    The DCGAN-style generators (:mod:`tfgan_zoo.nets.dcgan`, :mod:`tfgan_zoo.nets.sndcgan_small`) project ``z``
    to a ``start x start`` map and double it ``k`` times; their discriminators halve the image ``k`` times.

    Parameters
    ----------
    size : int
        Height (= width) of the square images, in pixels (for example 28 gives ``(7, 2)``, 64 gives ``(4, 4)``).

    Returns
    -------
    tuple (int, int)
        ``(start, k)``: the side of the first feature map and the number of 2x upsamplings (stride-2 layers).

    Raises
    ------
    ValueError
        If no such plan exists; the message lists sizes that work.

    Examples
    --------
    >>> from tfgan_zoo.shapes import upsampling_plan
    >>> upsampling_plan(28)
    (7, 2)
    >>> upsampling_plan(64)
    (4, 4)
    >>> start, k = upsampling_plan(48)
    >>> start, k, start * 2**k
    (6, 3, 48)
    >>> upsampling_plan(8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: The DCGAN networks cannot produce 8x8 images: ...
    """
    start, k = int(size), 0
    while start % 2 == 0 and start // 2 >= 4:
        start //= 2
        k += 1
    if k < 2 or not 4 <= start <= 8:
        raise ValueError(
            f"The DCGAN networks cannot produce {size}x{size} images: the size must be s * 2**k with "
            "4 <= s <= 8 and k >= 2 (for example 16, 28, 32, 48, 64, 128). "
            "Resize the data to one of those sizes (image_size=64, --image-size 64)."
        )
    return start, k
