"""Personal data masking (个人信息脱敏) for complaint text, before anything is stored or shown.

`mask_personal_data(text)` replaces, in this order (long numbers before phone
numbers, so a card number is not read as one):

| what | pattern (digits may be full-width, groups may be split by spaces or dashes) | becomes |
|---|---|---|
| e-mail address | `name@host.tld` | `[邮箱]` |
| resident ID number | 17 digits + digit or X (GB 11643), or the old 15-digit form | `[身份证号]` |
| any other run of 14+ digits | bank cards, order numbers | `[号码]` |
| mobile number | `1[3-9]` + 9 digits, optionally `+86`/`86` in front | `[手机号]` |
| landline | area code `0` + 2-3 digits, then 7-8 digits, e.g. `027-8765 4321`, `(027)87654321` | `[电话]` |
| a name before 先生/女士 | the surname (single or compound) and up to two given-name characters | `*先生`, `*女士` |

Names: the honorific stays and the whole name becomes one `*` (张先生 -> *先生,
李小明女士 -> *女士), so neither the surname nor the name's length is shown. The
name starts at a known surname; where the text does not make that clear, the one
character before the honorific is masked anyway (over-masking beats a leak).

Pure and cheap: each pattern runs only when a quick test says it could match.
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("[邮箱]", "[身份证号]", "[手机号]", "[电话]", "[号码]")

_D = "[0-9０-９]"  # a digit, half- or full-width
_SEP = "[ \u3000\\-－—–]?"  # an optional separator between digit groups
_NOT_DIGIT_BEFORE = "(?<![0-9０-９])"
_NOT_DIGIT_AFTER = "(?![0-9０-９])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_ID = re.compile(
    _NOT_DIGIT_BEFORE
    + f"(?:{_D}{{6}}{_SEP}{_D}{{8}}{_SEP}{_D}{{3}}[0-9０-９XxＸｘ]|{_D}{{15}})"
    + "(?![0-9０-９A-Za-z])"
)
_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE + r"(?:(?:\+|＋)?86" + _SEP + ")?" + f"[1１][3-9３-９]{_D}(?:{_SEP}{_D}){{8}}" + _NOT_DIGIT_AFTER
)
_LANDLINE = re.compile(
    _NOT_DIGIT_BEFORE
    + f"(?:[(（][0０]{_D}{{2,3}}[)）]{_SEP}|[0０]{_D}{{2,3}}{_SEP})"
    + f"{_D}{{3,4}}{_SEP}{_D}{{4}}"
    + _NOT_DIGIT_AFTER
)
_LONG_NUMBER = re.compile(f"{_D}(?:{_SEP}{_D}){{13,}}")
_MAYBE_NUMBER = re.compile(f"{_D}(?:{_SEP}{_D}){{6}}")

_HONORIFIC = re.compile("(先生|女士)")
# Common single surnames (百家姓 by frequency) and compound ones.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄"
    "窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝"
)
_COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "端木",
    "西门",
    "南宫",
    "独孤",
)
# Characters after which a name plausibly starts (消费者张先生, 投诉人李女士, 与王先生).
_BEFORE_NAME = frozenset("者人户客主我与和及向给称的是位名姓叫系由对被据经请同跟找为")


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _name_start(text: str, end: int) -> int:
    """Where the name that ends at `end` (just before 先生/女士) starts; `end` if there is none."""
    for length in (4, 3, 2, 1):
        start = end - length
        if start < 0 or not all(_is_han(c) for c in text[start:end]):
            continue
        head = text[start:end]
        surname = head[:2] in _COMPOUND_SURNAMES or (length < 4 and head[0] in _SURNAMES)
        boundary = start == 0 or not _is_han(text[start - 1]) or text[start - 1] in _BEFORE_NAME
        if surname and boundary:
            return start
    return end - 1 if end > 0 and _is_han(text[end - 1]) else end


def _mask_names(text: str) -> str:
    out, last = [], 0
    for m in _HONORIFIC.finditer(text):
        start = _name_start(text, m.start())
        if start < last:  # overlapping with the previous mask: nothing left to hide
            start = max(last, start)
        out.append(text[last:start])
        if start < m.start():
            out.append("*")
        out.append(m.group(1))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def mask_personal_data(text: str) -> str:
    """`text` with e-mail addresses, ID, phone and other long numbers, and names before
    先生/女士 replaced by placeholders (see the module's table). Idempotent."""
    if "@" in text or "＠" in text:
        text = _EMAIL.sub("[邮箱]", text)
    if _MAYBE_NUMBER.search(text):
        text = _ID.sub("[身份证号]", text)
        text = _LONG_NUMBER.sub("[号码]", text)
        text = _MOBILE.sub("[手机号]", text)
        text = _LANDLINE.sub("[电话]", text)
    if "先生" in text or "女士" in text:
        text = _mask_names(text)
    return text
