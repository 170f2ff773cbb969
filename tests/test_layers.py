"""The layering of docs/architecture.md, read from the source: every import, at module level or inside a function.

`checks` is pure (no rendering, database, Prefect or HTTP, and none of the other packages);
`certificates` works on plain data and imports none of registry, flows or documents.
Files are replaced atomically in one place, `documents.files`.
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


PACKAGES = ("bench", "certificates", "checks", "documents", "flows", "registry")
# Files that keep their own write-then-replace, and why.
OWN_ATOMIC_WRITES = {
    "documents/files.py": "write_atomic and copy_atomic: the one implementation",
    "certificates/keys.py": "the key ring writes its own files; certificates may not import documents",
    "certificates/status.py": "FileStatusStore rewrites status.json inside its lock; certificates may not import documents",
    "registry/synth/writer.py": "streams a generated province row by row into a file kept open for the whole run",
}


def atomic_replaces(path: Path) -> list[str]:
    """Each `os.replace`/`os.rename` call, and each `.replace`/`.rename` called on something named
    like a temporary or partial file (tmp, temp, part), as source text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [f"from os import {a.name}" for a in node.names if a.name in ("replace", "rename")]
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in ("replace", "rename"):
            continue
        target = ast.unparse(node.func.value)
        if target == "os" or any(word in target.lower() for word in ("tmp", "temp", "part")):
            found.append(ast.unparse(node))
    return found


def test_atomic_replaces_sees_os_replace_and_replacing_a_temporary_file(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import os\nfrom os import rename\n\n"
        "def f(path, text):\n"
        "    tmp = path.with_name('x.part')\n"
        "    tmp.replace(path)\n"
        "    os.replace(tmp, path)\n"
        "    self.part.rename(path)\n"
        "    return text.replace('a', 'b'), path.stem.replace('-', '')\n"
    )
    assert atomic_replaces(source) == [
        "from os import rename",
        "tmp.replace(path)",
        "os.replace(tmp, path)",
        "self.part.rename(path)",
    ]


def test_files_are_replaced_atomically_only_through_documents_files():
    files = sorted(f for package in PACKAGES for f in (ROOT / package).rglob("*.py"))
    found = {str(f.relative_to(ROOT)): atomic_replaces(f) for f in files}
    assert sorted(f for f, calls in found.items() if calls) == sorted(OWN_ATOMIC_WRITES)


# Files that write CSV with the csv module themselves, and why; every other CSV goes through
# documents.csvfile, which neutralises formula-like cells.
OWN_CSV_WRITERS = {
    "documents/csvfile.py": "csv_text and safe_cell: the one implementation",
    "registry/synth/writer.py": "writes the synthetic source records ingest reads back: their cells are the data",
}


def csv_writers(path: Path) -> list[str]:
    """Each call of `csv.writer` or `csv.DictWriter`, as source text."""
    return [
        ast.unparse(node)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("writer", "DictWriter")
        and ast.unparse(node.func.value) == "csv"
    ]


def test_csv_is_written_only_through_documents_csvfile():
    files = sorted(f for package in PACKAGES + ("web",) for f in (ROOT / package).rglob("*.py"))
    found = {str(f.relative_to(ROOT)): csv_writers(f) for f in files}
    assert sorted(f for f, calls in found.items() if calls) == sorted(OWN_CSV_WRITERS)
