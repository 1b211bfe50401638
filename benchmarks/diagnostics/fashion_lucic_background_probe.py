"""Is the Inception FID of fashion-lucic driven by a faint background? Background statistics of real vs generated,
and the Inception FID (2k vs cached 10k test stats) after setting near-black pixels (< -0.9) to exactly -1."""
import json, sys, numpy as np
sys.path.insert(0, __import__("os").path.abspath(__file__).rsplit("/benchmarks/", 1)[0])
from tfgan_zoo.metrics import evaluate as E, frechet
n = 2000
gen = np.load("/root/runs/quality/fashion-lucic/diag_gen_inference_bn.npy")[:n]
train = E.load_images("fashion_mnist", n, split="train")
res = {}
for name, x in [("real_train", train), ("gen", gen)]:
    bg = x[x < -0.9]
    res[name] = {"frac_exactly_minus1": float(np.mean(x <= -0.99999)), "frac_below_-0.9": float(np.mean(x < -0.9)),
                 "background_mean": float(bg.mean()), "background_std": float(bg.std())}
print(res, flush=True)
f = E.Featurizer("fid-inception"); ref = E.reference_statistics("fashion_mnist", f, 10000, "test")
for name, x in [("gen_clamped", np.where(gen < -0.9, -1.0, gen).astype("float32")),
                ("real_train_clamped", np.where(train < -0.9, -1.0, train).astype("float32"))]:
    feats = f(x)
    res[name + "_fid2k"] = float(frechet.frechet_distance(ref.mu, ref.sigma, feats.mean(0), np.cov(feats, rowvar=False)))
    print(name, res[name + "_fid2k"], flush=True)
json.dump(res, open("/root/runs/diag/background_probe.json", "w"), indent=1)
