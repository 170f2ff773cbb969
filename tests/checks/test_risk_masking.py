"""Personal data in complaint text is masked before anything is stored or shown."""

from __future__ import annotations

import pytest

from checks.risk.masking import mask_personal_data

CASES = [
    ("a mobile number is masked", "联系电话13912345678，", "联系电话[手机号]，"),
    ("a mobile number split by dashes is masked", "电话139-1234-5678", "电话[手机号]"),
    ("a mobile number split by spaces is masked", "电话 139 1234 5678 谢谢", "电话 [手机号] 谢谢"),
    ("a mobile number with +86 is masked", "+86 13912345678", "[手机号]"),
    ("a full-width mobile number is masked", "１３９１２３４５６７８", "[手机号]"),
    ("a landline with an area code is masked", "座机027-87654321", "座机[电话]"),
    ("a landline with the area code in brackets is masked", "（027）8765 4321", "[电话]"),
    ("an ID number ending in X is masked", "身份证号42010219800101123X。", "身份证号[身份证号]。"),
    ("an ID number ending in a digit is masked", "身份证420102198001011234", "身份证[身份证号]"),
    ("an ID number in groups is masked", "420102 19800101 1234", "[身份证号]"),
    ("an e-mail address is masked", "邮箱 zhang.san@example.cn 联系", "邮箱 [邮箱] 联系"),
    ("a long card number is masked", "卡号6222 0212 3456 7890 123", "卡号[号码]"),
    ("a surname before 先生 is masked", "张先生于3月5日购买", "*先生于3月5日购买"),
    ("a full name before 女士 is masked", "投诉人李小明女士称", "投诉人*女士称"),
    ("a compound surname is masked whole", "欧阳娜娜女士", "*女士"),
    ("two names in one text are both masked", "王先生和李女士", "*先生和*女士"),
    ("a price is not a phone number", "价格1299元，共3件", "价格1299元，共3件"),
    ("a 12315 hotline is not personal data", "拨打12315投诉", "拨打12315投诉"),
    ("先生 alone has no name to mask", "先生您好", "先生您好"),
    ("a date is left alone", "2026年6月30日", "2026年6月30日"),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_masking(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_masking_twice_changes_nothing_more(text):
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once
