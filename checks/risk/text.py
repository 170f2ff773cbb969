"""Text pipeline: normalisation, jieba segmentation with the domain dictionary, stop words.

A complaint goes through `analysis_clauses(text)`: personal data masked first
(`masking`), mask placeholders dropped, full-width characters folded to
half-width, Latin lower-cased, every digit run turned into `0` (dates and
amounts carry no topic), then cut into clauses at punctuation. A clause's
terms are its jieba tokens (two characters or more, not stop words, with at
least one Chinese character or two Latin letters) plus any discovered phrase
it contains (`Vocabulary`). Clauses repeat a great deal in complaint summaries
("要求退货退款"), so `Analyzer` memoises terms per clause.

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
    import jieba

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


class Analyzer:
    """Terms of complaint texts for one scan: jieba tokens plus the scan's discovered phrases.

    Keeps per-clause results (bounded) and counts the seconds spent inside jieba.
    """

    MAX_CACHED_CLAUSES = 400_000

    def __init__(self, phrases: frozenset[str] = frozenset(), cache_dir: Path | None = None):
        self.tokenizer = segmenter(cache_dir)
        self.stop = stop_words()
        self.phrases = phrases
        self.lengths = sorted({len(p) for p in phrases})
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
        terms = {t for t in tokens if is_term(t, stop)}
        if self.phrases:
            for n in self.lengths:
                for i in range(len(clause) - n + 1):
                    if clause[i:i + n] in self.phrases:
                        terms.add(clause[i:i + n])
        out = frozenset(terms)
        if len(self.cache) >= self.MAX_CACHED_CLAUSES:
            self.cache.clear()
        self.cache[clause] = out
        return out

    def terms(self, text: str) -> frozenset[str]:
        """The set of terms of one complaint text (masked and normalised first)."""
        clauses = analysis_clauses(text)
        if len(clauses) == 1:
            return self.clause_terms(clauses[0])
        return frozenset().union(*(self.clause_terms(c) for c in clauses))
