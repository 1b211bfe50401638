"""2-D Gaussian mixtures and the mode-collapse metrics of PacGAN (Lin et al., 2018).

The two mixtures of the mode-collapse literature (VEEGAN, PacGAN), every mode equally likely:

* ``ring``: 8 modes at angles ``2 pi k / 8`` (k = 0..7) on the unit circle, sigma = 0.01.
  (``linspace(0, 2 pi, 8)`` would give 7 distinct centres: its last angle is 2 pi.)
* ``grid``: 25 modes at ``{-4, -2, 0, 2, 4}^2``, sigma = 0.05.

Metrics (:func:`mode_metrics`, PacGAN's protocol: 2,500 samples):

* a sample is **high quality** when its Euclidean distance to the nearest mode is below
  ``3 sigma``; ``high_quality`` is their fraction. For an exact sampler it is
  ``P(chi^2_2 < 9) = 1 - exp(-9/2) = 0.98889`` (the squared distance over sigma^2 of a 2-D
  isotropic Gaussian is chi-square with 2 degrees of freedom);
* a mode is **covered** when at least one high-quality sample is nearest to it; ``modes`` counts them;
* ``reverse_kl`` is ``KL(q || u) = sum_i q_i log(q_i K)`` in nats, where ``q`` is the histogram of
  the high-quality samples over the K modes (normalised) and ``u`` the uniform distribution.
  0 for a perfectly balanced sampler, ``log K`` when everything lands on one mode. An exact
  sampler of n high-quality samples scores about ``(K - 1) / (2 n)`` from multinomial noise
  (0.0014 for the ring at n = 2,472). Undefined (NaN) without any high-quality sample.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from typing import Any, Sequence

import numpy as np

from ..images import pyplot, save_figure

#: PacGAN's number of samples per evaluation.
N_EVAL = 2500
#: A sample within this many standard deviations of its nearest mode is high quality.
THRESHOLD_SIGMAS = 3.0


@dataclasses.dataclass(frozen=True)
class Mixture:
    """An equally weighted mixture of isotropic 2-D Gaussians (``centers``: ``(K, 2)``, common ``std``).

    Parameters
    ----------
    name : str
        The mixture's name (``"ring"``, ``"grid"``), used in titles.
    centers : numpy.ndarray
        The modes' means, ``(K, 2)``.
    std : float
        The standard deviation of every mode, in both coordinates.
    """

    name: str
    centers: np.ndarray
    std: float

    @property
    def num_modes(self) -> int:
        return int(self.centers.shape[0])

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` float32 samples of shape ``(n, 2)``: a uniformly chosen mode plus ``std`` Gaussian noise.

        Examples
        --------
        >>> import numpy as np
        >>> from tfgan_zoo.analysis.toy import ring
        >>> x = ring().sample(1000, seed=0)
        >>> x.shape, x.dtype.name
        ((1000, 2), 'float32')
        >>> bool(np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=0.05))  # all near the unit circle
        True
        >>> np.array_equal(x, ring().sample(1000, seed=0))
        True
        """
        if int(n) < 1:
            raise ValueError(f"n must be >= 1, got {n}.")
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=int(n))
        return (self.centers[modes] + self.std * rng.standard_normal((int(n), 2))).astype(np.float32)


