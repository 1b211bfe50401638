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
#: modules whose docstring examples are cheap enough to run in the suite
DOCTESTED = ("tfgan_zoo.analysis.latent", "tfgan_zoo.metrics.frechet", "tfgan_zoo.losses")


@pytest.mark.parametrize("name", DOCTESTED)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1, f"{name} has no docstring example any more"
    assert result.failed == 0


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
