"""The documentation site in a real browser: the site is built, served on 127.0.0.1 and opened in headless
Chromium (Debian's ``chromium``). The index, a guide page, a notebook page and the API page of
``tfgan_zoo.models.GAN`` load with no missing image, stylesheet or script and no broken internal link, and
the site's search finds ``WGANGP``. Screenshots of the four pages are saved (into ``$TFGAN_ZOO_SCREENSHOTS``
when set: ``docs/screenshots/`` holds the committed ones)."""

from __future__ import annotations

import functools
import html.parser
import http.server
import importlib.util
import os
import shutil
import subprocess
import threading
import urllib.parse

import pytest

from conftest import require_data

pytestmark = pytest.mark.slow  # builds the site (~1 min) and runs a browser: python3 tasks.py test --all

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGES = {"index": "index.html", "guide": "guide/training.html", "notebook": "course/01_vanilla_gan.html",
         "api-gan": "api/models.html"}


class _Refs(html.parser.HTMLParser):
    """The ``img src`` and ``a href`` of a page."""

    def __init__(self):
        super().__init__()
        self.images, self.links = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])


class _Server:
    """A static server of ``root`` on a free loopback port that records every request it could not answer."""

    def __init__(self, root: str):
        self.missing: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send_error(self, code, *args, **kwargs):
                if code == 404 and not self.path.endswith("favicon.ico"):
                    server.missing.append(self.path)
                super().send_error(code, *args, **kwargs)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     functools.partial(Handler, directory=root))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def _chromium(*args: str) -> str:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--virtual-time-budget=8000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_data(CHROMIUM is not None, "Chromium", "apt-get install chromium")
    spec = importlib.util.spec_from_file_location("tfgan_zoo_docs_build", os.path.join(ROOT, "docs", "build_docs.py"))
    docs_build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(docs_build)
    out = str(tmp_path_factory.mktemp("site") / "html")
    assert docs_build.main(out=out) == 0
    server = _Server(out)
    yield out, server
    server.httpd.shutdown()


def broken_refs(site_dir: str, page: str, dom: str) -> list[str]:
    """The images and internal links of a rendered page (its DOM) whose files are not in the site."""
    refs = _Refs()
    refs.feed(dom)
    broken = []
    for ref in refs.images + refs.links:
        parsed = urllib.parse.urlparse(ref)
        if parsed.scheme in ("http", "https", "mailto", "data") and not parsed.netloc.startswith("127.0.0.1"):
            continue
        path = urllib.parse.unquote(parsed.path)
        if parsed.netloc:  # an absolute URL of our own server
            target = os.path.join(site_dir, path.lstrip("/"))
        elif not path:  # "#fragment" on the page itself
            continue
        else:
            target = os.path.normpath(os.path.join(site_dir, os.path.dirname(page), path))
        if os.path.isdir(target):
            target = os.path.join(target, "index.html")
        if not os.path.isfile(target):
            broken.append(ref)
    return broken


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_load_with_every_image_and_link(name, site, tmp_path):
    site_dir, server = site
    page = PAGES[name]
    server.missing.clear()
    dom = _chromium("--dump-dom", server.url + page)
    assert "</html>" in dom and "furo" in dom, page  # rendered, with the theme's assets
    assert server.missing == [], f"{page} requested files the site lacks: {server.missing}"
    assert broken_refs(site_dir, page, dom) == []
    if name == "api-gan":
        assert 'id="tfgan_zoo.models.gan.GAN"' in dom
    if name == "notebook":
        assert "output" in dom and "<img" in dom  # the committed outputs, figures included
    shot = tmp_path / f"{name}.png"
    _chromium("--window-size=1280,1600", f"--screenshot={shot}", server.url + page)
    assert shot.is_file() and shot.stat().st_size > 10_000
    if os.environ.get("TFGAN_ZOO_SCREENSHOTS"):
        os.makedirs(os.environ["TFGAN_ZOO_SCREENSHOTS"], exist_ok=True)
        shutil.copyfile(shot, os.path.join(os.environ["TFGAN_ZOO_SCREENSHOTS"], f"{name}.png"))


def test_search_finds_wgangp(site):
    """The search page lists the WGANGP class; control: a word in no page finds nothing."""
    _, server = site
    dom = _chromium("--dump-dom", server.url + "search.html?q=WGANGP")
    assert "tfgan_zoo.models.variants.WGANGP" in dom
    none = _chromium("--dump-dom", server.url + "search.html?q=zqxwvbnonsense")
    assert "tfgan_zoo.models.variants.WGANGP" not in none and "did not match any" in none


def test_a_broken_image_and_link_are_found(site):
    """Control for the checks above: a page with a missing image and a dead link reports both, and the
    server records the image the browser asked for."""
    site_dir, server = site
    with open(os.path.join(site_dir, "broken.html"), "w", encoding="utf-8") as f:
        f.write('<html><body><img src="_images/nothing.png"><a href="guide/nowhere.html">x</a>'
                '<a href="index.html">ok</a></body></html>')
    server.missing.clear()
    dom = _chromium("--dump-dom", server.url + "broken.html")
    assert broken_refs(site_dir, "broken.html", dom) == ["_images/nothing.png", "guide/nowhere.html"]
    assert server.missing == ["/_images/nothing.png"]
