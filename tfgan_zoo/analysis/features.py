"""What the discriminator sees: its layer activations for real and generated images.

:func:`analyze` takes a discriminator (or a GAN), ``N`` real and ``N`` generated images, and for
every hidden layer (each activation layer, plus the logit):

* embeds the activations in 2-D with PCA (:func:`pca`, NumPy SVD) and optionally t-SNE
  (scikit-learn, the ``analysis`` extra), scatter PNGs with real and fake in two colours;
* measures how separable real and fake are there with a **linear probe** (:func:`linear_probe`):
  an L2-regularised logistic regression on standardised activations, its accuracy on held-out
  folds (k-fold cross-validation). About 50% means a linear read-out of that layer cannot tell
  real from generated; about 100% means the two sit apart.

In a balanced GAN the generator keeps pace and the probe stays well below 100% in most layers;
a discriminator that overpowers its generator separates them early and completely.

The probe's loss, for standardised features ``x_i`` with labels ``y_i`` in {0, 1} (1 = real):

.. math:: \\min_{w, b} \\frac1n \\sum_i \\operatorname{softplus}(-s_i (w \\cdot x_i + b))
          + \\frac{\\lambda}{2} \\lVert w \\rVert^2, \\quad s_i = 2 y_i - 1,

with ``lambda = 1 / n`` by default (scikit-learn's ``C = 1``), solved with L-BFGS (SciPy).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Sequence

import numpy as np

from ..images import pyplot, save_figure

ACTIVATION_LAYERS = ("LeakyReLU", "ReLU", "Activation", "ELU", "PReLU", "Maxout")


def _one_thread():
    """BLAS and OpenMP on one thread for the small dense problems here (SVD, L-BFGS, t-SNE).

    With a second busy process (a training run, a pytest-xdist worker) multithreaded OpenBLAS and
    OpenMP spin-wait on each other: measured on 2 cores, t-SNE of 80 points took 44 s with 2
    threads and 0.36 s with 1. Needs ``threadpoolctl`` (a scikit-learn dependency); a no-op without it.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1)


def _discriminator(model: Any):
    import keras

    d = getattr(model, "discriminator", model)
    if not isinstance(d, keras.Model):
        raise ValueError(f"Expected a discriminator keras.Model or a tfgan_zoo GAN, got {type(model).__name__}.")
    return d


def default_layers(discriminator: Any) -> list[str]:
    """The layers :func:`activations` reads by default: every activation layer, then the output layer.

    Parameters
    ----------
    discriminator : keras.Model or GAN
        A discriminator, or a tfgan_zoo GAN (its ``discriminator`` is used).

    Returns
    -------
    list of str
        Layer names, in the model's order, the output layer last.

    Examples
    --------
    >>> import keras
    >>> from tfgan_zoo.analysis.features import default_layers
    >>> d = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(name="flat"),
    ...                       keras.layers.Dense(8, name="hidden"), keras.layers.LeakyReLU(name="act"),
    ...                       keras.layers.Dense(1, name="logit")])
    >>> default_layers(d)
    ['act', 'logit']
    """
    d = _discriminator(discriminator)
    names = [layer.name for layer in d.layers if type(layer).__name__ in ACTIVATION_LAYERS]
    out = d.layers[-1].name
    if out not in names:
        names.append(out)
    return names


