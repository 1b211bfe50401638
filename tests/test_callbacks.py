import csv
import os

import numpy as np
import pytest
from PIL import Image

from tfgan_zoo import callbacks as cb
from tfgan_zoo import images, models
from tfgan_zoo.io import atomic_path, write_text


def test_make_grid_layout():
    x = np.full((5, 4, 4, 1), -1.0, np.float32)
    x[1] = 1.0
    g = images.make_grid(x, nrow=3, padding=1)
    assert g.shape == (2 * 5 + 1, 3 * 5 + 1, 1) and g.dtype == np.uint8
    assert (g[1:5, 6:10] == 255).all() and (g[1:5, 1:5] == 0).all()
    assert list(images.to_uint8([-1.0, 0.0, 1.0, 2.0])) == [0, 128, 255, 255]


def test_callbacks_write_files_during_fit(tmp_path, tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.GAN(g, d, seed=0)
    gan.compile()
    grid = cb.SampleGrid(str(tmp_path / "samples"), n_images=9, seed=1, scale=1)
    hist = cb.HistoryCSV(str(tmp_path / "history.csv"))
    curves = cb.LossCurves(str(tmp_path / "curves.png"))
    ckpt = cb.GANCheckpoint(str(tmp_path / "ckpt"), keep=2)
    gan.fit(tiny_data(), epochs=3, verbose=0, callbacks=[grid, hist, curves, ckpt])
    pngs = sorted(os.listdir(tmp_path / "samples"))
    assert pngs == ["epoch_0001.png", "epoch_0002.png", "epoch_0003.png", "progress.gif"]
    im = np.asarray(Image.open(tmp_path / "samples" / pngs[-1]))
    assert im.shape == (3 * 18 + 2, 3 * 18 + 2)  # 3x3 grid of 16px images, 2px padding
    rows = list(csv.DictReader(open(tmp_path / "history.csv")))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert set(rows[0]) == {"epoch", "d_loss", "g_loss", "d_real", "d_fake"}
    assert Image.open(tmp_path / "curves.png").size == (800, 450)
    assert len(curves.steps) == 12 and curves.steps[-1] == 12
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["epoch_0002.json", "epoch_0002.keras", "epoch_0003.json",
                                                     "epoch_0003.keras", "latest.txt"]
    assert open(tmp_path / "ckpt" / "latest.txt").read().strip() == "epoch_0003.keras"
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]


def test_loss_curves_recover_per_step_values_from_running_means():
    values = [1.0, 3.0, 2.0, 6.0, 0.5]
    lc = cb.LossCurves("unused.png", keys=("d_loss",))
    lc.on_epoch_begin(0)
    for k, _ in enumerate(values):
        lc.on_train_batch_end(k, {"d_loss": float(np.mean(values[: k + 1]))})
    np.testing.assert_allclose(lc.values["d_loss"], values, rtol=1e-12)
    # steps_per_execution = 2: callbacks see batches 1 and 3 -> means of each chunk
    lc = cb.LossCurves("unused.png", keys=("d_loss",))
    lc.on_epoch_begin(0)
    for k in (1, 3):
        lc.on_train_batch_end(k, {"d_loss": float(np.mean(values[: k + 1]))})
    np.testing.assert_allclose(lc.values["d_loss"], [2.0, 4.0])
    assert lc.steps == [2, 4]


def test_atomic_path_keeps_old_file_on_failure(tmp_path):
    p = tmp_path / "out.txt"
    write_text(p, "good")
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("crash while writing")
    assert p.read_text() == "good"
    assert os.listdir(tmp_path) == ["out.txt"]
