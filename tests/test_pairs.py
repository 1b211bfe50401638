"""tfgan_zoo.data.translation_pairs: translation pairs (pix2pix, CycleGAN) from MNIST, Fashion-MNIST and A/ B/ folders.

References: ``scipy.ndimage.grey_dilation`` / ``grey_erosion`` with ``mode="constant", cval=0`` for the
morphology (max/min select values, so the comparisons are exact), the repository's own uint8 -> [-1, 1]
conversion (``to_signed_unit``, what ``data.load`` yields) for the value mapping, hand-made images with
closed-form answers, and hashes of image rows for alignment and disjointness. Tolerances: exact unless
stated; 1e-6 where a formula is evaluated in float32 in another order than the module (a few ulps of 1).
Measured on the 2-core test machine (loaded by other jobs): the file's tests ~10 s (16-19 s wall with the
interpreter and the TensorFlow import); ``pair_arrays`` on the full 60,000-image MNIST train split 0.3-1.3 s
(the numpy morphology 0.1-0.3 s of it).
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from scipy import ndimage

from tfgan_zoo import data
from tfgan_zoo.data.translation_pairs import PAIR_SOURCES, dilate3x3, edge_map, erode3x3
from tfgan_zoo.data.transform import to_signed_unit

FLOAT_TOL = 1e-6


def signed(u8: np.ndarray) -> np.ndarray:
    """The repository's uint8 [0, 255] -> float32 [-1, 1] (u / 127.5 - 1)."""
    return to_signed_unit(tf.constant(u8)).numpy()


def to_u8(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`signed` (exact for its outputs; checked where used)."""
    return np.rint((np.asarray(x, np.float64) + 1.0) * 127.5).astype(np.uint8)


def ref_dilate(x, cval=0):
    return ndimage.grey_dilation(x, size=(1, 3, 3, 1), mode="constant", cval=cval)


def ref_erode(x, cval=0):
    return ndimage.grey_erosion(x, size=(1, 3, 3, 1), mode="constant", cval=cval)


def row_hashes(x: np.ndarray) -> list[bytes]:
    x = np.ascontiguousarray(x)
    return [hashlib.blake2b(r.tobytes(), digest_size=16).digest() for r in x]


def alignment_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - edges(b)| in [-1, 1]: ``2 (dilate(x01) - x01) - 1 = dilate(b) - b - 1``, dilation padded with -1."""
    return float(np.abs(a - (dilate3x3(b, background=-1.0) - b - 1.0)).max())


@pytest.fixture(scope="module")
def mnist_test():
    return data.load_arrays("mnist", "test")


@pytest.fixture
def fake_fashion(tmp_path):
    """A data_dir with tiny hand-made Fashion-MNIST IDX files: 7 train and 4 test random images."""
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.integers(0, 256, (7, 28, 28)), "y_train": rng.integers(0, 10, 7),
              "x_test": rng.integers(0, 256, (4, 28, 28)), "y_test": rng.integers(0, 10, 4)}
    for key, stem in data.fashion_mnist.FILES.items():
        write_idx(tmp_path / stem, arrays[key])
    return tmp_path, arrays


@pytest.fixture(scope="module")
def edges_test():
    return data.pair_arrays("mnist-edges", "test")


