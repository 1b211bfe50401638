"""Preprocessing and batched feature extraction for the FID Inception networks.

Protocol (the pytorch-fid way):

1. Images are NHWC, either uint8 in [0, 255] or float in [-1, 1]; grayscale
   (1 channel) is repeated to 3 channels.
2. Resize to 299x299 with bilinear interpolation, half-pixel centres and no
   antialiasing -- ``torch.nn.functional.interpolate(mode="bilinear",
   align_corners=False)``, which is what ``tf.image.resize(method="bilinear",
   antialias=False)`` computes (identical up to float rounding, also when
   downsampling).
3. Scale to [-1, 1]: ``x / 127.5 - 1`` for uint8 (pytorch-fid's ``2 * (x / 255) - 1``).
   (TTUR's TensorFlow graph computed ``(x - 128) / 128`` instead, a range of
   [-1, 0.9921875]; we follow pytorch-fid, the de-facto reference today.)

Extraction streams: images are read batch by batch, so memory does not grow
with the number of images (only the returned features do; use
:func:`iter_features` to consume them batch by batch instead). Preprocessing
and network run as compiled TensorFlow graphs (the preprocessing traced once
per input shape and dtype, the network once per batch size), with batch norms
folded into the convolutions.
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Iterator, Union

import keras
import numpy as np
import tensorflow as tf

from ..nets.norms import batchnorm_affine
from .inception import INPUT_SIZE

RESIZE_PROTOCOL = "bilinear-299 (align_corners=False, no antialias, as pytorch-fid)"

ImageSource = Union[np.ndarray, tf.Tensor, tf.data.Dataset, Callable[[int], object], Iterable]

# Float images may exceed [-1, 1] by rounding (e.g. a tanh output after a cast); beyond this they are rejected.
_RANGE_SLACK = 1e-3


def _check_shape(shape, where: str = "images") -> None:
    if len(shape) != 4:
        raise ValueError(
            f"{where} must be a batch of NHWC images (rank 4: batch, height, width, channels); got shape "
            f"{tuple(shape)}. Add a batch axis (x[None]) or a channel axis (x[..., None]) as needed."
        )
    if shape[-1] is not None and shape[-1] not in (1, 3):
        raise ValueError(
            f"{where} must have 1 (grayscale) or 3 (RGB) channels in the last axis (NHWC); got shape "
            f"{tuple(shape)}. Channels-first input must be transposed to NHWC."
        )


def _check_dtype(dtype) -> None:
    dtype = tf.as_dtype(dtype)
    if dtype != tf.uint8 and not dtype.is_floating:
        raise TypeError(
            f"images must be uint8 in [0, 255] or float in [-1, 1]; got dtype {dtype.name}. "
            "Cast integer images to uint8 (or scale them to [-1, 1] floats)."
        )


def preprocess(images: tf.Tensor, size: int = INPUT_SIZE) -> tf.Tensor:
    """Images (uint8 [0, 255] or float [-1, 1], NHWC, 1 or 3 channels) -> float32 ``(n, size, size, 3)`` in [-1, 1].

    Bilinear resize with half-pixel centres and no antialiasing (pytorch-fid's
    ``F.interpolate(mode="bilinear", align_corners=False)``), skipped when the
    images already have the target size. Value range is not checked here
    (it runs inside compiled code); :func:`iter_features` checks it.

    Parameters
    ----------
    images : tf.Tensor or array (n, h, w, c)
        uint8 images in [0, 255] or float images in [-1, 1], NHWC with 1 or 3 channels and static height,
        width and channel count.
    size : int
        Side of the square output (default 299, the Inception input size).

    Returns
    -------
    tf.Tensor
        float32 ``(n, size, size, 3)`` in [-1, 1] (grayscale repeated to 3 channels).

    Raises
    ------
    ValueError / TypeError
        For images that are not NHWC with 1 or 3 channels, dynamic sizes, or unsupported dtypes.
    """
    images = tf.convert_to_tensor(images)
    _check_shape(images.shape)
    _check_dtype(images.dtype)
    if None in images.shape[1:]:
        raise ValueError(f"preprocess needs static height, width and channels; got shape {images.shape}.")
    is_uint8 = images.dtype == tf.uint8
    x = tf.cast(images, tf.float32)
    if tuple(x.shape[1:3]) != (size, size):
        x = tf.image.resize(x, (size, size), method="bilinear", antialias=False)
    if is_uint8:
        x = x * (1.0 / 127.5) - 1.0
    if x.shape[-1] == 1:
        x = tf.repeat(x, 3, axis=-1)
    return x


def _check_range(batch: np.ndarray) -> None:
    if batch.dtype == np.uint8 or batch.size == 0:
        return
    lo, hi = float(np.min(batch)), float(np.max(batch))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("images contain NaN or infinite values.")
    if lo < -1 - _RANGE_SLACK or hi > 1 + _RANGE_SLACK:
        raise ValueError(
            f"float images must be in [-1, 1]; got values in [{lo:.4g}, {hi:.4g}]. "
            "Pass uint8 images for [0, 255], or scale floats with x / 127.5 - 1."
        )


def _first_component(element):
    """The images of a dataset element: itself, the first of a tuple, or ``["image"]`` of a dict."""
    if isinstance(element, dict):
        if "image" not in element:
            raise ValueError(f"dataset elements are dicts without an 'image' key (keys: {sorted(element)}).")
        return element["image"]
    if isinstance(element, (tuple, list)):
        return element[0]
    return element


def _iter_batches(source: ImageSource, batch_size: int, n: int | None) -> Iterator[np.ndarray]:
    """Yield numpy batches of at most ``batch_size`` images, ``n`` images in total if given."""
    if isinstance(source, tf.Tensor):
        source = source.numpy()
    if isinstance(source, np.ndarray):
        _check_shape(source.shape)
        total = len(source) if n is None else min(n, len(source))
        for start in range(0, total, batch_size):
            yield source[start:min(start + batch_size, total)]
        return
    if isinstance(source, tf.data.Dataset):
        spec = source.element_spec
        if isinstance(spec, dict):
            source = source.map(lambda element: _first_component(element))
        elif isinstance(spec, tuple):
            source = source.map(lambda *components: components[0])
        spec = source.element_spec
        if not isinstance(spec, tf.TensorSpec) or len(spec.shape) not in (3, 4):
            raise ValueError(
                f"dataset elements must be images (h, w, c) or batches (b, h, w, c); got element_spec {spec}."
            )
        _check_dtype(spec.dtype)
        ds = source.unbatch() if len(spec.shape) == 4 else source
        if n is not None:
            ds = ds.take(n)
        source = ds.batch(batch_size).prefetch(1).as_numpy_iterator()
    elif callable(source):
        if n is None:
            raise ValueError("n is required when images come from a callable (how many images to draw?).")
        remaining = n
        while remaining > 0:
            size = min(batch_size, remaining)
            batch = source(size)
            batch = batch.numpy() if isinstance(batch, tf.Tensor) else np.asarray(batch)
            if len(batch) != size:
                raise ValueError(f"the callable returned {len(batch)} images when asked for {size}.")
            remaining -= size
            yield batch
        return
    count = 0
    for batch in source:  # any iterable of batches (e.g. a generator of numpy arrays)
        batch = _first_component(batch)
        batch = batch.numpy() if isinstance(batch, tf.Tensor) else np.asarray(batch)
        if n is not None:
            batch = batch[: n - count]
        if len(batch):
            count += len(batch)
            yield batch
        if n is not None and count >= n:
            return


class _Folded(keras.layers.Layer):
    """Stands in for a batch norm whose affine map was folded into the preceding convolution."""

    def call(self, inputs, training=None, mask=None):
        return inputs


def fold_batchnorm(model: keras.Model) -> keras.Model:
    """An inference-only copy of ``model`` with each Conv2D -> BatchNormalization pair folded into one Conv2D.

    A bias-free convolution ``w`` followed by an inference-mode batch norm
    ``(y - mean) / sqrt(var + eps) * gamma + beta`` becomes a convolution with
    kernel ``w * gamma / sqrt(var + eps)`` and bias ``beta - mean * gamma / sqrt(var + eps)``:
    the same function up to float rounding, one pass over the activations
    fewer (about 7% less CPU time for the Inception networks). Pairs where
    the convolution has a bias, an activation or other consumers are kept.

    Parameters
    ----------
    model : keras.Model
        A functional model (such as :func:`tfgan_zoo.metrics.inception.fid_inception`); it is not changed.

    Returns
    -------
    keras.Model
        The clone, with the folded batch norms replaced by identity layers of the same names, for inference
        only (the batch-norm statistics are baked into the kernels and biases).
    """
    consumers: dict[int, int] = {}
    for layer in model.layers:
        for node in layer._inbound_nodes:
            for parent in node.parent_nodes:
                consumers[id(parent.operation)] = consumers.get(id(parent.operation), 0) + 1
    pairs: dict[str, tuple[keras.layers.Conv2D, keras.layers.BatchNormalization]] = {}
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization) or len(layer._inbound_nodes) != 1:
            continue
        parents = layer._inbound_nodes[0].parent_nodes
        conv = parents[0].operation if len(parents) == 1 else None
        if (isinstance(conv, keras.layers.Conv2D) and not conv.use_bias and len(conv._inbound_nodes) == 1
                and conv.get_config()["activation"] == "linear" and consumers.get(id(conv)) == 1
                and layer.axis in (-1, [-1], [3], 3)):
            pairs[conv.name] = (conv, layer)
    folded_bns = {id(bn) for _, bn in pairs.values()}

    def clone(layer):
        if isinstance(layer, keras.layers.Conv2D) and layer.name in pairs:
            config = layer.get_config()
            config["use_bias"] = True
            return keras.layers.Conv2D.from_config(config)
        if id(layer) in folded_bns:
            return _Folded(name=layer.name)
        return layer.__class__.from_config(layer.get_config())

    folded = keras.models.clone_model(model, clone_function=clone)
    for other in model.layers:  # copy weights of everything not folded
        if other.name not in pairs and id(other) not in folded_bns and other.weights:
            folded.get_layer(other.name).set_weights(other.get_weights())
    for name, (conv, bn) in pairs.items():
        kernel = np.asarray(conv.kernel, np.float64)
        scale, bias = batchnorm_affine(bn)
        folded.get_layer(name).set_weights([(kernel * scale).astype(np.float32), np.broadcast_to(bias, scale.shape).astype(np.float32)])
    return folded


class FeatureExtractor:
    """A network plus its compiled preprocessing, callable on numpy batches.

    Parameters
    ----------
    network : keras.Model
        Maps ``(batch, 299, 299, 3)`` float32 in [-1, 1] to ``(batch, d)``
        (:func:`tfgan_zoo.metrics.inception.fid_inception`).
    batch_size : int
        Images per network call; smaller batches are zero-padded to it so
        every call reuses one compiled program.
    jit_compile : bool
        Compile the network with XLA. Off by default: on CPU, TensorFlow's
        oneDNN kernels ran the Inception network faster than XLA's
        (``benchmarks/fid_features.py --no-jit`` vs default) and compile in
        seconds instead of tens of seconds.
    fold : bool
        Run :func:`fold_batchnorm` on the network first (same function, less work).
    """

    def __init__(self, network: keras.Model, batch_size: int = 50, jit_compile: bool = False, fold: bool = True):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
        self.network = network
        self.batch_size = int(batch_size)
        self.jit_compile = bool(jit_compile)
        net = fold_batchnorm(network) if fold else network

        # Two compiled functions: the network for one fixed input shape (traced once), and the cheap
        # preprocessing, traced once per input shape and dtype.
        @tf.function(jit_compile=self.jit_compile)
        def run_network(x):
            return tf.cast(net(x, training=False), tf.float32)

        @tf.function
        def run_preprocess(images):
            return preprocess(images)

        self._network = run_network
        self._preprocess = run_preprocess

    @property
    def dim(self) -> int:
        """Feature dimension."""
        return int(self.network.output_shape[-1])

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Features (float64, ``(len(batch), dim)``) of one batch of at most ``batch_size`` images."""
        _check_shape(batch.shape)
        _check_dtype(batch.dtype)
        if not batch.dtype == np.uint8:
            batch = batch.astype(np.float32, copy=False)
        _check_range(batch)
        m = len(batch)
        if m > self.batch_size:
            raise ValueError(f"batch of {m} images exceeds batch_size {self.batch_size}.")
        if m < self.batch_size:
            pad = np.zeros((self.batch_size - m, *batch.shape[1:]), batch.dtype)
            batch = np.concatenate([batch, pad])
        x = self._preprocess(tf.constant(batch))
        return self._network(x).numpy()[:m].astype(np.float64)


