"""FID during training: :class:`FIDCallback` adds ``fid`` to the epoch logs."""

from __future__ import annotations

import keras
import numpy as np

from ..priors import sample_numpy
from .base import _prior


class FIDCallback(keras.callbacks.Callback):
    """Add ``fid`` (generated vs real) to the epoch logs every ``every_n_epochs`` epochs.

    Place it before :class:`HistoryCSV` so the CSV gets the column. The real
    statistics are computed once and cached by protocol
    (:func:`tfgan_zoo.metrics.evaluate.reference_statistics`); generated images
    come from ``model.generate`` (the EMA generator when on; conditional models
    cycle through the labels), ``n_samples`` of them, with a progress bar.

    Parameters
    ----------
    real : str
        Dataset name of the real images (``"mnist"``, ``"fashion_mnist"``, a TFDS name).
    network : {"fid-inception", "keras-imagenet", "mnist-classifier", "fashion-classifier"}
        ``fid-inception`` is the standard FID; ``mnist-classifier`` and ``fashion-classifier``
        are fast, each meaningful for its own dataset only (the other built-in dataset is refused).
    verbose : int
        1 shows a progress bar while generating and embedding, 0 none.
    kid : bool
        Also add ``kid`` (:func:`tfgan_zoo.metrics.kid.kernel_inception_distance` of the same features,
        subsets of ``min(1000, n_samples)``; the real features are cached).
    every_n_epochs : int
        Evaluate after every epoch whose number (counted from 1) is a multiple of this, at least 1.
    n_samples : int
        Generated images per evaluation, at least 2; the real statistics are taken from as many images
        of ``real``.
    split : str
        Split of ``real`` the real images come from (``"train"``, ``"test"``).
    batch_size : int
        Images generated (and embedded) per call.
    seed : int
        Seed of the noise, drawn again from it at each evaluation (the same latent points every time), and
        of the KID subsets.
    data_dir : str, optional
        Where the real dataset's files are (as for :func:`tfgan_zoo.data.load`); None: the default place.

    Raises
    ------
    ValueError
        If ``every_n_epochs`` is below 1, ``n_samples`` below 2, or ``network`` does not fit ``real``.
    """

    def __init__(self, every_n_epochs: int = 1, n_samples: int = 2000, real: str = "mnist",
                 network: str = "fid-inception", split: str = "train", batch_size: int = 100, seed: int = 0,
                 data_dir: str | None = None, verbose: int = 1, kid: bool = False) -> None:
        super().__init__()
        if every_n_epochs < 1 or n_samples < 2:
            raise ValueError("every_n_epochs must be >= 1 and n_samples >= 2.")
        from ..metrics.evaluate import check_network_for_dataset

        check_network_for_dataset(network, real)
        self.every_n_epochs, self.n_samples, self.real, self.network = every_n_epochs, n_samples, real, network
        self.split, self.batch_size, self.seed, self.data_dir = split, batch_size, seed, data_dir
        self.featurizer = None
        self.reference = None
        self.verbose = verbose
        self.kid = bool(kid)
        self.real_features = None
        self.last_kid: float | None = None
        self.history: list[tuple[int, float]] = []

    def compute(self) -> float:
        """FID of ``n_samples`` generated images against the real statistics (and, with ``kid``, the KID in
        ``last_kid``).

        Returns
        -------
        float
            The FID: the Fréchet distance between Gaussians fitted to the generated and the real features.
        """
        from ..metrics import evaluate, frechet

        if self.featurizer is None:
            self.featurizer = evaluate.Featurizer(self.network)
            if self.kid:  # the features first: the statistics are then taken from them, not from a second pass
                self.real_features = evaluate.reference_features(self.real, self.featurizer, self.n_samples,
                                                                 self.split, self.data_dir)
            self.reference = evaluate.reference_statistics(self.real, self.featurizer, self.n_samples, self.split,
                                                           self.data_dir, features=self.real_features)
        rng = np.random.default_rng(self.seed)
        bar = keras.utils.Progbar(self.n_samples, unit_name="image", verbose=self.verbose)
        feats = []
        for start in range(0, self.n_samples, self.batch_size):
            k = min(self.batch_size, self.n_samples - start)
            z = sample_numpy(_prior(self.model), rng, (k, self.model.latent_dim))
            cond = getattr(self.model, "conditioning", None)
            labels = ((np.arange(k) + start) % cond.num_classes).astype(np.int32) if (
                cond is not None and cond.needs_labels) else None
            feats.append(self.featurizer(np.asarray(self.model.generate(z, labels=labels))))
            bar.add(k)
        f = np.concatenate(feats)
        if self.kid:
            from ..metrics.kid import kernel_inception_distance, kid_subset_size

            size = kid_subset_size(min(len(f), len(self.real_features)))
            self.last_kid = kernel_inception_distance(self.real_features, f, subset_size=size, seed=self.seed)[0]
        return float(frechet.frechet_distance(self.reference.mu, self.reference.sigma, f.mean(0),
                                              np.cov(f, rowvar=False)))

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs:
            return
        fid = self.compute()
        self.history.append((epoch + 1, fid))
        if logs is not None:
            logs["fid"] = fid
            if self.kid:
                logs["kid"] = float(self.last_kid)
