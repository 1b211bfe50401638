"""Sphinx configuration of the tfgan_zoo documentation (built by ``python3 tasks.py docs``)."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tfgan_zoo  # noqa: E402

project = "tfgan_zoo"
author = "the tfgan_zoo authors"
release = version = tfgan_zoo.__version__
# myst_nb: the Markdown pages (it includes myst_parser) and the course notebooks with their committed outputs
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode", "myst_nb"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build"]
nb_execution_mode = "off"  # render the notebooks as committed (tasks.py notebooks re-executes them)
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# a package's __all__ re-exports its modules' names: documented once, in the module that defines them
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
myst_heading_anchors = 3
myst_enable_extensions = ["html_image", "dollarmath", "amsmath"]  # the notebooks write $...$ (MathJax renders it)
html_theme = "furo"
html_title = f"tfgan_zoo {release}"
# "ref.python": a word in a numpy-style type ("array (n, num_classes)") that names two attributes somewhere
suppress_warnings = ["myst.header", "ref.python"]
# type hints name classes of TensorFlow, Keras and NumPy that have no pages here
nitpicky = False
autodoc_inherit_docstrings = False  # Keras callbacks and layers: their own docstrings, not Keras' (not reST)
