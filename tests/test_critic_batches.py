"""``critic_batches``: whether the n_critic discriminator updates of a step share its real batch or each take
their own part of it (Gulrajani et al.'s Algorithm 1, compare_gan)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import checkpointing, models, training
from tfgan_zoo.config import TrainConfig


class Recording(models.GAN):
    """A GAN that records the real images each discriminator update hands its regularizer (eager steps only)."""

    def discriminator_regularizer(self, real, fake, real_cond=None):
        self.seen.append(np.asarray(real))
        return super().discriminator_regularizer(real, fake, real_cond)


def parts_batch(parts=3, b=4, shape=(16, 16, 1)):
    """One batch of ``parts * b`` images whose part ``i`` is filled with the value ``i / 4``."""
    x = np.concatenate([np.full((b, *shape), i / 4, "float32") for i in range(parts)])
    return x, tf.data.Dataset.from_tensor_slices(x).batch(parts * b, drop_remainder=True)


@pytest.mark.parametrize("mode", ["fresh", "shared"])
def test_each_critic_update_sees_its_own_part_of_the_batch(tiny_nets, mode):
    x, ds = parts_batch()
    g, d = tiny_nets()
    gan = Recording(g, d, n_critic=3, critic_batches=mode, seed=0)
    gan.seen = []
    gan.compile(run_eagerly=True)
    gan.fit(ds, epochs=1, verbose=0)
    assert len(gan.seen) == 3  # one per critic update of the one step
    for i, real in enumerate(gan.seen):
        # fresh: update i gets rows [4i, 4i+4) exactly; the control, shared: every update gets all 12 rows
        np.testing.assert_array_equal(real, x[4 * i:4 * i + 4] if mode == "fresh" else x)


def test_the_split_keeps_images_and_labels_together():
    x = np.arange(6, dtype="float32").reshape(6, 1)
    y = np.arange(6, dtype="int32")
    xs, ys = models.gan.split_critic_batches(tf.constant(x), tf.constant(y), 3)
    assert [np.asarray(p).ravel().tolist() for p in xs] == [[0, 1], [2, 3], [4, 5]]
    assert [np.asarray(p).tolist() for p in ys] == [[0, 1], [2, 3], [4, 5]]
    xs, ys = models.gan.split_critic_batches(tf.constant(x), None, 1)  # one part: the batch itself
    assert len(xs) == 1 and xs[0].shape == (6, 1) and ys == [None]


def test_a_batch_that_does_not_split_is_refused_with_the_fix(tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.GAN(g, d, n_critic=3, critic_batches="fresh", seed=0)
    gan.compile()
    with pytest.raises(ValueError, match=r"a batch must hold 3 x B images; got a batch of 16\. Batch the data "
                                         r"with batch_size=3 \* B"):
        gan.fit(tiny_data(batch=16), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Unknown critic_batches 'new'; use 'shared'"):
        models.GAN(*tiny_nets(), critic_batches="new")
    with pytest.raises(ValueError, match="Unknown critic_batches .new.; use .shared."):
        TrainConfig(critic_batches="new").validate()


def test_get_config_round_trip(tiny_nets):
    gan = models.build_gan("wgan-gp", *tiny_nets(), critic_batches="fresh")
    assert gan.get_config()["critic_batches"] == "fresh"
    assert models.WGANGP.from_config(gan.get_config()).critic_batches == "fresh"


def test_n_critic_of():
    assert models.n_critic_of("wgan-gp") == 5 and models.n_critic_of("nsgan") == 1
    assert models.n_critic_of("nsgan", 2) == 2
    with pytest.raises(ValueError, match="Unknown loss 'x'"):
        models.n_critic_of("x")


def test_a_fresh_run_reads_n_critic_batches_per_step_and_counts_epochs_in_passes(tmp_path):
    """On MNIST (60,000 images) at batch 8 with 2 critic updates, a fresh step reads 16 images: 3,750 steps a
    pass where the shared run has 7,500; the run records the mode, and a resume may not change it."""
    kw = dict(loss="wgan-gp", n_critic=2, arch="mlp", epochs=1, steps_per_epoch=2, batch_size=8, latent_dim=8,
              n_samples=4, seed=1, checkpoint_every=0, tensorboard=False)
    fresh = TrainConfig(out=str(tmp_path / "fresh"), critic_batches="fresh", **kw)
    shared = dataclasses.replace(fresh, critic_batches="shared", out=str(tmp_path / "shared"))
    assert training.real_batch_size(fresh) == 16 and training.real_batch_size(shared) == 8
    p_fresh, p_shared = training.open_data(fresh), training.open_data(shared)
    assert (p_fresh.batches_per_pass, p_shared.batches_per_pass) == (3750, 7500)
    assert next(iter(p_fresh.dataset)).shape[0] == 16 and next(iter(p_shared.dataset)).shape[0] == 8
    summary = training.run(fresh, verbose=0, prepared=p_fresh)
    assert summary["generator_steps"] == 2
    assert json.load(open(tmp_path / "fresh" / "config.json"))["critic_batches"] == "fresh"
    point = checkpointing.latest_good(str(tmp_path / "fresh" / "checkpoints"))
    with pytest.raises(checkpointing.CheckpointMismatchError, match="--critic-batches 'fresh' -> 'shared'"):
        checkpointing.check_resumable(point, dataclasses.asdict(shared), (28, 28, 1), 2)
    checkpointing.check_resumable(point, dataclasses.asdict(fresh), (28, 28, 1), 2)  # control: same settings
