"""Metrics for image-to-image translation (pix2pix, CycleGAN) on tasks whose true mapping is known.

When every source image has a known target (MNIST edge map -> digit, thin stroke ->
thick stroke), a translation can be scored against it directly:

* :func:`l1_error`: mean absolute pixel error, ``L1 = 1/(N H W C) sum |pred - target|``
  (0 for a perfect translation, at most 2 for images in [-1, 1]);
* :func:`ssim` / :func:`ssim_per_image`: the structural similarity of Wang et al. (2004),
  computed in float64 with scikit-image's conventions (see :func:`ssim`);
* :func:`label_preservation`: the share of translated digits that the committed MNIST
  classifier (:mod:`tfgan_zoo.metrics.classifier`) assigns to the source image's label --
  whether the translation kept the digit's identity;
* :func:`translation_report`: the three together, with a ``protocol`` string.

Inputs
------
Batches ``(N, H, W, C)`` of float images in [-1, 1] (numpy arrays, or anything
``np.asarray`` converts, such as eager TensorFlow tensors). Values up to
``RANGE_TOLERANCE`` (1e-3) outside [-1, 1] are accepted as round-off and used as they are
(not clipped); anything further out is refused with a ``ValueError`` saying how to rescale,
as are other shapes, integer images and NaN/infinity. 1e-3 is the tolerance
:func:`tfgan_zoo.metrics.classifier.preprocess` already uses; it is far below one
grey level (2/255 ~ 7.8e-3), so it only lets through float round-off (a ``tanh`` output
is never outside), never an image in another range.

Only numpy and scipy are imported here; Keras and the classifier are loaded by
:func:`label_preservation` when it is called.
"""

from __future__ import annotations

import os

import numpy as np
from scipy.ndimage import gaussian_filter, uniform_filter

RANGE_TOLERANCE = 1e-3
#: Gaussian window of Wang et al. (2004) as scikit-image builds it: sigma 1.5, truncated at 3.5 sigma,
#: i.e. radius int(3.5 * 1.5 + 0.5) = 5, an 11 x 11 window.
GAUSSIAN_SIGMA = 1.5
GAUSSIAN_TRUNCATE = 3.5
GAUSSIAN_WIN_SIZE = 2 * int(GAUSSIAN_TRUNCATE * GAUSSIAN_SIGMA + 0.5) + 1
UNIFORM_WIN_SIZE = 7
#: Pixels per SSIM batch chunk (about 16 MB per float64 intermediate), so large test sets fit in memory.
_CHUNK_PIXELS = 2**21
MNIST_SIZE = 28
#: A U-Net with four stride-2 levels needs a multiple of 16, so MNIST is padded 28 -> 32 (2 pixels a side).
PADDED_MNIST_SIZE = 32


def _check_images(images, name: str) -> np.ndarray:
    """``images`` as a float64 ``(N, H, W, C)`` array, or a ValueError naming the problem and the fix."""
    x = np.asarray(images)
    if x.ndim != 4:
        raise ValueError(
            f"{name} must be a 4-D batch of images (N, H, W, C), got shape {x.shape}; add the batch axis "
            "with x[None] and the channel axis with x[..., None]."
        )
    if x.shape[0] == 0:
        raise ValueError(f"{name} holds no images (shape {x.shape}); pass at least one image.")
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"{name} has dtype {x.dtype}; these metrics take float images in [-1, 1]: "
            "convert uint8 images with x / 127.5 - 1."
        )
    x = x.astype(np.float64)
    bad = np.size(x) - np.count_nonzero(np.isfinite(x))
    if bad:
        raise ValueError(f"{name} contains {bad} NaN or infinite values; fix the model or data that produced them.")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1.0 - RANGE_TOLERANCE or hi > 1.0 + RANGE_TOLERANCE:
        raise ValueError(
            f"{name} has values in [{lo:.4g}, {hi:.4g}], but images must be in [-1, 1] (tolerance "
            f"{RANGE_TOLERANCE:g}): rescale with x * 2 - 1 if they are in [0, 1], or x / 127.5 - 1 if in [0, 255]."
        )
    return x


