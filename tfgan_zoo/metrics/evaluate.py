"""FID, KID and the domain classifiers' score between two image sources, with their protocol.

A *source* is a dataset name (``mnist``, ``fashion_mnist``, a TFDS name), an image
folder, a ``.npz``/``.npy`` file, an exported generator directory (a SavedModel
with ``serve(z)``), or an in-memory array of images (uint8 or [-1, 1]).

Reference statistics of dataset sources are cached in
``$TFGAN_ZOO_CACHE/stats/`` under a name that spells out the whole protocol
(dataset, split, network, resize, sample count), and the protocol is stored in
the file and checked when it is read back, so a mismatch cannot go unnoticed.
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable

import numpy as np

from ..cache import cache_dir
from . import frechet, kid, moments

from ..choices import CLASSIFIER_NETWORKS, FID_NETWORKS, classifier_mismatch, matching_classifier

NETWORKS = FID_NETWORKS
METRICS = ("fid", "kid", "classifier")


def network_protocol(network: str) -> dict[str, Any]:
    """What defines features: the network and its input transform.

    Parameters
    ----------
    network : str
        One of :data:`NETWORKS`: ``"fid-inception"``, ``"keras-imagenet"`` or a domain classifier
        (``"mnist-classifier"``, ``"fashion-classifier"``).

    Returns
    -------
    dict
        ``network`` (its protocol name) and ``resize``; for a classifier also ``weights_sha256``, the digest of
        its weights file (:func:`tfgan_zoo.metrics.classifier.weights_digest`).
    """
    if network in CLASSIFIER_NETWORKS:
        from .classifier import weights_digest

        return {"network": f"tfgan_zoo {network} (penultimate 128-d)", "resize": "none (28x28x1)",
                "weights_sha256": weights_digest(CLASSIFIER_NETWORKS[network])}
    from .features import RESIZE_PROTOCOL
    from .inception import PROTOCOLS

    key = "fid" if network == "fid-inception" else "imagenet"
    return {"network": PROTOCOLS[key], "resize": RESIZE_PROTOCOL}


class Featurizer:
    """Features (float64) of images under one network; loads the network once.

    Call it on images (uint8 or [-1, 1]) to get their features; :meth:`probs` gives a classifier's class
    probabilities.

    Parameters
    ----------
    network : str
        One of :data:`NETWORKS` (default ``"fid-inception"``, the standard FID network).
    batch_size : int
        Images per call of an Inception network (the classifiers use their own batch size).

    Raises
    ------
    ValueError
        For an unknown network.
    """

    def __init__(self, network: str = "fid-inception", batch_size: int = 50) -> None:
        if network not in NETWORKS:
            raise ValueError(f"Unknown network {network!r}. Valid networks: {', '.join(NETWORKS)}.")
        self.name, self.batch_size = network, batch_size
        self.protocol = network_protocol(network)
        if network in CLASSIFIER_NETWORKS:
            from .classifier import load_classifier

            self.model = load_classifier(CLASSIFIER_NETWORKS[network])
        else:
            from .features import FeatureExtractor
            from .inception import fid_inception

            self.model = FeatureExtractor(fid_inception("fid" if network == "fid-inception" else "imagenet"),
                                          batch_size=batch_size)

    def __call__(self, images: np.ndarray, progress: bool = False) -> np.ndarray:
        if self.name in CLASSIFIER_NETWORKS:
            from .classifier import classifier_features

            return classifier_features(images, self.model).astype(np.float64)
        from .features import extract_features

        return extract_features(images, self.model, batch_size=self.batch_size, progress=progress)

    def probs(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (the domain classifiers only)."""
        if self.name not in CLASSIFIER_NETWORKS:
            raise ValueError(f"Class probabilities need a classifier network ({', '.join(CLASSIFIER_NETWORKS)}), "
                             f"not {self.name}.")
        from .classifier import classifier_probs

        return classifier_probs(images, self.model)