def iter_features(
    source: ImageSource,
    network: keras.Model | FeatureExtractor,
    batch_size: int = 50,
    n: int | None = None,
    progress: bool = True,
) -> Iterator[np.ndarray]:
    """Yield float64 feature batches ``(b, d)`` of ``source``, one batch at a time (see :func:`extract_features`).

    Parameters
    ----------
    source : array, tf.Tensor, tf.data.Dataset, callable or iterable
        Images as in :func:`extract_features`.
    network : keras.Model or FeatureExtractor
        The feature network, or a ready :class:`FeatureExtractor` (reuses its compiled function).
    batch_size : int
        Images per compiled call (ignored when ``network`` is a FeatureExtractor).
    n : int, optional
        Number of images to use (default: all of ``source``); an error if the source has fewer.
    progress : bool
        Show a Keras progress bar.

    Yields
    ------
    np.ndarray
        float64 ``(b, d)`` features of the next ``b <= batch_size`` images.
    """
    if n is not None and n < 1:
        raise ValueError(f"n must be >= 1, got {n}.")
    extractor = network if isinstance(network, FeatureExtractor) else FeatureExtractor(network, batch_size)
    total = n if n is not None else (len(source) if isinstance(source, (np.ndarray, tf.Tensor)) else None)
    bar = keras.utils.Progbar(total, unit_name="image") if progress else None
    done = 0
    for batch in _iter_batches(source, extractor.batch_size, n):
        for start in range(0, len(batch), extractor.batch_size):  # iterables may yield larger batches
            features = extractor(batch[start:start + extractor.batch_size])
            done += len(features)
            if bar is not None:
                bar.update(done)
            yield features
    if n is not None and done < n:
        raise ValueError(f"asked for n={n} images but the source ran out after {done}.")


