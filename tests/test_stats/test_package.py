"""The package as a whole: its public API, its import cost and its boundaries."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import stats

PACKAGE = Path(stats.__file__).parent
SUBMODULES = ["krippendorff", "descriptives", "calibration", "gwet", "kappa", "icc", "agreement", "drift", "simulate", "facets",
              "errors"]
#: stats/ is pure: only the standard library and these may be imported.
ALLOWED_THIRD_PARTY = {"numpy", "scipy", "pandas", "statsmodels"}


def test_every_public_name_resolves():
    for name in stats.__all__:
        assert getattr(stats, name) is not None, name


def test_package_exports_every_submodule_export():
    for submodule in SUBMODULES:
        module = importlib.import_module(f"stats.{submodule}")
        assert set(module.__all__) <= set(stats.__all__), submodule
        for name in module.__all__:
            assert getattr(stats, name) is getattr(module, name)


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'tau_b'"):
        stats.tau_b  # noqa: B018


def test_public_functions_are_documented_and_typed():
    for name in stats.__all__:
        obj = getattr(stats, name)
        if inspect.isfunction(obj):
            doc = inspect.getdoc(obj) or ""
            for section in ("Parameters", "Returns", "Examples"):
                assert f"{section}\n----" in doc, (name, section)
            hints = inspect.get_annotations(obj)
            assert "return" in hints, name


def _run(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    return completed.stdout.strip()


def test_importing_the_package_is_light():
    """``import stats`` loads neither NumPy nor pandas until a function is used."""
    loaded = _run(
        "import sys, stats\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy') if m in sys.modules))"
    )
    assert loaded == "[]"


def test_using_the_package_loads_no_web_framework():
    code = (
        "import sys, stats\n"
        "for name in stats.__all__: getattr(stats, name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'werkzeug', 'jinja2', 'sqlalchemy', 'flask_sqlalchemy'}))"
    )
    assert _run(code) == "[]"


def test_source_imports_only_allowed_packages():
    stdlib = sys.stdlib_module_names
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in stdlib or root in ALLOWED_THIRD_PARTY or root == "stats", (
                    path.name,
                    root,
                )
