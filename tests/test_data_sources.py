"""Every data source of tfgan_zoo.data.load, on real images, and every bad-input case."""

import gzip
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_zoo import data
from tfgan_zoo.data import fashion_mnist as fm
from tfgan_zoo.data.idx import read_idx


def batches(ds):
    return list(ds.as_numpy_iterator())


def all_images(ds):
    out = batches(ds)
    if isinstance(out[0], tuple):
        return np.concatenate([b[0] for b in out]), np.concatenate([b[1] for b in out])
    return np.concatenate(out)


def to_u8(x):
    return np.rint((x + 1.0) * 127.5).astype(np.int32)


# ---------------------------------------------------------------- Fashion-MNIST


def test_fashion_mnist_from_debian_files(fashion_mnist_arrays):
    a = fashion_mnist_arrays
    assert a["x_train"].shape == (60000, 28, 28) and a["x_test"].shape == (10000, 28, 28)
    assert list(a["y_train"][:10]) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]  # the published order
    assert list(a["y_test"][:5]) == [9, 2, 1, 1, 6]
    assert np.bincount(a["y_train"]).tolist() == [6000] * 10
    x, y = next(data.load("fashion_mnist", "test", batch_size=8, with_labels=True, shuffle=False).as_numpy_iterator())
    assert x.shape == (8, 28, 28, 1) and list(y[:5]) == [9, 2, 1, 1, 6]
    np.testing.assert_array_equal(to_u8(x[..., 0]), a["x_test"][:8])


def test_fashion_mnist_from_data_dir_and_corrupt_idx(fashion_mnist_arrays, tmp_path):
    for stem in fm.FILES.values():  # uncompressed copies: the reader takes both
        with gzip.open(os.path.join(fm.DEBIAN_DIR, stem + ".gz"), "rb") as f:
            (tmp_path / stem).write_bytes(f.read())
    arrays = fm.load_fashion_mnist_arrays(data_dir=str(tmp_path))
    np.testing.assert_array_equal(arrays["x_test"], fashion_mnist_arrays["x_test"])
    raw = (tmp_path / "t10k-images-idx3-ubyte").read_bytes()
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(raw[:-100])
    with pytest.raises(data.CorruptDatasetError, match="t10k-images-idx3-ubyte.*truncated"):
        fm.load_fashion_mnist_arrays(data_dir=str(tmp_path))


def test_missing_fashion_mnist_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(fm, "DEBIAN_DIR", str(tmp_path / "nope"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    with pytest.raises(data.DatasetUnavailableError, match="apt-get install dataset-fashion-mnist.*data_dir"):
        data.load("fashion_mnist")


def test_idx_reader_on_hand_made_files(tmp_path):
    p = tmp_path / "a-idx3-ubyte"
    p.write_bytes(bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
                  + bytes(range(12)))
    np.testing.assert_array_equal(read_idx(str(p)), np.arange(12, dtype=np.uint8).reshape(2, 2, 3))
    p.write_bytes(bytes([1, 2, 8, 1, 0, 0, 0, 1, 7]))
    with pytest.raises(data.CorruptDatasetError, match="not an IDX file"):
        read_idx(str(p))
    p.write_bytes(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1, 7, 7, 7, 7]))
    with pytest.raises(data.CorruptDatasetError, match="not unsigned bytes"):
        read_idx(str(p))


# ---------------------------------------------------------------- image folders


def test_folder_of_png_and_jpeg_with_class_labels(digit_folder):
    root, x, y, paths = digit_folder
    assert data.image_shape(root) == (28, 28, 1)
    imgs, labels = all_images(data.load(root, batch_size=40, with_labels=True, shuffle=False))
    assert imgs.shape == (40, 28, 28, 1) and imgs.dtype == np.float32
    # files sort by class folder, then by index: rebuild that order
    order = sorted(range(40), key=lambda i: (str(y[i]), paths[i]))
    names = sorted({str(d) for d in y})  # the first 40 test digits have no 8: classes are the folders found
    np.testing.assert_array_equal(labels, [names.index(str(y[i])) for i in order])
    got = to_u8(imgs[..., 0])
    for k, i in enumerate(order):
        if paths[i].endswith(".png"):  # lossless
            np.testing.assert_array_equal(got[k], x[i, ..., 0])
        else:  # JPEG at quality 95
            assert np.abs(got[k] - x[i, ..., 0].astype(int)).mean() < 4


