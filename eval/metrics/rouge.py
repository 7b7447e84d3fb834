"""ROUGE-1/2/L/Lsum that is right on Arabic and identical to Google's rouge-score on English.

rouge-score's tokenizer keeps only ``[a-z0-9]``: every Arabic letter is deleted, so any Arabic
pair scores 0.0. The scoring itself (n-gram overlap, LCS, summary-level LCS, best-of-references)
is fine, so it is reused as is through ``RougeScorer(tokenizer=...)``; only the tokenizer changes:

* ``rouge-score`` – Google's tokenizer (with its Porter stemmer) verbatim. The default for
  English, so English figures equal ``RougeScorer(..., use_stemmer=True)`` exactly.
* ``unicode`` – NFKC, lower-case, tokens are runs of Unicode letters/digits/marks. For Arabic
  it also applies the usual light normalization on both sides (the Lucene ArabicNormalizer set:
  diacritics and tatweel removed, alef variants → ا, ى → ي, ة → ه; plus Arabic-Indic digits → 0-9)
  and optionally snowballstemmer's Arabic stemmer. On ASCII text it yields exactly rouge-score's
  tokens.

Scores are F-measures averaged over segments, on a 0–100 scale like the sacrebleu metrics.
A segment whose hypothesis or references tokenize to nothing is reported as a warning (and when
every reference does, as a DataError); it is never a silent 0.
"""

from __future__ import annotations

import importlib.metadata
import logging
import math
import unicodedata
from typing import Any, Mapping, Optional, Protocol, Sequence

import numpy as np
import regex
from tarjama.errors import DataError
from tarjama.eval.metrics.base import Metric, RefStreams, SegmentStats

log = logging.getLogger(__name__)

__all__ = ["ArabicNormalizer", "RougeMetric", "RougeScoreTokenizer", "UnicodeTokenizer",
           "detect_lang", "make_rouge_metrics", "make_tokenizer"]

_DISPLAY = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L",
            "rougeLsum": "ROUGE-Lsum"}
TOKENIZER_NAMES = ("rouge-score", "unicode")