def classifier_network(dataset) -> str:
    """The classifier network that knows ``dataset``'s classes: ``fashion-classifier`` for ``fashion_mnist``,
    else ``mnist-classifier`` (digits, and arrays or folders of 28x28 images).

    Parameters
    ----------
    dataset : str or array
        A source (dataset name, folder, file, or an array of images).

    Returns
    -------
    str
        ``"fashion-classifier"`` or ``"mnist-classifier"``.
    """
    return (matching_classifier(dataset) if isinstance(dataset, str) else None) or "mnist-classifier"


def check_network_for_dataset(network: str, dataset) -> None:
    """Refuse a domain classifier on the other built-in dataset (its features would say nothing about it).

    Parameters
    ----------
    network : str
        The feature network (one of :data:`NETWORKS`).
    dataset : str or array
        The real source the network is to score.

    Raises
    ------
    ValueError
        If ``network`` is the classifier of one built-in dataset and ``dataset`` the other one; the message
        names the network to use instead.
    """
    mismatch = classifier_mismatch(network, dataset)
    if mismatch:
        raise ValueError(mismatch)


def _is_generator_dir(path: str) -> bool:
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "saved_model.pb"))


def generated_labels(source, n: int) -> np.ndarray | None:
    """Labels :func:`load_images` asks a conditional generator directory for: 0, 1, ..., K-1, 0, 1, ...

    None for any other source. Exports without metadata (older versions) are taken to have 10 classes.

    Parameters
    ----------
    source : str, PathLike or array
        A source as :func:`load_images` takes it.
    n : int
        Number of labels (images).

    Returns
    -------
    np.ndarray or None
        int32 ``(n,)`` labels ``i % num_classes`` for a conditional generator directory, else None.
    """
    if isinstance(source, np.ndarray) or not _is_generator_dir(os.fspath(source)):
        return None
    from ..export import read_generator_info

    info = read_generator_info(source)
    if info and not info.get("conditional"):
        return None
    if not info:
        import tensorflow as tf

        if len(tf.saved_model.load(os.fspath(source)).serve.input_signature) != 2:
            return None
    return (np.arange(n) % int(info.get("num_classes") or 10)).astype(np.int32)


