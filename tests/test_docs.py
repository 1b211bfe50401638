"""The documentation: docstring examples run, and the README splits into the pages the docs build from.

The HTML build itself (Sphinx with warnings as errors, ~1 min) is ``python3 tasks.py docs``, run by CI.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: every module whose docstrings have examples: each runs in the suite (test_every_example_module_is_run)
DOCTESTED = ("tfgan_zoo.analysis.balance", "tfgan_zoo.analysis.checkerboard", "tfgan_zoo.analysis.codes",
             "tfgan_zoo.analysis.divergences", "tfgan_zoo.analysis.fdivergences",
             "tfgan_zoo.analysis.features", "tfgan_zoo.analysis.latent", "tfgan_zoo.analysis.toy",
             "tfgan_zoo.constraints", "tfgan_zoo.data", "tfgan_zoo.data.arrays", "tfgan_zoo.data.memory", "tfgan_zoo.data.pipeline",
             "tfgan_zoo.data.sources",
             "tfgan_zoo.images", "tfgan_zoo.losses",
             "tfgan_zoo.metrics.class_stats", "tfgan_zoo.metrics.frechet", "tfgan_zoo.metrics.kid",
             "tfgan_zoo.mmd", "tfgan_zoo.metrics.moments", "tfgan_zoo.models", "tfgan_zoo.models.gan",
             "tfgan_zoo.nets", "tfgan_zoo.nets.cascade", "tfgan_zoo.nets.minibatch", "tfgan_zoo.nets.norms",
             "tfgan_zoo.nets.toy",
             "tfgan_zoo.penalties", "tfgan_zoo.precision", "tfgan_zoo.priors", "tfgan_zoo.sampling", "tfgan_zoo.shapes")


@pytest.mark.parametrize("name", DOCTESTED)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1, f"{name} has no docstring example any more"
    assert result.failed == 0


def _runnable(test: doctest.DocTest) -> bool:
    return any(not ex.options.get(doctest.SKIP) for ex in test.examples)


def test_every_example_module_is_run_and_there_are_enough():
    """Each package module with a runnable (not skipped) ``>>>`` example is in DOCTESTED (an example nobody
    runs rots), and at least 30 public functions or classes have an ``Examples`` section that runs."""
    import pkgutil

    import tfgan_zoo

    finder = doctest.DocTestFinder()
    modules = ["tfgan_zoo"] + [m.name for m in pkgutil.walk_packages(tfgan_zoo.__path__, "tfgan_zoo.")
                               if m.name != "tfgan_zoo.__main__"]
    with_examples, objects = set(), set()
    for name in modules:
        module = importlib.import_module(name)
        for t in finder.find(module):
            if _runnable(t) and t.name.startswith(name):
                with_examples.add(name)
                if re.search(r"^\s*Examples\n\s*-{3,}$", t.docstring or "", flags=re.M) and "._" not in t.name:
                    objects.add(t.name)
    assert with_examples == set(DOCTESTED)
    assert len(objects) >= 30, sorted(objects)


def test_a_wrong_example_fails():
    """Control: the same runner reports a wrong expected value."""
    def f():
        """
        >>> 1 + 1
        3
        """
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(verbose=False)
    for t in finder.find(f, "f", globs={}):
        runner.run(t, out=lambda s: None)
    assert runner.failures == 1


def _docs_build(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("tfgan_zoo_docs_build", os.path.join(ROOT, "docs", "build_docs.py"))
    docs_build = importlib.util.module_from_spec(spec)  # by path: "build" is also PyPA's package
    spec.loader.exec_module(docs_build)
    monkeypatch.setattr(docs_build, "SRC", str(tmp_path / "_src"))
    return docs_build


def test_the_pages_are_staged_with_working_links_and_images(tmp_path, monkeypatch):
    """Every page (README as the index, the guide, course, results, the notebooks) is staged; each relative
    link of a staged page reaches another staged page, each image is there; links to other repository files
    are named, not linked. Control: the repository pages do link to files that are not pages."""
    docs_build = _docs_build(tmp_path, monkeypatch)
    pages = docs_build.stage_pages()
    src = tmp_path / "_src"
    assert pages["README.md"] == "index.md" and (src / "index.md").is_file()
    guide = [r for r in pages if r.startswith("docs/guide/")]
    assert len(guide) >= 10 and all((src / pages[r]).is_file() for r in pages)
    link = re.compile(r"(!?)\[[^\]]*\]\(((?!https?:|mailto:|#)[^)\s]+)\)")
    named = 0
    for repo, staged in pages.items():
        if repo.endswith(".ipynb") or repo == "docs/guide":
            continue
        original = open(os.path.join(ROOT, repo), encoding="utf-8").read()
        named += sum(1 for bang, t in link.findall(original)
                     if not bang and docs_build._resolve(t, repo)[0].rstrip("/") not in pages)
        text = (src / staged).read_text(encoding="utf-8")
        for bang, target in link.findall(text):
            path = os.path.normpath(os.path.join(src, os.path.dirname(staged), target.split("#")[0]))
            assert os.path.isfile(path), (staged, target)
            assert bang or path.endswith((".md", ".ipynb")), (staged, target)  # pages only, no other files
        for target in re.findall(r'<img src="([^"]+)"', text):
            assert os.path.isfile(os.path.join(src, os.path.dirname(staged), target)), (staged, target)
    assert named > 0  # control: some repository links were not pages and had to be named


def test_every_module_has_an_api_page_or_is_internal(tmp_path, monkeypatch):
    """Each public module lands on one concept page; the internals (cli, cache, choices, testing) on none.
    Control: a module of no concept is refused with the fix."""
    docs_build = _docs_build(tmp_path, monkeypatch)
    (tmp_path / "_src").mkdir()
    concepts = docs_build.api_pages()
    assert set(concepts) >= {"models", "losses", "nets", "data", "callbacks", "metrics", "sampling", "analysis"}
    text = {c: (tmp_path / "_src" / "api" / f"{c}.rst").read_text() for c in concepts}
    assert ".. automodule:: tfgan_zoo.models.gan" in text["models"]
    assert not any("tfgan_zoo.cli" in t or "tfgan_zoo.choices" in t or "tfgan_zoo.testing" in t
                   for t in text.values())
    with pytest.raises(SystemExit, match="belongs to no API page"):
        docs_build.concept_of("tfgan_zoo.newthing")
