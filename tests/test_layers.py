"""The layering of docs/architecture.md, read from the source: every import, at module level or inside a function.

`checks` is pure (no rendering, database, Prefect or HTTP, and none of the other packages);
`certificates` works on plain data and imports none of registry, flows or documents.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "checks": {"reportlab", "sqlalchemy", "prefect", "requests", "registry", "flows", "documents", "certificates"},
    "certificates": {"registry", "flows", "documents"},
}


def imported(path: Path) -> set[str]:
    """The top-level package of every absolute import in the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_imported_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import os\n\ndef f():\n    from reportlab.lib import colors\n    import prefect.tasks\n")
    assert imported(source) == {"os", "reportlab", "prefect"}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_its_layer_forbids(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    found = {str(f.relative_to(ROOT)): sorted(imported(f) & FORBIDDEN[package]) for f in files}
    assert {f: names for f, names in found.items() if names} == {}
