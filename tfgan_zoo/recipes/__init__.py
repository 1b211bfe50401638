"""Named training configurations shipped with the package, with the results they reached.

A recipe is ``tfgan_zoo/recipes/NAME.json``::

    {"description": "...",                 # one line
     "flags": {"loss": "nsgan", ...},     # train.py flags (names as on the command line or as in config.json)
     "result": null or {...}}             # what benchmarks/quality.py measured, with its protocol and file

``train.py --recipe NAME`` starts from the flags (``--config`` and flags on the command line win);
``train.py --recipe list`` prints them. No TensorFlow is imported here.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

FOLDER = os.path.dirname(os.path.abspath(__file__))
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class RecipeError(ValueError):
    """An unknown or malformed recipe."""


def names() -> list[str]:
    """The shipped recipes' names, sorted."""
    return sorted(f[:-5] for f in os.listdir(FOLDER) if f.endswith(".json") and _NAME.match(f[:-5]))


def load(name: str) -> dict[str, Any]:
    """The recipe ``name`` as a dict with ``name``, ``description``, ``flags`` and ``result``.

    Raises
    ------
    RecipeError
        For a name that is not a shipped recipe (listing them) or a malformed file.
    """
    if not isinstance(name, str) or not _NAME.match(name) or name not in names():
        raise RecipeError(f"Unknown recipe {name!r}. Shipped recipes: {', '.join(names())} "
                          "(train.py --recipe list describes them).")
    path = os.path.join(FOLDER, name + ".json")
    with open(path, encoding="utf-8") as f:
        recipe = json.load(f)
    if not isinstance(recipe, dict) or not isinstance(recipe.get("flags"), dict) or not isinstance(
            recipe.get("description"), str):
        raise RecipeError(f"{path} is not a recipe: it needs a \"description\" string and a \"flags\" object.")
    unknown = set(recipe) - {"description", "flags", "result", "notes"}
    if unknown:
        raise RecipeError(f"{path} has unknown keys {sorted(unknown)}; valid: description, flags, result, notes.")
    return {"name": name, "description": recipe["description"], "flags": dict(recipe["flags"]),
            "result": recipe.get("result"), "notes": recipe.get("notes")}


def describe_result(result: dict | None) -> str:
    """One line for ``--recipe list``: the measured value or "not measured yet"."""
    if not result:
        return "not measured yet"
    value = result.get("value")
    std = result.get("std")
    text = f"{result.get('metric', '?')} {value:.2f}" if isinstance(value, (int, float)) else str(value)
    if isinstance(std, (int, float)):
        text += f" ± {std:.2f}"
    if result.get("seeds"):
        text += f" ({result['seeds']} seed{'s' if result['seeds'] != 1 else ''}"
        text += f", {result['note']})" if result.get("note") else ")"
    elif result.get("note"):
        text += f" ({result['note']})"
    return text


def listing() -> str:
    """The text of ``train.py --recipe list``: name, description and result of each recipe."""
    lines = []
    for n in names():
        r = load(n)
        lines.append(f"{n}\n    {r['description']}\n    result: {describe_result(r['result'])}")
    return "\n".join(lines)
