"""Data flows down ingest -> app -> eval and never back: read from the code's own imports."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

# package -> packages it must never import
FORBIDDEN = {"ingest": {"app", "eval"}, "app": {"eval"}, "eval": set()}


def imported_packages(path: Path) -> set[str]:
    """Top-level packages a module imports, at module level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = ast.walk(tree)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def upward_imports(root: Path) -> list[str]:
    """'ingest/x.py imports app' for every import against the flow under `root`."""
    found = []
    for package, banned in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            shown = path.relative_to(root).as_posix()
            for name in sorted(imported_packages(path) & banned):
                found.append(f"{shown} imports {name}")
    return found


def test_no_package_imports_one_downstream_of_it():
    assert all((ROOT / package).is_dir() for package in FORBIDDEN)
    assert upward_imports(ROOT) == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    for package in FORBIDDEN:
        (tmp_path / package).mkdir()
    (tmp_path / "ingest" / "late.py").write_text(
        "def f():\n    from app.engine import Engine\n    import eval.run\n", encoding="utf-8"
    )
    (tmp_path / "app" / "ok.py").write_text("from ingest.text import tokenize\n")
    (tmp_path / "app" / "cli.py").write_text(
        "import eval.report\n\ndef cmd():\n    from eval.harness import run_eval\n"
    )
    assert upward_imports(tmp_path) == [
        "ingest/late.py imports app",
        "ingest/late.py imports eval",
        "app/cli.py imports eval",
    ]
