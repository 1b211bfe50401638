"""Draw images from an exported generator (a run's ``generator/`` folder, or any ``export_generator`` output).

    tfgan-zoo sample runs/lsgan/generator --n 16 --out samples            # 16 PNG files
    tfgan-zoo sample runs/lsgan/generator --n 64 --grid --out samples     # one grid.png
    tfgan-zoo sample runs/lsgan/generator --n 10000 --npz --out samples   # samples.npz for tfgan-zoo evaluate
    tfgan-zoo sample runs/acgan/generator --label 7 --grid --out sevens   # a conditional generator's class 7
    tfgan-zoo sample runs/lsgan/generator --interpolate --out walk        # interpolation.gif (slerp)
    tfgan-zoo sample --pretrained mnist-acgan --grid --out digits          # a generator shipped with the package
    tfgan-zoo sample --pretrained list                                     # the shipped generators, with their FIDs

Without --grid, --npz or --interpolate it writes one PNG per image (sample_00000.png, ...); with any
of them, only what they ask for. The noise comes from the prior the generator was trained with
(tfgan_zoo_generator.json) and --seed. Prints a JSON summary of the files written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from .argtypes import int_at_least


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 1)[1])
    p.add_argument("generator", metavar="GENERATOR_DIR", nargs="?", help="an exported generator folder "
                   "(saved_model.pb and tfgan_zoo_generator.json), e.g. runs/NAME/generator")
    p.add_argument("--pretrained", metavar="NAME", default=None, help="a generator shipped with the package instead "
                   "of GENERATOR_DIR (offline); 'list' prints their names, recipes and FIDs")
    p.add_argument("--out", metavar="DIR", help="folder to write into (created); required unless --pretrained list")
    p.add_argument("--n", type=int_at_least(1), default=64, help="images to draw (default: 64)")
    p.add_argument("--grid", action="store_true", help="write one grid.png of the N images")
    p.add_argument("--npz", action="store_true", help="write samples.npz: uint8 'images' (N, H, W, C) and, for "
                   "a conditional generator, 'labels'; readable by tfgan-zoo evaluate --fake")
    p.add_argument("--interpolate", action="store_true", help="write interpolation.gif and interpolation.png: "
                   "slerp walks between random latent points (min(N, 16) walks side by side)")
    p.add_argument("--steps", type=int_at_least(1), default=16, help="points per interpolation walk (default: 16)")
    p.add_argument("--label", type=int, default=None, metavar="K",
                   help="class of every image for a conditional generator (default: 0, 1, ..., K-1 in turn)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    return p


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run ``sample`` with the command-line arguments ``argv``; returns the exit status."""
    p = build_parser(prog)
    args = p.parse_args(argv)

    def fail(message: str) -> int:
        print(f"{p.prog}: error: {message}", file=sys.stderr)
        return 2

    if args.pretrained == "list":
        return _list_pretrained()
    if (args.generator is None) == (args.pretrained is None):
        return fail("pass either GENERATOR_DIR or --pretrained NAME (one of them).")
    if args.out is None:
        return fail("--out DIR is required: the folder to write the images into.")
    if args.generator is not None and not os.path.isdir(args.generator):
        return fail(f"{args.generator!r} is not a folder; pass an exported generator folder such as "
                    "runs/NAME/generator.")
    import numpy as np

    from ..images import save_grid, save_png, to_uint8
    from ..io import atomic_path
    from ..sampling import from_export, pretrained

    try:
        sampler = from_export(args.generator) if args.generator is not None else pretrained(args.pretrained)
    except (ValueError, OSError) as e:
        return fail(str(e))
    if args.label is not None:
        if sampler.num_classes is None:
            return fail(f"--label {args.label}: this generator is not conditional; drop --label.")
        if not 0 <= args.label < sampler.num_classes:
            return fail(f"--label must be in [0, {sampler.num_classes}) for this generator, got {args.label}.")
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    files: list[str] = []
    written = {"generator": args.generator or f"pretrained:{args.pretrained}", "n": args.n, "seed": args.seed,
               "prior": sampler.prior, "label": args.label, "files": files}
    if args.interpolate:
        from ..analysis.latent import interpolate

        walks = min(args.n, 16)
        interpolate(sampler, steps=args.steps, n_paths=walks, seed=args.seed, label=args.label,
                    path_png=os.path.join(args.out, "interpolation.png"),
                    path_gif=os.path.join(args.out, "interpolation.gif"))
        files += [os.path.join(args.out, "interpolation.png"), os.path.join(args.out, "interpolation.gif")]
    if args.grid or args.npz or not args.interpolate:
        z = sampler.noise(args.n, rng)
        labels = None
        if sampler.num_classes is not None:
            labels = (np.full(args.n, args.label) if args.label is not None
                      else np.arange(args.n) % sampler.num_classes).astype(np.int32)
        images = sampler.generate(z, labels)
        if args.grid:
            files.append(save_grid(images, os.path.join(args.out, "grid.png")))
        if args.npz:
            arrays = {"images": to_uint8(images)}
            if labels is not None:
                arrays["labels"] = labels
            path = os.path.join(args.out, "samples.npz")
            with atomic_path(path, suffix=".npz") as tmp:
                with open(tmp, "wb") as f:
                    np.savez(f, **arrays)
            files.append(path)
        if not (args.grid or args.npz):
            u8 = to_uint8(images)
            files += [save_png(u8[i], os.path.join(args.out, f"sample_{i:05d}.png")) for i in range(args.n)]
    print(json.dumps({**written, "files": files if len(files) <= 20 else files[:3] + ["..."] + files[-2:],
                      "n_files": len(files)}, indent=2))
    return 0


def _list_pretrained() -> int:
    """Print the shipped generators: name, recipe, seed, standard FID and classifier FID (float16)."""
    from .. import pretrained

    for name in pretrained.names():
        m = pretrained.manifest(name)
        cls = m["classifier_fid"]
        print(f"{name}: recipe {m['recipe']} seed {m['seed']}, standard FID {m['standard_fid']['fid']:.2f}, "
              f"{cls['network']} FID {cls['float16']['fid']:.2f} (float16), {m['weights']['bytes']:,} bytes")
    return 0
