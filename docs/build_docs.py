"""Build the HTML documentation: the README's sections as pages, then the API reference.

``python3 tasks.py docs`` runs this: the README's ``##`` sections become ``docs/_readme/NN-*.md`` (links to
files of the repository become paths in code, the images they show are copied beside them), ``api/`` gets
one page per public module (``automodule``), and ``sphinx-build -W`` (every warning an error) writes
``docs/_build/html``.
"""

from __future__ import annotations

import os
import pkgutil
import re
import shutil
import subprocess
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
README_DIR = os.path.join(DOCS, "_readme")
API_DIR = os.path.join(DOCS, "_api")
#: modules without a page: the command-line entry modules are documented by their --help
SKIP = re.compile(r"^tfgan_zoo\.(__main__|testing)$")


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40]


def _link(match: re.Match) -> str:
    text, target = match.group(1), match.group(2)
    if re.match(r"^(https?:|mailto:)", target):
        return match.group(0)
    if target.startswith("#"):  # another section, now maybe on another page
        return text
    return f"{text} (`{target}`)"  # a file of the repository: named, not linked


def readme_pages() -> list[str]:
    """Split README.md into one page per ``##`` section; returns the page names in order."""
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    shutil.rmtree(README_DIR, ignore_errors=True)
    os.makedirs(README_DIR)
    sections = re.split(r"^## ", text, flags=re.M)
    intro, pages = sections[0], []
    for i, body in enumerate(sections[1:], 1):
        title, rest = body.split("\n", 1)
        rest = re.sub(r"^###", "##", rest, flags=re.M)
        for src in re.findall(r'!\[[^\]]*\]\(([^)\s]+)\)|<img src="([^"]+)"', rest):
            src = next(s for s in src if s)
            if not re.match(r"^https?:", src) and os.path.isfile(os.path.join(ROOT, src)):
                dst = os.path.join(README_DIR, src)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(os.path.join(ROOT, src), dst)
        rest = re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", _link, rest)
        name = f"{i:02d}-{slug(title)}"
        with open(os.path.join(README_DIR, name + ".md"), "w", encoding="utf-8") as f:
            f.write(f"# {title}\n{rest}")
        pages.append(name)
    with open(os.path.join(README_DIR, "intro.md"), "w", encoding="utf-8") as f:
        f.write(re.sub(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)", _link, intro))
    return pages


def public_modules() -> list[str]:
    import tfgan_zoo

    names = ["tfgan_zoo"]
    for m in pkgutil.walk_packages(tfgan_zoo.__path__, "tfgan_zoo."):
        if not any(part.startswith("_") for part in m.name.split(".")[1:]) and not SKIP.match(m.name):
            names.append(m.name)
    return sorted(names)


def api_pages() -> list[str]:
    shutil.rmtree(API_DIR, ignore_errors=True)
    os.makedirs(API_DIR)
    pages = []
    for name in public_modules():
        with open(os.path.join(API_DIR, name + ".rst"), "w", encoding="utf-8") as f:
            f.write(f"{name}\n{'=' * len(name)}\n\n.. automodule:: {name}\n")
        pages.append(name)
    return pages


def write_index(readme: list[str], api: list[str]) -> None:
    lines = ["tfgan_zoo", "=========", "", ".. include:: _readme/intro.md", "   :parser: myst_parser.sphinx_", "",
             ".. toctree::", "   :maxdepth: 1", "   :caption: Guide", ""]
    lines += [f"   _readme/{p}" for p in readme]
    lines += ["", ".. toctree::", "   :maxdepth: 1", "   :caption: API reference", ""]
    lines += [f"   _api/{p}" for p in api]
    with open(os.path.join(DOCS, "index.rst"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, ROOT)
    write_index(readme_pages(), api_pages())
    out = os.path.join(DOCS, "_build", "html")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d",
           os.path.join(DOCS, "_build", "doctrees"), DOCS, out, *(argv or [])]
    code = subprocess.call(cmd, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if code == 0:
        print(f"docs: {os.path.join(out, 'index.html')}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
