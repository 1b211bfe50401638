"""``tfgan-zoo``: one command with subcommands (``tfgan-zoo --help``; ``tfgan-zoo COMMAND --help``)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Sequence

#: subcommand -> (module under tfgan_zoo.cli, one-line description)
COMMANDS = {
    "train": ("train", "train a GAN: samples, curves, TensorBoard, checkpoints, exported generator"),
    "evaluate": ("evaluate", "FID/KID/classifier metrics of generated images against real ones (JSON)"),
    "sample": ("sample", "draw PNGs, a grid, an .npz or an interpolation GIF from an exported generator"),
    "export-images": ("export_images", "write a dataset's images to a folder of files, one sub-folder per class"),
    "recipes": ("recipes", "list the shipped recipes with their results, or print one"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: tfgan-zoo COMMAND [ARGS...]", "", "The GAN family as Keras 3 models for TensorFlow.", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "tfgan-zoo COMMAND --help shows a command's flags; tfgan-zoo --version the version."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch ``argv`` (default: ``sys.argv[1:]``) to a subcommand; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if argv else 2
    if argv[0] == "--version":
        from .. import __version__

        print(f"tfgan-zoo {__version__}")
        return 0
    name = argv[0]
    if name not in COMMANDS:
        print(f"tfgan-zoo: error: unknown command {name!r}; commands: {', '.join(COMMANDS)} (tfgan-zoo --help)",
              file=sys.stderr)
        return 2
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    module = importlib.import_module(f"{__package__}.{COMMANDS[name][0]}")
    return module.main(argv[1:], prog=f"tfgan-zoo {name}")


if __name__ == "__main__":
    sys.exit(main())