def extract_features(
    source: ImageSource,
    network: keras.Model | FeatureExtractor,
    batch_size: int = 50,
    n: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Features of images from an array, a dataset, a sampler or an iterable, as float64 ``(n, d)``.

    Parameters
    ----------
    source : array, tf.Tensor, tf.data.Dataset, callable or iterable
        Images as uint8 in [0, 255] or float in [-1, 1], NHWC with 1 or 3
        channels: a numpy array / tensor ``(N, H, W, C)``; a ``tf.data.Dataset``
        of single images or batches (of images, ``(images, labels)`` tuples or
        dicts with an ``"image"`` key); a callable ``f(k)`` returning ``k``
        images (for example a generator sampler; needs ``n``); or any iterable
        of image batches.
    network : keras.Model or FeatureExtractor
        The feature network (:func:`tfgan_zoo.metrics.inception.fid_inception`)
        or a ready :class:`FeatureExtractor` (reuses its compiled function).
    batch_size : int
        Images per compiled call (ignored when ``network`` is a FeatureExtractor).
    n : int, optional
        Number of images to use (default: all of ``source``). It is an error
        if the source has fewer.
    progress : bool
        Show a Keras progress bar.

    Returns
    -------
    np.ndarray
        float64 ``(n, d)``: 2048-d pool features for the Inception networks.

    Raises
    ------
    ValueError / TypeError
        For images that are not NHWC with 1 or 3 channels, floats outside
        [-1, 1], unsupported dtypes, or a source with fewer than ``n`` images.
    """
    chunks = list(iter_features(source, network, batch_size=batch_size, n=n, progress=progress))
    dim = network.dim if isinstance(network, FeatureExtractor) else int(network.output_shape[-1])
    return np.concatenate(chunks) if chunks else np.zeros((0, dim), np.float64)
