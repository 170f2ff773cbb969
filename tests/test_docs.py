"""The repository explains itself: nothing points to notes outside it, and every local link in
the README and docs/ leads to a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("checks", "registry", "certificates", "documents", "flows", "bench", "tests", "docs", ".ci")
OUTSIDE = re.compile(r"DOMAIN\.md|DESIGN\.md|STYLE\.md|WEB\.md|PREFECT\.md|\.\./shared")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def project_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "Makefile", ROOT / "pyproject.toml", ROOT / "prefect.yaml"]
    for top in SOURCES:
        files += [
            p
            for p in (ROOT / top).rglob("*")
            if p.is_file()
            and p.suffix in {".py", ".md", ".yaml", ".yml", ".sh", ".txt", ""}
            and "__pycache__" not in p.parts
        ]
    return [p for p in files if p != Path(__file__).resolve()]


def test_nothing_in_the_repository_points_to_notes_outside_it():
    hits = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in project_files()
        for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert hits == []


@pytest.mark.parametrize("doc", ["README.md", "docs/architecture.md", "docs/domain.md"])
def test_every_local_link_of_a_document_leads_to_a_file(doc):
    path = ROOT / doc
    targets = [t for t in LINK.findall(path.read_text(encoding="utf-8")) if "://" not in t]
    missing = [t for t in targets if not (path.parent / t).exists()]
    assert targets and missing == []