def activations(discriminator: Any, images: np.ndarray, layers: Sequence[str] | None = None,
                labels: np.ndarray | None = None, batch_size: int = 250) -> dict[str, np.ndarray]:
    """Activations of ``layers`` (default :func:`default_layers`) for ``images``, flattened to ``(N, D)``.

    ``labels`` are required by (and only by) conditional discriminators (inputs ``[x, label]``).
    Inference mode (``training=False``).

    Parameters
    ----------
    discriminator : keras.Model or GAN
        A discriminator, or a tfgan_zoo GAN (its ``discriminator`` is used).
    images : numpy.ndarray
        Images of the discriminator's input shape, ``(N, h, w, c)``.
    layers : sequence of str, optional
        Names of the layers to read; None reads :func:`default_layers`.
    labels : numpy.ndarray, optional
        One integer class per image, for a conditional discriminator only.
    batch_size : int
        Images per forward pass.

    Returns
    -------
    dict of str to numpy.ndarray
        Layer name to its float32 activations, ``(N, D)``, in the order of ``layers``.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from tfgan_zoo.analysis.features import activations
    >>> d = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(3, 3, padding="same", name="conv"),
    ...                       keras.layers.LeakyReLU(name="act"), keras.layers.Flatten(name="flat"),
    ...                       keras.layers.Dense(1, name="logit")])
    >>> acts = activations(d, np.zeros((5, 4, 4, 1), np.float32))
    >>> {name: a.shape for name, a in acts.items()}
    {'act': (5, 48), 'logit': (5, 1)}
    >>> activations(d, np.zeros((5, 4, 4, 1), np.float32), layers=["conv"])["conv"].shape
    (5, 48)
    """
    import keras

    d = _discriminator(discriminator)
    names = list(default_layers(d) if layers is None else layers)
    known = {layer.name for layer in d.layers}
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"The discriminator has no layer(s) {missing}; its layers are {sorted(known)}.")
    conditional = len(d.inputs) == 2
    if conditional and labels is None:
        raise ValueError("This discriminator is conditional (inputs [x, label]): pass labels, one per image.")
    if not conditional and labels is not None:
        raise ValueError("labels were given but the discriminator takes images only; drop them.")
    probe = keras.Model(d.inputs, [d.get_layer(n).output for n in names])
    x = np.asarray(images, np.float32)
    want = tuple(d.inputs[0].shape[1:])
    if x.shape[1:] != want:
        raise ValueError(f"The discriminator takes images of shape {want}, got {x.shape[1:]}.")
    chunks: list[list[np.ndarray]] = [[] for _ in names]
    for s in range(0, len(x), batch_size):
        inputs = [x[s:s + batch_size]] + ([np.asarray(labels[s:s + batch_size], np.int32)] if conditional else [])
        outs = probe(inputs, training=False)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for c, o in zip(chunks, outs):
            c.append(np.asarray(o, np.float32).reshape(len(o), -1))
    return {n: np.concatenate(c) for n, c in zip(names, chunks)}


