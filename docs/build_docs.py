"""Build the documentation site: the README as its front page, the guide, the course, the results and the API
reference grouped by concept.

``python3 tasks.py docs`` runs this. The pages are written as Markdown where a reader of the repository finds
them (``README.md``, ``docs/guide/*.md``, ``docs/course.md``, ``docs/results.md``) with links relative to
themselves, so they read the same on a code host. This script stages them in ``docs/_src/``: links between
pages stay links, links to notebooks go to their rendered pages (``course/*.ipynb``, shown with their
committed outputs by myst-nb, not executed), images are copied beside the pages, and links to other files of
the repository become their path in code. ``api/`` gets one page per concept (models, losses, nets, data,
callbacks, metrics, sampling, analysis, training) with the modules that make it; the internals (command-line
entry modules, caches, name lists, test helpers) have no page. ``sphinx-build -W`` (every warning an error,
Furo theme) writes ``docs/_build/html``.
"""

from __future__ import annotations

import glob
import os
import pkgutil
import re
import shutil
import subprocess
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
SRC = os.path.join(DOCS, "_src")
GUIDE = os.path.join(DOCS, "guide")
#: the guide's reading order (a page not listed comes after these, by name)
GUIDE_ORDER = ("python", "constraints", "quality-options", "conditioning", "networks", "data", "command-line",
               "training", "evaluation", "translation", "testing", "layout")
#: the API reference's pages: title and the module-name prefixes each one documents (in this order)
CONCEPTS = {
    "models": ("Models: the GAN family", ("tfgan_zoo.models",)),
    "losses": ("Losses, constraints and penalties", ("tfgan_zoo.losses", "tfgan_zoo.constraints",
                                                     "tfgan_zoo.penalties", "tfgan_zoo.augment",
                                                     "tfgan_zoo.packing", "tfgan_zoo.progressive")),
    "nets": ("Networks", ("tfgan_zoo.nets",)),
    "data": ("Data", ("tfgan_zoo.data",)),
    "callbacks": ("Callbacks and monitoring", ("tfgan_zoo.callbacks", "tfgan_zoo.monitoring",
                                               "tfgan_zoo.checkpointing", "tfgan_zoo.guard",
                                               "tfgan_zoo.divergence")),
    "metrics": ("Metrics: FID, KID, classifier scores", ("tfgan_zoo.metrics", "tfgan_zoo.mmd")),
    "sampling": ("Sampling and export", ("tfgan_zoo.sampling", "tfgan_zoo.pretrained", "tfgan_zoo.priors",
                                         "tfgan_zoo.rejection", "tfgan_zoo.export", "tfgan_zoo.images")),
    "analysis": ("Analysis: the course's experiments", ("tfgan_zoo.analysis",)),
    "training": ("Training runs", ("tfgan_zoo.training", "tfgan_zoo.networks", "tfgan_zoo.lifecycle",
                                   "tfgan_zoo.config", "tfgan_zoo.runfolder", "tfgan_zoo.translate",
                                   "tfgan_zoo.precision", "tfgan_zoo.distribute", "tfgan_zoo.preemption",
                                   "tfgan_zoo.runlock", "tfgan_zoo.io")),
}
#: modules without an API page: command-line entry points (documented by --help), caches, name lists, helpers
INTERNAL = re.compile(r"^tfgan_zoo\.(__main__|testing|cli(\..*)?|cache|choices|composition|shapes|recipes)$")


def staged_pages() -> dict[str, str]:
    """``{repository path: path under _src}`` of every Markdown page and notebook of the site."""
    pages = {"README.md": "index.md", "docs/course.md": "course.md", "docs/results.md": "results.md"}
    order = {name: i for i, name in enumerate(GUIDE_ORDER)}
    guide = glob.glob(os.path.join(GUIDE, "*.md"))
    for path in sorted(guide, key=lambda p: (order.get(os.path.basename(p)[:-3], len(order)), p)):
        pages[os.path.relpath(path, ROOT)] = "guide/" + os.path.basename(path)
    for path in sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb"))):
        pages[os.path.relpath(path, ROOT)] = "course/" + os.path.basename(path)
    pages["docs/guide"] = "guide/index.md"
    return pages


def _resolve(target: str, page: str) -> tuple[str, str]:
    """``(repository path, #fragment)`` of a relative link ``target`` written in ``page``."""
    path, _, fragment = target.partition("#")
    repo = os.path.normpath(os.path.join(os.path.dirname(page), path)).replace(os.sep, "/")
    return repo, ("#" + fragment if fragment else "")


