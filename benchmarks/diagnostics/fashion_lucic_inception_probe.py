"""Inception FID (2k generated vs cached 10k Fashion test stats) of probes: BN mode, blur, real control."""
import json, sys, time, numpy as np
sys.path.insert(0, __import__("os").path.abspath(__file__).rsplit("/benchmarks/", 1)[0])
from scipy.ndimage import gaussian_filter
from tfgan_zoo.metrics import evaluate as E
from tfgan_zoo.metrics import frechet
run = "/root/runs/quality/fashion-lucic"
f = E.Featurizer("fid-inception")
ref = E.reference_statistics("fashion_mnist", f, 10000, "test")
n = 2000
train = E.load_images("fashion_mnist", n, split="train")
gi = np.load(f"{run}/diag_gen_inference_bn.npy")[:n]; gt = np.load(f"{run}/diag_gen_training_bn.npy")[:n]
blur = lambda x: gaussian_filter(x, sigma=(0, 0.5, 0.5, 0)).astype("float32")
res = {}
for name, x in [("real_train", train), ("gen_inference_bn", gi), ("gen_training_bn", gt),
                ("real_train_blur0.5", blur(train)), ("gen_inference_blur0.5", blur(gi))]:
    t = time.time(); feats = f(x)
    res[name] = float(frechet.frechet_distance(ref.mu, ref.sigma, feats.mean(0), np.cov(feats, rowvar=False)))
    print(name, round(res[name], 2), f"{time.time()-t:.0f}s", flush=True)
    json.dump({"protocol": "fid-inception 299 bilinear; 2000 images vs cached 10k Fashion test stats (biased up by N=2k, compare within)", **res},
              open("/root/runs/diag/inception_probe.json", "w"), indent=1)
