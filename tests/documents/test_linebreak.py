"""Chinese line breaking (`documents.linebreak`): a date, a 文号 or a certificate number never
breaks, closing punctuation never starts a line, an opening bracket never ends one; the
certificate's `wrap` keeps the rules at every width."""

from __future__ import annotations

import pytest

from documents.certificate import wrap
from documents.linebreak import NO_LINE_END, NO_LINE_START, line_ranges, pieces

WHOLE = ("2026年6月30日", "二〇二六年六月三十日", "鄂市监消〔2026〕17号", "鄂放心〔2026〕第420000-000001号")


@pytest.mark.parametrize("run", WHOLE, ids=["a date", "an official date", "a document number", "a certificate number"])
def test_a_date_or_a_number_is_one_piece(run):
    text = f"经审核于{run}，"
    assert [text[a:b] for a, b in pieces(text) if run in text[a:b]]  # a 文号 may take a few characters before it


def _lines(text: str, per_line: int) -> list[str]:
    return [text[a:b] for a, b in line_ranges(text, [1.0] * len(text), lambda _: per_line)]


@pytest.mark.parametrize("shift", range(24))
def test_wherever_a_date_falls_it_stays_on_one_line(shift):
    text = "甲" * shift + "于2026年6月30日作出鄂市监消〔2026〕17号决定（暂停）。"
    lines = _lines(text, 16)
    assert "".join(lines) == text
    assert any("2026年6月30日" in line for line in lines) and any("鄂市监消〔2026〕17号" in line for line in lines)
    assert not [line for line in lines[1:] if line[0] in NO_LINE_START]
    assert not [line for line in lines[:-1] if line[-1] in NO_LINE_END]


def test_a_run_longer_than_a_line_breaks_between_its_characters():
    assert _lines("鄂放心〔2026〕第420000-000001号", 10) == ["鄂放心〔2026〕第", "420000-000", "001号"]


@pytest.mark.parametrize("width", range(120, 400, 13))  # the date itself is about 100 pt wide
def test_the_certificate_wrap_keeps_a_date_whole_at_every_width(width):
    lines = wrap("经审核，该单位于2026年6月30日达到放心消费创建标准，特授予称号。", 15, width)
    assert any("2026年6月30日" in line for line in lines)
    assert not [line for line in lines[1:] if line[0] in NO_LINE_START]