def rewrite(text: str, page: str, pages: dict[str, str]) -> str:
    """``text`` of repository page ``page`` with its links and images made right for its staged place."""
    here = os.path.dirname(pages[page])

    def staged_image(repo: str) -> str:
        dst = os.path.join(SRC, "_assets", repo)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(ROOT, repo), dst)
        return os.path.relpath(os.path.join("_assets", repo), here or ".")

    def link(match: re.Match) -> str:
        bang, label, target = match.groups()
        if re.match(r"^(https?:|mailto:|#)", target):
            return match.group(0)
        repo, fragment = _resolve(target, page)
        if bang and os.path.isfile(os.path.join(ROOT, repo)):
            return f"![{label}]({staged_image(repo)})"
        if repo.rstrip("/") in pages:
            return f"[{label}]({os.path.relpath(pages[repo.rstrip('/')], here or '.')}{fragment})"
        return f"{label} (`{repo}`)"  # another file of the repository: named, not linked

    def img(match: re.Match) -> str:
        repo, _ = _resolve(match.group(1), page)
        return f'<img src="{staged_image(repo)}"' if os.path.isfile(os.path.join(ROOT, repo)) else match.group(0)

    text = re.sub(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)", link, text)
    return re.sub(r'<img src="([^"]+)"', img, text)


def toctree(entries: list[str], caption: str | None = None, hidden: bool = True) -> str:
    opts = (":hidden:\n" if hidden else "") + (f":caption: {caption}\n" if caption else "") + ":maxdepth: 1\n"
    return "\n```{toctree}\n" + opts + "\n" + "\n".join(entries) + "\n```\n"


def stage_pages() -> dict[str, str]:
    """Copy the pages into ``_src`` with their links rewritten; add the toctrees that tie the site together."""
    pages = staged_pages()
    for repo, staged in pages.items():
        dst = os.path.join(SRC, staged)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if repo.endswith(".ipynb"):
            shutil.copyfile(os.path.join(ROOT, repo), dst)
            continue
        if repo == "docs/guide":
            continue
        with open(os.path.join(ROOT, repo), encoding="utf-8") as f:
            text = rewrite(f.read(), repo, pages)
        if repo == "README.md":
            text += toctree(["guide/index", "course", "results", "api/index"])
        if repo == "docs/course.md":
            text += toctree([p[:-6] for r, p in pages.items() if r.endswith(".ipynb")], hidden=False,
                            caption="The notebooks")
        with open(dst, "w", encoding="utf-8") as f:
            f.write(text)
    guide = [p[len("guide/"):-3] for r, p in pages.items() if p.startswith("guide/") and r != "docs/guide"]
    with open(os.path.join(SRC, "guide", "index.md"), "w", encoding="utf-8") as f:
        f.write("# Guide\n\nOne page per topic; each is also readable in the repository under `docs/guide/`.\n"
                + toctree(guide, hidden=False))
    return pages


def public_modules() -> list[str]:
    import tfgan_zoo

    names = ["tfgan_zoo"]
    for m in pkgutil.walk_packages(tfgan_zoo.__path__, "tfgan_zoo."):
        if not any(part.startswith("_") for part in m.name.split(".")[1:]):
            names.append(m.name)
    return sorted(names)


def concept_of(module: str) -> str | None:
    """The API page of ``module`` (None: an internal module, or the package itself)."""
    if INTERNAL.match(module) or module == "tfgan_zoo":
        return None
    for concept, (_, prefixes) in CONCEPTS.items():
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return concept
    raise SystemExit(f"docs: module {module} belongs to no API page; add it to CONCEPTS or INTERNAL in "
                     "docs/build_docs.py")


def api_pages() -> list[str]:
    """One reStructuredText page per concept with ``automodule`` for each of its modules."""
    os.makedirs(os.path.join(SRC, "api"))
    grouped: dict[str, list[str]] = {c: [] for c in CONCEPTS}
    for name in public_modules():
        concept = concept_of(name)
        if concept:
            grouped[concept].append(name)
    for concept, modules in grouped.items():
        title = CONCEPTS[concept][0]
        body = [title, "=" * len(title), ""]
        for name in modules:
            body += [f"``{name}``", "-" * (len(name) + 4), "", f".. automodule:: {name}", ""]
        with open(os.path.join(SRC, "api", concept + ".rst"), "w", encoding="utf-8") as f:
            f.write("\n".join(body))
    with open(os.path.join(SRC, "api", "index.rst"), "w", encoding="utf-8") as f:
        f.write("API reference\n=============\n\n.. toctree::\n   :maxdepth: 1\n\n"
                + "".join(f"   {c}\n" for c in CONCEPTS))
    return list(CONCEPTS)


def main(argv: list[str] | None = None, out: str | None = None) -> int:
    """Stage the pages and build the site into ``out`` (default ``docs/_build/html``); Sphinx's exit code."""
    sys.path.insert(0, ROOT)
    shutil.rmtree(SRC, ignore_errors=True)
    os.makedirs(SRC)
    stage_pages()
    api_pages()
    out = out or os.path.join(DOCS, "_build", "html")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-c", DOCS, "-d",
           os.path.join(os.path.dirname(out), "doctrees"), SRC, out, *(argv or [])]
    code = subprocess.call(cmd, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if code == 0:
        print(f"docs: {os.path.join(out, 'index.html')}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
