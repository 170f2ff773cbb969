"""Faster formatting of reportlab's PDF objects, byte for byte the same output.

Every document here is written by reportlab's `PDFDocument.format`, which turns each name, number
and string into bytes through its generic `format`: a name is re-escaped character by character
and every key and value goes through the `extpdfdoc` codec, for every object of every document.
A certificate's few dozen dictionaries cost ≈ 0.3 ms that way. `install` swaps six of
reportlab's functions for versions that remember what they produced:

- `format` for plain `str`, `int` and `float` values (bounded memos; every other element goes
  to reportlab's own `format`);
- `PDFName`, memoised by name;
- `pdfdocEnc`, memoised for strings (object headers, references, xref lines repeat from one
  document to the next);
- `PDFDictionary.format`, with each key's bytes formatted once;
- `PDFString.format`, memoised for short strings (a document's author, creator, producer);
- `ttfonts.makeToUnicodeCMap`, memoised by subset (a document's first subset is the same in all
  documents of a kind, `documents.fonts.seed`).

Output is identical: `tests/documents/test_pdf_format.py` renders the same documents with and
without and compares the bytes. Installed when `documents.fonts` is first imported, that is
before anything is rendered; a reportlab whose functions differ from the ones these were written
against is left as it is (`installed()` says which). One setting does change the bytes, on
purpose: `install` turns off reportlab's ASCII85 wrapping of page streams (`rl_config.useA85`).
"""

from __future__ import annotations

from collections import OrderedDict

from reportlab import rl_config
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, ttfonts

MEMO_SIZE = 16384  # entries per memo before it is emptied (names, strings and numbers repeat)
CMAP_MEMO = 256  # ToUnicode maps are kilobytes each, and a business's own subset is seldom seen again
MEMO_LENGTH = 128  # longer strings (a page's content) are formatted each time, not remembered

_reportlab_format = pdfdoc.format
_reportlab_name = pdfdoc.PDFName
_reportlab_dict_format = pdfdoc.PDFDictionary.format
_reportlab_enc = pdfdoc.pdfdocEnc
_reportlab_cmap = ttfonts.makeToUnicodeCMap
_reportlab_string_format = pdfdoc.PDFString.format

_strings: dict[str, bytes] = {}
_numbers: dict[tuple[type, float], bytes] = {}
_names: dict[str, str] = {}
_keys: dict[str, bytes] = {}
_encoded: dict[str, bytes] = {}
_cmaps: dict[tuple[str, tuple[int, ...]], str] = {}
_pdf_strings: dict[tuple, bytes] = {}


def _remember(memo: dict, key, value, size: int = MEMO_SIZE):
    if len(memo) >= size:
        memo.clear()
    memo[key] = value
    return value


def pdf_format(element, document, toplevel=0):
    """reportlab's `format`, with plain strings and numbers remembered."""
    kind = type(element)
    if kind is str:
        found = _strings.get(element)
        if found is not None:
            return found
        encoded = element.encode("extpdfdoc")
        return _remember(_strings, element, encoded) if len(element) <= MEMO_LENGTH else encoded
    if kind is bytes:
        return element
    if kind is int or kind is float:
        key = (kind, element)
        found = _numbers.get(key)
        return found if found is not None else _remember(_numbers, key, fp_str(element).encode("extpdfdoc"))
    return _reportlab_format(element, document, toplevel)


def pdf_name(data, lo="!", hi="~"):
    """reportlab's `PDFName`, remembered for the default range of plain characters."""
    if lo != "!" or hi != "~" or type(data) is not str:
        return _reportlab_name(data, lo, hi)
    found = _names.get(data)
    return found if found is not None else _remember(_names, data, _reportlab_name(data))


def pdfdoc_enc(x):
    """reportlab's `pdfdocEnc`, strings remembered."""
    if type(x) is not str:
        return x.encode("extpdfdoc") if isinstance(x, str) else x
    found = _encoded.get(x)
    if found is not None:
        return found
    encoded = x.encode("extpdfdoc")
    return _remember(_encoded, x, encoded) if len(x) <= MEMO_LENGTH else encoded


def to_unicode_cmap(fontname, subset):
    """reportlab's `makeToUnicodeCMap`, remembered by font name and subset."""
    key = (fontname, tuple(subset))
    found = _cmaps.get(key)
    return found if found is not None else _remember(_cmaps, key, _reportlab_cmap(fontname, subset), CMAP_MEMO)


def string_format(self, document):
    """reportlab's `PDFString.format`, remembered for short text in an unencrypted document."""
    s = self.s
    if type(s) is not str or len(s) > MEMO_LENGTH or not isinstance(document.encrypt, pdfdoc.NoEncryption):
        return _reportlab_string_format(self, document)
    key = (type(self), s, getattr(self, "enc", "auto"), getattr(self, "escape", 1), self.unicodeEncValid)
    found = _pdf_strings.get(key)
    return found if found is not None else _remember(_pdf_strings, key, _reportlab_string_format(self, document))


def dict_format(self, document, IND=b"\n "):  # noqa: N803 (reportlab's signature)
    """reportlab's `PDFDictionary.format`, each key's "/Key " bytes formatted once."""
    entries = self.dict
    keys = list(entries)
    if not isinstance(entries, OrderedDict):
        keys.sort()
    parts = []
    for k in keys:
        head = _keys.get(k)
        if head is None:
            head = _remember(_keys, k, pdf_format(pdf_name(k), document) + b" ")
        parts.append(head + pdf_format(entries[k], document))
    if (self.multiline and rl_config.pdfMultiLine) or self.multiline == "forced":
        body = IND.join(parts)
    else:
        for i in reversed(range(6, len(parts), 6)):  # a line break every six entries
            parts.insert(i, b"\n ")
        body = b" ".join(parts)
    return b"<<\n" + body + b"\n>>"


# (where, name, reportlab's own, the remembering one, the first arguments reportlab's takes)
_SWAPS = (
    (pdfdoc, "format", _reportlab_format, pdf_format, ("element", "document", "toplevel")),
    (pdfdoc, "PDFName", _reportlab_name, pdf_name, ("data", "lo", "hi")),
    (pdfdoc.PDFDictionary, "format", _reportlab_dict_format, dict_format, ("self", "document", "IND")),
    (pdfdoc, "pdfdocEnc", _reportlab_enc, pdfdoc_enc, ("x",)),
    (ttfonts, "makeToUnicodeCMap", _reportlab_cmap, to_unicode_cmap, ("fontname", "subset")),
    (pdfdoc.PDFString, "format", _reportlab_string_format, string_format, ("self", "document")),
)


def install() -> None:
    """Swap them in (once; a second call changes nothing), and write streams deflated only: by
    default reportlab also wraps each page's stream in ASCII85, a quarter larger and encoded in
    Python (the verifier reads both)."""
    rl_config.useA85 = 0
    if installed() or not _compatible():
        return
    for owner, name, _, ours, _ in _SWAPS:
        setattr(owner, name, ours)


def uninstall() -> None:
    """Put reportlab's own back (the tests compare both; the benchmark's bare page is reportlab's)."""
    for owner, name, theirs, _, _ in _SWAPS:
        setattr(owner, name, theirs)


def installed() -> bool:
    return pdfdoc.format is pdf_format


def _compatible() -> bool:
    """The functions replaced are the ones these copy (reportlab 4.2 to 5.x): same arguments."""
    return all(theirs.__code__.co_varnames[: len(args)] == args for _, _, theirs, _, args in _SWAPS)