def pca(x: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Project the rows of ``x`` on their top ``k`` principal components (NumPy SVD).

    Returns ``(coords (N, k), explained_variance_ratio (k,))``; component signs are fixed so
    each component's largest-magnitude loading is positive (deterministic output).

    Parameters
    ----------
    x : numpy.ndarray
        Data, ``(N, D)``.
    k : int
        Number of components (capped at ``min(N, D)``).

    Returns
    -------
    tuple of numpy.ndarray
        The float32 coordinates ``(N, k)`` and the explained variance ratio of each component ``(k,)``.

    Examples
    --------
    Points on the line ``y = 2 x``: the first component carries all the variance, along
    ``(1, 2) / sqrt(5)`` (its loadings positive), so the coordinates are ``sqrt(5) (x - mean(x))``:

    >>> import numpy as np
    >>> from tfgan_zoo.analysis.features import pca
    >>> x = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    >>> coords, ratio = pca(x, k=2)
    >>> coords.shape, np.round(ratio, 6).tolist()
    ((4, 2), [1.0, 0.0])
    >>> [round(float(v), 3) for v in coords[:, 0]]
    [-3.354, -1.118, 1.118, 3.354]
    """
    x = np.asarray(x, np.float64)
    xc = x - x.mean(0)
    _, s, vt = np.linalg.svd(xc, full_matrices=False)
    k = min(int(k), vt.shape[0])
    v = vt[:k]
    v *= np.sign(v[np.arange(k), np.abs(v).argmax(1)])[:, None]
    var = s ** 2
    ratio = var[:k] / var.sum() if var.sum() > 0 else np.zeros(k)
    return (xc @ v.T).astype(np.float32), ratio


def tsne(x: np.ndarray, seed: int = 0, perplexity: float = 30.0, pca_dims: int = 50) -> np.ndarray:
    """2-D t-SNE of the rows of ``x`` (scikit-learn), after PCA to ``pca_dims`` (the usual speed-up).

    Parameters
    ----------
    x : numpy.ndarray
        Data, ``(N, D)``.
    seed : int
        Random state of the t-SNE.
    perplexity : float
        t-SNE's perplexity, lowered to ``(N - 1) / 3`` for few points.
    pca_dims : int
        Data of more than this many columns is first reduced to that many with :func:`pca`.

    Returns
    -------
    numpy.ndarray
        float32 coordinates, ``(N, 2)``.
    """
    try:
        from sklearn.manifold import TSNE
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("t-SNE needs scikit-learn: pip install 'tfgan_zoo[analysis]' (or scikit-learn); "
                          "PCA works without it (method='pca').") from e
    x = np.asarray(x, np.float64)
    if x.shape[1] > pca_dims:
        x = pca(x, pca_dims)[0].astype(np.float64)
    perplexity = min(float(perplexity), (len(x) - 1) / 3.0)
    return TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x).astype(np.float32)


def _fit_logistic(x: np.ndarray, s: np.ndarray, lam: float) -> np.ndarray:
    from scipy.optimize import minimize

    n, d = x.shape

    def f(wb):
        w, b = wb[:d], wb[d]
        m = s * (x @ w + b)
        loss = np.logaddexp(0.0, -m).mean() + 0.5 * lam * w @ w
        g = -s * np.exp(-np.logaddexp(0.0, m)) / n  # d/dm softplus(-m) = -sigmoid(-m)
        return loss, np.concatenate([x.T @ g + lam * w, [g.sum()]])

    return minimize(f, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x


def linear_probe(real: np.ndarray, fake: np.ndarray, folds: int = 5, lam: float | None = None,
                 seed: int = 0) -> tuple[float, float]:
    """Held-out accuracy of a logistic regression telling ``real`` from ``fake`` rows (module docstring).

    ``folds``-fold cross-validation over the shuffled union (each fold keeps the two classes in
    proportion); standardisation is fitted on the training folds only. Returns
    ``(mean accuracy, standard deviation over folds)``. Chance is the share of the larger class
    (0.5 for equal counts).

    Parameters
    ----------
    real, fake : numpy.ndarray
        Features of the two classes, one row per sample (flattened to ``(n, D)``), the same ``D`` for both.
    folds : int
        Folds of the cross-validation (at most the size of the smaller class).
    lam : float, optional
        L2 weight ``lambda`` of the probe; None uses ``1 / n`` (``n``: training rows of the fold).
    seed : int
        Seed of the shuffle that assigns the folds.

    Returns
    -------
    tuple of float
        The mean held-out accuracy and its standard deviation over the folds.

    Examples
    --------
    Two samples of one distribution stay near chance; shifting one by 3 standard deviations
    along one axis makes them linearly separable up to the overlap (the best accuracy is
    ``Phi(1.5) = 0.933``):

    >>> import numpy as np
    >>> from tfgan_zoo.analysis.features import linear_probe
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.normal(size=(100, 5)), rng.normal(size=(100, 5))
    >>> accuracy, std = linear_probe(real, fake)
    >>> 0.3 < accuracy < 0.65
    True
    >>> accuracy, std = linear_probe(real, fake + [3.0, 0.0, 0.0, 0.0, 0.0])
    >>> 0.85 < accuracy <= 1.0
    True
    """
    real, fake = np.asarray(real, np.float64).reshape(len(real), -1), np.asarray(fake, np.float64).reshape(
        len(fake), -1)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake features differ in size: {real.shape[1]} vs {fake.shape[1]}.")
    if min(len(real), len(fake)) < folds:
        raise ValueError(f"Need at least folds={folds} rows of each class, got {len(real)} real and {len(fake)} fake.")
    x = np.concatenate([real, fake])
    s = np.concatenate([np.ones(len(real)), -np.ones(len(fake))])
    rng = np.random.default_rng(seed)
    fold = np.empty(len(x), int)
    for cls in (1.0, -1.0):  # stratified
        idx = np.flatnonzero(s == cls)
        fold[rng.permutation(idx)] = np.arange(len(idx)) % folds
    accs = []
    for k in range(folds):
        tr, te = fold != k, fold == k
        mu, sd = x[tr].mean(0), x[tr].std(0)
        sd[sd == 0] = 1.0
        xtr, xte = (x[tr] - mu) / sd, (x[te] - mu) / sd
        wb = _fit_logistic(xtr, s[tr], 1.0 / tr.sum() if lam is None else float(lam))
        pred = np.where(xte @ wb[:-1] + wb[-1] >= 0, 1.0, -1.0)
        accs.append(float((pred == s[te]).mean()))
    return float(np.mean(accs)), float(np.std(accs))


@dataclasses.dataclass
class LayerReport:
    """One layer: its size, the probe's held-out accuracy (± std over folds) and the 2-D embeddings.

    ``embeddings`` maps a method (``pca``, ``tsne``) to ``(2N, 2)`` coordinates, real rows first
    (a one-unit layer, the logit, is drawn as its value against a random vertical jitter).

    Parameters
    ----------
    layer : str
        The layer's name.
    dim : int
        Size of its flattened activations.
    probe_accuracy, probe_std : float
        The linear probe's mean held-out accuracy and its standard deviation over folds (:func:`linear_probe`).
    embeddings : dict of str to numpy.ndarray
        Method name to ``(2N, 2)`` coordinates, real rows first.
    pca_explained : list of float
        Explained variance ratio of the first two principal components.
    """

    layer: str
    dim: int
    probe_accuracy: float
    probe_std: float
    embeddings: dict[str, np.ndarray]
    pca_explained: list[float]

    def summary(self) -> dict[str, Any]:
        return {"layer": self.layer, "dim": self.dim, "probe_accuracy": round(self.probe_accuracy, 4),
                "probe_std": round(self.probe_std, 4), "pca_explained": [round(v, 4) for v in self.pca_explained]}


def analyze(discriminator: Any, real: np.ndarray, fake: np.ndarray, layers: Sequence[str] | None = None,
            methods: Sequence[str] = ("pca",), real_labels: np.ndarray | None = None,
            fake_labels: np.ndarray | None = None, folds: int = 5, seed: int = 0,
            path: str | os.PathLike | None = None, title: str | None = None) -> list[LayerReport]:
    """Per-layer probe accuracy and embeddings of real vs fake activations; one PNG when ``path`` is given.

    The PNG has one column per layer and one row per method, real in blue and fake in orange, and
    the probe accuracy in each column's title.

    Parameters
    ----------
    discriminator : keras.Model or GAN
        A discriminator, or a tfgan_zoo GAN (its ``discriminator`` is used).
    real, fake : numpy.ndarray
        As many real as generated images, of the discriminator's input shape.
    layers : sequence of str, optional
        Names of the layers to analyse; None: :func:`default_layers`.
    methods : sequence of str
        Embeddings to compute, ``"pca"`` and/or ``"tsne"``.
    real_labels, fake_labels : numpy.ndarray, optional
        One integer class per image, for a conditional discriminator only.
    folds : int
        Folds of the linear probe's cross-validation.
    seed : int
        Seed of the folds, the t-SNE and the logit's jitter.
    path : str or os.PathLike, optional
        Where to save the PNG (:func:`plot`); None saves nothing.
    title : str, optional
        Title of the PNG.

    Returns
    -------
    list of LayerReport
        One report per layer, in the order of ``layers``.
    """
    for m in methods:
        if m not in ("pca", "tsne"):
            raise ValueError(f"Unknown embedding method {m!r}; use 'pca' and/or 'tsne'.")
    if len(real) != len(fake):
        raise ValueError(f"Give as many real as fake images (got {len(real)} and {len(fake)}): the probe's chance "
                         "level is then 50%.")
    fr = activations(discriminator, real, layers, real_labels)
    ff = activations(discriminator, fake, layers, fake_labels)
    with _one_thread():
        reports = _reports(fr, ff, methods, folds, seed)
    if path is not None:
        plot(reports, len(real), path, title)
    return reports


def _reports(fr: dict[str, np.ndarray], ff: dict[str, np.ndarray], methods: Sequence[str], folds: int,
             seed: int) -> list[LayerReport]:
    reports = []
    for name in fr:
        acc, sd = linear_probe(fr[name], ff[name], folds=folds, seed=seed)
        both = np.concatenate([fr[name], ff[name]])
        coords, ratio = pca(both, 2)
        if both.shape[1] == 1:  # a logit: its value against a random jitter, for every method
            coords = np.column_stack([both[:, 0], np.random.default_rng(seed).uniform(-1, 1, len(both))])
            emb = {m: coords for m in methods}
        else:
            emb = {"pca": coords}
            if "tsne" in methods:
                emb["tsne"] = tsne(both, seed=seed)
            emb = {m: emb[m] for m in methods}
        reports.append(LayerReport(name, int(both.shape[1]), acc, sd, emb, ratio.tolist()))
    return reports


def plot(reports: Sequence[LayerReport], n_real: int, path: str | os.PathLike, title: str | None = None) -> str:
    """Scatter the embeddings of :func:`analyze`'s reports (rows: methods, columns: layers) to a PNG.

    Parameters
    ----------
    reports : sequence of LayerReport
        Reports of :func:`analyze`, all with the same embedding methods.
    n_real : int
        Number of real rows, which come first in each embedding.
    path : str or os.PathLike
        Where to save the PNG.
    title : str, optional
        Title of the figure; None: no title.

    Returns
    -------
    str
        The path of the saved PNG.
    """
    plt = pyplot()

    methods = list(reports[0].embeddings)
    fig, axes = plt.subplots(len(methods), len(reports), figsize=(2.6 * len(reports), 2.6 * len(methods)),
                             squeeze=False)
    for j, r in enumerate(reports):
        for i, m in enumerate(methods):
            ax = axes[i, j]
            c = r.embeddings[m]
            ax.scatter(c[:n_real, 0], c[:n_real, 1], s=3, alpha=0.5, color="tab:blue", label="real")
            ax.scatter(c[n_real:, 0], c[n_real:, 1], s=3, alpha=0.5, color="tab:orange", label="generated")
            ax.set_xticks([])
            ax.set_yticks([])
            if i == 0:
                ax.set_title(f"{r.layer}\nprobe {r.probe_accuracy:.0%}", fontsize=8)
            if j == 0:
                ax.set_ylabel(m.upper(), fontsize=8)
    axes[0, 0].legend(fontsize=6, loc="best", markerscale=3)
    if title:
        fig.suptitle(title, fontsize=9)
    return save_figure(fig, path)