def test_folder_seeded_shuffle_and_streaming_match_in_memory(digit_folder):
    root = digit_folder[0]
    a = all_images(data.load(root, batch_size=8, seed=3))
    b = all_images(data.load(root, batch_size=8, seed=3))
    c = all_images(data.load(root, batch_size=8, seed=4))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    mem = all_images(data.load(root, batch_size=8, shuffle=False, cache=True))
    stream = all_images(data.load(root, batch_size=8, shuffle=False, cache=False))
    np.testing.assert_array_equal(mem, stream)
    assert len(batches(data.load(root, batch_size=16))) == 2  # drop_remainder: 40 // 16


def test_resize_centre_crop_and_channels(tmp_path):
    wide = np.zeros((20, 40, 3), np.uint8)
    wide[:, 10:30] = (255, 0, 0)  # the centre half is pure red, the sides black
    Image.fromarray(wide).save(tmp_path / "wide.png")
    Image.fromarray(wide[:, ::-1].copy()).save(tmp_path / "wide2.png")
    rgb = all_images(data.load(str(tmp_path), image_size=16, batch_size=2, shuffle=False))
    assert rgb.shape == (2, 16, 16, 3)
    red = to_u8(rgb[0])
    assert (red[2:-2, 2:-2, 0] == 255).all() and (red[..., 1:] == 0).all()  # the crop kept the centre only
    gray = all_images(data.load(str(tmp_path), image_size=16, channels=1, batch_size=2, shuffle=False))
    assert gray.shape == (2, 16, 16, 1)
    assert (to_u8(gray[0])[2:-2, 2:-2, 0] == 76).all()  # ITU-R 601 luma of red: round(0.2989 * 255)


def test_bmp_gif_and_grayscale_to_rgb(tmp_path):
    g = (np.arange(32 * 32).reshape(32, 32) % 251).astype(np.uint8)
    Image.fromarray(g).save(tmp_path / "a.bmp")
    Image.fromarray(g).save(tmp_path / "b.gif")
    Image.fromarray(g).save(tmp_path / "c.png")
    x = all_images(data.load(str(tmp_path), batch_size=3, shuffle=False))
    assert x.shape == (3, 32, 32, 1)
    for k in range(3):
        np.testing.assert_array_equal(to_u8(x[k, ..., 0]), g)
    rgb = all_images(data.load(str(tmp_path), batch_size=3, shuffle=False, channels=3))
    assert rgb.shape == (3, 32, 32, 3)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_folder_without_images(tmp_path):
    (tmp_path / "notes.txt").write_text("no pictures here")
    (tmp_path / "sub").mkdir()
    with pytest.raises(ValueError, match=r"contains no images: looked recursively for \.png"):
        data.load(str(tmp_path))


