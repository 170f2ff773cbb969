"""The two programmes and what is fixed about each: titles and the markers in certificate numbers."""

from __future__ import annotations

import dataclasses
from enum import StrEnum


class Programme(StrEnum):
    MODEL_UNIT = "model_unit"  # 放心消费创建示范单位
    SEVEN_DAY_RETURN = "seven_day_return"  # 七日无理由退货承诺示范店


@dataclasses.dataclass(frozen=True)
class ProgrammeInfo:
    title_zh: str
    title_en: str
    marker_zh: str  # in the Chinese number: 鄂放心〔2026〕…
    marker_ascii: str  # in the ASCII number: HB-FX-2026-…


PROGRAMMES: dict[Programme, ProgrammeInfo] = {
    Programme.MODEL_UNIT: ProgrammeInfo("放心消费创建示范单位", "Assured Consumption Model Unit", "放心", "FX"),
    Programme.SEVEN_DAY_RETURN: ProgrammeInfo(
        "七日无理由退货承诺示范店", "Seven-Day No-Reason Return Model Store", "七日", "QR"
    ),
}


# The review stages as a Chinese reader names them.
STAGE_ZH = {"county": "县级", "city": "市级", "province": "省级"}


def title_zh(programme: str) -> str:
    """The Chinese title; a programme id not in the table is printed as it is."""
    info = PROGRAMMES.get(programme)  # type: ignore[call-overload]  # a str looks up its StrEnum member
    return info.title_zh if info else programme
