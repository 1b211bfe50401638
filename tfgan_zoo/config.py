"""The configuration of a training run, validated without importing TensorFlow
(so the command line can refuse a bad value at once)."""

from __future__ import annotations

import dataclasses
import json
import os

from .choices import (ARCHITECTURES, CONDITIONAL, CONV_ARCHITECTURES, D_NORM_ARCHITECTURES, D_NORMS,
                      DATASETS, FID_NETWORKS, JIT_MODES, classifier_mismatch,
                      KEEP_BEST_METRICS, LOSSES, LR_DECAYS, PAIR_SOURCES, PRECISION_MODES, PRIORS, STRATEGIES,
                      TRANSLATION_DEFAULT_LOSS, TRANSLATION_MODELS, TRANSPOSE_IMPLS, loss_defaults)


@dataclasses.dataclass
class RunConfig:
    """What every kind of run has, whatever it trains: its length, batch, seed, folder, precision, data options,
    and how its life is kept (checkpoints, logs, TensorBoard). :class:`TrainConfig` (a GAN from noise) and
    :class:`TranslationConfig` (pix2pix, CycleGAN) extend it; :func:`tfgan_zoo.training.run` runs either."""

    epochs: int = 1
    steps_per_epoch: int | None = None
    batch_size: int = 32
    precision: str = "float32"
    seed: int = 0
    out: str = "runs/gan"
    image_size: int | None = None
    data_dir: str | None = None
    lr_decay: str = "none"  # "linear": the learning rates decay linearly to 0 (training.set_learning_rates)
    checkpoint_every: int = 500  # steps between mid-epoch checkpoints (0: at epoch ends only)
    keep_checkpoints: int = 3
    deterministic: bool = False  # op determinism: bitwise-reproducible runs and resumes
    tensorboard: bool = True  # event files in OUT/tensorboard (tfgan_zoo.monitoring.TensorBoardGAN)
    tensorboard_every: int = 50  # steps between TensorBoard scalar points (each the mean over its steps)
    log_every: int = 100  # without a terminal: a log line every N steps (and at least every 30 s); 0: none

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first invalid field and the valid values."""
        self._validate_run()

    def _at_least_one(self, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> None:
        """Refuse a ``required`` field below 1, or an ``optional`` one (None: unset) below 1, naming it."""
        for name in (*required, *optional):
            v = getattr(self, name)
            if (v is not None or name in required) and int(v) < 1:
                raise ValueError(f"{name} must be >= 1, got {v}.")

    def _validate_run(self) -> None:
        """The fields of :class:`RunConfig`."""
        if self.precision not in PRECISION_MODES:
            raise ValueError(f"Unknown precision {self.precision!r}. Valid precisions: {', '.join(PRECISION_MODES)}.")
        if self.precision == "mixed_bfloat16":
            from .precision import bfloat16_conflict  # no TensorFlow: answered before it loads

            if why := bfloat16_conflict():
                raise ValueError(why)
        self._at_least_one(("epochs", "batch_size", "keep_checkpoints"), ("steps_per_epoch", "image_size"))
        if self.data_dir is not None and not os.path.isdir(self.data_dir):
            raise ValueError(f"data_dir {self.data_dir!r} is not a folder.")
        if self.lr_decay not in LR_DECAYS:
            raise ValueError(f"Unknown lr_decay {self.lr_decay!r}. Valid values: {', '.join(LR_DECAYS)}.")
        if int(self.tensorboard_every) < 1:
            raise ValueError(f"tensorboard_every must be >= 1, got {self.tensorboard_every}.")
        if int(self.log_every) < 0:
            raise ValueError(f"log_every must be >= 0 (0: no log lines), got {self.log_every}.")
        if int(self.checkpoint_every) < 0:
            raise ValueError(f"checkpoint_every must be >= 0 (0: at epoch ends only), got {self.checkpoint_every}.")

    def saved_settings(self) -> dict:
        """What ``config.json`` holds: the settings in ``train.py``'s flag names (``--config``/``--resume``
        read it back)."""
        return dataclasses.asdict(self)


@dataclasses.dataclass
class TrainConfig(RunConfig):
    """Everything a GAN run needs; saved as ``config.json`` in the output folder."""

    loss: str = "nsgan"
    arch: str = "dcgan"
    dataset: str = "mnist"
    latent_dim: int = 100
    lr_d: float | None = None
    lr_g: float | None = None
    n_critic: int | None = None
    critic_batches: str = "shared"  # "fresh": each critic update its own B real images (the batch is n_critic x B)
    jit_compile: str = "auto"  # "auto" (XLA on GPU/TPU only), "on" or "off"
    # the DCGAN's transposed convolutions: native, subpixel, or auto (subpixel on CPUs). A run's
    # config.json records the resolved one (a weights file loads only into the same implementation)
    transpose_impl: str = "auto"
    strategy: str = "default"  # tf.distribute: default (one device), mirrored, multiworker (TF_CONFIG)
    n_samples: int = 64
    d_norm: str = "none"
    channels: int | None = None
    skip_corrupt: bool = False
    constraint: str | None = None  # None: the loss's default (clip for wgan)
    clip_value: float = 0.01
    gran_k: float = 1.0  # --constraint gran: the Lipschitz bound of each linear piece (tfgan_zoo.constraints)
    gran_epsilon: float = 1e-4  # --constraint gran: epsilon in K f |grad f| / (|grad f|^2 + epsilon)
    cascade: int = 1  # cascading rejection: D's number of scores (tfgan_zoo.nets.cascade; 1: none)
    upsample: str = "transpose"  # the dcgan/sndcgan generator's 2x upsampling: transpose, nearest-conv, bilinear-conv
    conditional_norm: str = "none"  # "cbn": labels enter the generator through conditional batch norms
    self_modulation: bool = False  # the generator's batch norms modulated by z (Chen et al. 2019)
    resnet_variant: str = "sngan"  # --arch resnet: sngan (sum pooling, G 256 / D 128 at 32x32) or wgan-gp (mean)
    width: int | None = None  # channel width of the convolutional networks (None: the architecture's default)
    d_width: int | None = None  # --arch resnet: the discriminator's width (None: the variant's)
    penalty: str | None = None  # None: the loss's default (gp for wgan-gp)
    penalty_weight: float | None = None
    ema: float | None = None
    ema_start: int = 0  # EMA warm-up: generator updates during which the average copies the generator
    prior: str = "normal"  # distribution of z: normal N(0, I) or uniform U(-1, 1)
    augment: str | None = None  # DiffAugment policy, e.g. "color,translation,cutout" (tfgan_zoo.augment)
    progressive_augment: int = 0  # PA-GAN: bit channels D is built for (0: off); tfgan_zoo.progressive
    pa_monitor: str = "kid"  # the --fid-every metric whose stall adds a bit: kid or fid
    pa_patience: int = 1  # evaluations without progress before a bit is added
    pa_fade_steps: int = 500  # generator steps over which a new bit fades in
    pa_start: int = 0  # bits on from the first step (faded in); the schedule adds the others
    conditional: str = "none"  # concat, projection, acgan: labels into both networks
    info_categorical: int = 0  # InfoGAN categorical code (categories; 0 = none)
    info_continuous: int = 0  # InfoGAN continuous codes
    info_weight: float = 1.0
    minibatch_discrimination: str | None = None  # "B,C": Salimans et al.'s layer in D (tfgan_zoo.nets.minibatch)
    minibatch_stddev: int = 0  # ProGAN's minibatch standard deviation in D, over groups of this size (0: none)
    feature_matching: str | None = None  # "only" / "add": Salimans et al.'s feature-matching generator loss
    feature_layer: str | None = None  # D layer whose output is matched (default: the input of D's logit layer)
    label_smoothing: float = 0.0  # one-sided: real images' BCE target 1 - label_smoothing (gan, nsgan)
    ac_weight: float = 1.0  # AC-GAN: weight of the class losses (D on real and generated images, G on generated)
    ac_fake_weight: float = 1.0  # AC-GAN: weight of the generated images' term in D's class loss (0: real only)
    fid_every: int | None = None  # epochs between FID evaluations (None: never)
    fid_samples: int = 2000
    fid_network: str = "fid-inception"
    keep_best: str | None = None  # "fid": export the generator of the best --fid-every evaluation as generator/
    recipe: str | None = None  # the recipe the settings came from (recorded, not read)

    @property
    def minibatch_discrimination_bc(self) -> tuple[int, int] | None:
        """``minibatch_discrimination`` as ``(B, C)``; ValueError for anything but two integers >= 1."""
        if self.minibatch_discrimination is None:
            return None
        try:
            b, c = (int(v) for v in str(self.minibatch_discrimination).split(","))
        except ValueError:
            b = c = 0
        if b < 1 or c < 1:
            raise ValueError(f"minibatch_discrimination must be 'B,C' with integers >= 1 (e.g. 100,5), got "
                             f"{self.minibatch_discrimination!r}.")
        return b, c

    def __post_init__(self) -> None:
        """``augment`` in its canonical form ("cutout,color" -> "color,cutout", "none" -> None), so a run resumes
        with the same value whichever way it was written (an invalid one is left for :meth:`validate`)."""
        if self.augment is not None:
            from .choices import parse_augment_policy

            try:
                self.augment = ",".join(parse_augment_policy(self.augment)) or None
            except ValueError:
                pass

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first invalid field and the valid values."""
        if self.loss not in LOSSES:
            raise ValueError(f"Unknown loss {self.loss!r}. Valid losses: {', '.join(LOSSES)}.")
        if self.arch not in ARCHITECTURES:
            raise ValueError(f"Unknown arch {self.arch!r}. Valid architectures: {', '.join(ARCHITECTURES)}.")
        self._validate_dataset()
        self._validate_run()
        if self.jit_compile not in JIT_MODES:
            raise ValueError(f"Unknown jit_compile {self.jit_compile!r}. Valid values: {', '.join(JIT_MODES)}.")
        if self.transpose_impl not in TRANSPOSE_IMPLS:
            raise ValueError(f"Unknown transpose_impl {self.transpose_impl!r}. Valid values: "
                             f"{', '.join(TRANSPOSE_IMPLS)}.")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"Unknown strategy {self.strategy!r}. Valid strategies: {', '.join(STRATEGIES)}.")
        if self.strategy == "multiworker":
            check_tf_config(os.environ.get("TF_CONFIG"))
        if self.d_norm not in D_NORMS:
            raise ValueError(f"Unknown d_norm {self.d_norm!r}. Valid values: {', '.join(D_NORMS)}.")
        if self.arch not in CONV_ARCHITECTURES and self.transpose_impl != "auto":
            raise ValueError("transpose_impl applies to the dcgan, sndcgan and infogan networks only; drop it.")
        if self.arch not in D_NORM_ARCHITECTURES and self.d_norm != "none":
            raise ValueError("d_norm applies to the dcgan and infogan discriminators only; drop it or use --arch "
                             "dcgan or infogan.")
        if self.arch == "infogan" and self.d_norm == "layer":
            raise ValueError("The InfoGAN discriminator takes --d-norm batch or none (Lucic et al.'s options), not "
                             "layer.")
        if self.arch == "infogan" and self.width not in (None, 64):
            raise ValueError("--width does not apply to --arch infogan (compare_gan's fixed widths); drop it.")
        self._validate_networks()
        self._at_least_one(("latent_dim", "n_samples"))
        from .composition import check_values

        check_values(n_critic=self.n_critic, critic_batches=self.critic_batches, clip_value=self.clip_value,
                     penalty_weight=self.penalty_weight, ema=self.ema, ema_start=self.ema_start)
        for name in ("lr_d", "lr_g"):
            v = getattr(self, name)
            if v is not None and not v > 0:
                raise ValueError(f"{name} must be > 0, got {v}.")
        if self.constraint is not None or self.penalty is not None or int(self.cascade) > 1:
            import warnings

            from .composition import CombinationWarning, check_combination

            with warnings.catch_warnings():  # only refusals here; the model warns once when built
                warnings.simplefilter("ignore", CombinationWarning)
                check_combination(self.loss, *loss_defaults(self.loss, self.constraint, self.penalty), self.cascade)
        if not (self.gran_k > 0 and self.gran_epsilon > 0):
            raise ValueError(f"gran_k and gran_epsilon must be > 0, got {self.gran_k} and {self.gran_epsilon}.")
        if (self.gran_k, self.gran_epsilon) != (1.0, 1e-4) and self.constraint != "gran":
            raise ValueError("--gran-k/--gran-epsilon set GraN's K and epsilon; add --constraint gran, or drop them.")
        if int(self.cascade) < 1:
            raise ValueError(f"cascade is a number of scores >= 1 (1: none), got {self.cascade}.")
        if int(self.ema_start) > 0 and self.ema is None:
            raise ValueError("ema_start is the warm-up of the generator's EMA; set --ema DECAY too, or drop it.")
        if self.prior not in PRIORS:
            raise ValueError(f"Unknown prior {self.prior!r}. Valid priors: {', '.join(PRIORS)}.")
        if self.augment is not None:
            from .choices import parse_augment_policy as parse_policy  # raises naming the part

            parse_policy(self.augment)
        if self.keep_best is not None:
            if self.keep_best not in KEEP_BEST_METRICS:
                raise ValueError(f"Unknown keep_best metric {self.keep_best!r}. Valid metrics: "
                                 f"{', '.join(KEEP_BEST_METRICS)}.")
            if self.fid_every is None:
                raise ValueError("--keep-best fid chooses among the --fid-every evaluations; add --fid-every N "
                                 "(with --fid-network mnist-classifier or fashion-classifier for a fast one).")
            if int(self.fid_every) > int(self.epochs):
                raise ValueError(f"--keep-best needs at least one evaluation, but --fid-every {self.fid_every} is "
                                 f"more than --epochs {self.epochs}; lower --fid-every.")
        self._validate_progressive()
        if self.conditional not in CONDITIONAL:
            raise ValueError(f"Unknown conditional {self.conditional!r}. Valid values: {', '.join(CONDITIONAL)}.")
        if self.info_categorical < 0 or self.info_continuous < 0 or self.info_categorical == 1:
            raise ValueError("info_categorical must be 0 or >= 2 (categories) and info_continuous >= 0.")
        if self.infogan and self.conditional != "none":
            raise ValueError("InfoGAN codes and --conditional cannot be combined: InfoGAN learns its codes "
                             "without labels. Use one of them.")
        if not self.ac_weight >= 0:
            raise ValueError(f"ac_weight must be >= 0, got {self.ac_weight}.")
        if self.ac_weight != 1.0 and self.conditional != "acgan":
            raise ValueError("ac_weight weighs the AC-GAN class losses; use it with --conditional acgan, or drop it.")
        if not self.ac_fake_weight >= 0:
            raise ValueError(f"ac_fake_weight must be >= 0, got {self.ac_fake_weight}.")
        if self.ac_fake_weight != 1.0 and self.conditional != "acgan":
            raise ValueError("ac_fake_weight weighs the AC-GAN discriminator's class loss on generated images; use "
                             "it with --conditional acgan, or drop it.")
        if not self.info_weight >= 0:
            raise ValueError(f"info_weight must be >= 0, got {self.info_weight}.")
        if self.minibatch_discrimination is not None:
            self.minibatch_discrimination_bc  # noqa: B018  (raises on a bad "B,C")
        if int(self.minibatch_stddev) == 1 or int(self.minibatch_stddev) < 0:
            raise ValueError(f"minibatch_stddev is a group size >= 2 (0: none), got {self.minibatch_stddev}.")
        if self.feature_matching not in (None, "only", "add"):
            raise ValueError(f"feature_matching must be 'only' or 'add', got {self.feature_matching!r}.")
        if self.feature_layer and not self.feature_matching:
            raise ValueError("--feature-layer names the layer of --feature-matching; pass --feature-matching too.")
        from .composition import check_label_smoothing

        check_label_smoothing(self.loss, self.label_smoothing)
        if self.fid_every is not None and int(self.fid_every) < 1:
            raise ValueError(f"fid_every must be >= 1, got {self.fid_every}.")
        if int(self.fid_samples) < 2:
            raise ValueError(f"fid_samples must be >= 2, got {self.fid_samples}.")
        if self.fid_network not in FID_NETWORKS:
            raise ValueError(f"Unknown fid_network {self.fid_network!r}. Valid networks: "
                             f"{', '.join(FID_NETWORKS)}.")
        mismatch = classifier_mismatch(self.fid_network, self.dataset)
        if mismatch:
            raise ValueError(f"--fid-network {mismatch}")
        if self.fid_every is not None and self.dataset not in DATASETS:
            raise ValueError("--fid-every needs a built-in --dataset (its statistics are cached); evaluate other "
                             "sources afterwards with scripts/evaluate.py --fake OUT/generator.")
        if self.channels not in (None, 1, 3):
            raise ValueError(f"channels must be 1 or 3, got {self.channels}.")
        if self.image_size is not None and self.arch in CONV_ARCHITECTURES:
            from .shapes import upsampling_plan

            upsampling_plan(int(self.image_size))

    def _validate_progressive(self) -> None:
        """Progressive augmentation's flags: counts in range, a metric to follow, a loss it applies to."""
        if int(self.progressive_augment) < 0 or int(self.pa_patience) < 1 or int(self.pa_fade_steps) < 0:
            raise ValueError("progressive_augment (bits) and pa_fade_steps must be >= 0 and pa_patience >= 1, got "
                             f"{self.progressive_augment}, {self.pa_fade_steps} and {self.pa_patience}.")
        if not self.progressive_augment:
            if int(self.pa_start):
                raise ValueError("--pa-start is the number of --progressive-augment bits on from the start; add "
                                 "--progressive-augment BITS, or drop it.")
            return
        if not 0 <= int(self.pa_start) <= int(self.progressive_augment):
            raise ValueError(f"--pa-start {self.pa_start} must be between 0 and --progressive-augment "
                             f"{self.progressive_augment} (the bits D is built for).")
        if self.pa_monitor not in ("kid", "fid"):
            raise ValueError(f"Unknown pa_monitor {self.pa_monitor!r}. Valid: kid, fid.")
        if self.fid_every is None and int(self.pa_start) < int(self.progressive_augment):
            raise ValueError("--progressive-augment adds a bit when the --fid-every evaluation stops improving; add "
                             "--fid-every N (with --fid-network mnist-classifier or fashion-classifier for a fast one), "
                             "or turn every bit on from the start with --pa-start "
                             f"{self.progressive_augment} (no schedule then).")
        from .composition import check_progressive

        check_progressive(self.loss, label_smoothing=self.label_smoothing, feature_matching=self.feature_matching)

    @property
    def generator_norm(self) -> str:
        """The generator's batch norms for :func:`tfgan_zoo.nets.build`: batch, cbn or self-modulation."""
        return "cbn" if self.conditional_norm == "cbn" else "self-modulation" if self.self_modulation else "batch"

    def _validate_networks(self) -> None:
        """Upsampling, generator norms and the ResNet options against the architecture and conditioning."""
        from .choices import RESNET_VARIANTS, UPSAMPLES

        if self.upsample not in UPSAMPLES:
            raise ValueError(f"Unknown upsample {self.upsample!r}. Valid: {', '.join(UPSAMPLES)}.")
        if self.upsample != "transpose" and self.arch not in CONV_ARCHITECTURES:
            raise ValueError(f"--upsample chooses the dcgan/sndcgan generator's upsampling; the {self.arch} "
                             "generator has its own (resnet: nearest + conv). Drop --upsample.")
        if self.conditional_norm not in ("none", "cbn"):
            raise ValueError(f"Unknown conditional_norm {self.conditional_norm!r}. Valid: none, cbn.")
        if self.conditional_norm == "cbn" and self.conditional not in ("concat", "projection", "acgan"):
            raise ValueError("--conditional-norm cbn puts the labels into the generator's batch norms; add "
                             "--conditional projection (or acgan, concat).")
        if self.self_modulation and (self.conditional != "none" or self.infogan):
            raise ValueError("--self-modulation is for unconditional generators; with labels use "
                             "--conditional-norm cbn.")
        if self.generator_norm != "batch" and self.arch == "mlp":
            raise ValueError("--conditional-norm/--self-modulation change the generator's batch norms; the mlp has "
                             "none. Use --arch dcgan, sndcgan, sndcgan-small, infogan or resnet.")
        if self.resnet_variant not in RESNET_VARIANTS:
            raise ValueError(f"Unknown resnet_variant {self.resnet_variant!r}. Valid: {', '.join(RESNET_VARIANTS)}.")
        if self.resnet_variant != "sngan" and self.arch != "resnet":
            raise ValueError("--resnet-variant applies to --arch resnet.")
        self._at_least_one(optional=("width", "d_width"))
        if self.width is not None and self.arch == "mlp":
            raise ValueError("--width sets the convolutional networks' channels; the mlp has fixed layers.")
        if self.d_width is not None and self.arch != "resnet":
            raise ValueError("--d-width applies to --arch resnet (the other networks share --width).")
        if self.arch == "resnet" and self.image_size is not None and int(self.image_size) not in (32, 64, 128):
            raise ValueError(f"--arch resnet is built for 32, 64 and 128 pixels (28 is padded inside); --image-size "
                             f"{self.image_size} is none of them.")

    def _validate_dataset(self) -> None:
        """A built-in name, an existing folder or .npz/.npy file, or a TFDS name (checked when loaded)."""
        d = str(self.dataset or "")
        if not d:
            raise ValueError(f"dataset is empty; give one of {', '.join(DATASETS)}, a folder of images, "
                             "an .npz/.npy file or a TFDS dataset name.")
        if d in DATASETS:
            return
        looks_like_path = os.sep in d or d.endswith((".npz", ".npy")) or d.startswith((".", "~"))
        if (looks_like_path or os.path.exists(d)) and not (os.path.isdir(d) or os.path.isfile(d)):
            raise ValueError(f"dataset {d!r}: no such folder or file. Built-in datasets: {', '.join(DATASETS)}.")
        if os.path.isfile(d) and not d.endswith((".npz", ".npy")):
            raise ValueError(f"dataset {d!r} is a file but not .npz/.npy; give a folder of images or an array file.")

    @property
    def keras_jit_compile(self) -> bool | str:
        """``jit_compile`` as ``Model.compile`` takes it."""
        return {"auto": "auto", "on": True, "off": False}[self.jit_compile]

    @property
    def infogan(self) -> bool:
        """Whether the run is an InfoGAN (it has codes)."""
        return self.info_categorical + self.info_continuous > 0

    @property
    def conditioning(self) -> str | None:
        """The networks' conditioning mode (``None``, a ``--conditional`` value or ``"infogan"``)."""
        if self.infogan:
            return "infogan"
        return None if self.conditional == "none" else self.conditional


