"""Consumer ratings and mystery shopping in the public disclosures: each certified business's
red-list row, and each enterprise row of the complaint disclosure, carry its ratings (count, mean
stars) and mystery-shop visits (count, returns refused within the commitment) of the 12 months
to the date — in the JSON and in the CSV with its Chinese headers."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

from tests.publish.conftest import AS_OF

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _rating(n: int, uscc: str, day: str, stars: int) -> dict:
    return {"rating_id": f"PJ-{n}", "uscc": uscc, "rated_on": day, "stars": stars, "channel": "qr", "text": None}


def _shop(n: int, uscc: str, day: str, outcome: str, within: bool | None) -> dict:
    return {
        "shop_id": f"AF-{n}",
        "uscc": uscc,
        "visited_on": day,
        "shopper": "V101",
        "scenario": "return_request",
        "outcome": outcome,
        "within_commitment": within,
        "note": None,
    }


def test_ratings_and_mystery_shops_of_the_last_twelve_months_appear_per_business(cli, disclosure_data, tmp_path):
    u = disclosure_data["usccs"]
    folder = tmp_path / "field"
    folder.mkdir()
    _jsonl(
        folder / "ratings.jsonl",
        [
            _rating(1, u["E"], "2026-05-01", 5),
            _rating(2, u["E"], "2026-06-30", 4),  # the last day of the period counts
            _rating(3, u["E"], "2025-06-30", 4),  # a year and a day before: outside
            _rating(4, u["E"], "2026-01-10", 4),
        ],
    )
    _jsonl(
        folder / "mystery_shops.jsonl",
        [
            _shop(1, u["F"], "2026-03-01", "refused", True),
            _shop(2, u["F"], "2026-04-01", "refused", False),  # outside the commitment: a visit, not a refusal
            _shop(3, u["F"], "2026-05-01", "accepted", True),
        ],
    )
    assert cli("ingest", folder).code == 0
    out = tmp_path / "pub"
    assert cli("publish", "--out", out, "--as-of", AS_OF, "--min-complaints", 10).code == 0
    red = {e["uscc"]: e for e in json.loads((out / "red_list.json").read_text(encoding="utf-8"))["items"]}
    assert (red[u["E"]]["ratings"], red[u["E"]]["stars_mean"]) == (3, 4.3)
    assert (red[u["E"]]["mystery_shops"], red[u["E"]]["returns_refused"]) == (0, 0)
    assert (red[u["F"]]["ratings"], red[u["F"]]["stars_mean"]) == (0, None)
    assert (red[u["F"]]["mystery_shops"], red[u["F"]]["returns_refused"]) == (3, 1)
    rows = list(csv.DictReader(io.StringIO((out / "red_list.csv").read_text(encoding="utf-8-sig"))))
    e_row = next(r for r in rows if r["统一社会信用代码"] == u["E"])
    assert (e_row["消费者评价条数"], e_row["平均星级"], e_row["暗访拒绝退货次数"]) == ("3", "4.3", "0")
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "暗访拒绝退货次数" in readme and "returns refused within the commitment" in readme
    disclosure = json.loads((out / "complaint_disclosure.json").read_text(encoding="utf-8"))["items"]
    assert all({"ratings", "stars_mean", "mystery_shops", "returns_refused"} <= set(e) for e in disclosure)
    text = "".join(page.extract_text() for page in PdfReader(out / "red_list.pdf").pages)
    flat = "".join(text.split())  # a cell wraps onto two lines
    assert "4.3星（3条）" in flat and "暗访3次，拒绝退货1次" in flat
    if shutil.which("pdftoppm"):  # the page image, kept to be looked at
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", out / "red_list.pdf", ARTIFACTS / "red-list-field"],
            check=True,
        )
