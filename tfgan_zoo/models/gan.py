"""The GAN base model: one ``train_step`` for the whole family.

Variants (LSGAN, WGAN, WGAN-GP, hinge) subclass :class:`GAN` and override
small hooks:

``discriminator_loss(real_logits, fake_logits)``
    the discriminator's loss;
``generator_loss(fake_logits)``
    the generator's loss;
``discriminator_regularizer(real, fake)``
    an extra term added to the discriminator loss (e.g. a gradient penalty);
``after_discriminator_update()``
    a post-update constraint (e.g. weight clipping);
``discriminator_output(logits)``
    what is reported as ``d_real`` / ``d_fake``;
``default_optimizers()``
    the optimizers used when :meth:`GAN.compile` gets none.

Lipschitz constraints (``constraint``), gradient penalties (``penalty``) and an
EMA of the generator (``ema``) are constructor arguments of every variant, so
they compose with every loss (see :mod:`tfgan_zoo.composition`).
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from .. import distribute
from .. import losses as L
from .. import penalties as P
from .. import progressive as PA
from ..augment import diff_augment, parse_policy
from ..packing import pack as pack_samples, packed_shape
from ..priors import check_prior, sample as sample_prior
from ..constraints import apply_constraint, clip_weights
from ..choices import LOSS_TABLE
from .. import composition  # its rules called through the module: one function each, patchable in tests
from ..composition import penalty_metric_name
from ..nets.cascade import score_count
from .conditioning import Conditioning

PACKAGE = "tfgan_zoo"


def apply_update(optimizer, loss, tape, variables) -> None:
    """One optimizer update of ``variables`` from ``loss`` recorded on ``tape``, loss-scaled when the optimizer
    is a ``LossScaleOptimizer`` and divided by the replicas under a strategy (the optimizer sums their
    gradients). Every model's step updates through it.

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        The optimizer of ``variables`` (a ``LossScaleOptimizer`` under ``mixed_float16``).
    loss : tensor
        Scalar loss of this replica, computed under ``tape``.
    tape : tf.GradientTape
        The tape that recorded ``loss``, its gradient not yet taken; the loss scaling is recorded on it too.
    variables : list of keras.Variable
        The variables to update (e.g. a network's ``trainable_variables``).
    """
    with tape:  # scaling must be recorded, or no gradient reaches the variables
        scaled = optimizer.scale_loss(distribute.replica_share(loss))
    grads = tape.gradient(scaled, variables)
    optimizer.apply(grads, variables)


def split_critic_batches(images, labels, parts: int) -> tuple[list, list]:
    """The real images (and labels, or None) of a step split into ``parts`` equal consecutive parts, one per
    critic update (``critic_batches="fresh"``); ``parts=1`` returns the batch whole.

    Parameters
    ----------
    images : tensor
        The step's real images, ``(parts * B, ...)``.
    labels : tensor or None
        Their labels, ``(parts * B,)``, or None for unlabelled data.
    parts : int
        Number of parts (``n_critic``), >= 1.

    Returns
    -------
    tuple of (list, list)
        ``parts`` image tensors of ``B`` rows each, and ``parts`` label tensors (or ``parts`` Nones).

    Raises
    ------
    ValueError
        When the batch size (known when the step is traced) is not a multiple of ``parts``; a batch whose size
        is known only at run time is checked then, with the same message.
    """
    if parts == 1:
        return [images], [labels]
    message = (f"critic_batches='fresh' with n_critic={parts} splits each batch into {parts} equal parts, one per "
               f"critic update, so a batch must hold {parts} x B images")
    n = images.shape[0]
    if n is not None and n % parts:
        raise ValueError(f"{message}; got a batch of {n}. Batch the data with batch_size={parts} * B "
                         "(train.py does), or use critic_batches='shared'.")
    if n is None:
        tf.debugging.assert_equal(tf.shape(images)[0] % parts, 0, message=message + " (drop_remainder=True "
                                  "avoids a short last batch)")
    return tf.split(images, parts), ([None] * parts if labels is None else tf.split(labels, parts))


def track(tracker, value, *optimizers) -> None:
    """Add a step's value to its epoch mean. Under loss scaling (any of ``optimizers`` a LossScaleOptimizer) a
    non-finite value is left out: its update was skipped, and one skipped step must not turn the rest of the
    epoch's means into NaN.

    Parameters
    ----------
    tracker : keras.metrics.Mean
        The metric that averages the value over the epoch.
    value : tensor
        The step's scalar value (e.g. a loss).
    *optimizers : keras.optimizers.Optimizer
        The optimizers of the step; whether any of them scales the loss decides if non-finite values are dropped.
    """
    if any(isinstance(o, keras.optimizers.LossScaleOptimizer) for o in optimizers):
        value = tf.cast(value, tf.float32)
        finite = tf.math.is_finite(value)
        tracker.update_state(tf.where(finite, value, 0.0), sample_weight=tf.cast(finite, tf.float32))
    else:
        tracker.update_state(value)


def deserialize_optimizers(config: dict) -> dict:
    """A saved compile configuration with its ``d_optimizer``/``g_optimizer`` rebuilt, for ``compile(**...)``.

    Parameters
    ----------
    config : dict
        A compile configuration as ``get_compile_config`` returns it, the optimizers serialized.

    Returns
    -------
    dict
        A copy of ``config`` with ``d_optimizer`` and ``g_optimizer`` as optimizer objects.
    """
    config = dict(config)
    for key in ("d_optimizer", "g_optimizer"):
        config[key] = keras.optimizers.deserialize(config[key])
    return config


def with_loss_scaling(optimizer: keras.optimizers.Optimizer, name: str) -> keras.optimizers.Optimizer:
    """``optimizer`` wrapped in a ``LossScaleOptimizer`` under the ``mixed_float16`` policy (else as is).

    Parameters
    ----------
    optimizer : keras.optimizers.Optimizer
        The optimizer; one that already is a ``LossScaleOptimizer`` is returned as is.
    name : str
        Name of the wrapping ``LossScaleOptimizer`` (e.g. ``"d_loss_scale"``).

    Returns
    -------
    keras.optimizers.Optimizer
        The wrapped optimizer under ``mixed_float16``, else ``optimizer`` itself.
    """
    if _is_mixed_float16() and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer, name=name)
    return optimizer


def _is_mixed_float16() -> bool:
    return keras.config.dtype_policy().name == "mixed_float16"


class TwoOptimizers:
    """Mixin for a model trained by a discriminator optimizer and a generator optimizer (:class:`GAN` and the
    translation models): one compile path, and a compile configuration that a saved model rebuilds."""

    def _compile_two(self, d_optimizer, g_optimizer, d_variables, g_variables, **compile_kwargs: Any) -> None:
        """Set ``d_optimizer``/``g_optimizer`` (``None``: :meth:`default_optimizers`; loss-scaled under
        ``mixed_float16``), compile with ``compile_kwargs`` and build each optimizer on its variables."""
        d_default, g_default = self.default_optimizers()
        d_opt = d_default if d_optimizer is None else keras.optimizers.get(d_optimizer)
        g_opt = g_default if g_optimizer is None else keras.optimizers.get(g_optimizer)
        if d_opt is g_opt:
            raise ValueError(
                "d_optimizer and g_optimizer must be two different optimizer objects "
                "(each keeps its own moments); create two instances."
            )
        d_opt, g_opt = with_loss_scaling(d_opt, "d_loss_scale"), with_loss_scaling(g_opt, "g_loss_scale")
        keras.Model.compile(self, optimizer=None, auto_scale_loss=False, **compile_kwargs)
        self.d_optimizer = d_opt
        self.g_optimizer = g_opt
        self._gan_compile_config = {"d_optimizer": keras.optimizers.serialize(d_opt),
                                    "g_optimizer": keras.optimizers.serialize(g_opt),
                                    **{k: v for k, v in compile_kwargs.items() if k != "run_eagerly"}}
        self.d_optimizer.build(d_variables)
        self.g_optimizer.build(g_variables)

    # ----------------------------------------------------------- serialising
    _SEED_KEY = "noise_seed_state"

    _LAYER_SEEDS_KEY = "layer_seed_states"

    def _layer_seed_states(self) -> list:
        """The seed states of the networks' own random layers (dropout, noise), in a fixed order; Keras saves
        none of them with the weights."""
        own = id(self.seed_generator.state)
        return [v for v in self.variables if v.path.endswith("seed_generator_state") and id(v) != own]

    def save_own_variables(self, store) -> None:
        """Save own variables plus the seed-generator states, the model's and its layers' (so a resumed run draws
        the noise, dropout masks, pool choices and penalty points an uninterrupted one would)."""
        super().save_own_variables(store)
        store[self._SEED_KEY] = np.asarray(self.seed_generator.state.numpy())
        layer_seeds = self._layer_seed_states()
        if layer_seeds:
            store[self._LAYER_SEEDS_KEY] = np.stack([np.asarray(v.numpy()) for v in layer_seeds])

    def load_own_variables(self, store) -> None:
        own = self._trainable_variables + self._non_trainable_variables
        for i, v in enumerate(own):
            v.assign(store[f"{i}"])
        keys = store.keys()
        if self._SEED_KEY in keys:  # files written before it was saved have none
            self.seed_generator.state.assign(np.asarray(store[self._SEED_KEY]))
        if self._LAYER_SEEDS_KEY in keys:  # nor these, before tfgan_zoo saved them
            saved = np.asarray(store[self._LAYER_SEEDS_KEY])
            layer_seeds = self._layer_seed_states()
            if len(saved) != len(layer_seeds):
                raise ValueError(f"The file holds {len(saved)} layer seed states, the model has {len(layer_seeds)}.")
            for v, x in zip(layer_seeds, saved):
                v.assign(x)

    def record_optimizer_config(self) -> None:
        """Refresh the saved compile configuration from the optimizers as they are now (call it after changing a
        learning rate or schedule, so a saved model rebuilds them as they are)."""
        if hasattr(self, "_gan_compile_config"):
            self._gan_compile_config["d_optimizer"] = keras.optimizers.serialize(self.d_optimizer)
            self._gan_compile_config["g_optimizer"] = keras.optimizers.serialize(self.g_optimizer)

    def get_compile_config(self) -> dict:
        return dict(getattr(self, "_gan_compile_config", {}))

    def compile_from_config(self, config: dict) -> None:
        self.compile(**deserialize_optimizers(config))


@keras.saving.register_keras_serializable(package=PACKAGE)
class GAN(TwoOptimizers, keras.Model):
    """Generative adversarial network with the binary cross-entropy loss.

    Parameters
    ----------
    generator : keras.Model
        Maps noise ``z`` of shape ``(batch, latent_dim)`` to images in [-1, 1].
    discriminator : keras.Model
        Maps images to one logit per example, shape ``(batch, 1)``.
    latent_dim : int, optional
        Size of ``z``; read from ``generator.input_shape`` when omitted.
    n_critic : int, optional
        Discriminator updates per generator update (class default when None),
        each with fresh noise; ``critic_batches`` says which real images each one sees.
    critic_batches : {"shared", "fresh"}
        ``"shared"`` (default, as the keras-io WGAN-GP example): all ``n_critic``
        discriminator updates use the whole real batch given to ``train_step``.
        ``"fresh"`` (Gulrajani et al.'s Algorithm 1, compare_gan): the batch holds
        ``n_critic * B`` images and update ``i`` uses rows ``[i*B, (i+1)*B)``, so every
        critic update sees new real images and an epoch (one pass over the data) has
        ``n_critic`` times fewer generator steps. The generator update and the
        relativistic losses use the last part. With ``n_critic=1`` both are the same.
    generator_loss : {"nonsaturating", "minimax"}
        ``"nonsaturating"`` minimises ``-E[log D(G(z))]``; ``"minimax"`` the
        original (saturating) ``E[log(1 - D(G(z)))]``.
    fresh_noise_for_generator : bool
        If False (default), the generator update reuses the images generated
        for the last discriminator update (as TF-GAN and the PyTorch DCGAN
        tutorial do), which saves one generator forward pass per step. If True,
        new noise is drawn for the generator update (Goodfellow et al.,
        Algorithm 1).
    seed : int, optional
        Seed of the ``keras.random.SeedGenerator`` that draws all noise.
    constraint : {"none", "clip", "sn", "gn", "gran"}, optional
        Lipschitz constraint on the discriminator (:mod:`tfgan_zoo.constraints`);
        None takes the variant's default (``clip`` for WGAN, else ``none``).
    clip_value : float
        Weight-clipping bound for ``constraint="clip"`` (0.01, as in WGAN).
    penalty : {"none", "gp", "gp-one-sided", "r1", "dragan"}, optional
        Gradient penalty added to the discriminator loss (:mod:`tfgan_zoo.penalties`);
        None takes the variant's default (``gp`` for WGAN-GP, else ``none``).
    penalty_weight : float, optional
        Its weight (lambda, or gamma for R1); default 10 for each.
    ema : float, optional
        Decay of an exponential moving average of the generator's weights,
        ``w_ema <- ema * w_ema + (1 - ema) * w`` after every generator update
        (batch-norm statistics are copied). When set, :meth:`generate`, the
        sample grids and the export use the averaged generator.
    ema_start : int
        EMA warm-up: for the first ``ema_start`` generator updates the average
        copies the generator (decay 0), so it does not start as an average
        of the random initialisation; from then on it decays at ``ema``.
    prior : {"normal", "uniform"}
        Distribution of ``z`` (:mod:`tfgan_zoo.priors`): ``N(0, I)`` or ``U(-1, 1)^d``.
    pack : int
        PacGAN packing (:mod:`tfgan_zoo.packing`): the discriminator judges
        ``pack`` samples at once (build it for the packed input shape, e.g.
        ``nets.toy_pair(pack=m)``); the batch must be a multiple of ``pack``.
        Not with labels or codes.
    augment : str or sequence, optional
        DiffAugment policy applied to every discriminator input in training,
        real and generated, in both updates (:mod:`tfgan_zoo.augment`), e.g.
        ``"color,translation,cutout"``.
    conditional : {None, "concat", "projection", "acgan", "infogan"}, optional
        How labels or codes enter the networks (:mod:`tfgan_zoo.models.conditioning`); build both networks
        for the same mode (``nets.build(..., conditional=...)``). None or ``"none"`` (default): unconditional.
        ``"concat"``/``"projection"``: both networks take ``[input, label]``; ``"acgan"``: only the generator
        does, and the discriminator's class head adds a cross-entropy term to both losses (Odena et al., 2017).
        These three train on ``(images, labels)`` batches (``data.load(..., with_labels=True)``).
        ``"infogan"``: latent codes are appended to ``z`` and the discriminator's Q head adds the
        mutual-information term to both losses (Chen et al., 2016).
    num_classes : int, optional
        Number of labels (>= 2); required by ``"concat"``, ``"projection"`` and ``"acgan"``.
    info_categorical : int
        InfoGAN: categories of the categorical code ``c_cat`` (0, the default: none; else >= 2).
    info_continuous : int
        InfoGAN: number of continuous codes ``c_cont ~ U(-1, 1)`` (default 0). InfoGAN needs at least one
        code of either kind.
    info_weight : float
        InfoGAN: weight lambda of the mutual-information loss added to both losses (default 1).
    ac_weight : float
        AC-GAN: weight (>= 0) of the class cross-entropy terms (default 1).
    ac_fake_weight : float
        AC-GAN: weight (>= 0) of the generated images' term in the discriminator's class loss (default 1,
        Odena et al.; 0: the class head learns from real images only). See :class:`Conditioning`.
    label_smoothing : float
        One-sided label smoothing ``eps`` in [0, 1) (Salimans et al., 2016): real images get the target
        ``1 - eps``. Only for the BCE losses (``gan``, ``nsgan``) and not with progressive augmentation;
        0 (default): off.
    feature_matching : {None, "only", "add"}, optional
        Feature matching (Salimans et al., 2016): the generator matches the batch-mean discriminator features of
        real and generated images, ``||E f(x) - E f(G(z))||^2`` (reported as ``fm``). ``"only"``: that term is
        the generator's loss; ``"add"``: it is added to the adversarial loss; None or ``"none"`` (default): off.
    feature_layer : str, optional
        Name of the discriminator layer whose output is the features ``f`` of feature matching (and of the MMD
        GANs' feature map); None (default): the input of the discriminator's output layer ``logit``.
    progressive_bits : int
        Progressive augmentation (PA-GAN, :mod:`tfgan_zoo.progressive`): the
        discriminator gets this many extra input channels (build it for
        ``C + progressive_bits`` channels); each active bit flips the
        real/fake label, which for the symmetric losses (:attr:`label_flip_symmetric`)
        is the logit's sign. 0 (default): off.
    progressive_fade_steps : int
        Generator steps over which a newly activated bit fades in (its chance
        of being active rises linearly from 0 to 1); 0 activates it at once.
        The level's target is set by
        :class:`tfgan_zoo.callbacks.ProgressiveAugmentationSchedule` or
        :meth:`set_progressive_target`.

    Examples
    --------
    >>> from tfgan_zoo import nets, models, data
    >>> g, d = nets.build("dcgan", image_shape=(28, 28, 1), latent_dim=64)
    >>> gan = models.GAN(g, d)
    >>> gan.compile()                                    # doctest: +SKIP
    >>> gan.fit(data.load("mnist", batch_size=64), epochs=1)  # doctest: +SKIP
    """

    # the defaults of the losses without their own class attributes: every class reads its row of choices.LOSS_TABLE
    default_n_critic = LOSS_TABLE["nsgan"].n_critic
    default_constraint = LOSS_TABLE["nsgan"].constraint
    default_penalty = LOSS_TABLE["nsgan"].penalty
    #: flipping a sample's real/fake label is negating its logit (``loss_fake(l) = loss_real(-l)``), which
    #: progressive augmentation relies on
    label_flip_symmetric = True

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int | None = None,
        n_critic: int | None = None,
        critic_batches: str = "shared",
        generator_loss: str = "nonsaturating",
        fresh_noise_for_generator: bool = False,
        seed: int | None = None,
        constraint: str | None = None,
        clip_value: float = 0.01,
        penalty: str | None = None,
        penalty_weight: float | None = None,
        ema: float | None = None,
        ema_start: int = 0,
        prior: str = "normal",
        augment: str | tuple[str, ...] | None = None,
        pack: int = 1,
        conditional: str | None = None,
        num_classes: int | None = None,
        info_categorical: int = 0,
        info_continuous: int = 0,
        info_weight: float = 1.0,
        ac_weight: float = 1.0,
        ac_fake_weight: float = 1.0,
        label_smoothing: float = 0.0,
        feature_matching: str | None = None,
        feature_layer: str | None = None,
        progressive_bits: int = 0,
        progressive_fade_steps: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
            raise TypeError(
                "generator and discriminator must be keras.Model instances "
                f"(got {type(generator).__name__} and {type(discriminator).__name__}); "
                "build them with tfgan_zoo.nets.build(...) or keras.Sequential/functional API."
            )
        self.conditioning = Conditioning(conditional, num_classes, info_categorical, info_continuous,
                                         info_weight, ac_weight, ac_fake_weight)
        code_dim = self.conditioning.code_dim
        g_in = generator.input_shape
        g_in = g_in[0] if isinstance(g_in, list) else g_in
        if latent_dim is None:
            latent_dim = g_in[-1] - code_dim
        latent_dim = int(latent_dim)
        if g_in is not None and g_in[-1] is not None and g_in[-1] != latent_dim + code_dim:
            raise ValueError(
                f"latent_dim={latent_dim}" + (f" plus {code_dim} InfoGAN code inputs" if code_dim else "")
                + f" does not match the generator's input size {g_in[-1]}; pass the latent size the generator "
                "was built with."
            )
        g_out = tuple(generator.output_shape[1:])
        d_in = discriminator.input_shape
        d_in = tuple((d_in[0] if isinstance(d_in, list) else d_in)[1:])
        if int(pack) < 1:
            raise ValueError(f"pack must be >= 1 (samples per discriminator input), got {pack}.")
        if int(pack) > 1 and self.conditioning.mode is not None:
            raise ValueError("Packing (pack > 1) is for unconditional GANs: a pack of samples has no single label "
                             "or code. Drop pack or the conditioning.")
        self.progressive_bits = int(progressive_bits)
        if self.progressive_bits < 0 or int(progressive_fade_steps) < 0:
            raise ValueError(f"progressive_bits and progressive_fade_steps must be >= 0, got {progressive_bits} and "
                             f"{progressive_fade_steps}.")
        expected = packed_shape(g_out, int(pack))
        if self.progressive_bits:
            expected = (*expected[:-1], expected[-1] + self.progressive_bits)
        if expected != d_in:
            raise ValueError(
                f"The generator makes images of shape {g_out} but the discriminator expects {d_in}"
                + (f" (packs of {pack}: expected {packed_shape(g_out, int(pack))})" if int(pack) > 1 else "")
                + (f" (with {self.progressive_bits} progressive-augmentation channels: expected {expected}; "
                   f"build it with nets.build(..., d_extra_channels={self.progressive_bits}))"
                   if self.progressive_bits else "")
                + "; build both networks for the same image shape"
                + (" and the discriminator for the packed input." if int(pack) > 1 else ".")
            )
        self.pack = int(pack)
        if generator_loss not in ("nonsaturating", "minimax"):
            raise ValueError(
                f"Unknown generator_loss {generator_loss!r}; use 'nonsaturating' or 'minimax'."
            )
        n_critic = self.default_n_critic if n_critic is None else int(n_critic)
        composition.check_values(n_critic=n_critic, critic_batches=critic_batches, clip_value=clip_value,
                                 penalty_weight=penalty_weight, ema=ema, ema_start=ema_start)
        constraint = self.default_constraint if constraint is None else constraint
        penalty = self.default_penalty if penalty is None else penalty
        self.generator_loss_kind = generator_loss
        composition.check_label_smoothing(self.loss_name, label_smoothing,
                                          has_labels=type(self).discriminator_loss is GAN.discriminator_loss)
        self.label_smoothing = float(label_smoothing)
        self.cascade = score_count(discriminator)  # cascading-rejection scores (1: none); set by the network
        composition.check_combination(self.loss_name, constraint, penalty, self.cascade)
        if penalty_weight is None:
            penalty_weight = P.PENALTIES[penalty][1] if penalty != "none" else 0.0
        self.constraint = constraint
        self.clip_value = float(clip_value)
        self.penalty = penalty
        self.penalty_weight = float(penalty_weight)
        self.ema = None if ema is None else float(ema)
        self.ema_start = int(ema_start)
        self.prior = check_prior(prior)
        self.augment = parse_policy(augment)
        if self.augment and len(g_out) != 3:
            raise ValueError(f"augment ({','.join(self.augment)}) transforms images (height, width, channels); "
                             f"these samples have shape {g_out}. Drop augment for non-image data.")
        self.generator = generator
        self.discriminator = apply_constraint(discriminator, constraint)
        self.ema_generator = self._make_ema(generator) if self.ema is not None else None
        self.latent_dim = latent_dim
        self.image_shape = g_out
        self.n_critic = n_critic
        self.critic_batches = critic_batches
        self.fresh_noise_for_generator = bool(fresh_noise_for_generator)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise_seed")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.built = True  # both networks are built Keras models
        self.penalty_tracker = (
            keras.metrics.Mean(name=penalty_metric_name(penalty)) if penalty != "none" else None
        )
        aux = self.conditioning.aux_metric
        self.aux_tracker = keras.metrics.Mean(name=aux) if aux else None
        if feature_matching not in (None, "none", "only", "add"):
            raise ValueError(f"feature_matching must be 'only' (the generator's loss is the feature-matching term), "
                             f"'add' (added to its loss) or None, got {feature_matching!r}.")
        self.feature_matching = None if feature_matching in (None, "none") else feature_matching
        self.feature_layer = feature_layer
        self.features = self._feature_extractor() if self.feature_matching else None
        self.fm_tracker = keras.metrics.Mean(name="fm") if self.feature_matching else None
        self.progressive_fade_steps = int(progressive_fade_steps)
        if self.progressive_bits:
            self._check_progressive()
            self.pa_level = keras.Variable(0.0, trainable=False, dtype="float32", name="pa_level")
            self.pa_target = keras.Variable(0.0, trainable=False, dtype="float32", name="pa_target")
        self.pa_tracker = keras.metrics.Mean(name="pa_level") if self.progressive_bits else None

    def _check_progressive(self) -> None:
        """Refuse progressive augmentation where the label flip is not the logit's sign, or D has other inputs."""
        composition.check_progressive(self.loss_name, self.label_flip_symmetric, self.label_smoothing,
                                      self.feature_matching, self.pack)

    def set_progressive_target(self, level: float) -> None:
        """Set the level the augmentation moves to (a number of active bits, ``0 .. progressive_bits``)."""
        if not self.progressive_bits:
            raise ValueError("This model was built without progressive augmentation (progressive_bits=0).")
        if not 0 <= float(level) <= self.progressive_bits:
            raise ValueError(f"The progressive-augmentation level must be in [0, {self.progressive_bits}] (the bits "
                             f"the discriminator was built for), got {level}.")
        self.pa_target.assign(float(level))

    def _feature_extractor(self) -> keras.Model:
        """``D inputs -> features`` for feature matching: the output of ``feature_layer``, or by default the
        input of the output layer ``logit`` (the trunk's features, after any minibatch layer)."""
        name = self.feature_layer or "logit"
        net = getattr(self.discriminator, "inner", self.discriminator)  # gradient normalization wraps the network
        # a layer of that name, or a wrapper of one (spectral normalization wraps each kernel layer)
        layer = next((la for la in net.layers if name in (la.name, getattr(getattr(la, "layer", None), "name", None))),
                     None)
        if layer is None:
            raise ValueError(f"Feature matching needs the discriminator layer {name!r}, which {net.name} does not "
                             f"have; pass feature_layer= one of {[la.name for la in net.layers]}.")
        return keras.Model(net.inputs, layer.output if self.feature_layer else layer.input, name="d_features")

    def feature_matching_loss(self, real, real_cond, fake, fake_cond):
        """``||E f(x) - E f(G(z))||^2`` on the discriminator's features ``f`` (Salimans et al., 2016); the real
        side is a constant for the generator."""
        def feats(x, c):
            return tf.cast(self.features(self._d_inputs(x, c)[0], training=True), tf.float32)

        f_real = tf.stop_gradient(tf.reduce_mean(feats(real, real_cond), axis=0))
        f_fake = tf.reduce_mean(feats(fake, fake_cond), axis=0)
        return tf.reduce_sum(tf.square(f_real - f_fake))

    @staticmethod
    def _make_ema(generator: keras.Model) -> keras.Model:
        ema = keras.models.clone_model(generator)
        ema.set_weights(generator.get_weights())
        ema.trainable = False
        return ema

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator used for samples, metrics and export: the EMA copy when ``ema`` is set."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def update_ema(self) -> None:
        """``w_ema <- ema * w_ema + (1 - ema) * w`` for trainable weights; other weights (BN statistics) copied."""
        if self.ema_generator is None:
            return
        d = self.ema
        if self.ema_start:  # warm-up: copy until the generator has had ema_start updates
            d = tf.where(self.g_optimizer.iterations > self.ema_start, d, 0.0)  # iterations counts this update
        for e, w in zip(self.ema_generator.weights, self.generator.weights):
            if w.trainable:
                e.assign(d * e + (1.0 - d) * tf.cast(w, e.dtype))
            else:
                e.assign(w)

    # ------------------------------------------------------------------ hooks
    #: True: the generator step also runs D on the real batch and calls ``generator_loss(fake, real_logits=...)``
    generator_uses_real_logits = False

    @property
    def loss_name(self) -> str:
        """The loss's name as in ``tfgan_zoo.models.MODELS`` (``gan`` = minimax, ``nsgan``)."""
        return "gan" if self.generator_loss_kind == "minimax" else "nsgan"

    @property
    def equilibrium_d_loss(self) -> float | None:
        """Discriminator loss at the theoretical equilibrium ``p_g = p_data`` (or None)."""
        return 2 * math.log(2)

    def discriminator_loss(self, real_logits, fake_logits):
        """See :func:`tfgan_zoo.losses.minimax_discriminator_loss` (real target ``1 - label_smoothing``)."""
        return L.minimax_discriminator_loss(real_logits, fake_logits, 1.0 - self.label_smoothing)

    def generator_loss(self, fake_logits):
        """Non-saturating or minimax generator loss (see ``generator_loss`` argument)."""
        if self.generator_loss_kind == "minimax":
            return L.minimax_generator_loss(fake_logits)
        return L.nonsaturating_generator_loss(fake_logits)

    def discriminator_regularizer(self, real, fake, real_cond=None):
        """The ``penalty`` (float32), or 0. Conditional discriminators see the real labels."""
        if self.penalty == "none":
            return tf.constant(0.0, tf.float32)
        fn = P.PENALTIES[self.penalty][0]
        if self.pack > 1:  # the penalty is on D's own inputs, the packs (one gradient norm per pack)

            def d_packed(xp, training=True):
                return self.conditioning.split(self.discriminator(xp, training=training))[0]

            # D's inputs are augmented, then packed: so are the penalty's (packing excludes labels and bits)
            return fn(d_packed, self._d_inputs(real, None)[0], self._d_inputs(fake, None)[0],
                      seed=self.seed_generator, weight=self.penalty_weight)

        def d_logit(x, training=True):
            return self._discriminate(x, real_cond, training)[0]

        return fn(d_logit, real, fake, seed=self.seed_generator, weight=self.penalty_weight)

    def after_discriminator_update(self) -> None:
        """Weight clipping when ``constraint="clip"``; nothing otherwise."""
        if self.constraint == "clip":
            clip_weights(self.discriminator, self.clip_value)

    def discriminator_output(self, logits):
        """Reported ``d_real``/``d_fake``: the probability ``sigmoid(logit)``."""
        return tf.sigmoid(tf.cast(logits, tf.float32))

    def default_optimizers(self) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
        """Adam(2e-4, beta_1=0.5) for both networks (Radford et al., 2016)."""
        return (
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="d_adam"),
            keras.optimizers.Adam(2e-4, beta_1=0.5, name="g_adam"),
        )

    # ---------------------------------------------------------------- compile
    def compile(
        self,
        d_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        g_optimizer: keras.optimizers.Optimizer | str | dict | None = None,
        jit_compile: bool | str = "auto",
        steps_per_execution: int = 1,
        run_eagerly: bool = False,
    ) -> None:
        """Configure both optimizers and the compilation of the step.

        Parameters
        ----------
        d_optimizer, g_optimizer : optimizer, name or config, optional
            Default: :meth:`default_optimizers`. Under the ``mixed_float16``
            policy each is wrapped in ``keras.optimizers.LossScaleOptimizer``.
        jit_compile : bool or "auto"
            Compile the step with XLA. "auto" (the Keras convention, default)
            uses XLA on GPUs/TPUs and not on the CPU, where it was measured
            no faster: on an AVX-512 CPU our nsgan step ran at 0.91x the plain
            reference with XLA and 1.19x without (``benchmarks/train_step.py``).
        steps_per_execution : int
            Training steps run per call of the compiled function (Keras' ``steps_per_execution``; default 1).
        run_eagerly : bool
            Run the step eagerly, without ``tf.function`` (for debugging; default False).
        """
        self._compile_two(d_optimizer, g_optimizer, self.discriminator.trainable_variables,
                          self.generator.trainable_variables, jit_compile=jit_compile,
                          steps_per_execution=steps_per_execution, run_eagerly=run_eagerly)

    # ------------------------------------------------------------------ model
    def build(self, input_shape=None) -> None:
        self.built = True

    def call(self, z, training: bool = False):
        """Generate images from noise ``z`` (shape ``(batch, latent_dim)``)."""
        return self.generator(z, training=training)

    def sample_noise(self, batch_size) -> tf.Tensor:
        """Draw ``z`` from the prior (``N(0, I)`` or ``U(-1, 1)^d``) with the model's seed generator (each
        replica its own rows)."""
        return distribute.replica_rows(
            lambda n: sample_prior(self.prior, (n, self.latent_dim), self.seed_generator), batch_size)

    def generate(self, n_or_z, labels=None, codes=None, training: bool = False) -> tf.Tensor:
        """Images in [-1, 1], float32, from ``n`` fresh noise vectors or from given ``z``
        (by the EMA generator when ``ema`` is set).

        Conditional models take ``labels`` (default: 0, 1, ..., cycling); InfoGAN takes
        ``codes = (c_cat, c_cont)`` (default: drawn at random).

        Parameters
        ----------
        n_or_z : int or tensor-like
            A number ``n`` of images to draw noise for, or the noise ``z`` itself, ``(n, latent_dim)``.
        labels : tensor-like, optional
            Conditional models: the ``n`` integer labels of the images; ignored otherwise.
        codes : tuple, optional
            InfoGAN: ``(c_cat, c_cont)``, ``n`` integer categories and ``(n, info_continuous)`` floats in
            [-1, 1]; ignored otherwise.
        training : bool
            Run the generator in training mode (batch norm on batch statistics); default False.

        Returns
        -------
        tf.Tensor
            ``n`` images in [-1, 1], float32, of the generator's output shape.
        """
        if isinstance(n_or_z, int):
            z = self.sample_noise(n_or_z)
        else:
            z = tf.convert_to_tensor(n_or_z, tf.float32)
        n = tf.shape(z)[0]
        cond = None
        if self.conditioning.needs_labels:
            cond = tf.range(n) % self.conditioning.num_classes if labels is None else tf.cast(labels, tf.int32)
        elif self.conditioning.mode == "infogan":
            cond = self.conditioning.sample(n, self.seed_generator) if codes is None else (
                tf.cast(codes[0], tf.int32), tf.convert_to_tensor(codes[1], tf.float32))
        inputs = self.conditioning.generator_inputs(z, cond)
        return tf.cast(self.sampling_generator(inputs, training=training), tf.float32)

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]
        if self.penalty_tracker is not None:
            trackers.append(self.penalty_tracker)
        if self.aux_tracker is not None:
            trackers.append(self.aux_tracker)
        if self.fm_tracker is not None:
            trackers.append(self.fm_tracker)
        if self.pa_tracker is not None:
            trackers.append(self.pa_tracker)
        return trackers

    # ------------------------------------------------------------------- step
    def _unpack(self, data):
        """``(images, labels or None)`` from a batch; labelled modes require the labels."""
        if isinstance(data, dict):
            images, labels = data["image"], data.get("label")
        elif isinstance(data, (tuple, list)):
            images, labels = data[0], (data[1] if len(data) > 1 else None)
        else:
            images, labels = data, None
        if self.conditioning.needs_labels:
            if labels is None:
                raise ValueError(
                    f"A conditional GAN ({self.conditioning.mode}) trains on (images, labels) batches; load the "
                    "data with tfgan_zoo.data.load(..., with_labels=True)."
                )
            return images, tf.cast(labels, tf.int32)
        return images, None

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Under a distribution strategy Keras (TF backend) opens an extra iterator over the data
        # to build unbuilt state from a peeked batch. Both networks are built already, and the
        # extra pass would reshuffle the data: a distributed run would then not see the batches
        # a single-device run with the same seed sees.
        if not all(layer.built for layer in self._flatten_layers()):
            super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def _d_inputs(self, x, cond, training: bool = True):
        """``(inputs, sign)``: what the discriminator reads for images ``x`` with conditions ``cond``, assembled in
        one order by every path into it (the step, feature matching, the penalties): DiffAugment (in training,
        when ``augment`` is set), then packing, then progressive augmentation's bit channels (all zero outside
        training; ``sign`` is -1 where the bits flip the label, None without them), then the labels."""
        if training and self.augment:
            x = diff_augment(x, self.augment, self.seed_generator)
        x = pack_samples(x, self.pack)
        sign = None
        if self.progressive_bits:
            x, sign = PA.augment(x, self.pa_level if training else 0.0, self.progressive_bits, self.seed_generator)
        return self.conditioning.discriminator_inputs(x, cond), sign

    def _discriminate(self, x, cond, training: bool = True):
        """``(logit, heads)`` of the discriminator on :meth:`_d_inputs`; with progressive augmentation the logit
        is negated where the bits flip the label."""
        inputs, sign = self._d_inputs(x, cond, training)
        out = self.discriminator(inputs, training=training)
        logits, heads = self.conditioning.split(out)
        return (logits if sign is None else PA.flip(logits, sign)), heads

    def _apply(self, optimizer, loss, tape, variables):
        apply_update(optimizer, loss, tape, variables)

    def train_step(self, data):
        if not hasattr(self, "d_optimizer"):
            raise RuntimeError("Call gan.compile() before gan.fit().")
        all_real, all_cond = self._unpack(data)
        parts = self.n_critic if self.critic_batches == "fresh" else 1
        real_parts, cond_parts = split_critic_batches(all_real, all_cond, parts)
        batch = tf.shape(real_parts[0])[0]
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables
        cond = self.conditioning

        for i in range(self.n_critic):
            last = i == self.n_critic - 1
            real, real_cond = real_parts[i % parts], cond_parts[i % parts]
            g_tape = tf.GradientTape()
            z = self.sample_noise(batch)
            fake_cond = cond.sample(batch, self.seed_generator)
            g_in = cond.generator_inputs(z, fake_cond)
            if last and not self.fresh_noise_for_generator:
                with g_tape:  # record G's forward pass once; reused below
                    fake = self.generator(g_in, training=True)
            else:
                fake = self.generator(g_in, training=True)
            fake_in = tf.stop_gradient(fake)
            with tf.GradientTape() as d_tape:
                real_logits, real_heads = self._discriminate(real, real_cond)
                fake_logits, fake_heads = self._discriminate(fake_in, fake_cond)
                d_loss = self.discriminator_loss(real_logits, fake_logits)
                d_aux = cond.discriminator_aux_loss(real_heads, real_cond, fake_heads, fake_cond)
                d_penalty = self.discriminator_regularizer(real, fake_in, real_cond)
                d_total = d_loss + d_aux + d_penalty
            self._apply(self.d_optimizer, d_total, d_tape, d_vars)
            self.after_discriminator_update()

        if self.fresh_noise_for_generator:
            g_tape = tf.GradientTape()
            fake_cond = cond.sample(batch, self.seed_generator)
            with g_tape:
                fake = self.generator(cond.generator_inputs(self.sample_noise(batch), fake_cond), training=True)
        with g_tape:
            g_logits, g_heads = self._discriminate(fake, fake_cond)
            if self.generator_uses_real_logits:  # relativistic losses: G's loss compares with D on real images
                g_loss = self.generator_loss(g_logits, real_logits=self._discriminate(real, real_cond)[0])
            else:
                g_loss = self.generator_loss(g_logits)
            if self.feature_matching:
                fm = self.feature_matching_loss(real, real_cond, fake, fake_cond)
                g_loss = fm if self.feature_matching == "only" else g_loss + fm
            g_total = g_loss + cond.generator_aux_loss(g_heads, fake_cond)
        self._apply(self.g_optimizer, g_total, g_tape, g_vars)
        self.update_ema()
        if self.progressive_bits:  # the next step's level: towards the schedule's target, faded in
            self.pa_level.assign(PA.step_level(self.pa_level, self.pa_target, self.progressive_fade_steps))
            self._track(self.pa_tracker, self.pa_level)

        self._track(self.d_loss_tracker, d_loss)
        self._track(self.g_loss_tracker, g_loss)
        self._track(self.d_real_tracker, tf.reduce_mean(self.discriminator_output(real_logits)))
        self._track(self.d_fake_tracker, tf.reduce_mean(self.discriminator_output(fake_logits)))
        if self.penalty_tracker is not None:
            self._track(self.penalty_tracker, d_penalty)
        if self.aux_tracker is not None:
            self._track(self.aux_tracker, d_aux)
        if self.fm_tracker is not None:
            self._track(self.fm_tracker, fm)
        return distribute.step_logs({m.name: m.result() for m in self.metrics})

    def _track(self, tracker, value) -> None:
        track(tracker, value, self.d_optimizer, self.g_optimizer)

    # ----------------------------------------------------------- serialising
    def get_config(self) -> dict:
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "n_critic": self.n_critic,
            "critic_batches": self.critic_batches,
            "generator_loss": self.generator_loss_kind,
            "label_smoothing": self.label_smoothing,
            "feature_matching": self.feature_matching,
            "feature_layer": self.feature_layer,
            "fresh_noise_for_generator": self.fresh_noise_for_generator,
            "seed": self.seed,
            "constraint": self.constraint,
            "clip_value": self.clip_value,
            "penalty": self.penalty,
            "penalty_weight": self.penalty_weight,
            "ema": self.ema,
            "ema_start": self.ema_start,
            "prior": self.prior,
            "augment": ",".join(self.augment) or None,
            "pack": self.pack,
            "progressive_bits": self.progressive_bits,
            "progressive_fade_steps": self.progressive_fade_steps,
            **self.conditioning.get_config(),
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)
