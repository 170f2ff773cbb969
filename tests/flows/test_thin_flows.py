"""Flows only orchestrate: no SQL statement is built in a module of `flows/`, its commands or its
web app (queries and state changes are the registry's), and no module of `flows/`, `registry/` or `web/` hides an import inside a
function (a cycle is broken, not dodged)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLOWS = sorted((ROOT / "flows").glob("*.py"))
COMMANDS = sorted((ROOT / "flows" / "commands").glob("*.py"))
WEB = sorted((ROOT / "web").glob("*.py"))
REGISTRY = sorted((ROOT / "registry").glob("*.py"))
SQL_BUILDERS = {"select", "insert", "update", "delete"}
# Imports allowed inside a function: heavy optional dependencies, imported only when used.
LAZY_ALLOWED = {
    ("flows/screen.py", "prefect.server.api.server"),  # Prefect's server app: only when one is started here
}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def sql_statements(tree: ast.Module) -> list[str]:
    """Each SQL statement builder the module uses: `select` and friends imported from SQLAlchemy, or
    called on a name bound to a SQLAlchemy module (not `Counter.update` or `dict.update`)."""
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            found += [
                f"{node.lineno}: from {node.module} import {a.name}" for a in node.names if a.name in SQL_BUILDERS
            ]
        elif isinstance(node, ast.Import):
            modules |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] == "sqlalchemy"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_BUILDERS:
            base = node.func.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(f"{node.lineno}: {ast.unparse(node.func)}(")
    return found


def imports_in_functions(tree: ast.Module) -> list[tuple[int, str]]:
    out = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    out += [(node.lineno, a.name) for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    out.append((node.lineno, node.module or ""))
    return out


@pytest.mark.parametrize("path", FLOWS + COMMANDS + WEB, ids=_rel)
def test_a_flows_module_builds_no_sql(path):
    assert sql_statements(_tree(path)) == []


def test_the_sql_check_covers_the_commands_and_the_web_app():
    checked = {_rel(p) for p in FLOWS + COMMANDS + WEB}
    assert {
        "web/public.py",
        "web/app.py",
        "flows/commands/workflow_cmds.py",
        "flows/commands/registry_cmds.py",
    } <= checked


@pytest.mark.parametrize("path", FLOWS + REGISTRY + WEB, ids=_rel)
def test_a_module_imports_at_its_top(path):
    hidden = [
        f"{line}: {module}"
        for line, module in imports_in_functions(_tree(path))
        if (_rel(path), module) not in LAZY_ALLOWED
    ]
    assert hidden == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from sqlalchemy import select\n", ["1: from sqlalchemy import select"]),
        (
            "from sqlalchemy.dialects.sqlite import insert as ins\n",
            ["1: from sqlalchemy.dialects.sqlite import insert"],
        ),
        ("import sqlalchemy as sa\nsa.update(t)\n", ["2: sa.update("]),
        ("import sqlalchemy\nsqlalchemy.sql.delete(t)\n", ["2: sqlalchemy.sql.delete("]),
        ("from collections import Counter\nc = Counter()\nc.update([1])\n{}.update(a=1)\n", []),
        ("from sqlalchemy.orm import Session\n", []),
    ],
)
def test_the_sql_check_tells_statements_from_other_calls(source, found):
    assert sql_statements(ast.parse(source)) == found


def test_the_import_check_sees_an_import_inside_a_function():
    tree = ast.parse("import os\ndef f():\n    from registry.db import begin_write\n    import json\n")
    assert imports_in_functions(tree) == [(3, "registry.db"), (4, "json")]


def write_transactions_in_flows(tree: ast.Module) -> list[str]:
    """Each write transaction a `@flow` function opens itself (`begin_write(...)` or `.begin()`):
    tasks and registry functions open them, a flow only wires tasks."""
    out = []
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            isinstance(d, ast.Call) and getattr(d.func, "id", None) == "flow" for d in fn.decorator_list
        ):
            out += [
                f"{fn.name}: {ast.unparse(node.func)}"
                for node in ast.walk(fn)
                if isinstance(node, ast.Call)
                and (getattr(node.func, "id", None) == "begin_write" or getattr(node.func, "attr", None) == "begin")
            ]
    return out


@pytest.mark.parametrize("path", FLOWS, ids=_rel)
def test_a_flow_opens_no_transaction_itself(path):
    assert write_transactions_in_flows(_tree(path)) == []


def test_the_transaction_check_sees_one_in_a_flow():
    tree = ast.parse(
        "@flow(name='x')\ndef f():\n    with begin_write(registry()) as s:\n        pass\n"
        "    registry().begin()\n@task()\ndef t():\n    begin_write(registry())\n"
    )
    assert sorted(write_transactions_in_flows(tree)) == ["f: begin_write", "f: registry().begin"]
