"""Shipped recipes (tfgan_zoo.recipes, train.py --recipe)."""

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from conftest import train_config
from tfgan_zoo import recipes
from tfgan_zoo.cli import apply_recipe, build_parser
from tfgan_zoo.config import TrainConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIRED = ("quickstart", "mnist-lucic", "mnist-sngan", "fashion-sngan", "mnist-nsgan", "mnist-lsgan",
            "mnist-wgan-gp", "mnist-hinge-sn", "mnist-acgan")


def _config(name, argv=()):
    return train_config(argv, recipe=name)


def test_the_issue_recipes_are_shipped():
    assert set(REQUIRED) <= set(recipes.names())
    # the family table: one recipe per loss family
    losses = {recipes.load(n)["flags"].get("loss") for n in ("mnist-nsgan", "mnist-lsgan", "mnist-wgan-gp",
                                                                 "mnist-hinge-sn")}
    assert losses == {"nsgan", "lsgan", "wgan-gp", "hinge"}


@pytest.mark.parametrize("name", recipes.names())
def test_every_recipe_is_a_valid_configuration(name):
    cfg = _config(name)
    cfg.validate()  # raises on any inconsistent flag
    assert cfg.recipe == name and cfg.out == f"runs/{name}"
    flags = recipes.load(name)["flags"]
    for key, value in flags.items():  # each flag of the file reached the configuration
        assert getattr(cfg, key.replace("-", "_")) == value, key
    result = recipes.load(name)["result"]
    if result is not None:  # a result names its metric and where its measurement is
        assert {"metric", "value", "source"} <= set(result)
        assert os.path.isfile(os.path.join(ROOT, result["source"])), result["source"]


def test_command_line_and_config_win_over_the_recipe(tmp_path):
    cfg = _config("mnist-sngan", ["--epochs", "3", "--out", str(tmp_path / "x")])
    assert (cfg.epochs, cfg.out, cfg.arch) == (3, str(tmp_path / "x"), "sndcgan-small")
    # a run's config.json (as --resume reads it) is applied after the recipe
    saved = tmp_path / "config.json"
    saved.write_text(json.dumps(dataclasses.asdict(TrainConfig(loss="lsgan", epochs=7))))
    from tfgan_zoo.cli import apply_config_file

    p = build_parser()
    apply_recipe(p, "mnist-sngan")
    apply_config_file(p, str(saved))
    assert (p.parse_args([]).loss, p.parse_args([]).epochs) == ("lsgan", 7)


def test_unknown_and_malicious_names_are_refused():
    for bad in ("nope", "../setup", "/etc/passwd", "Mnist-sngan", ""):
        with pytest.raises(recipes.RecipeError, match="Shipped recipes: .*quickstart"):
            recipes.load(bad)


def test_recipe_list_and_errors_on_the_command_line():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    script = os.path.join(ROOT, "scripts", "train.py")
    r = subprocess.run([sys.executable, script, "--recipe", "list"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    for name in recipes.names():
        assert f"\n{name}\n" in f"\n{r.stdout}"
        assert recipes.describe_result(recipes.load(name)["result"]) in r.stdout
    r = subprocess.run([sys.executable, script, "--recipe", "mnist-snagn"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "Unknown recipe 'mnist-snagn'. Shipped recipes:" in r.stderr and "Traceback" not in r.stderr


def test_describe_result():
    assert recipes.describe_result(None) == "not measured yet"
    assert recipes.describe_result({"metric": "FID", "value": 2.345, "std": 0.1, "seeds": 3}) == \
        "FID 2.35 ± 0.10 (3 seeds)"