# Harakat, Quranic annotation marks, superscript alef, and tatweel (a pure stretching glyph).
_AR_STRIP = regex.compile(
    "[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
_AR_MAP = str.maketrans({
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # أ إ آ ٱ → ا
    "\u0649": "\u064a",  # ى → ي
    "\u0629": "\u0647",  # ة → ه
    **{chr(0x0660 + d): str(d) for d in range(10)},  # ٠-٩
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # ۰-۹ (Persian forms appear in Arabic news too)
})
# Marks are kept inside tokens so scripts with vowel signs are not cut into pieces.
_TOKEN = regex.compile(r"[\p{L}\p{N}\p{M}]+")
_ARABIC_LETTER = regex.compile(r"(?V1)[\p{Arabic}&&\p{L}]")
_LATIN_LETTER = regex.compile(r"(?V1)[\p{Latin}&&\p{L}]")


class Tokenizer(Protocol):
    name: str
    normalization: str
    stemmer_name: str

    def tokenize(self, text: str) -> list[str]: ...


class _MemoStemmer:
    """Wraps a stemmer with a per-instance cache: Porter in pure Python dominates ROUGE time."""

    def __init__(self, stem_fn: Any, *, keep_word_if_empty: bool = False) -> None:
        self._stem_fn = stem_fn
        self._keep = keep_word_if_empty
        self._cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        out = self._cache.get(word)
        if out is None:
            out = self._stem_fn(word)
            if not out and self._keep:
                out = word
            self._cache[word] = out
        return out


def _porter() -> _MemoStemmer:
    # The exact stemmer rouge-score instantiates, results untouched (parity on English).
    from nltk.stem import porter

    return _MemoStemmer(porter.PorterStemmer().stem)


def _snowball_arabic() -> _MemoStemmer:
    import snowballstemmer

    # A stem that came out empty would silently drop a word from the counts; keep the word.
    return _MemoStemmer(snowballstemmer.stemmer("arabic").stemWord, keep_word_if_empty=True)


class RougeScoreTokenizer:
    """Google rouge-score's own tokenizer (``rouge_score.tokenize.tokenize``), unchanged."""

    name = "rouge-score"
    normalization = "ascii"

    def __init__(self, stem: bool = True) -> None:
        from rouge_score import tokenize as rs_tokenize

        self._tokenize = rs_tokenize.tokenize
        self._stemmer = _porter() if stem else None
        self.stemmer_name = "porter" if stem else "no"

    def tokenize(self, text: str) -> list[str]:
        return self._tokenize(text, self._stemmer)


class ArabicNormalizer:
    """Light orthographic normalization applied identically to hypotheses and references."""

    def __call__(self, text: str) -> str:
        return _AR_STRIP.sub("", text).translate(_AR_MAP)


class UnicodeTokenizer:
    """NFKC, lower-case, [Arabic normalization], runs of letters/digits, [stemming]."""

    name = "unicode"

    def __init__(self, *, arabic: bool = False, stemmer: str = "no") -> None:
        self._arabic = ArabicNormalizer() if arabic else None
        self.normalization = "nfkc+ar" if arabic else "nfkc"
        self.stemmer_name = stemmer
        self._stemmer: Optional[_MemoStemmer]
        if stemmer == "porter":
            self._stemmer = _porter()
        elif stemmer == "snowball-arabic":
            self._stemmer = _snowball_arabic()
        elif stemmer == "no":
            self._stemmer = None
        else:
            raise ValueError(f"unknown stemmer {stemmer!r}")

    def tokenize(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        if self._arabic:
            # Before stemming, so that spelling variants (ة/ه, ى/ي, أ/ا) reach the stemmer as
            # one form and cannot come out as different stems.
            text = self._arabic(text)
        tokens = _TOKEN.findall(text)
        if self._stemmer is None:
            return tokens
        if self.stemmer_name == "porter":
            # rouge-score only stems words longer than 3 characters, and drops what comes out
            # empty; same rules, same tokens.
            stems = [self._stemmer.stem(t) if len(t) > 3 else t for t in tokens]
            return [t for t in stems if t]
        return [self._stemmer.stem(t) for t in tokens]


# Other spellings of the two languages with special treatment (ISO 639-2/3, FLORES codes).
_LANG_ALIASES = {"eng": "en", "eng_latn": "en", "ara": "ar", "arb": "ar", "arb_arab": "ar"}


def canonical_lang(lang: str) -> str:
    lang = lang.strip().lower().replace("-", "_")
    return _LANG_ALIASES.get(lang, lang)


def make_tokenizer(lang: str, *, stem: Optional[bool] = None,
                   tokenizer: Optional[str] = None) -> Tokenizer:
    """The tokenizer for a language. English defaults to rouge-score's own (stemmed, as is usual);
    Arabic to the Unicode tokenizer with Arabic normalization (stemming only when asked)."""
    lang = canonical_lang(lang)
    if tokenizer is not None and tokenizer not in TOKENIZER_NAMES:
        raise DataError(f"unknown ROUGE tokenizer '{tokenizer}'; valid: "
                        f"{', '.join(TOKENIZER_NAMES)}")
    if lang == "en":
        stem = True if stem is None else stem
        if tokenizer in (None, "rouge-score"):
            return RougeScoreTokenizer(stem=stem)
        return UnicodeTokenizer(stemmer="porter" if stem else "no")
    if tokenizer == "rouge-score":
        raise DataError(f"the rouge-score tokenizer deletes non-ASCII letters; it cannot score "
                        f"lang '{lang}' (use the unicode tokenizer)")
    if lang == "ar":
        return UnicodeTokenizer(arabic=True, stemmer="snowball-arabic" if stem else "no")
    if stem:
        raise DataError(f"no ROUGE stemmer for lang '{lang}' (stemming exists for en and ar)")
    return UnicodeTokenizer()


def detect_lang(texts: Sequence[str]) -> str:
    """"ar" when Arabic letters outnumber Latin ones, else "en" — for ROUGE's tokenizer choice."""
    arabic = latin = 0
    for t in texts:
        arabic += len(_ARABIC_LETTER.findall(t))
        latin += len(_LATIN_LETTER.findall(t))
    return "ar" if arabic > latin else "en"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _first_lines(indices: Sequence[int], k: int = 5) -> str:
    shown = ", ".join(str(i + 1) for i in indices[:k])
    return shown + (", ..." if len(indices) > k else "")


class _RougeEngine:
    """Scores all requested ROUGE variants in one pass; the variant metrics share it."""

    def __init__(self, variants: Sequence[str], lang: str, tokenizer: Tokenizer) -> None:
        from rouge_score import rouge_scorer

        self.variants = tuple(variants)
        self.lang = lang
        self.tokenizer = tokenizer
        self._scorer = rouge_scorer.RougeScorer(list(self.variants), tokenizer=tokenizer)
        self._last_key: Optional[tuple[Any, ...]] = None
        self._last: Optional[tuple[dict[str, list[list[float]]], int, tuple[str, ...]]] = None

    def stats(self, hyps: Sequence[str], refs: RefStreams
              ) -> tuple[dict[str, list[list[float]]], int, tuple[str, ...]]:
        key = (tuple(hyps), tuple(tuple(s) for s in refs))
        if key == self._last_key and self._last is not None:
            return self._last
        rows: dict[str, list[list[float]]] = {v: [] for v in self.variants}
        empty_hyp: list[int] = []
        empty_ref: list[int] = []
        nrefs_seen: set[int] = set()
        for i, hyp in enumerate(hyps):
            seg_refs = [stream[i] for stream in refs if stream[i] is not None]
            nrefs_seen.add(len(seg_refs))
            if not self.tokenizer.tokenize(hyp):
                empty_hyp.append(i)
            if not any(self.tokenizer.tokenize(r) for r in seg_refs):
                empty_ref.append(i)
            if not seg_refs:
                for v in self.variants:
                    rows[v].append([0.0, 0.0, 0.0, 1.0])
                continue
            # score_multi keeps, per variant, the reference with the best F (rouge-score's rule).
            result = self._scorer.score_multi(seg_refs, hyp)
            for v in self.variants:
                s = result[v]
                rows[v].append([float(s.precision), float(s.recall), float(s.fmeasure), 1.0])
        n = len(hyps)
        desc = f"tokenizer {self.tokenizer.name}, lang {self.lang}"
        if n and len(empty_ref) == n:
            looks = detect_lang([r for s in refs for r in s if r])
            hint = f"; the text looks like lang '{looks}'" if looks != self.lang else ""
            raise DataError(f"ROUGE: all {n} references tokenize to nothing ({desc}){hint}")
        warnings: list[str] = []
        if empty_ref:
            warnings.append(f"ROUGE: {len(empty_ref)} of {n} references tokenize to nothing "
                            f"({desc}); they score 0 (lines {_first_lines(empty_ref)})")
        if empty_hyp:
            warnings.append(f"ROUGE: {len(empty_hyp)} of {n} hypotheses tokenize to nothing "
                            f"({desc}); they score 0 (lines {_first_lines(empty_hyp)})")
        for w in warnings:
            log.warning(w)
        nrefs = nrefs_seen.pop() if len(nrefs_seen) == 1 else -1
        self._last_key, self._last = key, (rows, nrefs, tuple(warnings))
        return self._last


class RougeMetric(Metric):
    """One ROUGE variant. Statistics per segment: precision, recall, F (best reference), 1."""

    def __init__(self, variant: str, engine: _RougeEngine) -> None:
        self.key = variant
        self.name = _DISPLAY[variant]
        self._variant = variant
        self._engine = engine

    def extract(self, hyps: Sequence[str], refs: RefStreams) -> SegmentStats:
        rows, nrefs, warnings = self._engine.stats(hyps, refs)
        return SegmentStats(rows=[list(r) for r in rows[self._variant]], nrefs=nrefs,
                            warnings=warnings)

    def corpus(self, rows: Sequence[Sequence[float]]) -> tuple[float, str]:
        n = len(rows)
        if n == 0:
            return 0.0, ""
        # fsum: the mean is correctly rounded and does not depend on summation order.
        p = math.fsum(r[0] for r in rows) / n
        r_ = math.fsum(r[1] for r in rows) / n
        f = math.fsum(r[2] for r in rows) / n
        return 100.0 * f, f"(P = {100 * p:.2f} R = {100 * r_:.2f})"

    def from_summed(self, summed: np.ndarray) -> float:
        # The trailing 1 per row makes the segment count part of the sum, so means resample too.
        return 100.0 * float(summed[2]) / float(summed[3]) if summed[3] else 0.0

    def segment(self, row: Sequence[float]) -> float:
        return 100.0 * float(row[2])

    def signature(self, nrefs: int, extra: Optional[Mapping[str, Any]] = None) -> str:
        tok = self._engine.tokenizer
        parts: dict[str, Any] = {"nrefs": "var" if nrefs == -1 else nrefs}
        extra = dict(extra or {})
        for k in ("bs", "ar", "seed"):
            if k in extra:
                parts[k] = extra.pop(k)
        parts.update({
            "lang": self._engine.lang,
            "tok": tok.name,
            "norm": tok.normalization,
            "stem": tok.stemmer_name if tok.stemmer_name in ("no", "porter")
            else f"{tok.stemmer_name}-{_version('snowballstemmer')}",
            "lsum": "newline",
            "agg": "mean",
        })
        parts.update(extra)
        parts["version"] = f"rouge-score-{_version('rouge-score')}"
        return "|".join(f"{k}:{v}" for k, v in parts.items())


def make_rouge_metrics(variants: Sequence[str], *, lang: str, stem: Optional[bool] = None,
                       tokenizer: Optional[str] = None) -> list[RougeMetric]:
    engine = _RougeEngine(variants, canonical_lang(lang),
                          make_tokenizer(lang, stem=stem, tokenizer=tokenizer))
    return [RougeMetric(v, engine) for v in variants]
