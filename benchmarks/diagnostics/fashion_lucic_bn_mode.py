"""Fashion-lucic seed 0: inference vs training-mode BN sampling; high-frequency energy of samples vs real."""
import json, sys, numpy as np, keras
sys.path.insert(0, __import__("os").path.abspath(__file__).rsplit("/benchmarks/", 1)[0])
__import__("importlib").import_module("tfgan_zoo.models")  # registers the GAN class the .keras file names
from tfgan_zoo.metrics import evaluate as E
from tfgan_zoo.metrics import classifier as C
from tfgan_zoo.metrics.frechet import frechet_distance_from_features
run = sys.argv[1]; ds = sys.argv[2]
gan = keras.saving.load_model(f"{run}/checkpoints/epoch_0025.keras")
n = 10000
def gen(training, seed=0):
    rng = np.random.default_rng(seed); out = []
    for s in range(0, n, 64):
        z = rng.uniform(-1, 1, (min(64, n - s), gan.latent_dim)).astype("float32")
        out.append(gan.generator(z, training=training).numpy())
    return np.concatenate(out)
real = E.load_images(ds, n, split="test")
train = E.load_images(ds, n, split="train")
model = C.load_classifier(ds)
fr = C.classifier_features(real, model)
def hf(x):  # mean squared 4-neighbour Laplacian, per pixel, on [0,1] scale
    x = (x[..., 0] + 1) / 2
    lap = 4 * x[:, 1:-1, 1:-1] - x[:, :-2, 1:-1] - x[:, 2:, 1:-1] - x[:, 1:-1, :-2] - x[:, 1:-1, 2:]
    return float(np.mean(lap ** 2))
res = {}
for name, x in [("real_test", real), ("real_train", train), ("gen_inference_bn", gen(False)), ("gen_training_bn", gen(True))]:
    f = C.classifier_features(x, model)
    res[name] = {"classifier_fid_vs_test": None if name == "real_test" else frechet_distance_from_features(f, fr),
                 "hf_laplacian_sq": hf(x), "mean": float(x.mean()), "frac_gt_-0.9": float((x > -0.9).mean())}
    np.save(f"{run}/../diag_{name}.npy", x[:2000]) if name.startswith("gen") else None
    print(name, res[name], flush=True)
json.dump(res, open(f"/root/runs/diag/bn_mode_{ds}.json", "w"), indent=1)
