"""The CJK font: an embedded TrueType subset when one is installed, else reportlab's STSong-Light.

Registered once per process. The face's tables are read once, and subsets (and their compressed
streams) are memoised by their character list: reportlab otherwise copies the whole 4 MB `glyf`
table, rebuilds and recompresses the same subset for every document, which dominates the cost
of a certificate.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import zlib
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfdoc import PDFArray, PDFObject
from reportlab.pdfbase.ttfonts import TTFont

from documents import pdf_format

pdf_format.install()  # before anything is rendered: reportlab's formatting, remembered

log = logging.getLogger(__name__)

# (path, subfont index): TrueType outlines only; reportlab cannot embed CFF (.otf) fonts.
CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # Debian fonts-droid-fallback
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
)
FONT_NAME = "AssuredCJK"
FALLBACK = "STSong-Light"
# CJK fallback fonts such as Droid Sans Fallback carry no Latin letters, digits or curly quotes:
# those characters are set in the standard (always available) Helvetica instead.
LATIN = "Helvetica"
SUBSET_CACHE = 64


@dataclasses.dataclass(frozen=True, eq=False)
class CjkFont:
    name: str  # reportlab font name to use
    path: Path | None  # None: the non-embedded fallback
    embedded: bool
    glyphs: frozenset[int] | None  # code points the CJK font has; None: all

    @lru_cache(maxsize=4096)  # noqa: B019 (a font lives as long as the process)
    def runs(self, text: str) -> tuple[tuple[str, str], ...]:
        """Split text into (font name, run) so that each character is set in a font that has it."""
        if self.glyphs is None:
            return ((self.name, text),)
        out: list[tuple[str, str]] = []
        for ch in text:
            font = self.name if ord(ch) in self.glyphs else LATIN
            if out and out[-1][0] == font:
                out[-1] = (font, out[-1][1] + ch)
            else:
                out.append((font, ch))
        return tuple(out)

    @lru_cache(maxsize=8192)  # noqa: B019 (a font lives as long as the process)
    def width(self, text: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(run, font, size) for font, run in self.runs(text))


def find_font() -> tuple[Path, int] | None:
    for path, index in ((Path(p), i) for p, i in CANDIDATES):
        if path.is_file() and path.suffix.lower() in (".ttf", ".ttc"):
            return path, index
    return None


_registered: CjkFont | None = None


def cjk_font() -> CjkFont:
    """Register the font on first use; later calls return the same registration."""
    global _registered
    if _registered is None:
        _registered = _register(find_font())
    return _registered


def _register(found: tuple[Path, int] | None) -> CjkFont:
    if found is None:
        log.warning(
            "no TrueType CJK font found (install fonts-droid-fallback or fonts-wqy-zenhei); "
            "certificates use the non-embedded %s, which viewers must supply",
            FALLBACK,
        )
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
        return CjkFont(FALLBACK, None, False, None)
    path, index = found
    font = TTFont(FONT_NAME, str(path), subfontIndex=index)
    _memoise_face(font.face)
    _memoise_font(font)
    pdfmetrics.registerFont(font)
    return CjkFont(FONT_NAME, path, True, frozenset(font.face.charToGlyph))


# Characters frequent in business names, addresses and the reasons of notices: what fills the first
# subset of a document after its fixed text (`first_subset`), so that subset is the same bytes in
# every document of a kind and its glyphs are cut and compressed once.
COMMON_ZH = (
    "有限公司责任股份分店商贸行部市区县镇街道路号湖北省武汉黄石十堰宜昌襄阳鄂州荆门孝感荆州冈咸宁随恩施"
    "仙桃潜江天门江岸汉阳硚口昌青山洪东西蔡甸夏新洲陂经营管理服务中心科技发展实业集团工程建材装饰家具"
    "电器五金汽车维修配件食品餐饮饭酒楼宾馆超便利百货日用服装鞋帽美容发药房诊所医疗健康教育培训文化传媒"
    "广告网络信息咨询物业房地产农业合作社专个体户贸易批零售连锁烟茶水果蔬菜粮油肉禽蛋鲜花旅游运输物流"
    "快递通讯手机数码大小金华兴盛隆福祥顺利达源和平安泰康民"
    "未按时年报列入异常名录严重违法失信行政处罚投诉举报数量明显上升率低于信用风险分类不再为类检查结果"
)


def first_subset(text: str) -> str:
    """The characters to set first in a document whose fixed text is `text`: its characters the
    face has, then `COMMON_ZH`, as many as fill the first of reportlab's 256-code subsets exactly
    (so the document's other characters all fall in later ones); "" for the non-embedded fallback."""
    return _first_subset(cjk_font(), text)


@lru_cache(maxsize=64)
def _first_subset(font: CjkFont, text: str) -> str:
    if font.glyphs is None:
        return ""
    face = pdfmetrics.getFont(font.name)

    class Probe:  # a stand-in document: reportlab keys a font's code assignment by document
        pass

    probe, taken = Probe(), []
    for ch in dict.fromkeys(text + COMMON_ZH):
        if ord(ch) not in font.glyphs or ch.isspace():
            continue
        face.splitString(ch, probe)
        if face.state[probe].nextCode > 256:  # the character opened the second subset
            break
        taken.append(ch)
    return "".join(taken)


def seed(doc, fixed: str) -> None:
    """Assign `fixed` (from `first_subset`) its codes in `doc` before anything is drawn: every
    document seeded with the same `fixed` gives its characters the same codes, so a run of them
    is set the same way in each (`text_run` remembers it). A fresh document gets a copy of the
    codes the first one got, not a new assignment character by character."""
    if not fixed:
        return
    face = pdfmetrics.getFont(cjk_font().name)
    if doc in face.state:
        face.splitString(fixed, doc)
        return
    template, codes = _seeded_state(face, fixed)
    state = copy.copy(template)
    state.assignments = dict(template.assignments)
    state.subsets = [list(subset) for subset in template.subsets]
    face.state[doc] = state
    face.getSubsetInternalName(0, doc)  # its resource name now, as the first run would take it
    doc.assured_seed = (fixed, codes)


@lru_cache(maxsize=64)
def _seeded_state(face, fixed: str):
    """The font's state in a fresh document once `fixed` has its codes, and the code points that have one."""

    class Probe:  # a stand-in document, as in `_first_subset`
        pass

    probe = Probe()
    face.splitString(fixed, probe)
    state = face.state[probe]
    return state, frozenset(state.assignments)


_runs: dict[tuple, str] = {}
RUN_MEMO = 16384


def text_run(t, name: str, size: float, run: str) -> None:
    """`t.setFont(name, size); t.textOut(run)` on a reportlab text object, the same operators,
    remembered where they are the same in every document: a standard font's once it is in the
    document (unless a character went to one of its substitutes), the CJK face's when every
    character of `run` has its code from the document's seed.
    The text object's cursor is not advanced: every line is placed with `setTextOrigin`."""
    doc = t._doc
    font = pdfmetrics.getFont(name)
    seeded: tuple[str, frozenset[int]] | None = None
    key: tuple
    if font._dynamicFont:
        state, seeded = font.state.get(doc), getattr(doc, "assured_seed", None)
        internal = state.internalName if state else None
        key = (name, internal, size, run, seeded[0] if seeded else None)
        ready = internal is not None and seeded is not None
    else:
        key = (name, doc.fontMapping.get(name), size, run)
        ready = key[1] is not None
    code = t._code
    if ready and (found := _runs.get(key)) is not None:
        code.append(found)
        return
    start = len(code)
    t.setFont(name, size)
    code.append(t._formatText(run))  # what `textOut` appends, without measuring the run
    piece = " ".join(code[start:])
    del code[start:]
    code.append(piece)  # the text object joins its operators with spaces: the same bytes
    if ready and (
        all(ord(ch) in seeded[1] for ch in run)
        if seeded is not None
        else piece.count(" Tf ") == 1  # not a substitute font's (Symbol, ZapfDingbats): those register per document
    ):
        if len(_runs) >= RUN_MEMO:
            _runs.clear()
        _runs[key] = piece


class _MemoFlate:
    """FlateDecode that remembers its output: a repeated subset or ToUnicode map is compressed once."""

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self.cache: dict[bytes, bytes] = {}

    def encode(self, content: bytes | str) -> bytes:
        data = content.encode("latin-1") if isinstance(content, str) else content
        if data not in self.cache:
            if len(self.cache) >= 4 * SUBSET_CACHE:
                self.cache.clear()
            self.cache[data] = zlib.compress(data)
        return self.cache[data]


MEMO_FLATE = _MemoFlate()


class _Preformatted:
    """A PDF value whose bytes were formatted once (a subset's Widths array)."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document) -> bytes:
        return self.data


def _memoise_font(font) -> None:
    """Per document reportlab formats each subset's 200-odd glyph widths and rebuilds its ToUnicode
    map; for a repeated subset both are the same bytes, so they are formatted and compressed once."""
    widths: dict[tuple, _Preformatted] = {}
    add_objects = font.addObjects
    marker = "+" + font.face.name.decode("latin-1")

    class Preformatted(_Preformatted, PDFObject):
        pass

    def add_objects_memo(doc) -> None:
        add_objects(doc)
        for obj in doc.idToObject["BasicFonts"].dict.values():
            if marker in getattr(obj, "BaseFont", "") and isinstance(getattr(obj, "Widths", None), PDFArray):
                key = tuple(obj.Widths.sequence)
                if key not in widths:
                    if len(widths) >= SUBSET_CACHE:
                        widths.clear()
                    widths[key] = Preformatted(obj.Widths.format(doc))
                obj.Widths = widths[key]
                cmap = doc.idToObject[obj.ToUnicode.name]
                if cmap.filters:
                    cmap.filters = [MEMO_FLATE]

    font.addObjects = add_objects_memo


def _memoise_face(face) -> None:
    tables: dict[str, bytes] = {}
    read_table = face.get_table

    def get_table(tag: str) -> bytes:
        if tag not in tables:
            tables[tag] = read_table(tag)
        return tables[tag]

    subsets: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
    make_subset = face.makeSubset

    def memo_subset(subset) -> bytes:
        key = tuple(subset)
        if key in subsets:
            subsets.move_to_end(key)
        else:
            subsets[key] = make_subset(subset)
            if len(subsets) > SUBSET_CACHE:
                subsets.popitem(last=False)
        return subsets[key]

    add_subset_objects = face.addSubsetObjects

    def add_subset_objects_memo(doc, fontname, subset):
        ref = add_subset_objects(doc, fontname, subset)
        stream = doc.idToObject[f"fontFile:{face.filename}({fontname})"]
        if stream.filters:
            stream.filters = [MEMO_FLATE]
        return ref

    face.get_table = get_table
    face.makeSubset = memo_subset
    face.addSubsetObjects = add_subset_objects_memo
