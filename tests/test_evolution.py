"""TimeBudget and the equal-budget architecture race (tfgan_zoo.analysis.evolution)."""

import time

import numpy as np
import pytest


def _tiny_gan():
    import keras

    from tfgan_zoo import models, nets

    keras.utils.set_random_seed(0)
    g, d = nets.build("mlp", (4, 4, 1), 2)
    gan = models.build_gan("nsgan", g, d, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).uniform(-1, 1, (64, 4, 4, 1)).astype("float32")
    import tensorflow as tf

    return gan, tf.data.Dataset.from_tensor_slices(x).batch(8).repeat()


def test_time_budget_stops_the_run_and_excludes_evaluation_time():
    from tfgan_zoo.callbacks import TimeBudget

    gan, ds = _tiny_gan()
    calls = []

    def evaluate(model):
        time.sleep(0.25)  # an evaluation the training clock must not count
        calls.append(1)
        return float(len(calls))

    gan.fit(ds, epochs=1, steps_per_epoch=2, verbose=0)  # trace the step first: then each step takes ms
    budget = TimeBudget(1.5, eval_every=0.5, evaluate=evaluate)
    t0 = time.perf_counter()
    gan.fit(ds, epochs=1, steps_per_epoch=10 ** 7, callbacks=[budget], verbose=0)
    wall = time.perf_counter() - t0
    secs = [r["seconds"] for r in budget.records]
    assert secs[0] == 0.0 and budget.records[0]["steps"] == 0
    assert secs == sorted(secs) and secs[-1] >= 1.5
    # start, at least at 0.5 and 1.0 s, and the end: >= 4 evaluations, 0.25 s each, none counted
    assert len(budget.records) >= 4
    assert 1.5 <= budget.train_seconds < 1.5 + 1.0  # stops after the batch that crosses the budget
    assert wall >= budget.train_seconds + 0.25 * len(budget.records) - 0.05
    assert budget.steps == budget.records[-1]["steps"] > 0


def test_time_budget_validates_and_records_nothing_without_evaluate():
    from tfgan_zoo.callbacks import TimeBudget

    with pytest.raises(ValueError, match="must be > 0"):
        TimeBudget(0)
    gan, ds = _tiny_gan()
    budget = TimeBudget(0.3)
    gan.fit(ds, epochs=1, steps_per_epoch=10 ** 7, callbacks=[budget], verbose=0)
    assert budget.records == [] and budget.train_seconds >= 0.3


def test_race_smoke(tmp_path):
    from tfgan_zoo.analysis import evolution

    entries = [{"name": "tiny SN-DCGAN", "arch": "sndcgan-small", "loss": "hinge", "constraint": "sn", "width": 8}]
    res = evolution.race(entries, seconds=1.0, eval_every=0.5, fid_samples=100, n_keep=16)
    assert [r["name"] for r in res] == ["tiny SN-DCGAN"]
    for r in res:
        assert r["records"][0]["seconds"] == 0 and r["records"][-1]["seconds"] >= 1.0
        assert np.isfinite(r["final_fid"]) and r["checkerboard"] >= 0 and r["samples"].shape == (16, 28, 28, 1)
        assert r["steps"] > 0 and r["parameters"][0] > 0
    path = evolution.plot(res, tmp_path / "race.png")
    assert (tmp_path / "race.png").stat().st_size > 5000 and path.endswith("race.png")
    with pytest.raises(ValueError, match="lacks arch"):
        evolution.race([{"name": "x", "loss": "nsgan"}], seconds=1)