def test_corrupt_files_are_named_or_skipped(digit_folder, tmp_path):
    root = str(tmp_path / "d")
    shutil.copytree(digit_folder[0], root)
    garbage = os.path.join(root, "3", "garbage.png")
    with open(garbage, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\nthis is not a png")
    noise = (np.random.default_rng(0).uniform(0, 255, (28, 28))).astype(np.uint8)
    truncated = os.path.join(root, "5", "truncated.jpg")
    Image.fromarray(noise).save(truncated, quality=95)
    raw = open(truncated, "rb").read()
    with open(truncated, "wb") as f:
        f.write(raw[: int(len(raw) * 0.8)])  # the header survives: only decoding finds it
    with Image.open(truncated) as im:
        assert im.size == (28, 28)
    with pytest.raises(data.CorruptImageError, match="garbage.png") as e:
        data.load(root, batch_size=8)
    assert "skip_corrupt=True" in str(e.value)
    os.remove(garbage)
    with pytest.raises(data.CorruptImageError, match=r"1 image file\(s\).*truncated.jpg.*truncated or corrupt"):
        data.load(root, batch_size=8)
    with open(garbage, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\nthis is not a png")
    for cache in (True, False):
        with pytest.warns(data.SkippedImagesWarning, match=r"Skipped 2 unreadable image file\(s\)"):
            ds = data.load(root, batch_size=1, shuffle=False, skip_corrupt=True, cache=cache)
        assert len(batches(ds)) == 40


def test_grayscale_rgb_mix(digit_folder, tmp_path):
    root = str(tmp_path / "mix")
    shutil.copytree(digit_folder[0], root)
    Image.fromarray(np.zeros((28, 28, 3), np.uint8)).save(os.path.join(root, "0", "colour.png"))
    with pytest.raises(ValueError, match=r"mixes grayscale and colour images \(40 grayscale.*1 colour.*colour.png"
                                         r".*channels=1 or channels=3"):
        data.load(root, batch_size=8)
    assert all_images(data.load(root, batch_size=41, channels=3)).shape == (41, 28, 28, 3)


def test_sizes_that_need_image_size(tmp_path):
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(tmp_path / "b.png")
    with pytest.raises(ValueError, match="different sizes.*a.png is 32x32.*b.png is 16x16.*image_size=N"):
        data.load(str(tmp_path), batch_size=1)
    assert all_images(data.load(str(tmp_path), batch_size=1, image_size=16)).shape == (2, 16, 16, 1)
    os.remove(tmp_path / "b.png")
    Image.fromarray(np.zeros((16, 24), np.uint8)).save(tmp_path / "b.png")
    os.remove(tmp_path / "a.png")
    with pytest.raises(ValueError, match="24x16, not square.*image_size=N"):
        data.load(str(tmp_path), batch_size=1)


def test_labels_requested_where_there_are_none(digit_folder, tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for p in digit_folder[3][:4]:
        shutil.copy(p, flat / (os.path.basename(os.path.dirname(p)) + "_" + os.path.basename(p)))
    with pytest.raises(ValueError, match="with_labels=True, but .* has no class sub-folders"):
        data.load(str(flat), batch_size=2, with_labels=True)
    assert len(batches(data.load(str(flat), batch_size=2))) == 2
    np.save(tmp_path / "x.npy", np.zeros((4, 8, 8), np.uint8))
    with pytest.raises(ValueError, match="with_labels=True, but .*x.npy has no labels"):
        data.load(str(tmp_path / "x.npy"), batch_size=2, with_labels=True)
    with pytest.raises(ValueError, match="with_labels=True, but the array has no labels.*labels="):
        data.load(np.zeros((4, 8, 8), np.uint8), batch_size=2, with_labels=True)


def test_loose_images_next_to_class_folders(digit_folder, tmp_path):
    root = str(tmp_path / "d")
    shutil.copytree(digit_folder[0], root)
    shutil.copy(digit_folder[3][0], os.path.join(root, "loose.png"))
    with pytest.raises(ValueError, match=r"1 image\(s\) outside any class sub-folder.*loose.png"):
        data.load(root, batch_size=4, with_labels=True)


# ---------------------------------------------------------------- arrays and files


@pytest.mark.parametrize("make,expect", [
    (lambda u: u, "uint8"),
    (lambda u: u.astype(np.int64), "uint8"),
    (lambda u: u.astype(np.float32) / 255.0, "unit"),
    (lambda u: u.astype(np.float64) / 127.5 - 1.0, "signed"),
])
def test_array_value_ranges_are_detected(make, expect):
    u = np.random.default_rng(0).integers(0, 256, (6, 8, 8, 1)).astype(np.uint8)
    u[0, 0, 0, 0], u[0, 0, 1, 0] = 0, 255
    x = all_images(data.load(make(u), batch_size=6, shuffle=False))
    np.testing.assert_allclose(x, u / 127.5 - 1.0, atol=1e-5)


@pytest.mark.parametrize("arr,needle", [
    (np.full((2, 8, 8), 3.0, np.float32), r"float images must lie in \[0, 1\] or \[-1, 1\], found \[3, 3\]"),
    (np.full((2, 8, 8), np.nan, np.float32), "NaN or infinite"),
    (np.zeros((2, 3, 8, 8), np.uint8), "channels-first.*np.transpose"),
    (np.zeros((2, 8, 8, 4), np.uint8), "4 channels.*alpha"),
    (np.zeros((2, 8), np.uint8), r"shape \(n, h, w\) or \(n, h, w, c\)"),
    (np.zeros((0, 8, 8), np.uint8), "empty"),
    (np.full((2, 8, 8), 300, np.int32), "0..255, found 300..300"),
])
def test_bad_arrays(arr, needle):
    with pytest.raises(ValueError, match=needle):
        data.load(arr, batch_size=1)


def test_npz_splits_labels_and_pickle_refusal(tmp_path, fashion_mnist_arrays):
    a = fashion_mnist_arrays
    path = str(tmp_path / "f.npz")
    np.savez(path, x_train=a["x_train"][:64], y_train=a["y_train"][:64], x_test=a["x_test"][:32],
             y_test=a["y_test"][:32])
    x, y = all_images(data.load(path, "test", batch_size=32, with_labels=True, shuffle=False))
    np.testing.assert_array_equal(to_u8(x[..., 0]), a["x_test"][:32])
    np.testing.assert_array_equal(y, a["y_test"][:32])
    assert all_images(data.load(path, "all", batch_size=96, image_size=32, channels=3)).shape == (96, 32, 32, 3)
    evil = str(tmp_path / "evil.npz")
    np.savez(evil, images=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(data.CorruptDatasetError, match="pickled Python objects.*never loads"):
        data.load(evil)
    with open(str(tmp_path / "broken.npz"), "wb") as f:
        f.write(b"PK\x03\x04 broken zip")
    with pytest.raises(data.CorruptDatasetError, match="broken.npz"):
        data.load(str(tmp_path / "broken.npz"))
    np.savez(str(tmp_path / "other.npz"), pixels=np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="no images for split 'train'.*'pixels'.*'images'"):
        data.load(str(tmp_path / "other.npz"))


def test_unknown_sources():
    with pytest.raises(FileNotFoundError, match="No such folder or file: ./nope"):
        data.load("./nope")
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        data.load("missing.npz")
    with pytest.raises(ValueError, match="Valid splits"):
        data.load("mnist", split="valid")


# ---------------------------------------------------------------- TFDS


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    import tensorflow_datasets as tfds

    root = str(tmp_path_factory.mktemp("tfds"))
    x = np.random.default_rng(0).integers(0, 256, (12, 20, 30, 3)).astype(np.uint8)
    y = np.arange(12) % 3
    for name, with_label in (("tiny_labelled", True), ("tiny_unlabelled", False)):
        features = {"image": tfds.features.Image(shape=(20, 30, 3))}
        ex = {"image": x}
        if with_label:
            features["label"] = tfds.features.ClassLabel(num_classes=3)
            ex["label"] = y
        split = {"train": tf.data.Dataset.from_tensor_slices({k: v[:8] for k, v in ex.items()}),
                 "test": tf.data.Dataset.from_tensor_slices({k: v[8:] for k, v in ex.items()})}
        tfds.dataset_builders.TfDataBuilder(
            name=name, version="1.0.0", data_dir=root, split_datasets=split,
            features=tfds.features.FeaturesDict(features)).download_and_prepare()
    return root, x, y


def test_tfds_dataset_from_data_dir(tfds_dir):
    root, x, y = tfds_dir
    imgs, labels = all_images(data.load("tiny_labelled", "test", image_size=20, batch_size=4, with_labels=True,
                                        shuffle=False, data_dir=root))
    assert imgs.shape == (4, 20, 20, 3)
    assert sorted(labels.tolist()) == sorted(y[8:].tolist())
    assert data.image_shape("tiny_labelled", image_size=16, channels=1, data_dir=root) == (16, 16, 1)
    with pytest.raises(ValueError, match="30x20.*image_size=N"):
        data.load("tiny_labelled", data_dir=root, batch_size=2)
    with pytest.raises(ValueError, match="with_labels=True, but the TFDS dataset tiny_unlabelled has no 'label'"):
        data.load("tiny_unlabelled", data_dir=root, image_size=16, batch_size=2, with_labels=True)
    with pytest.raises(ValueError, match="has no split 'validation'"):
        data.load("tiny_labelled", "validation", data_dir=root, image_size=16)


def test_tfds_not_prepared_or_unknown(tmp_path):
    with pytest.raises(data.DatasetUnavailableError, match="'celeb_a' is not prepared in .*tfds build celeb_a"):
        data.load("celeb_a", data_dir=str(tmp_path), image_size=64)
    with pytest.raises(ValueError, match="Unknown dataset 'no_such_data_xyz': not a built-in dataset"):
        data.load("no_such_data_xyz", data_dir=str(tmp_path))


def test_a_run_scans_its_image_folder_once(tmp_path, monkeypatch):
    """training.open_data asks a labelled folder for its shape, its classes and its stream through one
    data.open(): one directory listing. Control: the three module-level helpers, each opening the source
    anew, list it three times, so the counter sees listings."""
    import os as os_module

    from tfgan_zoo import data, training
    from tfgan_zoo.config import TrainConfig

    images = np.zeros((8, 8, 8, 1), np.uint8)
    data.write_image_folder(images, str(tmp_path / "f"), labels=np.array([0, 1] * 4), class_names=["a", "b"])
    walks = []
    real_walk = os_module.walk

    def counting_walk(top, *args, **kwargs):
        walks.append(top)
        return real_walk(top, *args, **kwargs)

    monkeypatch.setattr(os_module, "walk", counting_walk)
    cfg = TrainConfig(dataset=str(tmp_path / "f"), arch="mlp", conditional="concat", batch_size=4)
    prepared = training.open_data(cfg)
    assert (prepared.image_shape, prepared.num_classes, prepared.batches_per_pass) == ((8, 8, 1), 2, 2)
    assert len(walks) == 1
    walks.clear()
    folder = str(tmp_path / "f")
    data.image_shape(folder), data.num_classes(folder), data.stream(folder, batch_size=4, seed=0)
    assert len(walks) == 3  # control
