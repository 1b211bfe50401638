"""Architectures at equal wall-clock budget: DCGAN -> SN-DCGAN -> ResNet -> self-modulation on one CPU.

A fair comparison of architectures gives each the same compute, not the same number of steps: a ResNet step
costs several DCGAN steps. :func:`race` trains each entry of a list on MNIST for the same training time
(:class:`tfgan_zoo.callbacks.TimeBudget`: graph tracing included, evaluation excluded), with the same data,
batch, latent size, optimizers and seed, and records its MNIST-classifier FID against training seconds. The
loss and constraint are each architecture's own (the NS loss for DCGAN; spectral normalization for the SN
networks, with the hinge loss for the ResNets, as in Miyato et al.). Its checkerboard score
(:mod:`.checkerboard`) tells transposed from resize-convolution upsampling.
"""

from __future__ import annotations

import os
import time
from typing import Any, Sequence

import numpy as np

__all__ = ["DEFAULT_ENTRIES", "race", "plot"]

#: The lineage the course compares: each entry's name, network pair and loss (nets.build / build_gan arguments).
DEFAULT_ENTRIES: tuple[dict, ...] = (
    {"name": "DCGAN", "arch": "dcgan", "loss": "nsgan", "width": 32},
    {"name": "DCGAN, resize-conv", "arch": "dcgan", "loss": "nsgan", "width": 32, "upsample": "nearest-conv"},
    {"name": "SN-DCGAN", "arch": "sndcgan-small", "loss": "nsgan", "constraint": "sn", "width": 32},
    {"name": "ResNet (SN, hinge)", "arch": "resnet", "loss": "hinge", "constraint": "sn", "width": 64,
     "d_width": 64},
    {"name": "ResNet + self-modulation", "arch": "resnet", "loss": "hinge", "constraint": "sn", "width": 64,
     "d_width": 64, "generator_norm": "self-modulation"},
)
_NET_KEYS = ("width", "d_width", "upsample", "generator_norm")


def race(entries: Sequence[dict] = DEFAULT_ENTRIES, seconds: float = 180.0, eval_every: float = 30.0,
         fid_samples: int = 2000, batch_size: int = 64, latent_dim: int = 64, lr: float = 2e-4, beta_1: float = 0.5,
         seed: int = 0, n_keep: int = 500, verbose: int = 0) -> list[dict]:
    """Train each entry on MNIST for ``seconds`` of training time; its FID against time.

    Parameters
    ----------
    entries : sequence of dict
        Each with ``name``, ``arch``, ``loss`` and optionally ``constraint`` (for
        :func:`tfgan_zoo.models.build_gan`) and ``width``, ``d_width``, ``upsample``, ``generator_norm`` (for
        :func:`tfgan_zoo.nets.build`). Default :data:`DEFAULT_ENTRIES`.
    seconds : float
        Training-time budget of every entry.
    eval_every : float
        Training seconds between FID evaluations (also at 0 and at the end).
    fid_samples : int
        Generated images per MNIST-classifier FID (against as many training images; fixed noise).
    batch_size, latent_dim : int
        The same for every entry.
    lr, beta_1 : float
        Adam's learning rate and beta_1 for both networks of every entry.
    seed : int
        Seed of the weights, the data order and the FID noise.
    n_keep : int
        Images generated at the end (for the grid and the checkerboard score).
    verbose : int
        Keras' verbosity.

    Returns
    -------
    list of dict
        Per entry: ``name``, ``records`` (``seconds``, ``steps``, ``value`` = FID), ``steps``, ``train_seconds``,
        ``seconds_per_step``, ``final_fid``, ``best_fid``, ``parameters`` (generator, discriminator),
        ``checkerboard`` (:func:`~tfgan_zoo.analysis.checkerboard.checkerboard_score` of the kept images) and
        ``samples``.
    """
    import keras

    from .. import data, models, nets
    from ..callbacks import FIDCallback, TimeBudget
    from .checkerboard import checkerboard_score

    fid = FIDCallback(n_samples=int(fid_samples), real="mnist", network="mnist-classifier", seed=seed, verbose=0)
    results = []
    for e in entries:
        missing = [k for k in ("name", "arch", "loss") if k not in e]
        if missing:
            raise ValueError(f"Each entry needs name, arch and loss; {e!r} lacks {', '.join(missing)}.")
        keras.utils.set_random_seed(seed)
        g, d = nets.build(e["arch"], (28, 28, 1), latent_dim, **{k: e[k] for k in _NET_KEYS if k in e})
        gan = models.build_gan(e["loss"], g, d, seed=seed, **({"constraint": e["constraint"]} if "constraint" in e
                                                                else {}))
        gan.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=beta_1),
                    g_optimizer=keras.optimizers.Adam(lr, beta_1=beta_1))
        ds = data.load("mnist", batch_size=batch_size, seed=seed).repeat()

        def evaluate(model):
            fid.set_model(model)
            return fid.compute()

        budget = TimeBudget(seconds, eval_every, evaluate)
        t0 = time.perf_counter()
        gan.fit(ds, epochs=1, steps_per_epoch=10 ** 9, callbacks=[budget], verbose=verbose)
        samples = np.asarray(gan.generate(int(n_keep)))
        values = [r["value"] for r in budget.records]
        results.append({"name": e["name"], "entry": dict(e), "records": budget.records, "steps": budget.steps,
                        "train_seconds": round(budget.train_seconds, 2),
                        "wall_seconds": round(time.perf_counter() - t0, 2),
                        "seconds_per_step": budget.train_seconds / max(budget.steps, 1),
                        "final_fid": values[-1], "best_fid": float(np.nanmin(values)),
                        "parameters": [int(g.count_params()), int(d.count_params())],
                        "checkerboard": float(checkerboard_score(samples)), "samples": samples})
    return results


def plot(results: Sequence[dict], path: str | os.PathLike, n_images: int = 16) -> str:
    """FID against training minutes (one line per entry, log scale) above a 4x4 sample grid per entry; one PNG.

    Parameters
    ----------
    results : sequence of dict
        What :func:`race` returned.
    path : str or os.PathLike
        The PNG to write.
    n_images : int
        Images per grid (a square number).

    Returns
    -------
    str
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(results)
    fig = plt.figure(figsize=(max(8, 2.0 * k), 5.8))
    ax = fig.add_axes([0.08, 0.52, 0.6, 0.44])
    for r in results:
        ax.plot([p["seconds"] / 60 for p in r["records"]], [p["value"] for p in r["records"]], marker="o",
                ms=3, label=f"{r['name']} ({r['steps']} steps)")
    ax.set_yscale("log")
    ax.set_xlabel("training minutes (same CPU, same budget)")
    ax.set_ylabel("MNIST-classifier FID")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    side = int(round(n_images ** 0.5))
    for j, r in enumerate(results):
        im = r["samples"][:side * side, :, :, 0]
        grid = np.concatenate([np.concatenate(list(im[i * side:(i + 1) * side]), axis=1) for i in range(side)])
        a = fig.add_axes([0.02 + j * 0.96 / k, 0.02, 0.96 / k - 0.01, 0.3])
        a.imshow(grid, cmap="gray", vmin=-1, vmax=1)
        a.set_title(f"{r['name']}\nFID {r['final_fid']:.1f}, checkerboard {r['checkerboard']:.3f}", fontsize=7)
        a.axis("off")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return os.fspath(path)
