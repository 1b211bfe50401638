#!/usr/bin/env python3
"""Pack a finished run's generator as a shipped pretrained generator (``tfgan_zoo/pretrained/NAME.{npz,json}``).

    python scripts/pack_pretrained.py --run ~/runs/pretrained/mnist-acgan/seed0 \\
        --result benchmarks/results/quality_mnist-acgan_seed0_DATE_avx512.json --name mnist-acgan

Steps: rebuild the run's generator from its ``config.json`` (``tfgan_zoo.networks.build_networks``), load the
exported generator's variables into it and check it computes what the export computes (float32, same z);
store its weights without redundancy (``tfgan_zoo.pretrained.compact``) as float16 (refused above
``tfgan_zoo.pretrained.MAX_BYTES``); then measure, on the same z (seed 1, labels 0..9 in turn), the domain
classifier's FID of the float32 export and of the float16 weights at 10,000 images against the test split,
and the check the tests repeat: the float16 weights' classifier FID at 10,000 images (z seed 2) and its
spread over five other noise seeds (the sampling error the test's tolerance is made of). The manifest keeps
the recipe, seed, commit, the run's settings and the standard FID of ``--result`` (quality.py's JSON of the
same run). Prints the manifest.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The check draws 10,000 digits against the whole test split: a smaller reference would be the first n of the
# shuffled split, whose order depends on TensorFlow's global seed (data.load's one-pass shuffle), so a test run
# after another test that seeded TensorFlow would compare with other real images.
CHECK_N, CHECK_SEED, SPREAD_SEEDS = 10_000, 2, (3, 4, 5, 6, 7)
DOMAIN = {"mnist": "mnist-classifier", "fashion_mnist": "fashion-classifier"}


def classifier_check(sampler, dataset: str, n: int, seed: int) -> dict:
    """The domain classifier's FID of ``n`` images (z from ``seed``) against the test split, and for a
    conditional generator the share the classifier recognises as the requested label."""
    import numpy as np

    from tfgan_zoo.metrics.classifier import classifier_probs, load_classifier
    from tfgan_zoo.metrics.evaluate import evaluate

    z = sampler.noise(n, seed)
    labels = None if sampler.num_classes is None else (np.arange(n) % sampler.num_classes).astype(np.int32)
    images = sampler.generate(z, labels)
    out = {"fid": float(evaluate(dataset, images, DOMAIN[dataset], n, ["fid"], real_split="test")["fid"]),
           "n": n, "seed": seed}
    if labels is not None:
        probs = classifier_probs(images, load_classifier(dataset))
        out["class_accuracy"] = float((probs.argmax(1) == labels).mean())
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="the finished run folder (config.json, generator/)")
    p.add_argument("--result", required=True, help="benchmarks/quality.py's JSON of this run (its standard FID)")
    p.add_argument("--name", required=True, help="the shipped name, e.g. mnist-acgan")
    p.add_argument("--description", default=None, help="one line (default: the recipe's)")
    p.add_argument("--commit", default=None, help="commit of the code that trained the run (default: this "
                   "checkout's HEAD)")
    p.add_argument("--out", default=os.path.join(ROOT, "tfgan_zoo", "pretrained"), help="folder to write into")
    args = p.parse_args(argv)

    import numpy as np
    import tensorflow as tf

    from tfgan_zoo import pretrained, recipes
    from tfgan_zoo.export import read_generator_info
    from tfgan_zoo.io import atomic_path
    from tfgan_zoo.sampling import from_export, from_keras

    with open(os.path.join(args.run, "config.json"), encoding="utf-8") as f:
        settings = json.load(f)
    with open(args.result, encoding="utf-8") as f:
        result = json.load(f)
    entry = [s for s in result["seeds"] if s["facts"]["config"] == settings]
    if len(entry) != 1:
        p.error(f"{args.result} has no seed trained with {args.run}'s config.json.")
    entry = entry[0]
    info = read_generator_info(os.path.join(args.run, "generator"))
    shape, k, latent = info["image_shape"], info.get("num_classes"), int(info["latent_dim"])

    g = pretrained.build(settings, shape, k)
    export = tf.saved_model.load(os.path.join(args.run, "generator"))
    exported = {v.name.split(":")[0]: v.numpy() for v in export.variables}
    paths = [w.path for w in g.weights]
    if sorted(paths) != sorted(exported):
        p.error(f"The export's variables {sorted(exported)[:4]}... are not the rebuilt generator's {paths[:4]}...")
    for w in g.weights:
        w.assign(exported[w.path])
    fp32 = from_export(os.path.join(args.run, "generator"))
    z = fp32.noise(64, 0)
    y = None if k is None else np.arange(64) % k
    reference = fp32.generate(z, y)  # the export's own images
    rebuilt = from_keras(g, latent, fp32.prior, k)  # float32 now, float16 after expand() below
    gap = float(np.abs(rebuilt.generate(z, y) - reference).max())
    if gap > 1e-4:
        p.error(f"The rebuilt generator differs from the export by {gap} (float32); not packing it.")

    arrays = pretrained.to_float16(pretrained.compact(g, latent))
    buffer = io.BytesIO()  # written only after every measurement, with its manifest, so a failure keeps the old pair
    np.savez_compressed(buffer, **arrays)
    npz = os.path.join(args.out, args.name + ".npz")
    size = len(buffer.getvalue())
    if size > pretrained.MAX_BYTES:
        p.error(f"{npz} would be {size:,} bytes, over the {pretrained.MAX_BYTES:,} limit.")

    pretrained.expand(g, arrays)  # the float32 weights were read; the network now holds the float16 ones
    gap16 = float(np.abs(rebuilt.generate(z, y) - reference).max())

    dataset = settings["dataset"]
    print(f"classifier FIDs of {args.run} (float32 export and float16 weights)...", file=sys.stderr)
    full32 = classifier_check(fp32, dataset, 10_000, 1)
    full16 = classifier_check(rebuilt, dataset, 10_000, 1)
    check = classifier_check(rebuilt, dataset, CHECK_N, CHECK_SEED)
    spread = [classifier_check(rebuilt, dataset, CHECK_N, s) for s in SPREAD_SEEDS]
    check["sd_over_noise_seeds"] = float(np.std([s["fid"] for s in spread], ddof=1))
    check["noise_seeds"] = list(SPREAD_SEEDS)
    from machine import cpu_description

    check["cpu"] = cpu_description()
    check["fids_over_noise_seeds"] = [round(s["fid"], 4) for s in spread]
    if k is not None:
        check["class_accuracy_over_noise_seeds"] = [s["class_accuracy"] for s in spread]

    metrics, facts = entry["metrics"], entry["facts"]
    os.makedirs(args.out, exist_ok=True)
    with atomic_path(npz, suffix=".npz") as tmp:
        with open(tmp, "wb") as f:
            f.write(buffer.getvalue())
    commit = args.commit or subprocess.run(["git", "-C", ROOT, "rev-parse", "HEAD"], capture_output=True,
                                           text=True).stdout.strip()
    recipe = recipes.load(result["recipe"])
    manifest = {
        "name": args.name,
        "description": args.description or recipe["description"],
        "recipe": result["recipe"], "seed": entry["seed"], "commit": commit,
        "latent_dim": latent, "prior": info["prior"], "image_shape": shape, "num_classes": k,
        "settings": {key: v for key, v in settings.items() if key not in ("out", "data_dir")},
        "selected": info.get("selected"),
        "machine": {"cpu": result["machine"]["cpu"], "of": "the training run; check.cpu is where the checks ran"},
        "training": {"generator_steps": facts["generator_steps"], "wall_s_incl_evaluations":
                     facts.get("wall_s_incl_evaluations")},
        "standard_fid": {"fid": metrics["fid"], "kid": metrics["kid"], "protocol": metrics["protocol"],
                         "of": "the run's float32 exported generator", "result_file":
                         os.path.relpath(os.path.abspath(args.result), ROOT)},
        "weights": {"file": args.name + ".npz", "bytes": size, "sha256": pretrained.sha256(npz),
                    "dtype": "float16", "parameters": int(sum(v.size for v in arrays.values())),
                    "max_abs_image_change_vs_float32": gap16},
        "classifier_fid": {"network": DOMAIN[dataset], "reference": "first 10,000 test images",
                           "float32": full32, "float16": full16},
        "check": check,
    }
    with atomic_path(os.path.join(args.out, args.name + ".json"), suffix=".json") as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2)
            f.write("\n")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
