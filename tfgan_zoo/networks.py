"""The networks a run's settings describe: :func:`build_networks` maps a :class:`tfgan_zoo.config.TrainConfig`
to :func:`tfgan_zoo.nets.build`'s arguments. Training (:func:`tfgan_zoo.training.build_model`) and the shipped
generators (:mod:`tfgan_zoo.pretrained`) both build through it, so a generator is rebuilt exactly as it was
trained."""

from __future__ import annotations

import keras

from . import data, nets
from .choices import CONV_ARCHITECTURES
from .config import TrainConfig


def build_networks(cfg: TrainConfig, image_shape: tuple[int, int, int], num_classes: int | None = None,
                   ) -> tuple[keras.Model, keras.Model]:
    """The generator and discriminator ``cfg`` describes (:func:`tfgan_zoo.nets.build` with the run's
    architecture options), for images of ``image_shape`` and ``num_classes`` labels (None: the dataset's, when
    the run is label-conditional).

    :func:`build_model` trains them; :mod:`tfgan_zoo.pretrained` rebuilds a shipped generator from its run's
    settings with it. ``image_shape`` is ``(height, width, channels)``.
    """
    kwargs = {"transpose_impl": cfg.transpose_impl, "upsample": cfg.upsample} if cfg.arch in CONV_ARCHITECTURES else {}
    if cfg.arch in ("dcgan", "infogan"):
        kwargs["norm"] = None if cfg.d_norm == "none" else cfg.d_norm
    if cfg.arch == "resnet":
        kwargs.update(variant=cfg.resnet_variant, d_width=cfg.d_width)
    if cfg.width is not None:
        kwargs["width"] = cfg.width
    if cfg.generator_norm != "batch":
        kwargs["generator_norm"] = cfg.generator_norm
    if cfg.minibatch_discrimination:
        kwargs["minibatch_discrimination"] = cfg.minibatch_discrimination_bc
    if cfg.minibatch_stddev:
        kwargs["minibatch_stddev"] = cfg.minibatch_stddev
    if cfg.cascade > 1:
        kwargs["cascade"] = cfg.cascade
    if cfg.progressive_augment:
        kwargs["d_extra_channels"] = cfg.progressive_augment
    if cfg.conditioning not in (None, "infogan") and num_classes is None:
        num_classes = data.num_classes(cfg.dataset, cfg.data_dir)
    return nets.build(cfg.arch, image_shape, cfg.latent_dim, conditional=cfg.conditioning, num_classes=num_classes,
                      info_codes=(cfg.info_categorical, cfg.info_continuous), **kwargs)
