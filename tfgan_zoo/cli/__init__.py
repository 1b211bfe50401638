"""The command line: ``tfgan-zoo COMMAND`` (:mod:`tfgan_zoo.cli.app`), one module per command.

``tfgan_zoo.cli.main`` and the parser helpers are the ``train`` command's, as before the other commands
existed (``scripts/train.py`` calls them).
"""

from .train import apply_config_file, apply_defaults, apply_recipe, build_parser, main

__all__ = ["apply_config_file", "apply_defaults", "apply_recipe", "build_parser", "main"]
