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


def test_readme_sections_become_pages_without_repository_links(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("tfgan_zoo_docs_build", os.path.join(ROOT, "docs", "build_docs.py"))
    docs_build = importlib.util.module_from_spec(spec)  # by path: "build" is also PyPA's package
    spec.loader.exec_module(docs_build)
    monkeypatch.setattr(docs_build, "README_DIR", str(tmp_path / "_readme"))
    pages = docs_build.readme_pages()
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    titles = re.findall(r"^## (.+)$", readme, flags=re.M)
    link = r"(?<!!)\[[^\]]*\]\((?!https?:)[^)]+\)"
    assert re.findall(link, readme)  # control: the README has such links, which the pages must not keep
    assert len(pages) == len(titles) and "Quick start" in titles
    for page, title in zip(pages, titles):
        text = open(tmp_path / "_readme" / f"{page}.md", encoding="utf-8").read()
        assert text.startswith(f"# {title}\n")
        # links to files of the repository (which are not pages) are named, not linked
        assert not re.findall(link, text), page
    # the images the README shows are copied beside the pages
    for src in re.findall(r'<img src="([^"]+)"', readme):
        assert os.path.isfile(tmp_path / "_readme" / src), src
