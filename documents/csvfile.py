"""The one way the project writes CSV: a cell a spreadsheet would read as a formula is neutralised.

OWASP's CSV injection advice: a text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote, so Excel, LibreOffice and WPS show it as text instead of
evaluating it. Numbers (int, float) are left as they are: a negative amount stays a number.
A file for the public (`table_bytes`) begins with a byte-order mark and carries Chinese headers,
each documented in the README written beside it (`readme_text`).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` as a CSV cell: None empty, text beginning like a formula prefixed with `'`."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_row(cells: Iterable[Any]) -> list[Any]:
    return [safe_cell(c) for c in cells]


def csv_text(rows: Iterable[Sequence[Any]], header: Sequence[str] | None = None, *, line_end: str = "\r\n") -> str:
    """Rows (and a header) as CSV text, every cell through `safe_cell`; RFC 4180 minimal quoting."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=line_end)
    if header is not None:
        w.writerow(safe_row(header))
    w.writerows(safe_row(r) for r in rows)
    return buf.getvalue()


BOM = "\ufeff"  # Excel and WPS read a CSV as UTF-8 only when it begins with one


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a CSV the project publishes: `id` its name in the JSON and the code, `zh` the
    header printed in the CSV, `doc` what it holds (for the README beside the file)."""

    id: str
    zh: str
    doc: str


def table_bytes(rows: Iterable[Sequence[Any]], columns: Sequence[Column], *, line_end: str = "\r\n") -> bytes:
    """A CSV for people with spreadsheets: UTF-8 with a BOM, the Chinese headers, cells neutralised."""
    return (BOM + csv_text(rows, [c.zh for c in columns], line_end=line_end)).encode("utf-8")


def columns_readme(name: str, title: str, columns: Sequence[Column]) -> list[str]:
    """The README lines describing one CSV file: each header, its field name and what it holds."""
    lines = [f"### {name}（{title}）", "", "| 列名 / header | 字段 / field | 说明 / meaning |", "|---|---|---|"]
    lines += [f"| {c.zh} | `{c.id}` | {c.doc} |" for c in columns]
    return lines + [""]


def readme_text(title: str, intro: Sequence[str], files: Sequence[tuple[str, str, Sequence[Column]]]) -> str:
    """A README for a folder of CSV files: `intro` paragraphs, then each file's columns."""
    lines = [
        f"# {title}",
        "",
        *intro,
        "",
        "CSV 为 UTF-8（带 BOM），首行为中文列名。 / CSV is UTF-8 with a BOM; the first row holds the Chinese headers.",
        "",
        "## 字段 / Fields",
        "",
    ]
    for name, file_title, columns in files:
        lines += columns_readme(name, file_title, columns)
    return "\n".join(lines) + "\n"
