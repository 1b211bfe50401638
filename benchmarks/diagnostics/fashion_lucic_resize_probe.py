"""FID under two preprocessings of the same Inception: pytorch-fid's (half-pixel bilinear, /127.5-1; ours) and
TF-GAN's preprocess_image as compare_gan used it (TF1 resize_bilinear without half-pixel centres, (x-128)/128).
2,000 generated (fashion-lucic seed 0, inference BN) and 2,000 real train vs 2,000 real test; biased by N=2k,
compare within a column."""
import json, sys, numpy as np, tensorflow as tf
sys.path.insert(0, __import__("os").path.abspath(__file__).rsplit("/benchmarks/", 1)[0])
from tfgan_zoo.metrics import evaluate as E, features as F, frechet
ds, gen_path = sys.argv[1], sys.argv[2]
n = 2000
test = E.load_images(ds, n, split="test"); train = E.load_images(ds, n, split="train")
gen = np.load(gen_path)[:n]
orig = F.preprocess
def tfgan_preprocess(images, size=299):
    x = tf.cast(tf.convert_to_tensor(images), tf.float32)
    x = (x + 1.0) * 127.5  # [0, 255] floats, as compare_gan fed them
    x = tf.compat.v1.image.resize_bilinear(x, [size, size], align_corners=False, half_pixel_centers=False)
    x = (x - 128.0) / 128.0
    return tf.repeat(x, 3, axis=-1) if x.shape[-1] == 1 else x
res = {}
for mode, fn in [("pytorch_fid", orig), ("tfgan_legacy", tfgan_preprocess)]:
    F.preprocess = fn
    f = E.Featurizer("fid-inception")
    feats = {k: f(v) for k, v in [("test", test), ("train", train), ("gen", gen)]}
    m = lambda a: (a.mean(0), np.cov(a, rowvar=False))
    for k in ("train", "gen"):
        res[f"{mode}:{k}_vs_test"] = float(frechet.frechet_distance(*m(feats["test"]), *m(feats[k])))
        print(mode, k, round(res[f"{mode}:{k}_vs_test"], 2), flush=True)
json.dump(res, open(f"/root/runs/diag/resize_probe_{ds}.json", "w"), indent=1)
