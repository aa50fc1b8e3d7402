"""The package reads top-down in layers: no module imports a layer below it in the list.

The order is the README's Architecture table. Imports inside `if TYPE_CHECKING:` run nothing
and are allowed where they only name a type (the judgement layer names the Assessment it reads).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pksb_reflect

ORDER = ("base", "io", "nlp", "analysis", "judgement", "results", "render", "runtime", "api")
ORDER += ("apps", "cli")
BASE = {"errors", "paths", "patterns", "limits", "framework"}
PACKAGE = Path(pksb_reflect.__file__).resolve().parent
# Installed, the bundled data and models (with their build scripts) sit inside the package.
DATA = {"models", "pksb_data"}


def _modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] not in DATA]


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in BASE:
        return "base"
    return parts[1]


def _imports() -> list[tuple[str, str, bool]]:
    """(importing module, imported module, inside TYPE_CHECKING) for every package import."""
    found = []
    for path in _modules():
        if path.name == "__init__.py" and path.parent == PACKAGE:
            continue  # the package's lazy re-exports sit above every layer
        module = ".".join(("pksb_reflect", *path.relative_to(PACKAGE).with_suffix("").parts))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pksb_reflect"):
                found.append((module, str(node.module), id(node) in typing_only))
    return found


def test_no_module_imports_a_layer_below_it_at_run_time() -> None:
    upward = [
        f"{module} -> {imported}"
        for module, imported, typing_only in _imports()
        if not typing_only and ORDER.index(_layer(imported)) > ORDER.index(_layer(module))
    ]
    assert upward == []


def test_render_reads_judgement_results_and_never_runs_judgement() -> None:
    reaches = {
        imported
        for module, imported, _ in _imports()
        if _layer(module) == "render" and _layer(imported) == "judgement"
    }
    assert reaches <= {"pksb_reflect.judgement.models"}


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}
