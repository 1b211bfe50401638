"""How labels (conditional GANs) or latent codes (InfoGAN) flow through the one training step.

A :class:`Conditioning` says what to draw with the noise, how to feed generator and
discriminator, how to split the discriminator's outputs, and which auxiliary losses
to add:

* ``None`` (unconditional): nothing;
* ``"concat"``/``"projection"``: real labels come with the data, generated images get
  labels drawn uniformly; both networks take ``[input, label]``;
* ``"acgan"``: as above, but only the generator takes the label; the discriminator's
  class head adds ``CE(class_logits(x), y)`` on real and generated images to the
  discriminator loss and on generated images to the generator loss (Odena et al., 2017);
* ``"infogan"``: codes ``c = (c_cat ~ Cat(K), c_cont ~ U(-1, 1)^M)`` are appended to
  ``z``; the Q head's loss ``lambda * (CE(q_cat, c_cat) + 1/2 E[(q_cont - c_cont)^2])``
  (the negative variational bound on ``I(c; G(z, c))`` up to constants, a unit-variance
  Gaussian for continuous codes) is added to both losses (Chen et al., 2016).
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..distribute import replica_rows
from ..nets.heads import check_mode

LABELLED = ("concat", "projection", "acgan")


def _ce(labels, logits):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int32), logits=tf.cast(logits, tf.float32)))


class Conditioning:
    """Label/code handling for one conditioning mode (``None`` = unconditional).

    Parameters
    ----------
    mode : str or None
        None (default, unconditional; "none" is read as None), "concat", "projection", "acgan" or "infogan"
        (module docstring).
    num_classes : int or None
        Number of labels (>= 2), required by "concat", "projection" and "acgan"; default None, unused by the
        other modes.
    info_categorical : int
        ``K``, the number of values of the InfoGAN categorical code: 0 (default, no categorical code) or >= 2.
        Used under "infogan" only.
    info_continuous : int
        ``M``, the number of continuous InfoGAN codes, each drawn from U(-1, 1) (default 0). Under "infogan"
        ``info_categorical + info_continuous`` must be >= 1.
    info_weight : float
        ``lambda``, the weight of the InfoGAN mutual-information loss added to both losses (default 1.0).
    ac_weight : float
        Weight (>= 0, default 1.0) of the AC-GAN class cross-entropies added to the discriminator and
        generator losses under "acgan".
    ac_fake_weight : float
        Under "acgan", the weight (>= 0) of the generated images' term in the discriminator's class loss:
        ``ac_weight * (CE(y, C(x)) + ac_fake_weight * CE(y_g, C(G(z, y_g))))``. 1 (default) is Odena et al.'s
        AC-GAN; 0 trains the class head on real images only, so the generator is pushed towards what a
        classifier of real digits recognises rather than towards what the head learned from its own samples.

    Raises
    ------
    ValueError
        For inconsistent arguments (:func:`tfgan_zoo.nets.heads.check_mode`), ``info_categorical == 1`` under
        "infogan", or a negative ``ac_weight`` or ``ac_fake_weight``.
    """

    def __init__(self, mode: str | None = None, num_classes: int | None = None, info_categorical: int = 0,
                 info_continuous: int = 0, info_weight: float = 1.0, ac_weight: float = 1.0,
                 ac_fake_weight: float = 1.0) -> None:
        mode = None if mode == "none" else mode
        check_mode(mode, num_classes, (info_categorical, info_continuous))
        if mode == "infogan" and info_categorical == 1:
            raise ValueError("info_categorical must be 0 (none) or >= 2 categories, got 1.")
        self.mode = mode
        self.num_classes = None if num_classes is None else int(num_classes)
        self.info_categorical = int(info_categorical)
        self.info_continuous = int(info_continuous)
        self.info_weight = float(info_weight)
        if not float(ac_weight) >= 0:
            raise ValueError(f"ac_weight must be >= 0, got {ac_weight}.")
        self.ac_weight = float(ac_weight)
        if not float(ac_fake_weight) >= 0:
            raise ValueError(f"ac_fake_weight must be >= 0, got {ac_fake_weight}.")
        self.ac_fake_weight = float(ac_fake_weight)

    @property
    def needs_labels(self) -> bool:
        """Whether training batches must be ``(images, labels)``."""
        return self.mode in LABELLED

    @property
    def aux_metric(self) -> str | None:
        """Name of the reported auxiliary loss, if any."""
        return {"acgan": "ac_loss", "infogan": "info_loss"}.get(self.mode)

    @property
    def code_dim(self) -> int:
        """How many generator inputs the InfoGAN codes take (0 otherwise)."""
        return self.info_categorical + self.info_continuous if self.mode == "infogan" else 0

    # ------------------------------------------------------------------ drawing
    def sample(self, batch, seed):
        """Conditions for a batch of generated images: labels, InfoGAN codes, or None.

        Under a distribution strategy each replica gets its own rows (:func:`replica_rows`).
        """
        if self.needs_labels:
            return replica_rows(lambda n: keras.random.randint((n,), 0, self.num_classes, seed=seed,
                                                               dtype="int32"), batch)
        if self.mode == "infogan":
            cat = (replica_rows(lambda n: keras.random.randint((n,), 0, self.info_categorical, seed=seed,
                                                               dtype="int32"), batch)
                   if self.info_categorical else tf.zeros((batch,), tf.int32))
            cont = replica_rows(lambda n: keras.random.uniform((n, max(self.info_continuous, 1)), -1.0, 1.0,
                                                               seed=seed), batch)
            return cat, cont[:, :self.info_continuous]
        return None

    def codes_vector(self, codes) -> tf.Tensor:
        """``[one_hot(c_cat), c_cont]`` as the float32 vector appended to ``z``."""
        cat, cont = codes
        parts = []
        if self.info_categorical:
            parts.append(tf.one_hot(cat, self.info_categorical, dtype=tf.float32))
        if self.info_continuous:
            parts.append(tf.cast(cont, tf.float32))
        return tf.concat(parts, axis=-1)

    # ----------------------------------------------------------------- feeding
    def generator_inputs(self, z, cond):
        if self.needs_labels:
            return [z, cond]
        if self.mode == "infogan":
            return tf.concat([z, self.codes_vector(cond)], axis=-1)
        return z

    def discriminator_inputs(self, x, cond):
        if self.mode in ("concat", "projection"):
            return [x, cond]
        return x

    def split(self, outputs):
        """``(logit, heads)`` from the discriminator's output(s)."""
        if self.mode in ("acgan", "infogan"):
            return outputs[0], list(outputs[1:])
        return outputs, None

    # ------------------------------------------------------------------ losses
    def _info_loss(self, heads, codes):
        cat, cont = codes
        loss = tf.constant(0.0, tf.float32)
        if self.info_categorical:
            loss += _ce(cat, heads[0])
        if self.info_continuous:
            q = tf.cast(heads[1], tf.float32)[:, :self.info_continuous]
            loss += 0.5 * tf.reduce_mean(tf.reduce_sum(tf.square(q - cont), axis=-1))
        return self.info_weight * loss

    def discriminator_aux_loss(self, real_heads, real_cond, fake_heads, fake_cond):
        """Auxiliary term of the discriminator loss (float32)."""
        if self.mode == "acgan":
            fake = _ce(fake_cond, fake_heads[0]) if self.ac_fake_weight else 0.0
            return self.ac_weight * (_ce(real_cond, real_heads[0]) + self.ac_fake_weight * fake)
        if self.mode == "infogan":
            return self._info_loss(fake_heads, fake_cond)
        return tf.constant(0.0, tf.float32)

    def generator_aux_loss(self, fake_heads, fake_cond):
        """Auxiliary term of the generator loss (float32)."""
        if self.mode == "acgan":
            return self.ac_weight * _ce(fake_cond, fake_heads[0])
        if self.mode == "infogan":
            return self._info_loss(fake_heads, fake_cond)
        return tf.constant(0.0, tf.float32)

    def get_config(self) -> dict:
        return {"conditional": self.mode, "num_classes": self.num_classes,
                "info_categorical": self.info_categorical, "info_continuous": self.info_continuous,
                "info_weight": self.info_weight, "ac_weight": self.ac_weight, "ac_fake_weight": self.ac_fake_weight}