@dataclasses.dataclass
class TranslationConfig(RunConfig):
    """Settings of a pix2pix or CycleGAN run (``train.py --model``); the run fields are :class:`RunConfig`'s.

    ``loss`` None is the model's own (pix2pix nsgan, CycleGAN lsgan) and is resolved when the config is made,
    so ``config.json`` and the checkpoints record the loss that ran.
    """

    out: str = "runs/pix2pix"
    model: str = "pix2pix"
    pairs: str = "mnist-edges"
    loss: str | None = None  # None: pix2pix nsgan, cyclegan lsgan
    width: int | None = None  # generator and discriminator width (default 32 for images up to 64 px, else 64)
    patch_layers: int | None = None  # PatchGAN depth (default 2 for images up to 64 px: 34x34 patches; else 3)
    n_blocks: int = 6  # CycleGAN generator residual blocks
    l1_weight: float = 100.0
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    pool_size: int = 50
    constraint: str | None = None  # None: the loss's default (choices.LOSS_TABLE; wgan: clip)
    penalty: str | None = None  # None: the loss's default (wgan-gp: gp)
    penalty_weight: float | None = None
    lr: float = 2e-4
    n_eval: int = 1000

    def __post_init__(self) -> None:
        """The loss, constraint and penalty resolved from the model's and the loss's defaults (an unknown name is
        left for :meth:`validate`)."""
        if self.loss is None:
            self.loss = TRANSLATION_DEFAULT_LOSS.get(self.model)
        if self.loss in LOSSES:
            self.constraint, self.penalty = loss_defaults(self.loss, self.constraint, self.penalty)

    @property
    def resolved_loss(self) -> str:
        """The adversarial loss that runs (``loss``, resolved from the model when it was None)."""
        return self.loss or TRANSLATION_DEFAULT_LOSS[self.model]

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first invalid field and the valid values."""
        if self.model not in TRANSLATION_MODELS:
            raise ValueError(f"Unknown model {self.model!r}. Valid: gan, {', '.join(TRANSLATION_MODELS)}.")
        if self.pairs not in PAIR_SOURCES and not os.path.isdir(str(self.pairs)):
            raise ValueError(f"--pairs {self.pairs!r} is neither a built-in source ({', '.join(PAIR_SOURCES)}) nor a "
                             "folder with A/ and B/ sub-folders.")
        self._validate_run()
        from .composition import check_translation

        check_translation(self.model, self.resolved_loss, self.constraint, self.penalty)
        self._at_least_one(("n_blocks", "n_eval"), ("width", "patch_layers"))
        if int(self.pool_size) < 0:
            raise ValueError(f"pool_size must be >= 0 (0: no image pool), got {self.pool_size}.")
        for name in ("l1_weight", "cycle_weight", "identity_weight"):
            if not float(getattr(self, name)) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}.")
        if not float(self.lr) > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}.")
        from .composition import check_values

        check_values(penalty_weight=self.penalty_weight)

    def saved_settings(self) -> dict:
        """``config.json``: the settings in ``train.py``'s flag names (its one ``lr`` as ``lr_d`` and ``lr_g``;
        ``n_eval`` has no flag)."""
        saved = {k: v for k, v in dataclasses.asdict(self).items() if k not in ("lr", "n_eval")}
        saved.update(lr_d=self.lr, lr_g=self.lr)
        return saved


def check_tf_config(text: str | None) -> None:
    """Refuse a missing or malformed ``TF_CONFIG`` (the cluster of ``--strategy multiworker``).

    It must be a JSON object ``{"cluster": {"worker": ["host:port", ...]}, "task": {"type":
    "worker", "index": i}}`` (a ``"chief"`` list may come with the workers) naming this
    process's task in the cluster.
    """
    example = ('TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
               '"task": {"type": "worker", "index": 0}}\'')
    if not text:
        raise ValueError("--strategy multiworker reads the cluster from the TF_CONFIG environment variable, "
                         f"which is not set; set it on every worker, e.g. {example} (index 1 on host2), "
                         "or use --strategy mirrored for the devices of one machine.")
    try:
        conf = json.loads(text)
    except ValueError as e:
        raise ValueError(f"TF_CONFIG is not valid JSON ({e}); expected e.g. {example}.") from None
    cluster = conf.get("cluster") if isinstance(conf, dict) else None
    task = conf.get("task") if isinstance(conf, dict) else None
    if not isinstance(cluster, dict) or not (cluster.get("worker") or cluster.get("chief")) or not all(
            isinstance(v, list) for v in cluster.values()):
        raise ValueError(f"TF_CONFIG has no cluster with a list of workers (\"host:port\" strings); "
                         f"expected e.g. {example}.")
    if not isinstance(task, dict) or task.get("type") not in cluster or not isinstance(task.get("index", 0), int) \
            or not 0 <= task.get("index", 0) < len(cluster[task["type"]]):
        raise ValueError(f"TF_CONFIG's task {task!r} is not one of its cluster's tasks "
                         f"({', '.join(f'{k} 0..{len(v) - 1}' for k, v in cluster.items())}); "
                         "give each process its own type and index.")


def writes_run_folder(cfg: RunConfig) -> bool:
    """Whether this process writes ``cfg.out``: always, except a non-chief worker of ``--strategy multiworker``
    (the chief is the ``"chief"`` task, or worker 0 when the cluster has none). Reads ``TF_CONFIG``, no TensorFlow."""
    if getattr(cfg, "strategy", "default") != "multiworker":
        return True
    conf = json.loads(os.environ["TF_CONFIG"])  # checked by validate()
    task, cluster = conf["task"], conf["cluster"]
    return task["type"] == "chief" or (task["type"] == "worker" and task.get("index", 0) == 0 and
                                       not cluster.get("chief"))
