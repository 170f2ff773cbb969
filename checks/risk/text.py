"""Text pipeline: normalisation, jieba segmentation with the domain dictionary, stop words.

A complaint goes through `analysis_clauses(text)`: personal data masked first
(`masking`), mask placeholders dropped, full-width characters folded to
half-width, Latin lower-cased, every digit run turned into `0` (dates and
amounts carry no topic), then cut into clauses at punctuation. A clause's
terms (`Analyzer`) are its jieba tokens (two characters or more, not stop
words, with at least one Chinese character or two Latin letters) plus any
discovered phrase it contains. Once a scan knows its terms, `TermMatcher`
finds them in further text by substring look-ups, without segmenting it.
Clauses repeat a great deal in complaint summaries ("要求退货退款"), so both
memoise per clause.

jieba loads its dictionary once per process (`segmenter(cache_dir)`); its
cache file goes to `cache_dir`, not to the system temp folder.
"""

from __future__ import annotations

import logging
import re
import time
from functools import lru_cache
from importlib import resources
from pathlib import Path

from checks.extras import require
from checks.risk.masking import PLACEHOLDERS, mask_personal_data

_FULL_TO_HALF = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_CLAUSE_BREAK = re.compile(r"[\s,.;:!?，。；：！？、（）()\[\]【】“”\"'‘’《》<>/|~…—\-]+")
_HAN = re.compile("[\u4e00-\u9fff]")
_LATIN_WORD = re.compile("[a-z]{2,}")


def _data_lines(name: str) -> list[str]:
    text = resources.files("checks.risk").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(_data_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def domain_terms() -> tuple[str, ...]:
    """The repository's consumer-protection dictionary (checks/risk/data/domain_dict.txt)."""
    return tuple(line.split()[0] for line in _data_lines("domain_dict.txt"))


def normalise(text: str) -> str:
    """Masked text ready for analysis: no placeholders, half-width, lower case, digit runs as `0`."""
    text = _PLACEHOLDER.sub("，", mask_personal_data(text))
    return _DIGITS.sub("0", text.translate(_FULL_TO_HALF).lower())


def analysis_clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE_BREAK.split(normalise(text)) if c]


def is_term(token: str, stop: frozenset[str]) -> bool:
    return len(token) >= 2 and token not in stop and bool(_HAN.search(token) or _LATIN_WORD.fullmatch(token))


@lru_cache(maxsize=2)
def segmenter(cache_dir: Path | None = None):
    """The process's jieba tokenizer with the domain dictionary (loaded once; cache in `cache_dir`)."""
    jieba = require("jieba", "risk", "The risk scan")  # a second to import: only when a scan segments
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = str(cache_dir)
    tokenizer.initialize()
    for term in domain_terms():
        tokenizer.add_word(term)
    return tokenizer


def in_dictionary(term: str, cache_dir: Path | None = None) -> bool:
    """True when jieba's dictionary (with ours) knows `term` as a word."""
    return bool(segmenter(cache_dir).FREQ.get(term))


def _union(parts: list[frozenset[str]]) -> frozenset[str]:
    return parts[0] if len(parts) == 1 else frozenset().union(*parts)


class TermMatcher:
    """Which of a fixed set of terms each text contains (as a substring of a clause).

    Counting known terms this way costs a few dictionary look-ups per character,
    a tenth of segmenting the text; results are memoised per clause (bounded).
    """

    MAX_CACHED_CLAUSES = 400_000

    def __init__(self, terms: frozenset[str]):
        self.terms = terms
        self.lengths = sorted({len(t) for t in terms})
        self.cache: dict[str, frozenset[str]] = {}

    def clause_terms(self, clause: str) -> frozenset[str]:
        hit = self.cache.get(clause)
        if hit is None:
            terms = self.terms
            hit = frozenset(
                clause[i : i + n]
                for n in self.lengths
                for i in range(len(clause) - n + 1)
                if clause[i : i + n] in terms
            )
            if len(self.cache) >= self.MAX_CACHED_CLAUSES:
                self.cache.clear()
            self.cache[clause] = hit
        return hit

    def of_clauses(self, clauses: list[str]) -> frozenset[str]:
        return _union([self.clause_terms(c) for c in clauses]) if clauses else frozenset()


class Analyzer:
    """Terms of complaint texts for one scan: jieba tokens plus the scan's discovered phrases.

    Keeps per-clause results (bounded) and counts the seconds spent inside jieba.
    """

    MAX_CACHED_CLAUSES = 400_000

    def __init__(self, phrases: frozenset[str] = frozenset(), cache_dir: Path | None = None):
        self.tokenizer = segmenter(cache_dir)
        self.stop = stop_words()
        self.phrases = TermMatcher(phrases)
        self.cache: dict[str, frozenset[str]] = {}
        self.segment_seconds = 0.0
        self.clauses = 0
        self.segmented = 0

    def clause_terms(self, clause: str) -> frozenset[str]:
        self.clauses += 1
        hit = self.cache.get(clause)
        if hit is not None:
            return hit
        started = time.perf_counter()
        tokens = self.tokenizer.lcut(clause, HMM=False)
        self.segment_seconds += time.perf_counter() - started
        self.segmented += 1
        stop = self.stop
        out = frozenset(t for t in tokens if is_term(t, stop)) | self.phrases.clause_terms(clause)
        if len(self.cache) >= self.MAX_CACHED_CLAUSES:
            self.cache.clear()
        self.cache[clause] = out
        return out

    def of_clauses(self, clauses: list[str]) -> frozenset[str]:
        return _union([self.clause_terms(c) for c in clauses]) if clauses else frozenset()

    def terms(self, text: str) -> frozenset[str]:
        """The set of terms of one complaint text (masked and normalised first)."""
        return self.of_clauses(analysis_clauses(text))
