"""Public docstrings match their signatures: every public function and class of the packages a user reads
(models, losses, nets, data, callbacks, metrics, sampling, analysis), the names each package exports and those
its modules define, names each of its parameters under a numpy-style ``Parameters`` heading, and each function
that returns something has a ``Returns`` (or ``Yields``) section. A parameter added to a signature without its
line in the docstring fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest

PACKAGES = ("models", "losses", "nets", "data", "callbacks", "metrics", "sampling", "analysis")
_SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def public_objects(package: str):
    """``(qualified name, object)`` for the public functions and classes a package exports and defines."""
    module = importlib.import_module(f"tfgan_zoo.{package}")
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    seen = set()
    for name in names:
        obj = getattr(module, name, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
            continue
        if not getattr(obj, "__module__", "").startswith("tfgan_zoo"):
            continue
        seen.add(id(obj))
        yield f"{package}.{name}", obj


def documented_parameters(doc: str) -> set[str]:
    """The names listed under the ``Parameters`` heading of a numpy-style docstring (``a, b : type`` too)."""
    match = re.search(r"^Parameters\n-{3,}\n(.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", doc, flags=re.M | re.S)
    if not match:
        return set()
    names = set()
    for line in match.group(1).splitlines():
        entry = re.match(r"^(\*{0,2}[A-Za-z_][\w, *]*?)\s*(:|$)", line)
        if entry and not line.startswith(" "):
            names.update(n.strip().lstrip("*") for n in entry.group(1).split(","))
    return names


def signature_problems(obj) -> list[str]:
    """What the docstring of ``obj`` lacks against its signature (empty: nothing)."""
    if inspect.isclass(obj):
        if "__init__" not in obj.__dict__:  # the constructor of a base class (Keras'): documented there
            return []
        target, doc = obj.__init__, (inspect.getdoc(obj) or "") + "\n" + (obj.__init__.__doc__ and
                                                                            inspect.getdoc(obj.__init__) or "")
    else:
        target, doc = obj, inspect.getdoc(obj) or ""
    params = [p for name, p in inspect.signature(target).parameters.items()
              if name not in ("self", "cls") and p.kind not in _SKIPPED_KINDS]
    problems = []
    missing = [p.name for p in params if p.name not in documented_parameters(doc)]
    if missing:
        problems.append(f"Parameters does not name {missing}")
    if not inspect.isclass(obj):
        ret = inspect.signature(obj).return_annotation
        returns_something = ret not in (None, "None", inspect.Signature.empty) or re.search(
            r"^\s+return \S", inspect.getsource(obj), flags=re.M)
        if returns_something and not re.search(r"^(Returns|Yields)\n-{3,}", doc, flags=re.M):
            problems.append("no Returns section")
    return problems


def module_objects(package: str):
    """``(qualified name, object)`` for the public functions and classes defined in each module of a package
    (the package's own exports come from :func:`public_objects`)."""
    root = importlib.import_module(f"tfgan_zoo.{package}")
    for info in pkgutil.walk_packages(getattr(root, "__path__", []), root.__name__ + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj)) \
                    and obj.__module__ == info.name:
                yield f"{info.name[len('tfgan_zoo.'):]}.{name}", obj


def _all_objects():
    seen, out = set(), []
    for package in PACKAGES:
        for name, obj in [*public_objects(package), *module_objects(package)]:
            if id(obj) not in seen:
                seen.add(id(obj))
                out.append((name, obj))
    return out


ALL = _all_objects()


@pytest.mark.parametrize("name, obj", ALL, ids=[n for n, _ in ALL])
def test_the_docstring_names_every_parameter(name, obj):
    assert not signature_problems(obj), f"{name}: {signature_problems(obj)}"


def test_the_check_fails_on_a_missing_parameter():
    """Controls: a documented function passes; one with an undocumented parameter, or without Returns, fails;
    a multi-name line ``a, b : float`` documents both."""
    def good(a: int, b: int = 1) -> int:
        """Sum.

        Parameters
        ----------
        a, b : int
            The terms.

        Returns
        -------
        int
        """
        return a + b

    def bad(a: int, c: int) -> int:
        """Parameters
        ----------
        a : int
        """
        return a

    assert signature_problems(good) == []
    assert signature_problems(bad) == ["Parameters does not name ['c']", "no Returns section"]