def load_images(source, n: int, split: str = "train", seed: int = 0, data_dir: str | None = None,
                batch_size: int = 250, truncation: float | None = None) -> np.ndarray:
    """The first ``n`` images of a source (shuffled with ``seed`` alone: the same images whatever TensorFlow's
    global seed), float32 in [-1, 1]. For a generator, ``truncation=t`` draws its noise from the prior truncated
    to ``|z_i| <= t`` (the truncation trick).

    Parameters
    ----------
    source : str, PathLike or array
        A dataset name, image folder, ``.npz``/``.npy`` file, exported generator directory, or an array of
        images (uint8 or [-1, 1]).
    n : int
        Number of images.
    split : str
        Split of a dataset or ``.npz`` source (``tfgan_zoo.data.load``); ignored for generators and arrays.
    seed : int
        Seeds the shuffle of a dataset, or the noise of a generator; an array is taken in order.
    data_dir : str, optional
        Where TFDS datasets are stored (``tfgan_zoo.data.load``).
    batch_size : int
        Images read (or generated) per batch.
    truncation : float, optional
        Bound ``t`` on each ``|z_i|`` of a generator's noise; None draws from the whole prior.

    Returns
    -------
    np.ndarray
        ``(n, H, W, C)`` images in [-1, 1].

    Raises
    ------
    ValueError
        If the source has fewer than ``n`` images, or ``truncation`` is given for a source that is not a
        generator.
    """
    if truncation is not None and (isinstance(source, np.ndarray) or not _is_generator_dir(os.fspath(source))):
        what = "an array" if isinstance(source, np.ndarray) else repr(source)
        raise ValueError(f"truncation applies to the noise of a generator; {what} is not an exported generator "
                         "folder. Drop --truncation, or pass the generator/ folder of a run.")
    if isinstance(source, np.ndarray):
        from ..data.arrays import normalize_images

        x = normalize_images(source)
        x = x.astype(np.float32) / 127.5 - 1.0 if x.dtype == np.uint8 else x
        if len(x) < n:
            raise ValueError(f"The array has {len(x)} images, fewer than n={n}.")
        return x[:n]
    if _is_generator_dir(os.fspath(source)):
        from ..sampling import from_export

        sampler = from_export(source)
        rng = np.random.default_rng(seed)  # noise drawn in batch_size rows at a time, as it always was
        z = np.concatenate([sampler.noise(min(batch_size, n - s), rng, truncation) for s in range(0, n, batch_size)])
        return sampler.generate(z, labels=generated_labels(source, n), batch_size=batch_size)
    from .. import data

    # Pass 0 of the resumable stream: its shuffle is seeded by ``seed`` alone, so "the first n images" are the
    # same in every process, whether or not it has set TensorFlow's global seed (data.load's one-pass shuffle
    # combines the two).
    ds, size = data.open(source, data_dir).dataset(split, batch_size=batch_size, seed=int(seed),
                                                   drop_remainder=False, start_batch=0)
    if size < n:
        raise ValueError(f"{source} ({split}) has {size} images, fewer than n={n}; lower --n.")
    out = list(ds.take(-(-n // batch_size)).as_numpy_iterator())
    return np.concatenate(out)[:n]


def split_size(dataset: str, split: str = "train", data_dir: str | None = None) -> int:
    """The number of images in a split of a dataset source.

    Parameters
    ----------
    dataset : str
        A dataset name, folder or file (as :func:`tfgan_zoo.data.load` takes it).
    split : str
        The split.
    data_dir : str, optional
        Where TFDS datasets are stored.

    Returns
    -------
    int
        The split's number of images.
    """
    from .. import data

    return int(data.open(dataset, data_dir).dataset(split, batch_size=1, shuffle=False, drop_remainder=False)[1])


def stats_path(dataset: str, split: str, network: str, n: int, of: int | None = None, seed: int = 0) -> str:
    """Cache file of a dataset's reference statistics; the name spells out the protocol (for a classifier
    network, also the digest of its weights file, so that retrained weights never meet old statistics).
    Statistics of a subset (``n`` of the split's ``of`` images) depend on which images the shuffle
    ``seed`` picks, so their name also gives ``of`` and ``seed``.

    Parameters
    ----------
    dataset : str
        Dataset name (characters other than letters, digits, ``_``, ``.`` and ``-`` become ``_``).
    split : str
        The split the statistics were computed on.
    network : str
        The feature network (one of :data:`NETWORKS`).
    n : int
        Number of images.
    of : int, optional
        The split's number of images (:func:`split_size`); None or ``of <= n``: the whole split.
    seed : int
        The shuffle that picks a subset (part of the name only for a subset).

    Returns
    -------
    str
        ``$TFGAN_ZOO_CACHE/stats/<dataset>__<split>__<network>__<resize>__n<n>.npz`` for a whole split,
        ``...__n<n>of<of>s<seed>.npz`` for a subset (not created here).
    """
    resize = "native" if network in CLASSIFIER_NETWORKS else "299bilinear"
    if network in CLASSIFIER_NETWORKS:
        from .classifier import weights_digest

        resize += "__w" + weights_digest(CLASSIFIER_NETWORKS[network])
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", dataset).strip("_")
    count = f"n{n}" if of is None or of <= n else f"n{n}of{of}s{seed}"
    return cache_dir("stats", f"{safe}__{split}__{network}__{resize}__{count}.npz")


def reference_statistics(dataset: str, featurizer: Featurizer, n: int, split: str = "train",
                         data_dir: str | None = None, seed: int = 0,
                         features: np.ndarray | None = None) -> moments.Statistics:
    """Mean/covariance of a named dataset's features, computed once and cached by protocol.

    ``features`` (already extracted under the same protocol) avoids a second pass when given.

    Parameters
    ----------
    dataset : str
        A named dataset (built-in or TFDS).
    featurizer : Featurizer
        The feature network; its protocol is part of the statistics' protocol.
    n : int
        Number of images (the first ``n`` of the split shuffled with ``seed``, :func:`load_images`).
    split : str
        The dataset split.
    data_dir : str, optional
        Where TFDS datasets are stored.
    seed : int
        Seeds the shuffle of the dataset.
    features : np.ndarray, optional
        ``(n, d)`` features of those images, used instead of extracting them when no cache file exists.

    Returns
    -------
    moments.Statistics
        Mean, covariance, sample count and protocol, read back from the cache file
        (:func:`stats_path`; checked against the expected protocol).
    """
    of = split_size(dataset, split, data_dir)
    protocol = {**featurizer.protocol, "dataset": dataset, "split": split, "n": int(n), "seed": seed,
                **({"of": of} if of > n else {})}
    path = stats_path(dataset, split, featurizer.name, n, of, seed)
    if os.path.isfile(path):
        return moments.load_moments(path, expected_protocol=protocol)
    feats = features if features is not None else featurizer(load_images(dataset, n, split, seed, data_dir),
                                                             progress=True)
    rm = moments.RunningMoments.from_features(feats, protocol=protocol)
    moments.save_moments(path, rm.mean, rm.cov, rm.n, protocol)
    return moments.load_moments(path, expected_protocol=protocol)


def reference_features(dataset: str, featurizer: Featurizer, n: int, split: str = "train",
                       data_dir: str | None = None, seed: int = 0) -> np.ndarray:
    """The features of a named dataset's first ``n`` images of ``split``, computed once and cached beside
    :func:`reference_statistics`' file (``.npz`` with the protocol, read with ``allow_pickle=False``; a file
    of another protocol is recomputed).

    Parameters
    ----------
    dataset : str
        A named dataset (built-in or TFDS).
    featurizer : Featurizer
        The feature network.
    n : int
        Number of images.
    split : str
        The dataset split.
    data_dir : str, optional
        Where TFDS datasets are stored (part of the cached protocol).
    seed : int
        Seeds the shuffle of the dataset (part of the file name).

    Returns
    -------
    np.ndarray
        float32 ``(n, d)`` features (written to, or read from, the cache file).
    """
    import json

    from ..io import atomic_path

    of = split_size(dataset, split, data_dir)
    subset = {"of": of, "order": "stream pass 0"} if of > n else {}  # which images: only a subset's depends on it
    protocol = json.dumps({**featurizer.protocol, "dataset": dataset, "split": split, "n": int(n), "seed": seed,
                           "data_dir": data_dir, **subset}, sort_keys=True)
    path = stats_path(dataset, split, featurizer.name, n)[:-4] + f"__seed{seed}__features.npz"
    if os.path.isfile(path):
        with np.load(path, allow_pickle=False) as f:
            if str(f["protocol"]) == protocol and f["features"].shape[0] == n:
                return f["features"]
    feats = np.asarray(featurizer(load_images(dataset, n, split, seed, data_dir), progress=True), np.float32)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, features=feats, protocol=np.asarray(protocol))
    return feats


def _cacheable(source) -> bool:
    from .. import data

    return isinstance(source, str) and not _is_generator_dir(source) and \
        isinstance(data.open(source), (data.BuiltinSource, data.TFDSSource))  # named, unchanging sources


def evaluate(real, fake, network: str = "fid-inception", n: int = 10_000, metrics: Iterable[str] = ("fid",),
             real_split: str = "train", fake_split: str = "test", data_dir: str | None = None,
             featurizer: Featurizer | None = None, truncation: float | None = None) -> dict[str, Any]:
    """Compute the requested metrics between ``real`` and ``fake`` sources.

    Returns a dict with one entry per metric (``fid``; ``kid`` and ``kid_std``;
    ``classifier_score``, ``classifier_score_std`` and ``class_histogram`` of the fake
    images by the classifier of ``real``'s domain (:func:`classifier_network`; the feature network itself when
    it is a classifier), plus ``class_accuracy`` and ``class_accuracy_per_class`` when ``fake`` is a
    conditional generator) and ``protocol``: network, resize, n real, n fake, reference split (and
    ``truncation`` when the generator's noise was truncated to ``|z_i| <= truncation``).

    Parameters
    ----------
    real : str, PathLike or array
        The reference source (:func:`load_images`); a named dataset's statistics and features are cached.
    fake : str, PathLike or array
        The source to score, typically an exported generator directory.
    network : str
        Feature network for FID and KID, one of :data:`NETWORKS` (ignored when ``featurizer`` is given).
    n : int
        Number of images taken from each source.
    metrics : iterable of str
        Any of :data:`METRICS`: ``"fid"``, ``"kid"``, ``"classifier"``.
    real_split, fake_split : str
        Dataset splits of ``real`` and ``fake`` (``fake_split`` is not used for generators or arrays).
    data_dir : str, optional
        Where TFDS datasets are stored.
    featurizer : Featurizer, optional
        A ready feature network, reused instead of loading ``network`` again.
    truncation : float, optional
        Truncate a generator's noise to ``|z_i| <= truncation`` (``fake`` must be a generator directory).

    Returns
    -------
    dict
        The metrics and ``protocol`` as described above.

    Raises
    ------
    ValueError
        For an unknown metric, a classifier network of the other dataset, or sources with fewer than ``n``
        images.
    """
    metrics = list(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"Unknown metric(s) {unknown}. Valid metrics: {', '.join(METRICS)}.")
    check_network_for_dataset(featurizer.name if featurizer is not None else network, real)
    f = featurizer or Featurizer(network)
    out: dict[str, Any] = {}
    fake_images = load_images(fake, n, fake_split, seed=1, data_dir=data_dir, truncation=truncation)
    fake_feats = f(fake_images, progress=True) if ("fid" in metrics or "kid" in metrics) else None
    cacheable = _cacheable(real)
    real_feats = None
    if "kid" in metrics and cacheable:  # KID needs the features themselves: cached beside the statistics
        real_feats = reference_features(real, f, n, real_split, data_dir)
    elif "kid" in metrics or ("fid" in metrics and not cacheable):  # one pass over the real images at most
        real_feats = f(load_images(real, n, real_split, 0, data_dir), progress=True)
    if "fid" in metrics:
        if cacheable:
            ref = reference_statistics(real, f, n, real_split, data_dir, features=real_feats)
            mu, sigma = ref.mu, ref.sigma
        else:
            moments.warn_if_singular(len(real_feats), real_feats.shape[1], "real features")
            mu, sigma = real_feats.mean(0), np.cov(real_feats, rowvar=False)
        moments.warn_if_singular(len(fake_feats), fake_feats.shape[1], "generated features")
        out["fid"] = float(frechet.frechet_distance(mu, sigma, fake_feats.mean(0), np.cov(fake_feats, rowvar=False)))
    if "kid" in metrics:
        out["kid"], out["kid_std"] = (float(v) for v in kid.kernel_inception_distance(
            real_feats, fake_feats, subset_size=kid.kid_subset_size(n)))
    if "classifier" in metrics:
        from .class_stats import class_accuracy, class_histogram, classifier_score

        probs = f.probs(fake_images) if f.name in CLASSIFIER_NETWORKS else Featurizer(
            classifier_network(real)).probs(fake_images)
        out["classifier_score"], out["classifier_score_std"] = (float(v) for v in classifier_score(probs, splits=10))
        out["class_histogram"] = class_histogram(probs, 10).tolist()
        asked = generated_labels(fake, n)
        if asked is not None:  # a conditional generator: does the classifier see the class it was asked for?
            out.update(class_accuracy(probs, asked))
    out["protocol"] = {**f.protocol, "n_real": int(n), "n_fake": int(n), "reference_split": real_split,
                       "fake_split": None if isinstance(fake, np.ndarray) or _is_generator_dir(os.fspath(fake))
                       else fake_split,
                       "real": real if isinstance(real, str) else "array",
                       "fake": fake if isinstance(fake, str) else "array"}
    if truncation is not None:
        out["protocol"]["truncation"] = float(truncation)
    return out