def write_image(path, value: int, size: int = 8) -> None:
    """A constant grayscale image (format from the suffix), so each file is recognisable by its value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size, size), value, np.uint8)).save(path)


def write_idx(path, arr: np.ndarray) -> None:
    """An IDX file of unsigned bytes (the format of (Fashion-)MNIST's original files)."""
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    path.write_bytes(header + arr.astype(np.uint8).tobytes())


# ---------------------------------------------------------------- morphology


def test_morphology_matches_scipy_exactly(mnist_test):
    u8 = mnist_test[0][:500]
    x01 = u8.astype(np.float32) / np.float32(255.0)
    for x in (x01, u8):
        d, e = dilate3x3(x), erode3x3(x)
        assert d.dtype == x.dtype and d.shape == x.shape
        np.testing.assert_array_equal(d, ref_dilate(x))
        np.testing.assert_array_equal(e, ref_erode(x))
        np.testing.assert_array_equal(edge_map(x), ref_dilate(x) - x)
    # images whose content touches the border: the padding value matters here
    rng = np.random.default_rng(0)
    r01 = rng.uniform(0, 1, (20, 9, 11, 2)).astype(np.float32)
    np.testing.assert_array_equal(dilate3x3(r01), ref_dilate(r01))
    np.testing.assert_array_equal(erode3x3(r01), ref_erode(r01))
    r11 = r01 * 2 - 1  # [-1, 1] images: background -1
    np.testing.assert_array_equal(dilate3x3(r11, background=-1.0), ref_dilate(r11, cval=-1.0))
    np.testing.assert_array_equal(erode3x3(r11, background=-1.0), ref_erode(r11, cval=-1.0))
    # control: another border rule (edge replication) gives another erosion, which the comparison catches
    nearest = ndimage.grey_erosion(r01, size=(1, 3, 3, 1), mode="nearest")
    assert not np.array_equal(erode3x3(r01), nearest)
    np.testing.assert_array_equal(erode3x3(r01)[:, 1:-1, 1:-1], nearest[:, 1:-1, 1:-1])  # only the border differs


def test_morphology_closed_forms():
    dot = np.zeros((1, 7, 7, 1), np.float32)
    dot[0, 3, 3, 0] = 1.0
    block3 = np.zeros_like(dot)
    block3[0, 2:5, 2:5, 0] = 1.0
    # a single pixel of 1: dilation is the 3x3 block around it, edges that block minus the centre (8 pixels)
    np.testing.assert_array_equal(dilate3x3(dot), block3)
    np.testing.assert_array_equal(edge_map(dot), block3 - dot)
    assert edge_map(dot).sum() == 8 and edge_map(dot)[0, 3, 3, 0] == 0
    np.testing.assert_array_equal(erode3x3(dot), np.zeros_like(dot))
    # a 3x3 block: dilation 5x5, edges exactly the 16-pixel ring around the block, erosion its centre
    block5 = np.zeros_like(dot)
    block5[0, 1:6, 1:6, 0] = 1.0
    np.testing.assert_array_equal(dilate3x3(block3), block5)
    ring = edge_map(block3)
    np.testing.assert_array_equal(ring, block5 - block3)
    assert ring.sum() == 16 and not ring[0, 2:5, 2:5].any() and not ring[0, [0, 6]].any()
    np.testing.assert_array_equal(erode3x3(block3), dot)
    # the border rule: outside is background 0, so an all-ones image erodes on its border ring only
    ones = np.ones((1, 5, 5, 1), np.float32)
    inner = np.zeros_like(ones)
    inner[0, 1:4, 1:4] = 1.0
    np.testing.assert_array_equal(erode3x3(ones), inner)
    np.testing.assert_array_equal(dilate3x3(ones), ones)
    assert not edge_map(ones).any()  # flat everywhere: no edges
    # uint8: no wrap-around
    u = (block3 * 200).astype(np.uint8)
    np.testing.assert_array_equal(edge_map(u), ((block5 - block3) * 200).astype(np.uint8))
    with pytest.raises(ValueError, match="not representable as uint8"):
        dilate3x3(u, background=-1)
    with pytest.raises(ValueError, match=r"NHWC.*image\[None, :, :, None\]"):
        edge_map(np.zeros((7, 7)))


# ---------------------------------------------------------------- built-in sources


def test_mnist_edges_arrays(mnist_test, edges_test):
    a, b, y = edges_test
    u8, labels = mnist_test
    assert a.shape == b.shape == (10000, 28, 28, 1) and a.dtype == b.dtype == np.float32
    assert a.min() == -1.0 and a.max() <= 1.0 and b.min() == -1.0 and b.max() == 1.0
    np.testing.assert_array_equal(y, labels)
    # B is the digit, exactly what data.load yields; A the edges of the same digit
    first = next(data.load("mnist", "test", batch_size=100, shuffle=False).as_numpy_iterator())
    np.testing.assert_array_equal(b[:100], first)
    np.testing.assert_array_equal(b[:100], signed(u8[:100]))
    np.testing.assert_array_equal(a[:100], signed(ref_dilate(u8[:100]) - u8[:100]))
    x01 = u8[:100].astype(np.float32) / np.float32(255.0)
    np.testing.assert_allclose(a[:100], 2 * (ref_dilate(x01) - x01) - 1, rtol=0, atol=FLOAT_TOL)  # the [0, 1] formula
    assert alignment_error(a, b) <= FLOAT_TOL
    # no edges where the digit is flat: background away from the strokes, the inside of thick strokes
    flat = ref_dilate(u8) == ref_erode(u8)
    assert flat.mean() > 0.5 and np.all(a[flat] == -1.0)
    assert np.all((a > -1.0).reshape(len(a), -1).sum(1) >= 20)  # every digit has an outline


def test_mnist_thick_arrays(mnist_test):
    a, b, y = data.pair_arrays("mnist-thick", "test")
    u8, labels = mnist_test
    assert a.shape == b.shape == (10000, 28, 28, 1) and a.dtype == b.dtype == np.float32
    np.testing.assert_array_equal(a, signed(ref_erode(u8)))
    np.testing.assert_array_equal(b, signed(ref_dilate(u8)))
    np.testing.assert_array_equal(y, labels)
    x = signed(u8)
    assert np.all(a <= x) and np.all(x <= b)
    assert a.mean() < x.mean() - 0.05 and b.mean() > x.mean() + 0.05  # visibly thinner / thicker strokes


def test_unpaired_halves_are_disjoint_on_the_whole_train_split(edges_test):
    x, labels = data.load_arrays("mnist", "train")
    start = time.perf_counter()
    a, b, y = data.pair_arrays("mnist-edges", "train", paired=False)
    elapsed = time.perf_counter() - start
    assert elapsed < 30, f"pair_arrays on 60,000 digits took {elapsed:.1f} s"  # measured 0.3-1.3 s
    half = 30000
    assert a.shape == b.shape == (half, 28, 28, 1)
    np.testing.assert_array_equal(y, labels[:half])  # labels of A
    np.testing.assert_array_equal(b, signed(x[half:]))
    np.testing.assert_array_equal(a, signed(edge_map(x[:half])))
    # from the outputs alone: no edge map of domain A is the edge map of a domain-B digit
    bu = to_u8(b)
    np.testing.assert_array_equal(signed(bu), b)  # the round trip is exact
    a_hashes, b_edge_hashes = set(row_hashes(to_u8(a))), set(row_hashes(edge_map(bu)))
    assert len(a_hashes) > 0.99 * half and not a_hashes & b_edge_hashes
    # control: the same check on paired data finds every image in both domains
    pa, pb, _ = edges_test
    assert set(row_hashes(to_u8(pa))) == set(row_hashes(edge_map(to_u8(pb))))
    # an odd count drops the last image
    assert data.pair_arrays("mnist-edges", "test", paired=False)[0].shape[0] == 5000


def test_image_size_resizes_like_load(mnist_test, fake_fashion):
    a, b, y = data.pair_arrays("mnist-edges", "test", image_size=32)
    assert a.shape == b.shape == (10000, 32, 32, 1) and y.shape == (10000,)
    u8 = mnist_test[0][:64]
    first = next(data.load(u8, image_size=32, batch_size=64, shuffle=False).as_numpy_iterator())  # load's path
    np.testing.assert_array_equal(b[:64], first)
    np.testing.assert_array_equal(a[:64], signed(data.convert_arrays(edge_map(u8), 32)))  # morphology, then resize
    for channels in (None, 3):
        a32, b32 = next(iter(data.pairs("fashion-edges", "test", batch_size=2, image_size=32, channels=channels,
                                        data_dir=str(fake_fashion[0]))))
        assert a32.shape == b32.shape == (2, 32, 32, channels or 1)


def test_fashion_edges_from_idx_files(fake_fashion):
    """The fashion-edges path on hand-made IDX files in data_dir (runs without the Debian package)."""
    tmp_path, arrays = fake_fashion
    x = arrays["x_train"].astype(np.uint8)[..., None]
    a, b, y = data.pair_arrays("fashion-edges", "train", data_dir=str(tmp_path))
    np.testing.assert_array_equal(a, signed(ref_dilate(x) - x))
    np.testing.assert_array_equal(b, signed(x))
    np.testing.assert_array_equal(y, arrays["y_train"])
    a, b, y = data.pair_arrays("fashion-edges", "train", paired=False, data_dir=str(tmp_path))
    assert a.shape[0] == b.shape[0] == 3  # 7 images: halves of 3, the 7th dropped
    np.testing.assert_array_equal(a, signed(edge_map(x[:3])))
    np.testing.assert_array_equal(b, signed(x[3:6]))
    np.testing.assert_array_equal(y, arrays["y_train"][:3])
    assert data.pair_arrays("fashion-edges", "test", data_dir=str(tmp_path))[0].shape == (4, 28, 28, 1)


def test_fashion_edges_on_the_real_data(fashion_mnist_arrays):
    a, b, y = data.pair_arrays("fashion-edges", "test")
    x = fashion_mnist_arrays["x_test"][:200, ..., None]
    assert a.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(a[:200], signed(ref_dilate(x) - x))
    np.testing.assert_array_equal(b[:200], signed(x))
    np.testing.assert_array_equal(y, fashion_mnist_arrays["y_test"])


# ---------------------------------------------------------------- pipelines


def test_paired_pipeline_keeps_a_and_b_aligned(mnist_test, edges_test):
    index = {h: i for i, h in enumerate(row_hashes(edges_test[1]))}  # B image -> its index in the split
    ds = data.pairs("mnist-edges", "test", batch_size=64, seed=3, with_labels=True)
    batches = list(ds.take(2).as_numpy_iterator())
    for a, b, lab in batches:
        assert a.shape == b.shape == (64, 28, 28, 1) and a.dtype == b.dtype == np.float32 and lab.dtype == np.int32
        assert alignment_error(a, b) <= FLOAT_TOL
        idx = np.array([index[h] for h in row_hashes(b)])
        np.testing.assert_array_equal(lab, mnist_test[1][idx])  # labels travel with their images
    assert not np.array_equal(idx, np.arange(64, 128))  # shuffled
    # control: a deliberately misaligned pair (b shifted by one, as separate shuffles would do) is rejected
    a, b, _ = batches[0]
    assert alignment_error(a, np.roll(b, 1, axis=0)) > 0.5
    # one pass is a permutation of the split
    all_b = np.concatenate([b for _, b in data.pairs("mnist-edges", "test", batch_size=1000, seed=0)])
    assert sorted(row_hashes(all_b)) == sorted(index)


def test_unpaired_pipeline_domains_and_seeds():
    def first(seed):
        return [t.numpy() for t in next(iter(data.pairs("mnist-edges", "test", batch_size=32, paired=False,
                                                        seed=seed, with_labels=True)))]

    a, b, lab = first(5)
    again = first(5)
    for x, y in zip((a, b, lab), again):
        np.testing.assert_array_equal(x, y)  # same seed, same batch
    other = first(6)
    assert not np.array_equal(a, other[0]) and not np.array_equal(b, other[1])
    ua, ub, uy = data.pair_arrays("mnist-edges", "test", paired=False)
    ia = {h: i for i, h in enumerate(row_hashes(ua))}
    ib = {h: i for i, h in enumerate(row_hashes(ub))}
    idx_a, idx_b = [ia[h] for h in row_hashes(a)], [ib[h] for h in row_hashes(b)]  # KeyError = wrong domain
    np.testing.assert_array_equal(lab, uy[idx_a])
    assert idx_a != idx_b  # the domains are shuffled independently
    assert alignment_error(a, b) > 0.5  # so a is not the edge map of b
    assert sum(1 for _ in data.pairs("mnist-edges", "test", batch_size=32, paired=False)) == 5000 // 32


# ---------------------------------------------------------------- folders


def test_folder_pairs_by_name(tmp_path):
    for k in (3, 0, 5, 1, 4, 2):  # written out of order; pairs come sorted by name
        write_image(tmp_path / "A" / f"img{k:02d}.png", 20 * k)
        write_image(tmp_path / "B" / f"img{k:02d}.bmp", 20 * k + 7)  # pairs by name, whatever the extension
    a, b, y = data.pair_arrays(str(tmp_path))
    assert a.shape == b.shape == (6, 8, 8, 1) and a.dtype == np.float32 and y is None
    np.testing.assert_array_equal(to_u8(a)[:, 0, 0, 0], 20 * np.arange(6))
    assert np.all(to_u8(b).astype(int) - to_u8(a) == 7)
    np.testing.assert_array_equal(data.pair_arrays(str(tmp_path), split="all")[1], b)
    batches = list(data.pairs(str(tmp_path), batch_size=2, seed=1).as_numpy_iterator())
    assert len(batches) == 3 and all(np.all(to_u8(bb).astype(int) - to_u8(aa) == 7) for aa, bb in batches)
    order = np.concatenate([to_u8(aa)[:, 0, 0, 0] for aa, _ in batches]) // 20
    assert sorted(order) == list(range(6)) and list(order) != list(range(6))
    # control: the unpaired pipeline of the same folder shuffles the domains separately and breaks the pairs
    un = list(data.pairs(str(tmp_path), batch_size=2, seed=1, paired=False).as_numpy_iterator())
    assert not all(np.all(to_u8(bb).astype(int) - to_u8(aa) == 7) for aa, bb in un)
    with pytest.raises(ValueError, match="no test split"):
        data.pair_arrays(str(tmp_path), split="test")
    with pytest.raises(ValueError, match="has no labels"):
        data.pairs(str(tmp_path), batch_size=2, with_labels=True)


def test_folder_with_unmatched_names(tmp_path):
    for k in range(8):
        write_image(tmp_path / "A" / f"img{k:02d}.png", k)
    for name in ("img00", "img01", "other"):
        write_image(tmp_path / "B" / f"{name}.png", 1)
    with pytest.raises(ValueError) as err:
        data.pair_arrays(str(tmp_path))
    msg = str(err.value)
    assert "6 in A/ without a partner in B/ (img02, img03, img04, img05, img06 and 1 more)" in msg
    assert "1 in B/ without a partner in A/ (other)" in msg
    assert "same file names in A/ and B/" in msg and "paired=False" in msg
    a, b, y = data.pair_arrays(str(tmp_path), paired=False)  # the fix the message offers
    assert a.shape[0] == 8 and b.shape[0] == 3 and y is None
    write_image(tmp_path / "B" / "img00.bmp", 2)
    with pytest.raises(ValueError, match=r"several files named img00"):
        data.pair_arrays(str(tmp_path))


def test_unpaired_folders_repeat_the_shorter_domain(tmp_path):
    for k in range(6):
        write_image(tmp_path / "A" / f"a{k}.png", 20 * k)
    for k in range(4):
        write_image(tmp_path / "B" / f"b{k}.png", 20 * k + 10)
    ds = data.pairs(str(tmp_path), batch_size=2, paired=False, shuffle=False)
    got = [(to_u8(a)[:, 0, 0, 0], to_u8(b)[:, 0, 0, 0]) for a, b in ds.as_numpy_iterator()]
    assert len(got) == 3  # a pass is as long as the longer domain
    np.testing.assert_array_equal(np.concatenate([a for a, _ in got]) // 20, range(6))
    np.testing.assert_array_equal(np.concatenate([b for _, b in got]) // 20, [0, 1, 2, 3, 0, 1])  # repeated
    ds = data.pairs(str(tmp_path), batch_size=4, paired=False, seed=0, drop_remainder=False)
    for _ in range(2):  # every pass: all of A once; B one full permutation, then the start of another
        a, b = (np.concatenate(t) // 20 for t in zip(*[(to_u8(x)[:, 0, 0, 0], to_u8(y)[:, 0, 0, 0])
                                                      for x, y in ds.as_numpy_iterator()]))
        assert sorted(a) == list(range(6)) and sorted(b[:4]) == list(range(4)) and len(set(b[4:])) == 2
    with pytest.raises(ValueError, match="fewer than one batch of 8"):
        data.pairs(str(tmp_path), batch_size=8, paired=False)


def test_folder_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no sub-folder A/ or B/"):
        data.pair_arrays(str(tmp_path))
    write_image(tmp_path / "A" / "x.png", 1)
    with pytest.raises(FileNotFoundError, match=r"no sub-folder B/: .*B/ \(domain B, the targets\)"):
        data.pair_arrays(str(tmp_path))
    write_image(tmp_path / "B" / "x.png", 1, size=10)
    with pytest.raises(ValueError, match=r"8x8 but those in .*10x10; pass image_size=N"):
        data.pair_arrays(str(tmp_path))
    a, b, _ = data.pair_arrays(str(tmp_path), image_size=6)
    assert a.shape == b.shape == (1, 6, 6, 1)
    a, b, _ = data.pair_arrays(str(tmp_path), image_size=6, channels=3)
    assert a.shape == b.shape == (1, 6, 6, 3)
    (tmp_path / "A" / "y.png").write_bytes(b"not a png")  # an unreadable file with a partner: named, not paired
    write_image(tmp_path / "B" / "y.png", 1, size=10)
    with pytest.raises(data.CorruptImageError, match=r"A/y.png"):
        data.pair_arrays(str(tmp_path), image_size=6)


def test_unknown_names_and_splits(tmp_path):
    with pytest.raises(ValueError) as err:
        data.pair_arrays("mnist-blur")
    assert all(name in str(err.value) for name in PAIR_SOURCES) and "sub-folders A/ and B/" in str(err.value)
    with pytest.raises(ValueError, match="Unknown pair source"):
        data.pairs(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="Unknown split 'validation'"):
        data.pair_arrays("mnist-edges", split="validation")
    assert data.PAIR_SOURCES == PAIR_SOURCES == ("mnist-edges", "mnist-thick", "fashion-edges")
