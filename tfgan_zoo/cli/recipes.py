"""The shipped recipes: ``tfgan-zoo recipes`` lists them with their results, ``tfgan-zoo recipes NAME`` prints one.

Train one with ``tfgan-zoo train --recipe NAME`` (flags given there win over the recipe's).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run ``recipes`` with the command-line arguments ``argv``; returns the exit status."""
    p = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n")[0], epilog=__doc__.split("\n", 1)[1])
    p.add_argument("name", nargs="?", default=None, help="a recipe to print in full (JSON)")
    args = p.parse_args(argv)
    from .. import recipes

    if args.name is None:
        print(recipes.listing())
        return 0
    try:
        print(json.dumps(recipes.load(args.name), indent=2))
    except recipes.RecipeError as e:
        print(f"{p.prog}: error: {e}", file=sys.stderr)
        return 2
    return 0