def ring(num_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> Mixture:
    """``num_modes`` Gaussians at angles ``2 pi k / num_modes`` on a circle of ``radius``.

    Parameters
    ----------
    num_modes : int
        Number of modes (>= 2).
    radius : float
        Radius of the circle (> 0).
    std : float
        Standard deviation of every mode (> 0).

    Returns
    -------
    Mixture
        The mixture named ``"ring"``, its first mode at angle 0.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo.analysis.toy import ring
    >>> r = ring()
    >>> r.num_modes, r.std
    (8, 0.01)
    >>> np.round(r.centers[:3], 4).tolist()
    [[1.0, 0.0], [0.7071, 0.7071], [0.0, 1.0]]
    >>> np.round(np.linalg.norm(ring(num_modes=4, radius=2.0).centers, axis=1), 6).tolist()
    [2.0, 2.0, 2.0, 2.0]
    """
    if int(num_modes) < 2 or not radius > 0 or not std > 0:
        raise ValueError(f"ring needs num_modes >= 2, radius > 0 and std > 0; got {num_modes}, {radius}, {std}.")
    angles = 2 * np.pi * np.arange(int(num_modes)) / int(num_modes)
    return Mixture("ring", radius * np.stack([np.cos(angles), np.sin(angles)], axis=1), float(std))


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """``side x side`` Gaussians at ``spacing * ({0..side-1} - (side-1)/2)`` in both coordinates.

    Parameters
    ----------
    side : int
        Modes along each axis (>= 1).
    spacing : float
        Distance between neighbouring modes (> 0).
    std : float
        Standard deviation of every mode (> 0).

    Returns
    -------
    Mixture
        The mixture named ``"grid"``, centred on the origin.

    Examples
    --------
    >>> from tfgan_zoo.analysis.toy import grid
    >>> g = grid()
    >>> g.num_modes, g.std, g.centers[0].tolist(), g.centers[-1].tolist()
    (25, 0.05, [-4.0, -4.0], [4.0, 4.0])
    >>> grid(side=2, spacing=1.0).centers.tolist()
    [[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]]
    """
    if int(side) < 1 or not spacing > 0 or not std > 0:
        raise ValueError(f"grid needs side >= 1, spacing > 0 and std > 0; got {side}, {spacing}, {std}.")
    axis = spacing * (np.arange(int(side)) - (int(side) - 1) / 2)
    xx, yy = np.meshgrid(axis, axis, indexing="ij")
    return Mixture("grid", np.stack([xx.ravel(), yy.ravel()], axis=1), float(std))


MIXTURES = {"ring": ring, "grid": grid}


def get(name: str) -> Mixture:
    """The mixture called ``name`` (``"ring"`` or ``"grid"``) with PacGAN's parameters.

    Parameters
    ----------
    name : {"ring", "grid"}
        The mixture's name.

    Returns
    -------
    Mixture
        :func:`ring` or :func:`grid` with their default parameters.

    Examples
    --------
    >>> from tfgan_zoo.analysis import toy
    >>> [(m.name, m.num_modes, m.std) for m in (toy.get("ring"), toy.get("grid"))]
    [('ring', 8, 0.01), ('grid', 25, 0.05)]
    """
    if name not in MIXTURES:
        raise ValueError(f"Unknown mixture {name!r}; use one of {', '.join(MIXTURES)}.")
    return MIXTURES[name]()


def mode_metrics(samples: Any, mixture: Mixture, threshold: float = THRESHOLD_SIGMAS) -> dict[str, Any]:
    """PacGAN's mode metrics of ``samples`` (``(n, 2)``) against ``mixture`` (module docstring).

    Returns ``{"modes", "high_quality", "reverse_kl", "counts", "n"}``: covered modes, the
    fraction of high-quality samples, ``KL(q || uniform)`` in nats (NaN without high-quality
    samples), the per-mode counts of high-quality samples and the number of samples.

    Parameters
    ----------
    samples : array_like
        Samples, ``(n, 2)`` with ``n >= 1``, all finite.
    mixture : Mixture
        The mixture the samples should follow.
    threshold : float
        A sample is high quality within this many ``mixture.std`` of its nearest mode.

    Returns
    -------
    dict
        ``modes`` (int), ``high_quality`` (float), ``reverse_kl`` (float), ``counts`` (list of int, one per
        mode) and ``n`` (int).

    Examples
    --------
    An exact sampler covers every mode with about 98.9% high-quality samples and a reverse KL
    of about ``(K - 1) / (2 n)``; a sampler collapsed onto one mode scores ``log K``:

    >>> import math
    >>> import numpy as np
    >>> from tfgan_zoo.analysis.toy import mode_metrics, ring
    >>> r = ring()
    >>> m = mode_metrics(r.sample(2500, seed=0), r)
    >>> m["modes"], round(m["high_quality"], 3), round(m["reverse_kl"], 4), m["n"]
    (8, 0.992, 0.0016, 2500)
    >>> collapsed = mode_metrics(np.repeat(r.centers[:1], 100, axis=0), r)
    >>> collapsed["modes"], collapsed["counts"], round(collapsed["reverse_kl"], 6) == round(math.log(8), 6)
    (1, [100, 0, 0, 0, 0, 0, 0, 0], True)
    >>> mode_metrics(np.full((5, 2), 10.0), r)["reverse_kl"]  # no high-quality sample
    nan
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or x.shape[0] < 1:
        raise ValueError(f"samples must have shape (n, 2) with n >= 1, got {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"samples contain {int(np.sum(~np.isfinite(x)))} non-finite values (NaN/inf): the "
                         "generator has diverged; evaluate an earlier checkpoint.")
    d2 = np.sum((x[:, None, :] - mixture.centers[None, :, :]) ** 2, axis=-1)  # (n, K)
    nearest = np.argmin(d2, axis=1)
    good = np.sqrt(d2[np.arange(len(x)), nearest]) < threshold * mixture.std
    counts = np.bincount(nearest[good], minlength=mixture.num_modes)
    total = int(counts.sum())
    if total:
        q = counts[counts > 0] / total
        kl = float(np.sum(q * np.log(q * mixture.num_modes)))
    else:
        kl = math.nan
    return {"modes": int(np.count_nonzero(counts)), "high_quality": total / len(x), "reverse_kl": kl,
            "counts": counts.tolist(), "n": int(len(x))}


def dataset(mixture: Mixture, batch_size: int, seed: int = 0, steps: int | None = None):
    """A ``tf.data.Dataset`` of ``(batch_size, 2)`` float32 batches drawn from ``mixture`` for ``model.fit``.

    Infinite unless ``steps`` is given; batch ``i`` depends on ``seed`` and ``i`` only.

    Parameters
    ----------
    mixture : Mixture
        The mixture to sample.
    batch_size : int
        Samples per batch (>= 1).
    seed : int
        Seed of the stateless random draws.
    steps : int, optional
        Number of batches; None: (practically) infinite.

    Returns
    -------
    tf.data.Dataset
        Batches of float32 samples, ``(batch_size, 2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo.analysis.toy import dataset, ring
    >>> batches = list(dataset(ring(), batch_size=4, seed=0, steps=3).as_numpy_iterator())
    >>> len(batches), batches[0].shape, batches[0].dtype.name
    (3, (4, 2), 'float32')
    >>> again = list(dataset(ring(), batch_size=4, seed=0, steps=3).as_numpy_iterator())
    >>> all(np.array_equal(a, b) for a, b in zip(batches, again))
    True
    """
    import tensorflow as tf

    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    centers = tf.constant(mixture.centers, tf.float32)

    def draw(i):
        s = tf.stack([tf.constant(seed, tf.int64), i])
        modes = tf.random.stateless_uniform((batch_size,), s, 0, mixture.num_modes, dtype=tf.int32)
        noise = tf.random.stateless_normal((batch_size, 2), s + tf.constant([0, 1 << 40], tf.int64))
        return tf.gather(centers, modes) + mixture.std * noise

    ds = tf.data.Dataset.range(steps) if steps is not None else tf.data.Dataset.range(2 ** 62)
    return ds.map(draw, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def plot(samples: Any, mixture: Mixture, path: str | os.PathLike, title: str | None = None) -> str:
    """Save a PNG scatter of ``samples`` with the modes and their ``3 sigma`` circles; returns the path.

    Parameters
    ----------
    samples : array_like
        Samples, ``(n, 2)``.
    mixture : Mixture
        The mixture whose modes are drawn.
    path : str or os.PathLike
        Where to save the PNG.
    title : str, optional
        Title of the plot; None: the mixture's name and the samples' :func:`mode_metrics`.

    Returns
    -------
    str
        The path of the saved PNG.
    """
    plt = pyplot()
    x = np.asarray(samples, dtype=np.float64)
    if title is None:
        m = mode_metrics(x, mixture)
        title = (f"{mixture.name}: {m['modes']}/{mixture.num_modes} modes, {m['high_quality']:.1%} high quality, "
                 f"reverse KL {m['reverse_kl']:.3f}")
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.scatter(x[:, 0], x[:, 1], s=2, alpha=0.4, color="tab:blue", label="samples")
    for c in mixture.centers:
        ax.add_patch(plt.Circle(c, THRESHOLD_SIGMAS * mixture.std, fill=False, color="tab:red", lw=0.8))
    ax.scatter(mixture.centers[:, 0], mixture.centers[:, 1], s=8, marker="x", color="tab:red", label="modes")
    span = np.abs(mixture.centers).max() * 1.5 + 5 * mixture.std
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=9)
    ax.legend(loc="upper right", fontsize=7)
    return save_figure(fig, path, dpi=100)


OPTIMIZERS = ("default", "pacgan")


@dataclasses.dataclass
class ToyRun:
    """A trained toy GAN: ``snapshots`` maps a generator step to its ``N_EVAL`` samples (fixed noise),
    ``metrics`` the same steps to :func:`mode_metrics` (without the per-mode counts), ``history``
    the per-step ``d_loss`` / ``g_loss``; ``gan`` is the model and ``wall_s`` the training time.

    Parameters
    ----------
    loss : str
        The GAN loss trained with.
    mixture : Mixture
        The mixture trained on.
    snapshots : dict of int to numpy.ndarray
        Generator step to the ``(N_EVAL, 2)`` samples of the fixed noise at that step.
    metrics : dict of int to dict
        Generator step to the :func:`mode_metrics` of its snapshot, without ``counts``.
    history : dict of str to list of float
        Per-step losses (``d_loss``, ``g_loss``, ...).
    gan : GAN
        The trained model.
    wall_s : float
        Training time in seconds.
    """

    loss: str
    mixture: Mixture
    snapshots: dict[int, np.ndarray]
    metrics: dict[int, dict[str, Any]]
    history: dict[str, list[float]]
    gan: Any
    wall_s: float

    @property
    def final(self) -> dict[str, Any]:
        """The metrics at the last snapshot (the end of training)."""
        return self.metrics[max(self.metrics)]


def train(loss: str, mixture: Mixture | str, steps: int = 20_000, snapshot_steps: Sequence[int] = (),
          batch_size: int = 100, seed: int = 0, pack: int = 1, optimizer: str = "default",
          lr_decay: str = "none", verbose: int = 0, cascade: int = 1, steps_per_execution: int = 1,
          jit_compile: bool | str = "auto", log_every: int = 0, **gan_kwargs) -> ToyRun:
    """Train PacGAN's toy networks (:func:`tfgan_zoo.nets.toy_pair`) with ``loss`` on a 2-D mixture.

    ``steps`` generator steps at ``batch_size``; samples of the same ``N_EVAL`` noise vectors are
    kept at each of ``snapshot_steps`` and at the end, with their :func:`mode_metrics`. ``optimizer``
    ``"default"`` uses the loss's own optimizers, ``"pacgan"`` Adam(1e-4, beta1 0.8) for both;
    ``lr_decay="linear"`` decays both learning rates linearly to 0 at the last step; ``pack`` is
    PacGAN's packing degree; ``cascade`` the discriminator's cascading-rejection scores;
    ``steps_per_execution`` steps run inside one compiled call (the same updates, without the per-step Python
    and callback overhead that dominates these tiny networks; ``steps`` and every snapshot step must be
    multiples of it, and the recorded losses are the means over each call); ``jit_compile`` goes to
    :meth:`GAN.compile <tfgan_zoo.models.GAN.compile>` ("auto": XLA on accelerators only; ``True`` also on the CPU,
    where it ran these networks' NS GAN step 2-2.6x faster: 26-34 ms against 68 ms a step on one thread of a 2-core
    AVX-512 Xeon, shared with another job); ``log_every > 0`` prints a progress line (step, samples/s, the losses'
    means since the previous line, elapsed, ETA: :class:`tfgan_zoo.monitoring.ProgressLog`) to stderr every
    ``log_every`` steps, for runs in the background; other keyword
    arguments go to :func:`tfgan_zoo.models.build_gan` (``constraint``, ``penalty``, ``feature_matching``, ...).

    Parameters
    ----------
    loss : str
        GAN loss, a name :func:`tfgan_zoo.models.build_gan` accepts.
    mixture : Mixture or str
        The mixture, or its name for :func:`get`.
    steps : int
        Generator steps (>= 1).
    snapshot_steps : sequence of int
        Steps in ``[0, steps]`` at which samples are kept (the last step always is).
    batch_size : int
        Samples per batch.
    seed : int
        Seed of Keras' random state, the data and the model (``seed + 1``: the fixed evaluation noise).
    pack : int
        PacGAN's packing degree (1: no packing).
    optimizer : {"default", "pacgan"}
        The loss's own optimizers, or Adam(1e-4, beta1 0.8) for both networks.
    lr_decay : {"none", "linear"}
        Constant learning rates, or linear decay to 0 at the last step.
    verbose : int
        Keras' verbosity in ``fit``.
    cascade : int
        Cascading-rejection scores of the discriminator.
    steps_per_execution : int
        Steps per compiled call; ``steps`` and every snapshot step must be multiples of it.
    jit_compile : bool or "auto"
        XLA compilation, passed to :meth:`GAN.compile <tfgan_zoo.models.GAN.compile>`.
    log_every : int
        Steps between progress lines on stderr (0: none).
    **gan_kwargs
        Passed on to :func:`tfgan_zoo.models.build_gan`.

    Returns
    -------
    ToyRun
        The snapshots, their metrics, the loss history, the model and the training time.
    """
    import time

    import keras

    from .. import models, nets
    from ..callbacks import LossCurves

    mix = get(mixture) if isinstance(mixture, str) else mixture
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {optimizer!r}; use one of {', '.join(OPTIMIZERS)}.")
    if lr_decay not in ("none", "linear"):
        raise ValueError(f"Unknown lr_decay {lr_decay!r}; use 'none' or 'linear'.")
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}.")
    if int(log_every) < 0:
        raise ValueError(f"log_every must be >= 0 (0: no progress lines), got {log_every}.")
    bad = [s for s in snapshot_steps if not 0 <= int(s) <= int(steps)]
    if bad:
        raise ValueError(f"snapshot_steps must lie in [0, steps={steps}], got {bad}.")
    spe = int(steps_per_execution)
    if spe < 1:
        raise ValueError(f"steps_per_execution must be >= 1, got {steps_per_execution}.")
    off = [s for s in [steps, *snapshot_steps] if int(s) % spe]
    if off:
        raise ValueError(f"steps and snapshot_steps must be multiples of steps_per_execution={spe} (snapshots "
                         f"are taken between compiled calls), got {off}; pick a divisor of them.")
    keras.utils.set_random_seed(seed)
    g, d = nets.toy_pair(pack=pack, cascade=cascade)
    gan = models.build_gan(loss, g, d, latent_dim=2, seed=seed, pack=pack, **gan_kwargs)
    d_opt, g_opt = gan.default_optimizers()
    if optimizer == "pacgan":  # PacGAN's: Adam(1e-4, beta1 0.8) for both networks
        d_opt, g_opt = (keras.optimizers.Adam(1e-4, beta_1=0.8, name=n) for n in ("d_adam", "g_adam"))
    if lr_decay == "linear":
        for opt, k in ((d_opt, gan.n_critic), (g_opt, 1)):
            opt.learning_rate = keras.optimizers.schedules.PolynomialDecay(
                float(keras.ops.convert_to_numpy(opt.learning_rate)), int(steps) * k, end_learning_rate=0.0)
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt, steps_per_execution=spe, jit_compile=jit_compile)
    z = np.random.default_rng(seed + 1).standard_normal((N_EVAL, 2)).astype(np.float32)
    snapshots: dict[int, np.ndarray] = {}
    record = LossCurves(None)  # per-step losses (Keras logs carry running means)
    todo = sorted({int(s) for s in snapshot_steps} | {int(steps)})

    def snap(step: int) -> None:
        snapshots[step] = np.asarray(gan.generate(z))

    class _Snap(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):  # batch: the index of the call's last step
            if batch + 1 in todo:
                snap(batch + 1)

    if 0 in todo:
        gan.generate(z[:1])  # builds the sampling path
        snap(0)
    callbacks = [record, _Snap()]
    if int(log_every) > 0:
        from ..callbacks import ProgressLog

        callbacks.append(ProgressLog(int(log_every), batch_size=batch_size, max_interval_s=math.inf,
                                     stream=sys.stderr, unit="samples"))
    t0 = time.perf_counter()
    gan.fit(dataset(mix, batch_size, seed=seed), steps_per_epoch=int(steps), epochs=1, verbose=verbose,
            callbacks=callbacks)
    wall = time.perf_counter() - t0
    metrics = {}
    for step, x in snapshots.items():
        if np.all(np.isfinite(x)):
            m = mode_metrics(x, mix)
            m.pop("counts")
        else:  # the generator diverged: no mode is covered, and the reverse KL is undefined
            m = {"modes": 0, "high_quality": 0.0, "reverse_kl": float("nan"), "n": int(len(x)), "diverged": True}
        metrics[step] = m
    history = {k: list(v) for k, v in record.values.items()}
    return ToyRun(loss, mix, dict(sorted(snapshots.items())), dict(sorted(metrics.items())), history, gan, wall)


def plot_runs(runs: Sequence[ToyRun], path: str | os.PathLike, title: str | None = None) -> str:
    """One PNG: a row per run (loss), a column per snapshot step, samples over the modes' 3-sigma circles.

    Parameters
    ----------
    runs : sequence of ToyRun
        Runs with the same snapshot steps (the first run's are drawn).
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

    steps = list(runs[0].snapshots)
    fig, axes = plt.subplots(len(runs), len(steps), figsize=(2.2 * len(steps), 2.3 * len(runs)), squeeze=False)
    for i, r in enumerate(runs):
        mix = r.mixture
        span = np.abs(mix.centers).max() * 1.5 + 5 * mix.std
        for j, s in enumerate(steps):
            ax = axes[i, j]
            x = r.snapshots[s]
            ax.scatter(x[:, 0], x[:, 1], s=1, alpha=0.3, color="tab:blue")
            ax.scatter(mix.centers[:, 0], mix.centers[:, 1], s=6, marker="x", color="tab:red")
            ax.set_xlim(-span, span)
            ax.set_ylim(-span, span)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            m = r.metrics[s]
            ax.set_title(f"step {s}: {m['modes']}/{mix.num_modes} modes\n{m['high_quality']:.0%} HQ", fontsize=7)
            if j == 0:
                ax.set_ylabel(r.loss, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    return save_figure(fig, path)