def _check_pair(pred, target, names: tuple[str, str] = ("pred", "target")) -> tuple[np.ndarray, np.ndarray]:
    p = _check_images(pred, names[0])
    t = _check_images(target, names[1])
    if p.shape != t.shape:
        raise ValueError(
            f"{names[0]} has shape {p.shape} but {names[1]} has {t.shape}: translate the same batch "
            "(one translated image per target, same size and channels)."
        )
    return p, t


def l1_error(pred, target) -> float:
    """Mean absolute error over all pixels: ``L1 = 1/(N H W C) sum_{n,h,w,c} |pred - target|``.

    Parameters
    ----------
    pred, target : array (N, H, W, C)
        Translated and true images, float in [-1, 1].

    Returns
    -------
    float
        0 for identical batches, ``|a - b|`` for constant images ``a`` and ``b``, at most 2.
    """
    p, t = _check_pair(pred, target)
    return float(np.mean(np.abs(p - t)))


def _window(win_size: int | None, gaussian: bool) -> int:
    if gaussian:
        if win_size not in (None, GAUSSIAN_WIN_SIZE):
            raise ValueError(
                f"gaussian=True uses the {GAUSSIAN_WIN_SIZE}x{GAUSSIAN_WIN_SIZE} window of sigma {GAUSSIAN_SIGMA} "
                f"(Wang et al.), got win_size={win_size}; leave win_size=None, or use gaussian=False."
            )
        return GAUSSIAN_WIN_SIZE
    w = UNIFORM_WIN_SIZE if win_size is None else win_size
    if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 3 or w % 2 != 1:
        raise ValueError(f"win_size must be an odd integer >= 3, got {win_size!r}.")
    return int(w)


