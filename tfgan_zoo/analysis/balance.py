"""The discriminator/generator balance: a sweep over learning rates and critic steps.

:func:`sweep` trains one short GAN per ``(lr_D, lr_G, n_critic)`` on an image dataset and records,
per run, the discriminator loss at the end (the mean over the last tenth of the steps) against
its equilibrium value, the generator loss, and a fast FID (the MNIST-classifier FID of
:class:`tfgan_zoo.callbacks.FIDCallback`, meaningful for MNIST-like data). :func:`plot_heatmap`
and :func:`plot_curves` draw the sweep.

Equilibrium: for the cross-entropy GAN the optimal discriminator against a perfect generator is
``D = 1/2`` everywhere, so ``L_D = -log(1/2) - log(1 - 1/2) = 2 ln 2 ~ 1.386`` (each half ``ln 2``),
and the generator's non-saturating loss is ``ln 2``. A discriminator that wins drives ``L_D`` towards 0
(and ``L_G`` up); one that loses lets it rise above ``2 ln 2``. The gap ``L_D - L_D^*`` is what the
heatmap shows (LSGAN: ``L_D^* = 0.25``, hinge: ``2``, the Wasserstein losses have none).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import time
from typing import Any, Sequence

import numpy as np

from ..images import pyplot, save_figure


@dataclasses.dataclass
class BalanceRun:
    """One sweep point: its settings, per-step losses and the end-of-run numbers.

    Parameters
    ----------
    lr_d, lr_g : float
        Adam learning rates of the discriminator and of the generator.
    n_critic : int
        Discriminator steps per generator step.
    d_loss, g_loss : list of float
        Discriminator and generator loss at every step.
    equilibrium_d_loss : float or None
        The discriminator loss at equilibrium (``2 ln 2`` for the cross-entropy GAN), None for losses without one.
    final_d_loss, final_g_loss : float
        Mean discriminator and generator loss over the last tenth of the steps.
    fid : float or None
        MNIST-classifier FID at the end of the run, None when not computed.
    wall_s : float
        Training time in seconds.
    samples : numpy.ndarray or None
        Images generated at the end of the run, None when none were kept.

    Examples
    --------
    A cross-entropy run whose discriminator ends below its equilibrium ``2 ln 2 = 1.386`` (it wins):

    >>> import math
    >>> from tfgan_zoo.analysis.balance import BalanceRun
    >>> run = BalanceRun(lr_d=2e-4, lr_g=2e-4, n_critic=1, d_loss=[1.3, 1.1], g_loss=[0.8, 1.0],
    ...                  equilibrium_d_loss=2 * math.log(2), final_d_loss=1.1, final_g_loss=1.0,
    ...                  fid=12.3456, wall_s=3.21)
    >>> round(run.gap, 4)
    -0.2863
    >>> run.summary()["gap"], run.summary()["fid"], run.summary()["wall_s"]
    (-0.2863, 12.346, 3.2)
    """

    lr_d: float
    lr_g: float
    n_critic: int
    d_loss: list[float]
    g_loss: list[float]
    equilibrium_d_loss: float | None
    final_d_loss: float
    final_g_loss: float
    fid: float | None
    wall_s: float
    samples: np.ndarray | None = None

    @property
    def gap(self) -> float | None:
        """``final_d_loss - equilibrium_d_loss`` (None for losses without an equilibrium value)."""
        return None if self.equilibrium_d_loss is None else self.final_d_loss - self.equilibrium_d_loss

    def summary(self) -> dict[str, Any]:
        return {"lr_d": self.lr_d, "lr_g": self.lr_g, "n_critic": self.n_critic,
                "final_d_loss": round(self.final_d_loss, 4), "final_g_loss": round(self.final_g_loss, 4),
                "equilibrium_d_loss": self.equilibrium_d_loss,
                "gap": None if self.gap is None else round(self.gap, 4),
                "fid": None if self.fid is None else round(self.fid, 3), "wall_s": round(self.wall_s, 1)}


def _tail_mean(values: Sequence[float]) -> float:
    k = max(1, len(values) // 10)
    return float(np.mean(values[-k:]))


def train_one(lr_d: float, lr_g: float, n_critic: int = 1, loss: str = "nsgan", dataset: str = "mnist",
              arch: str = "dcgan", steps: int = 300, batch_size: int = 64, latent_dim: int = 64,
              fid_samples: int = 2000, seed: int = 0, beta_1: float = 0.5, n_samples: int = 16,
              verbose: int = 0, fid_callback: Any = None, width: int = 64) -> BalanceRun:
    """Train one GAN for ``steps`` generator steps with Adam(``lr_d``) / Adam(``lr_g``), both ``beta_1``.

    ``width`` is the convolutional networks' base width (64 is DCGAN's; smaller is faster).
    Then its MNIST-classifier FID on ``fid_samples`` images (0: none; pass ``fid_callback``, a
    :class:`~tfgan_zoo.callbacks.FIDCallback`, to reuse one across runs) and ``n_samples`` images.

    Parameters
    ----------
    lr_d, lr_g : float
        Adam learning rates of the discriminator and of the generator (both > 0).
    n_critic : int
        Discriminator steps per generator step.
    loss : str
        GAN loss, a name :func:`tfgan_zoo.models.build_gan` accepts (``"nsgan"``, ``"lsgan"``, ...).
    dataset : str
        Image dataset, a name :func:`tfgan_zoo.data.load` accepts.
    arch : str
        Network pair, a name :func:`tfgan_zoo.nets.build` accepts (``"dcgan"``, ``"mlp"``, ...).
    steps : int
        Generator steps (>= 1).
    batch_size : int
        Real images per batch.
    latent_dim : int
        Size of the generator's noise vector.
    fid_samples : int
        Generated images for the MNIST-classifier FID; 0 computes none.
    seed : int
        Seed of Keras' random state, the data order and the FID.
    beta_1 : float
        Adam's ``beta_1`` for both optimizers.
    n_samples : int
        Images generated at the end and kept in ``samples`` (0: none).
    verbose : int
        Keras' verbosity for training and the FID.
    fid_callback : FIDCallback, optional
        A :class:`~tfgan_zoo.callbacks.FIDCallback` to compute the FID with; None makes one.
    width : int
        Base width of the convolutional networks (ignored for ``arch="mlp"``).

    Returns
    -------
    BalanceRun
        The run's settings, per-step losses, end-of-run losses, FID, training time and samples.
    """
    import keras

    from .. import data, models, nets
    from ..callbacks import FIDCallback, LossCurves

    if not lr_d > 0 or not lr_g > 0:
        raise ValueError(f"Learning rates must be > 0, got lr_d={lr_d}, lr_g={lr_g}.")
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}.")
    keras.utils.set_random_seed(seed)
    shape = data.image_shape(dataset)
    g, d = nets.build(arch, shape, latent_dim, **({} if arch == "mlp" else {"width": int(width)}))
    gan = models.build_gan(loss, g, d, n_critic=int(n_critic), seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(lr_d, beta_1=beta_1),
                g_optimizer=keras.optimizers.Adam(lr_g, beta_1=beta_1))
    ds = data.load(dataset, batch_size=batch_size, seed=seed).repeat()
    record = LossCurves(None)  # per-step values (Keras logs carry running means)
    hist = record.values
    t0 = time.perf_counter()
    gan.fit(ds, steps_per_epoch=int(steps), epochs=1, verbose=verbose, callbacks=[record])
    wall = time.perf_counter() - t0
    fid = None
    if fid_samples:
        cb = fid_callback or FIDCallback(n_samples=int(fid_samples), real=dataset, network="mnist-classifier",
                                         seed=seed, verbose=verbose)
        cb.set_model(gan)
        fid = cb.compute()
    samples = np.asarray(gan.generate(int(n_samples))) if n_samples else None
    return BalanceRun(float(lr_d), float(lr_g), int(n_critic), hist["d_loss"], hist["g_loss"],
                      gan.equilibrium_d_loss, _tail_mean(hist["d_loss"]), _tail_mean(hist["g_loss"]), fid, wall,
                      samples)


def sweep(lr_d: Sequence[float] = (2e-5, 2e-4, 2e-3), lr_g: Sequence[float] = (2e-5, 2e-4, 2e-3),
          n_critic: Sequence[int] = (1,), out: str | os.PathLike | None = None, log=print,
          **kwargs: Any) -> list[BalanceRun]:
    """:func:`train_one` at every ``(lr_d, lr_g, n_critic)``; with ``out``, saves the heatmaps and curves there.

    Other keyword arguments go to :func:`train_one` (``loss``, ``dataset``, ``arch``, ``steps``, ...).
    ``log`` gets one line per finished run (``None`` for silence).

    Parameters
    ----------
    lr_d, lr_g : sequence of float
        Discriminator and generator learning rates of the grid.
    n_critic : sequence of int
        Discriminator steps per generator step of the grid.
    out : str or os.PathLike, optional
        Folder to save ``balance_heatmap.png`` and ``balance_curves.png`` in (created if needed); None saves nothing.
    log : callable or None
        Called with one progress line per finished run; None for silence.

    Returns
    -------
    list of BalanceRun
        One run per grid point, ``n_critic`` varying fastest, then ``lr_g``, then ``lr_d``.
    """
    from ..callbacks import FIDCallback

    grid = list(itertools.product(lr_d, lr_g, n_critic))
    fid = kwargs.get("fid_samples", 2000)
    if fid and "fid_callback" not in kwargs:  # one featurizer and one set of real statistics for all runs
        kwargs["fid_callback"] = FIDCallback(n_samples=int(fid), real=kwargs.get("dataset", "mnist"),
                                             network="mnist-classifier", seed=kwargs.get("seed", 0),
                                             verbose=kwargs.get("verbose", 0))
    runs = []
    for i, (a, b, k) in enumerate(grid):
        r = train_one(a, b, k, **kwargs)
        runs.append(r)
        if log is not None:
            s = r.summary()
            log(f"[{i + 1}/{len(grid)}] lr_d={a:g} lr_g={b:g} n_critic={k}: d_loss {s['final_d_loss']} "
                f"(equilibrium {s['equilibrium_d_loss']}), g_loss {s['final_g_loss']}, fid {s['fid']} "
                f"({s['wall_s']} s)")
    if out is not None:
        os.makedirs(out, exist_ok=True)
        plot_heatmap(runs, os.path.join(out, "balance_heatmap.png"))
        plot_curves(runs, os.path.join(out, "balance_curves.png"))
    return runs


def best(runs: Sequence[BalanceRun]) -> BalanceRun:
    """The run with the lowest FID (runs without one are skipped).

    Parameters
    ----------
    runs : sequence of BalanceRun
        Runs of :func:`sweep`; those with no FID or a non-finite one are skipped.

    Returns
    -------
    BalanceRun
        The run of lowest FID.

    Raises
    ------
    ValueError
        When no run has a finite FID.

    Examples
    --------
    >>> from tfgan_zoo.analysis.balance import BalanceRun, best
    >>> def run(lr_d, fid):
    ...     return BalanceRun(lr_d, 2e-4, 1, [1.4], [0.7], None, 1.4, 0.7, fid, 1.0)
    >>> best([run(2e-5, 30.0), run(2e-4, 12.5), run(2e-3, None), run(2e-2, float("nan"))]).lr_d
    0.0002
    """
    scored = [r for r in runs if r.fid is not None and math.isfinite(r.fid)]
    if not scored:
        raise ValueError("No run has a finite FID; sweep with fid_samples > 0.")
    return min(scored, key=lambda r: r.fid)


def plot_heatmap(runs: Sequence[BalanceRun], path: str | os.PathLike) -> str:
    """Heatmaps over (lr_D rows, lr_G columns), one column of panels per n_critic: the d_loss gap and the FID.

    Parameters
    ----------
    runs : sequence of BalanceRun
        Runs of :func:`sweep`; the FID row is drawn when at least one run has a FID.
    path : str or os.PathLike
        Where to save the PNG.

    Returns
    -------
    str
        The path of the saved PNG.
    """
    plt = pyplot()

    lds = sorted({r.lr_d for r in runs})
    lgs = sorted({r.lr_g for r in runs})
    ks = sorted({r.n_critic for r in runs})
    has_fid = any(r.fid is not None for r in runs)
    rows = [("gap", "d_loss - equilibrium", "RdBu_r")] + ([("fid", "MNIST-classifier FID", "viridis_r")]
                                                           if has_fid else [])
    fig, axes = plt.subplots(len(rows), len(ks), figsize=(4.2 * len(ks), 3.6 * len(rows)), squeeze=False)
    for j, k in enumerate(ks):
        for i, (what, label, cmap) in enumerate(rows):
            m = np.full((len(lds), len(lgs)), np.nan)
            for r in runs:
                if r.n_critic == k:
                    v = r.gap if what == "gap" else r.fid
                    m[lds.index(r.lr_d), lgs.index(r.lr_g)] = np.nan if v is None else v
            ax = axes[i, j]
            kw = {}
            if what == "gap" and np.isfinite(m).any():
                lim = float(np.nanmax(np.abs(m))) or 1.0
                kw = {"vmin": -lim, "vmax": lim}
            im = ax.imshow(m, cmap=cmap, **kw)
            for (y, x), v in np.ndenumerate(m):
                if np.isfinite(v):
                    r, g, b, _ = im.cmap(im.norm(v))  # white text on dark cells, black on light ones
                    ax.text(x, y, f"{v:.2f}" if what == "gap" else f"{v:.1f}", ha="center", va="center", fontsize=8,
                            color="white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black")
            ax.set_xticks(range(len(lgs)), [f"{v:g}" for v in lgs], fontsize=7)
            ax.set_yticks(range(len(lds)), [f"{v:g}" for v in lds], fontsize=7)
            ax.set_xlabel("lr_G")
            ax.set_ylabel("lr_D", labelpad=8)
            ax.set_title(f"{label}, n_critic={k}", fontsize=9)
            fig.colorbar(im, ax=ax, fraction=0.046)
    return save_figure(fig, path)


def plot_curves(runs: Sequence[BalanceRun], path: str | os.PathLike, smoothing: int = 20) -> str:
    """d_loss and g_loss per step for every run (moving mean of ``smoothing``), with the equilibrium line.

    Parameters
    ----------
    runs : sequence of BalanceRun
        Runs of :func:`sweep`; the equilibrium line is the first run's.
    path : str or os.PathLike
        Where to save the PNG.
    smoothing : int
        Window of the moving mean, in steps (capped at the number of steps).

    Returns
    -------
    str
        The path of the saved PNG.
    """
    plt = pyplot()

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for r in runs:
        w = max(1, min(smoothing, len(r.d_loss)))
        label = f"lr_d={r.lr_d:g}, lr_g={r.lr_g:g}" + (f", n_critic={r.n_critic}" if r.n_critic > 1 else "")
        for ax, v in ((a, r.d_loss), (b, r.g_loss)):
            s = np.convolve(v, np.ones(w) / w, mode="valid")
            ax.plot(np.arange(w, len(v) + 1), s, lw=1.2, label=label)
    eq = runs[0].equilibrium_d_loss if runs else None
    if eq is not None:
        a.axhline(eq, ls="--", color="k", lw=1, label=f"equilibrium {eq:.3f}")
        if abs(eq - 2 * math.log(2)) < 1e-9:
            b.axhline(math.log(2), ls="--", color="k", lw=1, label="ln 2")
    a.set_title("discriminator loss", fontsize=9)
    b.set_title("generator loss", fontsize=9)
    for ax in (a, b):
        ax.set_xlabel("generator step")
        ax.grid(alpha=0.3)
    a.legend(fontsize=6)
    b.legend(fontsize=6)
    return save_figure(fig, path)