def ssim_per_image(
    pred,
    target,
    data_range: float = 2.0,
    win_size: int | None = None,
    gaussian: bool = False,
    k1: float = 0.01,
    k2: float = 0.03,
) -> np.ndarray:
    """Mean SSIM of each image pair (over its windows and channels), in float64.

    See :func:`ssim` for the formula and the conventions.

    Parameters
    ----------
    pred, target : array (N, H, W, C)
        Translated and true images, float in [-1, 1]; ``H, W >= win_size``.
    data_range : float
        ``L`` in ``C1`` and ``C2``: the span of possible values, 2 for [-1, 1] (default); > 0.
    win_size : int, optional
        Odd side (>= 3) of the uniform window (default 7). Must stay None with ``gaussian=True``.
    gaussian : bool
        Gaussian-weighted windows (Wang et al.) instead of uniform ones (default False).
    k1, k2 : float
        The stabilising constants of Wang et al. (defaults 0.01 and 0.03), >= 0.

    Returns
    -------
    np.ndarray, float64, shape (N,)
        ``SSIM_n = 1/C sum_c mean_{windows} SSIM(pred_n[..., c], target_n[..., c])``.
    """
    p, t = _check_pair(pred, target)
    w = _window(win_size, gaussian)
    if not np.isfinite(data_range) or data_range <= 0:
        raise ValueError(f"data_range must be a positive number (2.0 for images in [-1, 1]), got {data_range}.")
    if k1 < 0 or k2 < 0:
        raise ValueError(f"k1 and k2 must be >= 0, got {k1} and {k2}.")
    n, h, wd, c = p.shape
    if h < w or wd < w:
        raise ValueError(
            f"Images are {h}x{wd}, smaller than the {w}x{w} SSIM window; pass a smaller odd win_size "
            "(uniform window) or use larger images."
        )
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    if gaussian:
        def filt(a):
            return gaussian_filter(a, sigma=(0, GAUSSIAN_SIGMA, GAUSSIAN_SIGMA, 0), truncate=GAUSSIAN_TRUNCATE,
                                   mode="reflect")
        cov_norm = 1.0  # population covariance, as Wang et al.
    else:
        def filt(a):
            return uniform_filter(a, size=(1, w, w, 1), mode="reflect")
        cov_norm = w * w / (w * w - 1.0)  # sample covariance: N / (N - 1) over the N = w^2 window pixels
    pad = (w - 1) // 2
    out = np.empty(n, np.float64)
    step = max(1, _CHUNK_PIXELS // (h * wd * c))
    for s in range(0, n, step):
        x, y = p[s:s + step], t[s:s + step]
        mx, my = filt(x), filt(y)
        vx = cov_norm * (filt(x * x) - mx * mx)
        vy = cov_norm * (filt(y * y) - my * my)
        vxy = cov_norm * (filt(x * y) - mx * my)
        smap = ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        valid = smap[:, pad:h - pad, pad:wd - pad, :]  # drop the border where the window leaves the image
        out[s:s + step] = valid.mean(axis=(1, 2)).mean(axis=-1)
    return out


def ssim(
    pred,
    target,
    data_range: float = 2.0,
    win_size: int | None = None,
    gaussian: bool = False,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """Mean structural similarity (Wang et al., 2004) between translated and true images.

    For two windows ``x``, ``y`` (of one channel of one image pair)::

        SSIM(x, y) = ((2 μx μy + C1)(2 σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2))

        C1 = (k1 L)²,  C2 = (k2 L)²,  L = data_range

    with ``μ`` the window means, ``σ²`` the variances and ``σxy`` the covariance. It is 1
    exactly when ``x == y``, and symmetric. For two constant images ``a``, ``b`` it is
    ``(2ab + C1) / (a² + b² + C1)``; for ``y = x + c`` it is the mean over windows of
    ``(2 μx (μx + c) + C1) / (μx² + (μx + c)² + C1)`` (contrast and structure terms are 1).

    Conventions (those of ``skimage.metrics.structural_similarity(..., data_range=2.0,
    channel_axis=-1)``, which this matches to float64 round-off):

    * ``gaussian=False`` (default): uniform ``win_size`` x ``win_size`` window (``win_size=None``
      means 7), means by ``scipy.ndimage.uniform_filter``, and sample (co)variances: the
      window moments times ``n / (n - 1)``, ``n = win_size²``;
    * ``gaussian=True``: Gaussian weights with σ = 1.5 truncated at 3.5 σ (an 11 x 11 window,
      ``scipy.ndimage.gaussian_filter``) and population (co)variances -- Wang et al.'s
      choice, which is skimage's ``gaussian_weights=True, use_sample_covariance=False``;
    * both filters use ``mode="reflect"`` at the borders, and the mean is taken over the
      valid region only: ``(win_size - 1) // 2`` pixels are cropped at each border of the
      SSIM map (3 for the uniform window, 5 for the Gaussian one), so every window kept lies inside
      the image and the border mode does not change the result;
    * channels are scored separately and averaged; ``data_range = 2`` because images are in [-1, 1];
    * everything is computed in float64, whatever the input dtype (skimage computes float32 input in
      float32, so on float32 images the two differ by about 1e-6).

    Parameters
    ----------
    pred, target : array (N, H, W, C)
        Translated and true images, float in [-1, 1]; ``H, W >= win_size``.
    data_range : float
        ``L`` in ``C1`` and ``C2``: the span of possible values, 2 for [-1, 1].
    win_size : int, optional
        Odd side of the uniform window (default 7). Must stay None with ``gaussian=True``.
    gaussian : bool
        Gaussian-weighted windows (Wang et al.) instead of uniform ones.
    k1, k2 : float
        The stabilising constants of Wang et al.

    Returns
    -------
    float
        The mean of :func:`ssim_per_image` over the N images (all windows count equally, since
        the images have one size). At most 1; 1 for a perfect translation.
    """
    return float(np.mean(ssim_per_image(pred, target, data_range, win_size, gaussian, k1, k2)))


def _to_classifier_input(x: np.ndarray, padded: bool = True) -> np.ndarray:
    """float64 ``(N, H, W, C)`` in [-1, 1] -> float32 ``(N, 28, 28, 1)`` for the MNIST classifier.

    * 28 x 28: unchanged;
    * 32 x 32 with ``padded``: the centre 28 x 28 (``x[:, 2:30, 2:30]``), the exact inverse of padding
      2 pixels per side;
    * any other size (and 32 x 32 without ``padded``): :func:`tfgan_zoo.data.convert_arrays` (resize the
      shorter side to 28, bilinear, antialiased, then centre crop), as ``tfgan_zoo.data.load(..., image_size=28)``;
    * 3 channels: ITU-R 601 luma (also ``convert_arrays``).
    """
    x = x.astype(np.float32)
    h, w = x.shape[1:3]
    if padded and (h, w) == (PADDED_MNIST_SIZE, PADDED_MNIST_SIZE):
        m = (PADDED_MNIST_SIZE - MNIST_SIZE) // 2
        x, h, w = x[:, m:m + MNIST_SIZE, m:m + MNIST_SIZE, :], MNIST_SIZE, MNIST_SIZE
    if (h, w) != (MNIST_SIZE, MNIST_SIZE) or x.shape[-1] != 1:
        if x.shape[-1] not in (1, 3):
            raise ValueError(f"translated images have {x.shape[-1]} channels; the MNIST classifier takes 1 "
                             "(grayscale) or 3 (converted to grayscale).")
        from ..data import convert_arrays

        x = convert_arrays(x, image_size=MNIST_SIZE, channels=1)
        x = np.clip(x, -1.0, 1.0)  # resampling round-off; bilinear weights are >= 0, so nothing larger
    return np.ascontiguousarray(x, dtype=np.float32)


def _check_labels(labels, n: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.shape != (n,):
        raise ValueError(f"labels have shape {y.shape}, expected ({n},): the source label of each translated image.")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels must be integer digits 0..9, got dtype {y.dtype}.")
    if y.min() < 0 or y.max() > 9:
        raise ValueError(f"labels must be digits 0..9 (the MNIST classifier's classes), found {y.min()}..{y.max()}.")
    return y.astype(np.int64)


def label_preservation(translated, labels, classifier=None, batch_size: int = 500, padded: bool = True) -> dict:
    """Share of translated images that an MNIST classifier assigns to their source's label.

    ``accuracy = 1/N sum_i [argmax_k p_k(translated_i) == labels_i]`` and ``per_class[d]`` the
    same mean over the images whose label is ``d``. A translation that keeps the digit's
    identity scores about the classifier's own accuracy on real test digits (0.993 on the
    first 1,000); one that turns digits into other digits or noise scores far less.

    Parameters
    ----------
    translated : array (N, H, W, C)
        Translated images, float in [-1, 1]. 28x28 is used as is; 32x32 (a U-Net pads MNIST's
        28x28 by 2 pixels per side) is centre-cropped back to 28x28 (``padded=True``), the exact
        inverse of the padding; other sizes are resized (shorter side to 28, bilinear, antialiased) and
        centre-cropped like ``tfgan_zoo.data.load(..., image_size=28)``; 3 channels become luma.
    labels : array (N,)
        Integer digit 0..9 of each source image.
    classifier : keras.Model, optional
        Maps ``(n, 28, 28, 1)`` images in [-1, 1] to ``(n, 10)`` softmax probabilities. Default:
        the committed MNIST classifier, :func:`tfgan_zoo.metrics.classifier.load_mnist_classifier`.
    batch_size : int
        Images per forward pass.
    padded : bool
        Whether 32x32 images are padded 28x28 ones (centre crop). Set False when the 32x32 domain
        was made by *resizing* 28 -> 32 (``tfgan_zoo.data.load(..., image_size=32)`` and the pair
        pipelines of :mod:`tfgan_zoo.data.pairs` with ``image_size=32`` upsample): they are then resized back.
        On the first 1,000 MNIST test digits either inverse keeps the classifier at 0.98-0.99
        (0.993 at 28x28): cropping upsampled digits 0.985, resizing them back 0.982.

    Returns
    -------
    dict
        ``{"accuracy": float, "per_class": {digit: float}, "n": N}``; ``per_class`` holds the
        digits that occur in ``labels``, in increasing order.
    """
    x = _check_images(translated, "translated")
    y = _check_labels(labels, x.shape[0])
    from .class_stats import class_accuracy
    from .classifier import classifier_probs

    x = _to_classifier_input(x, padded)
    if classifier is None:
        probs = classifier_probs(x, batch_size=batch_size)
    else:
        probs = np.asarray(classifier.predict(x, batch_size=batch_size, verbose=0))
    acc = class_accuracy(probs, y)
    per = acc["class_accuracy_per_class"]
    return {"accuracy": float(acc["class_accuracy"]),
            "per_class": {int(d): float(per[d]) for d in np.unique(y)},
            "n": int(x.shape[0])}


def _ssim_protocol() -> str:
    return (f"SSIM (Wang et al. 2004) with skimage structural_similarity defaults: uniform "
            f"{UNIFORM_WIN_SIZE}x{UNIFORM_WIN_SIZE} window, sample covariance (n/(n-1)), K1=0.01, K2=0.03, "
            f"data_range=2.0, reflect borders, {(UNIFORM_WIN_SIZE - 1) // 2}-pixel border cropped, mean over "
            "windows, channels and images, float64")


def translation_report(translated, target, labels=None, classifier=None, padded: bool = True) -> dict:
    """L1, SSIM and (with labels) label preservation of a batch of translations, with their protocol.

    Parameters
    ----------
    translated, target : array (N, H, W, C)
        Translated and true images, float in [-1, 1].
    labels : array (N,), optional
        Digit of each source image; without it ``label_preservation`` is None.
    classifier : keras.Model, optional
        As in :func:`label_preservation` (default: the committed MNIST classifier).
    padded : bool
        As in :func:`label_preservation`: 32x32 images are padded 28x28 ones (else resized ones).

    Returns
    -------
    dict
        ``l1`` (:func:`l1_error`), ``ssim`` (:func:`ssim`, default settings),
        ``label_preservation`` (the accuracy of :func:`label_preservation`, or None),
        ``label_preservation_per_class`` (its ``per_class``, or None), ``n`` (images) and
        ``protocol`` (how each number was computed).
    """
    p, t = _check_pair(translated, target, ("translated", "target"))
    if labels is None and classifier is not None:
        raise ValueError("A classifier was given but no labels: pass labels=... (the source digits) to score "
                         "label preservation, or leave classifier=None.")
    report = {"l1": l1_error(p, t), "ssim": ssim(p, t), "label_preservation": None,
              "label_preservation_per_class": None, "n": int(p.shape[0])}
    protocol = ["L1: mean |translated - target| over all pixels, images in [-1, 1]", _ssim_protocol()]
    if labels is not None:
        lp = label_preservation(p, labels, classifier, padded=padded)
        report["label_preservation"], report["label_preservation_per_class"] = lp["accuracy"], lp["per_class"]
        if classifier is None:
            from .classifier import WEIGHTS_PATH

            name = f"the committed MNIST classifier (tfgan_zoo/metrics/weights/{os.path.basename(WEIGHTS_PATH)})"
        else:
            name = f"the classifier {getattr(classifier, 'name', type(classifier).__name__)!r}"
        protocol.append(f"label preservation: share of argmax predictions of {name} equal to the source label; "
                        "28x28 as is, " + ("32x32 centre-cropped to 28x28 (padding removed), " if padded else "")
                        + "other sizes resized (bilinear, antialiased) to 28 and centre-cropped")
    report["protocol"] = "; ".join(protocol)
    return report


__all__ = ["l1_error", "ssim", "ssim_per_image", "label_preservation", "translation_report", "RANGE_TOLERANCE"]
